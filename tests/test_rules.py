"""Rule logic on recorded facts (no models): every rule fires on a bad case and stays quiet on a good one.

The base record is what the real analyzers measured on the demo's obama3.jpg (a clean photo); each case
changes only the measurement the rule reads. Identity cases use the recorded facts of the demo's other
Obama photos and of biden.jpg (real descriptors); a case given as a list is a set, judged as a whole.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path

import pytest

from photocheck import load_pack
from photocheck.checks import REGISTRY, ImageContext
from photocheck.evidence import build_evidence
from photocheck.evidence.subject import resolve
from photocheck import judge_facts
from photocheck.model import ImageFacts
from photocheck.packs import rules_dir
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]


def _recorded(name: str) -> ImageFacts:
    return ImageFacts.from_dict(json.loads((FIXTURES / "facts" / f"{name}.json").read_text()))


BASE = _recorded("obama3")
OBAMA, OBAMA2, BIDEN = _recorded("obama"), _recorded("obama2"), _recorded("biden")
PACK = load_pack("default")


def _second_face(facts: ImageFacts, **changes) -> ImageFacts:
    """The photo with one more face: a copy of its face moved aside, with the given changes."""
    face = facts.faces[0]
    x, y, w, h = face.box
    other = dataclasses.replace(face, **{"box": (x + w + 40, y, w, h), **changes})
    return dataclasses.replace(facts, faces=(face, other))


def _readings(api: dict[str, float], fer: dict[str, float]) -> dict:
    """A face's two expression networks' probabilities (face-api.js, FER2013), unnamed classes at 0."""
    api_classes = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
    fer_classes = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    return {"expression_face_api": {c: api.get(c, 0.0) for c in api_classes},
            "emotion": {c: fer.get(c, 0.0) for c in fer_classes}}  # fmt: skip


# a resting face's blendshapes (obama3 smiles: its own would read through)
_RESTING = {name: 0.05 for name in (
    "mouthSmileLeft", "mouthSmileRight", "jawOpen", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "browDownLeft", "browDownRight", "eyeWideLeft", "eyeWideRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "mouthStretchLeft", "mouthStretchRight", "eyeBlinkLeft", "eyeBlinkRight",
)}  # fmt: skip
# what the three signals read on a face of each expression (blendshapes, face-api.js, FER2013)
EXPRESSION_FACES = {
    "neutral": ({}, _readings({"neutral": 0.97, "happy": 0.03}, {"neutral": 0.9, "happy": 0.05})),
    "smile": ({"mouthSmileLeft": 0.8, "mouthSmileRight": 0.8}, _readings({"happy": 0.98}, {"happy": 0.95})),
    "frown": ({"browDownLeft": 0.9, "browDownRight": 0.9, "mouthFrownLeft": 0.4, "mouthFrownRight": 0.4},
              _readings({"sad": 0.6, "angry": 0.39}, {"sad": 0.6, "angry": 0.3})),
    "surprise": ({"jawOpen": 0.6, "browInnerUp": 0.7, "browOuterUpLeft": 0.6, "browOuterUpRight": 0.6},
                 _readings({"surprised": 0.97}, {"surprise": 0.9})),
}  # fmt: skip


def _shot(
    k: int, lighting: dict | None = None, blendshapes: dict | None = None, expression: str | None = "neutral", **face
) -> ImageFacts:
    """Another clean photo of the same person: obama3's facts with their own hashes and a descriptor 0.25 away;
    `expression`: its face reads as that expression (blendshapes and both networks; None: obama3's own)."""
    if expression is not None:
        shape, readings = EXPRESSION_FACES[expression]
        blendshapes = {**_RESTING, **shape, **(blendshapes or {})}
        face = {**readings, **face}
    rng = random.Random(k)
    f = BASE.faces[0]
    emb = list(f.embedding)
    emb[k % len(emb)] += 0.25
    new_face = dataclasses.replace(
        f,
        embedding=tuple(emb),
        face_hash=f"{rng.getrandbits(64):016x}",
        face_hash_mirrored=f"{rng.getrandbits(64):016x}",
        blendshapes={**f.blendshapes, **(blendshapes or {})},
        **face,
    )
    basic = dataclasses.replace(
        BASE.basic, image_hash=f"{rng.getrandbits(64):016x}", image_hash_mirrored=f"{rng.getrandbits(64):016x}"
    )
    light = dataclasses.replace(BASE.lighting, **(lighting or {}))
    return dataclasses.replace(
        BASE, path=f"shot{k}.jpg", content_hash=f"{k:064x}", basic=basic, faces=(new_face,), lighting=light
    )


def _shots(n: int) -> list[ImageFacts]:
    return [_shot(k) for k in range(n)]


SUNNY, OVERCAST = {"exif_light_value": 15.0}, {"exif_light_value": 11.5}


def _renamed(facts: ImageFacts, path: str, nudge: float = 0.0) -> ImageFacts:
    """Another photo of the same person for set cases: same facts, another name, descriptor nudged."""
    faces = tuple(dataclasses.replace(f, embedding=tuple(v + nudge for v in f.embedding)) for f in facts.faces)
    return dataclasses.replace(facts, path=path, faces=faces)


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
    "FC06": (
        _with(face={"eye_darkness": 0.2, "eye_texture": 0.3}),
        _with(face={"eye_darkness": 0.2, "eye_texture": 1.2}),
    ),
    "FC07": (_with(face={"eye_openness": 0.1}), BASE),
    "LI01": (_with(face={"luma_mean": 30.0}), BASE),
    "LI02": (_with(face={"luma_mean": 240.0, "bright_fraction": 0.5}), BASE),
    "LI03": (_with(face={"side_difference_stops": 4.0}), _with(face={"side_difference_stops": 4.0, "yaw": 40.0})),
    "LI04": (
        _with(face={"background_difference_stops": 4.0, "luma_mean": 60.0}),
        _with(face={"background_difference_stops": 4.0, "luma_mean": 150.0}),
    ),
    "PO01": (_with(face={"roll": 45.0}), _with(face={"roll": 20.0})),
    # a lone photo with two equal faces; the same photo with the second face a small background face
    "FC08": (
        _second_face(BASE, embedding=None),
        _second_face(BASE, embedding=None, box=(40, 40, 100, 120)),
    ),
    # in a set: the subject's face beside a much larger face of someone else; beside a smaller one
    "FC09": (
        [OBAMA, OBAMA2, _second_face(BASE, box=(900, 200, 600, 700), embedding=BIDEN.faces[0].embedding)],
        [OBAMA, OBAMA2, _second_face(BASE, box=(900, 200, 200, 240), embedding=BIDEN.faces[0].embedding)],
    ),
    "ID01": ([OBAMA, OBAMA2, BASE, BIDEN], [OBAMA, OBAMA2, BASE]),
    # a turned-away photo of the subject cannot be compared: said, on that photo; a frontal one can
    "ID03": (
        [OBAMA, OBAMA2, _with(face={"yaw": 70.0}, path="turned.jpg")],
        [OBAMA, OBAMA2, BASE],
    ),
    "DS01": (_shots(9), _shots(15)),
    # an exact copy under another name; the same photos without it
    "DS02": (_shots(3) + [dataclasses.replace(_shot(1), path="copy.jpg")], _shots(3)),
    "PO10": (_shots(3), [_shot(0), _shot(1, yaw=25.0), _shot(2, yaw=-25.0)]),
    "PO11": (_shots(3), [_shot(0), _shot(1, yaw=70.0)]),
    "EX10": (
        _shots(3),
        [
            _shot(0, expression="neutral"),
            _shot(1, expression="smile"),
            _shot(2, expression="frown"),
            _shot(3, expression="surprise"),
        ],
    ),
    "LI10": (_shots(3), [_shot(0), _shot(1, lighting=SUNNY), _shot(2, lighting=OVERCAST)]),
    "ID02": (
        [OBAMA, OBAMA2, BIDEN, _renamed(BIDEN, "biden2.jpg", 0.01)],
        [OBAMA, OBAMA2, BASE, BIDEN],
    ),
}


