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

from .colour import LINEAR, kelvin_of
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
    return float(np.median(np.concatenate(vals))) if vals else None


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
        region = cv2.resize(region, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        landmarks, face_height = landmarks[:, :2] * k, _WORK_FACE_HEIGHT
    h, w = region.shape[:2]
    lin = cv2.LUT(region, LINEAR)
    lin_luma = lin[..., 0] * 0.2126 + lin[..., 1] * 0.7152 + lin[..., 2] * 0.0722
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
    log_luma = np.log2(np.maximum(lin_luma, 1e-4)).astype(np.float32)
    log_luma = cv2.GaussianBlur(log_luma, (0, 0), max(1.0, 0.015 * face_height))
    gx = cv2.Sobel(log_luma, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(log_luma, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    steep = np.sqrt(gx * gx + gy * gy)[mask] * (0.1 * face_height)
    hardness = float(np.percentile(steep, 95))

    skin_luma = lin_luma[mask]
    brightest = np.maximum(np.maximum(region[..., 0], region[..., 1]), region[..., 2])  # not max(axis=2): 6x slower
    lit = mask & (lin_luma >= np.percentile(skin_luma, 75)) & (brightest < 250)
    lit_rgb = region[lit].astype(np.float32)
    # a black-and-white photo has no colour temperature (its grey would read as 6500 K daylight)
    coloured = lit.sum() >= 50 and float(np.abs(lit_rgb - lit_rgb.mean(axis=1, keepdims=True)).mean()) >= 1.0
    warmth = kelvin_of(lin[lit].mean(axis=0)) if coloured else None
    return FaceLight(from_left, from_above, hardness, warmth)
