"""Reading photos: header first (size, EXIF, JPEG tables), then pixels at the smallest scale a measurement allows.

Files are opened read-only and read once into memory; the bytes give both the content hash and the decode.
Every failure becomes an `ImageLoadError` whose reason a person can act on.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import simplejpeg
from PIL import Image, UnidentifiedImageError

# the photo formats' Pillow plugins (PHOTO_FORMATS below)
from PIL import BmpImagePlugin, GifImagePlugin, JpegImagePlugin, PngImagePlugin, TiffImagePlugin  # noqa: F401
from PIL import WebPImagePlugin  # noqa: F401

from ..errors import ImageLoadError
from ..safe_files import FileTooLarge, NotARegularFile, read_regular_file
from .timeouts import PhotoTimeout, time_limit
from .options import _EXTENSION_FORMATS, IMAGE_EXTENSIONS, LoadLimits, is_image_name  # noqa: F401 (re-exported)

try:  # HEIC/HEIF from phones
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE = True
except Exception:  # pragma: no cover - pillow-heif is a declared dependency
    HEIF_AVAILABLE = False

try:
    from PIL import AvifImagePlugin  # noqa: F401  (Pillow >= 11.2)
except ImportError:  # pragma: no cover - an older Pillow: AVIF through pillow-heif, if at all
    pass

# Pillow opens dozens of formats; photos come in these. Everything else (EPS, which Pillow hands to
# Ghostscript; ICO/ICNS, whose decoders allocate far beyond the file; PSD, PDF, ...) is "not a photo format"
_PHOTO_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "HEIF", "AVIF", "TIFF", "GIF", "BMP")
# imported by name above: Image.init() would import all ~45 Pillow plugins (25 ms of start-up), and
# Image.open(formats=PHOTO_FORMATS) never needs the others
PHOTO_FORMATS = tuple(f for f in _PHOTO_FORMATS if f in Image.OPEN)

# what a file that is not a photo format starts with, for the reason a person reads
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"%!PS", 0, "PostScript/EPS"),
    (b"\xc5\xd0\xd3\xc6", 0, "EPS (PostScript)"),
    (b"\x00\x00\x01\x00", 0, "an ICO icon"),
    (b"\x00\x00\x02\x00", 0, "a CUR cursor"),
    (b"icns", 0, "an ICNS icon"),
    (b"8BPS", 0, "a Photoshop document (PSD)"),
    (b"\xff\x0a", 0, "JPEG XL, which this installation cannot decode"),
    (b"JXL \r\n\x87\n", 4, "JPEG XL, which this installation cannot decode"),
    (b"\x00\x00\x00\x0cjP  ", 0, "JPEG 2000"),
    (b"\xff\x4f\xff\x51", 0, "JPEG 2000"),
)
# a PNG made of millions of tiny chunks decodes for minutes: more chunks than any real photo has is refused
MAX_PNG_CHUNKS = 200_000
MAX_PNG_ANCILLARY_CHUNKS = 10_000
# frames counted (a GIF or TIFF with 400,000 pages is not walked to the end: only the first one is checked)
MAX_COUNTED_FRAMES = 100


def _orient(a: np.ndarray, orientation: int) -> np.ndarray:
    """Pixels as the viewer shows them for an EXIF orientation. OpenCV's flips and rotations: a numpy view
    made contiguous costs ~11 ms on a 3 MP half-scale decode, cv2.rotate ~1.6 ms (most phone photos are
    stored turned, orientation 6 or 8)."""
    a = np.ascontiguousarray(a)
    if orientation == 2:
        return cv2.flip(a, 1)
    if orientation == 3:
        return cv2.rotate(a, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(a, 0)
    if orientation == 5:
        return cv2.transpose(a)
    if orientation == 6:
        return cv2.rotate(a, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.transpose(cv2.rotate(a, cv2.ROTATE_180))
    if orientation == 8:
        return cv2.rotate(a, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return a


@dataclass
class LoadedImage:
    """Pixels (RGB uint8, EXIF orientation applied, at `scale` of the file's resolution) and header facts."""

    name: str
    rgb: np.ndarray
    width: int  # full resolution, oriented
    height: int
    scale: float
    format: str
    mode: str
    orientation: int
    frames: int
    file_size: int
    extension_matches: bool
    content_hash: str
    quant_tables: dict[int, list[int]] | None = None
    exif: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_file(path: str | os.PathLike[str], limits: LoadLimits = LoadLimits()) -> bytes:
    """Read a photo's bytes read-only, with a clear reason for every way that can fail. Only regular files are
    read (a FIFO or device named .jpg would block or never end), checked on the open descriptor."""
    name = str(path)
    if "\x00" in name:
        raise ImageLoadError(name, "the path holds a NUL character: no file can have this name")
    try:
        data = read_regular_file(path, limits.max_file_bytes)
    except FileNotFoundError:
        raise ImageLoadError(name, "file not found") from None
    except NotARegularFile as e:
        if e.kind == "a directory":
            raise ImageLoadError(name, "is a directory, not an image file") from None
        raise ImageLoadError(name, f"not a regular file: {e.kind}") from None
    except FileTooLarge as e:
        raise ImageLoadError(
            name, f"file is {e.size / 2**20:.0f} MB, over the {e.limit / 2**20:.0f} MB limit"
        ) from None
    except PermissionError:
        raise ImageLoadError(name, "cannot be read: permission denied") from None
    except (OSError, ValueError) as e:
        raise ImageLoadError(name, f"cannot be read: {getattr(e, 'strerror', None) or e}") from None
    if not data:
        raise ImageLoadError(name, "empty file (0 bytes)")
    return data


def load_path(path: str | os.PathLike[str], limits: LoadLimits = LoadLimits()) -> LoadedImage:
    return decode_bytes(read_file(path, limits), str(path), limits)


def decode_bytes(
    data: bytes, name: str, limits: LoadLimits = LoadLimits(), *, digest: str | None = None
) -> LoadedImage:
    """Decode a photo from its bytes. Raises ImageLoadError with a reason; never anything else.
    `digest`: the bytes' SHA-256 when the caller has already computed it."""
    if not data:
        raise ImageLoadError(name, "empty file (0 bytes)")
    if len(data) > limits.max_file_bytes:
        raise ImageLoadError(name, f"data is {len(data) / 2**20:.0f} MB, over the limit")
    digest = digest or hashlib.sha256(data).hexdigest()
    try:
        # the decode is bounded like the analysis: a file built to decode for minutes is stopped and reported
        with warnings.catch_warnings(), time_limit(limits.max_seconds_per_photo):
            warnings.simplefilter("ignore")  # DecompressionBombWarning etc.: we apply our own limit
            return _decode(data, name, digest, limits)
    except ImageLoadError:
        raise
    except PhotoTimeout:
        raise ImageLoadError(
            name, f"decoding took longer than {limits.max_seconds_per_photo:g} s and was stopped"
        ) from None
    except Image.DecompressionBombError as e:
        raise ImageLoadError(name, f"refused as a decompression bomb: {e}") from None
    except UnidentifiedImageError:
        raise ImageLoadError(name, _unidentified_reason(data)) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError) as e:
        raise ImageLoadError(name, _describe_decode_error(e)) from None
    except MemoryError:
        raise ImageLoadError(name, "not enough memory to decode this image") from None
    except Exception as e:  # a decoder plugin bug must not take the run down
        raise ImageLoadError(name, f"could not be decoded ({type(e).__name__}: {e})") from None


