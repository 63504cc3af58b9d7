"""photocheck: a linter for the reference photos of a face-identity profile.

    >>> import photocheck
    >>> report = photocheck.check(["photos/"])          # folders are sets
    >>> report.verdict, round(report.score)
    ('needs-work', 72)

For upload pipelines, keep a Checker (models load once) and check one photo at a time:

    >>> with photocheck.Checker() as checker:
    ...     result = checker.check_image(upload_bytes, name="IMG_0042.jpg")

Facts recorded once (`photocheck facts`, or `Checker.measure_sets`) are judged again with any pack, without a
photo or a model, through the same front door `check` uses:

    >>> for recorded in photocheck.read_facts_file("facts.json"):
    ...     result = photocheck.judge_facts(recorded.path, recorded.facts, photocheck.load_pack("strict"))

To check that an upload shows the same person as the profile so far, give the Checker a reference
(earlier photos, or a file saved with `Reference.save` / `photocheck reference`):

    >>> with photocheck.Checker(reference=["profile/"]) as checker:
    ...     match = checker.match(upload_bytes, name="IMG_0043.jpg")
    ...     match.same_person, match.distance
    (True, 0.31)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import CheckerClosedError, ConfigError, ImageLoadError, ModelError, PhotocheckError
from .errors import ExitCode
from .evidence.subject import IdentityMatch, Reference
from .facts_file import RecordedSet, read_facts_file, write_facts_file
from .judge import MIXED_PACKS, judge_facts, judge_report
from .model import (
    Coverage,
    CoverageCounts,
    FaceFacts,
    FaceResult,
    Finding,
    ImageFacts,
    ImageResult,
    Report,
    SetResult,
    Severity,
)
from .packs import Pack, load_pack
from .reporters.json import report_dict

if TYPE_CHECKING:
    from .api import Checker, PhotoSource, check

_MEASURING = ("Checker", "PhotoSource", "check")


def __getattr__(name: str) -> Any:
    """`Checker` and `check` load the image and model libraries: only when first used, so that judging
    recorded facts, `photocheck --version` and the rule listing start without them."""
    if name in _MEASURING:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'photocheck' has no attribute {name!r}")

__all__ = [
    "MIXED_PACKS",
    "Checker",
    "CheckerClosedError",
    "ConfigError",
    "Coverage",
    "CoverageCounts",
    "ExitCode",
    "FaceFacts",
    "FaceResult",
    "Finding",
    "IdentityMatch",
    "ImageFacts",
    "ImageLoadError",
    "ImageResult",
    "ModelError",
    "Pack",
    "PhotoSource",
    "PhotocheckError",
    "RecordedSet",
    "Reference",
    "Report",
    "SetResult",
    "Severity",
    "__version__",
    "check",
    "judge_facts",
    "judge_report",
    "load_pack",
    "read_facts_file",
    "report_dict",
    "write_facts_file",
]
