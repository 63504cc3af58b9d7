"""FaceBoxes, a small face detector trained with profile views (3DDFA-V2 ships it; MIT), run by onnxruntime.

The landmarker's detector misses most true profiles and sometimes locks onto an ear or a cheek; this one
finds turned heads and gives boxes the pose network can crop from. The network's raw head maps are decoded
against its anchors as upstream does (prior_box.py, box_utils.decode).
"""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np

from .bundled import LazyNet
from .frames import shrink

MODEL_FILE = "face_boxes.onnx"
_MEAN_BGR = np.array([104.0, 117.0, 123.0], np.float32)
_STEPS = (32, 64, 128)
_MIN_SIZES = ((32, 64, 128), (256,), (512,))
_VARIANCE = (0.1, 0.2)
_HEADS = ["loc0", "conf0", "loc1", "conf1", "loc2", "conf2"]


def _anchors(height: int, width: int) -> np.ndarray:
    """(n, 4) anchors as cx, cy, w, h in [0, 1], in the order of the flattened head maps."""
    out = []
    for k, step in enumerate(_STEPS):
        fh, fw = math.ceil(height / step), math.ceil(width / step)
        for i, j in itertools.product(range(fh), range(fw)):
            for size in _MIN_SIZES[k]:
                sw, sh = size / width, size / height
                # small anchors are laid densely (4x4 and 2x2 per cell) so small faces are not missed
                dense = {32: (0.0, 0.25, 0.5, 0.75), 64: (0.0, 0.5)}.get(size, (0.5,))
                for dy, dx in itertools.product(dense, dense):
                    out.append(((j + dx) * step / width, (i + dy) * step / height, sw, sh))
    return np.array(out, np.float32)


def _nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    keep = cv2.dnn.NMSBoxes(boxes[:, :4].tolist(), scores.tolist(), 0.0, threshold)
    return [int(i) for i in np.array(keep).reshape(-1)]


class FaceBoxes:
    """`detect(rgb)` gives (box x, y, w, h in the image's pixels, score) for each face, best first."""

    def __init__(self, long_side: int = 640, min_score: float = 0.5):
        # read and hash-checked on another thread from now on; built on the first photo that needs it (a
        # frontal, full-frame face does not)
        self.model = LazyNet(MODEL_FILE, "face detector")
        self.long_side = long_side
        self.min_score = min_score
        self._anchor_cache: dict[tuple[int, int], np.ndarray] = {}

    def detect(self, rgb: np.ndarray) -> list[tuple[tuple[float, float, float, float], float]]:
        h, w = rgb.shape[:2]
        # always at this scale, small photos too: the anchors (32-512 px) then meet heads at the sizes
        # they were trained for (a 450 px photo's 180 px profile is found at 640, missed at 450)
        f = self.long_side / max(h, w)
        # sides rounded up to the network's largest stride, so every anchor cell is whole
        sw, sh = max(32, round(w * f)), max(32, round(h * f))
        # shrunk by area only from twice the size or more (after exact halvings); a last step under 2x is linear:
        # an area resize to an arbitrary size took 5.4 ms from a 1008 px detector frame, linear 0.5
        small = shrink(rgb, (sw, sh), cv2.INTER_LINEAR) if f < 1 else cv2.resize(rgb, (sw, sh))  # (linear)
        blob = (small[:, :, ::-1].astype(np.float32) - _MEAN_BGR).transpose(2, 0, 1)[None]
        maps = self.model.run(np.ascontiguousarray(blob), _HEADS)
        loc = np.concatenate([m[0].transpose(1, 2, 0).reshape(-1, 4) for m in maps[0::2]])
        conf = np.concatenate([m[0].transpose(1, 2, 0).reshape(-1, 2) for m in maps[1::2]])
        anchors = self._anchor_cache.get((sh, sw))
        if anchors is None:
            anchors = self._anchor_cache.setdefault((sh, sw), _anchors(sh, sw))
        e = np.exp(conf - conf.max(axis=1, keepdims=True))
        score = e[:, 1] / e.sum(axis=1)
        idx = np.flatnonzero(score >= self.min_score)
        if idx.size == 0:
            return []
        a, d = anchors[idx], loc[idx]
        centre = a[:, :2] + d[:, :2] * _VARIANCE[0] * a[:, 2:]
        size = a[:, 2:] * np.exp(d[:, 2:] * _VARIANCE[1])
        boxes = np.concatenate([(centre - size / 2) * (sw, sh), size * (sw, sh)], axis=1) / f
        keep = _nms(boxes, score[idx], 0.3)
        found = []
        for i in keep:
            x, y, bw, bh = (float(v) for v in boxes[i])
            found.append(((x, y, bw, bh), float(score[idx][i])))
        return sorted(found, key=lambda t: -t[1])
