"""The shipped ONNX networks give the same outputs under onnxruntime (what photocheck runs them with) as under
cv2.dnn (what ran them, and what the calibration of every rule was measured with), on real corpus photos: the
switch of runtime is a speed change only. The small-face detector's ONNX is checked against its TFLite original
by tools/build_blazeface_onnx.py (the TFLite no longer ships)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.measure.analyzers import bundled
from tests.conftest import corpus_labels, corpus_photo

def _rgb(rgb: np.ndarray) -> np.ndarray:  # the descriptor's chip
    return rgb.astype(np.float32)


def _pose(rgb: np.ndarray) -> np.ndarray:  # head_pose.py's blob
    return (rgb[:, :, ::-1].astype(np.float32) - 127.5) / 128.0


def _grey(rgb: np.ndarray) -> np.ndarray:  # expression_model.py's crop
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[:, :, None].astype(np.float32)


def _face_boxes(rgb: np.ndarray) -> np.ndarray:  # face_boxes.py's blob
    return rgb[:, :, ::-1].astype(np.float32) - (104.0, 117.0, 123.0)


# network file, its input (channels, height, width), how a photo becomes that input, the largest difference
# allowed relative to the output's own range
NETWORKS = [
    ("face_descriptor_dlib_resnet_v1.onnx", (3, 150, 150), _rgb, 1e-5),
    ("head_pose_3ddfa_v2_mb05.onnx", (3, 120, 120), _pose, 1e-5),
    ("expression_fer2013_mini_xception.onnx", (1, 64, 64), _grey, 1e-5),
    ("face_boxes.onnx", (3, 480, 640), _face_boxes, 1e-5),
]


def _corpus_inputs(shape: tuple[int, int, int], prepare, n: int = 8) -> list[np.ndarray]:
    rows = [r for r in corpus_labels() if r["faces_in_image"] == "1"][:n]
    batches = []
    for row in rows:
        rgb = cv2.cvtColor(cv2.imread(str(corpus_photo(row["path"]))), cv2.COLOR_BGR2RGB)
        small = cv2.resize(rgb, (shape[2], shape[1]), interpolation=cv2.INTER_AREA)
        batches.append(np.ascontiguousarray(prepare(small).transpose(2, 0, 1)[None], dtype=np.float32))
    return batches


@pytest.mark.parametrize("name,shape,prepare,limit", NETWORKS, ids=[n[0] for n in NETWORKS])
def test_onnxruntime_equals_cv2_dnn_on_corpus_photos(name, shape, prepare, limit):
    net = bundled.LazyNet(name, name)
    reference = cv2.dnn.readNetFromONNX(str(bundled.MODELS_DIR / name))
    outputs = reference.getUnconnectedOutLayersNames()
    compared = 0
    for x in _corpus_inputs(shape, prepare):
        reference.setInput(x)
        expected = dict(zip(outputs, reference.forward(outputs)))
        got = dict(zip(expected, net.run(x, list(expected))))
        for key, value in expected.items():
            scale = max(1.0, float(np.abs(value).max()))
            assert np.abs(got[key] - value).max() <= limit * scale, (name, key)
            compared += 1
    assert compared >= 8
