"""One line per finding: concise (people, grep), json-lines (log pipelines), github (workflow annotations)."""

from __future__ import annotations

import json
from typing import Any

from ..model import Report, Severity
from .common import finding_line, located_findings, rule_statistics, summary_line, visible_report


def render_concise(report: Report, **_: Any) -> str:
    """`path:1:1: CODE severity name: message`, then a summary line (like ruff's concise output)."""
    report = visible_report(report)  # names may hold terminal escapes or XML-invalid characters
    lines = [finding_line(loc) for loc in located_findings(report)]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def render_statistics_json(report: Report, **_: Any) -> str:
    """`--statistics --format json`: a JSON array of {code, name, severity, count}, most first (as ruff's)."""
    rows = [{"code": c, "name": n, "severity": s, "count": k} for c, n, s, k in rule_statistics(report)]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def render_json_lines(report: Report, **_: Any) -> str:
    """One JSON object per finding; `set_paths` lists every photo a set finding names."""
    out = []
    for loc in located_findings(report):
        f = loc.finding
        record = {
            "path": loc.path,
            "set": loc.set.path,
            "code": f.code,
            "name": f.name,
            "severity": f.severity.value,
            "message": f.message,
            "fix": f.fix,
            "level": "image" if loc.image is not None else "set",
            "set_paths": list(f.paths),
        }
        out.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in out)


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report, **_: Any) -> str:
    """GitHub Actions workflow commands: `::error file=…,line=1,title=…::message` (escaped per the docs)."""
    report = visible_report(report)  # names may hold terminal escapes or XML-invalid characters
    lines = []
    for loc in located_findings(report):
        f = loc.finding
        title = _escape_property(f"{f.code} {f.name}")
        message = _escape_data(f"{f.message} — {f.fix}" if f.fix else f.message)
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} file={_escape_property(loc.path)},line=1,title={title}::{message}")
    return "".join(line + "\n" for line in lines)