def _evidence(facts: list[ImageFacts], pack=PACK):
    return build_evidence(facts, identity=pack.identity, classify=pack.classify, duplicates=pack.duplicates)


def _fires(code: str, case: ImageFacts | list[ImageFacts], pack=PACK) -> list:
    """Hits of one rule on a photo (judged alone) or on a set (image rules: on its last photo).

    Set rules are judged the way a check judges them: the evidence built from the recorded facts, then the
    judge (actions, kept photos, coverage); no model runs for that.
    """
    rule = REGISTRY[code]
    facts = case if isinstance(case, list) else [case]
    identity = resolve(facts, pack.identity)
    opts = pack.rules[code].options
    if rule.level == "set":
        return [f for f in judge_facts("set", facts, pack).findings if f.code == code]
    pid = identity.photos[-1]
    subject = facts[-1].faces[pid.subject] if facts[-1].faces and pid.subject is not None else None
    return list(rule().check(ImageContext(facts=facts[-1], subject=subject, identity=pid), opts))


@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_rule_fires_and_passes(code):
    bad, good = CASES[code]
    hits = _fires(code, bad)
    assert len(hits) == 1 and hits[0].message and hits[0].fix
    assert _fires(code, good) == []


def test_id01_names_only_the_intruder():
    (hit,) = _fires("ID01", [OBAMA, OBAMA2, BASE, BIDEN])
    assert hit.paths == ("biden.jpg",) and hit.message.startswith("biden.jpg: its face is 0.8")


