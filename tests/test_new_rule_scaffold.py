"""tools/new_rule.py writes a new rule that loads: the class registered, its table in the default pack, its
page with every section the meta-tests ask for, and the summaries in sync; run on a copy of the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_INSPECT = """
import sys
sys.path.insert(0, ".")
import photocheck
assert photocheck.__file__.startswith(sys.argv[1]), photocheck.__file__
from photocheck.checks import REGISTRY
from photocheck.packs import load_pack
code = sys.argv[2]
rule = REGISTRY[code]
setting = load_pack("default").rules[code]
assert setting.options == rule.Options(), setting
print(rule.level, rule.default_severity.value, sorted(rule.Options.__dataclass_fields__))
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    copy = tmp_path / "checkout"
    copy.mkdir()
    for part in ("photocheck", "rules", "tools"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "*.onnx", "*.task"))
    shutil.copy(ROOT / "README.md", copy / "README.md")
    return copy


def _tool(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "tools/new_rule.py", *args], capture_output=True, text=True, cwd=checkout,
                          timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    "code, level, options, expected",
    [
        ("IQ07", "image", ["--option", "max_halo=0.3", "--option", "min-edge-count=200"], "image warning"),
        ("DS03", "set", ["--option", "min_days=2", "--severity", "info"], "set info"),
    ],
)
def test_the_scaffold_writes_a_rule_that_loads(checkout, code, level, options, expected):
    made = _tool(checkout, code, "made-up-rule", "--summary", "something the photos lack", "--level", level, *options)
    assert made.returncode == 0, made.stderr
    assert "tests/test_rule_branches.py ROWS" in made.stdout  # it says what is left to write
    shown = subprocess.run([sys.executable, "-c", _INSPECT, str(checkout), code], capture_output=True, text=True,
                           cwd=checkout, timeout=120)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(expected)
    page = (checkout / "rules" / "docs" / f"{code}-made-up-rule.md").read_text()
    for heading in ("## What it does", "## Why it matters for a profile", "## Example", "## Options"):
        assert heading in page
    assert page.split("\n")[2] == f"Something the photos lack. Level: {level}. Default severity: {expected.split()[1]}."
    assert f"| {code} | made-up-rule | {level} |" in (checkout / "README.md").read_text()
    in_sync = subprocess.run([sys.executable, "tools/sync_rule_docs.py", "--check"], capture_output=True, text=True,
                             cwd=checkout, timeout=120)  # fmt: skip
    assert in_sync.returncode == 0, in_sync.stdout


def test_a_code_in_use_is_refused(checkout):
    made = _tool(checkout, "IQ02", "another", "--summary", "x")
    assert made.returncode == 1 and "IQ02 exists already: codes are permanent" in made.stderr
    assert (checkout / "rules" / "packs" / "default.toml").read_text() == (
        ROOT / "rules" / "packs" / "default.toml"
    ).read_text()
