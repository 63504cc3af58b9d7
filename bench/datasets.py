"""The one path helper for the research data beside the repository (never copied into it).

    PHOTOCHECK_CORPUS  the labelled photo corpus   (default ../shared/corpus)
    PHOTOCHECK_POSE    the AFLW2000-3D pose photos (default ../shared/pose)

Tests and benchmarks both read the data through these functions.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    return Path(os.environ.get("PHOTOCHECK_CORPUS", ROOT.parent / "shared" / "corpus"))


def pose_dir() -> Path:
    return Path(os.environ.get("PHOTOCHECK_POSE", ROOT.parent / "shared" / "pose"))


def read_labels(folder: Path) -> list[dict[str, str]]:
    """labels.csv of a data folder; lines starting with # are comments."""
    with (folder / "labels.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def leave_one_person_out(people, truth, predictions, score):
    """Grid thresholds judged on people never seen: for each person, the grid point that scores best on
    everyone else, applied to that person's items. `people[i]` and `truth[i]` belong to item i;
    `predictions[g][i]` is grid point g's label for it; `score(truth, predicted)` rates a list of labels.
    Returns the held-out labels and how often each grid point was chosen."""
    from collections import Counter

    held_out = [None] * len(truth)
    chosen: Counter = Counter()
    for person in sorted(set(people)):
        inside = [i for i, p in enumerate(people) if p != person]
        pick = max(predictions, key=lambda g: score([truth[i] for i in inside], [predictions[g][i] for i in inside]))
        chosen[pick] += 1
        for i, p in enumerate(people):
            if p == person:
                held_out[i] = predictions[pick][i]
    return held_out, chosen
