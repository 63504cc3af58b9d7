"""The engine: photos -> facts (analyzers) -> findings (rules) -> scored results. Never prints, never exits."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
import numpy as np
from PIL import Image

from . import classify, scoring
from ._version import __version__
from .analyzers import FaceDetector, analyze, failed_facts
from .checks import REGISTRY, ImageContext
from .config import Pack, load_pack
from .discovery import PhotoSet, discover
from .errors import ImageLoadError
from .imageio import LoadedImage, decode_bytes, from_array, from_pil, load_path
from .model import FaceFacts, FaceResult, Finding, ImageFacts, ImageResult, Report, SetResult, Severity

PhotoSource = str | os.PathLike[str] | bytes | Image.Image | np.ndarray
ProgressCallback = Callable[[int, int, str], None]

_POSE_KEYS = (
    "frontal", "slight-left", "slight-right", "three-quarter-left", "three-quarter-right",
    "profile-left", "profile-right",
)  # fmt: skip
_EXPRESSION_KEYS = ("neutral", "smile", "frown", "surprise", "other")
_LIGHTING_KEYS = ("indoor", "outdoor", "sunny", "overcast", "artificial", "flash", "unknown")


class Checker:
    """Loads the rule pack and (when a selected rule needs it) the face model once; checks many photos.

    Use as a context manager, or call `close()`, to release the model. Not thread-safe: one per thread.
    """

    def __init__(
        self,
        pack: str | Pack = "default",
        *,
        face_model: str | os.PathLike[str] | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
    ) -> None:
        base = pack if isinstance(pack, Pack) else load_pack(pack)
        self.pack = base.select(select, ignore) if (select or ignore) else base
        self.face_model = face_model
        self.needs_faces = any("faces" in REGISTRY[c].requires for c in self.pack.rules)
        self._detector: FaceDetector | None = None
        if self.needs_faces:
            self._detector = FaceDetector(face_model, self.pack.detector)  # ModelError here, before any photo

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
        try:
            img = self._load(source, label)
        except ImageLoadError as e:
            return failed_facts(label, "", e.reason)
        try:
            return analyze(img, self._detector)
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

    # ---------------------------------------------------------------------------------- checking
    def check_image(self, source: PhotoSource, name: str | None = None) -> ImageResult:
        """Check one photo on its own (the upload-pipeline case): image rules only, no set context."""
        return self.judge_set_facts([self.facts(source, name)])[0]

    def check(self, paths: Sequence[str | os.PathLike[str]], progress: ProgressCallback | None = None) -> Report:
        sets = discover([str(p) for p in paths])
        total = sum(len(s.files) for s in sets)
        done = 0
        results = []
        for photo_set in sets:
            facts = []
            for f in photo_set.files:
                facts.append(self.facts(f))
                done += 1
                if progress:
                    progress(done, total, f)
            results.append(self.judge_set(photo_set, facts))
        return self.report(results)

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
    def judge_set_facts(self, facts: list[ImageFacts]) -> list[ImageResult]:
        pitch, roll = _set_level(facts)
        return [self._judge_image(f, pitch, roll) for f in facts]

    def judge_set(self, photo_set: PhotoSet, facts: list[ImageFacts]) -> SetResult:
        images = sorted(self.judge_set_facts(facts), key=lambda r: r.path)
        opts = self.pack.scoring
        set_findings: list[Finding] = []  # set-level rules arrive with the set-judgement issue
        score = scoring.set_score([i.score for i in images], set_findings, opts)
        any_error = any(not i.usable for i in images)
        any_set_error = any(f.severity is Severity.ERROR for f in set_findings)
        return SetResult(
            path=photo_set.path,
            score=score,
            verdict=scoring.verdict(score, any_error, any_set_error, opts),
            coverage=_coverage(images),
            advice=tuple(_advice(images)),
            findings=tuple(sorted(set_findings, key=Finding.sort_key)),
            images=tuple(images),
        )

    def _judge_image(self, facts: ImageFacts, set_pitch: float, set_roll: float) -> ImageResult:
        subject_index = pick_subject(facts.faces)
        subject = facts.faces[subject_index] if facts.faces and subject_index is not None else None
        ctx = ImageContext(facts=facts, subject=subject, set_pitch=set_pitch, set_roll=set_roll)
        findings: list[Finding] = []
        for code, setting in self.pack.rules.items():
            rule = REGISTRY[code]
            if facts.error and code != "IQ01":
                continue
            if not facts.error and ("basic" in rule.requires and facts.basic is None):
                continue
            if "faces" in rule.requires and facts.faces is None:
                continue
            for hit in rule().check(ctx, setting.options):
                findings.append(Finding(code, rule.name, setting.severity, hit.message, hit.fix))
        findings.sort(key=lambda f: (f.code, f.message))
        cls = self.pack.classify
        faces = tuple(
            _face_result(face, i == subject_index, cls) for i, face in enumerate(facts.faces or ())
        )
        b = facts.basic
        return ImageResult(
            path=facts.path,
            width=b.width if b else None,
            height=b.height if b else None,
            score=scoring.photo_score(findings, self.pack.scoring),
            faces=faces,
            lighting=classify.lighting(facts.lighting, cls.lighting),
            findings=tuple(findings),
            facts=facts,
        )


def pick_subject(faces: tuple[FaceFacts, ...] | None) -> int | None:
    """Until identity exists: the largest clearly visible face (landmarked faces before cascade-only ones)."""
    if not faces:
        return None
    return max(range(len(faces)), key=lambda i: (faces[i].yaw is not None, faces[i].box[2] * faces[i].box[3]))


def _face_result(face: FaceFacts, is_subject: bool, cls: classify.ClassifyOptions) -> FaceResult:
    expr, _ = classify.expression(face, cls.expression)
    return FaceResult(
        box=face.box,
        is_subject=is_subject,
        yaw=face.yaw,
        pitch=face.pitch,
        roll=face.roll,
        pose=classify.pose_bucket(face, cls.pose),
        expression=expr,
        identity_distance=None,
    )


def _set_level(facts: list[ImageFacts]) -> tuple[float, float]:
    """The set's median pitch and roll of subject faces: a person's habitual head carriage is not a flaw."""
    pitches, rolls = [], []
    for f in facts:
        i = pick_subject(f.faces)
        if f.faces and i is not None and f.faces[i].pitch is not None and f.faces[i].roll is not None:
            pitches.append(f.faces[i].pitch)
            rolls.append(f.faces[i].roll)
    if len(pitches) < 3:  # too few to know a habit; judge against level
        return 0.0, 0.0
    return float(statistics.median(pitches)), float(statistics.median(rolls))


def _coverage(images: list[ImageResult]) -> dict[str, dict[str, int]]:
    pose = dict.fromkeys(_POSE_KEYS, 0)
    expr = dict.fromkeys(_EXPRESSION_KEYS, 0)
    light = dict.fromkeys(_LIGHTING_KEYS, 0)
    for img in images:
        if not img.usable:
            continue
        subject = next((f for f in img.faces if f.is_subject), None)
        if subject is not None:
            if subject.pose:
                pose[subject.pose] += 1
            if subject.expression:
                expr[subject.expression] += 1
        setting, kind = img.lighting.get("setting", "unknown"), img.lighting.get("light", "unknown")
        if setting in ("indoor", "outdoor"):
            light[setting] += 1
        if kind != "unknown":
            light[kind] += 1
        if setting == "unknown" and kind == "unknown":
            light["unknown"] += 1
    return {"pose": pose, "expression": expr, "lighting": light}


def _advice(images: list[ImageResult]) -> list[str]:
    """What to replace, worst first (set-level 'what to shoot next' comes with the set rules)."""
    out = []
    for img in sorted(images, key=lambda i: (i.score, i.path)):
        errors = [f for f in img.findings if f.severity is Severity.ERROR]
        if errors:
            reasons = ", ".join(dict.fromkeys(f.name for f in errors))
            out.append(f"Replace {Path(img.path).name}: {reasons} — {errors[0].fix}")
    return out


def check(
    paths: Sequence[str | os.PathLike[str]],
    *,
    pack: str | Pack = "default",
    face_model: str | os.PathLike[str] | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Check photo folders/files and return the report. Raises only ConfigError / ModelError (bad setup)."""
    with Checker(pack, face_model=face_model, select=select, ignore=ignore) as checker:
        return checker.check(paths, progress=progress)

