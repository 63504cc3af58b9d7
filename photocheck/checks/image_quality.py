"""IQ: is the file itself good enough — decodable, big enough, real detail, clean compression, low noise, colour."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..model import UNREADABLE_FOLDER, Severity
from .base import Hit, ImageContext, ImageRule, register


@register
class UnreadableImage(ImageRule):
    """The file cannot be decoded; the message says why."""

    code = "IQ01"
    judges_unreadable = True
    name = "unreadable-image"
    summary = "the file cannot be decoded (corrupt, truncated, unsupported, decompression bomb, unreadable)"
    default_severity = Severity.ERROR
    requires = frozenset()

    def check(self, ctx: ImageContext, opts: ImageRule.Options) -> Iterator[Hit]:
        if ctx.facts.error and ctx.facts.error.startswith(UNREADABLE_FOLDER):
            yield Hit(ctx.facts.error, "give photocheck read access to the folder, or leave it out with --exclude")
        elif ctx.facts.error:
            yield Hit(ctx.facts.error, "replace it with the original photo, saved as JPEG, HEIC or PNG")


@register
class LowResolution(ImageRule):
    """Shorter side of the photo is below what the profile trainer needs."""

    code = "IQ02"
    name = "low-resolution"
    summary = "shorter side below the minimum after EXIF orientation"
    default_severity = Severity.ERROR

    @dataclass(frozen=True)
    class Options:
        min_short_side: int = 1024

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        b = ctx.facts.basic
        assert b is not None
        short = min(b.width, b.height)
        if short < opts.min_short_side:
            yield Hit(
                f"shorter side {short} px is below {opts.min_short_side} px",
                f"use the original photo, at least {opts.min_short_side} px on the shorter side",
            )


@register
class UpscaledImage(ImageRule):
    """The pixels carry much less detail than their count: upscaled from a small source or a small crop."""

    code = "IQ03"
    name = "upscaled-image"
    summary = "the pixels carry much less detail than their count"
    default_severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        min_detail_ratio: float = 0.2

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        b = ctx.facts.basic
        assert b is not None
        if b.effective_detail < opts.min_detail_ratio:
            yield Hit(
                f"fine-detail ratio {b.effective_detail:.2f} is below {opts.min_detail_ratio:.2f}: "
                "the photo looks enlarged from a smaller image",
                "use the camera original, not an enlarged copy or a zoomed-in crop",
            )


@register
class HeavyCompression(ImageRule):
    """JPEG saved at low quality, or 8x8 block artefacts visible (also in PNGs of once-JPEG photos)."""

    code = "IQ04"
    name = "heavy-compression"
    summary = "estimated JPEG quality below the minimum, or visible block artefacts"
    default_severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        min_jpeg_quality: float = 70.0
        max_blockiness: float = 2.2

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        b = ctx.facts.basic
        assert b is not None
        fix = "export or send the original photo (messaging apps and screenshots recompress it)"
        if b.jpeg_quality is not None and b.jpeg_quality < opts.min_jpeg_quality:
            yield Hit(f"JPEG quality about {b.jpeg_quality:.0f}, below {opts.min_jpeg_quality:.0f}", fix)
        elif b.blockiness is not None and b.blockiness > opts.max_blockiness:
            yield Hit(f"8x8 block artefacts visible (blockiness {b.blockiness:.2f} > {opts.max_blockiness:.2f})", fix)


@register
class NoisyImage(ImageRule):
    """Sensor noise on the face: grain the profile would learn as skin texture."""

    code = "IQ05"
    name = "noisy-image"
    summary = "noise level on the subject's face above the maximum"
    default_severity = Severity.WARNING
    requires = frozenset({"basic", "faces"})

    @dataclass(frozen=True)
    class Options:
        max_face_noise: float = 6.0

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        s = ctx.subject
        if s is not None and s.noise is not None and s.noise > opts.max_face_noise:
            yield Hit(
                f"noise on the face {s.noise:.1f} levels (of 255), above {opts.max_face_noise:.1f}",
                "shoot in more light (daylight by a window), or use a photo not taken in the dark",
            )


@register
class GrayscaleImage(ImageRule):
    """No colour information: the profile cannot learn skin tone or hair colour."""

    code = "IQ06"
    name = "grayscale-image"
    summary = "the photo has no colour information"
    default_severity = Severity.WARNING

    @dataclass(frozen=True)
    class Options:
        min_colourfulness: float = 2.0

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        b = ctx.facts.basic
        assert b is not None
        if b.colourfulness < opts.min_colourfulness:
            yield Hit(
                f"no colour (colourfulness {b.colourfulness:.1f} < {opts.min_colourfulness:.1f})",
                "use a colour photo",
            )
