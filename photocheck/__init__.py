"""photocheck: a linter for the reference photos of a face-identity profile.

    >>> import photocheck
    >>> report = photocheck.check(["photos/"])          # folders are sets
    >>> report.verdict, round(report.score)
    ('needs-work', 72)

For upload pipelines, keep a Checker (models load once) and check one photo at a time:

    >>> with photocheck.Checker() as checker:
    ...     result = checker.check_image(upload_bytes, name="IMG_0042.jpg")
"""

from ._version import __version__
from .config import Pack, load_pack
from .engine import Checker, PhotoSource, check
from .errors import ConfigError, ImageLoadError, ModelError, PhotocheckError
from .model import (
    FaceFacts,
    FaceResult,
    Finding,
    ImageFacts,
    ImageResult,
    Report,
    SetResult,
    Severity,
)
from .reporters.json import report_dict

__all__ = [
    "Checker",
    "ConfigError",
    "FaceFacts",
    "FaceResult",
    "Finding",
    "ImageFacts",
    "ImageLoadError",
    "ImageResult",
    "ModelError",
    "Pack",
    "PhotoSource",
    "PhotocheckError",
    "Report",
    "SetResult",
    "Severity",
    "__version__",
    "check",
    "load_pack",
    "report_dict",
]
