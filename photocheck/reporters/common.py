"""What the line-oriented formats share: every finding with the file it is about, in report order."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..model import Finding, ImageResult, Report, SetResult, Severity


@dataclass(frozen=True)
class Located:
    set: SetResult
    path: str  # the photo, or for a set finding its first photo, or the set folder when it names none
    finding: Finding
    image: ImageResult | None  # the photo the finding belongs to (image findings only)


# characters a terminal or an XML parser acts on instead of showing: C0/C1 controls (escape sequences that
# write the clipboard, clear the screen, or a carriage return that overwrites the verdict), DEL, and the
# bidirectional overrides that make a name read backwards
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with every unshowable character written as an escape (\\x1b, \\u202e): safe on a terminal."""
    return _UNSHOWABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def visible_report(report: Report) -> Report:
    """The report with every string (paths, messages, fixes, advice) passed through `visible`, for the
    presenters whose output a terminal or an XML parser reads."""
    return _visible_value(report)  # type: ignore[no-any-return]


def _visible_value(value: Any) -> Any:
    """`value` with its strings made visible; the very same object where nothing needed it (the common case,
    so a report of thousands of photos is not rebuilt)."""
    if isinstance(value, str):
        return visible(value) if _UNSHOWABLE.search(value) else value
    if isinstance(value, (tuple, list)):
        items = [_visible_value(v) for v in value]
        if all(a is b for a, b in zip(items, value)):
            return value
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        pairs = [(_visible_value(k), _visible_value(v)) for k, v in value.items()]
        if all(k2 is k and v2 is v for (k2, v2), (k, v) in zip(pairs, value.items())):
            return value
        return dict(pairs)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _visible_value(old)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def located_findings(report: Report) -> Iterator[Located]:
    """Set findings first (they matter most), then each photo's findings, photos in path order."""
    for s in report.sets:
        for f in s.findings:
            yield Located(s, f.paths[0] if f.paths else s.path, f, None)
        for img in s.images:
            for f in img.findings:
                yield Located(s, img.path, f, img)


def finding_line(loc: Located) -> str:
    """`path:1:1: CODE severity name: message`: the prefix editors' and CI problem matchers parse (ruff writes
    `path:1:1: CODE message`); a photo has no lines, so every finding sits at 1:1."""
    f = loc.finding
    return f"{loc.path}:1:1: {f.code} {f.severity.value} {f.name}: {f.message}"


def rule_statistics(report: Report) -> list[tuple[str, str, str, int]]:
    """(code, name, severity, count) for every rule with findings, most first (`--statistics`)."""
    counts: dict[tuple[str, str, str], int] = {}
    for f in report.all_findings():
        key = (f.code, f.name, f.severity.value)
        counts[key] = counts.get(key, 0) + 1
    return [(*key, n) for key, n in sorted(counts.items(), key=lambda t: (-t[1], t[0]))]


def summary_line(report: Report) -> str:
    findings = report.all_findings()
    by = {sev.value: sum(1 for f in findings if f.severity is sev) for sev in Severity}
    return (
        f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({by['error']} errors, {by['warning']} warnings, "
        f"{by['info']} info) — score {report.score:.0f}/100, {report.verdict}"
    )
