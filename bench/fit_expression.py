"""Fit and cross-validate the expression model's fusion thresholds (`[classify.expression] model-*`).

    .venv/bin/python bench/fit_expression.py [FOLDER]

Every labelled photo is judged inside the set of its labelled person (as users upload), which gives each
subject face and, where the set has neutral photos of the person, their baseline. The labels are then recomputed
for a grid of the three model thresholds (smile, frown, surprise), the absolute mouth-frown one, the raised-brows
surprise, the faint smile, the pout and the turned face's smile (the vetoes and the rest as in the pack), and:

- in-sample: the score of every grid point on all photos (what the pack's values were read from);
- leave-one-person-out: for each person, the grid point that scores best on everyone else, applied to that
  person's photos; the pooled confusion of those held-out labels estimates what unseen people would get.

The score is the number of photos labelled right, counting a frown double (frowns are the scarce class the
fusion is for) and a false frown as a miss. Prints both confusion tables; with --logistic also the held-out
confusion of a multinomial logistic model over the same signals (blendshapes, the model's probabilities, the
blendshapes relative to the person's neutral median), the learned alternative to the rules.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets import corpus_dir, leave_one_person_out, read_labels  # noqa: E402  (the one path helper)

from photocheck import Checker  # noqa: E402
from photocheck.evidence.labels import ExpressionOptions, expression, expression_baseline  # noqa: E402

EXPRESSIONS = ("neutral", "smile", "frown", "surprise", "other")
GRID = {  # 6,480 points; values far from every fold's pick were dropped when the last two rows came in
    "model_smile_min": (0.8, 0.85, 0.9, 1.01),
    "model_frown_min": (0.75, 0.8, 0.85, 0.9, 2.0),
    "model_surprise_min": (0.8, 0.9, 1.01),
    "frown_mouth_min": (0.2, 0.25),
    "surprise_raised_brows_min": (0.35, 0.4, 1.1),  # 1.1: that test off
    "faint_smile_min": (0.4, 1.1),
    "frown_pucker_min": (0.6, 0.7, 1.1),
    "model_turned_smile_min": (0.5, 0.6, 1.1),
}


def judged_faces(folder: Path) -> list[tuple[str, str, object, tuple | None]]:
    """(person, label, subject face facts, the person's faces a baseline is read from) for every labelled photo,
    judged in its person's set. The baseline itself depends on the thresholds (a face the model calls a frown
    is no neutral face of the baseline), so `labels_for` recomputes it for each grid point, as a check would."""
    rows = [r for r in read_labels(folder) if r["expression"] in EXPRESSIONS]
    by: dict[str, list] = defaultdict(list)
    with Checker() as checker:
        for row in rows:
            by[row["identity"]].append((row, checker.facts(str(folder / row["path"]))))
        out = []
        for person, items in by.items():
            groups = [items] if person not in ("various", "no_face") and len(items) > 1 else [[it] for it in items]
            for group in groups:
                evidence = checker.evidence([f for _, f in group])
                who = evidence.identity
                own = None  # as build_evidence: the matched subject faces of a set with one identity
                if who.basis != "none" and not who.mixed:
                    own = tuple(p.subject for p in evidence.photos
                                if p.subject is not None and p.identity.status == "match")  # fmt: skip
                for (row, _), photo in zip(group, evidence.photos):
                    if photo.subject is not None and photo.subject.blendshapes:
                        key = person if len(group) > 1 else f"{person}/{row['path']}"
                        out.append((key, row["expression"], photo.subject, own))
    return out


def labels_for(faces, opts: ExpressionOptions) -> list[str | None]:
    baselines: dict[int, dict | None] = {}  # per set (its faces tuple), for these thresholds
    labels = []
    for _, _, face, own in faces:
        if own is not None and id(own) not in baselines:
            baselines[id(own)] = expression_baseline(list(own), opts)
        labels.append(expression(face, opts, baselines.get(id(own)) if own is not None else None)[0])
    return labels


def score(truth: list[str], predicted: list[str | None]) -> float:
    right = sum((2 if t == "frown" else 1) for t, p in zip(truth, predicted) if t == p)
    false_frowns = sum(1 for t, p in zip(truth, predicted) if p == "frown" and t != "frown")
    return right - false_frowns


def table(title: str, truth: list[str], predicted: list[str | None]) -> None:
    c = Counter(zip(truth, predicted))
    print(f"\n{title}  (rows: label, columns: photocheck)")
    print(f"  {'':10}" + "".join(f"{e:>10}" for e in EXPRESSIONS) + "     right")
    for t in EXPRESSIONS:
        n = sum(v for (a, _), v in c.items() if a == t)
        print(f"  {t:10}" + "".join(f"{c[(t, e)]:>10}" for e in EXPRESSIONS) + f"   {c[(t, t)]}/{n}")
    called = sum(v for (_, b), v in c.items() if b == "frown")
    print(f"  frown precision {c[('frown', 'frown')]}/{called}")


# --logistic: the learned alternative the issue suggests, measured the same way (leave-one-person-out)
_BLENDSHAPES = ("mouthSmile", "jawOpen", "browDown", "browInnerUp", "eyeWide", "mouthFrown", "mouthShrugLower",
                "mouthRollLower", "mouthPucker", "mouthPress", "noseSneer", "eyeSquint", "mouthStretch")  # fmt: skip


def _features(face, neutral_faces) -> list[float]:
    """Blendshapes (left/right averaged), the FER2013 probabilities, and the blendshapes relative to the
    median of the person's other neutral-reading faces (zeros and a 0 flag without two of them)."""
    import statistics

    def score(f, name: str) -> float:
        b = f.blendshapes
        return b[name] if name in b else (b.get(name + "Left", 0.0) + b.get(name + "Right", 0.0)) / 2

    e = face.emotion or {}
    own = [score(face, n) for n in _BLENDSHAPES]
    model = [e.get("happy", 0.0), e.get("surprise", 0.0), e.get("neutral", 0.0),
             e.get("angry", 0.0) + e.get("sad", 0.0) + e.get("disgust", 0.0) + e.get("fear", 0.0) / 2]  # fmt: skip
    others = [f for f in neutral_faces if f is not face]
    if len(others) < 2:
        return own + model + [0.0] * len(own) + [0.0]
    rel = [v - statistics.median(score(f, n) for f in others) for v, n in zip(own, _BLENDSHAPES)]
    return own + model + rel + [1.0]