def _lookalike(offset: float, name: str = "lookalike.jpg") -> ImageFacts:
    """Someone whose descriptor sits `offset` from obama3's along a dimension no shot moves."""
    emb = list(BASE.faces[0].embedding)
    emb[100] += offset
    return dataclasses.replace(
        _shot(99), path=name, faces=(dataclasses.replace(_shot(99).faces[0], embedding=tuple(emb)),)
    )


# the spread mechanism at a sensitive setting (the default probable-z is 3.5 for photos no other photo vouches
# for: see ID01's calibration evidence); vouch-distance 0.3: no shot here vouches for another
SENSITIVE = load_pack("default", {"identity": {"probable-z": 3.0, "vouch-distance": 0.3}})


def _id01(facts: list[ImageFacts], pack=SENSITIVE):
    result = judge_facts("set", facts, pack)
    return [f for f in result.findings if f.code == "ID01"], {i.path: i.action for i in result.images}


def test_id01_a_lookalike_between_the_bounds_is_a_warning_to_compare():
    """Six photos sitting 0.27 from their centre; a face 0.50 from it (under the fixed 0.60) is far outside that
    spread: a warning naming the closest photo to compare with; the photo stays until the user decides."""
    (hit,), actions = _id01(_shots(6) + [_lookalike(0.5)])
    assert hit.severity.value == "warning" and hit.paths == ("lookalike.jpg",)
    assert "may be a different person" in hit.message and "compare it with shot" in hit.message
    assert "0.27 ± 0.04" in hit.message
    assert actions["lookalike.jpg"] == "keep"


def test_id01_a_clear_outlier_of_the_set_is_an_error_below_the_fixed_limit():
    """z = 7.8: a warning by default (outlier-z 10: the corpus's real sets hold a 15-years-younger DiCaprio at
    z = 7.4); an error where a pack sets outlier-z = 7."""
    (hit,), _ = _id01(_shots(6) + [_lookalike(0.58)])
    assert hit.severity.value == "warning"
    sharper = load_pack("default", {"identity": {"probable-z": 3.0, "vouch-distance": 0.3, "outlier-z": 7.0}})
    (hit,), actions = _id01(_shots(6) + [_lookalike(0.58)], sharper)
    assert hit.severity.value == "error" and "far outside that spread" in hit.message
    assert actions["lookalike.jpg"] == "remove"


