"""The rule framework: what a rule is, what it sees, and the registry. Rules live in sibling modules.

Image rules judge one photo (its facts and its subject face); set rules judge the photos together
(identity, and later coverage and duplicates). Both are pure functions of facts, context and options.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from ..evidence import SetEvidence
from ..evidence.coverage import tally
from ..evidence.duplicates import DuplicateGroup
from ..evidence.subject import PhotoIdentity, SetIdentity
from ..model import CoverageCounts, FaceFacts, Finding, ImageFacts, Severity
from ..resources import rules_dir

if TYPE_CHECKING:
    from ..model import ImageResult


@dataclass(frozen=True)
class Hit:
    """What a rule reports: the measured problem and what to do about it (and, for set rules, which photos)."""

    message: str
    fix: str
    paths: tuple[str, ...] = ()
    softer: bool = False  # one level below the pack's severity (DS01 between the minimum and recommended)
    # set rules: the concrete next steps for the "what to do next" list, each with the coverage gap it fills
    # (a key of the rule's `tally`, or "" for none)
    advice: tuple[tuple[str, str], ...] = ()
    removes: tuple[str, ...] = ()  # the photos to take out of the set (see Rule.removes_photos)


@dataclass(frozen=True)
class ImageContext:
    """What an image rule may look at: the photo's facts, its subject face, and the set's typical head angle."""

    facts: ImageFacts
    subject: FaceFacts | None
    set_pitch: float = 0.0  # the set's median pitch: PO01 judges tilt relative to how this person holds their head
    set_roll: float = 0.0
    identity: PhotoIdentity | None = None  # how the subject face was chosen (None: no identity step ran)
    # whether the subject face's pitch and roll can be read at all ([classify.pose] tilt-max-yaw): near a profile
    # the two angles trade places and neither means what it says
    tilt_measurable: bool = True


@dataclass(frozen=True)
class SetContext:
    """What a set rule may look at: the set's evidence and what the kept photos cover.

    Set rules that remove photos (ID01, DS02) run first and see no `shots` yet; the others run after the
    judge has decided each photo's action and see the kept photos (`shots`) and their coverage counts.
    """

    evidence: SetEvidence
    # the photos that count toward coverage: the ones the judge keeps (usable, of the subject, one per copy)
    shots: Sequence[ImageResult] = field(default=())
    coverage: CoverageCounts = field(default_factory=lambda: tally(()))

    @property
    def facts(self) -> tuple[ImageFacts, ...]:
        return self.evidence.facts

    @property
    def identity(self) -> SetIdentity:
        return self.evidence.identity

    @property
    def duplicates(self) -> Sequence[DuplicateGroup]:
        return self.evidence.duplicates


class Rule:
    """Common attributes of every rule. Subclasses set them and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    default_severity: ClassVar[Severity]
    level: ClassVar[str] = "image"
    requires: ClassVar[frozenset[str]] = frozenset({"basic"})
    # set rules whose hits name photos to take out of the set (`Hit.removes`): "on-error" when only an
    # error-level finding removes them (ID01: a probable look-alike at warning level is kept), "always"
    # when the rule's finding removes them whatever its severity (DS02: the extra copies)
    removes_photos: ClassVar[str] = "never"
    # coverage rules are scored through the coverage share (their `targets`), not a penalty (scoring.py)
    in_coverage: ClassVar[bool] = False
    # the one rule that judges photos whose file could not be read (IQ01): every other rule skips them
    judges_unreadable: ClassVar[bool] = False

    @dataclass(frozen=True)
    class Options:
        pass


class ImageRule(Rule):
    """A pure check of one photo."""

    level: ClassVar[str] = "image"

    def check(self, ctx: ImageContext, opts: Any) -> Iterator[Hit]:  # pragma: no cover - abstract
        raise NotImplementedError


# where a set rule's advice lines go (judge/advice.py): "subject" first (who the set is about, ID02), "doubt"
# before the photos to replace (kept photos that may be someone else: check them, ID01), "add" after them
AdviceStage = Literal["subject", "doubt", "add"]


