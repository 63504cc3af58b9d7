"""The sets a commit would record: for the pre-commit hook, each set folder as the git index holds it.

An untracked photo in the folder is not part of the commit, so it is not part of the set; a photo removed with
`git rm` has left the set even while the file is still on disk. A photo whose staged content differs from the
working tree (staged, then edited) is judged by its staged bytes, read from git. Outside a git repository
`staged_sets` answers None and the hook falls back to the folders on disk.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

from .discovery import PhotoSet, excluded_name
from .measure.options import is_image_name

_GIT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class StagedSets:
    sets: list[PhotoSet]
    # the staged bytes of the photos whose working-tree file differs from the index (or is gone from disk);
    # every other photo is read from disk, where it is identical to what is staged
    staged_bytes: dict[str, bytes] = field(default_factory=dict)


# paths are handed to git literally: a folder named `:(exclude)*` is a folder, not pathspec magic (it made git
# list nothing, and the hook passed silently); every path also follows `--`, so `-rf` is no option
_GIT = ("git", "--literal-pathspecs")


def _git(args: Sequence[str], cwd: str | None = None) -> subprocess.CompletedProcess[bytes] | None:
    try:
        done = subprocess.run(
            [*_GIT, *args], cwd=cwd, capture_output=True, timeout=_GIT_TIMEOUT_S, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done if done.returncode == 0 else None


def _paths(output: bytes) -> list[str]:
    return [os.fsdecode(p) for p in output.split(b"\0") if p]


def _staged_blob(path: str, max_bytes: int) -> bytes:
    """The staged content of `path`, read at most one byte past `max_bytes` (the check refuses it by size then)."""
    # ":./PATH" is the index entry of PATH relative to the current folder (plain ":PATH" is from the top)
    proc = subprocess.Popen(
        [*_GIT, "cat-file", "blob", f":./{path}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    try:
        return proc.stdout.read(max_bytes + 1)
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()


def staged_sets(files: Sequence[str], exclude: Sequence[str] = (), max_bytes: int = 2**62) -> StagedSets | None:
    """The set folder of every file in `files` (paths relative to the current folder, as pre-commit passes
    them), each with the photos the git index holds directly in it (folders left with none are no set). None
    when this is not a git work tree."""
    inside = _git(["rev-parse", "--is-inside-work-tree"])
    if inside is None or inside.stdout.strip() != b"true":
        return None
    folders = sorted({os.path.dirname(f) or "." for f in files})
    listed = _git(["ls-files", "-z", "--", *folders])
    changed = _git(["diff", "--name-only", "-z", "--no-renames", "--relative", "--", *folders])
    if listed is None or changed is None:
        return None
    differs = set(_paths(changed.stdout))
    members: dict[str, list[str]] = {folder: [] for folder in folders}
    for path in _paths(listed.stdout):
        folder, name = os.path.split(path)
        folder = folder or "."
        if folder in members and is_image_name(name) and not excluded_name(name, exclude):
            members[folder].append(path if folder != "." else name)
    # a folder whose photos were all removed from the index is no set of this commit
    sets = [PhotoSet(path=folder, files=tuple(sorted(paths))) for folder, paths in members.items() if paths]
    staged_bytes = {
        path: _staged_blob(path, max_bytes) for s in sets for path in s.files if path in differs
    }
    return StagedSets(sets=sets, staged_bytes=staged_bytes)
