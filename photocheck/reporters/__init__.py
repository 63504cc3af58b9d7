"""Output formats. Each reporter only reads a Report and returns text."""

from __future__ import annotations

from collections.abc import Callable

from .html import render_html
from .json import render_json
from .junit import render_junit
from .lines import render_concise, render_github, render_json_lines
from .sarif import render_sarif
from .text import render_text

REPORTERS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "concise": render_concise,
    "json": render_json,
    "json-lines": render_json_lines,
    "sarif": render_sarif,
    "github": render_github,
    "junit": render_junit,
    "html": render_html,
}

__all__ = [
    "REPORTERS",
    "render_concise",
    "render_github",
    "render_html",
    "render_json",
    "render_json_lines",
    "render_junit",
    "render_sarif",
    "render_text",
]
