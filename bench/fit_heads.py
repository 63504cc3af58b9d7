"""Fit the expression and scene heads on the corpus, judged the way a new user's photos would meet them, and write
`photocheck/heads/expression.json` and `photocheck/heads/scene.json`.

    .venv/bin/python bench/fit_heads.py [FOLDER] [--check]

The protocol (issue "Expression and light that hold on photos nobody tuned on"):

- Every labelled photo is judged inside the set of its labelled person, as users upload (the subject face and,
  from the person's other photos, their baseline come from photocheck's own evidence stage).
- Folds: **leave one source out**, the source repository of `labels.csv`'s `source` column, and inside a source
  that holds several people, one person of it at a time (`fold_of`): the photos of the held-out fold never shape
  the numbers that judge them. Strict per-repository folds are printed too.
- Every choice is made on the held-out probabilities: the L2 penalty (and, for the scene, how many principal
  components), then the decision thresholds (the expression's count and "may show" confidences; the scene's
  abstain band). The numbers written are then fitted once on all photos with those choices.
- In-sample and held-out figures are printed side by side, and for each threshold how many photos lie within
  0.1 of it (the decisions that rest on few photos).

`--check` fits and compares with the files in the package instead of writing them (tests/test_heads.py does the
same on the test run's own measurements). The fit is deterministic: Newton's method on a convex objective.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets import corpus_dir, read_labels  # noqa: E402  (the one path helper)

from photocheck.evidence.heads import (  # noqa: E402
    EXPRESSION_CLASSES, EXPRESSION_FEATURES, EXPRESSION_INPUTS, HEADS_DIR, ExpressionHead, SceneHead,
    expression_baselines, expression_features, expression_signals,
)  # fmt: skip

ROOT = Path(__file__).resolve().parent.parent
EXPRESSION_L2 = (0.3, 1.0, 3.0, 10.0)
SCENE_L2 = (3.0, 10.0, 30.0)
SCENE_COMPONENTS = (5, 10, 20)
# the scene head's band must decide at least this share of the photos (the target: 0.85)
SCENE_MIN_DECIDED = 0.85
SCENE_MIN_OUTDOOR_RECALL = 0.7
MARGIN = 0.1


# ------------------------------------------------------------------------------------------- samples


def source_of(row: dict[str, str]) -> str:
    return row["source"].split(":")[0].split("@")[0]


def fold_of(row: dict[str, str]) -> str:
    """One source repository, and one person inside it: a new user is a new person from a new source."""
    return f"{source_of(row)}/{row['identity']}"


def person_sets(measured: list[tuple[dict[str, str], Any]]) -> list[list[tuple[dict[str, str], Any]]]:
    """The labelled photos grouped as users upload them: one set per person; group photos with no tracked
    subject and photos without a face are sets of their own."""
    by: dict[str, list] = defaultdict(list)
    for row, facts in measured:
        by[row["identity"]].append((row, facts))
    out = []
    for name, items in sorted(by.items()):
        out.extend([items] if name not in ("various", "no_face") and len(items) > 1 else [[it] for it in items])
    return out


def expression_samples(measured) -> list[dict[str, Any]]:
    """(row, features) of every labelled subject face whose expression can be read, with its person's baseline
    from their other matched photos in the set, as the judge builds it."""
    from photocheck.evidence import subject_faces
    from photocheck.evidence.subject import resolve
    from photocheck.packs import load_pack

    pack = load_pack("default")
    out = []
    for group in person_sets(measured):
        facts = [f for _, f in group]
        who = resolve(facts, pack.identity)
        subjects = subject_faces(facts, who)
        matched = [face if pid.status == "match" else None for face, pid in zip(subjects, who.photos)]
        baselines = expression_baselines(matched)
        for k, ((row, _), subject) in enumerate(zip(group, subjects)):
            if row["expression"] not in EXPRESSION_CLASSES or subject is None:
                continue
            signals = expression_signals(subject)
            if signals is None:
                continue
            features = expression_features(signals, baselines[k])
            out.append({"row": row, "features": features})
    return out


def scene_samples(measured) -> list[dict[str, Any]]:
    out = []
    for row, facts in measured:
        setting = row["lighting"].split(";")[0]
        if setting not in ("indoor", "outdoor") or facts.lighting is None or facts.lighting.scene_features is None:
            continue
        out.append(
            {"row": row, "features": np.log1p(np.array(facts.lighting.scene_features)), "outdoor": setting == "outdoor"}
        )
    return out


# ---------------------------------------------------------------------------------------------- fits


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float, weights: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression (the intercept unpenalised) by Newton's method."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.ones(n) if weights is None else weights
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    beta = np.zeros(d + 1)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ beta, -30, 30)))
        grad = xb.T @ (w * (p - y)) + penalty * beta
        hess = (xb * (w * p * (1 - p))[:, None]).T @ xb + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return beta[:-1], float(beta[-1])


def fit_masked_softmax(x: np.ndarray, y: np.ndarray, l2: float, inputs: list[list[int]]) -> np.ndarray:
    """Multinomial logistic regression over K classes where class k's score reads only the columns inputs[k]
    (class 0, the reference, reads none), L2-penalised, intercepts free; Newton's method on the free parameters.
    Returns B, shape (d + 1, K), zero where a class does not read a column."""
    n, d = x.shape
    k_classes = len(inputs)
    xb = np.hstack([x, np.ones((n, 1))])
    free = [(i, k) for k in range(1, k_classes) for i in (*inputs[k], d)]
    penalty = np.array([0.0 if i == d else l2 for i, _ in free])
    theta = np.zeros(len(free))
    target = np.eye(k_classes)[y]
    rows = np.array([i for i, _ in free])
    cols = np.array([k for _, k in free])
    for _ in range(200):
        b = np.zeros((d + 1, k_classes))
        b[rows, cols] = theta
        z = xb @ b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = (xb.T @ (p - target))[rows, cols] + penalty * theta
        # Hessian of the softmax log-loss: sum_n x_ni x_nj p_nk (delta_kl - p_nl)
        cross = p[:, cols][:, :, None] * ((cols[:, None] == cols[None, :])[None] - p[:, cols][:, None, :])
        hess = np.einsum("na,nb,nab->ab", xb[:, rows], xb[:, rows], cross) + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    b = np.zeros((d + 1, k_classes))
    b[rows, cols] = theta
    return b


def _softmax(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    z = np.hstack([x, np.ones((len(x), 1))]) @ b
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------------------- expression


def _expression_matrix(samples) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs (a missing FER2013 reading filled with NaN, set to the column mean when standardising), classes."""
    x = np.array([[s["features"].get(f, math.nan) for f in EXPRESSION_FEATURES] for s in samples])
    y = np.array([EXPRESSION_CLASSES.index(s["row"]["expression"]) for s in samples])
    return x, y, np.array([fold_of(s["row"]) for s in samples])


