"""Which photos form which set: a folder is a set (its direct image files); loose files group by folder; a
folder with no photos of its own but with set folders inside (photos/alice, photos/bob) stands for those."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import ConfigError
from .measure.options import is_image_name


@dataclass(frozen=True)
class PhotoSet:
    path: str  # as the user wrote it (relative stays relative)
    files: tuple[str, ...]


def shown_path(path: str | os.PathLike[str]) -> str:
    """`path` relative to the current folder when it lies inside it, else as it is (also on another drive)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return relative if not relative.startswith("..") else str(path)


def excluded_name(name: str, exclude: Sequence[str]) -> bool:
    return name.startswith(".") or any(fnmatch.fnmatch(name, pattern) for pattern in exclude)


def _has_photos(folder: str, exclude: Sequence[str]) -> bool:
    try:
        return any(is_image_name(e.name) and not excluded_name(e.name, exclude) for e in os.scandir(folder))
    except OSError:
        return True  # unreadable: keep it as a set, so that the error names it


def expand_set_folders(paths: Sequence[str], exclude: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """Paths with every folder that holds no photos of its own replaced by the set folders inside it (at any
    depth; hidden folders and `exclude` patterns skipped). Returns (paths, paths in which no photo was found)."""
    out: list[str] = []
    empty: list[str] = []

    def walk(folder: str) -> list[str]:
        if _has_photos(folder, exclude):
            return [folder]
        try:
            subs = sorted(e.name for e in os.scandir(folder) if e.is_dir() and not excluded_name(e.name, exclude))
        except OSError:
            return [folder]
        return [found for sub in subs for found in walk(os.path.join(folder, sub))]

    for raw in paths:
        p = str(raw)
        if os.path.isdir(p) and not is_image_name(p):
            sets = walk(p)
            if sets:
                out.extend(sets)
            else:
                empty.append(p)
        else:
            out.append(p)
    return out, empty


def discover(paths: list[str] | tuple[str, ...], exclude: Sequence[str] = ()) -> list[PhotoSet]:
    """Sets in first-seen order; files sorted within a set. A missing path is a usage error. A folder without
    photos of its own stands for the set folders inside it (see `expand_set_folders`)."""
    paths, _ = expand_set_folders(list(paths), exclude)  # a missing path passes through to the error below
    order: list[str] = []
    members: dict[str, list[str]] = {}

    def add(set_path: str, file: str | None) -> None:
        if set_path not in members:
            members[set_path] = []
            order.append(set_path)
        if file is not None and file not in members[set_path]:
            members[set_path].append(file)

    for raw in paths:
        # one spelling per file: `d/x.jpg d//x.jpg` and `d d/` name one photo and one set, checked once
        p = os.path.normpath(str(raw))
        if os.path.isdir(p) and not is_image_name(p):
            add(p, None)
            try:
                entries = sorted(os.scandir(p), key=lambda e: e.name)
            except OSError as e:
                raise ConfigError(f"{p}: folder cannot be read: {e.strerror or e}") from None
            for entry in entries:
                # image-named entries only; a broken link or a folder named x.jpg is kept so IQ01 can say so
                if is_image_name(entry.name) and not excluded_name(entry.name, exclude):
                    add(p, os.path.join(p, entry.name))
        elif os.path.lexists(p):
            add(os.path.dirname(p) or ".", p)
        else:
            raise ConfigError(f"{p}: no such file or folder")
    return [PhotoSet(s, tuple(sorted(members[s]))) for s in order]
