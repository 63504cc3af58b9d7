"""The engine: photos -> facts (analyzers) -> findings (rules) -> scored results. Never prints, never exits."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from . import classify, scoring
from ._version import __version__
from .analyzers import ANALYZER_VERSION, FaceDetector, FaceEmbedder, analyze, failed_facts
from .cache import FactsCache, default_cache_dir
from .checks import REGISTRY, ImageContext, SetContext
from .config import Pack, load_pack
from .discovery import PhotoSet, discover
from .duplicates import DuplicateOptions, find_duplicates
from .errors import ConfigError, ImageLoadError, ModelError
from .identity import (
    IdentityMatch,
    PhotoIdentity,
    Reference,
    SetIdentity,
    match_reference,
    prominent_face,
    reference_from_facts,
    resolve,
)
from .imageio import LoadedImage, decode_bytes, from_array, from_pil, load_path, read_file
from .model import FaceFacts, FaceResult, Finding, ImageFacts, ImageResult, Report, SetResult, Severity
from .parallel import parallel_facts
from .timeouts import PhotoTimeout, time_limit

PhotoSource = str | os.PathLike[str] | bytes | Image.Image | np.ndarray
ProgressCallback = Callable[[int, int, str], None]

_POSE_KEYS = (
    "frontal", "slight-left", "slight-right", "three-quarter-left", "three-quarter-right",
    "profile-left", "profile-right",
)  # fmt: skip
_EXPRESSION_KEYS = ("neutral", "smile", "frown", "surprise", "other")
_LIGHTING_KEYS = ("indoor", "outdoor", "sunny", "overcast", "artificial", "flash", "unknown")


class Checker:
    """Loads the rule pack and (when a selected rule needs them) the face models once; checks many photos.

    `reference` fixes the subject to a known identity (earlier photos of the user, or a saved reference
    file) instead of finding it in the set: the upload-pipeline case. Use as a context manager, or call
    `close()`, to release the models. Not thread-safe: one per thread.
    """

    def __init__(
        self,
        pack: str | Pack = "default",
        *,
        face_model: str | os.PathLike[str] | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        reference: Reference | Sequence[PhotoSource] | str | os.PathLike[str] | None = None,
        cache: FactsCache | str | os.PathLike[str] | bool | None = None,
        jobs: int = 1,
        per_file_ignores: Callable[[str], set[str]] | None = None,
    ) -> None:
        base = pack if isinstance(pack, Pack) else load_pack(pack)
        self.jobs = max(1, jobs)
        self.per_file_ignores = per_file_ignores
        self.pack = base.select(select, ignore) if (select or ignore) else base
        self.face_model = face_model
        needs = set().union(*(REGISTRY[c].requires for c in self.pack.rules)) if self.pack.rules else set()
        self.needs_identity = "identity" in needs or reference is not None
        self.needs_faces = "faces" in needs or self.needs_identity
        self._detector: FaceDetector | None = None
        self._embedder: FaceEmbedder | None = None
        if self.needs_faces:
            self._detector = FaceDetector(face_model, self.pack.detector)  # ModelError here, before any photo
        if self.needs_identity:
            self._embedder = FaceEmbedder()
        self.cache: FactsCache | None = None
        if cache is not None and cache is not False:
            directory = default_cache_dir() if cache is True else cache
            self.cache = directory if isinstance(directory, FactsCache) else FactsCache(directory, self._cache_salt())
        self.reference: Reference | None = None
        if reference is not None:
            self.reference = reference if isinstance(reference, Reference) else self.build_reference(reference)

    def _measures_changed(self) -> None:
        """An analyzer was added after start-up: cached facts without its measurements no longer match."""
        if self.cache is not None:
            self.cache = FactsCache(self.cache.directory, self._cache_salt())

    def _cache_salt(self) -> dict[str, object]:
        """Everything that changes a measurement (not a rule threshold): cached facts must match all of it."""
        return {
            "analyzer": ANALYZER_VERSION,
            "model": self._detector.model_sha256 if self._detector is not None else None,
            "identity": self._embedder is not None,
            "detector": dataclasses.asdict(self.pack.detector),
            # only the limits that change what is measured (not how long a run may take)
            "limits": {
                k: getattr(self.pack.limits, k) for k in ("max_pixels", "max_file_bytes", "draft_min_long_side")
            },
        }

    def close(self) -> None:
        if self._detector is not None:
            self._detector.close()
            self._detector = None

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------- facts
    def facts(self, source: PhotoSource, name: str | None = None) -> ImageFacts:
        """Measure one photo. Undecodable input gives facts with `error` set (IQ01), never an exception."""
        label = name or (str(source) if isinstance(source, (str, os.PathLike)) else "<upload>")
        if self.cache is not None and isinstance(source, (str, os.PathLike, bytes, bytearray, memoryview)):
            return self._cached_facts(source, label)
        try:
            img = self._load(source, label)
        except ImageLoadError as e:
            return failed_facts(label, "", e.reason)
        return self._analyze(img)

    def _cached_facts(self, source: str | os.PathLike[str] | bytes | bytearray | memoryview, label: str) -> ImageFacts:
        try:
            data, digest, hit = self._read_and_look_up(source, label)
        except ImageLoadError as e:
            return failed_facts(label, "", e.reason)
        return hit if hit is not None else self._measure_bytes(data, digest, label)

    def _read_and_look_up(
        self, source: str | os.PathLike[str] | bytes | bytearray | memoryview, label: str
    ) -> tuple[bytes, str, ImageFacts | None]:
        """The photo's bytes (read once), their hash, and the cached facts for them if any."""
        assert self.cache is not None
        data = read_file(source, self.pack.limits) if isinstance(source, (str, os.PathLike)) else bytes(source)
        digest = hashlib.sha256(data).hexdigest()
        return data, digest, self.cache.get(digest, label)

    def _measure_bytes(self, data: bytes, digest: str, label: str) -> ImageFacts:
        """Decode and analyse bytes already read and hashed; store the facts in the cache."""
        try:
            img = decode_bytes(data, label, self.pack.limits, digest=digest)
        except ImageLoadError as e:
            return failed_facts(label, "", e.reason)
        facts = self._analyze(img)
        if self.cache is not None:
            self.cache.put(facts)
        return facts

    def _analyze(self, img: LoadedImage) -> ImageFacts:
        label = img.name
        limit = self.pack.limits.max_seconds_per_photo
        try:
            with time_limit(limit):
                return analyze(img, self._detector, self._embedder)
        except PhotoTimeout:
            return failed_facts(label, img.content_hash, f"analysis took longer than {limit:g} s and was stopped")
        except ModelError:
            raise  # a setup problem, not this photo's: the run stops with exit 2
        except MemoryError:
            return failed_facts(label, img.content_hash, "not enough memory to analyse this image")
        except Exception as e:  # an analyzer bug on one strange photo must not end the run
            return failed_facts(label, img.content_hash, f"analysis failed ({type(e).__name__}: {e})")

    def _load(self, source: PhotoSource, label: str) -> LoadedImage:
        limits = self.pack.limits
        if isinstance(source, (str, os.PathLike)):
            img = load_path(source, limits)
            img.name = label
            return img
        if isinstance(source, (bytes, bytearray, memoryview)):
            return decode_bytes(bytes(source), label, limits)
        if isinstance(source, Image.Image):
            return from_pil(source, label)
        if isinstance(source, np.ndarray):
            return from_array(source, label)
        raise TypeError(f"cannot check a {type(source).__name__}: give a path, bytes, a PIL image or a numpy array")

    # --------------------------------------------------------------------------------- identity
    def build_reference(self, sources: Sequence[PhotoSource] | str | os.PathLike[str]) -> Reference:
        """A reference identity from earlier photos (files, folders, bytes, images) or a saved reference file.

        Raises ConfigError when they show no face that can be read, or more than one person.
        """
        if isinstance(sources, (str, os.PathLike)):
            sources = [sources]
        if len(sources) == 1 and isinstance(sources[0], (str, os.PathLike)) and str(sources[0]).endswith(".json"):
            return Reference.load(sources[0])
        if self._embedder is None:
            self._embedder = FaceEmbedder()
            if self._detector is None:
                self._detector = FaceDetector(self.face_model, self.pack.detector)
            self._measures_changed()
        items: list[tuple[PhotoSource, str | None]] = []
        for src in sources:
            if isinstance(src, (str, os.PathLike)):
                items.extend((f, None) for s in discover([str(src)]) for f in s.files)
            else:
                items.append((src, f"<reference {len(items) + 1}>"))
        return reference_from_facts([self.facts(src, name) for src, name in items], self.pack.identity)

    def match(self, source: PhotoSource, reference: Reference | None = None, name: str | None = None) -> IdentityMatch:
        """Is the person in this photo the reference identity? Which face, and how far from it."""
        ref = reference or self.reference
        if ref is None:
            raise ValueError("match() needs a reference: pass one, or create the Checker with reference=...")
        if self._embedder is None:
            self._embedder = FaceEmbedder()
            self._measures_changed()
        facts = self.facts(source, name)
        return match_reference(facts, ref, self.pack.identity)

    # ---------------------------------------------------------------------------------- checking
    def check_image(self, source: PhotoSource, name: str | None = None) -> ImageResult:
        """Check one photo on its own (the upload-pipeline case): image rules, plus ID01 against the
        Checker's reference when it has one. Set findings about this photo are folded into its findings."""
        facts = self.facts(source, name)
        images, set_findings, _ = self._judge([facts])
        image = images[0]
        extra = [f for f in set_findings if image.path in f.paths]
        if not extra:
            return image
        findings = tuple(sorted(image.findings + tuple(extra), key=lambda f: (f.code, f.message)))
        score = scoring.photo_score(findings, self.pack.scoring)
        return dataclasses.replace(image, findings=findings, score=score)

    def check(self, paths: Sequence[str | os.PathLike[str]], progress: ProgressCallback | None = None) -> Report:
        sets = discover([str(p) for p in paths])
        most = self.pack.limits.max_photos_per_set
        for s in sets:
            if len(s.files) > most:
                raise ConfigError(
                    f"{s.path}: {len(s.files)} photos is over the limit of {most} per set "
                    "([limits] max-photos-per-set): point photocheck at one profile's folder"
                )
        files = [f for s in sets for f in s.files]
        measured = dict(zip(files, self.facts_many(files, progress)))
        return self.report([self.judge_set(s, [measured[f] for f in s.files]) for s in sets])

    def facts_many(self, paths: Sequence[str], progress: ProgressCallback | None = None) -> list[ImageFacts]:
        """Facts of many photo files, in the given order: cache hits here, the rest in `jobs` worker
        processes (models loaded once per worker). The result does not depend on `jobs`."""
        total = len(paths)
        out: list[ImageFacts | None] = [None] * total
        done = 0

        def finished(i: int, facts: ImageFacts) -> None:
            nonlocal done
            out[i] = facts
            done += 1
            if progress:
                progress(done, total, paths[i])

        if self.jobs == 1:
            # one pass, one read per photo: facts() looks in the cache and measures what is not there
            for i, path in enumerate(paths):
                finished(i, self.facts(path))
            return [f for f in out if f is not None]
        todo = []
        for i, path in enumerate(paths):
            hit = None
            if self.cache is not None:
                try:
                    hit = self._read_and_look_up(path, path)[2]
                except ImageLoadError:
                    pass  # facts() reports why
            if hit is not None:
                finished(i, hit)
            else:
                todo.append(i)
        # the misses go to the workers, which read them again: bytes are not shipped between processes
        for i, facts in parallel_facts(self, [paths[i] for i in todo], todo):
            finished(i, facts)
        return [f for f in out if f is not None]

    def report(self, sets: list[SetResult]) -> Report:
        score = sum(s.score for s in sets) / len(sets) if sets else 0.0
        return Report(
            photocheck_version=__version__,
            score=score,
            verdict=scoring.worst_verdict(s.verdict for s in sets),
            sets=tuple(sets),
            pack=self.pack.name,
        )

    # ---------------------------------------------------------------------------------- judging
    def resolve_identity(self, facts: Sequence[ImageFacts]) -> SetIdentity:
        return resolve(facts, self.pack.identity, self.reference)

    def judge_set_facts(self, facts: list[ImageFacts]) -> list[ImageResult]:
        return self._judge(facts)[0]

    def set_context(self, facts: list[ImageFacts]) -> SetContext:
        """Everything set rules read: identity, image results, the distinct usable shots, coverage.

        Identity comes first because it decides each photo's subject face for the image rules.
        """
        identity = self.resolve_identity(facts)
        subjects = [
            f.faces[pid.subject] if f.faces and pid.subject is not None else None
            for f, pid in zip(facts, identity.photos)
        ]
        pitch, roll = _set_level(subjects)
        baseline = None
        if identity.basis != "none" and not identity.mixed:
            # frowns are read against this person's own neutral face (classify.expression_baseline)
            own = [s for s, pid in zip(subjects, identity.photos) if s is not None and pid.status == "match"]
            baseline = classify.expression_baseline(own, self.pack.classify.expression)
        images = [self._judge_image(f, pid, pitch, roll, baseline) for f, pid in zip(facts, identity.photos)]
        ds02 = self.pack.rules.get("DS02")
        groups = find_duplicates(facts, ds02.options if ds02 else DuplicateOptions())
        repeats = {i for g in groups for i in g.members if i != g.keep}
        shots = [
            img for i, img in enumerate(images)
            if img.usable and img.identity != "mismatch" and i not in repeats
        ]  # fmt: skip
        return SetContext(
            facts=facts, identity=identity, images=images, shots=shots, duplicates=groups, coverage=_coverage(shots)
        )

    def _judge(self, facts: list[ImageFacts]) -> tuple[list[ImageResult], list[Finding], SetJudgement]:
        """Image results, set findings and coverage of one set."""
        ctx = self.set_context(facts)
        images = list(ctx.images)
        set_findings: list[Finding] = []
        targets: list[float] = []
        for code, setting in self.pack.rules.items():
            rule = REGISTRY[code]
            if rule.level != "set" or (not _has_requirements(rule, facts)):
                continue
            set_rule = rule()
            targets.extend(set_rule.targets(ctx, setting.options))  # type: ignore[attr-defined]
            for hit in set_rule.check(ctx, setting.options):  # type: ignore[arg-type]
                if hit.paths and self.per_file_ignores and all(code in self.per_file_ignores(p) for p in hit.paths):
                    continue
                severity = _SOFTER[setting.severity] if hit.softer else setting.severity
                set_findings.append(
                    Finding(code, rule.name, severity, hit.message, hit.fix, hit.paths, advice=hit.advice)
                )
        return images, set_findings, SetJudgement(ctx.coverage, scoring.coverage_share(targets))

    def judge_set(self, photo_set: PhotoSet, facts: list[ImageFacts]) -> SetResult:
        images, set_findings, judged = self._judge(facts)
        images.sort(key=lambda r: r.path)
        opts = self.pack.scoring
        blamed = _blamed_paths(set_findings)
        penalised = [f for f in set_findings if not (REGISTRY[f.code].in_coverage or REGISTRY[f.code].blames_photos)]
        photo_scores = [0.0 if i.path in blamed else i.score for i in images]
        score = scoring.set_score(photo_scores, penalised, opts, judged.coverage_share)
        any_error = any(not i.usable for i in images)
        any_set_error = any(f.severity is Severity.ERROR for f in set_findings)
        return SetResult(
            path=photo_set.path,
            score=score,
            verdict=scoring.verdict(score, any_error, any_set_error, opts),
            coverage=judged.coverage,
            advice=tuple(_advice(images, set_findings)),
            findings=tuple(sorted(set_findings, key=_set_order)),
            images=tuple(images),
            rejected=tuple(sorted(blamed)),
            coverage_share=judged.coverage_share,
        )

    def _judge_image(
        self,
        facts: ImageFacts,
        pid: PhotoIdentity,
        set_pitch: float,
        set_roll: float,
        baseline: dict[str, float] | None = None,
    ) -> ImageResult:
        subject = facts.faces[pid.subject] if facts.faces and pid.subject is not None else None
        ctx = ImageContext(facts=facts, subject=subject, set_pitch=set_pitch, set_roll=set_roll, identity=pid)
        findings: list[Finding] = []
        skipped = self.per_file_ignores(facts.path) if self.per_file_ignores else set()
        for code, setting in self.pack.rules.items():
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
        cls = self.pack.classify
        faces = tuple(
            _face_result(
                face, i == pid.subject, pid.distances[i] if pid.distances else None, cls,
                baseline if i == pid.subject else None,
            )
            for i, face in enumerate(facts.faces or ())
        )  # fmt: skip
        b = facts.basic
        return ImageResult(
            path=facts.path,
            width=b.width if b else None,
            height=b.height if b else None,
            score=scoring.photo_score(findings, self.pack.scoring),
            faces=faces,
            lighting=classify.lighting(facts.lighting, cls.lighting, subject),
            findings=tuple(findings),
            facts=facts,
            identity=pid.status,
        )


