"""Photos that decode whole (HEIC, PNG, WebP) are analysed at half scale like a drafted JPEG. An even-sized RGB
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