def logistic_held_out(faces, l2: float = 20.0) -> list[str]:
    """A multinomial logistic model over `_features`, fitted without each person and applied to them."""
    import numpy as np

    base = ExpressionOptions()
    neutral = defaultdict(list)
    for key, _, face, _ in faces:
        if expression(face, base)[0] == "neutral":
            neutral[key].append(face)
    x = np.array([_features(face, neutral[key]) for key, _, face, _ in faces])
    y = np.array([EXPRESSIONS.index(label) for _, label, _, _ in faces])
    keys = [key for key, *_ in faces]
    out = [""] * len(faces)
    for person in sorted(set(keys)):
        train = np.array([k != person for k in keys])
        mu, sd = x[train].mean(0), x[train].std(0) + 1e-6
        xb = np.c_[(x[train] - mu) / sd, np.ones(train.sum())]
        w = np.zeros((xb.shape[1], len(EXPRESSIONS)))
        target = np.eye(len(EXPRESSIONS))[y[train]]
        for _ in range(800):  # plain gradient descent: 30 features, a hundred photos
            z = xb @ w
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            grad = xb.T @ (p - target) / len(xb)
            grad[:-1] += l2 * w[:-1] / len(xb)
            w -= 0.5 * grad
        test = np.c_[(x[~train] - mu) / sd, np.ones((~train).sum())]
        for i, c in zip(np.flatnonzero(~train), (test @ w).argmax(1)):
            out[i] = EXPRESSIONS[c]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=corpus_dir())
    ap.add_argument("--logistic", action="store_true", help="also a leave-one-person-out logistic model")
    args = ap.parse_args()
    faces = judged_faces(args.folder)
    truth = [label for _, label, _, _ in faces]
    base = ExpressionOptions()
    points = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    predictions = {i: labels_for(faces, dataclasses.replace(base, **p)) for i, p in enumerate(points)}
    best = max(predictions, key=lambda i: score(truth, predictions[i]))
    print(f"{len(faces)} labelled faces of {len({k for k, *_ in faces})} person sets; {len(points)} grid points")
    print(f"best in-sample: {points[best]} (the pack: "
          f"{ {k: getattr(base, k) for k in GRID} })")  # fmt: skip
    table("in-sample, the pack's values", truth, labels_for(faces, base))
    held_out, picks = leave_one_person_out([k for k, *_ in faces], truth, predictions, score)
    chosen = Counter({tuple(points[g].values()): n for g, n in picks.items()})
    table("leave-one-person-out (thresholds fitted without the person)", truth, held_out)
    print(f"\nthresholds chosen across the folds: {chosen.most_common(3)}")
    if args.logistic:
        table("leave-one-person-out, a multinomial logistic model instead of the rules", truth, logistic_held_out(faces))


if __name__ == "__main__":
    main()
