"""A generator of hostile and broken photo files, made at test time from the demo's real photos.

`make_bad_inputs(folder)` writes every kind into `folder` and returns {kind: [file names]}; nothing binary is
committed. Kinds whose files are valid but unusual (CMYK, 16-bit, animated, odd EXIF/ICC) must be decoded;
the others must become IQ01 with a reason. Either way: no crash, no traceback, the run goes on.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

DEMO = Path(__file__).resolve().parent.parent / "photocheck" / "demo"

# kinds that are valid files and must decode (possibly with a note); all others must be IQ01
DECODABLE = {"cmyk-jpeg", "ycck-jpeg", "16-bit-png", "palette-alpha-png", "animated-gif", "animated-webp",
             "garbage-exif", "bad-orientation", "absurd-icc", "long-name", "non-utf8-name",
             # round 2: images too thin for the face models (low resolution, not unreadable), tiny valid images,
             # AVIF, a TIFF of 50,000 pages (first page only), a turned TIFF, names with terminal escapes
             "thin-image", "tiny-valid", "avif", "many-page-tiff", "rotated-tiff", "control-char-name"}  # fmt: skip


# damaged files that decoders may still read (with damaged pixels): either outcome is a clear one
EITHER = {"bit-flips"}


def _save(im: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(w: int = 60000, h: int = 60000) -> bytes:
    """A PNG header claiming w x h pixels, with almost no data behind it."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def jpeg_bomb(small_jpeg: bytes, w: int = 60000, h: int = 60000) -> bytes:
    """A real JPEG whose frame header (SOF0) is patched to claim w x h pixels."""
    data = bytearray(small_jpeg)
    i = data.find(b"\xff\xc0")
    data[i + 5 : i + 9] = struct.pack(">HH", h, w)
    return bytes(data)


def _ycck(cmyk_jpeg: bytes) -> bytes:
    """A CMYK JPEG whose Adobe marker says the data is YCCK (transform 2): decoders must convert it."""
    data = bytearray(cmyk_jpeg)
    i = data.find(b"Adobe")
    if i >= 0:
        data[i + 11] = 2
    return bytes(data)


def _flipped(data: bytes, seed: int, flips: int = 8) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        pos = rng.randrange(len(out))
        out[pos] ^= 1 << rng.randrange(8)
    return bytes(out)


