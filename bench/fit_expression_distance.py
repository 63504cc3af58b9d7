"""Fit `[identity] expression-extra-distance`: how far a strong expression may move one person's face descriptor.

    .venv/bin/python bench/fit_expression_distance.py [FOLDER]

A laugh with the eyes shut, a grimace, anger beside joy: dlib's descriptor moves with the expression, and in a
small set the same person then reads as two. photocheck widens the same-person limits of a face by
`expression-extra-distance` x its expressiveness (1 - the expression head's P(neutral)). This script reads every
pair of single-face, non-turned (|yaw| <= max-abs-yaw) corpus photos: for same-person pairs, the descriptor
distance against the pair's expressiveness (the larger of the two), and picks the smallest value on a 0.01 grid
that keeps every same-person pair within `max-distance` plus the widening (left out: a person's pair the corpus
labels as a different photo age or restoration, none). It prints how many different-person pairs the widening
lets in, the price of it. `tests/test_identity_corpus.py` re-runs it on the test run's measurements.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets import corpus_dir, read_labels  # noqa: E402  (the one path helper)

from photocheck.evidence.duplicates import _main_face  # noqa: E402
from photocheck.evidence.labels import ExpressionOptions  # noqa: E402
from photocheck.evidence.subject import IdentityOptions, distance, expressiveness  # noqa: E402

GRID = [round(0.01 * k, 2) for k in range(0, 31)]


def pairs(measured) -> list[tuple[bool, float, float]]:
    """(same person, descriptor distance, the pair's expressiveness) of every comparable pair."""
    opts, expr = IdentityOptions(), ExpressionOptions()
    faces = []
    for row, facts in measured:
        if facts.error or not facts.faces or row["faces_in_image"] != "1" or row["identity"] in ("various", "no_face"):
            continue
        face = _main_face(facts)
        if face is None or face.embedding is None or face.yaw is None or abs(face.yaw) > opts.max_abs_yaw:
            continue
        faces.append((row["identity"], face, expressiveness(face, expr)))
    return [(a[0] == b[0], distance(a[1].embedding, b[1].embedding), max(a[2], b[2]))
            for a, b in itertools.combinations(faces, 2)]  # fmt: skip


def fit(measured) -> dict[str, Any]:
    limit = IdentityOptions().max_distance
    found = pairs(measured)
    same = [(d, e) for s, d, e in found if s]
    other = [(d, e) for s, d, e in found if not s]
    k = next((k for k in GRID if all(d <= limit + k * e for d, e in same)), GRID[-1])
    return {
        "expression_extra_distance": k,
        "same_pairs": len(same),
        "same_over_limit_before": sum(d > limit for d, _ in same),
        "other_pairs": len(other),
        "other_within_before": sum(d <= limit for d, _ in other),
        "other_within_after": sum(d <= limit + k * e for d, e in other),
    }


def main() -> None:
    from photocheck import Checker

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else corpus_dir()
    with Checker(cache=True) as checker:
        measured = [(row, checker.facts(str(folder / row["path"]))) for row in read_labels(folder)]
    result = fit(measured)
    print(
        f"expression-extra-distance {result['expression_extra_distance']}: {result['same_pairs']} same-person pairs, "
        f"{result['same_over_limit_before']} beyond max-distance without it (none with it); "
        f"{result['other_pairs']} different-person pairs, {result['other_within_before']} within max-distance "
        f"without it, {result['other_within_after']} with it"
    )


if __name__ == "__main__":
    main()
