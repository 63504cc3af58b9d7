"""Face embeddings: dlib's 128-D ResNet face descriptor, run as an ONNX network by onnxruntime, on a face chip
aligned from the landmarks we already have.

The network is dlib's `dlib_face_recognition_resnet_model_v1` (CC0), exported once by
`tools/build_dlib_resnet_onnx.py`; its descriptors equal dlib's to ~1e-6. The chip is dlib's too, rebuilt here
without dlib: dlib aligns a 150 px chip (25 % padding) by the similarity transform that best maps its mean
five-point face (two corners of each eye, the base of the nose) onto the face's five points, then samples it
bilinearly (values truncated, pixels whose neighbourhood leaves the image black). MediaPipe's mesh has those
points, so no second landmark model runs: the indices below were matched to dlib's 5-point predictor on
corpus faces (within ~1-2 % of the face width). Same person: typically < 0.5 apart; different people > 0.6.
"""

from __future__ import annotations

import numpy as np

from .bundled import LazyNet
from .faces import RawFace
from .frames import Frame, region_at

DESCRIPTOR_MODEL = "face_descriptor_dlib_resnet_v1.onnx"
# dlib 5-point order: image-right eye outer/inner corner, image-left eye outer/inner corner, nose base
_DLIB_FIVE_POINTS = (263, 362, 33, 133, 2)
# dlib's mean positions of those five points in a unit face box (dlib's get_face_chip_details)
_MEAN_FIVE_POINTS = np.array([
    (0.8595674595992, 0.2134981538014), (0.6460604764104, 0.2289674387677), (0.1205750620789, 0.2137274526848),
    (0.3340850613712, 0.2290642403242), (0.4901123135679, 0.6277975316475),
])  # fmt: skip
CHIP_SIZE = 150
CHIP_PADDING = 0.25
# a face ~200 px tall keeps all its detail for a 150 px chip while the crop stays small however large the
# photo; it also keeps the chip's sampling step near 1 px, where dlib samples directly (no image pyramid)
_EMBED_FACE_HEIGHT = 200.0
# below this (analysis pixels) a descriptor is noise; the identity options decide what counts as verified
MIN_EMBED_FACE_HEIGHT = 20.0


