"""Shared test helpers: the one path to the labelled corpus, and one Checker (models load once per run)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from photocheck import Checker

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DEMO = ROOT / "photocheck" / "demo"
sys.path.insert(0, str(ROOT / "bench"))

from datasets import corpus_dir, pose_dir, read_labels  # noqa: E402  (the one path helper, shared with bench/)


def corpus_labels() -> list[dict[str, str]]:
    labels = corpus_dir() / "labels.csv"
    if not labels.is_file():
        pytest.skip(f"labelled corpus not found at {corpus_dir()} (set PHOTOCHECK_CORPUS)")
    return read_labels(corpus_dir())


def pose_labels() -> list[dict[str, str]]:
    labels = pose_dir() / "labels.csv"
    if not labels.is_file():
        pytest.skip(f"AFLW2000-3D pose photos not found at {pose_dir()} (set PHOTOCHECK_POSE)")
    return read_labels(pose_dir())


def corpus_photo(rel: str) -> Path:
    p = corpus_dir() / rel
    if not p.is_file():
        pytest.skip(f"corpus photo {rel} not found under {corpus_dir()} (set PHOTOCHECK_CORPUS)")
    return p


def pytest_configure(config: pytest.Config) -> None:
    """The CLI caches facts by default: keep the tests' cache out of the user's cache folder."""
    import tempfile

    os.environ["PHOTOCHECK_CACHE_DIR"] = tempfile.mkdtemp(prefix="photocheck-test-cache-")


# test modules that run the real analyzers (models, photos) or external tools; the rest judge recorded facts
_SLOW_MODULES = {
    "test_api_and_scoring", "test_bad_inputs", "test_corpus_analyzers", "test_degradations", "test_html_report",
    "test_identity_corpus", "test_linter_integration", "test_reference", "test_report_and_cli", "test_robustness",
    "test_sets_corpus", "test_stages", "test_layering", "test_pose_benchmark", "test_pose_models", "test_exit_codes",
    "test_robustness_round2", "test_descriptor_onnx", "test_process_exit", "test_robustness_round3", "test_heads",
    "test_advice_patterns", "test_front_door", "test_newcomer_flags",
}  # fmt: skip


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module in _SLOW_MODULES or "checker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def checker() -> Checker:
    with Checker() as c:
        yield c


@pytest.fixture(scope="session")
def corpus_facts(checker: Checker) -> list[tuple[dict[str, str], object]]:
    """Every corpus photo measured once by the real analyzers, with its label row."""
    rows = corpus_labels()
    return [(row, checker.facts(str(corpus_dir() / row["path"]))) for row in rows]
