"""The words of the report, defined once: pose buckets, expressions, light, actions (SPEC §2, §3)."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable
from typing import Literal

# subject's own perspective: yaw > 0 = turned to their own left
POSE_BUCKETS = (
    "frontal", "slight-left", "slight-right", "three-quarter-left", "three-quarter-right",
    "profile-left", "profile-right",
)  # fmt: skip
PROFILE_BUCKETS = ("profile-left", "profile-right")
EXPRESSIONS = ("neutral", "smile", "frown", "surprise", "other")
# the expressions the guidance asks for ("other" is a grimace, wink, speaking: never required)
REQUIRED_EXPRESSIONS = ("neutral", "smile", "frown", "surprise")
SETTINGS = ("indoor", "outdoor")
LIGHTS = ("sunny", "overcast", "artificial", "flash")
LIGHTING_KEYS = (*SETTINGS, *LIGHTS, "unknown")
# the light on the subject's face: direction (the subject's own sides) and hardness; "unknown" where unmeasured
FACE_LIGHT_KEYS = ("frontal", "left", "right", "above", "hard", "soft", "unknown")
# one per photo, decided once by the judge: remove beats replace beats keep
ACTIONS = ("keep", "replace", "remove")


GapKind = Literal["pose", "expression", "setting", "light"]


@dataclass(frozen=True)
class Gap:
    """Something a set may lack (a key of the coverage rules' `tally`, named in `Coverage.missing`): how advice
    names a photo that is the set's only source of it ("your only profile view"), and the pose rows of the
    coverage grid it stands for."""

    name: str
    kind: GapKind
    phrase: str
    pose_rows: tuple[str, ...] = ()


GAPS: dict[str, Gap] = {g.name: g for g in (
    Gap("profile", "pose", "profile view", PROFILE_BUCKETS),
    Gap("frontal", "pose", "frontal view", ("frontal",)),
    Gap("slight-left", "pose", "turn to your left", ("slight-left",)),
    Gap("slight-right", "pose", "turn to your right", ("slight-right",)),
    Gap("neutral", "expression", "neutral expression"),
    Gap("smile", "expression", "smile"),
    Gap("frown", "expression", "frown"),
    Gap("surprise", "expression", "surprised expression"),
    Gap("indoor", "setting", "indoor photo"),
    Gap("outdoor", "setting", "outdoor photo"),
    Gap("sunny", "light", "sunny photo"),
    Gap("overcast", "light", "overcast photo"),
)}  # fmt: skip


def gap_phrase(gap: str) -> str:
    """How advice names a gap ("profile view"); the key itself for one not in GAPS."""
    return GAPS[gap].phrase if gap in GAPS else gap


def pose_row_missing(pose: str, missing: Iterable[str]) -> bool:
    """Is this pose row of the coverage grid one a missing gap stands for? ("profile" is either side.)"""
    return any(pose in GAPS[g].pose_rows for g in missing if g in GAPS)


def plural(n: int, noun: str) -> str:
    """ "1 photo", "2 photos": the one way rules and presenters count things in words."""
    return f"{n} {noun}{'s' if n != 1 else ''}"
