"""The set-evidence stage: everything about a set that is read from the facts once, before any rule runs.

Who the subject is and which face is theirs in each photo, every face's pose / expression labels, each
photo's light, the set's habitual head carriage, and the duplicate groups with the copy to keep. Pure
functions of recorded facts and the pack's options (`[identity]`, `[classify]`, `[duplicates]`); no image
or model library.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..model import FaceFacts, ImageFacts
from . import heads, labels
from .duplicates import DuplicateGroup, DuplicateOptions, find_duplicates
from .labels import ClassifyOptions
from .subject import IdentityOptions, PhotoIdentity, Reference, SetIdentity, resolve

__all__ = ["FaceEvidence", "PhotoEvidence", "SetEvidence", "build_evidence", "subject_faces"]


@dataclass(frozen=True)
class FaceEvidence:
    """The labels of one face, read once."""

    is_subject: bool
    pose: str | None
    pose_confidence: float | None
    expression: str | None
    expression_confidence: float | None
    identity_distance: float | None  # to the subject's centre; None when not comparable
    # False for a label below [classify.expression] count-min-confidence: shown, never counted in coverage
    expression_counted: bool = True
    # every expression the face may show (the head's probability at least [classify.expression] may-show-min)
    expression_may_show: tuple[str, ...] = ()
    expression_probabilities: dict[str, float] | None = None


@dataclass(frozen=True)
class PhotoEvidence:
    facts: ImageFacts
    identity: PhotoIdentity
    subject: FaceFacts | None  # the subject's face in this photo (None: not in it, or no face)
    faces: tuple[FaceEvidence, ...]
    lighting: dict[str, Any]  # setting, light, evidence, confidence
    duplicate_of: int | None = None  # index of the kept copy when this photo is an extra copy of it
    tilt_measurable: bool = True  # the subject face is turned less than [classify.pose] tilt-max-yaw

    @property
    def path(self) -> str:
        return self.facts.path

    @property
    def subject_labels(self) -> FaceEvidence | None:
        return next((f for f in self.faces if f.is_subject), None)


@dataclass(frozen=True)
class SetEvidence:
    photos: tuple[PhotoEvidence, ...]
    identity: SetIdentity
    duplicates: tuple[DuplicateGroup, ...]  # indices into photos
    set_pitch: float = 0.0  # the subject's median pitch / roll: PO01 judges tilt against this person's habit
    set_roll: float = 0.0

    @property
    def facts(self) -> tuple[ImageFacts, ...]:
        return tuple(p.facts for p in self.photos)


def build_evidence(
    facts: Sequence[ImageFacts],
    *,
    identity: IdentityOptions,
    classify: ClassifyOptions,
    duplicates: DuplicateOptions,
    reference: Reference | None = None,
) -> SetEvidence:
    """The evidence of one set. Identity comes first: it decides each photo's subject face, and the
    subject's neutral photos are the baseline a frown is read against."""
    who = resolve(facts, identity, reference)
    subjects = subject_faces(facts, who)
    def measurable(face: FaceFacts | None) -> bool:
        return face is not None and (face.yaw is None or abs(face.yaw) < classify.pose.tilt_max_yaw)

    pitch, roll = _set_level([s if measurable(s) else None for s in subjects])
    # the person's typical face, from their other photos in the set: a frown is read as a rise over it
    own = [s if pid.status == "match" else None for s, pid in zip(subjects, who.photos)]
    baselines = heads.expression_baselines(own) if who.basis != "none" and not who.mixed else [None] * len(own)

    groups = tuple(find_duplicates(facts, duplicates, classify.expression))
    copy_of = {i: g.keep for g in groups for i in g.members if i != g.keep}
    photos = tuple(
        PhotoEvidence(
            facts=f,
            identity=pid,
            subject=subject,
            faces=tuple(
                _face_evidence(face, i == pid.subject, pid.distances[i] if pid.distances else None, classify,
                               baselines[k] if i == pid.subject else None)
                for i, face in enumerate(f.faces or ())
            ),  # fmt: skip
            lighting=labels.lighting(f.lighting, classify.lighting, subject),
            duplicate_of=copy_of.get(k),
            tilt_measurable=measurable(subject),
        )
        for k, (f, pid, subject) in enumerate(zip(facts, who.photos, subjects))
    )
    return SetEvidence(photos, who, groups, pitch, roll)


def subject_faces(facts: Sequence[ImageFacts], who: SetIdentity) -> list[FaceFacts | None]:
    """Each photo's subject face as the identity stage chose it (None: not in the photo, or no face)."""
    return [f.faces[pid.subject] if f.faces and pid.subject is not None else None for f, pid in zip(facts, who.photos)]


def _face_evidence(
    face: FaceFacts,
    is_subject: bool,
    distance: float | None,
    cls: ClassifyOptions,
    baseline: dict[str, float] | None,
) -> FaceEvidence:
    reading = labels.expression(face, cls.expression, baseline)
    return FaceEvidence(
        is_subject=is_subject,
        pose=labels.pose_bucket(face, cls.pose),
        pose_confidence=labels.pose_confidence(face, cls.pose),
        expression=reading.label,
        expression_confidence=reading.confidence,
        identity_distance=distance,
        expression_counted=reading.counted,
        expression_may_show=reading.may_show,
        expression_probabilities=reading.probabilities,
    )


def _set_level(subjects: Sequence[FaceFacts | None]) -> tuple[float, float]:
    """The set's median pitch and roll of subject faces: a person's habitual head carriage is not a flaw."""
    angles = [(s.pitch, s.roll) for s in subjects if s is not None and s.pitch is not None and s.roll is not None]
    if len(angles) < 3:  # too few to know a habit; judge against level
        return 0.0, 0.0
    return float(statistics.median(a[0] for a in angles)), float(statistics.median(a[1] for a in angles))
