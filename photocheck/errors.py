"""The documented error types. Nothing else escapes the library for a bad photo: bad photos become IQ01."""

from __future__ import annotations

import enum


class PhotocheckError(Exception):
    """Base class for every error photocheck raises on purpose."""


class ConfigError(PhotocheckError):
    """A rule pack, option or command-line value is wrong. Raised before any photo is read."""


class ModelError(PhotocheckError):
    """The face model file is missing, corrupt or not a MediaPipe Face Landmarker bundle."""


class ImageLoadError(PhotocheckError):
    """A photo could not be decoded. Carries the file name and a reason a person can act on."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class CheckerClosedError(PhotocheckError):
    """A closed `Checker` was asked to measure a photo: its models are released (create a new Checker)."""


class ExitCode(enum.IntEnum):
    """What the command line exits with (ruff's and pre-commit's convention)."""

    CLEAN = 0  # every set passes its own gate
    FINDINGS = 1  # a set fails its gate (fail-on, fail-under)
    ERROR = 2  # a usage, configuration or setup error (a missing model), or an internal one: no report to trust
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as a shell reports it
