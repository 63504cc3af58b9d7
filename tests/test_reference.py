"""Checking uploads against a known identity: library and CLI, on the demo's real photos and real models."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from photocheck import Checker, ConfigError, Reference
from photocheck.cli import main
from tests.conftest import DEMO

OBAMA = [str(DEMO / "obama.jpg"), str(DEMO / "obama2.jpg")]


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def with_reference():
    with Checker(reference=OBAMA) as checker:
        yield checker


def test_match_says_same_person_distance_and_face(with_reference):
    same = with_reference.match(str(DEMO / "obama3.jpg"))
    other = with_reference.match((DEMO / "biden.jpg").read_bytes(), name="upload.jpg")
    assert same.same_person is True and same.distance < 0.5 and same.face_index == 0 and same.box
    assert other.same_person is False and other.distance > 0.7 and other.path == "upload.jpg"
    unreadable = with_reference.match(b"not a photo", name="x.jpg")
    assert unreadable.same_person is None and unreadable.error


def test_check_image_with_reference_reports_id01_on_the_upload(with_reference):
    stranger = with_reference.check_image(str(DEMO / "biden.jpg"))
    assert [f.code for f in stranger.findings if f.code == "ID01"] == ["ID01"]
    assert stranger.identity == "mismatch" and not any(face.is_subject for face in stranger.faces)
    member = with_reference.check_image(str(DEMO / "obama3.jpg"))
    assert member.findings == () and member.identity == "match"
    assert member.faces[0].identity_distance < 0.5


def test_reference_round_trips_through_a_file(tmp_path, with_reference):
    path = tmp_path / "ref.json"
    with_reference.reference.save(path)
    loaded = Reference.load(path)
    assert loaded.centre == with_reference.reference.centre and loaded.photos == 2


def test_reference_of_two_people_is_refused():
    with Checker(select=["IQ02"]) as checker, pytest.raises(ConfigError, match="more than one person"):
        checker.build_reference([str(DEMO / "obama.jpg"), str(DEMO / "biden.jpg")])


def test_cli_reference_then_check_uploads(tmp_path):
    ref = tmp_path / "ref.json"
    made = _run("reference", *OBAMA, "--output", str(ref))
    assert made.exit_code == 0, made.output
    assert json.loads(ref.read_text())["format"] == "photocheck-reference"

    # one upload at a time: the set coverage rules (count, angles, ...) are not the question here
    per_photo = ("--ignore", "DS,PO1,EX,LI1")
    stranger = _run("check", str(DEMO / "biden.jpg"), "--reference", str(ref), "--format", "json", *per_photo)
    assert stranger.exit_code == 1
    (s,) = json.loads(stranger.stdout)["sets"]
    assert [f["code"] for f in s["findings"]] == ["ID01"] and s["findings"][0]["paths"] == [str(DEMO / "biden.jpg")]

    member = _run("check", str(DEMO / "obama3.jpg"), "--reference", str(ref), "--format", "json", *per_photo)
    assert member.exit_code == 0
    (face,) = json.loads(member.stdout)["sets"][0]["images"][0]["faces"]
    assert face["is_subject"] and face["identity_distance"] < 0.5

    # photos work as a reference too
    direct = _run("check", str(DEMO / "biden.jpg"), "--reference", OBAMA[0], "--reference", OBAMA[1], *per_photo)
    assert direct.exit_code == 1 and "ID01" in direct.stdout


def test_cli_bad_reference_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "ref.json"
    bad.write_text('{"format": "something else"}')
    result = _run("check", str(DEMO / "obama3.jpg"), "--reference", str(bad))
    assert result.exit_code == 2 and "ref.json" in result.output and "not a photocheck reference" in result.output