def _jpeg_frame_reason(data: bytes) -> str | None:
    """What a JPEG's frame header says that Pillow will not decode (12/16-bit samples, 0 pixels), or None."""
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    for _ in range(1000):  # markers before the frame header; a real file has a handful
        if pos + 4 > len(data) or data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame
            if pos + 9 > len(data):
                return None
            bits = data[pos + 4]
            h = int.from_bytes(data[pos + 5 : pos + 7], "big")
            w = int.from_bytes(data[pos + 7 : pos + 9], "big")
            if bits != 8:
                return f"a {bits}-bit JPEG: only 8-bit JPEGs can be decoded (save it as an 8-bit JPEG or PNG)"
            if w == 0 or h == 0:
                return f"the JPEG header says the image is {w}x{h} pixels: no picture"
            return None
        pos += 2 + length
    return None


def _unidentified_reason(data: bytes) -> str:
    jpeg_reason = _jpeg_frame_reason(data)
    if jpeg_reason:
        return jpeg_reason
    for signature, offset, what in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return f"not a photo format: the file is {what}"
    if data[4:12] in (b"ftypavif", b"ftypavis") and "AVIF" not in PHOTO_FORMATS:
        return "AVIF support is not available in this installation"
    head = data[:64].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "not an image: the file is an HTML page"
    if head.startswith(b"%pdf"):
        return "not an image: the file is a PDF document"
    if data[:12].find(b"ftyp") == 4 and not HEIF_AVAILABLE:
        return "HEIC/HEIF support is not installed (pillow-heif)"
    if head.startswith((b"<svg", b"<?xml")):
        return "not a photo format: the file is SVG/XML (a drawing, not a photo)"
    try:
        data[:512].decode("utf-8")
        return "not an image: the file holds text"
    except UnicodeDecodeError:
        return (
            "not a recognised image format (photocheck reads " + ", ".join(sorted(set(PHOTO_FORMATS) - {"MPO"}))
            + "), or the file is damaged"
        )


