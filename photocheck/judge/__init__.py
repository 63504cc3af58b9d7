"""The judge stage: pure functions of (facts, set evidence, pack options) -> findings, one action per photo,
advice and the score. Imports no image or model library (an import-linter contract holds it to that).

Order within a set:
1. image rules on each photo (its own findings);
2. the set rules that remove photos (ID01's other person, DS02's extra copies);
3. one action per photo: remove > replace (an error of its own) > keep;
4. coverage counted over the kept photos, then the other set rules (count, angles, expressions, light, ID02);
5. advice (each photo named once) and the score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .._version import __version__
from ..checks import IMAGE_RULES, SET_RULES, ImageContext, SetContext, SetRule
from ..evidence import PhotoEvidence, SetEvidence, build_evidence
from ..evidence.coverage import tally
from ..evidence.subject import Reference
from ..model import (
    UNREADABLE_FOLDER, Coverage, FaceResult, Finding, ImageFacts, ImageResult, Report, SetResult, Severity,
)  # fmt: skip
from ..packs import AdviceOptions, Pack
from ..vocabulary import GAPS
from . import scoring
from .actions import decide
from .advice import advise

__all__ = ["MIXED_PACKS", "judge_evidence", "judge_facts", "judge_report"]

PerFileIgnores = Callable[[str], set[str]]
# Report.pack when the sets were judged with different packs (each set's own is SetResult.pack)
MIXED_PACKS = "mixed"


def judge_facts(
    path: str,
    facts: Sequence[ImageFacts],
    pack: Pack,
    *,
    reference: Reference | None = None,
    per_file_ignores: PerFileIgnores | None = None,
    config: str | None = None,
) -> SetResult:
    """The judge's front door: one set's recorded facts -> its result, with no photo and no model.

    `check`, `photocheck judge`, the tests and the bench all come in here: the set's evidence is built once from
    the facts and the pack's options, then judged. `reference` fixes the subject to a known identity;
    `per_file_ignores(path)` gives the codes not to report for a photo; `config` is recorded on the result (the
    config file the set was checked with and what it changes, shown in the set's header)."""
    evidence = build_evidence(
        facts, identity=pack.identity, classify=pack.classify, duplicates=pack.duplicates, reference=reference
    )
    return judge_evidence(path, evidence, pack, per_file_ignores, config=config)


def judge_evidence(
    path: str,
    evidence: SetEvidence,
    pack: Pack,
    per_file_ignores: PerFileIgnores | None = None,
    *,
    config: str | None = None,
) -> SetResult:
    """One set's result from its evidence already built (`judge_facts` builds it)."""
    own = [_image_findings(p, evidence, pack, per_file_ignores) for p in evidence.photos]

    # a set of which nothing could be read (its folder cannot be listed) has that one finding and no other
    nothing_read = bool(evidence.facts) and all((f.error or "").startswith(UNREADABLE_FOLDER) for f in evidence.facts)
    set_rules = [] if nothing_read else _set_rules(pack, evidence.facts)
    removal_rules = [c for c in set_rules if SET_RULES[c].removes_photos != "never"]
    other_rules = [c for c in set_rules if c not in removal_rules]
    removing = _run_set_rules(removal_rules, SetContext(evidence), pack, per_file_ignores)

    images: list[ImageResult] = []
    for photo, found in zip(evidence.photos, own):
        action, reasons = decide(photo.path, found, removing)
        images.append(_image_result(photo, found, action, reasons, scoring.photo_score(found, pack.scoring, action)))

    kept = [p for p, i in zip(evidence.photos, images) if i.action == "keep"]
    to_replace = [p for p, i in zip(evidence.photos, images) if i.action == "replace"]
    counts = tally(kept)
    ctx = SetContext(evidence, shots=[i for i in images if i.action == "keep"], coverage=counts)
    set_findings = removing + _run_set_rules(other_rules, ctx, pack, per_file_ignores)
    set_findings.sort(key=_set_order)

    targets: list[float] = []
    missing: list[str] = []
    undecided: list[str] = []
    holders: dict[str, list[str]] = {}
    for code in other_rules:
        rule_cls = SET_RULES[code]
        if not rule_cls.in_coverage:
            continue
        rule, opts = rule_cls(), pack.rules[code].options
        targets.extend(rule.targets(ctx, opts))
        may_fill = rule.undecided(ctx, opts)
        for gap, n in rule.tally(counts, opts).items():
            if n:
                continue
            if may_fill.get(gap):
                undecided.append(gap)  # unknown is not missing: kept photos that were not judged may hold it
                continue
            missing.append(gap)
            # only a claim advice may make: a sure label ("your only frown"), said with "if this is you" when the
            # photo's subject is not verified as the set's person
            held = [
                p.path for p in to_replace if rule.tally(tally([p]), opts).get(gap) and sure_label(p, gap, pack.advice)
            ]
            if held:
                holders[gap] = held
    coverage_share = scoring.coverage_share(targets)
    coverage = Coverage(counts, replace_only=tally(to_replace), missing=tuple(missing), undecided=tuple(undecided))

    images.sort(key=lambda r: r.path)
    # coverage rules score through the coverage share, removing rules through their photos' 0: the rest is penalised
    penalised = [
        f for f in set_findings if not SET_RULES[f.code].in_coverage and SET_RULES[f.code].removes_photos == "never"
    ]
    score = scoring.set_score([i.score for i in images], penalised, pack.scoring, coverage_share)
    any_not_kept = any(i.action != "keep" for i in images)
    any_set_error = any(f.severity is Severity.ERROR for f in set_findings)
    unverified = {p.path for p in evidence.photos if not verified_subject(p, len(evidence.photos))}
    return SetResult(
        path=path,
        score=score,
        verdict=scoring.verdict(score, any_not_kept, any_set_error, pack.scoring),
        coverage=coverage,
        advice=tuple(advise(images, set_findings, holders, unverified=unverified)),
        findings=tuple(set_findings),
        images=tuple(images),
        rejected=tuple(sorted(i.path for i in images if i.action == "remove")),
        coverage_share=coverage_share,
        config=config,
        pack=pack.name,
    )


def judge_report(sets: Sequence[SetResult], *, pack_if_empty: str = "default") -> Report:
    """The report over judged sets: the mean score, the worst verdict, and the pack: the one every set was judged
    with, or MIXED_PACKS ("mixed") when they differ (`pack_if_empty` when there is no set)."""
    score = sum(s.score for s in sets) / len(sets) if sets else 0.0
    names = sorted({s.pack for s in sets})
    return Report(
        photocheck_version=__version__,
        score=score,
        verdict=scoring.worst_verdict(s.verdict for s in sets),
        sets=tuple(sets),
        pack=names[0] if len(names) == 1 else (MIXED_PACKS if names else pack_if_empty),
    )


# ------------------------------------------------------------------------------------------- helpers


def _image_findings(
    photo: PhotoEvidence, evidence: SetEvidence, pack: Pack, per_file_ignores: PerFileIgnores | None
) -> list[Finding]:
    facts = photo.facts
    ctx = ImageContext(
        facts=facts, subject=photo.subject, set_pitch=evidence.set_pitch, set_roll=evidence.set_roll,
        identity=photo.identity, tilt_measurable=photo.tilt_measurable,
    )  # fmt: skip
    skipped = per_file_ignores(facts.path) if per_file_ignores else set()
    findings: list[Finding] = []
    for code, setting in pack.rules.items():
        rule = IMAGE_RULES.get(code)
        if rule is None or code in skipped:
            continue
        if facts.error and not rule.judges_unreadable:
            continue
        if not facts.error and ("basic" in rule.requires and facts.basic is None):
            continue
        if "faces" in rule.requires and facts.faces is None:
            continue
        if "identity" in rule.requires and not facts.identity_measured:
            continue
        for hit in rule().check(ctx, setting.options):
            findings.append(Finding(code, rule.name, setting.severity, hit.message, hit.fix))
    findings.sort(key=lambda f: (f.code, f.message))
    return findings


def verified_subject(photo: PhotoEvidence, set_size: int) -> bool:
    """The photo's subject face is known to be the set's person: matched (and not a possible look-alike), or the
    only face of the only photo there is. An unverifiable profile, a doubtful match, a photo in a set where no
    identity could be compared, and a face guessed among several in a group photo are not."""
    pid = photo.identity
    if pid.status == "match":
        return pid.doubt is None
    return pid.status == "alone" and set_size == 1 and len(photo.facts.faces or ()) == 1


def guessed_subject(photo: PhotoEvidence) -> bool:
    """The subject face was only guessed (the largest of several faces, with no identity to tell them apart)."""
    return photo.identity.status == "alone" and len(photo.facts.faces or ()) > 1


def sure_label(photo: PhotoEvidence, gap: str, opts: AdviceOptions) -> bool:
    """Whether advice may say this photo shows `gap` ("your only profile view", "your only outdoor photo"): its
    label is at least as sure as [advice] asks. (Whose face it is, `verified_subject` says.)"""
    kind = GAPS[gap].kind if gap in GAPS else None
    if kind in ("setting", "light"):
        return float(photo.lighting.get("confidence") or 0.0) >= opts.claim_min_light_confidence
    labels = photo.subject_labels
    if labels is None or guessed_subject(photo):
        return False  # a face guessed among several, with no identity to say whose: no claim about it at all
    if kind == "pose":
        return (labels.pose_confidence or 0.0) >= opts.claim_min_pose_confidence
    return labels.expression_counted and (labels.expression_confidence or 0.0) >= opts.claim_min_expression_confidence


def _image_result(
    photo: PhotoEvidence, findings: Sequence[Finding], action: str, reasons: tuple[str, ...], score: float
) -> ImageResult:
    facts = photo.facts
    faces = tuple(
        FaceResult(
            box=face.box, is_subject=labels.is_subject, yaw=face.yaw, pitch=face.pitch, roll=face.roll,
            pose=labels.pose, expression=labels.expression, identity_distance=labels.identity_distance,
            expression_confidence=labels.expression_confidence, pose_confidence=labels.pose_confidence,
        )
        for face, labels in zip(facts.faces or (), photo.faces)
    )  # fmt: skip
    b = facts.basic
    return ImageResult(
        path=facts.path,
        width=b.width if b else None,
        height=b.height if b else None,
        score=score,
        faces=faces,
        lighting=photo.lighting,
        findings=tuple(findings),
        facts=facts,
        # a match the set's spread doubts (ID01's warning) is not "recognised": it reads "doubt" everywhere
        identity="doubt" if photo.identity.status == "match" and photo.identity.doubt == "probable"
        else photo.identity.status,
        action=action,
        reasons=reasons,
    )


def _set_rules(pack: Pack, facts: Sequence[ImageFacts]) -> list[str]:
    return [c for c in pack.rules if c in SET_RULES and _has_requirements(SET_RULES[c], facts)]


def _run_set_rules(
    codes: Sequence[str], ctx: SetContext, pack: Pack, per_file_ignores: PerFileIgnores | None
) -> list[Finding]:
    out: list[Finding] = []
    for code in codes:
        rule, setting = SET_RULES[code], pack.rules[code]
        for hit in rule().check(ctx, setting.options):
            if hit.paths and per_file_ignores and all(code in per_file_ignores(p) for p in hit.paths):
                continue
            severity = setting.severity.softer if hit.softer else setting.severity
            removes = hit.removes if _removes(rule.removes_photos, severity) else ()
            out.append(Finding(code, rule.name, severity, hit.message, hit.fix, hit.paths, hit.advice, removes))
    return out


def _removes(mode: str, severity: Severity) -> bool:
    return mode == "always" or (mode == "on-error" and severity is Severity.ERROR)


def _has_requirements(rule: type[SetRule], facts: Sequence[ImageFacts]) -> bool:
    """Set rules that read faces or identity run only when those were measured."""
    if "faces" in rule.requires and all(f.faces is None for f in facts if not f.error):
        return False
    return not ("identity" in rule.requires and not any(f.identity_measured for f in facts))


def _set_order(f: Finding) -> tuple[int, int, str, tuple[str, ...]]:
    """Set findings: the worst first; at one severity, by each rule's advice rank (SetRule.advice_rank)."""
    return (-f.severity.rank, SET_RULES[f.code].advice_rank, f.code, f.paths)
