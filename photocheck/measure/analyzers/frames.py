"""One downscaled copy of the photo, made once and shared by every analyzer that needs fewer pixels.

Resizing a 12 MP frame costs more than running the face landmarker on it; the detector, the lighting and
picture statistics, the face-exposure measures and the face descriptor all want fewer pixels than the
decode gives, so they cut their regions from this copy whenever it holds enough of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # the analysis image scaled by `factor`
    factor: float  # frame pixels per analysis pixel (<= 1)


def make_frame(rgb: np.ndarray, long_side: int) -> Frame:
    h, w = rgb.shape[:2]
    f = min(1.0, long_side / max(h, w))
    if f >= 1.0:
        return Frame(rgb, 1.0)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return Frame(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), f)


def region_at(rgb: np.ndarray, frame: Frame | None, box: tuple[int, int, int, int], scale: float) -> np.ndarray:
    """The analysis image's region box = (x0, y0, x1, y1), scaled by `scale` (<= 1); cut from the frame when
    the frame has at least that many pixels, else from the full image. Always a contiguous array."""
    x0, y0, x1, y1 = box
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    if frame is not None and frame.factor < 1.0 and frame.factor >= scale:
        f = frame.factor
        source = frame.image[int(y0 * f) : max(int(y0 * f) + 1, math.ceil(y1 * f)),
                             int(x0 * f) : max(int(x0 * f) + 1, math.ceil(x1 * f))]  # fmt: skip
    else:
        source = rgb[y0:y1, x0:x1]
    if (source.shape[1], source.shape[0]) == size:
        return np.ascontiguousarray(source)
    return cv2.resize(np.ascontiguousarray(source), size, interpolation=cv2.INTER_AREA)
