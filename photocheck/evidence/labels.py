"""From measured facts to labels: pose bucket, expression, lighting setting. Pure functions of facts + options.

Kept apart from the analyzers so that moving a bucket boundary re-runs no model and invalidates no cache. The
expression and the indoor/outdoor setting come from fitted heads (photocheck.evidence.heads); what is decided
from them, and when a label is too unsure to count, are the options here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import FaceFacts, LightingFacts
from ..option_bounds import bounded
from . import heads


@dataclass(frozen=True)
class PoseOptions:
    frontal_max_yaw: float = bounded(15.0, 0.0, 90.0)
    slight_max_yaw: float = bounded(35.0, 0.0, 90.0)
    three_quarter_max_yaw: float = bounded(55.0, 0.0, 90.0)
    # a face turned this far or more has no measurable tilt: at a side view the pose network's (and the
    # landmarker's) roll and pitch trade places (gimbal lock), so PO01 judges no tilt there and the set's level
    # leaves such faces out. AFLW2000-3D (bench/pose_benchmark.py, by the estimated |yaw|): pitch / roll error
    # 3.5 / 1.5° under 30°, 6.5 / 4.3° at 55-65°, 11.2 / 9.1° at 65-75°, 23.7 / 21.3° from 75° on, where 7 of 14
    # upright heads read a tilt over 30°; on the corpus 10 of 17 upright profiles were flagged
    tilt_max_yaw: float = bounded(65.0, 0.0, 91.0)


@dataclass(frozen=True)
class ExpressionOptions:
    """How the expression head's probabilities are used (the head itself: photocheck/heads/expression.json, fitted
    by bench/fit_heads.py; both defaults below are that script's choices, which tests/test_heads.py checks)."""

    # a label whose probability is under this is shown with "?" and counts neither way in the coverage: it does
    # not fill the set's expression, and the advice does not ask for one (held-out corpus faces: 80 % of the labels
    # count from here, 12 % of those wrong, against 21 % wrong if every label counted)
    count_min_confidence: float = bounded(0.6, 0.0, 1.0)
    # a kept photo whose face gives an expression at least this probability "may show" it: that expression is
    # then neither present nor missing, and never asked for outright (held out: 3.7 % of faces "may show" an
    # expression they do not, which keeps a missing expression asked for in most sets)
    may_show_min: float = bounded(0.25, 0.0, 1.0)


@dataclass(frozen=True)
class LightingOptions:
    outdoor_min_light_value: float = 10.5  # EXIF scene LV at or above: daylight outdoors
    # daylight at or above sunny-min-light-value is direct sun; under overcast-max-light-value it is overcast or
    # shade (exposure tables: full sun ~15, hazy sun ~14, bright cloud ~13, heavy overcast and open shade ~12).
    # Between the two, and without EXIF, sun or shade stays unknown: image statistics (colour, clipped
    # highlights, the shadow across the face) were right on 13 of 17 corpus photos held out by source (0.76),
    # under the 0.85 a decision needs, so they decide nothing (rules/docs/LI10-lighting-not-varied.md)
    sunny_min_light_value: float = 13.5
    overcast_max_light_value: float = 12.0
    indoor_max_light_value: float = 8.5
    # without a decisive EXIF light value, the scene head's P(outdoor) decides: outdoor from
    # outdoor-min-probability, indoor up to indoor-max-probability, unknown between (bench/fit_heads.py's band)
    indoor_max_probability: float = bounded(0.4, 0.0, 1.0)
    outdoor_min_probability: float = bounded(0.55, 0.0, 1.0)
    # the light on the subject's face (face_light.py), judged on faces turned less than face-light-max-yaw (beyond, one
    # cheek is foreshortened and the comparison says more about the pose than the light)
    face_light_max_yaw: float = 30.0
    side_light_min_stops: float = 2.0  # one cheek this much brighter: light from that side
    top_light_min_stops: float = 4.0  # the forehead this much brighter than the chin: light from above
    hard_light_min: float = 8.5  # skin light this steep (stops per tenth of the face): hard light
    warm_light_max_kelvin: float = 3800.0  # highlights this warm: warm light (tungsten, sunset)
    cool_light_min_kelvin: float = 6000.0  # highlights this cool: cool light (shade, blue sky, LEDs)


@dataclass(frozen=True)
class ClassifyOptions:
    pose: PoseOptions = PoseOptions()
    expression: ExpressionOptions = ExpressionOptions()
    lighting: LightingOptions = LightingOptions()


def pose_bucket(face: FaceFacts, opts: PoseOptions) -> str | None:
    """Spec §2 buckets from the subject's own perspective. Facts recorded before the pose network may hold
    a cascade-only face with a side and no angles: a profile by construction."""
    if face.yaw is None:
        return f"profile-{face.profile_side}" if face.profile_side else None
    side = "left" if face.yaw > 0 else "right"
    a = abs(face.yaw)
    if a < opts.frontal_max_yaw:
        return "frontal"
    if a < opts.slight_max_yaw:
        return f"slight-{side}"
    if a < opts.three_quarter_max_yaw:
        return f"three-quarter-{side}"
    return f"profile-{side}"


