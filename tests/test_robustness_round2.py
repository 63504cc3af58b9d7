"""Robustness, round 2: one bad photo never costs another, and nothing in a folder may hang, loop or take over
the terminal. Every input is generated at test time; every run that could hang is a subprocess with a timeout."""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

import photocheck.measure.analyzers.faces as faces_module
from photocheck import Checker, CheckerClosedError, load_pack
from photocheck.cli import main
from tests.badinputs import png_chunk_bomb, tiff_pages
from tests.conftest import DEMO, corpus_labels, corpus_photo

HAS_FIFO = hasattr(os, "mkfifo")


def _png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (120, 100, 90)).save(buf, "PNG")
    return buf.getvalue()


def _cli(*args: str, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process, bounded: a hang is a test failure, not a stuck suite."""
    return subprocess.run([sys.executable, "-m", "photocheck", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)  # fmt: skip


def _real_photos(n: int) -> list[Path]:
    rows = [r for r in corpus_labels() if r["faces_in_image"] == "1" and "profile" not in r["yaw_bucket"]]
    return [corpus_photo(r["path"]) for r in rows[:n]]


def _images(result_stdout: str) -> dict[str, dict]:
    report = json.loads(result_stdout)
    return {Path(i["path"]).name: i for s in report["sets"] for i in s["images"]}


def _iq01(image: dict) -> str | None:
    found = [f["message"] for f in image["findings"] if f["code"] == "IQ01"]
    return found[0] if found else None


# ------------------------------------------------------------------------------- 1. isolation of the models


def test_a_one_pixel_wide_image_costs_no_other_photo_its_result_cli(tmp_path):
    """A 1x10 PNG sorted first, then 20 real photos, in one process (--jobs 1): was 21 of 21 IQ01."""
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "a-thin.png").write_bytes(_png(1, 10))
    for i, photo in enumerate(_real_photos(20)):
        shutil.copy(photo, folder / f"p{i:02d}{photo.suffix.lower()}")
    result = _cli("check", str(folder), "--format", "json", "--no-cache", "--jobs", "1", "--select", "IQ,FC01")
    assert result.returncode in (0, 1), result.stderr
    images = _images(result.stdout)
    assert _iq01(images["a-thin.png"]) is None  # judged without the face models: too small, not unreadable
    assert any(f["code"] == "IQ02" for f in images["a-thin.png"]["findings"])
    real = [i for name, i in images.items() if name.startswith("p")]
    assert len(real) == 20 and all(_iq01(i) is None and i["faces"] for i in real)
    assert "Stack trace" not in result.stderr and "RET_CHECK" not in result.stderr


def test_a_long_lived_checker_survives_thin_and_tiny_uploads():
    photos = _real_photos(3)
    with Checker("quick") as checker:
        for w, h in ((1, 10), (10, 1), (1, 1), (2, 1), (1, 65500)):
            facts = checker.facts(_png(w, h), f"{w}x{h}.png")
            assert facts.error is None and facts.faces == (), (w, h, facts.error)
            result = checker.check_image(_png(w, h), f"{w}x{h}.png")
            assert [f.code for f in result.findings if f.code.startswith("IQ")] == ["IQ02"]
            for photo in photos:  # every upload after it still gets its faces
                assert checker.facts(str(photo)).faces, photo


def test_a_landmarker_graph_error_is_contained_and_the_graph_rebuilt(monkeypatch, capfd):
    """Let a 1x10 image reach MediaPipe (the guard switched off): that photo fails, with a short reason and no
    native stack trace on stderr; the graph is rebuilt and the next photo is measured normally."""
    monkeypatch.setattr(faces_module, "MIN_FACE_SEARCH_SIDE", 0)
    # the 2x2 tiles of a 1x10 image are 0 px wide: what puts MediaPipe's graph in its error state
    tiles = load_pack("quick", {"detector": {"small-faces": "tiles"}})
    with Checker(tiles) as checker:
        thin = checker.facts(_png(1, 10), "thin.png")
        assert thin.error is not None and "face landmarker failed on this image" in thin.error
        assert len(thin.error) < 400
        after = checker.facts(str(DEMO / "obama3.jpg"))
        assert after.error is None and after.faces
    err = capfd.readouterr().err
    assert "Stack trace" not in err and "RET_CHECK" not in err


# ----------------------------------------------------------------------------- 2. no unbounded loops or reads


def _cached_entry(tmp_path: Path) -> tuple[Path, Path]:
    """A real cache entry (identity included) for one demo photo in a folder of its own."""
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(DEMO / "obama3.jpg", folder / "obama3.jpg")
    shutil.copy(DEMO / "obama.jpg", folder / "obama.jpg")
    cache = tmp_path / "cache"
    first = _cli("check", str(folder), "--format", "json", "--cache-dir", str(cache), "--jobs", "1")
    assert first.returncode in (0, 1), first.stderr
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == 2
    return folder, cache


@pytest.mark.parametrize("poison", [None, math.nan, math.inf, "text", [], -1e308])
def test_a_poisoned_descriptor_in_the_cache_is_a_miss_not_a_hang(tmp_path, poison):
    folder, cache = _cached_entry(tmp_path)
    clean = _cli("check", str(folder), "--format", "json", "--no-cache", "--jobs", "1")
    for entry in cache.rglob("*.json"):
        data = json.loads(entry.read_text())
        face = data["facts"]["faces"][0]
        face["embedding"] = [poison] * len(face["embedding"])
        entry.write_text(json.dumps(data))  # json writes NaN / Infinity as Python reads them back
    again = _cli("check", str(folder), "--format", "json", "--cache-dir", str(cache), "--jobs", "1", timeout=60)
    assert again.returncode == clean.returncode, again.stderr
    assert json.loads(again.stdout)["sets"] == json.loads(clean.stdout)["sets"]


def _leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list) and value and not all(isinstance(v, (int, float)) for v in value):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _set_at(data, path, value):
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def test_every_field_of_a_real_cache_entry_fuzzed(tmp_path):
    """Each leaf of a real entry replaced by each of null / nan / inf / text / an object / huge and subnormal
    numbers. Written as is (the signature no longer matches), or with an unkeyed checksum recomputed (an edit
    by someone without the cache's secret), it is a miss. Signed with the cache's own key (as photocheck would
    have written it) it is a miss unless it is still facts photocheck could have measured, and those are judged
    without a crash, a hang or a score outside 0..100."""
    import hashlib

    from photocheck.discovery import PhotoSet

    with Checker(cache=tmp_path / "cache") as checker:
        clean = checker.facts(str(DEMO / "obama3.jpg"))
        cache = checker.cache
        assert cache is not None
        entry_path = next((tmp_path / "cache").rglob("*.json"))
        original = json.loads(entry_path.read_text())
        assert cache.get(clean.content_hash, "p.jpg") is not None  # the entry as written is a hit
        paths = list(_leaves(original["facts"]))
        assert len(paths) > 40
        poisons = [None, math.nan, math.inf, "x", {"a": 1}, 10**30, 1e200, 1.4e154, 1e-320]
        accepted = 0
        for path in paths:
            for poison in poisons:
                mutated = json.loads(json.dumps(original))
                _set_at(mutated["facts"], path, poison)
                if json.dumps(mutated) == json.dumps(original):
                    continue  # the field already held this value
                entry_path.write_text(json.dumps(mutated))  # stale signature
                assert cache.get(clean.content_hash, "p.jpg") is None, path
                try:
                    text = json.dumps(mutated["facts"], sort_keys=True, separators=(",", ":"), allow_nan=False)
                except ValueError:
                    continue  # nan / inf cannot even be given a checksum
                mutated["hmac"] = hashlib.sha256(text.encode()).hexdigest()  # forged without the secret
                entry_path.write_text(json.dumps(mutated))
                assert cache.get(clean.content_hash, "p.jpg") is None, path
                mutated["hmac"] = cache._signature(mutated["facts"])
                entry_path.write_text(json.dumps(mutated))
                facts = cache.get(clean.content_hash, "p.jpg")
                if facts is None:
                    continue
                assert poison is None or not isinstance(poison, float) or abs(poison) < 1e10, (path, poison)
                accepted += 1
                result = checker.judge_set(PhotoSet("set", ("p.jpg",)), [facts])
                assert 0 <= result.score <= 100, (path, poison)
        print(f"\n{len(paths)} fields x {len(poisons)} poisons: {accepted} signed edits still valid facts")


@pytest.mark.skipif(not HAS_FIFO, reason="no FIFOs on this platform")
@pytest.mark.parametrize("where", ["pack", "config"])
def test_a_fifo_or_device_as_config_or_pack_is_exit_2_not_a_hang(tmp_path, where):
    shutil.copy(DEMO / "obama3.jpg", tmp_path / "a.jpg")
    if where == "pack":
        os.mkfifo(tmp_path / "ours.toml")
        (tmp_path / "photocheck.toml").write_text('pack = "ours.toml"\n')
    else:
        os.mkfifo(tmp_path / "photocheck.toml")
    result = _cli("check", str(tmp_path), "--no-cache", timeout=30)
    assert result.returncode == 2 and "not a regular file" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    result = _cli("check", str(tmp_path / "a.jpg"), "--no-cache", "--pack", "/dev/zero", timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_an_oversized_config_is_refused(tmp_path):
    shutil.copy(DEMO / "obama3.jpg", tmp_path / "a.jpg")
    (tmp_path / "photocheck.toml").write_text("# padding\n" * 200_000)
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--no-cache"])
    assert result.exit_code == 2 and "too large" in result.stderr


def test_a_config_inside_a_scanned_folder_is_named_in_the_report(tmp_path):
    folder = tmp_path / "from-a-stranger"
    folder.mkdir()
    shutil.copy(DEMO / "obama3.jpg", folder / "a.jpg")
    (folder / "photocheck.toml").write_text('ignore = ["IQ", "ID"]\nfail-on = "never"\n')
    result = CliRunner().invoke(main, ["check", str(folder), "--no-cache"])
    assert "photocheck.toml: ignore IQ,ID; fail-on never" in result.stdout
    report = json.loads(CliRunner().invoke(main, ["check", str(folder), "--no-cache", "--format", "json"]).stdout)
    assert report["sets"][0]["config"].endswith("photocheck.toml: ignore IQ,ID; fail-on never")


@pytest.mark.skipif(not HAS_FIFO, reason="no FIFOs on this platform")
def test_html_thumbnails_use_the_checked_bytes_only(tmp_path):
    """A FIFO named .jpg, a bomb and a photo swapped after the check get no thumbnail; the HTML run ends."""
    from photocheck.measure.thumbnails import report_thumbnails

    folder = tmp_path / "set"
    folder.mkdir()
    shutil.copy(DEMO / "obama3.jpg", folder / "good.jpg")
    shutil.copy(DEMO / "obama.jpg", folder / "swapped.jpg")
    os.mkfifo(folder / "pipe.jpg")
    from tests.badinputs import png_bomb

    (folder / "bomb.png").write_bytes(png_bomb())
    out = tmp_path / "report.html"
    result = _cli("check", str(folder), "--format", "html", "--output", str(out), "--no-cache", timeout=60)
    assert result.returncode == 1, result.stderr
    assert out.read_text().count("data:image/jpeg;base64,") == 2  # good.jpg and swapped.jpg only
    with Checker(select=["IQ"]) as checker:
        report = checker.check([str(folder)])
    shutil.copy(DEMO / "biden.jpg", folder / "swapped.jpg")  # the file changes after the check
    thumbs = report_thumbnails(report)
    assert set(thumbs) == {str(folder / "good.jpg")}


@pytest.mark.skipif(not HAS_FIFO, reason="no FIFOs on this platform")
def test_fifos_and_devices_are_not_regular_files(tmp_path):
    os.mkfifo(tmp_path / "pipe.jpg")
    result = _cli("check", str(tmp_path / "pipe.jpg"), "/dev/null", "--format", "json", "--no-cache", timeout=30)
    images = {i["path"]: i for s in json.loads(result.stdout)["sets"] for i in s["images"]}
    assert "not a regular file: a FIFO" in _iq01(images[str(tmp_path / "pipe.jpg")])
    assert "not a regular file: a character device" in _iq01(images["/dev/null"])


def test_decoding_is_bounded_in_pages_and_chunks(tmp_path):
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "pages.tif").write_bytes(tiff_pages(400_000))  # 45 MB of one-pixel pages
    (folder / "chunks.png").write_bytes(png_chunk_bomb(_png(64, 64), 2_000_000))
    result = _cli("check", str(folder), "--format", "json", "--no-cache", "--select", "IQ", timeout=60)
    images = _images(result.stdout)
    assert _iq01(images["pages.tif"]) is None
    assert "chunks is not a photo" in _iq01(images["chunks.png"])
    with Checker(select=["IQ"]) as checker:
        facts = checker.facts(str(folder / "pages.tif"))
    assert facts.basic.frames == 101 and any("100+ frames" in n for n in facts.notes)


# ----------------------------------------------------------------------------------- 3. photo formats only


def test_postscript_named_jpg_never_reaches_ghostscript(tmp_path, monkeypatch):
    from PIL import EpsImagePlugin

    called = []
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: called.append(a))
    (tmp_path / "holiday.jpg").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    with Checker(select=["IQ"]) as checker:
        facts = checker.facts(str(tmp_path / "holiday.jpg"))
    assert facts.error is not None and "not a photo format" in facts.error and "PostScript" in facts.error
    assert called == []


def test_icons_and_unknown_formats_in_a_folder_are_reported_not_skipped(tmp_path):
    rgb = Image.open(DEMO / "obama3.jpg").convert("RGB").resize((256, 256))
    rgb.save(tmp_path / "favicon.ico")
    (tmp_path / "photo.jxl").write_bytes(b"\xff\x0a" + bytes(100))
    rgb.save(tmp_path / "photo.avif", quality=80)
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--format", "json", "--no-cache", "--select", "IQ"])
    images = _images(result.stdout)
    assert "ICO icon" in _iq01(images["favicon.ico"])
    assert "JPEG XL" in _iq01(images["photo.jxl"])
    assert _iq01(images["photo.avif"]) is None  # AVIF decodes where Pillow has it


def test_the_pixel_limit_applies_to_arrays_and_pil_images():
    huge = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (20_000, 10_000, 3))  # 200 MP, no memory behind it
    with Checker(select=["IQ"]) as checker:
        facts = checker.facts(huge, "huge")
        assert facts.error is not None and "MP limit" in facts.error
        image = Image.new("L", (16, 16))
        image.close()
        closed = checker.facts(image, "closed")
        assert closed.error is not None and "PIL image cannot be read" in closed.error
        stream = io.BytesIO((DEMO / "obama3.jpg").read_bytes())
        truncated = Image.open(stream)  # header read; the pixels are cut off before they are decoded
        stream.truncate(3000)
        assert checker.facts(truncated, "truncated").error is not None
        assert "NUL" in checker.facts("bad\x00name.jpg").error


# ------------------------------------------------------------------------------- 4. TIFF orientation once


def test_a_turned_tiff_is_analysed_upright():
    """The same photo stored turned with Orientation 6, as TIFF and as JPEG: both are seen upright."""
    upright = Image.open(DEMO / "obama3.jpg").convert("RGB")
    stored = upright.rotate(90, expand=True)  # what the camera wrote; Orientation 6 turns it back
    tiff, jpeg = io.BytesIO(), io.BytesIO()
    stored.save(tiff, "TIFF", tiffinfo={274: 6})
    exif = Image.Exif()
    exif[274] = 6
    stored.save(jpeg, "JPEG", quality=95, exif=exif.tobytes())
    with Checker(select=["PO01", "FC01"]) as checker:
        ref = checker.facts(str(DEMO / "obama3.jpg"))
        for data, name in ((tiff.getvalue(), "turned.tif"), (jpeg.getvalue(), "turned.jpg")):
            facts = checker.facts(data, name)
            assert (facts.basic.width, facts.basic.height) == (upright.width, upright.height), name
            assert facts.faces and abs(facts.faces[0].roll - ref.faces[0].roll) < 5, name


# -------------------------------------------------------------------------------- 5. safe output for names


CONTROL_NAMES = ["\x1b]52;c;aGk=\x07clip.jpg", "\x1b[2J\x1b[Hclear.jpg", "over\rREADY score 100.jpg", "\u202egpj.exe.jpg"]


@pytest.fixture(scope="module")
def control_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("names") / "set"
    folder.mkdir()
    small = Image.open(DEMO / "obama3.jpg").convert("RGB").resize((300, 400))
    for name in CONTROL_NAMES:
        small.save(folder / name, quality=85)  # IQ02 on each: every name appears in the findings
    return folder


@pytest.mark.parametrize("fmt", ["text", "concise", "github"])
def test_no_terminal_escape_from_a_file_name_reaches_the_terminal(control_folder, fmt):
    result = _cli("check", str(control_folder), "--format", fmt, "--no-cache", "--color", "never", "--select", "IQ02")
    shown = result.stdout
    assert "\x1b" not in shown and "\r" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\x1b]52;c;aGk=\\x07clip.jpg" in shown and "over\\x0dREADY score 100.jpg" in shown


def test_junit_is_valid_xml_for_any_name(control_folder):
    result = _cli("check", str(control_folder), "--format", "junit", "--no-cache", "--select", "IQ02")
    root = ET.fromstring(result.stdout)
    assert len(root.findall(".//testcase")) == len(CONTROL_NAMES) + 1


def test_sarif_for_a_non_utf8_name_given_by_relative_path(tmp_path):
    folder = tmp_path / "nu"
    folder.mkdir()
    Image.open(DEMO / "obama3.jpg").convert("RGB").resize((300, 400)).save(os.fsencode(folder) + b"/caf\xe9.jpg")
    result = _cli("check", "nu", "--format", "sarif", "--no-cache", "--select", "IQ02", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for r in json.loads(result.stdout)["runs"][0]["results"]
            for loc in r["locations"]]  # fmt: skip
    assert uris == ["nu/caf%E9.jpg"]


def test_one_photo_spelled_two_ways_is_checked_once(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(DEMO / "obama3.jpg", folder / "x.jpg")
    for args in ([f"{folder}/x.jpg", f"{folder}//x.jpg"], [str(folder), f"{folder}/"], [str(folder), f"{folder}/x.jpg"]):
        result = CliRunner().invoke(main, ["check", *args, "--format", "json", "--no-cache", "--select", "IQ"])
        sets = json.loads(result.stdout)["sets"]
        assert len(sets) == 1 and len(sets[0]["images"]) == 1, args


# ------------------------------------------------------------------------------------- 6. clear reasons


def test_clear_reasons_for_odd_headers_and_a_closed_checker(tmp_path):
    from tests.badinputs import _sof_patched

    jpeg = io.BytesIO()
    Image.open(DEMO / "obama3.jpg").convert("RGB").save(jpeg, "JPEG")
    checker = Checker(select=["IQ"])
    assert "12-bit JPEG" in checker.facts(_sof_patched(jpeg.getvalue(), precision=12), "t.jpg").error
    assert "0x0 pixels" in checker.facts(_sof_patched(jpeg.getvalue(), size=(0, 0)), "z.jpg").error
    checker.close()
    with pytest.raises(CheckerClosedError):
        checker.facts(str(DEMO / "obama3.jpg"))
    with pytest.raises(CheckerClosedError):
        checker.check([str(DEMO)])


# ------------------------------------------------------------------------------ configuration values, fuzzed


def _option_cells() -> list[tuple[str, str]]:
    """(table, key) for every option of the default pack's tables and of every rule."""
    import tomllib

    from photocheck.packs import rules_dir

    data = tomllib.loads((rules_dir() / "packs" / "default.toml").read_text())
    cells = []
    for table, body in data.items():
        if table == "rules":
            cells += [(f"rules.{code}", k) for code, opts in body.items() for k in opts]
        elif table == "classify":
            cells += [(f"classify.{sub}", k) for sub, opts in body.items() for k in opts]
        elif isinstance(body, dict):
            cells += [(table, k) for k in body]
    return cells


@pytest.fixture(scope="module")
def facts_file(tmp_path_factory):
    """Recorded facts of the demo set, so a fuzzed configuration is judged without models (milliseconds)."""
    out = tmp_path_factory.mktemp("facts") / "facts.json"
    result = CliRunner().invoke(main, ["facts", str(DEMO), "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out


_VALUES = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: "nan" if f != f else ("inf" if f == math.inf else ("-inf" if f == -math.inf else repr(f)))),
    st.sampled_from(['"x"', "true", "false", "[]", '["a", 1]', "{}", '"error"', "0", "-1", "1e400"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=st.sampled_from(_option_cells()), value=_VALUES)
# found by this fuzzer: a baseline of 0 neutral photos took the median of nothing when no photo read neutral
@example(cell=("classify.expression", "baseline-min-photos"), value="0")
def test_any_value_of_any_option_is_a_clear_result_or_exit_2(facts_file, tmp_path_factory, cell, value):
    table, key = cell
    config = tmp_path_factory.mktemp("cfg") / "photocheck.toml"
    config.write_text(f"[{table}]\n{key} = {value}\n")
    result = CliRunner().invoke(main, ["judge", str(facts_file), "--config", str(config), "--format", "json"])
    assert result.exit_code in (0, 1, 2), (cell, value, result.output)
    assert "Traceback" not in result.output and "internal error" not in result.output, (cell, value, result.output)
    if result.exit_code == 2:
        assert str(config) in result.stderr and key in result.stderr, (cell, value, result.stderr)
    else:
        report = json.loads(result.stdout)
        assert 0 <= report["score"] <= 100, (cell, value)


@pytest.mark.skipif(not HAS_FIFO, reason="no FIFOs on this platform")
def test_a_fifo_as_reference_or_face_model_is_exit_2_not_a_hang(tmp_path):
    shutil.copy(DEMO / "obama3.jpg", tmp_path / "a.jpg")
    os.mkfifo(tmp_path / "ref.json")
    os.mkfifo(tmp_path / "model.task")
    for args in (["--reference", str(tmp_path / "ref.json")], ["--face-model", str(tmp_path / "model.task")]):
        result = _cli("check", str(tmp_path / "a.jpg"), "--no-cache", *args, timeout=30)
        assert result.returncode == 2 and "FIFO" in result.stderr and "Traceback" not in result.stderr, args


def test_the_detector_frame_halves_exactly_and_never_to_nothing():
    """The shared frame is the analysis image halved by exact 2x2 averages while its long side stays at least
    960 px; a strip one pixel across is never halved to an empty image."""
    import numpy as np

    from photocheck.measure.analyzers.frames import make_frame

    frame = make_frame(np.zeros((1512, 2016, 3), np.uint8), 1280)
    assert frame.image.shape == (756, 1008, 3) and frame.factor == 0.5
    odd = make_frame(np.full((1511, 2015, 3), 7, np.uint8), 1280)
    assert odd.image.shape == (755, 1007, 3) and int(odd.image.max()) == 7
    assert make_frame(np.zeros((1200, 1200, 3), np.uint8), 1280).factor == 1.0
    strip = make_frame(np.zeros((1, 65500, 3), np.uint8), 1280)
    assert strip.image.shape == (1, 65500, 3)


def test_a_jpeg_simplejpeg_declines_is_decoded_by_pillow_to_the_same_photo(monkeypatch):
    """Pillow is the fallback for every JPEG the strict libjpeg-turbo path leaves (CMYK, no end marker): on a
    plain JPEG it gives the same result."""
    import photocheck.measure.imageio as imageio

    data = (DEMO / "obama.jpg").read_bytes()
    fast = imageio.decode_bytes(data, "obama.jpg")
    monkeypatch.setattr(imageio, "_decode_jpeg_pixels", lambda *a, **k: None)
    slow = imageio.decode_bytes(data, "obama.jpg")
    assert fast.scale == slow.scale and np.array_equal(fast.rgb, slow.rgb)


def test_the_strict_jpeg_decode_gives_pillows_pixels_and_leaves_broken_files_to_pillow():
    """Complete JPEGs are decoded by libjpeg-turbo (simplejpeg, strict) straight into RGB: on every corpus JPEG,
    at full scale and reduced by 2, 4 and 8 in the DCT, the pixels equal Pillow's. A truncated JPEG (no
    end-of-image marker) goes to Pillow, whose error names the problem."""
    from photocheck.measure.imageio import _decode_jpeg_pixels, decode_bytes

    rows = [r for r in corpus_labels() if r["path"].lower().endswith((".jpg", ".jpeg"))]
    compared = 0
    for row in rows:
        data = corpus_photo(row["path"]).read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            if im.format != "JPEG" or im.mode not in ("RGB", "L") or not data.endswith(b"\xff\xd9"):
                continue
            for k in (1, 2, 4, 8):
                fresh = Image.open(io.BytesIO(data))
                if k > 1:  # asking for the floor of w / k makes Pillow take scale 1/k for odd sizes too
                    fresh.draft("RGB", (fresh.width // k, fresh.height // k))
                expected = np.asarray(fresh.convert("RGB"))
                assert expected.shape[:2] == (-(-im.height // k), -(-im.width // k))
                got = _decode_jpeg_pixels(data, im, k)
                assert got is not None and np.array_equal(got, expected), (row["path"], k)
        compared += 1
    assert compared >= 90  # the corpus holds ~100 complete JPEGs

    whole = corpus_photo(rows[0]["path"]).read_bytes()
    cut = whole[: len(whole) * 2 // 3]
    with Image.open(io.BytesIO(cut)) as im:
        assert _decode_jpeg_pixels(cut, im, 1) is None
    try:
        decode_bytes(cut, "cut.jpg")
    except Exception as e:  # noqa: BLE001 - an ImageLoadError naming the file and the truncation
        assert "cut.jpg" in str(e) and "truncated" in str(e).lower(), e
    else:
        raise AssertionError("a truncated JPEG decoded without complaint")
