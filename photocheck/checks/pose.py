"""PO: head angles in a single photo."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Severity
from .base import Hit, ImageContext, ImageRule, register


@register
class ExtremeHeadTilt(ImageRule):
    """Head rolled or pitched far from how this person usually holds it: distorts the learned face shape."""

    code = "PO01"
    name = "extreme-head-tilt"
    summary = "|roll| or |pitch| beyond the maximum, relative to the set's level"
    default_severity = Severity.WARNING
    requires = frozenset({"basic", "faces"})

    @dataclass(frozen=True)
    class Options:
        max_roll: float = 30.0
        max_pitch: float = 30.0

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is None or s.roll is None or s.pitch is None or not ctx.tilt_measurable:
            return  # near a profile, roll and pitch are not measurable: no tilt is claimed
        roll, pitch = s.roll - ctx.set_roll, s.pitch - ctx.set_pitch
        if abs(roll) > opts.max_roll:
            yield Hit(
                f"head tilted sideways by {abs(roll):.0f}° (more than {opts.max_roll:.0f}°)",
                "hold the head level, or straighten the photo if the camera was tilted",
            )
        elif abs(pitch) > opts.max_pitch:
            way = "up" if pitch > 0 else "down"
            yield Hit(
                f"head tipped {way} by {abs(pitch):.0f}° (more than {opts.max_pitch:.0f}°)",
                "look toward the camera with the chin level",
            )
