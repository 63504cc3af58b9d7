"""Rule logic on recorded facts (no models): every rule fires on a bad case and stays quiet on a good one.

The base record is what the real analyzers measured on fixtures' obama3.jpg (a clean photo); each case
changes only the measurement the rule reads.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from photocheck import load_pack
from photocheck.checks import REGISTRY, ImageContext
from photocheck.config import rules_dir
from photocheck.model import ImageFacts
from tests.conftest import FIXTURES

BASE = ImageFacts.from_dict(json.loads((FIXTURES / "facts" / "obama3.json").read_text()))
PACK = load_pack("default")


def _with(basic=None, face=None, **top) -> ImageFacts:
    f = BASE
    if basic:
        f = dataclasses.replace(f, basic=dataclasses.replace(f.basic, **basic))
    if face is not None:
        f = dataclasses.replace(f, faces=(dataclasses.replace(f.faces[0], **face),))
    return dataclasses.replace(f, **top)


# code -> (facts that must fire, facts that must not)
CASES = {
    "IQ01": (_with(error="file is truncated or incomplete"), BASE),
    "IQ02": (_with(basic={"width": 800, "height": 1200}), _with(basic={"width": 1024, "height": 2000})),
    "IQ03": (_with(basic={"effective_detail": 0.15}), _with(basic={"effective_detail": 0.3})),
    "IQ04": (_with(basic={"jpeg_quality": 40.0}), _with(basic={"jpeg_quality": 85.0})),
    "IQ05": (_with(face={"noise": 15.0}), _with(face={"noise": 2.0})),
    "IQ06": (_with(basic={"colourfulness": 0.0}), BASE),
    "FC01": (_with(faces=()), BASE),
    "FC02": (_with(face={"box": (10, 10, 150, 180)}), BASE),
    "FC03": (_with(face={"sharpness": 0.2}), BASE),
    "FC04": (_with(face={"cut_off": 0.3}), BASE),
    "FC05": (_with(face={"lower_face_mismatch": 30.0}), _with(face={"lower_face_mismatch": 30.0, "yaw": 70.0})),
    "FC06": (_with(face={"eye_darkness": 0.2, "eye_texture": 0.3}), _with(face={"eye_darkness": 0.2, "eye_texture": 1.2})),
    "FC07": (_with(face={"eye_openness": 0.1}), BASE),
    "LI01": (_with(face={"luma_mean": 30.0}), BASE),
    "LI02": (_with(face={"luma_mean": 240.0, "bright_fraction": 0.5}), BASE),
    "LI03": (_with(face={"side_difference_stops": 4.0}), _with(face={"side_difference_stops": 4.0, "yaw": 40.0})),
    "LI04": (_with(face={"background_difference_stops": 4.0, "luma_mean": 60.0}), _with(face={"background_difference_stops": 4.0, "luma_mean": 150.0})),
    "PO01": (_with(face={"roll": 45.0}), _with(face={"roll": 20.0})),
}


def _fires(code: str, facts: ImageFacts) -> list:
    rule = REGISTRY[code]
    subject = facts.faces[0] if facts.faces else None
    return list(rule().check(ImageContext(facts=facts, subject=subject), PACK.rules[code].options))


@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_rule_fires_and_passes(code):
    bad, good = CASES[code]
    hits = _fires(code, bad)
    assert len(hits) == 1 and hits[0].message and hits[0].fix
    assert _fires(code, good) == []


def test_recorded_facts_round_trip():
    assert ImageFacts.from_dict(json.loads(json.dumps(BASE.to_dict()))) == BASE


@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_every_rule_has_doc_options_and_cases(code):
    """Meta-test: code, doc page, every option in the default pack, and a firing/passing case."""
    rule = REGISTRY[code]
    assert re.fullmatch(r"[A-Z]{2}\d\d", code) and re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
    doc = rules_dir() / "docs" / f"{code}-{rule.name}.md"
    text = doc.read_text()
    for heading in ("## What it does", "## Why it matters for a profile", "## Example", "## Options"):
        assert heading in text, f"{doc.name} lacks {heading}"
    pack_text = (rules_dir() / "packs" / "default.toml").read_text()
    section = pack_text.split(f"[rules.{code}]")[1].split("\n[")[0]
    for field in dataclasses.fields(rule.Options):
        key = field.name.replace("_", "-")
        assert f"\n{key} = " in section, f"default pack lacks {code} {key}"
        assert f"`{key}`" in text, f"{doc.name} does not document {key}"
    assert code in CASES


def test_default_pack_equals_code_defaults():
    for code, rule in REGISTRY.items():
        assert PACK.rules[code].options == rule.Options(), code
        assert PACK.rules[code].severity == rule.default_severity, code