def tiff_pages(n: int, first: tuple[int, int] = (1, 1)) -> bytes:
    """An uncompressed greyscale TIFF of `n` pages (the first `first` = (w, h) pixels, the rest 1x1), written
    directly: Pillow takes seconds per thousand pages, and a reader must never walk them all."""
    entries = 8
    ifd_size = 2 + entries * 12 + 4
    pixels_at = 8 + n * ifd_size
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for i in range(n):
        w, h = first if i == 0 else (1, 1)
        nxt = 8 + (i + 1) * ifd_size if i + 1 < n else 0
        tags = [(256, 4, w), (257, 4, h), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, pixels_at),
                (278, 4, h), (279, 4, w * h)]  # fmt: skip
        out += struct.pack("<H", entries)
        for tag, kind, value in tags:
            out += struct.pack("<HHII", tag, kind, 1, value) if kind == 4 else struct.pack("<HHIHH", tag, kind, 1, value, 0)
        out += struct.pack("<I", nxt)
    out += bytes(range(256)) * (first[0] * first[1] // 256 + 1)
    return bytes(out)


def png_chunk_bomb(png: bytes, chunks: int = 300_000) -> bytes:
    """A valid PNG with `chunks` tiny text chunks before its pixels (Pillow walks chunks one by one in Python)."""
    return png[:33] + _chunk(b"tEXt", b"k\x00v") * chunks + png[33:]


def _sof_patched(jpeg: bytes, precision: int | None = None, size: tuple[int, int] | None = None) -> bytes:
    data = bytearray(jpeg)
    i = data.find(b"\xff\xc0")
    if precision is not None:
        data[i + 4] = precision
    if size is not None:
        data[i + 5 : i + 9] = struct.pack(">HH", size[1], size[0])
    return bytes(data)


def make_bad_inputs(folder: Path) -> dict[str, list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    jpeg = (DEMO / "obama3.jpg").read_bytes()
    rgb = Image.open(DEMO / "obama.jpg").convert("RGB")
    small = rgb.resize((rgb.width // 4, rgb.height // 4))
    png = _save(small, "PNG")
    webp = _save(small, "WEBP", quality=80)
    # without the source's metadata: pillow-heif 1.9 writes the XMP (10 of its 22 KB) after the pixels, and a
    # file cut there still holds the whole image (decoded identical to the uncut file), which is then rightly measured
    bare = small.copy()
    bare.info = {}
    heic = _save(bare, "HEIF", quality=80)
    kinds: dict[str, dict[str, bytes]] = {}

    def truncations(name: str, data: bytes, ext: str) -> dict[str, bytes]:
        # the header alone, into the middle, and just short of the end
        cuts = sorted({8, 20, 100, len(data) // 10, len(data) // 3, len(data) // 2, len(data) * 9 // 10})
        return {f"{name}-{c}.{ext}": data[:c] for c in cuts if 0 < c < len(data)}

    kinds["truncated-jpeg"] = truncations("trunc", jpeg, "jpg")
    kinds["truncated-png"] = truncations("trunc", png, "png")
    kinds["truncated-webp"] = truncations("trunc", webp, "webp")
    kinds["truncated-heic"] = truncations("trunc", heic, "heic")
    kinds["bit-flips"] = {f"flipped-{s}.jpg": _flipped(jpeg, s) for s in range(12)}
    kinds["zero-bytes"] = {"empty.jpg": b"", "empty.heic": b""}
    kinds["text-as-jpg"] = {"notes.jpg": b"just some notes, not a photo\n" * 20}
    kinds["html-as-jpg"] = {"page.jpg": b"<!DOCTYPE html><html><head><title>x</title></head><body>404</body></html>"}
    kinds["bomb-header"] = {"bomb.png": png_bomb(), "bomb.jpg": jpeg_bomb(_save(small, "JPEG"))}
    cmyk = _save(small.convert("CMYK"), "JPEG", quality=90)
    kinds["cmyk-jpeg"] = {"cmyk.jpg": cmyk}
    kinds["ycck-jpeg"] = {"ycck.jpg": _ycck(cmyk)}
    gray16 = np.asarray(small.convert("L")).astype(np.uint16) * 257
    kinds["16-bit-png"] = {"sixteen.png": _save(Image.fromarray(gray16), "PNG")}
    kinds["palette-alpha-png"] = {"palette.png": _save(small.convert("RGBA").convert("P"), "PNG", transparency=0)}
    frames = [small.rotate(a) for a in (0, 5, 10)]
    kinds["animated-gif"] = {
        "anim.gif": _save(
            frames[0].convert("P"), "GIF", save_all=True, append_images=[f.convert("P") for f in frames[1:]]
        )
    }
    kinds["animated-webp"] = {"anim.webp": _save(frames[0], "WEBP", save_all=True, append_images=frames[1:])}
    garbage = Image.Exif()
    garbage[0x010F] = "\x00\xff" * 50  # maker: binary junk
    garbage[0x829A] = (1, 0)  # exposure time with a zero denominator
    kinds["garbage-exif"] = {"exif-junk.jpg": _save(small, "JPEG", exif=garbage.tobytes())}
    kinds["bad-orientation"] = {}
    for value in (0, 9, 255, 65535):
        tag = Image.Exif()
        tag[0x0112] = value
        kinds["bad-orientation"][f"orientation-{value}.jpg"] = _save(small, "JPEG", exif=tag.tobytes())
    rnd = np.random.default_rng(7).integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    kinds["absurd-icc"] = {
        "icc-junk.jpg": _save(small, "JPEG", icc_profile=rnd),
        "icc-junk.png": _save(small, "PNG", icc_profile=rnd[:5000]),
    }
    kinds["long-name"] = {("long-" + "x" * 230 + ".jpg"): _save(small, "JPEG")}
    # round 2 (issue 13)
    kinds["thin-image"] = {f"a-thin-{w}x{h}.png": _save(Image.new("RGB", (w, h), (120, 100, 90)), "PNG")
                           for w, h in ((1, 10), (10, 1), (2, 1), (1, 2))}  # fmt: skip
    kinds["tiny-valid"] = {
        "a-one-pixel.png": _save(Image.new("RGB", (1, 1), (120, 100, 90)), "PNG"),
        "a-one-by-65500.png": _save(Image.new("L", (1, 65500), 90), "PNG"),
        "a-first-page-1x1.tif": tiff_pages(3),
    }
    kinds["avif"] = {"photo.avif": _save(small, "AVIF", quality=80)}
    kinds["many-page-tiff"] = {"pages.tif": tiff_pages(50_000)}
    kinds["rotated-tiff"] = {"turned.tif": _save(small.rotate(90, expand=True), "TIFF", tiffinfo={274: 6})}
    kinds["control-char-name"] = {
        "\x1b]52;c;aGk=\x07clip.jpg": _save(small, "JPEG"),
        "\x1b[2J\x1b[Hclear.jpg": _save(small, "JPEG"),
        "over\rREADY score 100.jpg": _save(small, "JPEG"),
        "\u202egpj.exe.jpg": _save(small, "JPEG"),
    }
    kinds["eps-as-jpg"] = {"holiday.jpg": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n0 0 moveto showpage\n"}
    kinds["icon-files"] = {"favicon.ico": _save(small, "ICO"), "app.icns": b"icns" + struct.pack(">I", 8)}
    kinds["jpeg-xl"] = {"photo.jxl": b"\xff\x0a" + bytes(200)}
    kinds["png-chunk-bomb"] = {"chunks.png": png_chunk_bomb(png)}
    kinds["12-bit-jpeg"] = {"twelve.jpg": _sof_patched(_save(small, "JPEG"), precision=12)}
    kinds["zero-size-header"] = {"zero.jpg": _sof_patched(_save(small, "JPEG"), size=(0, 0))}

    written: dict[str, list[str]] = {}
    for kind, files in kinds.items():
        for name, data in files.items():
            (folder / name).write_bytes(data)
        written[kind] = sorted(files)
    # names and entries that are not plain files
    raw = os.fsencode(folder) + b"/caf\xe9-latin1.jpg"  # not UTF-8
    with open(raw, "wb") as fh:
        fh.write(_save(small, "JPEG"))
    written["non-utf8-name"] = [os.fsdecode(b"caf\xe9-latin1.jpg")]
    (folder / "folder.jpg").mkdir()
    written["directory-as-jpg"] = ["folder.jpg"]
    os.symlink(folder / "loop-b.jpg", folder / "loop-a.jpg")
    os.symlink(folder / "loop-a.jpg", folder / "loop-b.jpg")
    written["symlink-loop"] = ["loop-a.jpg", "loop-b.jpg"]
    if hasattr(os, "mkfifo"):  # a FIFO named like a photo: reading it would block forever
        os.mkfifo(folder / "pipe.jpg")
        written["fifo-as-jpg"] = ["pipe.jpg"]
    unreadable = folder / "locked.jpg"
    unreadable.write_bytes(jpeg)
    unreadable.chmod(0)
    written["unreadable"] = ["locked.jpg"]
    return written
