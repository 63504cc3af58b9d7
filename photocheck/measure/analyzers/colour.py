"""Colour arithmetic the light measures share: sRGB levels to linear light, and a colour temperature."""

from __future__ import annotations

import cv2
import numpy as np

from ..background import Ahead

# sRGB level -> linear light, as a lookup table (cv2.LUT): a power per pixel costs more than the rest together
LINEAR = ((np.arange(256) / 255.0) ** 2.2).astype(np.float32).reshape(1, 256)

# a channel at or above this level is clipped (blown highlight)
CLIPPED_LEVEL = 250


def unclipped(rgb: np.ndarray) -> np.ndarray:
    """uint8 mask, 255 where no channel of the RGB pixel reaches CLIPPED_LEVEL (one inRange: no per-pixel max)."""
    return cv2.inRange(rgb, (0, 0, 0), (CLIPPED_LEVEL - 1,) * 3)


def kelvin_of(linear_rgb_mean: np.ndarray) -> float | None:
    """McCamy's correlated colour temperature of a mean linear sRGB colour; None for black or grey-less input."""
    r, g, b = (float(v) for v in linear_rgb_mean)
    x_ = 0.4124 * r + 0.3576 * g + 0.1805 * b
    y_ = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z_ = 0.0193 * r + 0.1192 * g + 0.9505 * b
    s = x_ + y_ + z_
    if s <= 1e-6 or abs(0.1858 - y_ / s) < 1e-6:
        return None
    n = (x_ / s - 0.3320) / (0.1858 - y_ / s)
    return float(np.clip(449.0 * n**3 + 3525.0 * n**2 + 6823.3 * n + 5520.33, 1500.0, 15000.0))


class _LabTables:
    """OpenCV builds its 8-bit Lab conversion tables on the first RGB2LAB call: 50-70 ms, once per process.
    `build_ahead` makes that call on another thread (cv2 releases the GIL) while the first photo is decoded and
    landmarked; `rgb_to_lab` waits for it, so the tables are never read while being written (OpenCV's lazy
    set-up is not meant for two threads at once)."""

    def __init__(self) -> None:
        self._started = False
        self._ahead: Ahead | None = None

    def build_ahead(self) -> None:
        if not self._started:
            self._started = True
            self._ahead = Ahead(lambda: cv2.cvtColor(np.zeros((1, 1, 3), np.uint8), cv2.COLOR_RGB2LAB),
                                "photocheck Lab tables")  # fmt: skip

    def wait(self) -> None:
        if self._ahead is not None:
            ahead, self._ahead = self._ahead, None
            ahead.wait()


LAB_TABLES = _LabTables()


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """OpenCV's 8-bit RGB -> CIE Lab, once the tables it may be building ahead are ready."""
    LAB_TABLES.wait()
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
