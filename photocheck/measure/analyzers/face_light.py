"""The light on a face, from its landmarks: where it comes from, how hard it is, how warm it is.

This is the light the profile model learns the face under, so it is measured on the skin itself:
- direction: the subject's left cheek against the right one, and the forehead against the chin, in stops
  (linear light), signed;
- hardness: how steep the steepest light changes across the skin are, in stops per tenth of the face height,
  with eyes, brows, nostrils and lips masked out. A cast shadow from direct sun or a bare flash has an edge a
  few pixels wide (tens of stops per tenth); soft window or overcast light shades the face over its whole width;
- warmth: the correlated colour temperature of the skin's highlights (the part lit by the main light). Skin is
  itself warm, so this reads lower than the light's true temperature; it is compared between photos, not
  against a light meter.

Landmark indices are MediaPipe Face Mesh's; "left"/"right" are the subject's own sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .colour import LINEAR, kelvin_of, unclipped
from .landmark_groups import FACE_OVAL, LEFT_CHEEK, RIGHT_CHEEK

_FOREHEAD = (151, 108, 337)
_CHIN = (199, 175, 152)
# features whose own edges are not shadows: eyes with brows above them, nostrils, lips
_FEATURES = (
    (70, 63, 105, 66, 107, 55, 65, 52, 53, 46, 33, 7, 163, 144, 145, 153, 154, 155, 133),  # right brow + eye
    (300, 293, 334, 296, 336, 285, 295, 282, 283, 276, 263, 249, 390, 373, 374, 380, 381, 382, 362),  # left
    (98, 97, 2, 326, 327, 294, 278, 4, 48, 64),  # nostrils and nose tip
    (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146),  # lips
)


_WORK_FACE_HEIGHT = 128.0
# Rec. 709 luma weights of linear light, as cv2.transform's 1x3 matrix
_LUMA_709 = np.array([[0.2126, 0.7152, 0.0722]], np.float32)
_LN2 = float(np.log(2.0))
_HALF_TOLERANCE = 1e-3  # a scale this near 1/2 is taken as 1/2 (0.1 % of a 128 px face: a tenth of a pixel)


@dataclass(frozen=True)
class FaceLight:
    from_left_stops: float | None  # log2(subject's left cheek / right cheek): > 0 = light from their left
    from_above_stops: float | None  # log2(forehead / chin): > 0 = light from above
    hardness: float | None  # p95 steepness of the skin's light, stops per tenth of the face height
    highlight_kelvin: float | None  # colour temperature of the skin's brightest quarter (not clipped)


NO_LIGHT = FaceLight(None, None, None, None)


def _patch(lin_luma: np.ndarray, points: np.ndarray, radius: int) -> float | None:
    h, w = lin_luma.shape
    vals = [
        lin_luma[
            int(max(0, y - radius)) : int(min(h, y + radius + 1)), int(max(0, x - radius)) : int(min(w, x + radius + 1))
        ]
        for x, y in points
    ]
    vals = [v.ravel() for v in vals if v.size]
    return _percentile(np.concatenate(vals), 50.0) if vals else None


def _percentile(values: np.ndarray, q: float) -> float:
    """np.percentile's default (linear between the two nearest ranks) by one partition: the same value without
    its per-call overhead, which cost more than the work on a face's few thousand pixels."""
    n = values.size
    rank = q / 100.0 * (n - 1)
    lo = int(np.floor(rank))
    hi = min(lo + 1, n - 1)
    part = np.partition(values, [lo, hi]) if hi != lo else np.partition(values, lo)
    a, b = float(part[lo]), float(part[hi])
    return a + (b - a) * (rank - lo)