def pose_confidence(face: FaceFacts, opts: PoseOptions) -> float | None:
    """How sure the bucket is: 0.5 on a bucket boundary, 1.0 at 10° or more from it, capped by how well the
    two estimates agree (1.0 within 4°, 0.5 at 20° apart); a face seen by one estimate only is capped at 0.7."""
    if face.yaw is None:
        return 0.6 if face.profile_side else None  # facts recorded before the pose network
    a = abs(face.yaw)
    margin = min(abs(a - b) for b in (opts.frontal_max_yaw, opts.slight_max_yaw, opts.three_quarter_max_yaw))
    conf = min(1.0, 0.5 + margin / 20.0)
    if face.pose_disagreement is not None:
        conf = min(conf, max(0.3, 1.0 - max(0.0, face.pose_disagreement - 4.0) / 32.0))
    elif not face.key_points:
        conf = min(conf, 0.7)
    return round(conf, 3)


@dataclass(frozen=True)
class ExpressionReading:
    """The expression head's reading of one face: the likeliest expression, its probability, every expression
    the face may show (probability at least may-show-min), and whether the label is sure enough to count."""

    label: str | None
    confidence: float | None
    probabilities: dict[str, float] | None
    may_show: tuple[str, ...] = ()
    counted: bool = True


UNREAD = ExpressionReading(None, None, None, (), True)


def expression(face: FaceFacts, opts: ExpressionOptions, baseline: dict[str, float] | None = None) -> ExpressionReading:
    """The fitted head's reading (photocheck.evidence.heads); `baseline` is the person's typical face in the set
    (`heads.expression_baselines`: the median of their other photos). Unknown (no label) for a face without blendshapes or
    without the face-api reading."""
    signals = heads.expression_signals(face)
    if signals is None:
        return UNREAD
    probs = heads.expression_head().probabilities(heads.expression_features(signals, baseline))
    label = max(probs, key=lambda c: probs[c])
    confidence = round(probs[label], 3)
    may_show = tuple(c for c in heads.EXPRESSION_CLASSES if probs[c] >= opts.may_show_min)
    return ExpressionReading(label, confidence, {c: round(p, 3) for c, p in probs.items()}, may_show,
                             confidence >= opts.count_min_confidence)  # fmt: skip


def lighting(facts: LightingFacts | None, opts: LightingOptions, face: FaceFacts | None = None) -> dict[str, Any]:
    """Setting, light and the light on the face, saying unknown rather than guessing. `face` is the subject's.

    The EXIF scene light value decides first where it is decisive (physics: exposure tables, not fitted on any
    photo); then the scene head's P(outdoor), inside its abstain band unknown. Sunny or overcast only from EXIF.
    `evidence` says what decided the setting: exif, scene (the head) or none; `confidence` is 0.9 for EXIF, the
    head's probability of what it decided, 0 for none; `outdoor_probability` is the head's reading (None
    without the scene network's features).
    """
    face_light = _face_light(face, opts)
    p_outdoor = heads.outdoor_probability(facts)
    out: dict[str, Any] = {"setting": "unknown", "light": "unknown", "evidence": "none", "confidence": 0.0,
                           "outdoor_probability": None if p_outdoor is None else round(p_outdoor, 3), **face_light}  # fmt: skip
    if facts is None:
        return out
    lv, flash = facts.exif_light_value, facts.flash_fired
    if lv is not None and lv >= opts.outdoor_min_light_value:
        out.update(setting="outdoor", evidence="exif", confidence=0.9)
        if lv >= opts.sunny_min_light_value:
            out["light"] = "sunny"
        elif lv < opts.overcast_max_light_value:
            out["light"] = "overcast"
    elif lv is not None and lv <= opts.indoor_max_light_value:
        out.update(setting="indoor", evidence="exif", confidence=0.9)
    elif p_outdoor is not None and p_outdoor >= opts.outdoor_min_probability:
        out.update(setting="outdoor", evidence="scene", confidence=round(p_outdoor, 3))
    elif p_outdoor is not None and p_outdoor <= opts.indoor_max_probability:
        out.update(setting="indoor", evidence="scene", confidence=round(1.0 - p_outdoor, 3))
    if flash:
        out.update(light="flash", evidence="exif", confidence=0.9)
        if out["setting"] == "unknown" and (lv is None or lv <= opts.indoor_max_light_value):
            out["setting"] = "indoor"
    elif out["setting"] == "indoor" and out["light"] == "unknown":
        out["light"] = "artificial"
    return out


def _face_light(face: FaceFacts | None, opts: LightingOptions) -> dict[str, str]:
    """Direction (frontal / left / right / above: the subject's own sides), hardness (hard / soft) and warmth
    (warm / neutral / cool) of the light on the subject's face; unknown where it was not measured."""
    out = {"direction": "unknown", "hardness": "unknown", "warmth": "unknown"}
    if face is None or (face.yaw is not None and abs(face.yaw) > opts.face_light_max_yaw):
        return out
    side, above = face.light_from_left_stops, face.light_from_above_stops
    if side is not None and above is not None:
        if abs(side) >= opts.side_light_min_stops:
            out["direction"] = "left" if side > 0 else "right"
        elif above >= opts.top_light_min_stops:
            out["direction"] = "above"
        else:
            out["direction"] = "frontal"
    if face.light_hardness is not None:
        out["hardness"] = "hard" if face.light_hardness >= opts.hard_light_min else "soft"
    if face.highlight_kelvin is not None:
        k = face.highlight_kelvin
        out["warmth"] = "warm" if k <= opts.warm_light_max_kelvin else "cool" if k >= opts.cool_light_min_kelvin else "neutral"
    return out
