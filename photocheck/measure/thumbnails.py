"""Thumbnails for the HTML report, made in the measure stage so that the presenter opens no photo.

Read-only, under the same load limits as the check; a photo the check could not read (IQ01) gets none.
"""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageOps

from ..model import Report
from .imageio import read_file
from .options import LoadLimits

THUMB_LONG_SIDE = 360  # px: 30 photos stay far below 10 MB (about 25 KB each)


def thumbnail(path: str, limits: LoadLimits = LoadLimits()) -> str | None:
    """A small JPEG of the photo as a data URI, or None when it cannot be read."""
    try:
        data = read_file(path, limits)
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > limits.max_pixels:
                return None
            im.seek(0)
            im.draft("RGB", (THUMB_LONG_SIDE * 2, THUMB_LONG_SIDE * 2))
            small = ImageOps.exif_transpose(im).convert("RGB")
            small.thumbnail((THUMB_LONG_SIDE, THUMB_LONG_SIDE))
            buf = io.BytesIO()
            small.save(buf, "JPEG", quality=78)
    except Exception:  # noqa: BLE001 - a photo that cannot be shown (ImageLoadError, a decoder error) is a placeholder
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def report_thumbnails(report: Report, limits: LoadLimits = LoadLimits()) -> dict[str, str]:
    """{path: data URI} for every photo of the report that the check could read."""
    out: dict[str, str] = {}
    for s in report.sets:
        for img in s.images:
            if img.facts.error:
                continue
            uri = thumbnail(img.path, limits)
            if uri is not None:
                out[img.path] = uri
    return out
