"""Every bad-input kind becomes IQ01 (or a clear usage error) naming the file; the run goes on."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zlib

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from photocheck.cli import main
from tests.conftest import DEMO


def _png_header_only(w: int, h: int) -> bytes:
    """A PNG whose header claims w x h: a decompression bomb that must be refused before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def _save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture()
def bad_folder(tmp_path):
    good = (DEMO / "obama3.jpg").read_bytes()
    rgb = Image.open(DEMO / "obama.jpg").convert("RGB")
    files = {
        "good.jpg": good,
        "corrupt.jpg": bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8)),
        "truncated.jpg": good[: len(good) // 3],
        "empty.jpg": b"",
        "page.jpg": b"<!DOCTYPE html><html><body>not a photo</body></html>",
        "bomb.png": _png_header_only(60000, 60000),
        "cmyk.jpg": _save(rgb.convert("CMYK"), "JPEG", quality=92),
        "sixteen.png": _save(Image.fromarray(np.asarray(rgb.convert("L")).astype(np.uint16) * 257), "PNG"),
        "animated.gif": _save(rgb.convert("P"), "GIF", save_all=True, append_images=[rgb.convert("P").rotate(5)]),
        "png-named.jpg": _save(rgb, "PNG"),
        "palette-alpha.png": _save(rgb.convert("RGBA").convert("P"), "PNG", transparency=0),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "folder.jpg").mkdir()
    os.symlink(tmp_path / "missing-target.jpg", tmp_path / "dangling.jpg")
    return tmp_path


def test_folder_of_bad_inputs_reports_each_and_keeps_the_good_one(bad_folder):
    result = CliRunner().invoke(main, ["check", str(bad_folder), "--format", "json"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    images = {os.path.basename(i["path"]): i for i in report["sets"][0]["images"]}
    iq01 = {n: [f["message"] for f in i["findings"] if f["code"] == "IQ01"] for n, i in images.items()}
    for name, needle in {
        "corrupt.jpg": "not a recognised image",
        "truncated.jpg": "truncated",
        "empty.jpg": "0 bytes",
        "page.jpg": "HTML",
        "bomb.png": "decompression bomb",
        "folder.jpg": "directory",
        "dangling.jpg": "not found",
    }.items():
        assert iq01[name] and needle.lower() in iq01[name][0].lower(), (name, iq01[name])
    # decodable oddities are converted and checked like any photo
    for name in ("good.jpg", "cmyk.jpg", "sixteen.png", "animated.gif", "png-named.jpg", "palette-alpha.png"):
        assert not iq01[name], (name, iq01[name])
        assert images[name]["faces"], f"{name}: face should be found after conversion"


def test_sixteen_bit_is_scaled_not_clipped(checker, bad_folder):
    facts = checker.facts(str(bad_folder / "sixteen.png"))
    assert facts.faces and 40 < facts.faces[0].luma_mean < 220


def test_animated_file_notes_the_first_frame(checker, bad_folder):
    facts = checker.facts(str(bad_folder / "animated.gif"))
    assert any("first frame" in n for n in facts.notes)


def test_unreadable_file(checker, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: file permissions do not stop reads")
    p = tmp_path / "locked.jpg"
    shutil.copy(DEMO / "obama.jpg", p)
    p.chmod(0)
    assert "permission denied" in checker.facts(str(p)).error


def test_photos_are_never_modified(bad_folder):
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in bad_folder.iterdir() if p.is_file()}
    listing = sorted(os.listdir(bad_folder))
    CliRunner().invoke(main, ["check", str(bad_folder)])
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in bad_folder.iterdir() if p.is_file()}
    assert before == after
    assert sorted(os.listdir(bad_folder)) == listing


def test_bad_pack_is_a_clear_usage_error(tmp_path):
    pack = tmp_path / "mine.toml"
    pack.write_text("[rules.IQ02]\nmin-short-sid = 800\n")
    result = CliRunner().invoke(main, ["check", str(DEMO), "--pack", str(pack)])
    assert result.exit_code == 2
    assert "mine.toml" in result.stderr and "min-short-sid" in result.stderr and "min-short-side" in result.stderr and "(line 2)" in result.stderr


def test_wrong_option_type_and_unknown_rule(tmp_path):
    pack = tmp_path / "typed.toml"
    pack.write_text('[rules.IQ02]\nmin-short-side = "big"\n')
    result = CliRunner().invoke(main, ["check", str(DEMO), "--pack", str(pack)])
    assert result.exit_code == 2 and "must be int" in result.stderr
    pack.write_text("[rules.low-resolutoin]\n")
    result = CliRunner().invoke(main, ["check", str(DEMO), "--pack", str(pack)])
    assert result.exit_code == 2 and "low-resolution" in result.stderr


def test_missing_path_and_bad_model(tmp_path):
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such file" in result.stderr
    model = tmp_path / "fake.task"
    model.write_bytes(b"not a model")
    result = CliRunner().invoke(main, ["check", str(DEMO), "--face-model", str(model)])
    assert result.exit_code == 2 and "fake.task" in result.stderr
    assert "Traceback" not in result.output
