"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Stable rule ids (the permanent codes) with their documentation as help; each result points at the photo
(`region.startLine` 1: photos have no lines) and carries a `partialFingerprints` entry built from the
photo's content hash, so an alert follows the photo's bytes, not its name or measured values.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .._version import __version__
from ..checks import REGISTRY
from ..checks.base import rule_doc
from ..model import Report, Severity
from .common import located_findings

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_FINGERPRINT = "photocheckContent/v1"


def _uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    # the name's own bytes, percent-encoded: a name that is not UTF-8 (lone surrogates here) is still its file
    return quote(os.fsencode(path.replace(os.sep, "/")), safe="/")


def _rule(code: str) -> dict[str, Any]:
    rule = REGISTRY[code]
    doc = rule_doc(code)
    return {
        "id": code,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": (rule.__doc__ or rule.summary).strip()},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": _LEVEL[rule.default_severity]},
        "properties": {"tags": [rule.level, rule.name]},
    }


def render_sarif(report: Report, **_: Any) -> str:
    codes = sorted(REGISTRY)
    index = {c: i for i, c in enumerate(codes)}
    results = []
    for loc in located_findings(report):
        f = loc.finding
        if loc.image is not None:
            content = loc.image.facts.content_hash or loc.image.path
        else:
            by_path = {i.path: i.facts.content_hash for i in loc.set.images}
            content = "+".join(sorted(by_path.get(p, p) for p in f.paths)) or loc.set.path
        fingerprint = hashlib.sha256(f"{f.code}:{content}".encode()).hexdigest()
        paths = ([loc.image.path] if loc.image is not None else list(f.paths)) or [loc.set.path]
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _LEVEL[f.severity],
                "message": {"text": f"{f.message} — {f.fix}" if f.fix else f.message},
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"uri": _uri(p)}, "region": {"startLine": 1}}}
                    for p in paths
                ],
                "partialFingerprints": {_FINGERPRINT: fingerprint},
            }
        )
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "photocheck",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(c) for c in codes],
                    }
                },
                "results": results,
                "properties": {"score": round(report.score, 1), "verdict": report.verdict, "pack": report.pack},
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
