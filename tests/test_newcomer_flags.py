"""The flags a newcomer meets first, run as the real process runs (exit codes and terminals need a subprocess):
`photocheck demo` exits 0 unless asked to gate; `--color never` leaves the progress bar plain; `--statistics`
with `--format json`; `-q` and `concise` lines carry the severity in ruff's `path:1:1: CODE ...` shape; the
library's TypeError on None, said before any model loads."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO

ROOT = Path(__file__).resolve().parents[1]
FINDING_LINE = re.compile(r"^(?P<path>[^:]+):1:1: (?P<code>[A-Z]{2}\d\d) (?P<severity>error|warning|info) [a-z-]+: .+$")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One cache for the module: the demo is measured once, every later run reads its facts."""
    return tmp_path_factory.mktemp("cache")


def _photocheck(*args: str, cache: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    run_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    run_env.update(PHOTOCHECK_CACHE_DIR=str(cache), **(env or {}))
    return subprocess.run([sys.executable, "-m", "photocheck", *args], capture_output=True, text=True, cwd=ROOT,
                          env=run_env, timeout=300)  # fmt: skip


def test_demo_exits_0_unless_asked_to_gate(cache):
    shown = _photocheck("demo", cache=cache)
    assert shown.returncode == 0, shown.stderr
    assert "error" in shown.stdout  # it found errors, and still showed rather than gated
    assert _photocheck("demo", "--fail-on", "error", "-q", cache=cache).returncode == 1
    assert _photocheck("demo", "--fail-under", "99", "-q", cache=cache).returncode == 1
    assert _photocheck("check", str(DEMO), "-q", cache=cache).returncode == 1  # check gates as before


def test_quiet_and_concise_lines_carry_severity_in_the_problem_matcher_shape(cache):
    quiet = _photocheck("check", str(DEMO), "-q", "--color", "never", cache=cache)
    concise = _photocheck("check", str(DEMO), "--format", "concise", cache=cache)
    lines = quiet.stdout.splitlines()
    assert lines and all(FINDING_LINE.match(line) for line in lines), lines
    assert {FINDING_LINE.match(line)["severity"] for line in lines} >= {"error", "warning"}
    *findings, summary = concise.stdout.splitlines()
    assert findings == lines  # -q is concise without the summary line
    assert re.match(r"\d+ findings \(\d+ errors, \d+ warnings, \d+ info\)", summary)
    # what a CI problem matcher would read: a file that exists, a code the catalogue knows
    first = FINDING_LINE.match(lines[0])
    assert (ROOT / first["path"]).exists()


def test_statistics_with_json_is_a_json_array_and_other_formats_are_refused(cache):
    stats = _photocheck("check", str(DEMO), "--statistics", "--format", "json", cache=cache)
    rows = json.loads(stats.stdout)
    assert stats.returncode == 1 and rows and set(rows[0]) == {"code", "name", "severity", "count"}
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)
    text = _photocheck("check", str(DEMO), "--statistics", cache=cache).stdout.splitlines()
    assert [int(line.split()[0]) for line in text] == [r["count"] for r in rows]
    refused = _photocheck("check", str(DEMO), "--statistics", "--format", "sarif", cache=cache)
    assert refused.returncode == 2 and "--statistics prints text or JSON, not --format sarif" in refused.stderr
    assert refused.stdout == ""


def _stderr_on_a_terminal(*args: str, cache: Path) -> bytes:
    """Run with stderr on a pseudo-terminal (the progress bar shows only to a person) and stdout to a pipe."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(PHOTOCHECK_CACHE_DIR=str(cache), TERM="xterm-256color", COLUMNS="100")
    proc = subprocess.Popen([sys.executable, "-m", "photocheck", *args], stdout=subprocess.PIPE, stderr=follower,
                            cwd=ROOT, env=env)  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.communicate(timeout=300)
    os.close(leader)
    return b"".join(chunks)


def test_color_never_leaves_the_progress_bar_plain(cache):
    colour = re.compile(rb"\x1b\[[0-9;]*m")  # SGR: colour and style (cursor movement is not colour)
    coloured = _stderr_on_a_terminal("check", str(DEMO), "--no-cache", "--jobs", "1", cache=cache)
    assert b"checking photos" in coloured and colour.search(coloured)  # the bar showed, in colour
    plain = _stderr_on_a_terminal("check", str(DEMO), "--no-cache", "--jobs", "1", "--color", "never", cache=cache)
    assert b"checking photos" in plain and not colour.search(plain), plain[:400]


def test_the_library_says_what_to_give_instead_of_none():
    code = """
import photocheck, sys
for arg in (None, ["photocheck/demo", None], b"photocheck/demo"):
    try:
        photocheck.check(arg)
    except TypeError as e:
        print(e)
print("models loaded:", "mediapipe" in sys.modules)
print(len(photocheck.check("photocheck/demo/obama.jpg").sets[0].images))
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "paths: give a path or a list of paths (str or os.PathLike), not NoneType"
    assert lines[1] == "paths: each path is a str or an os.PathLike, not NoneType (None)"
    assert lines[2].endswith("not bytes")
    assert lines[3] == "models loaded: False"  # refused before any model loads
    assert lines[4] == "1"  # one path as a str is that path, not its characters
