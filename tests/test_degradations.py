"""Degraded copies made at test time from clean corpus photos trigger exactly the rule they should."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.conftest import corpus_photo

CLEAN = ["ffhq_00016/hrn_00016.png", "matt_damon/deepface_img33.jpg"]
WATCHED = {"IQ02", "IQ04", "IQ05", "FC03", "LI01", "LI02"}


def _rgb(rel: str) -> np.ndarray:
    return np.asarray(Image.open(corpus_photo(rel)).convert("RGB"))


def _png(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "PNG")
    return buf.getvalue()


def _jpeg(a: np.ndarray, q: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=q)
    return buf.getvalue()


def _degrade(kind: str, a: np.ndarray) -> bytes:
    h, w = a.shape[:2]
    if kind == "downscaled":
        return _png(cv2.resize(a, (w * 800 // min(h, w), h * 800 // min(h, w)), interpolation=cv2.INTER_AREA))
    if kind == "blurred":
        return _png(cv2.GaussianBlur(a, (0, 0), max(h, w) / 400))
    if kind == "noisy":
        rng = np.random.default_rng(0)
        return _png(np.clip(a + rng.normal(0, 18, a.shape), 0, 255).astype(np.uint8))
    if kind == "recompressed":
        return _jpeg(a, 20)
    if kind == "darkened":
        return _png((a * 0.2).astype(np.uint8))
    if kind == "overexposed":
        return _png(np.clip(a.astype(np.float32) * 2.6, 0, 255).astype(np.uint8))
    raise AssertionError(kind)


EXPECTED = {
    "downscaled": "IQ02",
    "blurred": "FC03",
    "noisy": "IQ05",
    "recompressed": "IQ04",
    "darkened": "LI01",
    "overexposed": "LI02",
}


@pytest.mark.parametrize("rel", CLEAN)
def test_clean_original_triggers_none(checker, rel):
    result = checker.check_image(str(corpus_photo(rel)))
    assert {f.code for f in result.findings} & WATCHED == set(), result.findings


@pytest.mark.parametrize("rel", CLEAN)
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_degradation_fires_its_rule(checker, rel, kind):
    result = checker.check_image(_degrade(kind, _rgb(rel)), name=f"{kind}.png")
    codes = {f.code for f in result.findings}
    assert EXPECTED[kind] in codes, (kind, result.findings)
    assert result.faces, "the degraded face must still be found"


def test_painted_sunglasses_hide_the_eyes(checker):
    a = _rgb(CLEAN[0]).copy()
    face = checker.facts(str(corpus_photo(CLEAN[0]))).faces[0]
    w = face.box[2]
    for name in ("left_eye", "right_eye"):
        x, y = face.key_points[name]
        cv2.ellipse(a, (int(x), int(y)), (int(w * 0.14), int(w * 0.09)), 0, 0, 360, (18, 18, 22), -1)
    codes = {f.code for f in checker.check_image(_png(a), name="sunglasses.png").findings}
    assert "FC06" in codes


def test_painted_mask_covers_the_lower_face(checker):
    a = _rgb(CLEAN[0]).copy()
    face = checker.facts(str(corpus_photo(CLEAN[0]))).faces[0]
    x, y, w, h = face.box
    nose_y = int(face.key_points["nose_tip"][1])
    cv2.rectangle(a, (x, nose_y), (x + w, y + h), (60, 110, 200), -1)  # a blue surgical mask
    codes = {f.code for f in checker.check_image(_png(a), name="mask.png").findings}
    assert "FC05" in codes


def test_upscaled_copy_is_flagged(checker):
    a = _rgb("ffhq_00016/hrn_00016.png")
    small = cv2.resize(a, (256, 256), interpolation=cv2.INTER_AREA)
    big = cv2.resize(small, (1280, 1280), interpolation=cv2.INTER_CUBIC)
    codes = {f.code for f in checker.check_image(_jpeg(big, 95), name="upscaled.jpg").findings}
    assert "IQ03" in codes
