"""A learned scene signal: Google's MobileNet V1 0.5-160 ImageNet network (Apache-2.0), run by onnxruntime.

It reads the whole picture, as the 256 px copy every photo already has, and gives the 512 values it pools
before its ImageNet classifier: a description of the scene in general (sky, foliage, walls, furniture), which
the fitted scene head (photocheck/evidence/heads.py) turns into indoor / outdoor. Converted once to float by
`tools/build_scene_mobilenet_onnx.py` from the quantised TFLite file (whose only output, a softmax quantised to
1/256, reads 0 for every scene class on a portrait). About 2.5 ms a photo on one core.
"""

from __future__ import annotations

import cv2
import numpy as np

from .bundled import LazyNet

MODEL_FILE = "scene_mobilenet_v1_0.5_160.onnx"
INPUT_SIZE = 160
FEATURES = 512


class SceneNet:
    def __init__(self) -> None:
        self.model = LazyNet(MODEL_FILE, "scene model", (1, 3, INPUT_SIZE, INPUT_SIZE))

    def prepare(self) -> None:
        """Build the network ahead of the first photo, on another thread."""
        self.model.build_in_background()

    def features(self, small_rgb: np.ndarray) -> tuple[float, ...] | None:
        """The 512 pooled features of the picture (its small RGB copy, stretched to the 160 x 160 input as the
        network was trained); None for a picture too thin to be a scene."""
        if min(small_rgb.shape[:2]) < 8:
            return None
        interp = cv2.INTER_AREA if min(small_rgb.shape[:2]) > INPUT_SIZE else cv2.INTER_LINEAR
        x = cv2.resize(small_rgb, (INPUT_SIZE, INPUT_SIZE), interpolation=interp).astype(np.float32)
        blob = ((x - 128.0) / 128.0).transpose(2, 0, 1)[None]  # the TFLite file's own input quantisation
        out = self.model.run(np.ascontiguousarray(blob), ["features"])[0][0]
        return tuple(round(float(v), 4) for v in out)
