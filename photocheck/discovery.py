"""Which photos form which set: a folder is a set (its direct image files); loose files group by folder; a
folder with no photos of its own but with set folders inside (photos/alice, photos/bob) stands for those.

The file system is untrusted input too. Every folder and file is counted once by what it really is (its real
path, links followed by the OS): two symlinks to `.` in a photo-less folder walked forever before, and `d`,
`/abs/d` and a link to `d` made three sets of the same photos. A folder that cannot be read becomes one set
holding a single entry that says so (IQ01 on the folder), never the end of the run; and a path is never
tidied as text across `..` (`link/../x` is where the OS says, not `x`).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import ConfigError
from .measure.options import is_image_name
from .model import UNREADABLE_FOLDER

# a folder walked deeper than this is not a photo library any person keeps: the walk stops there
MAX_FOLDER_DEPTH = 64
# an error message shows at most this much of a path (a 4,000-character path named in full buries the message)
SHOWN_PATH_CHARS = 160


@dataclass(frozen=True)
class PhotoSet:
    path: str  # as the user wrote it (relative stays relative)
    files: tuple[str, ...]
    # why the folder could not be listed; `files` then holds the folder itself, which is measured as one
    # unreadable entry (IQ01 names the folder and the reason)
    unreadable: str | None = None


def shown_path(path: str | os.PathLike[str]) -> str:
    """`path` relative to the current folder when it lies inside it, else as it is (also on another drive)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return relative if not relative.startswith("..") else str(path)


def short_path(path: str) -> str:
    """A path for a message: whole up to SHOWN_PATH_CHARS, else its start and end."""
    if len(path) <= SHOWN_PATH_CHARS:
        return path
    half = SHOWN_PATH_CHARS // 2
    return f"{path[:half]}…{path[-half:]} ({len(path)} characters)"


def excluded_name(name: str, exclude: Sequence[str]) -> bool:
    return name.startswith(".") or any(fnmatch.fnmatch(name, pattern) for pattern in exclude)


def tidy(path: str) -> str:
    """One spelling per path without changing what it names: repeated separators, `.` parts and a trailing
    separator go; `..` stays (after a symlink, `link/..` is the link target's parent, which text cannot know)."""
    if not path:
        return path
    absolute = path.startswith(os.sep)
    parts = [p for p in path.split(os.sep) if p not in ("", ".")]
    if os.altsep:
        parts = [q for p in parts for q in p.split(os.altsep) if q not in ("", ".")]
    joined = os.sep.join(parts)
    return (os.sep + joined) if absolute else (joined or ".")


def real(path: str) -> str:
    """What the OS opens for `path`: the identity by which folders and files are counted once."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def _is_dir(path: str) -> bool:
    try:
        return os.path.isdir(path)
    except (OSError, ValueError):
        return False


def _listing(folder: str) -> tuple[list[os.DirEntry[str]] | None, str | None]:
    """The folder's entries sorted by name, or None and why it cannot be listed."""
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name), None
    except OSError as e:
        return None, f"{UNREADABLE_FOLDER}: {e.strerror or type(e).__name__}"
    except ValueError as e:  # an embedded NUL
        return None, f"{UNREADABLE_FOLDER}: {e}"


def _exists(path: str) -> bool:
    """True when `path` names something (a broken link too: IQ01 says so); a usage error (ConfigError) when it
    names nothing or cannot be looked up at all (longer than the OS allows, a NUL in it)."""
    try:
        os.lstat(path)
        return True
    except FileNotFoundError:
        raise ConfigError(f"{short_path(path)}: no such file or folder") from None
    except NotADirectoryError:
        raise ConfigError(f"{short_path(path)}: no such file or folder (a part of it is a file)") from None
    except OSError as e:
        raise ConfigError(f"{short_path(path)}: cannot be checked: {e.strerror or e}") from None
    except ValueError as e:
        raise ConfigError(f"{short_path(path)}: cannot be checked: {e}") from None


def _entry_is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def expand_set_folders(paths: Sequence[str], exclude: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """Paths with every folder that holds no photos of its own replaced by the set folders inside it (at any
    depth up to MAX_FOLDER_DEPTH; hidden folders and `exclude` patterns skipped; each real folder visited once,
    so link loops end). A folder that cannot be listed stays, so that its set says why. Returns (paths, paths in
    which no photo was found)."""
    out: list[str] = []
    empty: list[str] = []
    visited: set[str] = set()

    def walk(folder: str, depth: int) -> list[str]:
        identity = real(folder)
        if identity in visited:
            return []  # a link back to a folder already walked (or two spellings of one)
        visited.add(identity)
        entries, why = _listing(folder)
        if entries is None:
            return [folder]  # unreadable: kept as a set, so that its finding names it
        if any(is_image_name(e.name) and not excluded_name(e.name, exclude) for e in entries):
            return [folder]
        if depth >= MAX_FOLDER_DEPTH:
            return []
        subs = [e.name for e in entries if not excluded_name(e.name, exclude) and _entry_is_dir(e)]
        return [found for sub in subs for found in walk(os.path.join(folder, sub), depth + 1)]

    for raw in paths:
        p = str(raw)
        if _is_dir(p) and not is_image_name(p):
            if real(p) in visited:
                continue  # named twice (`d d/`, `d /abs/d`): walked once
            sets = walk(p, 0)
            if sets:
                out.extend(sets)
            else:
                empty.append(p)
        else:
            out.append(p)
    return out, empty


def discover(paths: list[str] | tuple[str, ...], exclude: Sequence[str] = ()) -> list[PhotoSet]:
    """Sets in first-seen order; files sorted within a set. A missing path is a usage error. A folder without
    photos of its own stands for the set folders inside it (see `expand_set_folders`). A folder, or a file,
    named twice (`d` and `d/`, `d` and `/abs/d`, `d` and a link to it) is checked once, under the first name."""
    paths, _ = expand_set_folders(list(paths), exclude)  # a missing path passes through to the error below
    order: list[str] = []
    members: dict[str, list[str]] = {}
    unreadable: dict[str, str] = {}
    set_of_folder: dict[str, str] = {}  # real folder -> the set path it is shown as
    seen_files: set[str] = set()

    def set_for(folder: str) -> str:
        identity = real(folder)
        if identity not in set_of_folder:
            set_of_folder[identity] = folder
            members[folder] = []
            order.append(folder)
        return set_of_folder[identity]

    def add(set_path: str, file: str) -> None:
        identity = real(file)
        if identity not in seen_files:
            seen_files.add(identity)
            members[set_path].append(file)

    for raw in paths:
        p = tidy(str(raw))
        if _is_dir(p) and not is_image_name(p):
            known = real(p) in set_of_folder
            set_path = set_for(p)
            if known:
                continue
            entries, why = _listing(p)
            if entries is None:
                unreadable[set_path] = str(why)
                continue
            for entry in entries:
                # image-named entries only; a broken link or a folder named x.jpg is kept so IQ01 can say so
                if is_image_name(entry.name) and not excluded_name(entry.name, exclude):
                    add(set_path, os.path.join(p, entry.name))
        elif _exists(p):
            add(set_for(os.path.dirname(p) or "."), p)
    return [
        PhotoSet(s, (s,), unreadable[s]) if s in unreadable else PhotoSet(s, tuple(sorted(members[s])))
        for s in order
    ]
