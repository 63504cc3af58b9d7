"""The stage boundary: recorded facts re-judged without any image or model library give the same report as a
full check; and the judge's one action per photo is what every output shows.

The set is real corpus photos (one person's studio series, an intruder, an exact extra copy), measured by the
real analyzers; the copies are made in a temporary folder, never in the repo.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from photocheck import Checker
from photocheck.cli import main
from tests.conftest import ROOT, corpus_photo

pytestmark = pytest.mark.corpus

MEMBERS = [f"human_stock_a/human_stock-emotions-a-{i}.jpg" for i in range(1, 7)]
INTRUDER = "matt_damon/deepface_img30.jpg"

# run the CLI with the image and model libraries made unimportable: the judge must not need them
_NO_MODELS = """
import sys
class _Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("cv2", "mediapipe", "dlib", "PIL", "face_recognition_models", "pillow_heif"):
            raise ImportError(f"{name} is blocked: the judge stage must not import it")
        return None
sys.meta_path.insert(0, _Blocked())
from photocheck.cli import main
sys.argv = ["photocheck", *sys.argv[1:]]
main()
"""


@pytest.fixture(scope="module")
def photo_set(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("stages") / "alice"
    folder.mkdir()
    for rel in MEMBERS:
        shutil.copy(corpus_photo(rel), folder / Path(rel).name)
    shutil.copy(corpus_photo(INTRUDER), folder / "stranger.jpg")
    shutil.copy(corpus_photo(MEMBERS[0]), folder / "copy-of-1.jpg")  # the same shot twice
    return folder


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _images(report: dict) -> dict[str, dict]:
    return {Path(i["path"]).name: i for s in report["sets"] for i in s["images"]}


def test_judge_without_image_libraries_gives_the_check_report(photo_set, tmp_path):
    code, out = _cli("check", str(photo_set), "--format", "json", "--no-cache", "--isolated")
    assert code == 1, out
    checked = json.loads(out)
    facts_file = tmp_path / "facts.json"
    code, out = _cli("facts", str(photo_set), "--output", str(facts_file))
    assert code == 0, out
    run = subprocess.run(
        [sys.executable, "-c", _NO_MODELS, "judge", str(facts_file), "--format", "json", "--isolated"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    judged = json.loads(run.stdout)
    assert judged == checked  # findings, actions, advice, coverage, score and verdict alike


def test_one_action_per_photo_in_every_output(photo_set, tmp_path):
    code, out = _cli("check", str(photo_set), "--format", "json", "--no-cache", "--isolated")
    report = json.loads(out)
    images = _images(report)
    assert images["stranger.jpg"]["action"] == "remove" and images["stranger.jpg"]["reasons"] == ["ID01"]
    # one copy stays in the set (kept, or to replace when it has a problem of its own); the other is removed
    copies = {n: images[n]["action"] for n in ("copy-of-1.jpg", "human_stock-emotions-a-1.jpg")}
    assert list(copies.values()).count("remove") == 1 and set(copies.values()) - {"remove"} <= {"keep", "replace"}
    removed = [n for n, i in images.items() if i["action"] == "remove"]
    assert sorted(removed) == sorted(["stranger.jpg", next(n for n, a in copies.items() if a == "remove")])
    for i in images.values():
        assert i["usable"] == (i["action"] == "keep")
    (s,) = report["sets"]
    assert s["usable"] == sum(i["usable"] for i in images.values())
    # each photo in at most one advice line
    for name in images:
        assert sum(name in line for line in s["advice"]) <= 1, (name, s["advice"])

    # JUnit: a failing test case for each photo not kept, its action as the failure type
    junit = tmp_path / "report.xml"
    _cli("check", str(photo_set), "--format", "junit", "--output", str(junit), "--isolated")
    cases = {Path(c.get("name")).name: c for c in ET.parse(junit).getroot().iter("testcase")}
    for name in removed:
        failure = cases[name].find("failure")
        assert failure is not None and failure.get("type") == "remove"

    # the library: ImageResult.usable is the judge's action
    with Checker() as checker:
        result = checker.check([photo_set]).sets[0]
    library = {Path(i.path).name: i for i in result.images}
    assert {n for n, i in library.items() if not i.usable} == {n for n, i in images.items() if not i["usable"]}
    assert len(result.usable_images) == s["usable"]
