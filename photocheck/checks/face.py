"""FC: is the subject's face there, big, sharp, whole, uncovered, eyes visible and open."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Severity
from ..option_bounds import bounded
from .base import Hit, ImageContext, ImageRule, register

_FACE = frozenset({"basic", "faces"})


@register
class NoFace(ImageRule):
    """No face found: the photo teaches the profile nothing about the person."""

    code = "FC01"
    name = "no-face"
    summary = "no face found"
    default_severity = Severity.ERROR
    requires = _FACE

    def check(self, ctx: ImageContext, opts: ImageRule.Options) -> Iterator[Hit]:
        if ctx.facts.faces is not None and not ctx.facts.faces:
            yield Hit("no face found", "use a photo where the face is clearly visible, facing the camera or turned")


@register
class SmallFace(ImageRule):
    """The subject's face is too small to carry the detail a profile learns from."""

    code = "FC02"
    name = "small-face"
    summary = "subject face smaller than the minimum box height"
    default_severity = Severity.ERROR
    requires = _FACE

    @dataclass(frozen=True)
    class Options:
        min_face_height: int = 256

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is not None and s.box[3] < opts.min_face_height:
            yield Hit(
                f"face is {s.box[3]} px tall, below {opts.min_face_height} px",
                "step closer or crop less: the face should fill a good part of the frame",
            )


@register
class BlurryFace(ImageRule):
    """The subject's face is out of focus or motion-blurred."""

    code = "FC03"
    name = "blurry-face"
    summary = "subject face out of focus or motion-blurred"
    default_severity = Severity.ERROR
    requires = _FACE

    @dataclass(frozen=True)
    class Options:
        min_sharpness: float = 0.36

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is not None and s.sharpness is not None and s.sharpness < opts.min_sharpness:
            yield Hit(
                f"face is blurry (sharpness {s.sharpness:.2f} < {opts.min_sharpness:.2f})",
                "retake with the focus on the eyes and a steady camera",
            )


@register
class FaceCutOff(ImageRule):
    """The subject's face is cut by the image border."""

    code = "FC04"
    name = "face-cut-off"
    summary = "subject face cut by the image border"
    default_severity = Severity.WARNING
    requires = _FACE

    @dataclass(frozen=True)
    class Options:
        max_cut_off: float = 0.05

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is not None and s.cut_off > opts.max_cut_off:
            yield Hit(
                f"{s.cut_off:.0%} of the face is outside the frame",
                "use a photo with the whole head inside the frame",
            )


@register
class FaceOccluded(ImageRule):
    """Part of the subject's face is covered (mask, scarf, hand, object)."""

    code = "FC05"
    name = "face-occluded"
    summary = "part of the subject face covered"
    default_severity = Severity.WARNING
    requires = _FACE

    @dataclass(frozen=True)
    class Options:
        max_lower_face_mismatch: float = 18.0
        max_abs_yaw: float = bounded(45.0, 0.0, 90.0)  # beyond this the lower-face samples fall beside the face

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is None or s.lower_face_mismatch is None or s.yaw is None or abs(s.yaw) > opts.max_abs_yaw:
            return
        if s.lower_face_mismatch > opts.max_lower_face_mismatch:
            yield Hit(
                f"the lower face does not look like skin (colour distance {s.lower_face_mismatch:.0f} "
                f"> {opts.max_lower_face_mismatch:.0f}): mask, scarf, hand or object",
                "use a photo with nothing in front of the face",
            )


@register
class EyesHidden(ImageRule):
    """Sunglasses or other eyewear hide the eyes."""

    code = "FC06"
    name = "eyes-hidden"
    summary = "sunglasses or other eyewear hides the eyes"
    default_severity = Severity.WARNING
    requires = _FACE

    @dataclass(frozen=True)
    class Options:
        max_eye_darkness: float = 0.35  # eye-region luma / cheek luma
        max_eye_texture: float = 0.6  # eye-region contrast / cheek contrast (lenses are flat)

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is None or s.eye_darkness is None or s.eye_texture is None:
            return
        if s.eye_darkness < opts.max_eye_darkness and s.eye_texture < opts.max_eye_texture:
            yield Hit(
                f"eyes look covered by dark lenses (eye region at {s.eye_darkness:.0%} of cheek brightness)",
                "take off sunglasses; clear glasses are fine if the eyes are visible",
            )


@register
class EyesClosed(ImageRule):
    """The subject's eyes are closed."""

    code = "FC07"
    name = "eyes-closed"
    summary = "subject's eyes closed"
    default_severity = Severity.WARNING
    requires = _FACE

    @dataclass(frozen=True)
    class Options:
        min_eye_openness: float = 0.4

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is not None and s.eye_openness is not None and s.eye_openness < opts.min_eye_openness:
            yield Hit(
                f"eyes closed (openness {s.eye_openness:.2f} < {opts.min_eye_openness:.2f})",
                "use a photo with the eyes open",
            )
