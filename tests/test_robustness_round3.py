"""Robustness, round 3: nothing loops forever, one bad folder costs only itself, recorded facts are checked, and
damaged JPEG data is IQ01. (The exit code of the real process is tests/test_process_exit.py.)"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from photocheck import Checker
from photocheck.cli import main
from photocheck.discovery import discover, tidy
from photocheck.errors import ConfigError
from tests.badinputs import make_bad_inputs
from tests.test_robustness_round2 import _set_at as _set
from tests.conftest import DEMO, corpus_labels, corpus_photo

POISONS = [math.nan, math.inf, -math.inf, 1e200, 1.4e154, 1e-320, "x", None, {"a": 1}, [1, 2], True, 10**400]


def _cli(*args: str, timeout: float = 60, cwd: Path | None = None, env=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "photocheck", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env)  # fmt: skip


# ------------------------------------------------------------------------------------- recorded facts


@pytest.fixture(scope="module")
def demo_facts_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("facts") / "demo.json"
    assert CliRunner().invoke(main, ["facts", "-o", str(path), str(DEMO)]).exit_code == 0
    return path


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list) and node and not isinstance(node[0], (dict, list)):
        yield (*path, 0)  # one value of a list of numbers (a descriptor, a box) stands for the others
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    else:
        yield path


@pytest.mark.parametrize("poison", [1e200, 1.4e154], ids=["1e200", "1.4e154"])
def test_a_huge_descriptor_value_in_a_facts_file_is_exit_2_naming_the_field(demo_facts_file, tmp_path, poison):
    """It hung the judge before (killed after 30 s): the subject search waited on distances that never compared."""
    data = json.loads(demo_facts_file.read_text())
    data["sets"][0]["facts"][0]["faces"][0]["embedding"][5] = poison
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    started = time.monotonic()
    run = _cli("judge", str(bad), timeout=30)
    assert run.returncode == 2 and time.monotonic() - started < 30
    assert "bad.json" in run.stderr and "faces[0].embedding[5]" in run.stderr, run.stderr


def test_every_field_of_a_facts_file_fuzzed_ends_quickly_with_exit_0_to_2(demo_facts_file, tmp_path):
    """Each leaf of a real facts file replaced by each poison: every judge run ends within seconds, exit 0-2,
    and a refused file names the field."""
    original = json.loads(demo_facts_file.read_text())
    first = original["sets"][0]["facts"][2]  # a photo with a face, lighting and a descriptor
    paths = [("sets", 0, "facts", 2, *p) for p in _leaves(first)]
    assert len(paths) > 60
    bad = tmp_path / "fuzz.json"
    refused = judged = 0
    for path in paths:
        for poison in POISONS:
            mutated = json.loads(json.dumps(original))
            _set(mutated, path, poison)
            bad.write_text(json.dumps(mutated))
            started = time.monotonic()
            result = CliRunner().invoke(main, ["judge", "--format", "json", str(bad)])
            assert time.monotonic() - started < 5, (path, poison)
            assert result.exit_code in (0, 1, 2), (path, poison, result.output[-500:])
            assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
            if result.exit_code == 2:
                refused += 1
                assert "fuzz.json" in result.output
            else:
                judged += 1
                assert 0 <= json.loads(result.stdout)["score"] <= 100
    print(f"\n{len(paths)} fields x {len(POISONS)} values: {refused} refused (exit 2), {judged} judged")
    assert refused > len(paths) * 5


def test_a_non_finite_descriptor_handed_to_the_library_is_judged_not_looped():
    """Facts made in memory are not range-checked: the judge's loops still end whatever the numbers."""
    import dataclasses

    with Checker(select=["ID", "DS"]) as checker:
        facts = [checker.facts(str(DEMO / n)) for n in ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")]
    for bad in (math.nan, math.inf, 1e200):
        face = facts[0].faces[0]
        emb = list(face.embedding)
        emb[0] = bad
        poisoned = dataclasses.replace(facts[0], faces=(dataclasses.replace(face, embedding=tuple(emb)),))
        with Checker(select=["ID", "DS"]) as checker:
            started = time.monotonic()
            with np.errstate(all="ignore"):
                result = checker.judge_set(discover([str(DEMO)])[0], [poisoned, *facts[1:]])
            assert time.monotonic() - started < 5 and 0 <= result.score <= 100


# ---------------------------------------------------------------------------------- the facts cache


def test_the_cache_signs_entries_with_a_secret_only_its_owner_reads(tmp_path):
    from photocheck.measure.cache import SECRET_NAME

    with Checker(cache=tmp_path / "cache") as checker:
        checker.facts(str(DEMO / "obama3.jpg"))
    secret = tmp_path / "cache" / SECRET_NAME
    assert secret.stat().st_size == 32 and (secret.stat().st_mode & 0o077) == 0
    entry = next((tmp_path / "cache").rglob("*.json"))
    assert "hmac" in json.loads(entry.read_text()) and "sha256" not in json.loads(entry.read_text())


def test_a_cache_whose_secret_cannot_be_made_is_off_not_an_error(tmp_path):
    from photocheck.measure.cache import FactsCache

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = FactsCache(blocker / "facts", {"v": 1})
    assert cache.secret is None
    with Checker(cache=cache) as checker:
        facts = checker.facts(str(DEMO / "obama3.jpg"))
        assert facts.error is None and checker.facts(str(DEMO / "obama3.jpg")) == facts
    assert cache.hits == 0


# ------------------------------------------------------------------------------ damaged JPEG data


def _first_scan_data(data: bytes) -> int:
    """Where the main image's first scan data starts: the markers are walked by their lengths, so an EXIF
    thumbnail's own scan (inside APP1) is passed over."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if data[pos + 1] == 0xDA:
            return pos + 2 + length
        pos += 2 + length
    raise ValueError("no scan")


def _flipped_every_300th(data: bytes, seed: str) -> bytes:
    """A byte flipped every ~1/300 of the file, past its headers (from the first scan's data on)."""
    out = bytearray(data)
    start = _first_scan_data(data)
    rng = random.Random(seed)
    for i in range(start, len(out) - 2, max(1, len(out) // 300)):
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def test_a_bit_flipped_jpeg_is_iq01_not_a_smeared_photo(tmp_path):
    for name in ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"):
        (tmp_path / name).write_bytes(_flipped_every_300th((DEMO / name).read_bytes(), name))
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", str(tmp_path)])
    images = json.loads(result.stdout)["sets"][0]["images"]
    for img in images:
        codes = [f["code"] for f in img["findings"]]
        assert codes == ["IQ01"], (img["path"], codes)
        assert "damaged" in img["findings"][0]["message"] and "corrupt" in img["findings"][0]["message"]


@pytest.mark.corpus
def test_bit_flipped_corpus_jpegs_are_all_iq01(checker):
    rows = [r for r in corpus_labels() if r["path"].lower().endswith((".jpg", ".jpeg"))]
    refused = 0
    for row in rows:
        data = corpus_photo(row["path"]).read_bytes()
        if not data.startswith(b"\xff\xd8"):
            continue  # a PNG named .jpg
        facts = checker.facts(_flipped_every_300th(data, row["path"]), row["path"])
        assert facts.error is not None, row["path"]
        refused += 1
    assert refused >= 100


def test_a_jpeg_with_a_few_bytes_of_padding_before_its_end_is_still_judged():
    data = (DEMO / "obama3.jpg").read_bytes()
    padded = data[:-2] + b"\x00" * 4 + b"\xff\xd9"
    with Checker(select=["IQ"]) as checker:
        assert checker.facts(padded, "padded.jpg").error is None
        assert "damaged" in str(checker.facts(data[:-2] + b"\x00" * 900 + b"\xff\xd9", "junk.jpg").error)
        assert "truncated" in str(checker.facts(data[:-2], "cut.jpg").error)


def test_no_decoder_warning_reaches_stderr_over_the_hostile_set(tmp_path):
    make_bad_inputs(tmp_path)
    run = _cli("check", "--no-cache", "--format", "json", str(tmp_path), timeout=300)
    assert run.returncode == 1
    noise = [line for line in run.stderr.splitlines() if not line.startswith("photocheck:")]
    assert noise == [], noise[:5]


def test_an_apng_with_a_damaged_later_frame_is_checked_on_its_first_frame(tmp_path):
    import io

    from photocheck.measure.imageio import decode_bytes

    frames = [Image.new("RGB", (64, 64), (i * 60, 10, 10)) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:])
    data = bytearray(buf.getvalue())
    second = data.find(b"fcTL", data.find(b"IDAT"))
    data[second + 10] ^= 0xFF  # the second frame's control chunk fails its CRC
    img = decode_bytes(bytes(data), "anim.png")
    assert img.rgb.shape == (64, 64, 3) and any("damaged" in n for n in img.notes)


def test_a_float_tiff_with_a_nan_pixel_is_not_black(tmp_path):
    import io

    from photocheck.measure.imageio import decode_bytes

    values = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    values[3, 3], values[4, 4] = np.nan, np.inf
    buf = io.BytesIO()
    Image.fromarray(values, "F").save(buf, "TIFF")
    img = decode_bytes(buf.getvalue(), "f.tif")
    assert img.rgb.max() == 255 and 120 < img.rgb.mean() < 135


# -------------------------------------------------------------------------------------- discovery


def test_two_links_to_dot_in_a_photo_less_folder_end_at_once(tmp_path):
    folder = tmp_path / "loop"
    folder.mkdir()
    os.symlink(".", folder / "a")
    os.symlink(".", folder / "b")
    started = time.monotonic()
    run = _cli("check", "--no-cache", str(folder), timeout=30)
    assert run.returncode == 2 and "no photos found" in run.stderr and time.monotonic() - started < 30


def test_a_self_link_beside_photos_gives_one_set_of_those_photos(tmp_path):
    (tmp_path / "parent" / "alice").mkdir(parents=True)
    shutil.copy(DEMO / "obama.jpg", tmp_path / "parent" / "alice" / "a.jpg")
    os.symlink("..", tmp_path / "parent" / "alice" / "up")
    os.symlink(".", tmp_path / "parent" / "me")
    sets = discover([str(tmp_path / "parent")])
    assert [(Path(s.path).name, len(s.files)) for s in sets] == [("alice", 1)]


def test_one_folder_under_several_names_is_one_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("d").mkdir()
    shutil.copy(DEMO / "obama.jpg", "d/a.jpg")
    os.symlink("d", "link")
    sets = discover(["d", str(tmp_path / "d"), "link", "d/", "./d", "link/a.jpg"])
    assert [(s.path, s.files) for s in sets] == [("d", ("d/a.jpg",))]


def test_a_path_through_a_link_and_dotdot_is_not_tidied_as_text(tmp_path, monkeypatch):
    """`link/..` is the parent of the link's target, not the folder holding the link."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deep" / "inner").mkdir(parents=True)
    shutil.copy(DEMO / "obama.jpg", tmp_path / "deep" / "x.jpg")
    shutil.copy(DEMO / "biden.jpg", tmp_path / "x.jpg")  # what textual tidying would have opened instead
    os.symlink("deep/inner", "link")
    assert tidy("link/../x.jpg") == "link/../x.jpg" and tidy("a//b/./c/") == "a/b/c"
    (photo_set,) = discover(["link/../x.jpg"])
    assert os.path.samefile(photo_set.files[0], tmp_path / "deep" / "x.jpg")


def test_a_path_longer_than_the_os_allows_is_a_usage_error_naming_it_briefly(tmp_path):
    long_path = "x/" * 2100
    run = _cli("check", "--no-cache", long_path, cwd=tmp_path)
    assert run.returncode == 2 and "internal error" not in run.stderr
    assert "too long" in run.stderr and len(run.stderr) < 600


def _unreadable(monkeypatch, name: str) -> None:
    """Folders named `name` cannot be listed or looked into, as for a user without read permission (the tests
    may run as root, whom permissions do not stop)."""
    real_scandir, real_stat = os.scandir, os.stat

    def scandir(path="."):
        if os.path.basename(os.path.normpath(os.fspath(path))) == name:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    def stat(path, *a, **k):
        if os.path.basename(os.path.dirname(os.fspath(path))) == name:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *a, **k)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)


def test_an_unreadable_set_folder_is_one_finding_and_the_other_sets_are_judged(tmp_path, monkeypatch):
    for name in ("alice", "locked"):
        (tmp_path / "sets" / name).mkdir(parents=True)
        shutil.copy(DEMO / "obama.jpg", tmp_path / "sets" / name / "a.jpg")
    _unreadable(monkeypatch, "locked")
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", str(tmp_path / "sets")])
    assert result.exit_code == 1, result.output
    sets = {Path(s["path"]).name: s for s in json.loads(result.stdout)["sets"]}
    assert set(sets) == {"alice", "locked"}
    assert sets["alice"]["images"][0]["faces"]  # measured as usual
    locked = sets["locked"]
    assert locked["findings"] == [] and [f["code"] for f in locked["images"][0]["findings"]] == ["IQ01"]
    assert "Permission denied" in locked["images"][0]["findings"][0]["message"]
    assert locked["advice"] and locked["advice"][0].startswith("Check locked: folder cannot be read")


def test_an_unreadable_folder_named_directly_is_exit_1_with_its_finding(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    _unreadable(monkeypatch, "locked")
    result = CliRunner().invoke(main, ["check", "--no-cache", str(tmp_path / "locked")])
    assert result.exit_code == 1 and "folder cannot be read" in result.output and "internal" not in result.output


# ------------------------------------------------------------------------------------------- hook


@pytest.mark.parametrize("folder", [":(exclude)*", "-rf", "-o", "--pack"])
def test_the_hook_takes_folder_names_literally(tmp_path, folder):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / folder).mkdir(parents=True)
    (repo / folder / "broken.jpg").write_bytes((DEMO / "obama.jpg").read_bytes()[:3000])
    env = dict(os.environ, GIT_CEILING_DIRECTORIES=str(tmp_path))
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    run = _cli("hook", "--no-cache", "--format", "json", f"{folder}/broken.jpg", cwd=repo, env=env)
    assert run.returncode == 1, run.stderr
    (photo_set,) = json.loads(run.stdout)["sets"]
    assert photo_set["path"] == folder and photo_set["images"][0]["findings"][0]["code"] == "IQ01"
    assert not (repo / "broken.jpg").exists() and not Path("/broken.jpg").exists()


# ----------------------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    "toml",
    ["fail-under = nan\n", "[limits]\nmax-pixels = 0\n", "[limits]\nmax-file-bytes = 0\n",
     "[limits]\nmax-pixels = nan\n", "[limits]\ndraft-min-long-side = 0\n"],
    ids=["fail-under-nan", "max-pixels-0", "max-file-bytes-0", "max-pixels-nan", "draft-0"],
)  # fmt: skip
def test_a_value_that_switches_a_gate_off_or_refuses_every_photo_is_exit_2(tmp_path, toml):
    shutil.copy(DEMO / "obama.jpg", tmp_path / "a.jpg")
    (tmp_path / "photocheck.toml").write_text(toml)
    result = CliRunner().invoke(main, ["check", "--no-cache", str(tmp_path)])
    assert result.exit_code == 2 and "photocheck.toml" in result.output, result.output


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "101", "x"])
def test_fail_under_on_the_command_line_is_a_score(tmp_path, value):
    shutil.copy(DEMO / "obama.jpg", tmp_path / "a.jpg")
    result = CliRunner().invoke(main, ["check", "--no-cache", "--fail-under", value, str(tmp_path)])
    assert result.exit_code == 2 and "--fail-under" in result.output


def test_all_in_a_config_file_selects_every_rule(tmp_path):
    (tmp_path / "photocheck.toml").write_text('select = ["ALL"]\nignore = ["IQ02"]\n')
    result = CliRunner().invoke(main, ["config", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "[rules.FC01]" in result.output and "[rules.IQ02]" not in result.output


def test_deeply_nested_toml_is_a_config_error(tmp_path):
    (tmp_path / "photocheck.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    result = CliRunner().invoke(main, ["config", str(tmp_path)])
    assert result.exit_code == 2 and "nested too deep" in result.output and "internal" not in result.output


def test_a_very_long_extends_chain_is_a_config_error(tmp_path):
    for i in range(1500):
        (tmp_path / f"p{i}.toml").write_text(f'extends = "p{i + 1}.toml"\n' if i < 1499 else 'extends = "default"\n')
    (tmp_path / "photocheck.toml").write_text('pack = "p0.toml"\n')
    result = CliRunner().invoke(main, ["config", str(tmp_path)])
    assert result.exit_code == 2 and "deep" in result.output and "internal" not in result.output


@pytest.mark.parametrize("where", ["found", "--config"])
def test_a_pyproject_whose_tool_is_not_a_table_has_no_photocheck_config(tmp_path, where):
    (tmp_path / "pyproject.toml").write_text('tool = "not a table"\n')
    args = ["config", str(tmp_path)] + (["--config", str(tmp_path / "pyproject.toml")] if where != "found" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "internal" not in result.output, result.output


def test_config_errors_are_config_errors_in_the_library_too(tmp_path):
    from photocheck.project_config import resolve_settings

    (tmp_path / "photocheck.toml").write_text("[limits]\nmax-pixels = 0\n")
    with pytest.raises(ConfigError, match="max-pixels"):
        resolve_settings(tmp_path)