def pick_subject(faces: tuple[FaceFacts, ...] | None) -> int | None:
    """Without identity: the largest clearly visible face (landmarked faces before cascade-only ones)."""
    return prominent_face(faces)


def _face_result(
    face: FaceFacts,
    is_subject: bool,
    distance: float | None,
    cls: classify.ClassifyOptions,
    baseline: dict[str, float] | None = None,
) -> FaceResult:
    expr, expr_conf = classify.expression(face, cls.expression, baseline)
    return FaceResult(
        box=face.box,
        is_subject=is_subject,
        yaw=face.yaw,
        pitch=face.pitch,
        roll=face.roll,
        pose=classify.pose_bucket(face, cls.pose),
        expression=expr,
        identity_distance=distance,
        expression_confidence=expr_conf,
        pose_confidence=classify.pose_confidence(face, cls.pose),
    )


def _set_level(subjects: Sequence[FaceFacts | None]) -> tuple[float, float]:
    """The set's median pitch and roll of subject faces: a person's habitual head carriage is not a flaw."""
    angles = [(s.pitch, s.roll) for s in subjects if s is not None and s.pitch is not None and s.roll is not None]
    if len(angles) < 3:  # too few to know a habit; judge against level
        return 0.0, 0.0
    return float(statistics.median(a[0] for a in angles)), float(statistics.median(a[1] for a in angles))


