"""LI: is the light on the subject's face usable — not too dark, not blown out, even, not backlit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Severity
from ..option_bounds import bounded
from .base import Hit, ImageContext, ImageRule, register

_FACE = frozenset({"basic", "faces"})


@register
class FaceUnderexposed(ImageRule):
    """The subject's face is too dark: shadows crush the detail the profile learns."""

    code = "LI01"
    name = "face-underexposed"
    summary = "subject face too dark / crushed shadows"
    default_severity = Severity.WARNING
    requires = _FACE

    @dataclass(frozen=True)
    class Options:
        min_face_luma: float = 55.0
        max_dark_fraction: float = 0.4

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is None or s.luma_mean is None or s.dark_fraction is None:
            return
        if s.luma_mean < opts.min_face_luma or s.dark_fraction > opts.max_dark_fraction:
            yield Hit(
                f"face too dark (mean brightness {s.luma_mean:.0f}/255, {s.dark_fraction:.0%} in deep shadow)",
                "face the light (a window or daylight) or use a brighter photo",
            )


@register
class FaceOverexposed(ImageRule):
    """The subject's face is too bright: blown highlights lose skin texture and shape."""

    code = "LI02"
    name = "face-overexposed"
    summary = "subject face too bright / blown highlights"
    default_severity = Severity.WARNING
    requires = _FACE

    @dataclass(frozen=True)
    class Options:
        max_face_luma: float = 215.0
        max_bright_fraction: float = 0.2

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is None or s.luma_mean is None or s.bright_fraction is None:
            return
        if s.luma_mean > opts.max_face_luma or s.bright_fraction > opts.max_bright_fraction:
            yield Hit(
                f"face too bright (mean brightness {s.luma_mean:.0f}/255, {s.bright_fraction:.0%} blown out)",
                "avoid direct flash and midday sun on the face; use a photo with visible skin texture",
            )


@register
class UnevenFaceLighting(ImageRule):
    """A strong shadow across one side of the face hides half of it."""

    code = "LI03"
    name = "uneven-face-lighting"
    summary = "strong shadow across one side of the face"
    default_severity = Severity.WARNING
    requires = _FACE

    @dataclass(frozen=True)
    class Options:
        max_side_difference_stops: float = 3.0
        max_abs_yaw: float = bounded(25.0, 0.0, 90.0)  # a turned face shows one cheek less lit by nature

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is None or s.side_difference_stops is None or s.yaw is None or abs(s.yaw) > opts.max_abs_yaw:
            return
        if s.side_difference_stops > opts.max_side_difference_stops:
            yield Hit(
                f"one side of the face is {s.side_difference_stops:.1f} stops darker than the other",
                "turn toward the light or use softer, frontal light",
            )


@register
class BackLitFace(ImageRule):
    """The face is much darker than what is behind it (window, sky, sun behind the subject)."""

    code = "LI04"
    name = "backlit-face"
    summary = "face much darker than the background"
    default_severity = Severity.WARNING
    requires = _FACE

    @dataclass(frozen=True)
    class Options:
        max_background_difference_stops: float = 3.0
        max_face_luma: float = 110.0  # a well-exposed face in front of a bright wall is fine

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is None or s.background_difference_stops is None or s.luma_mean is None:
            return
        if s.background_difference_stops > opts.max_background_difference_stops and s.luma_mean < opts.max_face_luma:
            yield Hit(
                f"background is {s.background_difference_stops:.1f} stops brighter than the face",
                "do not stand with your back to a window or the sun; turn so the light falls on the face",
            )
