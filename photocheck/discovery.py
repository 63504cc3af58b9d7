"""Which photos form which set: a folder is a set (its direct image files); loose files group by folder."""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import ConfigError
from .measure.options import is_image_name


@dataclass(frozen=True)
class PhotoSet:
    path: str  # as the user wrote it (relative stays relative)
    files: tuple[str, ...]


def discover(paths: list[str] | tuple[str, ...]) -> list[PhotoSet]:
    """Sets in first-seen order; files sorted within a set. A missing path is a usage error."""
    order: list[str] = []
    members: dict[str, list[str]] = {}

    def add(set_path: str, file: str | None) -> None:
        if set_path not in members:
            members[set_path] = []
            order.append(set_path)
        if file is not None and file not in members[set_path]:
            members[set_path].append(file)

    for raw in paths:
        p = str(raw)
        if os.path.isdir(p) and not is_image_name(p):
            add(p, None)
            try:
                entries = sorted(os.scandir(p), key=lambda e: e.name)
            except OSError as e:
                raise ConfigError(f"{p}: folder cannot be read: {e.strerror or e}") from None
            for entry in entries:
                # image-named entries only; a broken link or a folder named x.jpg is kept so IQ01 can say so
                if is_image_name(entry.name) and not entry.name.startswith("."):
                    add(p, os.path.join(p, entry.name))
        elif os.path.lexists(p):
            add(os.path.dirname(p) or ".", p)
        else:
            raise ConfigError(f"{p}: no such file or folder")
    return [PhotoSet(s, tuple(sorted(members[s]))) for s in order]
