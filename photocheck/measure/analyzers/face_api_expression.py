"""A second learned expression signal: face-api.js's FaceExpressionNet (MIT), run by onnxruntime.

Seven probabilities (neutral, happy, sad, angry, fearful, disgusted, surprised) for a face, from a 112x112 RGB
square around the face box (upstream pads a crop to a centred black square and resizes it; a square that runs
past the photo's edge is padded black here too). Measured on the corpus and on unseen photos, its one-vs-rest
separation of frown, neutral and surprise beats the FER2013 model's (../shared/models/face_api_expression); its
"happy" over-calls smiles, so the fitted expression head (photocheck/evidence/heads.py) reads the blendshapes'
smile beside it. Converted once by `tools/build_face_api_expression_onnx.py`; about 1.2 ms a face.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .bundled import LazyNet
from .frames import Frame, halved_region

MODEL_FILE = "expression_face_api.onnx"
CLASSES = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
INPUT_SIZE = 112
# the square's side in units of the landmark box's larger side: face-api's own detector boxes take in the
# forehead and a little around the jaw, which the landmark box (brows to chin) leaves out. Chosen on the corpus
# (the network alone, one-vs-rest AUC at 1.0 / 1.2 / 1.4 / 1.6: rules/docs/EX10-missing-expression.md)
CROP_SCALE = 1.2
MIN_FACE_SIDE = 24  # px: below this the 112 px input is an upscale of nothing
_MEAN_RGB = np.array([122.782, 117.001, 104.298], np.float32)


class FaceApiExpressionNet:
    def __init__(self, crop_scale: float = CROP_SCALE) -> None:
        self.model = LazyNet(MODEL_FILE, "face-api expression model", (1, 3, INPUT_SIZE, INPUT_SIZE))
        self.crop_scale = crop_scale

    def prepare(self) -> None:
        """Build the network ahead of the first face, on another thread."""
        self.model.build_in_background()

    def probabilities(
        self, rgb: np.ndarray, box: tuple[float, float, float, float], frame: Frame | None = None
    ) -> dict[str, float] | None:
        """The seven probabilities for the face in `box` (x, y, w, h) of the RGB analysis image; `frame`: its
        shared downscale, read instead where the square there is still at least the input's size."""
        x, y, w, h = box
        if max(w, h) < MIN_FACE_SIDE or not all(math.isfinite(v) for v in box):
            return None
        n = max(4, round(max(w, h) * self.crop_scale))
        x0, y0 = round(x + w / 2 - n / 2), round(y + h / 2 - n / 2)
        ih, iw = rgb.shape[:2]
        inside = (max(0, x0), max(0, y0), min(iw, x0 + n), min(ih, y0 + n))
        if inside[2] - inside[0] < MIN_FACE_SIDE // 2 or inside[3] - inside[1] < MIN_FACE_SIDE // 2:
            return None
        if inside == (x0, y0, x0 + n, y0 + n):
            region = halved_region(rgb, frame, inside, INPUT_SIZE)
        else:  # past the photo's edge: that part is black, as upstream pads
            part = rgb[inside[1] : inside[3], inside[0] : inside[2]]
            top, left = inside[1] - y0, inside[0] - x0
            region = cv2.copyMakeBorder(part, top, n - top - part.shape[0], left, n - left - part.shape[1],
                                        cv2.BORDER_CONSTANT, value=0)  # fmt: skip
        interp = cv2.INTER_AREA if region.shape[0] > INPUT_SIZE else cv2.INTER_LINEAR
        crop = cv2.resize(region, (INPUT_SIZE, INPUT_SIZE), interpolation=interp).astype(np.float32)
        blob = ((crop - _MEAN_RGB) / 255.0).transpose(2, 0, 1)[None]
        out = self.model.run(np.ascontiguousarray(blob))[0][0]
        return {name: round(float(p), 4) for name, p in zip(CLASSES, out)}
