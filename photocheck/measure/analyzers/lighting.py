"""Evidence about the light: EXIF exposure (scene light value), flash, colour temperature, and the scene
behind the person (sky, vegetation, a plain backdrop: scene.py)."""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from ...model import LightingFacts
from ..imageio import LoadedImage
from .colour import LINEAR, kelvin_of
from .scene import analyze_scene


def light_value(exif: dict[str, float]) -> float | None:
    """Scene light value at ISO 100: LV = log2(N^2 / t) - log2(ISO / 100). Sun ~15, overcast ~12, rooms 5-8."""
    t, n, iso = exif.get("exposure_time"), exif.get("f_number"), exif.get("iso")
    if not t or not n or t <= 0 or n <= 0:
        return None
    lv = math.log2(n * n / t)
    if iso and iso > 0:
        lv -= math.log2(iso / 100.0)
    return round(lv, 2) if -6.0 < lv < 22.0 else None


def colour_temperature(rgb_small: np.ndarray, gray_small: np.ndarray | None = None) -> float | None:
    """Correlated colour temperature of the mid-tones (gray-world, McCamy's formula); rough, in kelvin.
    `gray_small`: the picture's luma, if the caller has it."""
    luma = cv2.cvtColor(rgb_small, cv2.COLOR_RGB2GRAY) if gray_small is None else gray_small
    mid_tones = ((luma > 30) & (luma < 230)).astype(np.uint8)
    if cv2.countNonZero(mid_tones) < 100:
        return None
    linear = cv2.LUT(rgb_small, LINEAR)
    kelvin = kelvin_of(np.array(cv2.mean(linear, mask=mid_tones)[:3]))
    return None if kelvin is None else round(kelvin, 0)


def analyze_lighting(
    img: LoadedImage,
    rgb_small: np.ndarray,
    subject_box: tuple[float, float, float, float] | None,
    gray_small: np.ndarray | None = None,
) -> LightingFacts:
    """`subject_box`: the subject face's x, y, w, h in `rgb_small`'s pixels, or None; `gray_small`: the luma of
    `rgb_small` (OpenCV's RGB2GRAY), when the caller has made it."""
    flash = img.exif.get("flash")
    return LightingFacts(
        exif_light_value=light_value(img.exif),
        flash_fired=None if flash is None else bool(int(flash) & 1),
        colour_temperature=colour_temperature(rgb_small, gray_small),
        **dataclasses.asdict(analyze_scene(rgb_small, subject_box, gray_small)),  # the scene's facts, field for field
    )