def _standardise(train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = np.nanmean(train, axis=0)
    scale = np.nanstd(train, axis=0)
    return mean, np.where(scale > 1e-9, scale, 1.0)


def _z(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return np.nan_to_num((x - mean) / scale, nan=0.0)  # a missing input counts at its mean


def _inputs() -> list[list[int]]:
    return [[]] + [[EXPRESSION_FEATURES.index(f) for f in EXPRESSION_INPUTS[c]] for c in EXPRESSION_CLASSES[1:]]


def expression_held_out(x: np.ndarray, y: np.ndarray, folds: np.ndarray, l2: float) -> np.ndarray:
    p = np.zeros((len(y), len(EXPRESSION_CLASSES)))
    for fold in sorted(set(folds)):
        train, test = folds != fold, folds == fold
        mean, scale = _standardise(x[train])
        b = fit_masked_softmax(_z(x[train], mean, scale), y[train], l2, _inputs())
        p[test] = _softmax(_z(x[test], mean, scale), b)
    return p


def expression_rates(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    pred = p.argmax(axis=1)
    out = {f"{c}_recall": float((pred[y == k] == k).mean()) for k, c in enumerate(EXPRESSION_CLASSES)}
    frown = EXPRESSION_CLASSES.index("frown")
    out["frown_precision"] = float((y[pred == frown] == frown).mean()) if (pred == frown).any() else 0.0
    return out


def _expression_score(rates: dict[str, float]) -> float:
    """The issue's targets, each counted up to its level: frown recall and precision, and the recall of neutral,
    smile and surprise."""
    keys = ("frown_recall", "frown_precision", "neutral_recall", "smile_recall", "surprise_recall")
    return sum(rates[k] for k in keys)


# a counted label is wrong at most this often (held out): each wrong one fills a gap the set may not fill
COUNTED_MAX_WRONG = 0.15
MAY_SHOW_GRID = (0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1)


def may_show_rates(y: np.ndarray, p: np.ndarray, t: float) -> tuple[float, float]:
    """(share of wrongly labelled faces that still "may show" their true expression, share of faces that "may
    show" an expression they do not show, besides their own label)."""
    pred = p.argmax(axis=1)
    wrong = np.flatnonzero(pred != y)
    recovered = float((p[wrong, y[wrong]] >= t).mean()) if len(wrong) else 1.0
    others = [(i, k) for i in range(len(y)) for k in range(p.shape[1]) if k not in (y[i], pred[i])]
    false = float(np.mean([p[i, k] >= t for i, k in others])) if others else 0.0
    return recovered, false


# at most this share of faces may "may show" an expression they do not show: in a set of ten photos that is a
# four-in-ten chance that a missing expression is never asked for (1 - 0.95 ** 10)
MAY_SHOW_MAX_FALSE = 0.05


def may_show_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability from which the judge takes an expression as "this photo may show it" (neither present nor
    missing in the coverage, so never asked for outright), chosen on held-out probabilities: the grid value at
    which the most wrongly labelled faces still "may show" their true expression while at most
    MAY_SHOW_MAX_FALSE of the faces "may show" one they do not (each of those stops the advice asking for an
    expression that is really missing)."""
    allowed = [t for t in MAY_SHOW_GRID if may_show_rates(y, p, t)[1] <= MAY_SHOW_MAX_FALSE]
    return max(allowed, key=lambda t: (may_show_rates(y, p, t)[0], t)) if allowed else MAY_SHOW_GRID[0]


def count_rates(y: np.ndarray, p: np.ndarray, t: float) -> tuple[float, float]:
    """(share of faces whose label counts, share of the counted labels that are wrong) at confidence t."""
    pred, conf = p.argmax(axis=1), p.max(axis=1)
    counted = conf >= t
    return float(counted.mean()), float((pred[counted] != y[counted]).mean()) if counted.any() else 0.0


def count_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The confidence under which a label is shown with "?" and counts neither way: the lowest grid value at which
    at most COUNTED_MAX_WRONG of the counted labels are wrong (held out); the highest when none gets there."""
    grid = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
    return next((t for t in grid if count_rates(y, p, t)[1] <= COUNTED_MAX_WRONG), grid[-1])


def fit_expression(samples) -> dict[str, Any]:
    x, y, folds = _expression_matrix(samples)
    strict = np.array([source_of(s["row"]) for s in samples])
    tried = {}
    for l2 in EXPRESSION_L2:
        held = expression_held_out(x, y, folds, l2)
        tried[l2] = (held, expression_rates(y, held))
    l2 = max(EXPRESSION_L2, key=lambda v: (_expression_score(tried[v][1]), -v))
    held, rates = tried[l2]
    mean, scale = _standardise(x)
    b = fit_masked_softmax(_z(x, mean, scale), y, l2, _inputs())
    in_sample = expression_rates(y, _softmax(_z(x, mean, scale), b))
    names = list(EXPRESSION_FEATURES)
    head = ExpressionHead(
        mean={f: _r(mean[i]) for i, f in enumerate(names)},
        scale={f: _r(scale[i]) for i, f in enumerate(names)},
        weights={c: {f: _r(b[names.index(f), k]) for f in EXPRESSION_INPUTS[c]}
                 for k, c in enumerate(EXPRESSION_CLASSES) if c != "neutral"},
        intercepts={c: _r(b[-1, k]) for k, c in enumerate(EXPRESSION_CLASSES) if c != "neutral"},
    )  # fmt: skip
    top2 = np.sort(held, axis=1)[:, -2:]
    return {
        "fitted_by": "bench/fit_heads.py",
        "photos": len(samples),
        "classes": {c: int((y == k).sum()) for k, c in enumerate(EXPRESSION_CLASSES)},
        "folds": len(set(folds)),
        "l2": l2,
        "thresholds": {"count_min_confidence": count_threshold(y, held), "may_show_min": may_show_threshold(y, held)},
        # held out: (mislabelled faces that still may show their true expression, faces that may show one they do not)
        "may_show": {str(t): [round(v, 3) for v in may_show_rates(y, held, t)] for t in MAY_SHOW_GRID},
        # held out: (faces whose label counts, counted labels that are wrong) by count confidence
        "counted": {str(t): [round(v, 3) for v in count_rates(y, held, t)] for t in (0.4, 0.5, 0.6, 0.7)},
        "held_out": {k: round(v, 3) for k, v in rates.items()},
        "held_out_by_source": {
            k: round(v, 3) for k, v in expression_rates(y, expression_held_out(x, y, strict, l2)).items()
        },
        "in_sample": {k: round(v, 3) for k, v in in_sample.items()},
        "within_margin": int((top2[:, 1] - top2[:, 0] < MARGIN).sum()),
        "head": head.to_dict(),
    }


# -------------------------------------------------------------------------------------------- scene


def _pca_logistic(x: np.ndarray, y: np.ndarray, l2: float, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardise, project on the first k principal components (scaled to unit variance), fit a class-balanced
    logistic model there; returned collapsed to one weight per input: (mean, scale, weights, bias)."""
    mean, scale = _standardise(x)
    z = (x - mean) / scale
    _, sv, vt = np.linalg.svd(z, full_matrices=False)
    unit = sv[:k] / math.sqrt(len(z))
    comp = vt[:k].T / unit  # input -> unit-variance components
    pos = y.mean()
    weights = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos))
    coef, bias = fit_logistic(z @ comp, y.astype(float), l2, weights)
    return mean, scale, comp @ coef, bias


def _scene_p(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, w: np.ndarray, bias: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(((x - mean) / scale) @ w + bias, -50, 50)))


def scene_held_out(x: np.ndarray, y: np.ndarray, folds: np.ndarray, l2: float, k: int) -> np.ndarray:
    p = np.zeros(len(y))
    for fold in sorted(set(folds)):
        train, test = folds != fold, folds == fold
        p[test] = _scene_p(x[test], *_pca_logistic(x[train], y[train], l2, k))
    return p


def _auc(p: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(p, kind="stable")
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    pos = y == 1
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum()))


def band_rates(p: np.ndarray, y: np.ndarray, indoor_max: float, outdoor_min: float) -> dict[str, float]:
    decided = (p <= indoor_max) | (p >= outdoor_min)
    outdoor = p >= outdoor_min
    right = (outdoor == (y == 1))[decided]
    return {
        "decided": float(decided.mean()),
        "right": float(right.mean()) if decided.any() else 0.0,
        "outdoor_recall": float((outdoor & (y == 1)).sum() / max(1, (y == 1).sum())),
        "outdoor_precision": float((y[outdoor] == 1).mean()) if outdoor.any() else 0.0,
    }


def choose_band(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The abstain band on held-out probabilities: among bands deciding at least SCENE_MIN_DECIDED of the photos
    with an outdoor recall of at least SCENE_MIN_OUTDOOR_RECALL (if any band reaches both), the one with the
    largest share of right decisions; ties to the narrower band."""
    grid = [round(float(v), 2) for v in np.arange(0.1, 0.91, 0.05)]
    best: tuple[bool, float, float] | None = None
    pick = (0.5, 0.5)
    for lo in grid:
        for hi in grid:
            if hi < lo:
                continue
            r = band_rates(p, y, lo, hi)
            if r["decided"] < SCENE_MIN_DECIDED:
                continue
            value = (r["outdoor_recall"] >= SCENE_MIN_OUTDOOR_RECALL, r["right"], -(hi - lo))
            if best is None or value > best:
                best, pick = value, (lo, hi)
    return pick


def fit_scene(samples) -> dict[str, Any]:
    x = np.array([s["features"] for s in samples])
    y = np.array([1 if s["outdoor"] else 0 for s in samples])
    folds = np.array([fold_of(s["row"]) for s in samples])
    strict = np.array([source_of(s["row"]) for s in samples])
    tried = {(l2, k): scene_held_out(x, y, folds, l2, k) for l2 in SCENE_L2 for k in SCENE_COMPONENTS}
    l2, k = max(tried, key=lambda key: (_auc(tried[key], y), -key[0], -key[1]))
    held = tried[(l2, k)]
    indoor_max, outdoor_min = choose_band(held, y)
    mean, scale, w, bias = _pca_logistic(x, y, l2, k)
    fitted = _scene_p(x, mean, scale, w, bias)
    head = SceneHead(tuple(_r(v) for v in mean), tuple(_r(v) for v in scale), tuple(_r(v) for v in w), _r(bias))
    near = (np.abs(held - indoor_max) < MARGIN) | (np.abs(held - outdoor_min) < MARGIN)
    return {
        "fitted_by": "bench/fit_heads.py",
        "photos": len(samples),
        "outdoor": int(y.sum()),
        "folds": len(set(folds)),
        "l2": l2,
        "components": k,
        "thresholds": {"indoor_max_probability": float(indoor_max), "outdoor_min_probability": float(outdoor_min)},
        "held_out": {
            "auc": round(_auc(held, y), 3),
            **{a: round(b, 3) for a, b in band_rates(held, y, indoor_max, outdoor_min).items()},
        },
        "held_out_by_source": {
            "auc": round(_auc(scene_held_out(x, y, strict, l2, k), y), 3),
            **{
                a: round(b, 3)
                for a, b in band_rates(scene_held_out(x, y, strict, l2, k), y, indoor_max, outdoor_min).items()
            },
        },
        "in_sample": {
            "auc": round(_auc(fitted, y), 3),
            **{a: round(b, 3) for a, b in band_rates(fitted, y, indoor_max, outdoor_min).items()},
        },
        "within_margin": int(near.sum()),
        "head": head.to_dict(),
    }


def _r(v: float) -> float:
    return float(round(float(v), 8))


# --------------------------------------------------------------------------------------------- main


def measure(folder: Path) -> list[tuple[dict[str, str], Any]]:
    from photocheck import Checker

    rows = read_labels(folder)
    with Checker(cache=True) as checker:
        return [(row, checker.facts(str(folder / row["path"]))) for row in rows]


def fit_all(measured) -> dict[str, dict[str, Any]]:
    return {
        "expression.json": fit_expression(expression_samples(measured)),
        "scene.json": fit_scene(scene_samples(measured)),
    }


def report(fits: dict[str, dict[str, Any]]) -> None:
    e, s = fits["expression.json"], fits["scene.json"]
    print(f"expression head: {e['photos']} subject faces {e['classes']}, {e['folds']} folds, L2 {e['l2']}")
    print(f"  {'':22} {'in-sample':>10} {'held out':>10} {'by source':>10}")
    for key in e["held_out"]:
        print(f"  {key:22} {e['in_sample'][key]:10.3f} {e['held_out'][key]:10.3f} {e['held_out_by_source'][key]:10.3f}")
    print(f"  thresholds {e['thresholds']}; {e['within_margin']} faces with their top two classes within {MARGIN}")
    print(f"  may show (mislabelled recovered, false): {e['may_show']}")
    print(f"  counted (share, wrong): {e['counted']}")
    print(f"scene head: {s['photos']} photos ({s['outdoor']} outdoor), {s['folds']} folds, L2 {s['l2']}, "
          f"{s['components']} components, band {s['thresholds']}")  # fmt: skip
    print(f"  {'':22} {'in-sample':>10} {'held out':>10} {'by source':>10}")
    for key in s["held_out"]:
        print(f"  {key:22} {s['in_sample'][key]:10.3f} {s['held_out'][key]:10.3f} {s['held_out_by_source'][key]:10.3f}")
    print(f"  {s['within_margin']} photos within {MARGIN} of a band edge")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=corpus_dir())
    ap.add_argument("--check", action="store_true", help="compare with the shipped files instead of writing them")
    args = ap.parse_args()
    fits = fit_all(measure(args.folder))
    report(fits)
    for name, data in fits.items():
        path = HEADS_DIR / name
        if args.check:
            shipped = json.loads(path.read_text())
            print(f"{path}: {'matches' if shipped == data else 'DIFFERS from'} the fit")
        else:
            path.write_text(json.dumps(data, indent=1) + "\n")
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
