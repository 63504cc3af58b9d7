"""The same shot twice: exact copies, re-encodes, resizes, small crops, letterboxing, mirrored copies.

Pure functions of facts. Two photos are the same shot when
- the whole pictures' perceptual hashes (direct, or one against the other's mirror image) are nearly equal
  AND their faces agree (so that a studio series with one framing and different expressions is not a
  duplicate), or
- their face regions' hashes are nearly equal and their face descriptors say the same person, or
- their face descriptors are nearly identical and the expression is the same: different photos of one
  person never come this close (corpus: ≥ 0.24), a copy or crop of one photo does (≤ 0.12).

Whatever the hashes say, two photos whose faces differ in expression (both read with confidence, and differently)
or in head turn (yaw more than `max-yaw-difference` apart, mirror images compared as such) are different photos
for a training set: a neutral and a sad photo of one sitting are not the same shot.

Groups are the connected pairs. The copy to keep is the one a user would keep: the most real detail of the face
(its height in pixels, discounted when the picture carries less fine detail than a native photo: an upscale), then
the least compressed, then the most pixels, then the first by name; added borders count for nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import FaceFacts, ImageFacts
from ..option_bounds import bounded
from .labels import ExpressionOptions, expression
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
    # two faces turned this much apart (degrees of yaw; a mirror image compared as one) are two photos, whatever
    # the hashes say. Copies of 25 corpus photos (resized, re-encoded, cropped, letterboxed, mirrored): at most 5.2
    max_yaw_difference: float = bounded(8.0, 0.0, 180.0)
    # the copy to keep: a picture's fine-detail ratio (IQ03's measure) under this is discounted as an upscale, its
    # face height scaled by ratio / this (native corpus photos read 0.25 and more but two, upscales 0.14-0.18)
    native_detail_ratio: float = bounded(0.25, 0.01, 1.0)
    # ... copies within this share of the best real face height count as equally detailed; among them the least
    # compressed (JPEG quality within keep-quality-tolerance of the best), then the most pixels, wins
    keep_detail_tolerance: float = bounded(0.1, 0.0, 1.0)
    keep_quality_tolerance: float = bounded(10.0, 0.0, 100.0)


@dataclass(frozen=True)
class DuplicateGroup:
    keep: int  # index of the photo to keep
    members: tuple[int, ...]  # all indices, sorted, including keep
    keep_reason: str = ""  # why that copy: "the most real detail", "the least compressed", "the most pixels"


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


def different_moments(
    fa: FaceFacts | None, fb: FaceFacts | None, opts: DuplicateOptions, expression_opts: ExpressionOptions
) -> bool:
    """Two faces that show different expressions (both read sure enough to count, as different labels) or head
    turns: two photos, not two copies of one."""
    if fa is None or fb is None:
        return False
    if fa.yaw is not None and fb.yaw is not None:
        if min(abs(fa.yaw - fb.yaw), abs(fa.yaw + fb.yaw)) > opts.max_yaw_difference:
            return True
    ra, rb = expression(fa, expression_opts), expression(fb, expression_opts)
    return bool(ra.label and rb.label and ra.counted and rb.counted and ra.label != rb.label)


def same_shot(
    a: ImageFacts, b: ImageFacts, opts: DuplicateOptions, expression_opts: ExpressionOptions | None = None
) -> bool:
    if a.error or b.error or a.basic is None or b.basic is None:
        return bool(a.content_hash and a.content_hash == b.content_hash)
    if a.content_hash and a.content_hash == b.content_hash:
        return True
    fa, fb = _main_face(a), _main_face(b)
    if different_moments(fa, fb, opts, expression_opts or ExpressionOptions()):
        return False
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


def find_duplicates(
    facts: Sequence[ImageFacts], opts: DuplicateOptions | None = None, expression_opts: ExpressionOptions | None = None
) -> list[DuplicateGroup]:
    """Groups of two or more photos of the same shot, in path order of their first member."""
    opts = opts or DuplicateOptions()
    expression_opts = expression_opts or ExpressionOptions()
    parent = list(range(len(facts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _candidate_pairs(facts, opts):
        if root(i) != root(j) and same_shot(facts[i], facts[j], opts, expression_opts):
            parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(facts)):
        groups.setdefault(root(i), []).append(i)

    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        keep, reason = copy_to_keep([facts[i] for i in members], opts)
        out.append(DuplicateGroup(members[keep], tuple(sorted(members)), reason))
    return sorted(out, key=lambda g: facts[g.members[0]].path)


def real_face_height(f: ImageFacts, opts: DuplicateOptions) -> float:
    """The face's height in pixels that carry real detail: its box height, scaled down when the picture holds less
    fine detail than a native photo does (an upscale: its pixels are interpolated). Borders add nothing to it.
    Without a face, the picture's shorter side stands for it."""
    b = f.basic
    if b is None:
        return 0.0
    face = _main_face(f)
    height = float(face.box[3]) if face is not None else float(min(b.width, b.height))
    return height * min(1.0, b.effective_detail / max(opts.native_detail_ratio, 1e-6))


def copy_to_keep(copies: Sequence[ImageFacts], opts: DuplicateOptions) -> tuple[int, str]:
    """Which copy a user would keep (index into `copies`) and why, in words for DS02's message."""

    def pixels(f: ImageFacts) -> int:
        return f.basic.width * f.basic.height if f.basic else 0

    def quality(f: ImageFacts) -> float:
        q = f.basic.jpeg_quality if f.basic else None
        return 100.0 if q is None else q  # a lossless or unknown format: not compressed

    real = [real_face_height(f, opts) for f in copies]
    best_real = max(real)
    detailed = [i for i, r in enumerate(real) if r >= (1.0 - opts.keep_detail_tolerance) * best_real]
    best_q = max(quality(copies[i]) for i in detailed)
    clean = [i for i in detailed if quality(copies[i]) >= best_q - opts.keep_quality_tolerance]
    keep = min(clean, key=lambda i: (-pixels(copies[i]), copies[i].path))
    others = [i for i in range(len(copies)) if i != keep]
    if all(i not in detailed for i in others):
        reason = "the most real detail of the face"
    elif all(i not in clean for i in others if i in detailed):
        reason = "the least compressed"
    elif all(pixels(copies[keep]) > pixels(copies[i]) for i in others):
        reason = "the most pixels"
    else:
        reason = ""
    return keep, reason
