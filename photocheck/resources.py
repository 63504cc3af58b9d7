"""Where the editable data that ships with photocheck lives: `rules/` (packs and rule docs)."""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError


def rules_dir() -> Path:
    """`rules/` as installed in the wheel (photocheck/_rules), or beside the package in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_rules", here.parent / "rules"):
        if (candidate / "packs").is_dir():
            return candidate
    raise ConfigError("photocheck's rule packs are missing from the installation (rules/packs)")
