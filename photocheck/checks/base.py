"""The rule framework: what a rule is, what it sees, and the registry. Rules live in sibling modules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ..model import FaceFacts, ImageFacts, Severity


@dataclass(frozen=True)
class Hit:
    """What a rule reports: the measured problem and what to do about it."""

    message: str
    fix: str


@dataclass(frozen=True)
class ImageContext:
    """What an image rule may look at: the photo's facts, its subject face, and the set's typical head angle."""

    facts: ImageFacts
    subject: FaceFacts | None
    set_pitch: float = 0.0  # the set's median pitch: PO01 judges tilt relative to how this person holds their head
    set_roll: float = 0.0


class ImageRule:
    """A pure check of one photo. Subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    default_severity: ClassVar[Severity]
    level: ClassVar[str] = "image"
    requires: ClassVar[frozenset[str]] = frozenset({"basic"})

    @dataclass(frozen=True)
    class Options:
        pass

    def check(self, ctx: ImageContext, opts: Any) -> Iterator[Hit]:  # pragma: no cover - abstract
        raise NotImplementedError


REGISTRY: dict[str, type[ImageRule]] = {}


def register(cls: type[ImageRule]) -> type[ImageRule]:
    if cls.code in REGISTRY:
        raise ValueError(f"rule code {cls.code} registered twice")
    REGISTRY[cls.code] = cls
    return cls
