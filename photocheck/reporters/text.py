"""The human report: verdict and score first, then what to replace, then each photo's problems with the fix."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from ..model import Report, SetResult, Severity

_STYLE = {"ready": "bold green", "needs-work": "bold yellow", "not-ready": "bold red"}
_SEV = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def render_text(report: Report, *, color: bool = False, width: int = 100, **_: Any) -> str:
    buf = io.StringIO()
    con = Console(file=buf, force_terminal=color, no_color=not color, width=width, highlight=False, soft_wrap=True)
    con.print(
        f"[{_STYLE[report.verdict]}]{report.verdict.upper()}[/]  score {report.score:.0f}/100  "
        f"(photocheck {report.photocheck_version}, pack {report.pack})"
    )
    for s in report.sets:
        usable = len(s.usable_images)
        con.print()
        con.print(
            f"[bold]{escape(s.path)}[/]  [{_STYLE[s.verdict]}]{s.verdict}[/]  score {s.score:.0f}/100  "
            f"— {len(s.images)} photos, {usable} usable"
        )
        if s.advice:
            con.print("  [bold]Next steps[/]")
            for a in s.advice:
                con.print(f"   • {escape(a)}")
        for f in s.findings:
            con.print(f"  [{_SEV[f.severity]}]{f.severity.value:7}[/] {f.code} {f.name}: {escape(f.message)}")
        pose = ", ".join(f"{k} {v}" for k, v in s.coverage["pose"].items() if v)
        expr = ", ".join(f"{k} {v}" for k, v in s.coverage["expression"].items() if v)
        light = ", ".join(f"{k} {v}" for k, v in s.coverage["lighting"].items() if v)
        con.print(f"  Coverage  pose: {pose or '—'} | expression: {expr or '—'} | light: {light or '—'}")
        identity_line = _identity_summary(s)
        if identity_line:
            con.print(f"  Identity  {identity_line}")
        for img in s.images:
            if not img.findings:
                continue
            con.print(f"  [bold]{escape(img.path)}[/]  {img.score:.0f}/100")
            for f in img.findings:
                fix = f" — {escape(f.fix)}" if f.fix else ""
                con.print(f"    [{_SEV[f.severity]}]{f.severity.value:7}[/] {f.code} {f.name}: {escape(f.message)}{fix}")
        clean = [i for i in s.images if not i.findings]
        if clean:
            con.print(f"  [green]{len(clean)} photo(s) with no findings[/]")
    return buf.getvalue()


def _identity_summary(s: SetResult) -> str:
    """One line: in how many photos the subject was recognised, and where it could not be."""
    count = Counter(i.identity for i in s.images)
    if not (count["match"] or count["mismatch"]):
        return ""
    parts = [f"subject recognised in {count['match']} of {len(s.images)} photos"]
    if count["mismatch"]:
        parts.append(f"someone else in {count['mismatch']}")
    unverified = [Path(i.path).name for i in s.images if i.identity == "unverified"]
    if unverified:
        parts.append(f"not verifiable (turned away, small or soft) in {', '.join(unverified)}")
    groups = sum(1 for i in s.images if i.identity == "match" and len(i.faces) > 1)
    if groups:
        parts.append(f"bystanders ignored in {groups} group photo(s)")
    return "; ".join(parts)
