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
