"""The one score formula (pure; golden numbers pinned by tests).

photo score = max(0, 100 - sum of the penalties of its findings by severity); an unreadable photo scores 0,
              and so does a photo the judge removes (ID01's other person, DS02's extra copy).
quality     = mean photo score over the set.
coverage    = share of the coverage targets the photos to keep meet, 0..1: each selected coverage
              rule contributes its targets (PO10: frontal, slight-left, slight-right; PO11: a profile;
              EX10: neutral, smile, frown, surprise; LI10: indoor, outdoor, and sunny, overcast when
              required; DS01: min(1, photos / recommended)).
set score   = max(0, quality_weight * quality + (1 - quality_weight) * 100 * coverage
                     - penalties of the set findings that neither count coverage nor remove photos (ID02));
              quality alone when no coverage
              rule is selected; 0 for an empty set.
verdict     = not-ready  if score < not_ready_below or any set-level error,
              ready      if score >= ready_min_score and no error anywhere,
              needs-work otherwise.
report      = mean of the set scores; its verdict is the worst set verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..checks import REGISTRY
from ..model import Finding, Severity
from ..packs import ScoringOptions

_ORDER = {"ready": 0, "needs-work": 1, "not-ready": 2}


def _unreadable(f: Finding) -> bool:
    """A finding that the photo could not be read at all (IQ01: its rule judges unreadable photos)."""
    rule = REGISTRY.get(f.code)
    return rule is not None and rule.judges_unreadable


def photo_score(findings: Iterable[Finding], opts: ScoringOptions, action: str = "keep") -> float:
    findings = list(findings)
    if action == "remove" or any(_unreadable(f) for f in findings):
        return 0.0
    penalty = {
        Severity.ERROR: opts.photo_penalty_error,
        Severity.WARNING: opts.photo_penalty_warning,
        Severity.INFO: opts.photo_penalty_info,
    }
    return max(0.0, 100.0 - sum(penalty[f.severity] for f in findings))


def set_score(
    photo_scores: Sequence[float],
    penalised: Iterable[Finding],
    opts: ScoringOptions,
    coverage: float | None = None,
) -> float:
    """`photo_scores` with rejected photos already at 0; `penalised` = set findings outside coverage."""
    if not photo_scores:
        return 0.0
    penalty = {Severity.ERROR: opts.set_penalty_error, Severity.WARNING: opts.set_penalty_warning, Severity.INFO: 0.0}
    quality = sum(photo_scores) / len(photo_scores)
    base = quality if coverage is None else opts.quality_weight * quality + (1 - opts.quality_weight) * 100 * coverage
    return max(0.0, base - sum(penalty[f.severity] for f in penalised))


def coverage_share(targets: Sequence[float]) -> float | None:
    """Mean of the coverage targets (each 0..1); None when no coverage rule is selected."""
    return sum(targets) / len(targets) if targets else None


def verdict(score: float, any_error: bool, any_set_error: bool, opts: ScoringOptions) -> str:
    if score < opts.not_ready_below or any_set_error:
        return "not-ready"
    if score >= opts.ready_min_score and not any_error:
        return "ready"
    return "needs-work"


def worst_verdict(verdicts: Iterable[str]) -> str:
    return max(verdicts, key=lambda v: _ORDER[v], default="not-ready")