def test_id01_a_tight_set_never_flags_what_is_within_the_lower_bound():
    """A face 0.41 from the others (z = 3.3 against this very tight set) is a warning; with the lower bound
    at 0.45 the same face is the same person whatever the set's spread."""
    (hit,), _ = _id01(_shots(6) + [_lookalike(0.395, "member.jpg")])
    assert hit.severity.value == "warning"
    looser = load_pack("default", {"identity": {"probable-z": 3.0, "vouch-distance": 0.3, "same-person-below": 0.45}})
    hits, _ = _id01(_shots(6) + [_lookalike(0.395, "member.jpg")], looser)
    assert hits == []


def test_id01_small_sets_use_the_fixed_limit_only():
    hits, _ = _id01(_shots(3) + [_lookalike(0.5)])  # 3 other members: too few for a spread
    assert hits == []


def test_id01_default_doubts_a_face_between_the_bounds_only_when_no_photo_vouches_for_it():
    """z = 5.8, past the default probable-z 3.5: a warning, because its nearest photo is 0.56 away
    (vouch-distance 0.55). A photo within the vouch distance (0.6 here) keeps it quiet."""
    (hit,), _ = _id01(_shots(6) + [_lookalike(0.5)], PACK)
    assert hit.severity.value == "warning" and "compare it with shot" in hit.message
    vouched = load_pack("default", {"identity": {"vouch-distance": 0.6}})
    hits, _ = _id01(_shots(6) + [_lookalike(0.5)], vouched)
    assert hits == []


def test_id03_says_why_a_photo_was_not_compared():
    (hit,) = _fires("ID03", [OBAMA, OBAMA2, _with(face={"yaw": 70.0}, path="turned.jpg")])
    assert hit.message == "identity not verified: the head is turned 70° (descriptors are compared up to 50°)"


def test_id02_says_who_is_in_which_files():
    (hit,) = _fires("ID02", [OBAMA, OBAMA2, BIDEN, _renamed(BIDEN, "biden2.jpg", 0.01)])
    assert "person A in biden.jpg, biden2.jpg; person B in obama.jpg, obama2.jpg" in hit.message
    assert hit.paths == ("biden.jpg", "biden2.jpg", "obama.jpg", "obama2.jpg")


def test_identity_of_a_face_that_cannot_be_read_is_never_a_mismatch():
    """A turned-away subject beside a stranger: 'cannot tell', not 'someone else'."""
    turned = _second_face(BIDEN, yaw=70.0, embedding=OBAMA.faces[0].embedding)
    identity = resolve([OBAMA, OBAMA2, BASE, turned], PACK.identity)
    assert identity.photos[-1].status == "unverified" and identity.photos[-1].subject == 1


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


