"""The fitted heads: small linear models over measured signals, whose numbers live in data files in the package
(`photocheck/heads/*.json`), written by `bench/fit_heads.py` from recorded corpus facts and checked by a test that
re-runs the fit. Pure functions of facts; no image or model library.

- **Expression**: a multinomial logistic model over five classes (neutral, smile, frown, surprise, other). Each
  class's score reads only the few signals that bear on it (neutral is the reference): the MediaPipe
  blendshapes, the two expression networks (face-api.js FaceExpressionNet, the FER2013 model), and the person's own
  baseline in the set (how far this face's lowered brows and frown readings rise above their typical face).
- **Scene**: a logistic model over the scene network's 512 pooled features (log1p, standardised), fitted as
  principal components and stored collapsed to one weight per feature: the probability that the photo was taken
  outdoors.

Why fitted heads and not thresholds: each hand rule over blendshapes and colour statistics moved a corpus count by
one or two photos and held much less well on photos nobody tuned on; these few weights are fitted, and judged,
leaving out one source repository (and one person of it) at a time (rules/docs/EX10 and LI10 give the figures).
"""

from __future__ import annotations

import bisect
import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..model import FaceFacts, LightingFacts

HEADS_DIR = Path(__file__).resolve().parent.parent / "heads"

EXPRESSION_CLASSES = ("neutral", "smile", "frown", "surprise", "other")
# the signals of one face, in the order of the model's inputs
EXPRESSION_FEATURES = (
    "smile",  # mouthSmileLeft/Right mean
    "jaw_open",  # jawOpen
    "brows_raised",  # the smaller of browInnerUp and the browOuterUp mean: both brows up
    "eyes_wide",  # eyeWideLeft/Right mean
    "brow_down",  # browDownLeft/Right mean
    "upper_lip_up",  # mouthUpperUpLeft/Right mean (a sneer, disgust)
    "mouth_stretch",  # mouthStretchLeft/Right mean (fear, a grimace)
    "wink",  # |eyeBlinkLeft - eyeBlinkRight|
    "net_happy",  # face-api.js: happy
    "net_surprised",  # face-api.js: surprised
    "net_frown",  # face-api.js: sad + angry
    "net_grimace",  # face-api.js: disgusted + fearful
    "fer_happy",  # FER2013: happy
    "fer_frown",  # FER2013: angry + sad
    "fer_surprise",  # FER2013: surprise
    "brow_down_rise",  # brow_down over the person's baseline (0 without one)
    "net_frown_rise",  # net_frown over the person's baseline
    "fer_frown_rise",  # fer_frown over the person's baseline
)
# which signals each class's score reads (neutral is the reference class, score 0)
EXPRESSION_INPUTS: Mapping[str, tuple[str, ...]] = {
    "smile": ("smile", "net_happy", "fer_happy"),
    "frown": ("net_frown", "net_frown_rise", "brow_down_rise", "fer_frown"),
    "surprise": ("net_surprised", "jaw_open", "brows_raised", "eyes_wide", "fer_surprise"),
    "other": ("net_grimace", "upper_lip_up", "mouth_stretch", "wink"),
}
# the signals a baseline is the person's median of, and the feature each rise is
BASELINE_SIGNALS = {"brow_down": "brow_down_rise", "net_frown": "net_frown_rise", "fer_frown": "fer_frown_rise"}
BASELINE_MIN_FACES = 2  # other faces of the person needed for a baseline (a median of one is that face)


def _mean(b: Mapping[str, float], *names: str) -> float:
    return sum(b.get(n, 0.0) for n in names) / len(names)


def expression_signals(face: FaceFacts) -> dict[str, float] | None:
    """The face's own signals (everything but the rises); None when the face has no blendshapes or no face-api
    reading (a box-only face, or facts measured before analyzer version 27): its expression is then unknown."""
    b, net, fer = face.blendshapes, face.expression_face_api, face.emotion
    if not b or not net:
        return None
    signals = {
        "smile": _mean(b, "mouthSmileLeft", "mouthSmileRight"),
        "jaw_open": b.get("jawOpen", 0.0),
        "brows_raised": min(b.get("browInnerUp", 0.0), _mean(b, "browOuterUpLeft", "browOuterUpRight")),
        "eyes_wide": _mean(b, "eyeWideLeft", "eyeWideRight"),
        "brow_down": _mean(b, "browDownLeft", "browDownRight"),
        "upper_lip_up": _mean(b, "mouthUpperUpLeft", "mouthUpperUpRight"),
        "mouth_stretch": _mean(b, "mouthStretchLeft", "mouthStretchRight"),
        "wink": abs(b.get("eyeBlinkLeft", 0.0) - b.get("eyeBlinkRight", 0.0)),
        "net_happy": net.get("happy", 0.0),
        "net_surprised": net.get("surprised", 0.0),
        "net_frown": net.get("sad", 0.0) + net.get("angry", 0.0),
        "net_grimace": net.get("disgusted", 0.0) + net.get("fearful", 0.0),
    }
    if fer:
        signals.update(fer_happy=fer.get("happy", 0.0), fer_frown=fer.get("angry", 0.0) + fer.get("sad", 0.0),
                       fer_surprise=fer.get("surprise", 0.0))  # fmt: skip
    return signals