def _describe_decode_error(e: BaseException) -> str:
    text = str(e)
    low = text.lower()
    if "truncated" in low:
        return f"file is truncated or incomplete ({text})"
    if "broken data stream" in low or "corrupt" in low:
        return f"image data is corrupt ({text})"
    return f"could not be decoded ({type(e).__name__}: {text})"


def _exif_values(im: Image.Image) -> tuple[int, dict[str, float], list[str]]:
    """Orientation and the exposure tags (as floats). Garbage tags are ignored with a note."""
    notes: list[str] = []
    values: dict[str, float] = {}
    try:
        exif = im.getexif()
    except Exception:
        return 1, values, ["EXIF block could not be parsed; ignored"]
    orientation = 1
    raw = exif.get(0x0112)
    if raw is not None:
        try:
            orientation = int(raw)
        except (TypeError, ValueError):
            orientation = 1
        if orientation not in range(1, 9):
            notes.append(f"EXIF orientation {raw!r} is not valid; treated as 1")
            orientation = 1
    try:
        ifd = exif.get_ifd(0x8769)
    except Exception:
        ifd = {}
    for tag, key in ((0x829A, "exposure_time"), (0x829D, "f_number"), (0x8827, "iso"), (0x9209, "flash")):
        v = ifd.get(tag)
        if isinstance(v, (tuple, list)):
            v = v[0] if v else None
        try:
            f = float(v) if v is not None else math.nan
        except (TypeError, ValueError, ZeroDivisionError):
            f = math.nan
        if math.isfinite(f) and f >= 0:
            values[key] = f
    return orientation, values, notes


def _to_rgb(im: Image.Image) -> np.ndarray:
    """RGB uint8 from any Pillow mode: 16-bit scaled (not clipped), alpha composited on white."""
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(im).astype(np.float32)
        if mode == "F":
            # a NaN or inf pixel (a float TIFF's missing sample) made the maximum NaN and the whole picture black:
            # scale by the finite pixels, and show the others as black
            finite = np.isfinite(arr)
            top = max(float(arr[finite].max(initial=1.0)), 1e-6) if finite.any() else 1.0
            arr = np.where(finite, arr, 0.0)
        else:
            top = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        gray = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in im.info)
    if has_alpha:
        rgba = np.asarray(im.convert("RGBA")).astype(np.float32)
        alpha = rgba[:, :, 3:4] / 255.0
        rgb = rgba[:, :, :3] * alpha + 255.0 * (1.0 - alpha)
        return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    if mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im)


def analysis_reduction(width: int, height: int, limits: LoadLimits) -> int:
    """By how much (1, 2, 4 or 8) a photo is reduced for analysis: by 2 when its long side is still at least
    `draft_min_long_side` after it, and by 4 or 8 as far as the long side stays that long and the short side at
    least `reduce_min_short_side`. So a photo of 3600 px and more is analysed with a long side of 1800-3599 px
    (panoramas aside), as 12 MP photos always were (at half scale); a 48 MP photo's analysis no longer gets
    12 MP of pixels (its one-core check 181 -> 127 ms, 0.74x Pillow's plain decode of it)."""
    long_side, short_side = max(width, height), min(width, height)
    if long_side // 2 < limits.draft_min_long_side:
        return 1
    k = 2
    while k < 8 and (
        long_side // (2 * k) >= limits.draft_min_long_side and short_side // (2 * k) >= limits.reduce_min_short_side
    ):
        k *= 2
    return k


def _box_reducible(im: Image.Image, w: int, h: int, k: int) -> bool:
    """A loaded image Pillow can reduce by exact k x k blocks before it becomes an array: plain RGB (other modes
    are converted first), sides divisible by k, at its header's size (not drafted, not turned by the loader)."""
    return im.mode == "RGB" and im.size == (w, h) and w % k == 0 and h % k == 0


