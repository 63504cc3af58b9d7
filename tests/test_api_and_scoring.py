"""The library surface: pinned __all__, every input kind, model errors, and golden score numbers."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
from PIL import Image

import photocheck
from photocheck import Checker, ModelError, load_pack
from photocheck.judge import scoring
from photocheck.measure.analyzers import faces as faces_mod
from photocheck.model import Finding, Severity
from tests.conftest import DEMO


def test_public_api_is_pinned():
    assert sorted(photocheck.__all__) == sorted([
        "Checker", "CheckerClosedError", "ConfigError", "FaceFacts", "FaceResult", "Finding", "IdentityMatch", "ImageFacts",
        "ImageLoadError", "ImageResult", "ModelError", "Pack", "PhotoSource", "PhotocheckError", "Reference",
        "Report", "SetResult",
        "Severity", "__version__", "check", "load_pack", "report_dict",
        # the judge's front door and the facts file: model-free
        "Coverage", "CoverageCounts", "ExitCode", "MIXED_PACKS", "RecordedSet", "judge_facts", "judge_report",
        "read_facts_file", "write_facts_file",
    ])  # fmt: skip


def test_check_image_accepts_path_bytes_pil_and_array(checker):
    path = DEMO / "obama3.jpg"
    pil = Image.open(path)
    results = [
        checker.check_image(str(path)),
        checker.check_image(path.read_bytes(), name="upload.jpg"),
        checker.check_image(pil, name="pil.jpg"),
        checker.check_image(np.asarray(pil.convert("RGB")), name="array"),
    ]
    for r in results:
        assert r.width == 1434 and r.height == 2333
        assert len(r.faces) == 1 and r.faces[0].is_subject and r.faces[0].pose == "frontal"
    assert results[1].path == "upload.jpg"
    assert checker.check_image(b"garbage", name="x.jpg").findings[0].code == "IQ01"


def test_check_returns_a_report_without_printing(capsys):
    report = photocheck.check([str(DEMO)], select=["IQ02"])
    assert capsys.readouterr() == ("", "")
    assert report.verdict in ("ready", "needs-work", "not-ready") and len(report.sets[0].images) == 7


def test_bundled_model_hash_is_verified(tmp_path, monkeypatch):
    fake = tmp_path / "face_landmarker.task"
    shutil.copy(faces_mod.BUNDLED_MODEL, fake)
    with fake.open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02")
    monkeypatch.setattr(faces_mod, "BUNDLED_MODEL", fake.resolve())
    with pytest.raises(ModelError, match="damaged"):
        Checker()


def test_face_model_env_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("PHOTOCHECK_FACE_MODEL", str(tmp_path / "absent.task"))
    with pytest.raises(ModelError, match="absent.task"):
        Checker()
    assert not Checker(select=["IQ02", "IQ04"]).measurer.measures_faces  # no face rule selected: no model loaded


def _f(sev: Severity, code: str = "XX01") -> Finding:
    return Finding(code, "x", sev, "m")


def test_score_formula_golden_numbers():
    opts = load_pack().scoring
    assert scoring.photo_score([], opts) == 100.0
    assert scoring.photo_score([_f(Severity.ERROR), _f(Severity.WARNING)], opts) == 50.0
    assert scoring.photo_score([_f(Severity.ERROR)] * 3, opts) == 0.0
    assert scoring.photo_score([_f(Severity.WARNING, "IQ01")], opts) == 0.0
    assert scoring.set_score([100.0, 60.0, 50.0], [], opts) == 70.0
    assert scoring.set_score([100.0], [_f(Severity.WARNING)], opts) == 92.0
    # quality and coverage: 0.7 x mean photo score + 0.3 x 100 x coverage share - other set penalties
    assert scoring.coverage_share([1.0, 0.0, 1.0, 0.0]) == 0.5 and scoring.coverage_share([]) is None
    assert scoring.set_score([100.0, 80.0], [], opts, coverage=0.5) == pytest.approx(78.0)
    assert scoring.set_score([100.0, 80.0], [_f(Severity.WARNING)], opts, coverage=0.5) == pytest.approx(70.0)
    assert scoring.set_score([100.0, 0.0], [_f(Severity.ERROR)], opts, coverage=1.0) == pytest.approx(40.0)
    assert scoring.verdict(90.0, False, False, opts) == "ready"
    assert scoring.verdict(90.0, True, False, opts) == "needs-work"
    assert scoring.verdict(49.9, False, False, opts) == "not-ready"
    assert scoring.verdict(95.0, False, True, opts) == "not-ready"
    strict = dataclasses.replace(opts, ready_min_score=95.0)
    assert scoring.verdict(90.0, False, False, strict) == "needs-work"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_like_pillow(orientation):
    """The loader turns pixels with numpy views; it must agree with Pillow's exif_transpose for every tag."""
    import io

    from PIL import ImageOps

    from photocheck.measure.imageio import decode_bytes

    rgb = np.zeros((60, 90, 3), np.uint8)
    rgb[:20, :30] = (255, 0, 0)  # a red corner shows every flip and turn
    rgb[40:, 60:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG", exif=exif)
    loaded = decode_bytes(buf.getvalue(), "o.png")
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(buf.getvalue()))).convert("RGB"))
    assert np.array_equal(loaded.rgb, expected) and (loaded.width, loaded.height) == expected.shape[1::-1]