def expression_baseline(others: Sequence[FaceFacts]) -> dict[str, float] | None:
    """The person's typical face: the median of the baseline signals over their other faces in the set; None
    with fewer than BASELINE_MIN_FACES of them."""
    signals = [s for s in (expression_signals(f) for f in others) if s is not None]
    if len(signals) < BASELINE_MIN_FACES:
        return None
    out = {}
    for name in BASELINE_SIGNALS:
        values = [s[name] for s in signals if name in s]
        if len(values) >= BASELINE_MIN_FACES:
            out[name] = float(statistics.median(values))
    return out


def expression_baselines(faces: Sequence[FaceFacts | None]) -> list[dict[str, float] | None]:
    """For each face of one person's set (None: not theirs, or no face), `expression_baseline` of the others: each
    signal read and sorted once, so a set of 2,000 photos costs 2,000 medians of sorted lists, not 2,000 re-reads
    of every other face (the same numbers as calling `expression_baseline` per face, a test checks)."""
    signals = [expression_signals(f) if f is not None else None for f in faces]
    readable = sum(s is not None for s in signals)
    ordered = {name: sorted(s[name] for s in signals if s is not None and name in s) for name in BASELINE_SIGNALS}
    out: list[dict[str, float] | None] = []
    for face, own in zip(faces, signals):
        if face is None or readable - (own is not None) < BASELINE_MIN_FACES:
            out.append(None)
            continue
        baseline = {}
        for name, values in ordered.items():
            if own is not None and name in own:
                i = bisect.bisect_left(values, own[name])
                values = values[:i] + values[i + 1 :]  # this face's own value left out
            if len(values) >= BASELINE_MIN_FACES:
                baseline[name] = float(statistics.median(values))
        out.append(baseline)
    return out


def expression_features(signals: Mapping[str, float], baseline: Mapping[str, float] | None) -> dict[str, float]:
    """The model's inputs: the signals and their rises over the baseline (0 without one, or without the signal)."""
    features = dict(signals)
    for name, rise in BASELINE_SIGNALS.items():
        features[rise] = signals[name] - baseline[name] if baseline and name in baseline and name in signals else 0.0
    return features


@dataclass(frozen=True)
class ExpressionHead:
    """score(class) = intercept + sum over its inputs of weight * (value - mean) / scale; probabilities by
    softmax. A missing input (the FER2013 model did not run) counts at its mean: it tells nothing either way."""

    mean: Mapping[str, float]
    scale: Mapping[str, float]
    weights: Mapping[str, Mapping[str, float]]  # class -> input -> weight (neutral: none)
    intercepts: Mapping[str, float]

    def probabilities(self, features: Mapping[str, float]) -> dict[str, float]:
        scores = {"neutral": 0.0}
        for cls, inputs in self.weights.items():
            z = self.intercepts[cls]
            for name, w in inputs.items():
                if name in features:
                    z += w * (features[name] - self.mean[name]) / self.scale[name]
            scores[cls] = z
        top = max(scores.values())
        exp = {c: math.exp(s - top) for c, s in scores.items()}
        total = sum(exp.values())
        return {c: exp[c] / total for c in EXPRESSION_CLASSES}

    def to_dict(self) -> dict[str, object]:
        return {"mean": dict(self.mean), "scale": dict(self.scale), "intercepts": dict(self.intercepts),
                "weights": {c: dict(w) for c, w in self.weights.items()}}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ExpressionHead:
        return cls(data["mean"], data["scale"], data["weights"], data["intercepts"])  # type: ignore[arg-type]


@dataclass(frozen=True)
class SceneHead:
    """P(outdoor) = sigmoid(bias + sum_i weight_i * (log1p(feature_i) - mean_i) / scale_i)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def outdoor_probability(self, features: Sequence[float]) -> float | None:
        if len(features) != len(self.weights):
            return None
        z = self.bias + sum(
            w * (math.log1p(max(0.0, f)) - m) / s for w, f, m, s in zip(self.weights, features, self.mean, self.scale)
        )
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_dict(self) -> dict[str, object]:
        return {"mean": list(self.mean), "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SceneHead:
        def column(key: str) -> tuple[float, ...]:
            return tuple(float(v) for v in data[key])  # type: ignore[attr-defined]

        return cls(column("mean"), column("scale"), column("weights"), float(data["bias"]))  # type: ignore[arg-type]


def _read(name: str) -> dict[str, object]:
    return json.loads((HEADS_DIR / name).read_text(encoding="utf-8"))


@cache
def expression_head() -> ExpressionHead:
    return ExpressionHead.from_dict(_read("expression.json")["head"])  # type: ignore[arg-type]


@cache
def scene_head() -> SceneHead:
    return SceneHead.from_dict(_read("scene.json")["head"])  # type: ignore[arg-type]


def outdoor_probability(facts: LightingFacts | None) -> float | None:
    """The scene head's P(outdoor) for a photo; None without the scene network's features."""
    if facts is None or facts.scene_features is None:
        return None
    return scene_head().outdoor_probability(facts.scene_features)