# OpenCV's JPEG decode straight into RGB, upright as stored (photocheck applies the EXIF orientation itself).
# libjpeg's warnings that say nothing about the pixels: a metadata segment skipped, the image data intact (an
# unknown Adobe colour transform is not among them: it decides the colours, and a flipped byte makes one)
_HARMLESS_JPEG_WARNINGS = ("bad icc marker", "unknown jfif revision")
_PADDING = re.compile(r"(\d+) extraneous bytes before marker 0xd9")


def _jpeg_warning_is_harmless(message: str, data: bytes, limits: LoadLimits) -> bool:
    """A warning about metadata, or padding before the end marker: at most `max_jpeg_padding_bytes` bytes, all
    0x00 or all 0xFF. The count alone does not tell padding from damage (a bit-flipped corpus photo, decoded into
    noise, left 15 bytes), but what the bytes are does: an encoder pads with one fill byte, a decoder thrown off
    by damaged data leaves entropy-coded bytes behind."""
    low = message.lower()
    padding = _PADDING.search(low)
    if padding is not None:
        n = int(padding.group(1))
        tail = data[-2 - n : -2] if data.endswith(b"\xff\xd9") else b""
        fill = len(tail) == n and len(set(tail)) == 1 and tail[0] in (0x00, 0xFF)
        return 0 < n <= limits.max_jpeg_padding_bytes and fill
    return any(w in low for w in _HARMLESS_JPEG_WARNINGS)


def _corrupt_jpeg(name: str, message: str) -> ImageLoadError:
    """IQ01's reason for a JPEG whose image data libjpeg found damaged."""
    if "premature end of jpeg file" in message.lower():
        return ImageLoadError(name, f"file is truncated or incomplete: its JPEG data ends early ({message})")
    return ImageLoadError(name, f"the file is damaged: its JPEG image data is corrupt ({message})")


