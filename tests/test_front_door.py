"""One front door to the judge: `check a b` and `facts a b -o f; judge f` give the same report in every
format, on two sets with different packs and per-folder configs, and `judge` needs no image or model library.

Runs the real analyzers on the shipped demo photos (no corpus needed), each command in its own process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "photocheck" / "demo"

# the judge in a process where the image and model libraries cannot be imported
_NO_MODELS = """
import sys
class _Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("cv2", "mediapipe", "onnxruntime", "dlib", "PIL", "pillow_heif"):
            raise ImportError(f"{name} is blocked: the judge stage must not import it")
        return None
sys.meta_path.insert(0, _Blocked())
from photocheck.cli import main
sys.argv = ["photocheck", *sys.argv[1:]]
main()
"""

FORMATS = ("json", "sarif", "text", "junit", "concise")


def _run(cwd: Path, *args: str, blocked: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", _NO_MODELS] if blocked else [sys.executable, "-m", "photocheck"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=cwd, timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PHOTOCHECK_CACHE_DIR": str(cwd / "cache"),
             "NO_COLOR": "1"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def two_sets(tmp_path_factory) -> Path:
    """`strict/`: pack = "strict" in its own photocheck.toml; `lenient/`: the default pack with a rule ignored
    and an option changed. The same photos in both, so only the configs tell them apart."""
    root = tmp_path_factory.mktemp("front-door")
    for name, config in (
        ("strict", 'pack = "strict"\n'),
        ("lenient", 'ignore = ["EX10"]\n\n[rules.IQ02]\nmin-short-side = 400\n\n[rules.DS01]\nmin-photos = 3\n'),
    ):
        folder = root / name
        folder.mkdir()
        for photo in ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"):
            shutil.copy(DEMO / photo, folder / photo)
        (folder / "photocheck.toml").write_text(config)
    return root


@pytest.fixture(scope="module")
def recorded(two_sets: Path) -> Path:
    facts = two_sets / "facts.json"
    run = _run(two_sets, "facts", "strict", "lenient", "--output", str(facts), "--no-cache")
    assert run.returncode == 0, run.stderr
    return facts


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_equals_facts_then_judge_in_every_format(two_sets, recorded, fmt):
    checked = _run(two_sets, "check", "strict", "lenient", "--format", fmt, "--no-cache")
    judged = _run(two_sets, "judge", str(recorded), "--format", fmt, blocked=True)
    assert "Traceback" not in checked.stderr + judged.stderr
    assert checked.returncode == judged.returncode == 1, (checked.stderr, judged.stderr)
    assert judged.stdout == checked.stdout  # byte for byte: findings, advice, scores, config lines, pack


def test_each_set_is_judged_by_its_own_config(two_sets, recorded):
    judged = _run(two_sets, "judge", str(recorded), "--format", "json", blocked=True)
    report = json.loads(judged.stdout)
    assert report["pack"] == "mixed"
    sets = {s["path"]: s for s in report["sets"]}
    assert sets["strict"]["pack"] == "strict" and sets["lenient"]["pack"] == "default"
    assert "pack strict" in sets["strict"]["config"] and "ignore EX10" in sets["lenient"]["config"]
    codes = {path: {f["code"] for f in s["findings"]} for path, s in sets.items()}
    assert "EX10" in codes["strict"] and "EX10" not in codes["lenient"]  # the ignore holds only where it is set
    # the same photos: strict's resolution floor (2048 px) refuses what lenient's 400 px lets pass
    low_res = {p: {i["path"] for i in s["images"] if any(f["code"] == "IQ02" for f in i["findings"])}
               for p, s in sets.items()}  # fmt: skip
    assert len(low_res["strict"]) == 4 and low_res["lenient"] == set()


def test_one_set_keeps_its_pack_name(two_sets, recorded):
    checked = _run(two_sets, "check", "strict", "--format", "json", "--no-cache")
    assert json.loads(checked.stdout)["pack"] == "strict"
