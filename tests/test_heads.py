"""The two shipped networks and the fitted heads: the files are what their converters made, the networks read
upstream's own test faces as upstream says, and the head files are what bench/fit_heads.py fits on this run's
own measurements of the corpus (so the data files cannot drift from their script). The corpus rates asserted are
the held-out (leave-one-source-out) ones, not the in-sample ones."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photocheck.evidence.heads import HEADS_DIR
from photocheck.evidence.labels import ExpressionOptions, LightingOptions
from photocheck.measure.analyzers.bundled import BUNDLED_SHA256, MODELS_DIR
from tests.conftest import DEMO, ROOT

SHARED_MODELS = ROOT.parent / "shared" / "models"
FACE_API = SHARED_MODELS / "face_api_expression"
SCENE = SHARED_MODELS / "mobilenet_v1_scene"
sys.path.insert(0, str(ROOT / "tools"))


@pytest.mark.parametrize("name", ["expression_face_api.onnx", "scene_mobilenet_v1_0.5_160.onnx"])
def test_the_new_model_files_are_the_ones_named_in_the_notice(name):
    data = (MODELS_DIR / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == BUNDLED_SHA256[name]
    assert BUNDLED_SHA256[name] in (MODELS_DIR / "NOTICE").read_text()


def _upstream_faces() -> list[tuple[Path, str]]:
    faces = [(FACE_API / "angry_cropped.jpg", "angry"), (FACE_API / "surprised_cropped.jpg", "surprised")]
    if not all(p.is_file() for p, _ in faces):
        pytest.skip(f"upstream's test faces not found in {FACE_API}")
    return faces


def test_the_converted_expression_network_reads_upstreams_two_test_faces():
    """face-api.js's own check: angry_cropped reads angry, surprised_cropped surprised, each above 0.95; and the
    converter's numpy forward pass of the original weights gives the ONNX graph's probabilities."""
    import onnxruntime

    import build_face_api_expression_onnx as converter

    session = onnxruntime.InferenceSession(
        str(MODELS_DIR / "expression_face_api.onnx"), providers=["CPUExecutionProvider"]
    )
    faces = _upstream_faces()  # skips when ../shared/models is absent
    arrays = converter.load(FACE_API)
    for path, expected in faces:
        face = converter.test_face(path)
        got = session.run(None, {"input": face[None]})[0][0]
        assert got[converter.CLASSES.index(expected)] > 0.95, (path.name, got)
        assert np.abs(got - converter.numpy_forward(arrays, face)).max() < 1e-4


def test_the_analyzer_reads_upstreams_test_faces_the_same_way():
    """Through photocheck's own crop (a square around the face box, here the whole picture)."""
    from photocheck.measure.analyzers.face_api_expression import FaceApiExpressionNet

    net = FaceApiExpressionNet(crop_scale=1.0)
    for path, expected in _upstream_faces():
        rgb = np.asarray(Image.open(path).convert("RGB"))
        h, w = rgb.shape[:2]
        probs = net.probabilities(rgb, (0.0, 0.0, float(w), float(h)))
        assert probs is not None and probs[expected] > 0.9, (path.name, probs)


def test_the_float_scene_network_agrees_with_mediapipe_running_the_tflite_file():
    """The same top ImageNet class as the quantised original on every demo photo."""
    tflite = SCENE / "mobilenet_v1_0.5_160_quant.tflite"
    if not tflite.is_file():
        pytest.skip(f"{tflite} not found")
    import mediapipe as mp
    import onnxruntime
    from mediapipe.tasks.python import BaseOptions, vision

    session = onnxruntime.InferenceSession(str(MODELS_DIR / "scene_mobilenet_v1_0.5_160.onnx"),
                                           providers=["CPUExecutionProvider"])  # fmt: skip
    options = vision.ImageEmbedderOptions(base_options=BaseOptions(model_asset_buffer=tflite.read_bytes()),
                                          l2_normalize=False, quantize=False)  # fmt: skip
    with vision.ImageEmbedder.create_from_options(options) as embedder:
        for path in sorted(DEMO.glob("*.jpg")):
            rgb = np.asarray(Image.open(path).convert("RGB").resize((160, 160), Image.BILINEAR))
            original = embedder.embed(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)))
            x = ((rgb.astype(np.float32) - 128.0) / 128.0).transpose(2, 0, 1)[None]
            logits = session.run(["logits"], {"input": x})[0][0]
            assert int(np.argmax(logits)) == int(np.argmax(original.embeddings[0].embedding)), path.name