def test_each_rule_summary_has_one_source():
    """The class's `summary` is what the rule's page, the default pack's comment and the README's table say
    (tools/sync_rule_docs.py writes them; run it after changing a summary)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sync_rule_docs", ROOT / "tools" / "sync_rule_docs.py")
    assert spec is not None and spec.loader is not None
    sync = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sync)
    assert sync.differences(write=False) == [], "run: python tools/sync_rule_docs.py"
    for code, rule in REGISTRY.items():  # and what the sync writes is what a reader sees
        page = (rules_dir() / "docs" / f"{code}-{rule.name}.md").read_text().split("\n")
        assert page[2].startswith(
            rule.summary[0].upper() + rule.summary[1:] if rule.summary[0].isalpha() else rule.summary
        )
        assert page[2].endswith(f"Level: {rule.level}. Default severity: {rule.default_severity.value}.")
        assert (
            f"[rules.{code}]  # {rule.name}: {rule.summary}\n" in (rules_dir() / "packs" / "default.toml").read_text()
        )


def test_default_pack_equals_code_defaults():
    for code, rule in REGISTRY.items():
        assert PACK.rules[code].options == rule.Options(), code
        assert PACK.rules[code].severity == rule.default_severity, code


# -------------------------------------------------------------------- expression: the fitted head


def _reading(expression: str | None = None, baseline: dict | None = None, **face):
    from photocheck.evidence.labels import expression as read

    return read(_shot(0, expression=expression, **face).faces[0], PACK.classify.expression, baseline)


def test_each_expression_face_reads_as_itself_and_counts():
    for name in ("neutral", "smile", "frown", "surprise"):
        reading = _reading(name)
        assert reading.label == name and reading.counted, (name, reading)
        assert name in reading.may_show and abs(sum(reading.probabilities.values()) - 1) < 0.01


def test_a_face_without_the_face_api_reading_or_blendshapes_has_no_expression():
    """Facts recorded before analyzer version 27, or a box-only face: unknown, never counted as missing."""
    from photocheck.evidence.labels import expression as read

    assert _reading("smile", expression_face_api=None).label is None
    no_shapes = dataclasses.replace(_shot(0, expression="smile").faces[0], blendshapes={})
    assert read(no_shapes, PACK.classify.expression).label is None


def test_a_frown_is_read_against_the_persons_own_face():
    """The same lowered brows and negative readings are more of a frown for a person whose face usually rests
    relaxed than for one whose brows always sit low and whom the networks always read as sad."""
    from photocheck.evidence.heads import expression_baseline

    mild = {"blendshapes": {**_RESTING, "browDownLeft": 0.5, "browDownRight": 0.5},
            **_readings({"neutral": 0.6, "sad": 0.4}, {"neutral": 0.6, "sad": 0.3})}  # fmt: skip
    relaxed = expression_baseline([_shot(k, expression="neutral").faces[0] for k in (1, 2, 3)])
    heavy_faces = [_shot(k, **mild).faces[0] for k in (1, 2, 3)]
    heavy = expression_baseline(heavy_faces)
    assert relaxed is not None and heavy is not None
    assert (
        _reading(baseline=relaxed, **mild).probabilities["frown"]
        > _reading(baseline=heavy, **mild).probabilities["frown"]
    )
    assert expression_baseline(heavy_faces[:1]) is None  # one other photo is no baseline


def test_an_unsure_reading_counts_neither_way_but_may_show_what_it_might_be():
    """Half smile, half neutral: shown with "?", not counted, and both 'may show' (EX10 then asks for neither)."""
    half = {"blendshapes": {**_RESTING, "mouthSmileLeft": 0.3, "mouthSmileRight": 0.3},
            **_readings({"neutral": 0.5, "happy": 0.5}, {"neutral": 0.5, "happy": 0.5})}  # fmt: skip
    reading = _reading(**half)
    assert not reading.counted and {"neutral", "smile"} <= set(reading.may_show)
    judged = judge_facts("s", [_shot(k, **half) for k in range(3)], PACK)
    asked = {gap for f in judged.findings if f.code == "EX10" for gap, _ in f.advice}
    assert "smile" not in asked and "neutral" not in asked and "frown" in asked


def test_the_networks_readings_move_the_head_the_way_they_say():
    base = _reading("neutral").probabilities
    surprised = _reading("neutral", **_readings({"surprised": 0.9, "neutral": 0.1}, {"surprise": 0.8})).probabilities
    happy = _reading("neutral", **_readings({"happy": 0.9, "neutral": 0.1}, {"happy": 0.8})).probabilities
    assert surprised["surprise"] > base["surprise"] and happy["smile"] > base["smile"]


def test_the_set_wide_baselines_equal_one_baseline_per_face():
    """build_evidence reads every face's baseline in one pass (expression_baselines): the same numbers as the
    median of the others' signals for each face, with faces that are not the person's (None) left out."""
    from photocheck.evidence.heads import expression_baseline, expression_baselines

    faces = [
        _shot(k, expression=e).faces[0] for k, e in enumerate(("neutral", "smile", "frown", "neutral", "surprise"))
    ]
    faces[2] = dataclasses.replace(faces[2], blendshapes={**faces[2].blendshapes, "browDownLeft": 0.7})
    own = [faces[0], None, faces[2], faces[3], faces[4], faces[1]]
    for k, got in enumerate(expression_baselines(own)):
        others = [f for j, f in enumerate(own) if j != k and f is not None]
        assert got == (expression_baseline(others) if own[k] is not None else None), k
    assert expression_baselines([faces[0], faces[1]]) == [None, None]  # one other photo is no baseline
