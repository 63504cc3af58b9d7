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
from ..checks import REGISTRY, ImageContext, Rule, SetContext
from ..evidence import PhotoEvidence, SetEvidence
from ..evidence.coverage import tally
from ..model import UNREADABLE_FOLDER, FaceResult, Finding, ImageFacts, ImageResult, Report, SetResult, Severity
from ..packs import AdviceOptions, Pack
from ..vocabulary import SETTINGS
from . import scoring
from .actions import decide
from .advice import advise

__all__ = ["judge_report", "judge_set"]

PerFileIgnores = Callable[[str], set[str]]


def judge_set(
    path: str, evidence: SetEvidence, pack: Pack, per_file_ignores: PerFileIgnores | None = None
) -> SetResult:
    own = [_image_findings(p, evidence, pack, per_file_ignores) for p in evidence.photos]

    # a set of which nothing could be read (its folder cannot be listed) has that one finding and no other
    nothing_read = bool(evidence.facts) and all((f.error or "").startswith(UNREADABLE_FOLDER) for f in evidence.facts)
    set_rules = [] if nothing_read else _set_rules(pack, evidence.facts)
    removal_rules = [c for c in set_rules if REGISTRY[c].removes_photos != "never"]
    other_rules = [c for c in set_rules if c not in removal_rules]
    removing = _run_set_rules(removal_rules, SetContext(evidence), pack, per_file_ignores)

    images: list[ImageResult] = []
    for photo, found in zip(evidence.photos, own):
        action, reasons = decide(photo.path, found, removing)
        images.append(_image_result(photo, found, action, reasons, scoring.photo_score(found, pack.scoring, action)))

    kept = [p for p, i in zip(evidence.photos, images) if i.action == "keep"]
    to_replace = [p for p, i in zip(evidence.photos, images) if i.action == "replace"]
    coverage = tally(kept)
    ctx = SetContext(evidence, shots=[i for i in images if i.action == "keep"], coverage=coverage)
    set_findings = removing + _run_set_rules(other_rules, ctx, pack, per_file_ignores)
    set_findings.sort(key=_set_order)

    targets: list[float] = []
    missing: list[str] = []
    undecided: list[str] = []
    holders: dict[str, list[str]] = {}
    for code in other_rules:
        if not REGISTRY[code].in_coverage:
            continue
        rule, opts = REGISTRY[code](), pack.rules[code].options
        targets.extend(rule.targets(ctx, opts))  # type: ignore[union-attr]
        may_fill = rule.undecided(ctx, opts)  # type: ignore[union-attr]
        for gap, n in rule.tally(coverage, opts).items():  # type: ignore[union-attr]
            if n:
                continue
            if may_fill.get(gap):
                undecided.append(gap)  # unknown is not missing: kept photos that were not judged may hold it
                continue
            missing.append(gap)
            # only a claim advice may make: a sure label ("your only frown"), said with "if this is you" when the
            # photo's subject is not verified as the set's person
            held = [
                p.path for p in to_replace
                if rule.tally(tally([p]), opts).get(gap) and sure_label(p, gap, pack.advice)  # type: ignore[union-attr]
            ]  # fmt: skip
            if held:
                holders[gap] = held
    coverage_share = scoring.coverage_share(targets)
    coverage = {**coverage, "missing": missing, "undecided": undecided, "replace_only": tally(to_replace)}

    images.sort(key=lambda r: r.path)
    # coverage rules score through the coverage share, removing rules through their photos' 0: the rest is penalised
    penalised = [
        f for f in set_findings if not REGISTRY[f.code].in_coverage and REGISTRY[f.code].removes_photos == "never"
    ]
    score = scoring.set_score([i.score for i in images], penalised, pack.scoring, coverage_share)
    any_not_kept = any(i.action != "keep" for i in images)
    any_set_error = any(f.severity is Severity.ERROR for f in set_findings)
    return SetResult(
        path=path,
        score=score,
        verdict=scoring.verdict(score, any_not_kept, any_set_error, pack.scoring),
        coverage=coverage,
        advice=tuple(advise(images, set_findings, holders, unverified={
            p.path for p in evidence.photos if not verified_subject(p, len(evidence.photos))})),
        findings=tuple(set_findings),
        images=tuple(images),
        rejected=tuple(sorted(i.path for i in images if i.action == "remove")),
        coverage_share=coverage_share,
    )


def judge_report(sets: Sequence[SetResult], pack: Pack) -> Report:
    score = sum(s.score for s in sets) / len(sets) if sets else 0.0
    return Report(
        photocheck_version=__version__,
        score=score,
        verdict=scoring.worst_verdict(s.verdict for s in sets),
        sets=tuple(sets),
        pack=pack.name,
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
        rule = REGISTRY[code]
        if rule.level != "image" or code in skipped:
            continue
        if facts.error and code != "IQ01":
            continue
        if not facts.error and ("basic" in rule.requires and facts.basic is None):
            continue
        if "faces" in rule.requires and facts.faces is None:
            continue
        if "identity" in rule.requires and not facts.identity_measured:
            continue
        for hit in rule().check(ctx, setting.options):  # type: ignore[arg-type]
            findings.append(Finding(code, rule.name, setting.severity, hit.message, hit.fix))
    findings.sort(key=lambda f: (f.code, f.message))
    return findings


_POSE_GAPS = frozenset({"profile", "frontal", "slight-left", "slight-right"})
_LIGHT_GAPS = frozenset({*SETTINGS, "sunny", "overcast"})


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
    if gap in _LIGHT_GAPS:
        return float(photo.lighting.get("confidence") or 0.0) >= opts.claim_min_light_confidence
    labels = photo.subject_labels
    if labels is None or guessed_subject(photo):
        return False  # a face guessed among several, with no identity to say whose: no claim about it at all
    if gap in _POSE_GAPS:
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
    return [c for c in pack.rules if REGISTRY[c].level == "set" and _has_requirements(REGISTRY[c], facts)]


def _run_set_rules(
    codes: Sequence[str], ctx: SetContext, pack: Pack, per_file_ignores: PerFileIgnores | None
) -> list[Finding]:
    out: list[Finding] = []
    for code in codes:
        rule, setting = REGISTRY[code], pack.rules[code]
        for hit in rule().check(ctx, setting.options):  # type: ignore[arg-type]
            if hit.paths and per_file_ignores and all(code in per_file_ignores(p) for p in hit.paths):
                continue
            severity = setting.severity.softer if hit.softer else setting.severity
            removes = hit.removes if _removes(rule.removes_photos, severity) else ()
            out.append(Finding(code, rule.name, severity, hit.message, hit.fix, hit.paths, hit.advice, removes))
    return out


def _removes(mode: str, severity: Severity) -> bool:
    return mode == "always" or (mode == "on-error" and severity is Severity.ERROR)


def _has_requirements(rule: type[Rule], facts: Sequence[ImageFacts]) -> bool:
    """Set rules that read faces or identity run only when those were measured."""
    if "faces" in rule.requires and all(f.faces is None for f in facts if not f.error):
        return False
    return not ("identity" in rule.requires and not any(f.identity_measured for f in facts))


# order of set findings at one severity: identity, count, angles, expressions, light, repeats
_ADVICE_ORDER = {"ID02": 0, "ID01": 1, "DS01": 2, "PO11": 3, "PO10": 4, "EX10": 5, "LI10": 6, "DS02": 7}


def _set_order(f: Finding) -> tuple[int, int, str, tuple[str, ...]]:
    return (-f.severity.rank, _ADVICE_ORDER.get(f.code, 9), f.code, f.paths)
