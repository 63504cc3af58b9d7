"""One action per photo (SPEC §3), decided once: remove beats replace beats keep."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Finding, Severity


def decide(
    path: str, own: Sequence[Finding], removing: Sequence[Finding]
) -> tuple[str, tuple[str, ...]]:
    """(action, reason codes) of one photo from its own findings and the set findings that remove photos.

    remove: a set finding takes it out of the set (another person, an extra copy of a shot);
    replace: an error-level finding of its own (unreadable, too small, blurred, ...);
    keep: everything else.
    """
    removed_by = sorted({f.code for f in removing if path in f.removes})
    if removed_by:
        return "remove", tuple(removed_by)
    errors = sorted({f.code for f in own if f.severity is Severity.ERROR})
    if errors:
        return "replace", tuple(errors)
    return "keep", ()
