"""What to do next, most important first; each photo is named in at most one line.

Order (each set rule's `advice_stage`): who the set is about (ID02), photos to remove, kept photos to check
(ID01's doubts), photos to replace (saying which gap only that photo fills: "Replace profile.jpg (your only
profile view)"), then what to add: the count, and the gaps no photo to replace could fill.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from ..checks import SET_RULES
from ..checks.base import file_name
from ..model import UNREADABLE_FOLDER, Finding, ImageResult, Severity
from ..vocabulary import gap_phrase


def _stage(f: Finding) -> str:
    return SET_RULES[f.code].advice_stage


def advise(
    images: Sequence[ImageResult],
    set_findings: Sequence[Finding],
    holders: Mapping[str, Sequence[str]],
    unverified: Collection[str] = (),
) -> list[str]:
    """`set_findings` in report order; `holders`: for each missing gap that photos to replace show surely, those
    photos; `unverified`: photos whose subject is not verified as the set's person (a gap they show is claimed
    only "if this is you"). Where each rule's lines go is its `advice_stage`; a removal's words its
    `removal_advice`."""
    out: list[str] = []
    for f in set_findings:
        if _stage(f) == "subject":
            out += [line for _, line in f.advice] or [f.fix]
    # remove: the lines of each finding that removes photos, naming each photo once
    named: set[str] = set()
    actions = {i.path: i.action for i in images}
    for f in set_findings:
        drop = [p for p in f.removes if p not in named]  # the judge made every one of them "remove"
        if not drop:
            continue
        named.update(drop)
        out += SET_RULES[f.code]().removal_advice(f, drop, actions)
    # doubts: a kept photo that may be someone else (ID01's warning), named once, before any photo to replace
    for f in set_findings:
        if _stage(f) == "doubt" and not f.removes and f.advice:
            fresh = [p for p in f.paths if p not in named]
            if fresh:
                named.update(fresh)
                out += [line for _, line in f.advice]
    # replace: the worst first; say which missing gap only this photo shows
    asked = {gap for f in set_findings for gap, _ in f.advice if gap}
    holders = {gap: paths for gap, paths in holders.items() if gap in asked}
    only: dict[str, list[str]] = {}
    shared: dict[str, list[str]] = {}
    for gap, paths in holders.items():
        for p in paths:
            (only if len(paths) == 1 else shared).setdefault(p, []).append(gap)
    for img in sorted(images, key=lambda i: (i.score, i.path)):
        if img.action != "replace" or img.path in named:
            continue
        named.add(img.path)
        errors = [f for f in img.findings if f.severity is Severity.ERROR]
        if (img.facts.error or "").startswith(UNREADABLE_FOLDER) and errors:
            out.append(f"Check {file_name(img.path)}: {errors[0].message} — {errors[0].fix}")  # a folder, not a photo
            continue
        reasons = ", ".join(dict.fromkeys(f.name for f in errors))
        role = ""
        if_you = ", if this is you" if img.path in unverified else ""
        if img.path in only:
            role = f" (your only {' and '.join(gap_phrase(g) for g in only[img.path])}{if_you})"
        elif img.path in shared:
            role = f" (it has the {' and '.join(gap_phrase(g) for g in shared[img.path])} the set lacks{if_you})"
        fix = f" — {errors[0].fix}" if errors and errors[0].fix else ""
        out.append(f"Replace {file_name(img.path)}{role}: {reasons}{fix}")
    # add: what the set lacks that no photo to replace shows
    for f in set_findings:
        if _stage(f) != "add" or f.removes:
            continue
        if f.advice:
            out += [line for gap, line in f.advice if not (gap and holders.get(gap))]
        elif f.severity is Severity.ERROR:
            out.append(f"{f.name}: {f.fix}")
    return out
