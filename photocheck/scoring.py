"""The one score formula (pure; golden numbers pinned by tests).

photo score = max(0, 100 - sum of the penalties of its findings by severity); an unreadable photo scores 0.
set score   = max(0, mean photo score - sum of the penalties of the set-level findings); 0 for an empty set.
verdict     = not-ready  if score < not_ready_below or any set-level error,
              ready      if score >= ready_min_score and no error anywhere,
              needs-work otherwise.
report      = mean of the set scores; its verdict is the worst set verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .config import ScoringOptions
from .model import Finding, Severity

_ORDER = {"ready": 0, "needs-work": 1, "not-ready": 2}


def photo_score(findings: Iterable[Finding], opts: ScoringOptions) -> float:
    findings = list(findings)
    if any(f.code == "IQ01" for f in findings):
        return 0.0
    penalty = {
        Severity.ERROR: opts.photo_penalty_error,
        Severity.WARNING: opts.photo_penalty_warning,
        Severity.INFO: opts.photo_penalty_info,
    }
    return max(0.0, 100.0 - sum(penalty[f.severity] for f in findings))


def set_score(photo_scores: Sequence[float], set_findings: Iterable[Finding], opts: ScoringOptions) -> float:
    if not photo_scores:
        return 0.0
    penalty = {Severity.ERROR: opts.set_penalty_error, Severity.WARNING: opts.set_penalty_warning, Severity.INFO: 0.0}
    mean = sum(photo_scores) / len(photo_scores)
    return max(0.0, mean - sum(penalty[f.severity] for f in set_findings))


def verdict(score: float, any_error: bool, any_set_error: bool, opts: ScoringOptions) -> str:
    if score < opts.not_ready_below or any_set_error:
        return "not-ready"
    if score >= opts.ready_min_score and not any_error:
        return "ready"
    return "needs-work"


def worst_verdict(verdicts: Iterable[str]) -> str:
    return max(verdicts, key=lambda v: _ORDER[v], default="not-ready")