def test_every_face_and_photo_of_the_demo_gets_both_readings(checker):
    facts = checker.facts(str(DEMO / "obama.jpg"))
    assert facts.faces and facts.faces[0].expression_face_api is not None
    assert abs(sum(facts.faces[0].expression_face_api.values()) - 1) < 0.01
    assert facts.lighting.scene_features is not None and len(facts.lighting.scene_features) == 512
    assert facts.faces[0].expression_face_api["happy"] > 0.9  # Obama smiles in this one


# ------------------------------------------------------------------------------------- fitted heads


@pytest.fixture(scope="module")
def fitted(corpus_facts):
    """bench/fit_heads.py on this run's own real measurements of the corpus."""
    import fit_heads

    return fit_heads.fit_all([(row, facts) for row, facts in corpus_facts])


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["expression.json", "scene.json"])
def test_the_fitting_script_reproduces_the_shipped_head(fitted, name):
    shipped = json.loads((HEADS_DIR / name).read_text())
    assert fitted[name]["thresholds"] == shipped["thresholds"]
    assert fitted[name]["held_out"] == shipped["held_out"] and fitted[name]["in_sample"] == shipped["in_sample"]

    def flat(node):
        if isinstance(node, dict):
            return [v for k in sorted(node) for v in flat(node[k])]
        if isinstance(node, list):
            return [v for item in node for v in flat(item)]
        return [float(node)]

    got, want = np.array(flat(fitted[name]["head"])), np.array(flat(shipped["head"]))
    assert got.shape == want.shape and np.allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.corpus
def test_the_packs_thresholds_are_the_fitting_scripts_choices(fitted):
    assert ExpressionOptions().count_min_confidence == fitted["expression.json"]["thresholds"]["count_min_confidence"]
    assert ExpressionOptions().may_show_min == fitted["expression.json"]["thresholds"]["may_show_min"]
    band = fitted["scene.json"]["thresholds"]
    assert LightingOptions().indoor_max_probability == band["indoor_max_probability"]
    assert LightingOptions().outdoor_min_probability == band["outdoor_min_probability"]


@pytest.mark.corpus
def test_held_out_expression_rates(fitted):
    """Leave one source (and one person of it) out, judged in per-person sets. Measured: neutral 0.968, smile
    0.868, frown 0.600 at precision 0.818, surprise 0.615; the issue's targets (frown 0.8 / 0.8, the rest 0.9) are
    not reached on frown and surprise: see rules/docs/EX10-missing-expression.md."""
    rates = fitted["expression.json"]["held_out"]
    assert rates["neutral_recall"] >= 0.95 and rates["smile_recall"] >= 0.85
    assert rates["frown_recall"] >= 0.55 and rates["frown_precision"] >= 0.75
    assert rates["surprise_recall"] >= 0.6


@pytest.mark.corpus
def test_held_out_scene_rates(fitted):
    """Measured: 0.852 of photos decided, 0.913 of those right, outdoor recall 0.742 (the issue's targets 0.85,
    0.9, 0.7)."""
    rates = fitted["scene.json"]["held_out"]
    assert rates["decided"] >= 0.85 and rates["right"] >= 0.9 and rates["outdoor_recall"] >= 0.7
    assert rates["auc"] >= 0.92