def _blamed_paths(set_findings: Sequence[Finding]) -> set[str]:
    """Photos an error-level set finding names as the offender (e.g. ID01's intruder)."""
    return {p for f in set_findings if f.severity is Severity.ERROR and REGISTRY[f.code].blames_photos for p in f.paths}


def _coverage(images: list[ImageResult]) -> dict[str, Any]:
    """Counts over the usable distinct shots: SPEC's pose / expression / lighting, plus the pose x expression grid."""
    pose = dict.fromkeys(_POSE_KEYS, 0)
    expr = dict.fromkeys(_EXPRESSION_KEYS, 0)
    light = dict.fromkeys(_LIGHTING_KEYS, 0)
    grid = {p: dict.fromkeys(_EXPRESSION_KEYS, 0) for p in _POSE_KEYS}
    for img in images:
        subject = next((f for f in img.faces if f.is_subject), None)
        if subject is not None:
            if subject.pose:
                pose[subject.pose] += 1
            if subject.expression:
                expr[subject.expression] += 1
            if subject.pose and subject.expression:
                grid[subject.pose][subject.expression] += 1
        setting, kind = img.lighting.get("setting", "unknown"), img.lighting.get("light", "unknown")
        if setting in ("indoor", "outdoor"):
            light[setting] += 1
        if kind != "unknown":
            light[kind] += 1
        if setting == "unknown" and kind == "unknown":
            light["unknown"] += 1
    return {"pose": pose, "expression": expr, "lighting": light, "pose_expression": grid}


