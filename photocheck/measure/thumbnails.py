"""Thumbnails for the HTML report, made in the measure stage so that the presenter opens no photo.

Read-only, under the same load limits as the check; a photo the check could not read (IQ01) gets none.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Mapping

from PIL import Image, ImageOps

from ..model import Report
from .imageio import PHOTO_FORMATS, read_file
from .options import LoadLimits

THUMB_LONG_SIDE = 360  # px: 30 photos stay far below 10 MB (about 25 KB each)


def thumbnail(path: str, limits: LoadLimits = LoadLimits(), content_hash: str | None = None) -> str | None:
    """A small JPEG of the photo as a data URI, or None when it cannot be shown. `content_hash`: the bytes
    the check measured; a file changed or swapped since then (or refused) gets no thumbnail."""
    try:
        data = read_file(path, limits)  # regular files only, under the size limit: never a FIFO or a device
        if content_hash is not None and hashlib.sha256(data).hexdigest() != content_hash:
            return None
        with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as im:
            if im.width * im.height > limits.max_pixels:
                return None
            im.seek(0)
            im.draft("RGB", (THUMB_LONG_SIDE * 2, THUMB_LONG_SIDE * 2))
            im.load()
            # after the load: Pillow has applied (and dropped) a TIFF's own orientation; JPEG/PNG keep the tag
            small = ImageOps.exif_transpose(im).convert("RGB")
            small.thumbnail((THUMB_LONG_SIDE, THUMB_LONG_SIDE))
            buf = io.BytesIO()
            small.save(buf, "JPEG", quality=78)
    except Exception:  # noqa: BLE001 - a photo that cannot be shown (ImageLoadError, a decoder error) is a placeholder
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def report_thumbnails(report: Report, limits: Mapping[str, LoadLimits] | LoadLimits = LoadLimits()) -> dict[str, str]:
    """{path: data URI} for every photo of the report that the check could read, made from the same bytes
    (checked by content hash) under the limits of that photo's set (`limits`: one for all, or per set path)."""
    out: dict[str, str] = {}
    for s in report.sets:
        set_limits = limits if isinstance(limits, LoadLimits) else limits.get(s.path, LoadLimits())
        for img in s.images:
            if img.facts.error or not img.facts.content_hash:
                continue
            uri = thumbnail(img.path, set_limits, img.facts.content_hash)
            if uri is not None:
                out[img.path] = uri
    return out
