"""Hostile and broken inputs, fuzzing, and the guarantees: never crash, never alter or leave files, stop on
Ctrl-C cleanly, share a cache safely, and never let one photo stall a run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import photocheck.measure.measurer
from photocheck import Checker, ConfigError, ImageFacts, load_pack
from photocheck.cli import main
from photocheck.measure.cache import FORMAT as CACHE_FORMAT
from photocheck.errors import ImageLoadError
from photocheck.measure.imageio import LoadLimits, decode_bytes
from tests.badinputs import DECODABLE, EITHER, make_bad_inputs
from tests.conftest import DEMO, corpus_labels, corpus_photo

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _snapshot(folder: Path) -> dict[bytes, tuple[bytes, int] | None]:
    out: dict[bytes, tuple[bytes, int] | None] = {}
    for entry in os.scandir(os.fsencode(folder)):
        if entry.is_symlink() or not entry.is_file(follow_symlinks=False):  # links, folders, FIFOs: never read
            out[entry.name] = None
            continue
        st_ = entry.stat()
        try:
            with open(entry.path, "rb") as fh:
                out[entry.name] = (fh.read(), st_.st_mtime_ns)
        except PermissionError:
            out[entry.name] = (b"<unreadable>", st_.st_mtime_ns)
    return out


def test_every_bad_input_kind_is_reported_never_crashes_and_is_left_untouched(tmp_path):
    folder = tmp_path / "bad"
    kinds = make_bad_inputs(folder)
    before = _snapshot(folder)
    result = CliRunner().invoke(main, ["check", str(folder), "--format", "json", "--no-cache", "--jobs", "1"])
    assert result.exit_code == 1, result.output  # findings, not a crash (2) or a traceback
    assert "Traceback" not in result.output and "internal error" not in result.output
    report = json.loads(result.stdout)
    images = {Path(i["path"]).name: i for i in report["sets"][0]["images"]}
    rows = []
    for kind, names in kinds.items():
        decodable = kind in DECODABLE or (kind == "unreadable" and AS_ROOT)
        decoded = refused = 0
        for name in names:
            img = images[name]
            iq01 = [f for f in img["findings"] if f["code"] == "IQ01"]
            if iq01:
                assert len(iq01[0]["message"]) > 10 and not decodable, (kind, name, iq01)
                refused += 1
            else:
                # a valid file decodes; a damaged one may too (JPEG decoders ride over flipped bits)
                assert decodable or kind in EITHER, (kind, name, img["findings"])
                assert img["width"] and img["height"]
                decoded += 1
        rows.append((kind, len(names), decoded, refused))
    print("\nkind                  tried  crashes  decoded  IQ01 with a reason")
    for kind, tried, decoded, refused in rows:
        print(f"{kind:22}{tried:5d}{0:9d}{decoded:9d}{refused:8d}")
    assert _snapshot(folder) == before  # same bytes, same mtimes, no new file


def test_bad_inputs_shared_between_the_main_process_and_a_worker_give_the_same_report(tmp_path):
    """--jobs 2 on the 80-odd bad inputs: the main process takes them from the front, a worker from the back; each
    file's finding is the one a single process gives (nothing lost, no crash passed on to another file)."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: no worker process is spawned")
    folder = tmp_path / "bad"
    make_bad_inputs(folder)
    one = CliRunner().invoke(main, ["check", str(folder), "--format", "json", "--no-cache", "--jobs", "1"])
    two = CliRunner().invoke(main, ["check", str(folder), "--format", "json", "--no-cache", "--jobs", "2"])
    assert one.exit_code == two.exit_code == 1, two.output
    assert len(json.loads(two.stdout)["sets"][0]["images"]) >= 80
    assert two.stdout == one.stdout


def test_bomb_is_refused_from_the_header_without_decoding(tmp_path):
    from tests.badinputs import png_bomb

    t0 = time.perf_counter()
    with pytest.raises(ImageLoadError, match="decompression bomb"):
        decode_bytes(png_bomb(), "bomb.png", LoadLimits())
    assert time.perf_counter() - t0 < 1.0


# --------------------------------------------------------------------------------------------- fuzzing

_SEED_PHOTO = (DEMO / "obama2.jpg").read_bytes()


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]], insert_at: int, junk: bytes) -> bytes:
    out = bytearray(data[: max(1, cut)])
    for pos, bit in flips:
        out[pos % len(out)] ^= 1 << bit
    i = insert_at % (len(out) + 1)
    return bytes(out[:i]) + junk + bytes(out[i:])


