"""The human report: verdict and score first, then what to replace, then each photo's problems with the fix."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from ..model import Coverage, Report, SetResult, Severity
from ..vocabulary import EXPRESSIONS, LIGHTING_KEYS, POSE_BUCKETS, plural, pose_row_missing
from .common import finding_line, located_findings, rule_statistics, visible_report

_STYLE = {"ready": "bold green", "needs-work": "bold yellow", "not-ready": "bold red"}
_SEV = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def render_text(report: Report, *, color: bool = False, width: int = 100, **_: Any) -> str:
    report = visible_report(report)  # names may hold terminal escapes or XML-invalid characters
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
            f"— {plural(len(s.images), 'photo')}, {usable} usable"
        )
        if s.config:
            con.print(f"  [dim]config {escape(s.config)}[/]")
        if s.advice:
            con.print("  [bold]Next steps[/]")
            for a in s.advice:
                con.print(f"   • {escape(a)}")
        for f in s.findings:
            con.print(f"  [{_SEV[f.severity]}]{f.severity.value:7}[/] {f.code} {f.name}: {escape(f.message)}")
        if s.coverage_share is not None:  # a pack without coverage rules (quick) has no grid to show
            for line in coverage_grid(s.coverage):
                con.print(line)
        identity_line = _identity_summary(s)
        if identity_line:
            con.print(f"  Identity  {identity_line}")
        for img in s.images:
            if not img.findings and img.action == "keep":
                continue
            action = (
                "" if img.action == "keep"
                else f"  [{_ACTION_STYLE[img.action]}]{img.action}[/] ({', '.join(img.reasons)})"
            )  # fmt: skip
            con.print(f"  [bold]{escape(img.path)}[/]  {img.score:.0f}/100{action}")
            for f in img.findings:
                fix = f" — {escape(f.fix)}" if f.fix else ""
                con.print(
                    f"    [{_SEV[f.severity]}]{f.severity.value:7}[/] {f.code} {f.name}: {escape(f.message)}{fix}"
                )
        clean = [i for i in s.images if not i.findings and i.action == "keep"]
        if clean:
            con.print(f"  [green]{plural(len(clean), 'photo')} with no findings[/]")
    return buf.getvalue()


def _identity_summary(s: SetResult) -> str:
    """One line: in how many photos the subject was recognised, and where it could not be."""
    count = Counter(i.identity for i in s.images)
    if not (count["match"] or count["mismatch"] or count["doubt"]):
        return ""
    parts = [f"subject recognised in {count['match']} of {len(s.images)} photos"]
    doubtful = [Path(i.path).name for i in s.images if i.identity == "doubt"]
    if doubtful:
        parts.append(f"may be someone else in {', '.join(doubtful)}")
    if count["mismatch"]:
        parts.append(f"someone else in {count['mismatch']}")
    unverified = [Path(i.path).name for i in s.images if i.identity == "unverified"]
    if unverified:
        parts.append(f"not verifiable (turned away, small or soft) in {', '.join(unverified)}")
    groups = sum(1 for i in s.images if i.identity == "match" and len(i.faces) > 1)
    if groups:
        parts.append(f"bystanders ignored in {plural(groups, 'group photo')}")
    return "; ".join(parts)


_ACTION_STYLE = {"remove": "bold red", "replace": "bold yellow"}


def coverage_grid(coverage: Coverage) -> list[str]:
    """Pose x expression counts of the photos to keep, and the light (rich markup): empty cells as a dim dot,
    what the judge found missing in yellow, "+n" where only photos to replace show it, "?" for a kind of light
    that unjudged photos may show."""
    counts = coverage.counts
    grid, pose_total = counts.pose_expression, counts.pose
    missing, undecided = set(coverage.missing), set(coverage.undecided)
    spare = coverage.replace_only
    # an expression only unsure labels show: "?" after it (neither counted nor missing)
    head = "".join(
        f"[yellow]{e:>9}[/]" if e in missing else (f"{e + '?':>9}" if e in undecided else f"{e:>9}") for e in EXPRESSIONS
    )
    lines = [f"  [bold]Coverage[/]{'':<13}{head}    total"]
    for pose in POSE_BUCKETS:
        row = grid.get(pose, {})
        cells = "".join(f"{row.get(e, 0):>9}" if row.get(e) else f"[dim]{'·':>9}[/]" for e in EXPRESSIONS)
        n = pose_total.get(pose, 0)
        label = f"[yellow]{pose:<19}[/]" if pose_row_missing(pose, missing) else f"{pose:<19}"
        extra = spare.pose.get(pose, 0)
        more = f"  [yellow]+{extra} to replace[/]" if extra else ""
        lines.append(f"    {label}{cells}{n:>9}{more}")
    light = counts.lighting
    # a kind no judged photo shows but unjudged photos may: "?", never marked missing
    parts = [
        f"[yellow]{k} {light.get(k, 0)}[/]" if k in missing else (f"{k} ?" if k in undecided else f"{k} {light.get(k, 0)}")
        for k in LIGHTING_KEYS
    ]
    lines.append(f"    {'light':<19}" + " · ".join(parts))
    lines.append(f"    {'light on the face':<19}" + " · ".join(f"{k} {n}" for k, n in counts.face_light.items() if n))
    return lines


def render_concise(report: Report, *, color: bool = False, width: int = 100, **_: Any) -> str:
    """`--quiet`: the concise format's finding lines (`path:1:1: CODE severity name: message`) and nothing
    else, the code coloured by its severity on a terminal."""
    report = visible_report(report)  # names may hold terminal escapes or XML-invalid characters
    buf = io.StringIO()
    con = Console(file=buf, force_terminal=color, no_color=not color, width=width, highlight=False, soft_wrap=True)
    for loc in located_findings(report):
        line = escape(finding_line(loc))
        code = loc.finding.code
        con.print(line.replace(f" {code} ", f" [{_SEV[loc.finding.severity]}]{code}[/] ", 1))
    return buf.getvalue()


def render_statistics(report: Report, *, color: bool = False, width: int = 100, **_: Any) -> str:
    """`--statistics`: how many findings of each rule, most first, as ruff's."""
    report = visible_report(report)  # names may hold terminal escapes or XML-invalid characters
    lines = [f"{n:>5}  {code}  {name}  [{sev}]" for code, name, sev, n in rule_statistics(report)]
    return "\n".join(lines) + ("\n" if lines else "")
