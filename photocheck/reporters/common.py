"""What the line-oriented formats share: every finding with the file it is about, in report order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..model import Finding, ImageResult, Report, SetResult


@dataclass(frozen=True)
class Located:
    set: SetResult
    path: str  # the photo, or for a set finding its first photo, or the set folder when it names none
    finding: Finding
    image: ImageResult | None  # the photo the finding belongs to (image findings only)


def counted(n: int, noun: str) -> str:
    """'1 photo', '3 photos'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def located_findings(report: Report) -> Iterator[Located]:
    """Set findings first (they matter most), then each photo's findings, photos in path order."""
    for s in report.sets:
        for f in s.findings:
            yield Located(s, f.paths[0] if f.paths else s.path, f, None)
        for img in s.images:
            for f in img.findings:
                yield Located(s, img.path, f, img)


def pose_row_missing(pose: str, missing: Iterable[str]) -> bool:
    """Is this pose row of the coverage grid one the judge found missing? ("profile" is either side.)"""
    missing = set(missing)
    return pose in missing or (pose.startswith("profile-") and "profile" in missing)


def summary_line(report: Report) -> str:
    findings = report.all_findings()
    by = {sev: sum(1 for f in findings if f.severity.value == sev) for sev in ("error", "warning", "info")}
    return (
        f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({by['error']} errors, {by['warning']} warnings, "
        f"{by['info']} info) — score {report.score:.0f}/100, {report.verdict}"
    )