def _similarity(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares similarity transform (Umeyama 1991, as dlib's find_similarity_transform): dst ~ M @ src + t."""
    mean_src, mean_dst = src.mean(axis=0), dst.mean(axis=0)
    s, d = src - mean_src, dst - mean_dst
    u, sigma, vt = np.linalg.svd(d.T @ s / len(src))
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    scale = np.trace(np.diag(sigma) @ sign) / ((s**2).sum() / len(src))
    m = scale * (u @ sign @ vt)
    return m, mean_dst - m @ mean_src


def chip_transform(points: np.ndarray) -> np.ndarray:
    """The 2x3 affine map from chip pixels to image pixels for five landmark points, exactly as dlib builds it
    (chip_details from point pairs, then the rotated extraction rectangle's corners)."""
    chip_points = (CHIP_PADDING + _MEAN_FIVE_POINTS) / (2 * CHIP_PADDING + 1) * CHIP_SIZE
    m, t = _similarity(chip_points, points.astype(np.float64))
    axis = m @ np.array([1.0, 0.0])
    angle, scale = np.arctan2(axis[1], axis[0]), float(np.hypot(*axis))
    centre = m @ np.array([CHIP_SIZE / 2.0, CHIP_SIZE / 2.0]) + t
    half = (CHIP_SIZE * scale - 1) / 2  # dlib's centered_drect: a rectangle of n pixels spans n - 1
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    corners = np.array([(-half, -half), (half, -half), (-half, half)]) @ rotation.T + centre
    chip_corners = np.array([(0, 0, 1), (CHIP_SIZE - 1, 0, 1), (0, CHIP_SIZE - 1, 1)], dtype=np.float64)
    return np.linalg.solve(chip_corners, corners).T


def extract_chip(rgb: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """The 150x150 chip: bilinear samples of `rgb` at the transformed chip pixels, truncated to uint8 as dlib's
    interpolate_bilinear assigns them; a pixel whose 2x2 neighbourhood leaves the image is black."""
    ys, xs = np.mgrid[0:CHIP_SIZE, 0:CHIP_SIZE].astype(np.float64)
    px = transform[0, 0] * xs + transform[0, 1] * ys + transform[0, 2]
    py = transform[1, 0] * xs + transform[1, 1] * ys + transform[1, 2]
    x0, y0 = np.floor(px).astype(np.intp), np.floor(py).astype(np.intp)
    fx, fy = (px - x0)[..., None], (py - y0)[..., None]
    h, w = rgb.shape[:2]
    inside = (x0 >= 0) & (y0 >= 0) & (x0 + 1 < w) & (y0 + 1 < h)
    x0, y0 = np.clip(x0, 0, max(0, w - 2)), np.clip(y0, 0, max(0, h - 2))
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    # the four neighbours gathered as bytes, then widened (not the whole crop: that was most of the time)
    a, b, c, d = (rgb[yy, xx].astype(np.float64) for yy, xx in ((y0, x0), (y0, x1), (y1, x0), (y1, x1)))
    # dlib's order of operations: the truncation below makes the last bit matter at exact integers
    value = (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d)
    chip = np.clip(np.floor(value), 0, 255).astype(np.uint8)
    chip[~inside] = 0
    return chip


class FaceEmbedder:
    """Loads the descriptor network once (hash-checked); `embed` gives one descriptor per landmarked face."""

    def __init__(self) -> None:
        self.model = LazyNet(DESCRIPTOR_MODEL, "face descriptor model", (1, 3, CHIP_SIZE, CHIP_SIZE))

    def prepare(self) -> None:
        """Build the network ahead of the first face, on another thread."""
        self.model.build_in_background()

    def models(self) -> tuple[LazyNet, ...]:
        """The shipped network it runs (for the measurer's `verify`)."""
        return (self.model,)

    def describe_chip(self, chip: np.ndarray) -> np.ndarray:
        """The 128-D descriptor of a 150x150 RGB uint8 chip."""
        batch = np.ascontiguousarray(chip.transpose(2, 0, 1)[None], dtype=np.float32)
        return np.asarray(self.model.run(batch)[0][0], dtype=np.float64)

    def embed(self, rgb: np.ndarray, face: RawFace, frame: Frame | None = None) -> tuple[float, ...] | None:
        """The face's descriptor, or None when it has no landmarks or is too small to describe."""
        cut = descriptor_crop(rgb, face, frame)
        if cut is None:
            return None
        crop, points = cut
        descriptor = self.describe_chip(extract_chip(crop, chip_transform(points)))
        return tuple(round(float(v), 5) for v in descriptor)


def descriptor_crop(
    rgb: np.ndarray, face: RawFace, frame: Frame | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The region the chip is sampled from (the face box and one box-size around it, scaled so the face is ~200
    px tall) and the five points in it; None when the face has no landmarks or is too small to describe."""
    if face.landmarks is None or face.box[3] < MIN_EMBED_FACE_HEIGHT:
        return None
    h, w = rgb.shape[:2]
    x, y, bw, bh = face.box
    margin = max(bw, bh)
    x0, y0 = int(max(0, x - margin)), int(max(0, y - margin))
    x1, y1 = int(min(w, x + bw + margin)), int(min(h, y + bh + margin))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    scale = min(1.0, _EMBED_FACE_HEIGHT / bh)
    # the last step under 2x (after exact halvings) is linear: descriptors move by at most 0.023 (same-person
    # distances are <= ~0.5, others >= ~0.65) and the identity rates are unchanged, for 4 ms less per face
    crop = region_at(rgb, frame, (x0, y0, x1, y1), scale, averages_only=True)
    # integer points, as photocheck handed them to dlib (its full_object_detection holds integer parts)
    points = np.round((face.landmarks[list(_DLIB_FIVE_POINTS), :2] - (x0, y0)) * scale)
    return crop, points
