"""The visual report: one self-contained HTML file to look at the whole set.

Rendered by jinja2 with auto-escaping (file names and messages are untrusted text). Thumbnails are read from
the photos (read-only), downscaled and embedded as data URIs; a Content-Security-Policy forbids every network
request, so the file works offline and leaks nothing when opened.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image, ImageOps

from ..model import ImageResult, Report, Severity

THUMB_LONG_SIDE = 360  # px: 30 photos stay far below 10 MB (about 25 KB each)
_POSES = ("frontal", "slight-left", "slight-right", "three-quarter-left", "three-quarter-right", "profile-left",
          "profile-right")  # fmt: skip
_EXPRESSIONS = ("neutral", "smile", "frown", "surprise", "other")
_REQUIRED_POSES = {"frontal", "slight-left", "slight-right"}
_REQUIRED_EXPRESSIONS = {"neutral", "smile", "frown", "surprise"}
_LIGHTS = ("indoor", "outdoor", "sunny", "overcast", "artificial", "flash", "unknown")

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def thumbnail(path: str) -> str | None:
    """A small JPEG of the photo as a data URI, or None when it cannot be read (it has IQ01 then)."""
    try:
        with Image.open(path) as im:
            im.seek(0)
            im.draft("RGB", (THUMB_LONG_SIDE * 2, THUMB_LONG_SIDE * 2))
            small = ImageOps.exif_transpose(im).convert("RGB")
            small.thumbnail((THUMB_LONG_SIDE, THUMB_LONG_SIDE))
            buf = io.BytesIO()
            small.save(buf, "JPEG", quality=78)
    except Exception:  # noqa: BLE001 - a photo that cannot be shown is shown as a placeholder
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _card(img: ImageResult) -> dict[str, Any]:
    findings = sorted(img.findings, key=lambda f: (-f.severity.rank, f.code))
    worst = findings[0].severity.value if findings else "clean"
    boxes = []
    if img.width and img.height:
        for face in img.faces:
            x, y, w, h = face.box
            boxes.append({
                "left": 100 * x / img.width, "top": 100 * y / img.height,
                "width": 100 * w / img.width, "height": 100 * h / img.height,
                "subject": face.is_subject,
            })  # fmt: skip
    subject = next((f for f in img.faces if f.is_subject), None)
    return {
        "path": img.path,
        "name": Path(img.path).name or img.path,
        "score": img.score,
        "worst": worst,
        "thumb": thumbnail(img.path),
        "boxes": boxes,
        "pose": subject.pose if subject else None,
        "expression": subject.expression if subject else None,
        "identity": img.identity,
        # other faces beside a recognised subject; in a photo of someone else no face is the subject
        "bystanders": sum(1 for f in img.faces if not f.is_subject) if subject is not None else 0,
        "lighting": img.lighting,
        "findings": findings,
    }


def render_html(report: Report, **_: Any) -> str:
    sets = []
    for s in report.sets:
        grid = s.coverage.get("pose_expression", {})
        sets.append({
            "result": s,
            "cards": sorted((_card(i) for i in s.images),
                            key=lambda c: ({"error": 0, "warning": 1, "info": 2, "clean": 3}[c["worst"]], c["name"])),
            "grid": [(p, [(e, grid.get(p, {}).get(e, 0)) for e in _EXPRESSIONS], s.coverage["pose"].get(p, 0))
                     for p in _POSES],
            "lights": [(k, s.coverage["lighting"].get(k, 0)) for k in _LIGHTS],
            "set_findings": sorted(s.findings, key=lambda f: (-f.severity.rank, f.code)),
            "usable": len(s.usable_images),
        })  # fmt: skip
    template = _ENV.get_template("report.html.j2")
    return template.render(
        report=report,
        sets=sets,
        expressions=_EXPRESSIONS,
        required_poses=_REQUIRED_POSES,
        required_expressions=_REQUIRED_EXPRESSIONS,
        Severity=Severity,
    )
