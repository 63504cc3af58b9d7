"""Output formats. Each reporter only reads a Report and returns text."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Report
from .json import render_json
from .text import render_text

REPORTERS: dict[str, Callable[..., str]] = {"text": render_text, "json": render_json}

__all__ = ["REPORTERS", "render_json", "render_text"]
