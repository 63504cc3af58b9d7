"""Measurements on one face: focus, noise, exposure, evenness, eyes, occlusion evidence.

Landmark indices are MediaPipe Face Mesh's. "Left"/"right" are the subject's own sides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import cv2
import numpy as np

from ...model import FaceFacts
from .colour import rgb_to_lab
from .face_light import NO_LIGHT, measure_face_light
from .faces import RawFace
from .frames import Frame, region_at
from .landmark_groups import FACE_OVAL as _FACE_OVAL
from .landmark_groups import LEFT_CHEEK as _LEFT_CHEEK
from .landmark_groups import RIGHT_CHEEK as _RIGHT_CHEEK

_KEY_POINTS = {
    "right_eye": (33, 133),
    "left_eye": (362, 263),
    "nose_tip": (1,),
    "mouth_right": (61,),
    "mouth_left": (291,),
    "chin": (152,),
}
# what a mask, scarf or hand covers, compared with the nose bridge (the one skin a mask, a fringe and
# a hat all leave visible)
_LOWER_FACE = (17, 200, 175, 61, 291, 50, 280, 205, 425)
_NOSE_BRIDGE = (6, 168, 197)
# face crops are normalised to this height before focus is judged, so big and small faces compare
_FOCUS_HEIGHT = 256
# the noise estimate's median is taken over at most this many filter responses (a regular sample of them)
_NOISE_SAMPLES = 1 << 17
# exposure, evenness, eye and colour measures are taken on the face scaled down to at most this height
_STATS_FACE_HEIGHT = 256


def _luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma as float32 (OpenCV's conversion: the same weights, a quarter of numpy's time)."""
    if rgb.ndim == 3 and rgb.shape[0] and rgb.shape[1]:
        return cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32), cv2.COLOR_RGB2GRAY)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def _linear(luma: np.ndarray) -> np.ndarray:
    return (np.clip(luma, 0, 255) / 255.0) ** 2.2


def _patch_mean(
    img: np.ndarray, pts: np.ndarray, radius: float, transform: Callable[[np.ndarray], np.ndarray] | None = None
) -> tuple[float, float] | None:
    """Mean and std of img (of `transform` of its values) in discs around points (pixels inside the image only).
    The transform is applied to the gathered pixels, not the whole image: the same values, a fraction of the
    work."""
    h, w = img.shape[:2]
    vals = []
    r = max(1, int(radius))
    for x, y in pts:
        x0, x1 = int(max(0, x - r)), int(min(w, x + r + 1))
        y0, y1 = int(max(0, y - r)), int(min(h, y + r + 1))
        if x1 > x0 and y1 > y0:
            vals.append(img[y0:y1, x0:x1].reshape(-1, *img.shape[2:]))
    if not vals:
        return None
    v = np.concatenate(vals, axis=0)
    v = (v if transform is None else transform(v)).astype(np.float64)
    return float(v.mean()), float(v.std())