def _advice(images: list[ImageResult], set_findings: Sequence[Finding]) -> list[str]:
    """What to do next, most important first: remove the wrong person, replace unusable photos, add what
    the set lacks (count, profile), then the gaps and repeats that cost coverage."""
    ordered = sorted(set_findings, key=_set_order)
    errors = [f for f in ordered if f.severity is Severity.ERROR]
    out = [line for f in errors if f.code == "ID02" for line in f.advice.splitlines() or [f.fix]]
    blamed = {p: f for f in errors if REGISTRY[f.code].blames_photos for p in f.paths}
    out += [f"Remove {Path(path).name}: {f.name}" for path, f in sorted(blamed.items())]
    for img in sorted(images, key=lambda i: (i.score, i.path)):
        img_errors = [f for f in img.findings if f.severity is Severity.ERROR]
        if img_errors and img.path not in blamed:
            reasons = ", ".join(dict.fromkeys(f.name for f in img_errors))
            out.append(f"Replace {Path(img.path).name}: {reasons} — {img_errors[0].fix}")
    for f in ordered:
        if f.code == "ID02" or REGISTRY[f.code].blames_photos:
            continue
        out += f.advice.splitlines() if f.advice else ([f"{f.name}: {f.fix}"] if f.severity is Severity.ERROR else [])
    return out


