"""Exit code per set, by each set's own configuration, never by argument order (real checks of real photos)."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from photocheck.cli import main
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def two_sets(tmp_path_factory):
    """lenient/: the demo photos with fail-on = "never"; strict/: the same photos under the default gate
    (the demo set has errors: ID01, IQ02, DS01, PO11)."""
    root = tmp_path_factory.mktemp("multi")
    for name in ("lenient", "strict"):
        shutil.copytree(DEMO, root / name)
    (root / "lenient" / "photocheck.toml").write_text('fail-on = "never"\n')
    return root


@pytest.mark.parametrize("order", [("lenient", "strict"), ("strict", "lenient")])
def test_one_failing_set_fails_the_run_in_either_order(two_sets, order):
    result = CliRunner().invoke(main, ["check", "--no-cache", *[str(two_sets / o) for o in order]])
    assert result.exit_code == 1, result.output


def test_the_lenient_set_alone_passes_and_exit_zero_overrides(two_sets):
    assert CliRunner().invoke(main, ["check", "--no-cache", str(two_sets / "lenient")]).exit_code == 0
    result = CliRunner().invoke(main, ["check", "--no-cache", "--exit-zero", str(two_sets / "strict")])
    assert result.exit_code == 0 and "error" in result.output


def test_version_short_flag():
    result = CliRunner().invoke(main, ["-V"])
    assert result.exit_code == 0 and result.output.startswith("photocheck, version ")
