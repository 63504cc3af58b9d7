"""The shipped ONNX face descriptor is dlib's: the same chips and the same descriptors as dlib on real corpus
faces (dlib itself is only a test dependency now), and the identity rates that rest on it are unchanged (see
tests/test_identity_corpus.py, which runs on the ONNX descriptor)."""

from __future__ import annotations

import numpy as np
import pytest

import photocheck.measure.analyzers.descriptors as descriptors
from photocheck import Checker
from tests.conftest import DEMO, corpus_labels, corpus_photo

dlib = pytest.importorskip("dlib", reason="dlib (the test extra) checks the ONNX descriptor against the original")
frm = pytest.importorskip("face_recognition_models", reason="dlib's model files come with the test extra")


@pytest.fixture(scope="module")
def dlib_models():
    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(frm.pose_predictor_five_point_model_location()),
        dlib.face_recognition_model_v1(frm.face_recognition_model_location()),
    )


def _corpus_rgb(n: int) -> list[np.ndarray]:
    from PIL import Image

    rows = [r for r in corpus_labels() if r["faces_in_image"] == "1"][:n]
    return [np.asarray(Image.open(corpus_photo(r["path"])).convert("RGB")) for r in rows]


def test_the_chip_is_dlibs_chip(dlib_models):
    """Five dlib landmarks of each face, at a scale where dlib samples directly (as photocheck's crops are):
    the numpy chip equals dlib.get_face_chip pixel for pixel (at most a few 1-level rounding differences)."""
    import cv2

    detector, shapes, _ = dlib_models
    compared = 0
    for rgb in _corpus_rgb(25):
        for box in detector(rgb, 1)[:1]:
            shape = shapes(rgb, box)
            points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
            scale = float(np.hypot(*descriptors.chip_transform(points)[:, 0]))
            if scale > 1.5:  # photocheck scales its crops so that the face is ~200 px: do the same
                k = 1.0 / scale
                rgb = cv2.resize(rgb, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
                parts = [dlib.point(round(p.x * k), round(p.y * k)) for p in shape.parts()]
                shape = dlib.full_object_detection(dlib.rectangle(0, 0, rgb.shape[1] - 1, rgb.shape[0] - 1), parts)
                points = np.array([(p.x, p.y) for p in parts], dtype=np.float64)
            expected = dlib.get_face_chip(rgb, shape, size=150, padding=0.25)
            ours = descriptors.extract_chip(rgb, descriptors.chip_transform(points))
            difference = np.abs(expected.astype(int) - ours.astype(int))
            assert difference.max() <= 1 and (difference > 0).mean() < 0.001
            compared += 1
    assert compared >= 20


def test_descriptors_equal_dlibs_on_corpus_faces(dlib_models, monkeypatch):
    """photocheck's crop and five points handed to dlib (what photocheck computed until 0.2) and to the ONNX
    network: the descriptors agree to 1e-4 on every face of 60 corpus photos."""
    _, _, encoder = dlib_models
    worst, faces = 0.0, 0
    original = descriptors.FaceEmbedder.embed

    def both(self, rgb, face, frame=None):
        nonlocal worst, faces
        ours = original(self, rgb, face, frame)
        if ours is None:
            return None
        crop, points = descriptors.descriptor_crop(rgb, face, frame)  # the crop and points the network gets
        rect = dlib.rectangle(0, 0, crop.shape[1] - 1, crop.shape[0] - 1)
        shape = dlib.full_object_detection(rect, [dlib.point(int(round(px)), int(round(py))) for px, py in points])
        theirs = np.array(encoder.compute_face_descriptor(np.ascontiguousarray(crop), shape))
        worst = max(worst, float(np.abs(np.array(ours) - theirs).max()))
        faces += 1
        return ours

    monkeypatch.setattr(descriptors.FaceEmbedder, "embed", both)
    rows = corpus_labels()[:60]
    with Checker(cache=False) as checker:
        for row in rows:
            checker.facts(str(corpus_photo(row["path"])))
        checker.facts(str(DEMO / "obama3.jpg"))
    print(f"\n{faces} faces: max |ONNX - dlib| = {worst:.2e}")
    assert faces >= 50 and worst <= 1e-4
