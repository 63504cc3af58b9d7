"""The JSON report of SPEC §4: every contract field present, null where unknown, floats rounded."""

from __future__ import annotations

import json
from typing import Any

from ..model import FaceResult, Finding, ImageResult, Report, SetResult


def _r(v: float | None, nd: int = 1) -> float | None:
    return None if v is None else round(float(v), nd)


def _finding(f: Finding, with_paths: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"code": f.code, "name": f.name, "severity": f.severity.value, "message": f.message}
    if with_paths:
        out["paths"] = list(f.paths)
    out["fix"] = f.fix
    return out


def _face(face: FaceResult) -> dict[str, Any]:
    return {
        "box": list(face.box),
        "is_subject": face.is_subject,
        "yaw": _r(face.yaw),
        "pitch": _r(face.pitch),
        "roll": _r(face.roll),
        "pose": face.pose,
        "expression": face.expression,
        "identity_distance": _r(face.identity_distance, 3),
        "pose_confidence": _r(face.pose_confidence, 2),
        "expression_confidence": _r(face.expression_confidence, 2),
    }


def _image(img: ImageResult) -> dict[str, Any]:
    return {
        "path": img.path,
        "width": img.width,
        "height": img.height,
        "score": _r(img.score),
        "identity": img.identity,
        "faces": [_face(f) for f in img.faces],
        "lighting": dict(img.lighting),
        "action": img.action,
        "usable": img.usable,
        "reasons": list(img.reasons),
        "findings": [_finding(f, False) for f in img.findings],
    }


def _set(s: SetResult) -> dict[str, Any]:
    return {
        "path": s.path,
        "score": _r(s.score),
        "verdict": s.verdict,
        "coverage": s.coverage.to_dict(),
        "coverage_share": _r(s.coverage_share, 3),
        "usable": len(s.usable_images),
        "pack": s.pack,  # the report's "pack" is "mixed" when sets differ: each set says its own
        "config": s.config,
        "advice": list(s.advice),
        "findings": [_finding(f, True) for f in s.findings],
        "images": [_image(i) for i in s.images],
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "photocheck_version": report.photocheck_version,
        "score": _r(report.score),
        "verdict": report.verdict,
        "pack": report.pack,
        "sets": [_set(s) for s in report.sets],
    }


def render_json(report: Report, **_: Any) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
