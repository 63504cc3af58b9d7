"""The stages' layering and the types, checked as part of the test command (import-linter and mypy)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it is in the test extra (pip install -e '.[test]')")
    return found


def test_import_contracts_are_kept():
    run = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_mypy_is_clean():
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr


def test_no_module_imports_one_that_imports_it_back():
    """No import cycle inside photocheck (measure.measurer <-> measure.workers was the last): counting imports
    inside functions and under TYPE_CHECKING, as a reader has to follow them."""
    import grimp

    graph = grimp.build_graph("photocheck")
    cycles = sorted(
        (m, d)
        for m in graph.modules
        for d in graph.find_modules_directly_imported_by(m)
        if d != m and graph.chain_exists(importer=d, imported=m)
    )
    assert cycles == []


def test_the_front_end_contract_catches_a_direct_import(tmp_path):
    """The new contract is not vacuous: a CLI that imports the judge itself breaks it."""
    import os
    import shutil as _shutil

    copy = tmp_path / "repo"
    _shutil.copytree(ROOT / "photocheck", copy / "photocheck", ignore=_shutil.ignore_patterns("__pycache__", "models"))
    _shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    cli = copy / "photocheck" / "cli.py"
    cli.write_text(cli.read_text(encoding="utf-8") + "\nfrom .judge import judge_evidence  # noqa\n", encoding="utf-8")
    run = subprocess.run([_tool("lint-imports")], cwd=copy, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(copy)})  # fmt: skip
    assert run.returncode != 0 and "the package face BROKEN" in run.stdout.replace("\n", " "), run.stdout