_mutations = st.tuples(
    st.integers(1, len(_SEED_PHOTO)),
    st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 7)), max_size=16),
    st.integers(0, 10**7),
    st.binary(max_size=64),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations)
def test_fuzz_loader_raises_only_its_documented_error(mutation):
    data = _mutate(_SEED_PHOTO, *mutation)
    try:
        img = decode_bytes(data, "fuzz.jpg", LoadLimits())
    except ImageLoadError as e:
        assert e.path == "fuzz.jpg" and e.reason
        return
    assert img.rgb.ndim == 3 and img.rgb.shape[2] == 3 and img.rgb.dtype.name == "uint8"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(_mutations)
def test_fuzz_analyzers_end_in_facts(checker, mutation):
    """Mutated real photos through loader and every analyzer: always facts, at worst an IQ01 reason."""
    facts = checker.facts(_mutate(_SEED_PHOTO, *mutation), name="fuzz.jpg")
    assert isinstance(facts, ImageFacts)
    assert (facts.error is not None) or (facts.basic is not None and facts.faces is not None)


# -------------------------------------------------------------------------------------- the guarantees


def _photo_folder(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    rows = [r for r in corpus_labels() if r["faces_in_image"] == "1"][:n]
    for r in rows:
        src = corpus_photo(r["path"])
        shutil.copy(src, folder / f"{r['identity']}-{src.name}")
    return folder


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "photocheck", *args]


def test_ctrl_c_stops_promptly_with_exit_130_and_no_half_written_cache(tmp_path):
    folder = _photo_folder(tmp_path, 40)
    cache = tmp_path / "cache"
    # Ctrl-C reaches a process whose SIGINT is the default one, as in a terminal: a runner started in the
    # background (`cmd &` in a script) ignores SIGINT, and its children would inherit that and never stop
    proc = subprocess.Popen(_cli("check", str(folder), "--cache-dir", str(cache), "--jobs", "1"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(cache.rglob("*.json"))) < 3:
        time.sleep(0.05)
    assert len(list(cache.rglob("*.json"))) >= 3, "the run never got going"
    proc.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err.decode()
    assert time.monotonic() - t0 < 5
    assert b"interrupted" in err and b"Traceback" not in err
    assert not [p for p in cache.rglob("*") if p.name.startswith(".tmp-")]
    for entry in cache.rglob("*.json"):
        assert json.loads(entry.read_text())["format"] == CACHE_FORMAT


def test_two_concurrent_runs_on_one_cache_give_correct_reports(tmp_path):
    folder = _photo_folder(tmp_path, 8)
    cache = tmp_path / "cache"
    args = ("check", str(folder), "--format", "json", "--jobs", "1")
    reference = subprocess.run(_cli(*args, "--no-cache"), capture_output=True).stdout
    runs = [subprocess.Popen(_cli(*args, "--cache-dir", str(cache)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)]  # fmt: skip
    outputs = [r.communicate(timeout=120)[0] for r in runs]
    assert outputs == [reference, reference]
    again = subprocess.run(_cli(*args, "--cache-dir", str(cache)), capture_output=True).stdout
    assert again == reference


def test_one_slow_photo_is_stopped_and_reported(monkeypatch):
    pack = load_pack("default", {"limits": {"max-seconds-per-photo": 0.3}}, "<test>")

    def stuck(*a, **k):
        time.sleep(30)

    with Checker(pack, select=["IQ"]) as checker:
        monkeypatch.setattr(photocheck.measure.measurer, "analyze", stuck)
        t0 = time.perf_counter()
        facts = checker.facts(str(DEMO / "obama3.jpg"))
    assert time.perf_counter() - t0 < 3
    assert facts.error == "analysis took longer than 0.3 s and was stopped"


def test_too_many_photos_in_a_set_is_refused_before_reading(tmp_path):
    for i in range(3):
        shutil.copy(DEMO / "obama3.jpg", tmp_path / f"p{i}.jpg")
    pack = load_pack("default", {"limits": {"max-photos-per-set": 2}}, "<test>")
    with Checker(pack, select=["IQ"]) as checker, pytest.raises(ConfigError, match="3 photos is over the limit of 2"):
        checker.check([str(tmp_path)])


def test_library_errors_are_typed_and_name_the_file(tmp_path):
    with pytest.raises(ImageLoadError) as e:
        decode_bytes(b"GIF89a\x00", "upload-17.gif", LoadLimits())
    assert e.value.path == "upload-17.gif" and "upload-17.gif" in str(e.value)
    bad = tmp_path / "pack.toml"
    bad.write_text("[limits]\nmax-pixels = -1.5\n")
    with pytest.raises(ConfigError, match="pack.toml"):
        load_pack(str(bad))
