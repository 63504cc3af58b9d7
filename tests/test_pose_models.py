"""The pose network and FaceBoxes on real photos: profiles found and sided by the model, the ear case, PO10 / PO11
on real sets, and a damaged shipped model stopping the run with exit 2."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from photocheck import Checker
from photocheck.cli import main
from photocheck.discovery import PhotoSet
from photocheck.errors import ModelError
from photocheck.evidence import labels as classify
from photocheck.evidence.subject import prominent_face
from photocheck.measure.analyzers import bundled
from photocheck.measure.analyzers.face_boxes import FaceBoxes
from photocheck.measure.analyzers.head_pose import FACE_BOXES_CROP, HeadPoseNet
from tests.conftest import DEMO, pose_dir, pose_labels


def _subject(facts):
    i = prominent_face(facts.faces)
    return None if i is None else facts.faces[i]


def _pose_photo(name: str):
    rows = {r["path"]: r for r in pose_labels()}
    return pose_dir() / name, float(rows[name]["yaw"])


def test_pose_network_reads_a_full_profile_the_landmarker_under_reads():
    path, true_yaw = _pose_photo("image00004.jpg")  # ground truth -68°
    rgb = np.asarray(Image.open(path).convert("RGB"))
    ((box, score),) = FaceBoxes().detect(rgb)[:1]
    est = HeadPoseNet().estimate(rgb, box, FACE_BOXES_CROP)
    assert score > 0.5 and est is not None
    assert abs(est.yaw - true_yaw) < 8


@pytest.mark.parametrize("name", ["image02108.jpg", "image00722.jpg"])
def test_a_small_false_face_does_not_hide_the_profile(checker, name):
    """The landmarker's tiles find a small false face beside these profiles (measured: yaw read 14° and 1°
    before FaceBoxes); the head FaceBoxes sees is the subject now, read as a profile on the right side."""
    path, true_yaw = _pose_photo(name)
    face = _subject(checker.facts(str(path)))
    bucket = classify.pose_bucket(face, checker.pack.classify.pose)
    assert bucket == ("profile-left" if true_yaw > 0 else "profile-right"), (bucket, face.yaw, face.detector)


def test_profiles_without_landmarks_are_sided_by_the_pose_network(corpus_facts, checker):
    """Full KDEF / AFLW profiles the landmarker cannot read: seen by FaceBoxes only, side from the yaw sign."""
    box_only = [(row, _subject(f)) for row, f in corpus_facts if (s := _subject(f)) and not s.key_points]
    assert len(box_only) >= 5  # measured: 8 of the corpus profiles
    for row, face in box_only:
        assert row["yaw_bucket"].startswith("profile"), row["path"]
        assert classify.pose_bucket(face, checker.pack.classify.pose) == row["yaw_bucket"].replace("_", "-")
        assert face.profile_side == row["yaw_bucket"].split("_")[1]


def test_pose_confidence_follows_the_agreement_of_the_two_estimates(corpus_facts, checker):
    opts = checker.pack.classify.pose
    agreeing = [s for _, f in corpus_facts if (s := _subject(f)) and s.pose_disagreement is not None
                and s.pose_disagreement < 4 and abs(abs(s.yaw) - 25) < 5]  # fmt: skip
    assert agreeing and all(classify.pose_confidence(s, opts) >= 0.75 for s in agreeing)  # only the margin counts
    far = [s for _, f in corpus_facts if (s := _subject(f)) and (s.pose_disagreement or 0) > 20]
    assert all(classify.pose_confidence(s, opts) < 0.6 for s in far)


@pytest.fixture(scope="module")
def set_checker():
    # resolution rules off (corpus photos are small); ID01 off where a set mixes people on purpose
    with Checker(ignore=["IQ02", "FC02", "ID01", "ID02"]) as c:
        yield c


def _judge(checker, facts):
    return checker.judge_set(PhotoSet("set", tuple(f.path for f in facts)), list(facts))


def test_three_quarter_views_on_both_sides_fill_the_slight_turns(set_checker, corpus_facts):
    by = {row["path"]: f for row, f in corpus_facts}
    turned = ["aflw2000_02616/prnet_image02616.jpg", "aflw2000_02317/2dasl_image02317.jpg"]  # -43°, +44°
    frontal = ["kdef_am21/kdef_AM21NES.jpg", "kdef_am23/kdef_AM23NES.jpg"]
    facts = [by[p] for p in turned + frontal]
    result = _judge(set_checker, facts)
    assert result.coverage.counts.pose["three-quarter-left"] == 1 and result.coverage.counts.pose["three-quarter-right"] == 1
    assert "PO10" not in {f.code for f in result.findings}
    strict = Checker(pack="strict", ignore=["IQ02", "FC02", "ID01", "ID02"])
    assert "PO10" in {f.code for f in _judge(strict, facts).findings}  # three-quarter does not count there


def test_a_full_profile_set_has_no_po11(set_checker, corpus_facts):
    by = {row["path"]: f for row, f in corpus_facts}
    facts = [by["kdef_af32/kdef_AF32NES.jpg"], by["kdef_af32/kdef_AF32NEFL.jpg"]]
    result = _judge(set_checker, facts)
    assert result.coverage.counts.pose["profile-right"] == 1
    assert "PO11" not in {f.code for f in result.findings}


@pytest.mark.parametrize("name", ["head_pose_3ddfa_v2_mb05.onnx", "face_boxes.onnx",
                                  "face_descriptor_dlib_resnet_v1.onnx", "expression_fer2013_mini_xception.onnx",
                                  "face_detection_full_range.onnx", "expression_face_api.onnx",
                                  "scene_mobilenet_v1_0.5_160.onnx"])
def test_a_damaged_shipped_model_is_exit_2(tmp_path, monkeypatch, name):
    for f in bundled.MODELS_DIR.iterdir():
        if f.is_file():
            shutil.copy(f, tmp_path / f.name)
    with (tmp_path / name).open("r+b") as fh:
        fh.seek(5000)
        fh.write(b"\x00\x01\x02")
    monkeypatch.setattr(bundled, "MODELS_DIR", tmp_path)
    with pytest.raises(ModelError, match="damaged"):
        Checker().measurer.facts(str(DEMO / sorted(p.name for p in DEMO.iterdir())[0]))
    result = CliRunner().invoke(main, ["check", str(DEMO), "--no-cache"])
    assert result.exit_code == 2 and name in result.stderr and "Traceback" not in result.output
    (tmp_path / name).unlink()
    result = CliRunner().invoke(main, ["check", str(DEMO), "--no-cache"])
    assert result.exit_code == 2 and "not found" in result.stderr


def test_a_damaged_network_stops_a_fully_cached_run_too(tmp_path, monkeypatch):
    """The networks' files are read and hash-checked on other threads while the first photo decodes; a run whose
    photos are all in the cache builds no network, and still stops on a damaged file."""
    photo = str(DEMO / sorted(p.name for p in DEMO.iterdir())[0])
    cache = tmp_path / "cache"
    Checker(cache=cache).measurer.facts(photo)  # healthy models: the facts are cached
    models = tmp_path / "models"
    models.mkdir()
    for f in bundled.MODELS_DIR.iterdir():
        if f.is_file():
            shutil.copy(f, models / f.name)
    with (models / "face_descriptor_dlib_resnet_v1.onnx").open("r+b") as fh:
        fh.seek(5000)
        fh.write(b"\x00\x01\x02")
    monkeypatch.setattr(bundled, "MODELS_DIR", models)
    checker = Checker(cache=cache)
    with pytest.raises(ModelError, match="damaged"):
        checker.measurer.facts(photo)
    embedder = checker.measurer._embedder
    assert embedder is not None and embedder.model._net is None  # a cache hit: the network was never built


def test_small_faces_are_found_in_one_pass(corpus_facts):
    """A group photo of three small faces: the full-range detector's one pass (then one landmarker call per
    face) finds all three; the 2x2 tiling it replaced found two."""
    (facts,) = [f for row, f in corpus_facts if row["path"] == "various/gfpgan_10045.png"]
    landmarked = [f for f in facts.faces if f.key_points]
    assert len(landmarked) == 3