def _stops(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    return float(np.log2(max(a, 1e-4) / max(b, 1e-4)))


def measure_face_light(region: np.ndarray, landmarks: np.ndarray, face_height: float) -> FaceLight:
    """`region`: uint8 RGB around the face; `landmarks`: the 478 points in its pixels (x, y first)."""
    if face_height < 24 or min(region.shape[:2]) < 16:
        return NO_LIGHT
    if face_height > _WORK_FACE_HEIGHT:  # averages and a smoothed slope: 128 px of face carry them
        k = _WORK_FACE_HEIGHT / face_height
        # a face the caller already scaled to 256 px arrives at k = 0.5 give or take rounding: asked for exactly
        # 0.5, OpenCV averages 2x2 blocks (its fast path, 0.03 ms); 0.5000001 took the general path (0.4 ms)
        if abs(k - 0.5) < _HALF_TOLERANCE:
            region = cv2.resize(region, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
            k = 0.5
        else:  # a face under 256 px: linear (under 2x, its samples still average neighbours), not area (0.4 ms)
            region = cv2.resize(region, None, fx=k, fy=k, interpolation=cv2.INTER_LINEAR)
        landmarks, face_height = landmarks[:, :2] * k, _WORK_FACE_HEIGHT
    h, w = region.shape[:2]
    lin = cv2.LUT(region, LINEAR)
    lin_luma = cv2.transform(lin, _LUMA_709)
    pts = landmarks[:, :2]
    radius = max(1, int(0.05 * face_height))
    from_left = _stops(
        _patch(lin_luma, pts[list(LEFT_CHEEK)], radius), _patch(lin_luma, pts[list(RIGHT_CHEEK)], radius)
    )
    from_above = _stops(_patch(lin_luma, pts[list(_FOREHEAD)], radius), _patch(lin_luma, pts[list(_CHIN)], radius))

    skin = np.zeros((h, w), np.uint8)
    cv2.fillPoly(skin, [pts[list(FACE_OVAL)].astype(np.int32)], 1)
    features = np.zeros((h, w), np.uint8)
    for idx in _FEATURES:
        cv2.fillPoly(features, [cv2.convexHull(pts[list(idx)].astype(np.int32))], 1)
    grow = max(3, int(0.04 * face_height)) | 1
    near_features = cv2.dilate(features, np.ones((grow, grow), np.uint8)).astype(bool)
    mask = cv2.erode(skin, np.ones((grow, grow), np.uint8)).astype(bool) & ~near_features
    if mask.sum() < 200:
        return FaceLight(from_left, from_above, None, None)

    # pores and stubble are finer than a shadow edge: smooth them away at 1.5 % of the face height
    log_luma = cv2.log(np.maximum(lin_luma, np.float32(1e-4))) * np.float32(1.0 / _LN2)  # log2, by OpenCV's log
    smooth_log = cv2.GaussianBlur(log_luma, (0, 0), max(1.0, 0.015 * face_height))
    gx = cv2.Sobel(smooth_log, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(smooth_log, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    steep = np.sqrt(gx * gx + gy * gy)[mask] * (0.1 * face_height)
    hardness = _percentile(steep, 95.0)

    skin_luma = lin_luma[mask]
    # lit: the skin's brightest quarter, where no channel is clipped
    lit = mask & (lin_luma >= _percentile(skin_luma, 75.0)) & (unclipped(region) > 0)
    n_lit = int(np.count_nonzero(lit))
    warmth = None
    if n_lit >= 50:
        lit_rgb = region[lit].astype(np.float32)
        r, g, b = lit_rgb[:, 0], lit_rgb[:, 1], lit_rgb[:, 2]
        grey = (r + g + b) / 3.0
        # a black-and-white photo has no colour temperature (its grey would read as 6500 K daylight)
        spread = float((np.abs(r - grey) + np.abs(g - grey) + np.abs(b - grey)).mean()) / 3.0
        if spread >= 1.0:
            warmth = kelvin_of(np.array(cv2.mean(lin, mask=lit.view(np.uint8))[:3]))
    return FaceLight(from_left, from_above, hardness, warmth)
