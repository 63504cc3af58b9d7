"""Fit and cross-validate the image evidence for indoor / outdoor (`[classify.lighting]`).

    .venv/bin/python bench/fit_lighting.py [FOLDER]

Every labelled photo is judged inside the set of its labelled person (as users upload), which gives its subject
face. The setting is then recomputed for a grid of the scene thresholds (backdrop-min-plain,
outdoor-min-vegetation, outdoor-min-sky, outdoor-min-pale-sky, outdoor-min-blurred-foliage,
blurred-foliage-max-lightness, overcast-min-kelvin, overcast-max-chroma; the rest as in the pack), and:

- in-sample: the confusion at the pack's values, and the grid point that scores best on all photos;
- leave-one-person-out: for each person, the grid point that scores best on everyone else, applied to that
  person's photos; the pooled confusion of those held-out labels estimates what unseen people would get.

The score is the number of photos labelled right minus four for each photo labelled wrong: a wrong label is
what produces absurd advice ("add indoor photos" to an indoor set), an `unknown` never does.

With --logistic it also prints the held-out confusion of the learned alternative to the rules: a logistic
model over the same measures, taken whole (sky, pale sky, vegetation, plainness, background share, colour
temperature, chroma, clipped share, sky over face brightness, the face light's hardness and warmth), fitted
without each person and applied to them, deciding only where its probability clears a band.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets import corpus_dir, leave_one_person_out, read_labels  # noqa: E402  (the one path helper)

from photocheck import Checker  # noqa: E402
from photocheck.evidence.labels import LightingOptions, lighting  # noqa: E402

SETTINGS = ("indoor", "outdoor", "unknown")
GRID = {  # 15,552 points; values no fold picked were dropped when the cool-daylight rows came in
    "backdrop_min_plain": (0.65, 0.7, 0.75),
    "outdoor_min_vegetation": (0.2, 0.25, 0.3),
    "outdoor_min_sky": (0.1, 0.15, 0.3),
    "outdoor_min_pale_sky": (0.4, 0.5, 0.6, 1.1),
    "outdoor_min_blurred_foliage": (0.1, 0.15, 0.2, 1.1),  # 1.1: the cue off
    "blurred_foliage_max_lightness": (40.0, 50.0, 60.0),
    "overcast_min_kelvin": (5800.0, 6000.0, 6200.0, 1e9),  # 1e9: the cool-daylight cue off
    "overcast_max_chroma": (6.5, 7.5, 8.5),
}
WRONG_COST = 4


def judged_photos(folder: Path) -> list[tuple[str, str, object, object]]:
    """(person, setting label, lighting facts, subject face) for every photo labelled indoor or outdoor."""
    rows = [r for r in read_labels(folder) if r["lighting"].split(";")[0] in ("indoor", "outdoor")]
    by: dict[str, list] = {}
    with Checker() as checker:
        for row in rows:
            by.setdefault(row["identity"], []).append((row, checker.facts(str(folder / row["path"]))))
        out = []
        for person, items in by.items():
            items = [(r, f) for r, f in items if not f.error]
            groups = [items] if person not in ("various", "no_face") and len(items) > 1 else [[it] for it in items]
            for group in groups:
                evidence = checker.evidence([f for _, f in group])
                for (row, facts), photo in zip(group, evidence.photos):
                    key = person if len(group) > 1 else f"{person}/{row['path']}"
                    out.append((key, row["lighting"].split(";")[0], facts.lighting, photo.subject))
    return out


def settings_for(photos, opts: LightingOptions) -> list[str]:
    return [lighting(facts, opts, face)["setting"] for _, _, facts, face in photos]


def score(truth: list[str], predicted: list[str]) -> int:
    right = sum(1 for t, p in zip(truth, predicted) if t == p)
    wrong = sum(1 for t, p in zip(truth, predicted) if p != "unknown" and t != p)
    return right - WRONG_COST * wrong


def table(title: str, truth: list[str], predicted: list[str]) -> None:
    c = Counter(zip(truth, predicted))
    print(f"\n{title}  (rows: label, columns: photocheck)")
    print(f"  {'':8}" + "".join(f"{e:>9}" for e in SETTINGS) + "    right")
    for t in ("indoor", "outdoor"):
        n = sum(v for (a, _), v in c.items() if a == t)
        print(f"  {t:8}" + "".join(f"{c[(t, e)]:>9}" for e in SETTINGS) + f"   {c[(t, t)]}/{n}")
    decided = sum(v for (_, b), v in c.items() if b != "unknown")
    right = c[("indoor", "indoor")] + c[("outdoor", "outdoor")]
    print(f"  decided {decided}/{len(truth)} ({decided / len(truth):.0%}), right {right}/{decided} "
          f"({right / max(decided, 1):.0%})")  # fmt: skip


def _features(facts, face) -> list[float]:
    """Every measure the rules read, as numbers (a missing one at a neutral value)."""
    face_luma = face.luma_mean if face is not None and face.luma_mean else 128.0
    hardness = face.light_hardness if face is not None and face.light_hardness is not None else 5.0
    face_kelvin = face.highlight_kelvin if face is not None and face.highlight_kelvin else 5000.0
    return [
        facts.sky_fraction or 0.0,
        facts.pale_sky_fraction or 0.0,
        facts.vegetation_fraction or 0.0,
        facts.background_plain if facts.background_plain is not None else 0.5,
        facts.background_share or 0.0,
        math.log((facts.colour_temperature or 5500.0) / 5500.0),
        (facts.chroma or 0.0) / 10.0,
        facts.clipped_share or 0.0,
        (facts.sky_luma or face_luma) / face_luma,
        (facts.pale_sky_luma or face_luma) / face_luma,
        hardness / 5.0,
        math.log(face_kelvin / 5000.0),
        1.0 if not facts.chroma else 0.0,  # black and white: no colour evidence at all
        facts.foliage_fraction or 0.0,
        (facts.background_lightness if facts.background_lightness is not None else 50.0) / 50.0,
        facts.background_mottle or 0.0,
    ]


def logistic_held_out(photos, bands=(0.7, 0.8, 0.9), l2: float = 1.0) -> dict[float, list[str]]:
    """Held-out settings of an L2-regularised logistic model (outdoor against indoor), one list per band: a
    photo is outdoor at p >= band, indoor at p <= 1 - band, unknown between."""
    import numpy as np

    x = np.array([_features(facts, face) for _, _, facts, face in photos])
    y = np.array([label == "outdoor" for _, label, _, _ in photos], dtype=float)
    keys = np.array([key for key, *_ in photos])
    p = np.zeros(len(y))
    for person in sorted(set(keys)):
        train = keys != person
        mu, sd = x[train].mean(0), x[train].std(0) + 1e-6
        xb = np.c_[(x[train] - mu) / sd, np.ones(train.sum())]
        w = np.zeros(xb.shape[1])
        for _ in range(2000):  # plain gradient descent: 16 features, 150 photos
            grad = xb.T @ (1 / (1 + np.exp(-xb @ w)) - y[train]) / len(xb)
            grad[:-1] += l2 * w[:-1] / len(xb)
            w -= 0.5 * grad
        p[~train] = 1 / (1 + np.exp(-np.c_[(x[~train] - mu) / sd, np.ones((~train).sum())] @ w))
    return {b: ["outdoor" if v >= b else "indoor" if v <= 1 - b else "unknown" for v in p] for b in bands}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=corpus_dir())
    ap.add_argument("--logistic", action="store_true", help="also cross-validate a logistic model (see above)")
    args = ap.parse_args()
    photos = judged_photos(args.folder)
    truth = [label for _, label, _, _ in photos]
    base = LightingOptions()
    points = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    predictions = {i: settings_for(photos, dataclasses.replace(base, **p)) for i, p in enumerate(points)}
    best = max(predictions, key=lambda i: score(truth, predictions[i]))
    print(f"{len(photos)} photos of {len({k for k, *_ in photos})} person sets; {len(points)} grid points")
    print(f"best in-sample: {points[best]} (the pack: {({k: getattr(base, k) for k in GRID})})")
    table("in-sample, the pack's values", truth, settings_for(photos, base))
    held_out, picks = leave_one_person_out([k for k, *_ in photos], truth, predictions, score)
    chosen = Counter({tuple(points[g].values()): n for g, n in picks.items()})
    table("leave-one-person-out (thresholds fitted without the person)", truth, held_out)
    print(f"\nthresholds chosen across the folds: {chosen.most_common(3)}")
    if args.logistic:
        for band, labels in logistic_held_out(photos).items():
            table(f"leave-one-person-out, logistic model, deciding at p >= {band}", truth, labels)


if __name__ == "__main__":
    main()
