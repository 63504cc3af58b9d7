"""The documented error types. Nothing else escapes the library for a bad photo: bad photos become IQ01."""

from __future__ import annotations


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
