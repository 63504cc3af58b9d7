"""The same shot twice: exact copies, re-encodes, resizes, small crops, letterboxing, mirrored copies.

Pure functions of facts. Two photos are the same shot when
- the whole pictures' perceptual hashes (direct, or one against the other's mirror image) are nearly equal
  AND their faces agree (so that a studio series with one framing and different expressions is not a
  duplicate), or
- their face regions' hashes are nearly equal and their face descriptors say the same person, or
- their face descriptors are nearly identical and the expression is the same: different photos of one
  person never come this close (corpus: ≥ 0.24), a copy or crop of one photo does (≤ 0.12).
Groups are the connected pairs; the photo to keep is the one with the most pixels, then the first by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import FaceFacts, ImageFacts
from .subject import distance, prominent_face

if TYPE_CHECKING:
    import numpy as np


def hamming(a: str, b: str) -> int:
    """Differing bits between two hex hashes (0..64)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True)
class DuplicateOptions:
    max_image_hash_distance: int = 4  # of 64 bits, whole picture (borders trimmed)
    max_face_hash_distance: int = 6  # of 64 bits, face region
    max_descriptor_distance: float = 0.25  # with matching face hashes
    same_shot_descriptor_distance: float = 0.12  # alone, with the same expression
    max_expression_difference: float = 0.03  # mean absolute blendshape difference


@dataclass(frozen=True)
class DuplicateGroup:
    keep: int  # index of the photo to keep
    members: tuple[int, ...]  # all indices, sorted, including keep
    keep_has_most_pixels: bool = False  # strictly more than every other member (else: first by name)


def _main_face(f: ImageFacts) -> FaceFacts | None:
    i = prominent_face(f.faces)
    return f.faces[i] if f.faces and i is not None else None


def _hash_near(a: str | None, am: str | None, b: str | None, limit: int) -> bool | None:
    """True/False when both hashes exist; compares direct and mirrored (a's mirror against b)."""
    if not a or not b:
        return None
    return min(hamming(a, b), hamming(am or a, b)) <= limit


def _expression_gap(a: FaceFacts, b: FaceFacts) -> float:
    keys = set(a.blendshapes) | set(b.blendshapes)
    if not keys:
        return 1.0
    return sum(abs(a.blendshapes.get(k, 0.0) - b.blendshapes.get(k, 0.0)) for k in keys) / len(keys)


def same_shot(a: ImageFacts, b: ImageFacts, opts: DuplicateOptions) -> bool:
    if a.error or b.error or a.basic is None or b.basic is None:
        return bool(a.content_hash and a.content_hash == b.content_hash)
    if a.content_hash and a.content_hash == b.content_hash:
        return True
    fa, fb = _main_face(a), _main_face(b)
    faces_near = (
        _hash_near(fa.face_hash, fa.face_hash_mirrored, fb.face_hash, opts.max_face_hash_distance)
        if fa is not None and fb is not None
        else None
    )
    pictures_near = _hash_near(
        a.basic.image_hash, a.basic.image_hash_mirrored, b.basic.image_hash, opts.max_image_hash_distance
    )
    if pictures_near and faces_near is not False and (fa is None) == (fb is None):
        return True
    if fa is None or fb is None or fa.embedding is None or fb.embedding is None:
        return False
    d = distance(fa.embedding, fb.embedding)
    if faces_near and d <= opts.max_descriptor_distance:
        return True
    return d <= opts.same_shot_descriptor_distance and _expression_gap(fa, fb) <= opts.max_expression_difference


def _hash_bits(values: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes as a (n, 64) bit matrix, and which ones exist."""
    import numpy as np  # here, not at import: the light CLI commands load no numpy
    present = np.array([bool(v) for v in values])
    words = np.array([int(v, 16) if v else 0 for v in values], dtype=np.uint64)
    bits = np.unpackbits(words.view(np.uint8).reshape(-1, 8), axis=1).astype(np.int16)
    return bits, present


def _within(a: list[str | None], b: list[str | None], limit: int) -> np.ndarray:
    """(n, n) True where hash a[i] is within `limit` bits of hash b[j] (both present)."""
    bits_a, have_a = _hash_bits(a)
    bits_b, have_b = _hash_bits(b)
    # Hamming distance by matrix product: differing bits = ones(a) + ones(b) - 2 * common ones
    common = bits_a @ bits_b.T
    distance = bits_a.sum(1)[:, None] + bits_b.sum(1)[None, :] - 2 * common
    return (distance <= limit) & have_a[:, None] & have_b[None, :]


def _candidate_pairs(facts: Sequence[ImageFacts], opts: DuplicateOptions) -> list[tuple[int, int]]:
    """The pairs worth the full comparison: a cheap vectorised pass over every pair first, so a set of a
    thousand photos does not cost half a million Python comparisons. Loose on purpose: `same_shot` decides."""
    import numpy as np  # here, not at import: the light CLI commands load no numpy
    n = len(facts)
    if n < 2:
        return []
    faces = [_main_face(f) for f in facts]
    image = [f.basic.image_hash if f.basic else None for f in facts]
    image_m = [f.basic.image_hash_mirrored if f.basic else None for f in facts]
    face = [x.face_hash if x else None for x in faces]
    face_m = [x.face_hash_mirrored if x else None for x in faces]
    near = _within(image, image, opts.max_image_hash_distance) | _within(image_m, image, opts.max_image_hash_distance)
    near |= _within(face, face, opts.max_face_hash_distance) | _within(face_m, face, opts.max_face_hash_distance)
    embedded = [i for i, x in enumerate(faces) if x is not None and x.embedding is not None]
    if len(embedded) > 1:
        emb = np.array([faces[i].embedding for i in embedded], dtype=np.float64)  # type: ignore[union-attr]
        sq = (emb**2).sum(1)
        d = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * emb @ emb.T, 0.0))
        close = np.argwhere(d <= opts.same_shot_descriptor_distance)
        for a, b in close:
            near[embedded[a], embedded[b]] = True
    by_content: dict[str, list[int]] = {}
    for i, f in enumerate(facts):
        if f.content_hash:
            by_content.setdefault(f.content_hash, []).append(i)
    for members in by_content.values():
        for a in members:
            for b in members:
                near[a, b] = True
    near = near | near.T
    return [(int(i), int(j)) for i, j in np.argwhere(np.triu(near, k=1))]


def find_duplicates(facts: Sequence[ImageFacts], opts: DuplicateOptions | None = None) -> list[DuplicateGroup]:
    """Groups of two or more photos of the same shot, in path order of their first member."""
    opts = opts or DuplicateOptions()
    parent = list(range(len(facts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _candidate_pairs(facts, opts):
        if root(i) != root(j) and same_shot(facts[i], facts[j], opts):
            parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(facts)):
        groups.setdefault(root(i), []).append(i)

    def pixels(i: int) -> int:
        b = facts[i].basic
        return b.width * b.height if b else 0

    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        keep = min(members, key=lambda i: (-pixels(i), facts[i].path))
        most = all(pixels(keep) > pixels(i) for i in members if i != keep)
        out.append(DuplicateGroup(keep, tuple(sorted(members)), most))
    return sorted(out, key=lambda g: facts[g.members[0]].path)
