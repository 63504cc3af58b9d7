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
    """The analysis image reduced by an exact power of two, to the smallest size whose long side is still at
    least 3/4 of `long_side`. An area resize by an exact integer factor is OpenCV's fast path (0.7 ms where a
    resize to an arbitrary size takes 13 ms on a 12 MP photo's half-scale decode); the last row and column
    that do not fill a whole block are left out of the frame (under 2**k pixels, at the bottom and right)."""
    image, k = rgb, 1
    # halving step by step (each one is the fast path), never below one pixel across (a 1 x 65500 strip)
    while max(image.shape[:2]) / 2 >= 0.75 * long_side and min(image.shape[:2]) >= 2:
        image = _halve(image)
        k *= 2
    return Frame(image, 1.0 / k)


def _halve(image: np.ndarray) -> np.ndarray:
    """Each 2x2 block averaged (OpenCV's fast path); an odd last row or column is left out."""
    h, w = image.shape[0] // 2, image.shape[1] // 2
    return cv2.resize(image[: 2 * h, : 2 * w], (w, h), interpolation=cv2.INTER_AREA)


def region_at(
    rgb: np.ndarray, frame: Frame | None, box: tuple[int, int, int, int], scale: float, averages_only: bool = False
) -> np.ndarray:
    """The analysis image's region box = (x0, y0, x1, y1), scaled by `scale` (<= 1); cut from the frame when
    the frame has at least that many pixels, else from the full image. Always a contiguous array.
    `averages_only`: the last step (under 2x, after exact halvings) is linear, not area: 0.5 ms instead of 4 for a
    700 px face region, 0.2 levels apart on average, for measures that average over regions."""
    x0, y0, x1, y1 = box
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    if frame is not None and frame.factor < 1.0 and frame.factor >= scale:
        source = _cut(frame, box)
    else:
        source = rgb[y0:y1, x0:x1]
    if (source.shape[1], source.shape[0]) == size:
        return np.ascontiguousarray(source)
    return shrink(np.ascontiguousarray(source), size, cv2.INTER_LINEAR if averages_only else cv2.INTER_AREA)


def halved_region(
    rgb: np.ndarray, frame: Frame | None, box: tuple[int, int, int, int], min_side: int
) -> np.ndarray:
    """The region box = (x0, y0, x1, y1) of the analysis image, reduced by exact 2x2 halvings while its shorter
    side stays at least `min_side` (cut from the frame when the frame's copy is that large). For a model that
    area-resizes the region to a `min_side` input: the same average of the same pixels, but the arbitrary-size
    resize reads at most four times its output instead of the whole face at decode scale (8 ms for a 1300 px
    face)."""
    x0, y0, x1, y1 = box
    if frame is not None and frame.factor < 1.0 and min(x1 - x0, y1 - y0) * frame.factor >= min_side:
        source = _cut(frame, box)
    else:
        source = rgb[y0:y1, x0:x1]
    while min(source.shape[:2]) >= 2 * min_side:
        source = _halve(source)
    return np.ascontiguousarray(source)


def _cut(frame: Frame, box: tuple[int, int, int, int]) -> np.ndarray:
    """The frame's pixels under the analysis-image box (x0, y0, x1, y1), at least one pixel each way."""
    x0, y0, x1, y1 = box
    f = frame.factor
    return frame.image[int(y0 * f) : max(int(y0 * f) + 1, math.ceil(y1 * f)),
                       int(x0 * f) : max(int(x0 * f) + 1, math.ceil(x1 * f))]  # fmt: skip


def shrink(image: np.ndarray, size: tuple[int, int], last_step: int = cv2.INTER_AREA) -> np.ndarray:
    """A resize of `image` to `size` = (width, height), halved exactly first while it is at least twice that
    size, then `last_step` (area unless the caller only averages): OpenCV's area resize to an arbitrary size
    costs in proportion to the pixels it reads (5 ms from a 1000 px frame to 256 px), its exact halving a
    fraction of that, and averaging 2x2 blocks before an area resize averages the same pixels but for the odd
    last row or column."""
    while image.shape[1] >= 2 * size[0] and image.shape[0] >= 2 * size[1] and min(image.shape[:2]) >= 2:
        image = _halve(image)
    if (image.shape[1], image.shape[0]) == size:
        return image
    return cv2.resize(image, size, interpolation=last_step)
