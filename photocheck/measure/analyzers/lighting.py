"""Evidence about the light: EXIF exposure (scene light value), flash, colour temperature, visible sky."""

from __future__ import annotations

import math

import cv2
import numpy as np

from ...model import LightingFacts
from ..imageio import LoadedImage


def light_value(exif: dict[str, float]) -> float | None:
    """Scene light value at ISO 100: LV = log2(N^2 / t) - log2(ISO / 100). Sun ~15, overcast ~12, rooms 5-8."""
    t, n, iso = exif.get("exposure_time"), exif.get("f_number"), exif.get("iso")
    if not t or not n or t <= 0 or n <= 0:
        return None
    lv = math.log2(n * n / t)
    if iso and iso > 0:
        lv -= math.log2(iso / 100.0)
    return round(lv, 2) if -6.0 < lv < 22.0 else None


def colour_temperature(rgb_small: np.ndarray) -> float | None:
    """Correlated colour temperature of the mid-tones (gray-world, McCamy's formula); rough, in kelvin."""
    px = rgb_small.reshape(-1, 3).astype(np.float64)
    luma = px @ np.array([0.299, 0.587, 0.114])
    px = px[(luma > 30) & (luma < 230)]
    if len(px) < 100:
        return None
    lin = (px / 255.0) ** 2.2
    r, g, b = lin.mean(axis=0)
    if max(r, g, b) - min(r, g, b) < 1e-4 and r < 1e-4:
        return None
    x_ = 0.4124 * r + 0.3576 * g + 0.1805 * b
    y_ = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z_ = 0.0193 * r + 0.1192 * g + 0.9505 * b
    s = x_ + y_ + z_
    if s <= 0:
        return None
    x, y = x_ / s, y_ / s
    n = (x - 0.3320) / (0.1858 - y)
    cct = 449.0 * n**3 + 3525.0 * n**2 + 6823.3 * n + 5520.33
    return round(float(np.clip(cct, 1500.0, 15000.0)), 0)


def sky_region(rgb_small: np.ndarray) -> tuple[float, float | None]:
    """Share of the top third of the frame that is bright and blue (clear or hazy sky), and the mean luma of
    those pixels (the judge compares it with the face: a blue wall behind a lit face is darker than it)."""
    top = rgb_small[: max(1, rgb_small.shape[0] // 3)]
    lab = cv2.cvtColor(top, cv2.COLOR_RGB2LAB).astype(np.float32)
    light, b = lab[:, :, 0] * (100.0 / 255.0), lab[:, :, 2] - 128.0
    sky = (light > 55.0) & (b < -8.0)
    luma = float(cv2.cvtColor(top, cv2.COLOR_RGB2GRAY)[sky].mean()) if sky.any() else None
    return round(float(np.mean(sky)), 4), None if luma is None else round(luma, 1)


def analyze_lighting(img: LoadedImage, rgb_small: np.ndarray) -> LightingFacts:
    flash = img.exif.get("flash")
    sky, sky_luma = sky_region(rgb_small)
    return LightingFacts(
        exif_light_value=light_value(img.exif),
        flash_fired=None if flash is None else bool(int(flash) & 1),
        colour_temperature=colour_temperature(rgb_small),
        sky_fraction=sky,
        sky_luma=sky_luma,
    )