def _decode_jpeg_pixels(
    data: bytes, im: Image.Image, reduction: int, name: str = "<jpeg>", limits: LoadLimits = LoadLimits()
) -> np.ndarray | None:
    """The pixels of a complete colour or grey JPEG (reduced by 1, 2, 4 or 8 in the DCT), decoded by
    libjpeg-turbo through simplejpeg in strict mode; None to leave the file to Pillow. Raises ImageLoadError
    when libjpeg reports the image data corrupt.

    Why simplejpeg: libjpeg decodes damaged entropy data tolerantly and only *warns* ("Corrupt JPEG data:
    premature end of data segment", "bad Huffman code"); Pillow ignores those warnings and OpenCV prints them to
    stderr, so a photo with bytes flipped throughout decoded into a smeared picture and was judged as one ("no
    face", "heavy compression"). In strict mode libjpeg's warnings are errors, and they become IQ01 here. It is
    also the fastest decode measured here (12 MP at half scale: 31-34 ms against OpenCV's 35-38 ms), writes
    into a numpy array once, and gives the pixels Pillow gives (all 102 complete corpus JPEGs, at full scale and
    reduced by 2, 4 and 8). A file that does not end on its end-of-image marker goes to Pillow, whose error
    names the truncation; CMYK and YCCK JPEGs go to Pillow too (and are checked by `_check_jpeg_data`)."""
    if im.mode not in ("RGB", "L") or not data.endswith(b"\xff\xd9"):
        return None
    w, h = im.size
    expected = (-(-h // reduction), -(-w // reduction))  # libjpeg rounds a scaled side up
    size = {"min_width": expected[1], "min_height": expected[0], "min_factor": reduction} if reduction > 1 else {}
    try:
        rgb = simplejpeg.decode_jpeg(data, "RGB", strict=True, **size)
    except ValueError as e:
        if not _jpeg_warning_is_harmless(str(e), data, limits):
            raise _corrupt_jpeg(name, str(e)) from None
        try:
            rgb = simplejpeg.decode_jpeg(data, "RGB", strict=False, **size)
        except ValueError:
            return None
    if rgb.ndim != 3 or rgb.shape[:2] != expected:
        return None
    return rgb


def _check_jpeg_data(data: bytes, name: str, mode: str, limits: LoadLimits) -> None:
    """For a JPEG that Pillow decodes (CMYK, YCCK, or one simplejpeg declined): the same strict check of its
    image data, on a decode reduced by 8 (the entropy data is read whole whatever the scale)."""
    try:
        simplejpeg.decode_jpeg(data, "CMYK" if mode == "CMYK" else "RGB", strict=True, min_factor=8)
    except ValueError as e:
        low = str(e).lower()
        damage = "corrupt" in low or "premature" in low or "huffman" in low
        if damage and not _jpeg_warning_is_harmless(low, data, limits):
            raise _corrupt_jpeg(name, str(e)) from None
        # anything else (a colour space TurboJPEG does not convert, say) is Pillow's to judge: it decoded it


def _png_chunks_reason(data: bytes) -> str | None:
    """Why a PNG's chunk structure is refused before Pillow walks it (its walk is Python, chunk by chunk)."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    pos, total, ancillary = 8, 0, 0
    end = len(data)
    while pos + 8 <= end:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        total += 1
        if kind == b"IEND":
            break
        if kind != b"IDAT":
            ancillary += 1
        if total > MAX_PNG_CHUNKS or ancillary > MAX_PNG_ANCILLARY_CHUNKS:
            return f"refused: a PNG with more than {MAX_PNG_CHUNKS if total > MAX_PNG_CHUNKS else MAX_PNG_ANCILLARY_CHUNKS} chunks is not a photo"
        pos += 12 + length
    return None


def _count_frames(im: Image.Image) -> tuple[int, bool]:
    """1, or the number of frames up to MAX_COUNTED_FRAMES + 1 (never a walk through 400,000 TIFF pages); and
    whether a later frame is damaged (the count then stops before it). The first frame is what is checked, so a
    broken later frame of an APNG or GIF costs a note, not the photo."""
    if not getattr(im, "is_animated", False):
        return 1, False
    n = 1
    try:
        while n <= MAX_COUNTED_FRAMES:
            im.seek(n)
            n += 1
    except EOFError:
        pass
    except (OSError, SyntaxError, ValueError, IndexError, struct.error):
        return n, True
    im.seek(0)
    return n, False


def _decode(data: bytes, name: str, digest: str, limits: LoadLimits) -> LoadedImage:
    chunk_reason = _png_chunks_reason(data)
    if chunk_reason:
        raise ImageLoadError(name, chunk_reason)
    im = Image.open(io.BytesIO(data), formats=PHOTO_FORMATS)
    fmt = im.format or "unknown"
    w, h = im.size
    if w <= 0 or h <= 0:
        raise ImageLoadError(name, f"image has no pixels ({w}x{h})")
    if w * h > limits.max_pixels:
        raise ImageLoadError(
            name,
            f"refused as a possible decompression bomb: {w}x{h} = {w * h / 1e6:.0f} MP "
            f"is over the {limits.max_pixels / 1e6:.0f} MP limit",
        )
    notes: list[str] = []
    frames, damaged = _count_frames(im)
    if damaged:
        # the reader is left at the broken frame: open the file afresh for its first one
        im = Image.open(io.BytesIO(data), formats=PHOTO_FORMATS)
        notes.append(f"this animated file is damaged after frame {frames}: the first frame was checked")
    elif frames > 1:
        count = f"{MAX_COUNTED_FRAMES}+" if frames > MAX_COUNTED_FRAMES else str(frames)
        notes.append(f"animated or multi-frame file ({count} frames): the first frame was checked")
    orientation, exif, exif_notes = _exif_values(im)
    notes.extend(exif_notes)
    quant = None
    if fmt in ("JPEG", "MPO"):
        q = getattr(im, "quantization", None)
        if q:
            quant = {int(k): [int(x) for x in v] for k, v in q.items()}
    mode = im.mode
    suffix = Path(name).suffix.lower()
    ext_ok = suffix not in _EXTENSION_FORMATS or fmt in _EXTENSION_FORMATS[suffix]
    if not ext_ok:
        notes.append(f"file extension {suffix} does not match its content ({fmt})")

    scale = 1.0
    k = analysis_reduction(w, h, limits)
    rgb = _decode_jpeg_pixels(data, im, k, name, limits) if fmt in ("JPEG", "MPO") else None
    if rgb is not None:
        scale = rgb.shape[1] / w
    else:
        if fmt in ("JPEG", "MPO"):
            _check_jpeg_data(data, name, mode, limits)
        if fmt in ("JPEG", "MPO") and k > 1:
            # DCT-domain downscale: a half-scale decode is about 3x cheaper than a full one. Pillow takes the
            # largest scale whose result is at least the size asked for, so the floor of w / k is asked for:
            # rounded up, an odd-sized photo would stay at the next larger scale (libjpeg rounds up)
            im.draft("RGB", (w // k, h // k))
            scale = im.size[0] / w
        im.load()
        if scale == 1.0 and k > 1 and _box_reducible(im, w, h, k):
            # Pillow's k x k box reduce averages the blocks the area resize below averages, without first copying
            # the whole decode into numpy (17 instead of 46 ms for a 12 MP HEIC): by 2 the identical pixels, by 4
            # and 8 at most one level apart (the two round the mean differently)
            rgb = np.asarray(im.reduce(k))
            scale = rgb.shape[1] / w
        else:
            rgb = _to_rgb(im)
    if scale == 1.0 and k > 1:
        # other formats decode whole; analyse them at the same reduction as a drafted JPEG, so a 12 MP HEIC
        # costs what a 12 MP JPEG costs after its decode
        rgb = cv2.resize(rgb, (-(-w // k), -(-h // k)), interpolation=cv2.INTER_AREA)
        scale = rgb.shape[1] / w
    # Pillow's TIFF reader applies the Orientation tag itself on load (and drops the tag): turning the pixels
    # again would analyse a TIFF a viewer shows upright sideways or mirrored. Read what is left after the load.
    turn = _exif_values(im)[0] if fmt == "TIFF" else orientation
    rgb = _orient(rgb, turn)
    if turn in (5, 6, 7, 8):
        w, h = h, w
    return LoadedImage(
        name=name,
        rgb=rgb,
        width=w,
        height=h,
        scale=scale,
        format=fmt,
        mode=mode,
        orientation=orientation,
        frames=frames,
        file_size=len(data),
        extension_matches=ext_ok,
        content_hash=digest,
        quant_tables=quant,
        exif=exif,
        notes=notes,
    )


def from_pil(image: Image.Image, name: str = "<image>", limits: LoadLimits = LoadLimits()) -> LoadedImage:
    """A photo already in memory as a PIL image (EXIF orientation applied if the image carries it), under the
    same limits as a file. A closed, truncated or broken image is an ImageLoadError, not an exception."""
    try:
        w, h = image.size
    except Exception as e:  # noqa: BLE001 - a PIL object in any state
        raise ImageLoadError(name, f"the PIL image cannot be read ({type(e).__name__}: {e})") from None
    if w * h > limits.max_pixels:
        raise ImageLoadError(
            name, f"refused: {w}x{h} = {w * h / 1e6:.0f} MP is over the {limits.max_pixels / 1e6:.0f} MP limit"
        )
    buf = io.BytesIO()
    try:
        fmt = image.format or "PNG"
        image.save(buf, format=fmt if fmt in ("JPEG", "PNG", "WEBP", "TIFF", "BMP") else "PNG")
    except Exception:  # noqa: BLE001 - e.g. a mode the format cannot hold: try plain RGB
        buf = io.BytesIO()
        try:
            image.convert("RGB").save(buf, format="PNG")
        except Exception as e:  # noqa: BLE001 - closed, truncated or otherwise unreadable
            raise ImageLoadError(name, f"the PIL image cannot be read ({type(e).__name__}: {e})") from None
    return decode_bytes(buf.getvalue(), name, limits)


def from_array(array: Any, name: str = "<array>", limits: LoadLimits = LoadLimits()) -> LoadedImage:
    """A photo as a numpy array: H x W (gray) or H x W x 3 (RGB, not OpenCV's BGR) or x 4 (RGBA), uint8,
    under the same pixel limit as a file."""
    try:
        arr = np.asarray(array)
    except Exception as e:  # noqa: BLE001 - an object that only pretends to be an array
        raise ImageLoadError(name, f"not an image array ({type(e).__name__}: {e})") from None
    if arr.ndim in (2, 3) and arr.shape[0] * arr.shape[1] > limits.max_pixels:
        raise ImageLoadError(
            name,
            f"refused: {arr.shape[1]}x{arr.shape[0]} = {arr.shape[0] * arr.shape[1] / 1e6:.0f} MP is over the "
            f"{limits.max_pixels / 1e6:.0f} MP limit",
        )
    if arr.dtype != np.uint8:
        raise ImageLoadError(name, f"array dtype {arr.dtype} is not supported; give uint8 RGB")
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ImageLoadError(name, f"array shape {arr.shape} is not an image (H x W x 3 expected)")
    if arr.shape[2] == 4:
        arr = _to_rgb(Image.fromarray(arr, "RGBA"))
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    return LoadedImage(
        name=name,
        rgb=arr,
        width=w,
        height=h,
        scale=1.0,
        format="array",
        mode="RGB",
        orientation=1,
        frames=1,
        file_size=arr.nbytes,
        extension_matches=True,
        content_hash=hashlib.sha256(arr.tobytes()).hexdigest(),
    )