def _median_linear(luma: np.ndarray) -> float:
    """np.median(_linear(luma)) without raising every pixel to a power: _linear never reverses an order, so the
    middle element(s) of luma are those of _linear(luma), and only they are converted."""
    n = luma.size
    middle = np.partition(luma.ravel(), [(n - 1) // 2, n // 2])[[(n - 1) // 2, n // 2]]
    return float(np.mean(_linear(middle)))


def noise_sigma(gray: np.ndarray) -> float | None:
    """Noise standard deviation in 8-bit levels (Immerkaer's operator, robust median: edges do not count)."""
    if gray.shape[0] < 8 or gray.shape[1] < 8:
        return None
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
    resp = cv2.filter2D(gray.astype(np.float32), -1, kernel)[1:-1, 1:-1]
    # a large face: the median of every other row and column (a regular sample of at least a quarter of
    # _NOISE_SAMPLES values): the median of a 700 px face's half million responses cost 3-8 ms
    while resp.size > _NOISE_SAMPLES:
        resp = resp[::2, ::2]
    # white noise of sigma s gives a response with std 6s; 1.4826*MAD estimates that std
    return float(1.4826 * np.median(np.abs(resp), overwrite_input=True) / 6.0)  # a temporary: no copy


def focus_ratio(gray: np.ndarray) -> float | None:
    """Fine-detail over mid-detail energy on a size-normalised face (contrast-independent; low = blurry)."""
    h, w = gray.shape
    if h < 16 or w < 16:
        return None
    if h > _FOCUS_HEIGHT:
        f = _FOCUS_HEIGHT / h
        gray = cv2.resize(gray, (max(1, int(w * f)), _FOCUS_HEIGHT), interpolation=cv2.INTER_AREA)
    g = gray.astype(np.float32)
    b1 = cv2.GaussianBlur(g, (0, 0), 1.0)
    b3 = cv2.GaussianBlur(g, (0, 0), 3.0)
    fine = float(np.sqrt(np.mean((g - b1) ** 2)))
    mid = float(np.sqrt(np.mean((b1 - b3) ** 2)))
    return fine / max(mid, 1e-3)


def measure_face(raw: RawFace, rgb: np.ndarray, scale: float, frame: Frame | None = None) -> FaceFacts:
    """All measurements of one face. They only look at the face and a ring around it, so the work is done
    on that region: its size follows the face, not the photo."""
    h, w = rgb.shape[:2]
    x, y, bw, bh = raw.box
    lm = raw.landmarks
    if lm is not None:
        inside = (lm[:, 0] >= 0) & (lm[:, 0] < w) & (lm[:, 1] >= 0) & (lm[:, 1] < h)
        cut_off = float(1.0 - inside.mean())
    else:
        ix = max(0.0, min(x + bw, w) - max(x, 0.0))
        iy = max(0.0, min(y + bh, h) - max(y, 0.0))
        cut_off = float(1.0 - (ix * iy) / max(bw * bh, 1e-6))
    # the background ring reaches half a box beyond the face; a little more for rounding
    x0, y0 = int(max(0, x - 0.6 * bw)), int(max(0, y - 0.6 * bh))
    x1, y1 = int(min(w, x + 1.6 * bw + 1)), int(min(h, y + 1.6 * bh + 1))
    shifted = dataclasses.replace(
        raw,
        box=(x - x0, y - y0, bw, bh),
        landmarks=None if lm is None else lm - np.array([x0, y0, 0.0]),
    )
    return _measure_region(shifted, rgb[y0:y1, x0:x1], scale, cut_off, (x0, y0), (rgb, frame))


def _measure_region(
    raw: RawFace,
    rgb: np.ndarray,
    scale: float,
    cut_off: float,
    offset: tuple[int, int],
    whole: tuple[np.ndarray, Frame | None],
) -> FaceFacts:
    h, w = rgb.shape[:2]
    x, y, bw, bh = raw.box
    lm = raw.landmarks

    x0, y0 = int(max(0, x)), int(max(0, y))
    x1, y1 = int(min(w, x + bw)), int(min(h, y + bh))
    crop = rgb[y0:y1, x0:x1]
    gray_crop = _luma(crop) if crop.size else np.zeros((0, 0), np.float32)

    # focus and noise on the inner face (no background, no hair edge)
    mx, my = int(0.15 * (x1 - x0)), int(0.15 * (y1 - y0))
    inner = gray_crop[my : gray_crop.shape[0] - my, mx : gray_crop.shape[1] - mx] if gray_crop.size else gray_crop
    sharp = focus_ratio(inner) if inner.size else None
    noise = noise_sigma(inner) if inner.size else None

    # the remaining measures are averages over skin, eyes and background: a face ~256 px tall carries all
    # they need, so a large face is shrunk first (its cost then no longer grows with the photo)
    full_lm, full_box = lm, (x, y, bw, bh)
    k = min(1.0, _STATS_FACE_HEIGHT / max(bh, 1.0))
    if k < 1.0:
        bounds = (offset[0], offset[1], offset[0] + w, offset[1] + h)
        rgb = region_at(whole[0], whole[1], bounds, k, averages_only=True)
        h, w = rgb.shape[:2]
        x, y, bw, bh = x * k, y * k, bw * k, bh * k
        x0, y0 = int(max(0, x)), int(max(0, y))
        x1, y1 = int(min(w, x + bw)), int(min(h, y + bh))
        lm = None if lm is None else lm * k

    # exposure on the face oval (or an ellipse in the box for cascade-only faces)
    mask = np.zeros((h, w), np.uint8)
    if lm is not None:
        cv2.fillConvexPoly(mask, lm[list(_FACE_OVAL), :2].astype(np.int32), 1)
    else:
        cv2.ellipse(mask, (int(x + bw / 2), int(y + bh / 2)), (int(bw * 0.4), int(bh * 0.45)), 0, 0, 360, 1, -1)
    # luma once for the region: the exposure, background and light measures below all read it (gathering
    # three-channel pixels for each of them cost more than the measures)
    luma_all = _luma(rgb)
    fl = luma_all[mask.astype(bool)]
    luma_mean = dark = bright = None
    face_lin = None
    if fl.size:
        luma_mean = float(fl.mean())
        dark = float(np.mean(fl < 35.0))
        bright = float(np.mean(fl > 245.0))
        face_lin = float(_linear(fl).mean())

    # background: a ring around the face (the box doubled), face removed
    bx0, by0 = int(max(0, x - bw / 2)), int(max(0, y - bh / 2))
    bx1, by1 = int(min(w, x + 1.5 * bw)), int(min(h, y + 1.5 * bh))
    ring = np.ones((by1 - by0, bx1 - bx0), bool)
    ring[max(0, y0 - by0) : y1 - by0, max(0, x0 - bx0) : x1 - bx0] = False
    bg_luma = luma_all[by0:by1, bx0:bx1][ring]
    bg_diff = None
    if bg_luma.size and face_lin:
        bg_lin = _median_linear(bg_luma)
        bg_diff = float(np.log2(max(bg_lin, 1e-4) / max(face_lin, 1e-4)))

    side = eye_openness = eye_dark = eye_tex = lower = None
    light = NO_LIGHT
    key_points: dict[str, tuple[float, float]] = {}
    if lm is not None:
        radius = 0.06 * bh
        y_lo, y_hi = int(max(0, y - radius)), int(min(h, y + bh + radius))
        x_lo, x_hi = int(max(0, x - radius)), int(min(w, x + bw + radius))
        region = rgb[y_lo:y_hi, x_lo:x_hi]
        luma_img = luma_all[y_lo:y_hi, x_lo:x_hi]
        off = np.array([x_lo, y_lo], dtype=np.float64)

        def pts(idx: tuple[int, ...]) -> np.ndarray:
            return lm[list(idx), :2] - off

        light = measure_face_light(region, lm[:, :2] - off, bh)
        rc = _patch_mean(luma_img, pts(_RIGHT_CHEEK), radius, _linear)
        lc = _patch_mean(luma_img, pts(_LEFT_CHEEK), radius, _linear)
        if rc and lc:
            side = float(abs(np.log2(max(rc[0], 1e-4) / max(lc[0], 1e-4))))
        if raw.blendshapes:
            blink = min(raw.blendshapes.get("eyeBlinkLeft", 0.0), raw.blendshapes.get("eyeBlinkRight", 0.0))
            eye_openness = float(1.0 - blink)
        eye_centres = np.array([lm[[33, 133], :2].mean(axis=0), lm[[362, 263], :2].mean(axis=0)]) - off
        eye_width = float(np.linalg.norm(lm[33, :2] - lm[133, :2]))
        eyes = _patch_mean(luma_img, eye_centres, 0.35 * eye_width)
        cheeks = _patch_mean(luma_img, np.concatenate([pts(_RIGHT_CHEEK), pts(_LEFT_CHEEK)]), radius)
        if eyes and cheeks:
            eye_dark = float(eyes[0] / max(cheeks[0], 1.0))
            eye_tex = float(eyes[1] / max(cheeks[1], 1.0))
        lab = rgb_to_lab(np.ascontiguousarray(region)).astype(np.float32)
        # a mask, scarf or hand changes the colour of the lower face relative to the nose bridge
        lab[:, :, 0] = 0.0  # chroma only: light falls off down the face (and Yale-style top light) without occlusion
        skin = _patch_median(lab, pts(_NOSE_BRIDGE), 0.5 * radius)
        low = _patch_median(lab, pts(_LOWER_FACE), radius)
        if skin is not None and low is not None:
            lower = float(np.linalg.norm(skin - low))
        for name, idx in _KEY_POINTS.items():
            p = (full_lm[list(idx), :2].mean(axis=0) + offset) / scale  # type: ignore[index]  # landmarked face
            key_points[name] = (round(float(p[0]), 1), round(float(p[1]), 1))

    inv = 1.0 / scale
    fx, fy, fw, fh = full_box[0] + offset[0], full_box[1] + offset[1], full_box[2], full_box[3]
    return FaceFacts(
        box=(int(round(fx * inv)), int(round(fy * inv)), int(round(fw * inv)), int(round(fh * inv))),
        detector=raw.detector,
        yaw=_r(raw.yaw),
        pitch=_r(raw.pitch),
        roll=_r(raw.roll),
        profile_side=raw.profile_side,
        pose_disagreement=_r(raw.pose_disagreement, 1),
        key_points=key_points,
        blendshapes={k: round(v, 4) for k, v in raw.blendshapes.items()},
        cut_off=round(cut_off, 4),
        sharpness=_r(sharp, 4),
        noise=_r(noise, 3),
        luma_mean=_r(luma_mean, 2),
        dark_fraction=_r(dark, 4),
        bright_fraction=_r(bright, 4),
        side_difference_stops=_r(side, 3),
        background_difference_stops=_r(bg_diff, 3),
        eye_openness=_r(eye_openness, 4),
        eye_darkness=_r(eye_dark, 4),
        eye_texture=_r(eye_tex, 4),
        lower_face_mismatch=_r(lower, 3),
        light_from_left_stops=_r(light.from_left_stops, 3),
        light_from_above_stops=_r(light.from_above_stops, 3),
        light_hardness=_r(light.hardness, 3),
        highlight_kelvin=_r(light.highlight_kelvin, 0),
    )


def _patch_median(img: np.ndarray, points: np.ndarray, radius: float) -> np.ndarray | None:
    """Per-channel median over squares around points."""
    h, w = img.shape[:2]
    r = max(1, int(radius))
    vals = []
    for x, y in points:
        x0, x1 = int(max(0, x - r)), int(min(w, x + r + 1))
        y0, y1 = int(max(0, y - r)), int(min(h, y + r + 1))
        if x1 > x0 and y1 > y0:
            vals.append(img[y0:y1, x0:x1].reshape(-1, img.shape[2]))
    if not vals:
        return None
    return np.median(np.concatenate(vals), axis=0)


def _r(v: float | None, nd: int = 2) -> float | None:
    return None if v is None else round(float(v), nd)