class SetRule(Rule):
    """A pure check of the photos of one set together."""

    level: ClassVar[str] = "set"
    # the order of set findings at one severity, and so of their advice lines: who the set is about, the count,
    # angles, expressions, light, repeats
    advice_rank: ClassVar[int] = 9
    advice_stage: ClassVar[AdviceStage] = "add"

    def removal_advice(self, finding: Finding, drop: Sequence[str], actions: Mapping[str, str]) -> list[str]:
        """The advice lines that take `drop` (photos this finding removes, not named before) out of the set;
        `actions`: every photo's action, by path."""
        return [f"Remove {file_name(p)}: {finding.name}" for p in drop]

    def check(self, ctx: SetContext, opts: Any) -> Iterator[Hit]:  # pragma: no cover - abstract
        raise NotImplementedError

    def targets(self, ctx: SetContext, opts: Any) -> list[float]:
        """Coverage rules: how far each of their targets is met, 0..1 (see scoring.py); undecided gaps are
        left out (neither met nor unmet)."""
        undecided = self.undecided(ctx, opts)
        return [float(n > 0) for gap, n in self.tally(ctx.coverage, opts).items() if n or not undecided.get(gap)]

    def tally(self, coverage: CoverageCounts, opts: Any) -> dict[str, int]:
        """Coverage rules: how many photos fill each of the rule's gaps (keys as in `Hit.advice`), read from
        coverage counts (`evidence.coverage.tally`). A gap with 0 is missing — unless `undecided` says some
        kept photos may fill it."""
        return {}

    def undecided(self, ctx: SetContext, opts: Any) -> dict[str, int]:
        """Coverage rules: per gap, how many kept photos could not be judged for it and so may fill it. Such a
        gap with no photo judged to fill it is neither present nor missing: never advised, never scored."""
        return {}


def select_codes(patterns: Iterable[str]) -> set[str]:
    """The one way a selector names rules (--select, --ignore, config files, per-file-ignores): `ALL`, a code or
    code prefix in any case ("fc0", "ID"), or a rule's exact name ("no-face")."""
    out: set[str] = set()
    for p in patterns:
        wanted = p.upper()
        out |= {c for c, r in REGISTRY.items() if wanted == "ALL" or c.startswith(wanted) or r.name == p}
    return out


def unknown_selectors(patterns: Iterable[str]) -> list[str]:
    """The selectors that name no rule at all (a typo, or a code that does not exist)."""
    return [p for p in patterns if not select_codes([p])]


def rule_code(key: str) -> str | None:
    """The code of one rule named by its exact code (any case) or its name; None when there is none."""
    if key.upper() in REGISTRY:
        return key.upper()
    return next((c for c, r in REGISTRY.items() if r.name == key), None)


def rule_names() -> list[str]:
    """Every code and name, for "did you mean" hints."""
    return sorted(list(REGISTRY) + [r.name for r in REGISTRY.values()])


R = TypeVar("R", bound="ImageRule | SetRule")


def rule_doc(code: str) -> str:
    """A rule's documentation page (rules/docs/<CODE>-<name>.md, shipped in the wheel), or its summary."""
    rule = REGISTRY[code]
    path = rules_dir() / "docs" / f"{code}-{rule.name}.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return rule.summary


def file_name(path: str) -> str:
    """How set-rule messages name a photo: its file name (the finding's paths carry the full path)."""
    return Path(path).name or path


REGISTRY: dict[str, type[ImageRule | SetRule]] = {}
# the same rules, by kind: the judge runs image rules on each photo and set rules on the set, never by a string
IMAGE_RULES: dict[str, type[ImageRule]] = {}
SET_RULES: dict[str, type[SetRule]] = {}


def register(cls: type[R]) -> type[R]:
    if cls.code in REGISTRY:
        raise ValueError(f"rule code {cls.code} registered twice")
    if issubclass(cls, ImageRule):
        IMAGE_RULES[cls.code] = REGISTRY[cls.code] = cls
    elif issubclass(cls, SetRule):
        SET_RULES[cls.code] = REGISTRY[cls.code] = cls
    else:
        raise TypeError(f"{cls.__name__}: a rule is an ImageRule or a SetRule")
    return cls
