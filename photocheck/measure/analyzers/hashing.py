"""Perceptual hashes for finding the same shot twice (DS02): the whole picture and the face alone.

OpenCV's pHash (64-bit DCT hash, from opencv-contrib's img_hash) survives re-encoding and resizing. Uniform
borders are trimmed first, so letterboxing does not change it; the mirrored image is hashed too, so a
flipped copy is found. A crop moves the whole picture's hash, but not the hash of the face region, which
is why faces get their own.
"""

from __future__ import annotations

import cv2
import numpy as np

from .frames import Frame, halved_region

_HASHER = cv2.img_hash.PHash_create()  # type: ignore[attr-defined]  # opencv-contrib
_FACE_SIZE = 64
_FLAT_STD = 4.0  # a border row/column this uniform is letterboxing, not picture


def _hex(gray: np.ndarray) -> str:
    return bytes(_HASHER.compute(np.ascontiguousarray(gray)).ravel()).hex()


def trim_borders(gray: np.ndarray) -> np.ndarray:
    """The picture without uniform bars (letterbox / pillarbox), at most a quarter from each side."""
    h, w = gray.shape
    top, bottom, left, right = 0, h, 0, w
    # every row's spread at once, then every column's over the rows left (not a numpy call per line)
    flat_row = gray.std(axis=1) < _FLAT_STD
    while top < h // 4 and flat_row[top]:
        top += 1
    while bottom > h - h // 4 and flat_row[bottom - 1]:
        bottom -= 1
    flat_column = np.ascontiguousarray(gray[top:bottom].T).std(axis=1) < _FLAT_STD
    while left < w // 4 and flat_column[left]:
        left += 1
    while right > w - w // 4 and flat_column[right - 1]:
        right -= 1
    return gray[top:bottom, left:right]


def image_hashes(gray_small: np.ndarray) -> tuple[str, str]:
    """(hash, hash of the mirror image) of a small grayscale copy of the whole photo."""
    picture = trim_borders(gray_small)
    if picture.size == 0:
        picture = gray_small
    return _hex(picture), _hex(cv2.flip(picture, 1))


def face_hashes(
    rgb: np.ndarray, box: tuple[float, float, float, float], frame: Frame | None = None
) -> tuple[str, str] | None:
    """(hash, mirrored hash) of the face box plus a 10 % margin, at 64 px; None for a degenerate box. `frame`:
    the analysis image's shared downscale, which a large face is taken from."""
    h, w = rgb.shape[:2]
    x, y, bw, bh = box
    x0, y0 = int(max(0, x - 0.1 * bw)), int(max(0, y - 0.1 * bh))
    x1, y1 = int(min(w, x + 1.1 * bw)), int(min(h, y + 1.1 * bh))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    gray = cv2.cvtColor(halved_region(rgb, frame, (x0, y0, x1, y1), _FACE_SIZE), cv2.COLOR_RGB2GRAY)
    face = cv2.resize(gray, (_FACE_SIZE, _FACE_SIZE), interpolation=cv2.INTER_AREA)
    return _hex(face), _hex(cv2.flip(face, 1))
