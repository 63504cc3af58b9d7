"""What to do next, most important first; each photo is named in at most one line.

Order: who the set is about (ID02), photos to remove, photos to replace (saying which gap only that photo
fills: "Replace profile.jpg (your only profile view)"), then what to add: the count, and the gaps no photo
to replace could fill.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..model import Finding, ImageResult, Severity

# how a gap reads in "your only ... " (keys of the coverage rules' tallies)
_GAP_NAMES = {
    "profile": "profile view",
    "frontal": "frontal view",
    "slight-left": "turn to your left",
    "slight-right": "turn to your right",
    "neutral": "neutral expression",
    "smile": "smile",
    "frown": "frown",
    "surprise": "surprised expression",
    "indoor": "indoor photo",
    "outdoor": "outdoor photo",
    "sunny": "sunny photo",
    "overcast": "overcast photo",
}


def _name(path: str) -> str:
    return Path(path).name or path


def advise(
    images: Sequence[ImageResult],
    set_findings: Sequence[Finding],
    holders: Mapping[str, Sequence[str]],
) -> list[str]:
    """`set_findings` in report order; `holders`: for each missing gap, the photos to replace that show it."""
    out: list[str] = []
    for f in set_findings:
        if f.code == "ID02":
            out += [line for _, line in f.advice] or [f.fix]
    # remove: one line per finding that removes photos, naming each photo once
    named: set[str] = set()
    by_path = {i.path: i for i in images}
    for f in set_findings:
        drop = [p for p in f.removes if p not in named and by_path.get(p) is not None and by_path[p].action == "remove"]
        if not drop:
            continue
        named.update(drop)
        if f.code == "DS02":
            keep = next((p for p in f.paths if p not in f.removes), None)
            kept = by_path.get(keep) if keep else None
            if keep is not None and kept is not None and kept.action == "keep":
                same = f": same shot as {_name(keep)}"
            else:  # the copy that stays is named in its own line (to replace, or removed for another reason)
                same = ": an extra copy of a photo to replace below" if kept is not None and kept.action == "replace" else ": an extra copy"
            out.append(f"Remove {', '.join(_name(p) for p in drop)}{same}")
        else:
            out += [f"Remove {_name(p)}: {f.name}" for p in drop]
    # replace: the worst first; say which missing gap only this photo shows
    asked = {gap for f in set_findings for gap, _ in f.advice if gap}
    holders = {gap: paths for gap, paths in holders.items() if gap in asked and paths}
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
        reasons = ", ".join(dict.fromkeys(f.name for f in errors))
        role = ""
        if img.path in only:
            role = f" (your only {' and '.join(_GAP_NAMES.get(g, g) for g in only[img.path])})"
        elif img.path in shared:
            role = f" (it has the {' and '.join(_GAP_NAMES.get(g, g) for g in shared[img.path])} the set lacks)"
        fix = f" — {errors[0].fix}" if errors and errors[0].fix else ""
        out.append(f"Replace {_name(img.path)}{role}: {reasons}{fix}")
    # add: what the set lacks that no photo to replace shows
    for f in set_findings:
        if f.code == "ID02" or f.removes:
            continue
        if f.advice:
            out += [line for gap, line in f.advice if not (gap and holders.get(gap))]
        elif f.severity is Severity.ERROR:
            out.append(f"{f.name}: {f.fix}")
    return out
