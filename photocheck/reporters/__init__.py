"""Output formats. Each reporter only reads a Report and returns text.

A run prints one format, so each reporter's module (the HTML one brings jinja2, the text one rich) is
imported only when its format is asked for: `REPORTERS[name]` imports it then.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .html import render_html
    from .json import render_json
    from .junit import render_junit
    from .lines import render_concise, render_github, render_json_lines
    from .sarif import render_sarif
    from .text import render_text

# format name -> (module in this package, its render function)
_WHERE: dict[str, tuple[str, str]] = {
    "text": ("text", "render_text"),
    "concise": ("lines", "render_concise"),
    "json": ("json", "render_json"),
    "json-lines": ("lines", "render_json_lines"),
    "sarif": ("sarif", "render_sarif"),
    "github": ("lines", "render_github"),
    "junit": ("junit", "render_junit"),
    "html": ("html", "render_html"),
}


class _Reporters(Mapping[str, Callable[..., str]]):
    """The formats by name, in a fixed order; a reporter's module is imported on first look-up."""

    def __getitem__(self, name: str) -> Callable[..., str]:
        module, function = _WHERE[name]
        render: Callable[..., str] = getattr(importlib.import_module(f"{__name__}.{module}"), function)
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


REPORTERS: Mapping[str, Callable[..., str]] = _Reporters()


def __getattr__(name: str) -> Any:  # `from photocheck.reporters import render_html` keeps working
    for fmt, (_, function) in _WHERE.items():
        if function == name:
            return REPORTERS[fmt]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
