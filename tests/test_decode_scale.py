"""Photos of 3600 px and more are analysed reduced by 2, 4 or 8 (JPEGs in the DCT), their long side kept at 1800 px or
more. Photos that decode whole (HEIC, PNG, WebP) are reduced like a drafted JPEG. An even-sized RGB
decode is halved by Pillow's 2x2 box reduce before it becomes an array (no copy of the whole decode); that must be
the very pixels the area resize of the whole decode gives, which every threshold was calibrated on."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from photocheck.measure import imageio
from photocheck.measure.imageio import decode_bytes
from photocheck.measure.options import LoadLimits
from tests.conftest import corpus_labels, corpus_photo


def _photo_like(width: int, height: int) -> Image.Image:
    """Smooth colour (a photo's low frequencies) with pixel noise (its fine detail)."""
    rng = np.random.default_rng(width * 7 + height)
    coarse = Image.fromarray(rng.integers(0, 256, (height // 16, width // 16, 3), dtype=np.uint8))
    smooth = np.asarray(coarse.resize((width, height), Image.BILINEAR)).astype(np.int16)
    return Image.fromarray(np.clip(smooth + rng.integers(-4, 5, smooth.shape), 0, 255).astype(np.uint8))


def _encoded(im: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "HEIF":
        pytest.importorskip("pillow_heif").register_heif_opener()
        im.save(buf, "HEIF", quality=90)
    else:
        im.save(buf, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    return buf.getvalue()


# a phone HEIC's sides are even; HEVC encoding is slow (5 s here), so it is encoded once, at a panorama's size
CASES = [("PNG", (3600, 2400)), ("PNG", (2401, 3601)), ("WEBP", (3600, 2400)), ("WEBP", (3601, 2401)),
         ("HEIF", (3600, 1200))]  # fmt: skip


@pytest.mark.parametrize("fmt,size", CASES, ids=[f"{f}-{w}x{h}" for f, (w, h) in CASES])
def test_a_whole_decode_is_halved_to_the_area_resize_pixels(fmt, size, monkeypatch):
    data = _encoded(_photo_like(*size), fmt)
    limits = LoadLimits()
    if size[0] % 2 == 0 and size[1] % 2 == 0:  # the box reduce, never the whole decode as an array
        monkeypatch.setattr(imageio, "_to_rgb", lambda im: pytest.fail("the whole decode was copied into numpy"))
    img = decode_bytes(data, f"photo.{fmt.lower()}", limits, digest="0" * 64)
    whole = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    w, h = size
    assert max(w, h) // 2 >= limits.draft_min_long_side  # both sizes take the half-scale path
    expected = cv2.resize(whole, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)
    assert img.rgb.shape == expected.shape
    assert np.array_equal(img.rgb, expected)  # even sides by the box reduce, odd ones by the resize itself
    assert img.scale == pytest.approx(expected.shape[1] / w)


REDUCTIONS = [
    ((3599, 2400), 1), ((3600, 2400), 2), ((7199, 5400), 2), ((7200, 5400), 4), ((8000, 6000), 4), ((8064, 4536), 4),
    ((14400, 10800), 8), ((16000, 8000), 8), ((7200, 3999), 2), ((20000, 2000), 2), ((14400, 7999), 4),
]  # fmt: skip


@pytest.mark.parametrize("size,reduction", REDUCTIONS, ids=[f"{w}x{h}" for (w, h), _ in REDUCTIONS])
def test_the_reduction_keeps_the_long_side_at_the_analysis_minimum(size, reduction):
    """Half while the long side stays >= 1800 px (as always); a quarter and an eighth only while the short side
    also stays >= 1000 px (a 48 MP photo, 4:3 or 16:9, goes to a quarter; a panorama stays at half)."""
    limits = LoadLimits()
    assert imageio.analysis_reduction(*size, limits) == reduction
    assert imageio.analysis_reduction(size[1], size[0], limits) == reduction  # portrait alike
    if reduction > 1:
        assert max(size) // reduction >= limits.draft_min_long_side
    if reduction > 2:
        assert min(size) // reduction >= limits.reduce_min_short_side


def test_a_48_mp_class_jpeg_is_decoded_at_a_quarter_in_the_dct():
    # 7200 x 4000 (29 MP) stands in for a 48 MP photo (8000 x 6000): the same reduction, less to encode
    im = _photo_like(7200, 4000)
    data = _encoded(im, "JPEG")
    img = decode_bytes(data, "wide.jpg", LoadLimits(), digest="0" * 64)
    assert img.rgb.shape == (1000, 1800, 3) and img.scale == pytest.approx(0.25)
    assert (img.width, img.height) == (7200, 4000)  # the photo's own size for the resolution rules
    drafted = Image.open(io.BytesIO(data))
    drafted.draft("RGB", (1800, 1000))
    assert np.array_equal(img.rgb, np.asarray(drafted.convert("RGB")))  # OpenCV's decode is Pillow's


def test_a_whole_decode_is_reduced_by_four_to_within_a_level_of_the_area_resize():
    data = _encoded(_photo_like(7200, 4000), "TIFF")  # uncompressed: 29 MP encoded at once, decoded whole
    img = decode_bytes(data, "wide.tif", LoadLimits(), digest="0" * 64)
    whole = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    expected = cv2.resize(whole, (1800, 1000), interpolation=cv2.INTER_AREA)
    assert img.rgb.shape == expected.shape and img.scale == pytest.approx(0.25)
    assert np.abs(img.rgb.astype(int) - expected).max() <= 1


def test_the_same_scene_at_12_and_48_mp_is_measured_alike(checker):
    """A 48 MP photo is analysed at a quarter, a 12 MP one at half: the same 2000 px of pixels either way, so the
    same face measures (corpus photos enlarged to both sizes; at half, the 48 MP analysis had 12 MP of pixels)."""
    rows = corpus_labels()
    rows = [r for r in rows if r["faces_in_image"] == "1" and r["yaw_bucket"].startswith(("frontal", "slight"))]
    for row in rows[:: max(1, len(rows) // 3)][:3]:
        source = Image.open(corpus_photo(row["path"])).convert("RGB")
        measured = {}
        for long_side in (4000, 8000):
            short_side = long_side * 3 // 4
            size = (long_side, short_side) if source.width >= source.height else (short_side, long_side)
            buf = io.BytesIO()
            source.resize(size, Image.LANCZOS).save(buf, "JPEG", quality=92)
            measured[long_side] = checker.measurer.facts(buf.getvalue(), name=f"{long_side}.jpg")
        twelve, forty_eight = measured[4000], measured[8000]
        assert (twelve.basic.analysis_scale, forty_eight.basic.analysis_scale) == (0.5, 0.25)
        assert len(twelve.faces) == len(forty_eight.faces) == 1, row["path"]
        a, b = twelve.faces[0], forty_eight.faces[0]
        assert np.allclose(np.array(b.box) / 2, a.box, rtol=0.02, atol=4), row["path"]  # full-resolution pixels
        assert abs(a.yaw - b.yaw) < 1.0 and abs(a.pitch - b.pitch) < 2.0, row["path"]
        assert b.sharpness == pytest.approx(a.sharpness, rel=0.03), row["path"]
        assert abs(a.noise - b.noise) < 0.15, row["path"]
        assert forty_eight.basic.effective_detail == pytest.approx(twelve.basic.effective_detail, abs=0.02)
