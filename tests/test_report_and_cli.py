"""The JSON report matches SPEC §4; the CLI's exit codes and commands behave as documented."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from photocheck.checks import REGISTRY
from photocheck.cli import main
from tests.conftest import DEMO

_NUM = {"type": ["number", "null"]}
_FINDING = {
    "type": "object",
    "required": ["code", "name", "severity", "message"],
    "properties": {"severity": {"enum": ["error", "warning", "info"]}, "code": {"pattern": "^[A-Z]{2}[0-9]{2}$"}},
}
SCHEMA = {
    "type": "object",
    "required": ["photocheck_version", "score", "verdict", "sets"],
    "properties": {
        "score": {"type": "number", "minimum": 0, "maximum": 100},
        "verdict": {"enum": ["ready", "needs-work", "not-ready"]},
        "sets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "score", "verdict", "coverage", "advice", "findings", "images"],
                "properties": {
                    "coverage": {"type": "object", "required": ["pose", "expression", "lighting"]},
                    "advice": {"type": "array", "items": {"type": "string"}},
                    "findings": {"type": "array", "items": {**_FINDING, "required": [*_FINDING["required"], "paths"]}},
                    "images": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["path", "width", "height", "score", "faces", "lighting", "findings"],
                            "properties": {
                                "faces": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": [
                                            "box",
                                            "is_subject",
                                            "yaw",
                                            "pitch",
                                            "roll",
                                            "pose",
                                            "expression",
                                            "identity_distance",
                                        ],
                                        "properties": {
                                            "box": {"type": "array", "minItems": 4, "maxItems": 4},
                                            "yaw": _NUM,
                                            "pitch": _NUM,
                                            "roll": _NUM,
                                        },
                                    },
                                },
                                "lighting": {"type": "object", "required": ["setting", "light"]},
                                "findings": {"type": "array", "items": _FINDING},
                            },
                        },
                    },
                },
            },
        },
    },
}


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_json_report_validates_against_the_contract():
    result = _run("check", str(DEMO), "--format", "json")
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    (s,) = report["sets"]
    assert s["path"] == str(DEMO)
    assert [i["path"] for i in s["images"]] == sorted(i["path"] for i in s["images"])
    # golden end-to-end score (scoring.py): 0.7 x quality 38.57 (removed photos count 0: the two intruders and the
    # extra copy obama2.jpg) + 0.3 x coverage 18.8 % (the kept photo's expression is unsure: it fills none)
    assert s["score"] == 32.6 and s["verdict"] == "not-ready" and report["score"] == 32.6
    assert s["advice"][:2] == ["Remove astronaut.png: identity-mismatch", "Remove biden.jpg: identity-mismatch"]
    assert set(s["coverage"]) >= {"pose", "expression", "lighting"}
    # one subject face per photo, except in the two intruders (biden, astronaut), which have none
    subjects = {Path(i["path"]).name: sum(f["is_subject"] for f in i["faces"]) for i in s["images"]}
    assert subjects == {n: 0 if n in ("biden.jpg", "astronaut.png") else 1 for n in subjects}
    assert sorted(Path(p).name for f in s["findings"] if f["code"] == "ID01" for p in f["paths"]) == [
        "astronaut.png",
        "biden.jpg",
    ]
    # one action per photo, and the counts agree with it
    actions = {Path(i["path"]).name: (i["action"], i["usable"], i["reasons"]) for i in s["images"]}
    assert actions["biden.jpg"] == ("remove", False, ["ID01"])
    assert actions["obama2.jpg"] == ("remove", False, ["DS02"])
    assert actions["obama.jpg"] == ("replace", False, ["IQ02"])
    assert actions["obama3.jpg"] == ("keep", True, [])
    assert s["usable"] == sum(1 for a in actions.values() if a[0] == "keep") == 1


def test_paths_stay_as_given(monkeypatch):
    monkeypatch.chdir(DEMO.parent)
    report = json.loads(_run("check", "demo/obama3.jpg", "--format", "json", "--select", "IQ02").stdout)
    assert report["sets"][0]["path"] == "demo"
    assert report["sets"][0]["images"][0]["path"] == "demo/obama3.jpg"


PER_PHOTO = ("--ignore", "DS,PO1,EX,LI1")  # one photo on its own: not the set's coverage


def test_exit_codes(tmp_path):
    assert _run("check", str(DEMO / "obama3.jpg"), *PER_PHOTO).exit_code == 0  # a clean photo
    assert _run("check", str(DEMO / "obama3.jpg")).exit_code == 1  # as a set of one: too few photos, no profile
    assert _run("check", str(DEMO)).exit_code == 1  # low-resolution errors
    assert _run("check", str(DEMO), "--fail-on", "never").exit_code == 0
    assert _run("check", str(DEMO / "obama3.jpg"), "--fail-under", "100.1").exit_code == 2  # out of range
    assert _run("check", str(DEMO / "obama3.jpg"), "--fail-under", "100", *PER_PHOTO).exit_code == 0
    assert (
        _run("check", str(DEMO / "obama_partial_face.jpg"), "--select", "FC04", "--fail-on", "warning").exit_code == 1
    )
    assert _run("check", str(DEMO), "--format", "nope").exit_code == 2
    assert _run("check", str(DEMO), "--select", "ZZ9").exit_code == 2


def test_output_file_and_text_report(tmp_path):
    out = tmp_path / "report.txt"
    assert _run("check", str(DEMO), "--output", str(out)).exit_code == 1
    text = out.read_text()
    assert text.startswith("NEEDS-WORK") or text.startswith("NOT-READY")
    assert "shorter side 910 px is below 1024 px — use the original photo" in text
    assert "Next steps" in text


def test_file_rules_alone_run_without_the_face_model(monkeypatch):
    monkeypatch.setenv("PHOTOCHECK_FACE_MODEL", "/nonexistent/model.task")  # would fail if loaded
    report = json.loads(_run("check", str(DEMO), "--select", "IQ01,IQ02,IQ03,IQ04,IQ06", "--format", "json").stdout)
    assert all(i["faces"] == [] for i in report["sets"][0]["images"])
    assert {f["code"][:2] for i in report["sets"][0]["images"] for f in i["findings"]} <= {"IQ"}


def test_rules_and_rule_commands():
    listing = _run("rules").stdout
    for code in REGISTRY:
        assert code in listing
    doc = _run("rule", "IQ02").stdout
    assert doc.startswith("# IQ02 low-resolution") and "min-short-side" in doc
    assert _run("rule", "low-resolution").stdout == doc
    assert _run("rule", "XX99").exit_code == 2
