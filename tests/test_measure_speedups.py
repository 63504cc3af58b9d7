"""Measures rewritten for speed give what their plain formulas give, on real corpus photos; the allocator setting
of photocheck's own processes takes effect where the C library is glibc."""

from __future__ import annotations

import io
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from photocheck.measure.analyzers.quality import blockiness
from photocheck.measure.imageio import load_path
from photocheck.measure.options import LoadLimits
from tests.conftest import corpus_labels, corpus_photo


def _blockiness_by_formula(gray: np.ndarray) -> float:
    """The definition: mean step across 8-px block borders over the mean step elsewhere, both ways."""
    g = gray.astype(np.float64)
    dx, dy = np.abs(np.diff(g, axis=1)), np.abs(np.diff(g, axis=0))
    on_x, on_y = (np.arange(dx.shape[1]) % 8) == 7, (np.arange(dy.shape[0]) % 8) == 7
    return float((dx[:, on_x].mean() / dx[:, ~on_x].mean() + dy[on_y].mean() / dy[~on_y].mean()) / 2)


def _corpus_grays(n: int) -> list[tuple[str, np.ndarray]]:
    rows = corpus_labels()  # skips with the reason when the corpus is absent
    picks = rows[:: max(1, len(rows) // n)][:n]
    out = []
    for row in picks:
        img = load_path(corpus_photo(row["path"]), LoadLimits())
        out.append((row["path"], cv2.cvtColor(img.rgb, cv2.COLOR_RGB2GRAY)))
    return out


def test_blockiness_is_its_formula_on_corpus_photos_and_their_heavily_compressed_copies():
    checked = 0
    for name, gray in _corpus_grays(12):
        buf = io.BytesIO()
        Image.fromarray(gray).save(buf, "JPEG", quality=8)  # blocks a viewer sees
        blocky = np.asarray(Image.open(io.BytesIO(buf.getvalue())))
        for image in (gray, blocky):
            if min(image.shape) < 64:
                assert blockiness(image) is None
                continue
            assert blockiness(image) == pytest.approx(_blockiness_by_formula(image), rel=1e-6), name
            checked += 1
        if min(gray.shape) >= 64:
            # the measure separates them: the re-saved copy's block borders step more than its other pixels
            assert blockiness(blocky) > blockiness(gray), name
    assert checked >= 20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's (Linux only)")
def test_photocheck_processes_keep_freed_buffers_where_libc_is_glibc():
    import ctypes

    try:
        ctypes.CDLL(None).gnu_get_libc_version  # noqa: B018 - the probe itself
    except AttributeError:
        pytest.skip("the C library is not glibc (musl?): mallopt's parameters may differ, nothing is set")
    # a fresh interpreter: the setting is process-wide and once only
    code = "from photocheck.measure.allocator import keep_freed_buffers as k; print(k(), k())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_every_cli_command_and_every_worker_keeps_freed_buffers(monkeypatch):
    from click.testing import CliRunner

    from photocheck import cli
    from photocheck.measure import allocator, workers

    calls = []
    monkeypatch.setattr(allocator, "keep_freed_buffers", lambda: calls.append(1) or True)
    assert CliRunner().invoke(cli.main, ["rules"]).exit_code == 0
    assert calls == [1]  # the group itself, before any command
    monkeypatch.setattr(workers, "_worker", None)
    from photocheck.measure.measurer import Measurer

    # a worker that measures no faces: no models
    workers._start_worker(Measurer, {"detector": None, "limits": LoadLimits(), "face_model": None, "faces": False,
                                     "identity": False})  # fmt: skip
    assert calls == [1, 1] and workers._worker is not None
