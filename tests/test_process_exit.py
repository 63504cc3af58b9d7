"""The real process ends with photocheck's own exit code, never a signal (issue: robustness round 3).

These run the installed `photocheck` and library scripts as separate processes, ten times each, because an abort
at interpreter exit is invisible to CliRunner (in-process) and shows only in some runs: before the fix, a folder
of one text file named .jpg exited 134 (SIGABRT, "terminate called without an active exception") in most runs,
as the model loaders' daemon threads were still inside onnxruntime when the interpreter shut down.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import DEMO

RUNS = 10
PHOTOCHECK = Path(sys.executable).parent / "photocheck"


def _photocheck() -> str:
    exe = PHOTOCHECK if PHOTOCHECK.exists() else shutil.which("photocheck")
    if exe is None:
        pytest.skip("the photocheck command is not installed beside this Python (pip install -e .)")
    return str(exe)


def _bad_folders(root: Path) -> dict[str, Path]:
    """One folder per kind of broken input, each holding only that file."""
    from PIL import Image

    photo = (DEMO / "obama3.jpg").read_bytes()
    kinds: dict[str, Path] = {}

    def folder(kind: str) -> Path:
        kinds[kind] = root / kind
        kinds[kind].mkdir()
        return kinds[kind]

    (folder("truncated-jpeg") / "a.jpg").write_bytes(photo[: len(photo) // 3])
    (folder("text-named-jpg") / "a.jpg").write_text("not a photo\n")
    Image.new("RGB", (1, 1), (200, 10, 10)).save(folder("1x1-png") / "a.png")
    (folder("eps-bytes") / "a.jpg").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder("fifo") / "a.jpg")
    return kinds


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> dict[str, Path]:
    return _bad_folders(tmp_path_factory.mktemp("broken"))


def _run_many(make_args, expected: set[int], runs: int = RUNS, cwd: Path | None = None, env=None) -> list[int]:
    """Run `make_args(i)` `runs` times, two at a time (this host has two cores); every exit code must be one of
    `expected` (each a code photocheck means: 0, 1, 2): never negative (a signal) and never 134."""

    def one(i: int) -> tuple[int, str]:
        proc = subprocess.run(make_args(i), capture_output=True, text=True, timeout=120, cwd=cwd, env=env)
        return proc.returncode, proc.stderr[-800:]

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, range(runs)))
    codes = [code for code, _ in results]
    wrong = [(code, err) for code, err in results if code not in expected]
    assert not wrong, f"exit codes {codes}; first unexpected: {wrong[0]}"
    return codes


@pytest.mark.parametrize("kind", ["truncated-jpeg", "text-named-jpg", "1x1-png", "eps-bytes", "fifo"])
def test_check_of_only_broken_photos_exits_1_and_writes_its_output(bad, tmp_path, kind):
    if kind not in bad:
        pytest.skip("no FIFOs on this platform")
    outputs = [tmp_path / f"report{i}.json" for i in range(RUNS)]
    _run_many(lambda i: [_photocheck(), "check", "--no-cache", "--format", "json", "-o", str(outputs[i]),
                         str(bad[kind])], {1})  # fmt: skip
    for out in outputs:
        assert '"IQ01"' in out.read_text() or '"FC01"' in out.read_text(), out  # 1x1 PNG: decodes, no face


@pytest.mark.parametrize("flag", [["--exit-zero"], ["--fail-on", "never"]])
def test_a_gate_turned_off_exits_0_after_broken_photos(bad, flag):
    _run_many(lambda i: [_photocheck(), "check", "--no-cache", *flag, str(bad["text-named-jpg"])], {0})


def test_facts_of_a_truncated_jpeg_exits_0_and_writes_the_file(bad, tmp_path):
    outputs = [tmp_path / f"facts{i}.json" for i in range(RUNS)]
    _run_many(lambda i: [_photocheck(), "facts", "-o", str(outputs[i]), str(bad["truncated-jpeg"])], {0})
    assert all('"photocheck-facts"' in out.read_text() for out in outputs)


@pytest.mark.parametrize("reference", ["truncated", "/dev/zero"])
def test_a_reference_that_shows_no_face_is_exit_2(bad, reference):
    ref = str(bad["truncated-jpeg"] / "a.jpg") if reference == "truncated" else reference
    if not os.path.exists(ref):
        pytest.skip(f"{ref} does not exist here")
    _run_many(lambda i: [_photocheck(), "check", "--no-cache", "--reference", ref, str(DEMO)], {2})


def test_two_jobs_over_many_broken_photos(tmp_path):
    """Enough photos that a worker process is spawned beside the main one (worker_count >= 1 on two cores)."""
    folder = tmp_path / "many"
    folder.mkdir()
    photo = (DEMO / "obama3.jpg").read_bytes()
    for i in range(14):
        (folder / f"b{i:02d}.jpg").write_bytes(photo[: 2000 + 500 * i] if i % 2 else b"text %d" % i)
    _run_many(lambda i: [_photocheck(), "check", "--no-cache", "--jobs", "2", str(folder)], {1}, runs=6)


_LIBRARY_CHECK = """
import sys, photocheck
report = photocheck.check([sys.argv[1]])
print(report.verdict)
"""

# a long-lived Checker in an upload service: its first upload is broken, and it is never closed
_LONG_LIVED_CHECKER = """
import sys
from photocheck import Checker
checker = Checker()
result = checker.check_image(b"this is not a photo", "upload.jpg")
print(result.action, [f.code for f in result.findings])
"""


@pytest.mark.parametrize("script", [_LIBRARY_CHECK, _LONG_LIVED_CHECKER], ids=["check", "unclosed-checker"])
def test_a_library_script_on_broken_photos_exits_0(bad, script):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    _run_many(lambda i: [sys.executable, "-c", script, str(bad["text-named-jpg"])], {0}, env=env)


def test_the_hook_on_a_commit_of_one_broken_photo_exits_1(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "alice").mkdir(parents=True)
    (repo / "alice" / "broken.jpg").write_bytes((DEMO / "obama3.jpg").read_bytes()[:5000])
    env = dict(os.environ, GIT_CEILING_DIRECTORIES=str(tmp_path))
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    _run_many(lambda i: [_photocheck(), "hook", "--no-cache", "alice/broken.jpg"], {1}, cwd=repo, env=env)