def _set_order(f: Finding) -> tuple[int, int, str, tuple[str, ...]]:
    return (-f.severity.rank, _ADVICE_ORDER.get(f.code, 9), f.code, f.paths)


_SOFTER = {Severity.ERROR: Severity.WARNING, Severity.WARNING: Severity.INFO, Severity.INFO: Severity.INFO}

# order of set advice at one severity: identity, count, angles, expressions, light, repeats
_ADVICE_ORDER = {"ID02": 0, "ID01": 1, "DS01": 2, "PO11": 3, "PO10": 4, "EX10": 5, "LI10": 6, "DS02": 7}


def _has_requirements(rule: type, facts: Sequence[ImageFacts]) -> bool:
    """Set rules that read faces or identity run only when those were measured."""
    if "faces" in rule.requires and all(f.faces is None for f in facts if not f.error):
        return False
    return not ("identity" in rule.requires and not any(f.identity_measured for f in facts))


@dataclasses.dataclass(frozen=True)
class SetJudgement:
    coverage: dict[str, Any]
    coverage_share: float | None


def check(
    paths: Sequence[str | os.PathLike[str]],
    *,
    pack: str | Pack = "default",
    face_model: str | os.PathLike[str] | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    reference: Reference | Sequence[PhotoSource] | str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Check photo folders/files and return the report. Raises only ConfigError / ModelError (bad setup)."""
    with Checker(pack, face_model=face_model, select=select, ignore=ignore, reference=reference) as checker:
        return checker.check(paths, progress=progress)
