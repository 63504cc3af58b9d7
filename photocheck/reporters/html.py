"""The visual report: one self-contained HTML file to look at the whole set.

Rendered by jinja2 with auto-escaping (file names and messages are untrusted text). It only reads the
report: thumbnails are made by the measure stage (`photocheck.measure.thumbnails`) and passed in as data
URIs; a Content-Security-Policy forbids every network request, so the file works offline and leaks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..model import ImageResult, Report, SetResult, Severity
from ..vocabulary import ACTIONS, EXPRESSIONS, LIGHTING_KEYS, POSE_BUCKETS, pose_row_missing

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
# cards: photos to remove first, then to replace, then to keep (the reverse of ACTIONS, weakest first)
_ACTION_ORDER = {a: i for i, a in enumerate(reversed(ACTIONS))}


def _card(img: ImageResult, thumbnails: Mapping[str, str]) -> dict[str, Any]:
    findings = sorted(img.findings, key=lambda f: (-f.severity.rank, f.code))
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
        "action": img.action,
        "reasons": img.reasons,
        "thumb": thumbnails.get(img.path),
        "boxes": boxes,
        "pose": subject.pose if subject else None,
        "expression": subject.expression if subject else None,
        "identity": img.identity,
        # other faces beside a recognised subject; in a photo of someone else no face is the subject
        "bystanders": sum(1 for f in img.faces if not f.is_subject) if subject is not None else 0,
        "lighting": img.lighting,
        "findings": findings,
    }


def _coverage_view(s: SetResult) -> dict[str, Any]:
    counts = s.coverage.counts
    missing, undecided = set(s.coverage.missing), set(s.coverage.undecided)
    spare = s.coverage.replace_only
    grid = counts.pose_expression
    return {
        "columns": [(e, e in missing, spare.expression.get(e, 0), e in undecided) for e in EXPRESSIONS],
        "grid": [
            (p, [(e, grid.get(p, {}).get(e, 0)) for e in EXPRESSIONS], counts.pose.get(p, 0),
             pose_row_missing(p, missing), spare.pose.get(p, 0))
            for p in POSE_BUCKETS
        ],
        "lights": [(k, counts.lighting.get(k, 0), k in missing, k in undecided) for k in LIGHTING_KEYS],
        "face_light": [(k, n) for k, n in counts.face_light.items() if n],
    }  # fmt: skip


def render_html(report: Report, *, thumbnails: Mapping[str, str] | None = None, **_: Any) -> str:
    thumbs = thumbnails or {}
    sets = []
    for s in report.sets:
        sets.append({
            "result": s,
            "cards": sorted((_card(i, thumbs) for i in s.images),
                            key=lambda c: (_ACTION_ORDER[c["action"]], c["name"])),
            "set_findings": sorted(s.findings, key=lambda f: (-f.severity.rank, f.code)),
            "usable": len(s.usable_images),
            **_coverage_view(s),
        })  # fmt: skip
    template = _ENV.get_template("report.html.j2")
    return template.render(report=report, sets=sets, Severity=Severity)
