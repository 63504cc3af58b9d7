"""The rule framework: what a rule is, what it sees, and the registry. Rules live in sibling modules.

Image rules judge one photo (its facts and its subject face); set rules judge the photos together
(identity, and later coverage and duplicates). Both are pure functions of facts, context and options.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..duplicates import DuplicateGroup
from ..identity import PhotoIdentity, SetIdentity
from ..model import FaceFacts, ImageFacts, Severity

if TYPE_CHECKING:
    from ..model import ImageResult


@dataclass(frozen=True)
class Hit:
    """What a rule reports: the measured problem and what to do about it (and, for set rules, which photos)."""

    message: str
    fix: str
    paths: tuple[str, ...] = ()
    softer: bool = False  # one level below the pack's severity (DS01 between the minimum and recommended)
    advice: str = ""  # set rules: the concrete next steps (one per line) for the "what to shoot next" list


@dataclass(frozen=True)
class ImageContext:
    """What an image rule may look at: the photo's facts, its subject face, and the set's typical head angle."""

    facts: ImageFacts
    subject: FaceFacts | None
    set_pitch: float = 0.0  # the set's median pitch: PO01 judges tilt relative to how this person holds their head
    set_roll: float = 0.0
    identity: PhotoIdentity | None = None  # how the subject face was chosen (None: no identity step ran)


@dataclass(frozen=True)
class SetContext:
    """What a set rule may look at: every photo's facts and image results, and who the set is about."""

    facts: Sequence[ImageFacts]
    identity: SetIdentity
    images: Sequence[ImageResult] = field(default=())
    # the photos that count toward coverage: usable, of the subject, one per duplicate group
    shots: Sequence[ImageResult] = field(default=())
    duplicates: Sequence[DuplicateGroup] = field(default=())  # indices into facts
    coverage: dict[str, Any] = field(default_factory=dict)


class Rule:
    """Common attributes of every rule. Subclasses set them and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    default_severity: ClassVar[Severity]
    level: ClassVar[str] = "image"
    requires: ClassVar[frozenset[str]] = frozenset({"basic"})
    # set rules whose paths name the offending photos (not just the photos involved): an error-level
    # finding of theirs makes those photos unusable, like an error of the photo's own
    blames_photos: ClassVar[bool] = False
    # coverage rules are scored through the coverage share (their `targets`), not a penalty (scoring.py)
    in_coverage: ClassVar[bool] = False

    @dataclass(frozen=True)
    class Options:
        pass


class ImageRule(Rule):
    """A pure check of one photo."""

    def check(self, ctx: ImageContext, opts: Any) -> Iterator[Hit]:  # pragma: no cover - abstract
        raise NotImplementedError


class SetRule(Rule):
    """A pure check of the photos of one set together."""

    level: ClassVar[str] = "set"

    def check(self, ctx: SetContext, opts: Any) -> Iterator[Hit]:  # pragma: no cover - abstract
        raise NotImplementedError

    def targets(self, ctx: SetContext, opts: Any) -> list[float]:
        """Coverage rules: how far each of their targets is met, 0..1 (see scoring.py)."""
        return []


def file_name(path: str) -> str:
    """How set-rule messages name a photo: its file name (the finding's paths carry the full path)."""
    return Path(path).name or path


REGISTRY: dict[str, type[ImageRule] | type[SetRule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    if cls.code in REGISTRY:
        raise ValueError(f"rule code {cls.code} registered twice")
    REGISTRY[cls.code] = cls  # type: ignore[assignment]
    return cls
