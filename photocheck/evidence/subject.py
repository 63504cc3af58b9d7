"""Who the set is about: the identity that recurs across the photos, and which face in each photo is theirs.

Pure functions of recorded facts (face embeddings) and options; no model runs here. The subject is found
robustly — not as the mean of every face, which intruders and bystanders would drag — by linking faces
that are close to each other into people and taking the person seen in the most photos. Each photo's
subject face is then the face nearest that person's centre; other faces are bystanders.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ConfigError
from ..model import FaceFacts, ImageFacts
from ..option_bounds import bounded
from ..safe_files import read_regular_file
from .labels import ExpressionOptions, expression

if TYPE_CHECKING:
    import numpy as np

# match: the subject's face is in the photo; mismatch: its best candidate is someone else; unverified:
# faces whose identity cannot be read (profile, tiny, blurred); alone: no identity to compare with.
PhotoStatus = Literal["match", "mismatch", "unverified", "alone", "no-face"]
Basis = Literal["set", "reference", "none"]


@dataclass(frozen=True)
class IdentityOptions:
    """Thresholds on dlib face-descriptor distances (Euclidean) and on when a face can be verified at all."""

    # absolute bounds around the set-relative decision: farther than max-distance from the subject is
    # another person in any set (ID01 error); within same-person-below is the same person in any set
    max_distance: float = bounded(0.6, 0.01, 2.0)  # dlib descriptor distances; <= 0 or nan made grouping loop
    same_person_below: float = bounded(0.40, 0.0, 2.0)
    link_distance: float = bounded(0.5, 0.01, 2.0)  # faces this close are linked into one person while finding who recurs
    # between the bounds the set decides: a face `outlier-z` robust spreads (median / MAD of the members'
    # leave-one-out distances, the spread at least `min-spread`) beyond the members is a clear outlier (ID01
    # error); `probable-z` spreads, with no other photo of the set within `vouch-distance` of it, a probable
    # one (ID01 warning: compare). A true member that stands out (a childhood or a restored photo) has a photo
    # of its time or kind near it; a stranger has none. With fewer than `relative-min-members` other members
    # the fixed max-distance alone decides
    probable_z: float = bounded(3.5, 0.0, 1000.0)
    vouch_distance: float = bounded(0.55, 0.0, 2.0)
    outlier_z: float = bounded(10.0, 0.0, 1000.0)
    min_spread: float = bounded(0.04, 0.001, 1.0)  # the robust spread divides: never 0
    relative_min_members: int = bounded(4, 1, 10_000)
    # a face turned beyond max-abs-yaw is not compared (its descriptor drifts: ID03) unless it is farther than
    # this from the subject, which no same-person turned face reads
    turned_max_distance: float = bounded(0.72, 0.01, 2.0)
    min_face_height: int = 48  # px; smaller faces are "identity unverified"
    max_abs_yaw: float = bounded(50.0, 0.0, 90.0)  # degrees; descriptors of turned-away faces are unreliable
    min_sharpness: float = 0.15  # focus ratio (see FC03); below it a descriptor is unreliable
    mixed_min_ratio: float = bounded(0.5, 0.0, 1.0)  # a second person in at least this share of the subject's photos = ID02
    # a face whose identity cannot be read stops a mismatch ("cannot tell") only when it is at least this
    # tall relative to the photo's best readable face: bystanders cut off at the bottom are not the subject
    unreadable_min_relative_height: float = bounded(0.75, 0.0, 1.0)
    # a strong expression moves the descriptor (a laugh with the eyes shut, a grimace, anger beside joy): the
    # same-person limits of a face widen by this times its expressiveness (1 - the expression head's P(neutral))
    # for linking faces into people, for ID02, and for matching in sets too small for their own spread (under
    # relative-min-members others). The smallest value that keeps every same-person pair of the corpus's
    # non-turned single-face photos within max-distance (bench/fit_expression_distance.py)
    expression_extra_distance: float = bounded(0.08, 0.0, 0.5)


@dataclass(frozen=True)
class Person:
    """One identity found in the set: its centre descriptor and its face in each photo it appears in."""

    centre: tuple[float, ...]
    members: dict[int, int]  # photo index -> face index

    @property
    def photos(self) -> list[int]:
        return sorted(self.members)


@dataclass(frozen=True)
class PhotoIdentity:
    status: PhotoStatus
    subject: int | None  # index into the photo's faces of the subject face; None if not in the photo
    candidate: int | None = None  # the face compared with the subject (for mismatch: the look-alike)
    distances: tuple[float | None, ...] = ()  # per face, to the subject's centre; None when not verifiable
    person: int | None = None  # index into SetIdentity.people of the subject face's person
    # how the set's own spread judged the candidate: None (within it, or not used), "probable" (a match
    # far outside the spread: ID01 warning, compare) or "outlier" (a mismatch by the spread: ID01 error)
    doubt: str | None = None
    compared: float | None = None  # the distance judged (a member's leave-one-out distance)
    spread: tuple[float, float] | None = None  # (median, robust spread) of the other members' distances
    compare_with: int | None = None  # photo index of the member nearest to the candidate face
    why_unverified: str | None = None  # status "unverified": why the subject's identity could not be read


@dataclass(frozen=True)
class SetIdentity:
    basis: Basis
    people: tuple[Person, ...]  # seen in most photos first
    photos: tuple[PhotoIdentity, ...]
    mixed: bool = False  # two or more people in comparable numbers: no single subject
    options: IdentityOptions = field(default_factory=IdentityOptions)


MAX_REFERENCE_BYTES = 1 << 20  # a reference is one 128-D centre and a list of photo names


@dataclass(frozen=True)
class Reference:
    """A known identity to check new photos against: the centre descriptor of the user's earlier photos."""

    centre: tuple[float, ...]
    photos: int
    sources: tuple[str, ...] = field(default=())

    FORMAT = "photocheck-reference"

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.FORMAT, "version": 1, "photos": self.photos, "sources": list(self.sources),
                "centre": list(self.centre)}  # fmt: skip

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Reference:
        try:
            # a regular file under a size cap, as every file photocheck reads for the user (no FIFO blocks it)
            data = json.loads(read_regular_file(path, MAX_REFERENCE_BYTES).decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
            raise ConfigError(f"{path}: not a readable reference file ({e})") from None
        centre = data.get("centre") if isinstance(data, dict) else None
        if (
            not isinstance(data, dict)
            or data.get("format") != cls.FORMAT
            or not isinstance(centre, list)
            or len(centre) != 128
            or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in centre)
        ):
            raise ConfigError(f"{path}: not a photocheck reference (expected a {cls.FORMAT} JSON file)")
        return cls(tuple(float(v) for v in centre), int(data.get("photos", 1)), tuple(data.get("sources", ())))


def expressiveness(face: FaceFacts, expression_opts: ExpressionOptions | None = None) -> float:
    """0 for a neutral face, toward 1 for a strong expression: 1 - the expression head's P(neutral), read without
    the person's baseline (identity comes first). 0 where the expression cannot be read."""
    reading = expression(face, expression_opts or ExpressionOptions())
    return 0.0 if reading.probabilities is None else max(0.0, 1.0 - reading.probabilities["neutral"])


def _widening(face: FaceFacts | None, opts: IdentityOptions) -> float:
    """How much farther this face may be from the person and still be them (`expression-extra-distance`)."""
    if face is None or opts.expression_extra_distance <= 0:
        return 0.0
    return opts.expression_extra_distance * expressiveness(face)


def distance(a: Sequence[float], b: Sequence[float]) -> float:
    import numpy as np  # here, not at import: the light CLI commands load no numpy
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


def verifiable(face: FaceFacts, opts: IdentityOptions) -> bool:
    """Can this face's identity be read? Profile views, tiny and blurred faces give unreliable descriptors."""
    return unverifiable_reason(face, opts) is None


def unverifiable_reason(face: FaceFacts, opts: IdentityOptions) -> str | None:
    """Why this face's identity cannot be read, in words (None: it can)."""
    if face.embedding is None:
        if not face.key_points:
            return "the face was found only as a head outline (no landmarks to align a descriptor)"
        return "no face descriptor could be computed"
    if face.yaw is not None and abs(face.yaw) > opts.max_abs_yaw:
        return f"the head is turned {abs(face.yaw):.0f}° (descriptors are compared up to {opts.max_abs_yaw:.0f}°)"
    if face.box[3] < opts.min_face_height:
        return f"the face is {face.box[3]} px tall (at least {opts.min_face_height} px are needed)"
    if face.sharpness is not None and face.sharpness < opts.min_sharpness:
        return f"the face is too soft to compare (sharpness {face.sharpness:.2f} < {opts.min_sharpness:.2f})"
    return None


@dataclass(frozen=True)
class Spread:
    """The subject's own spread: how far its member photos sit from their centre (leave-one-out), so that a
    face is judged against this set, not against a fixed limit alone."""

    loo: dict[int, float]  # member photo index -> distance of its face to the centre of the other members
    embeddings: dict[int, tuple[float, ...]]  # member photo index -> its face descriptor
    # every other photo with a described face -> its face nearest the subject's centre: a photo the descriptor
    # did not link to the subject (a childhood photo among adult ones) can still vouch for a photo like it
    candidates: dict[int, tuple[float, ...]] = dataclasses.field(default_factory=dict)

    def stats_without(self, photo: int | None, opts: IdentityOptions) -> tuple[float, float] | None:
        """(median, robust spread) of the members' distances, the photo itself left out; None when too few."""
        import numpy as np  # here, not at import: the light CLI commands load no numpy

        others = np.array([d for p, d in self.loo.items() if p != photo])
        if len(others) < opts.relative_min_members:
            return None
        median = float(np.median(others))
        mad = float(np.median(np.abs(others - median))) * 1.4826  # MAD scaled to a normal's sigma
        return median, max(mad, opts.min_spread)

    def nearest_member(self, embedding: Sequence[float], photo: int | None) -> tuple[int, float] | None:
        """The photo (other than `photo`; a member or a candidate) whose face is nearest, and its distance."""
        faces = {**self.candidates, **self.embeddings}
        others = [(distance(e, embedding), p) for p, e in faces.items() if p != photo]
        if not others:
            return None
        d, p = min(others)
        return p, d


def spread_of(facts: Sequence[ImageFacts], person: Person) -> Spread:
    import numpy as np  # here, not at import: the light CLI commands load no numpy

    emb = {p: facts[p].faces[i].embedding for p, i in person.members.items()}  # type: ignore[index]
    vectors = np.array([emb[p] for p in sorted(emb)], dtype=np.float64)
    n = len(vectors)
    total = vectors.sum(axis=0)
    loo = {}
    for k, p in enumerate(sorted(emb)):
        rest = (total - vectors[k]) / (n - 1) if n > 1 else total
        loo[p] = float(np.linalg.norm(vectors[k] - rest))
    candidates: dict[int, tuple[float, ...]] = {}
    for p, f in enumerate(facts):
        described: list[tuple[float, ...]] = [face.embedding for face in (f.faces or ()) if face.embedding is not None]
        if p not in emb and described:
            nearest = min(described, key=lambda e: distance(e, person.centre))
            candidates[p] = tuple(nearest)
    return Spread(loo, {p: tuple(e) for p, e in emb.items() if e is not None}, candidates)


def prominent_face(faces: Sequence[FaceFacts] | None) -> int | None:
    """Without identity: the largest face; a box-only face (no landmarks) counts at half its area, so it wins
    only when it is clearly the bigger head (a profile beside a small false landmarker hit)."""
    if not faces:
        return None
    return max(range(len(faces)), key=lambda i: faces[i].box[2] * faces[i].box[3] * (1.0 if faces[i].key_points else 0.5))


# --------------------------------------------------------------------------------------------- people


def find_people(facts: Sequence[ImageFacts], opts: IdentityOptions) -> list[Person]:
    """Group the verifiable faces of a set into people, most photos first.

    Greedy and deterministic: the face with close neighbours in the most photos seeds a person; each photo
    contributes at most its one nearest face; the centre is the members' mean, re-fitted once. Repeat on
    the faces left. A lone intruder or bystander becomes a person of one photo and never moves the centre.
    """
    import numpy as np  # here, not at import: the light CLI commands load no numpy
    cands = [
        (p, i, f.embedding)
        for p, fa in enumerate(facts)
        for i, f in enumerate(fa.faces or ())
        if f.embedding is not None and verifiable(f, opts)
    ]
    if not cands:
        return []
    emb = np.array([c[2] for c in cands], dtype=np.float64)
    photo_of = np.array([c[0] for c in cands])
    sq = (emb**2).sum(axis=1)
    dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * emb @ emb.T, 0.0))
    # linked as one person a little farther apart when either face shows a strong expression
    widen = np.array([_widening(facts[p].faces[i], opts) for p, i, _ in cands])  # type: ignore[index]
    dist = np.maximum(dist - np.maximum(widen[:, None], widen[None, :]), 0.0)
    alive = np.ones(len(cands), dtype=bool)
    people: list[Person] = []
    while alive.any():
        idx = np.flatnonzero(alive)
        photos = np.unique(photo_of[idx])
        # nearest linked face of every photo, for every remaining face: (faces x photos), inf = none linked
        linked = np.where(dist[np.ix_(idx, idx)] <= opts.link_distance, dist[np.ix_(idx, idx)], np.inf)
        nearest = np.stack([linked[:, photo_of[idx] == p].min(axis=1) for p in photos], axis=1)
        found = np.isfinite(nearest)
        support = found.sum(axis=1)
        spread = np.where(found, nearest, 0.0).sum(axis=1)
        if support.max() == 1:  # nobody left recurs: every remaining face is a person of its own photo
            people.extend(Person(tuple(round(float(v), 5) for v in emb[c]), {cands[c][0]: cands[c][1]}) for c in idx)
            break
        # seed: linked in the most photos, then the most central (medoid-like), then the earliest
        seed = int(idx[np.lexsort((idx, spread, -support))[0]])
        members = _nearest_per_photo(dist[seed], photo_of, alive, opts.link_distance)
        centre = emb[list(members.values())].mean(axis=0)
        refit = _nearest_per_photo(np.linalg.norm(emb - centre, axis=1), photo_of, alive, opts.link_distance)
        if refit:
            members = refit
            centre = emb[list(members.values())].mean(axis=0)
        if not members:
            # a seed whose distances do not compare (a non-finite descriptor handed in by a library caller: facts
            # read from disk are range-checked) links to nothing, not even itself: a person of its own photo, so
            # every pass takes at least one face and the loop ends whatever the numbers
            members = {int(photo_of[seed]): seed}
            centre = emb[seed]
        alive[list(members.values())] = False
        people.append(
            Person(tuple(round(float(v), 5) for v in centre), {cands[c][0]: cands[c][1] for c in members.values()})
        )

    # most photos first; among equals the tighter person (smaller spread) first, then the earliest photo
    def rank(person: Person) -> tuple[int, float, int]:
        spread = [distance(person.centre, facts[p].faces[i].embedding) for p, i in person.members.items()]  # type: ignore[arg-type,index]
        return -len(person.members), float(np.mean(spread)), min(person.members)

    return sorted(people, key=rank)


def _nearest_per_photo(d: np.ndarray, photo_of: np.ndarray, alive: np.ndarray, link: float) -> dict[int, int]:
    """photo -> the candidate face nearest (distance d) among the remaining ones within `link`."""
    import numpy as np  # here, not at import: the light CLI commands load no numpy
    best: dict[int, int] = {}
    for c in np.flatnonzero(alive & (d <= link)):
        p = int(photo_of[c])
        if p not in best or d[c] < d[best[p]]:
            best[p] = int(c)
    return best


def _is_mixed(people: Sequence[Person], opts: IdentityOptions, facts: Sequence[ImageFacts] | None = None) -> bool:
    """Two or more people in comparable numbers. A companion who only appears beside the subject is not, and
    nor are two groups whose faces chain together as one person (`chained`)."""
    if len(people) < 2:
        return False
    first, second = set(people[0].photos), set(people[1].photos)
    if len(second) == len(first):
        comparable = True  # equally often: which one the profile is about cannot be told
    else:
        without_subject = second - first
        comparable = len(without_subject) >= 2 and len(without_subject) >= opts.mixed_min_ratio * len(first)
    return comparable and not (facts is not None and chained(people[0], people[1], facts, opts))


def chained(a: Person, b: Person, facts: Sequence[ImageFacts], opts: IdentityOptions) -> bool:
    """Whether two people found in a set are one person after all: their faces, across the two groups, are on
    average within max-distance of each other once each pair is allowed its expressions' widening. One person's
    strong expressions (a laugh beside a scowl) can split the faces into two groups a little beyond the linking
    distance; two different people sit far apart on average (corpus: different-person pairs 0.60 and more at the
    1st percentile), so a look-alike pair or two does not join them."""
    faces_a = [facts[p].faces[i] for p, i in a.members.items()]  # type: ignore[index]
    faces_b = [facts[p].faces[i] for p, i in b.members.items()]  # type: ignore[index]
    if any(f.embedding is None for f in (*faces_a, *faces_b)):
        return False
    widen_a = [_widening(f, opts) for f in faces_a]
    widen_b = [_widening(f, opts) for f in faces_b]
    gaps = [
        distance(fa.embedding, fb.embedding) - max(wa, wb)  # type: ignore[arg-type]
        for fa, wa in zip(faces_a, widen_a) for fb, wb in zip(faces_b, widen_b)
    ]
    return bool(gaps) and sum(gaps) / len(gaps) <= opts.max_distance


def mixed_people(identity: SetIdentity) -> list[Person]:
    """The people that make a set mixed: those seen in a comparable number of photos, in order."""
    if not identity.mixed:
        return []
    first = len(identity.people[0].photos)
    least = max(1, math.ceil(identity.options.mixed_min_ratio * first))
    return [p for p in identity.people if len(p.photos) >= least]


# ----------------------------------------------------------------------------------------- resolution


def _against(
    faces: Sequence[FaceFacts],
    centre: Sequence[float],
    opts: IdentityOptions,
    spread: Spread | None = None,
    photo: int | None = None,
) -> PhotoIdentity:
    """Which face of one photo is the subject whose centre is given, and whether the subject is there at all.
    `spread`: the subject's member photos, so the decision follows this set's own spread (`photo`: the index
    of this photo in the set, left out of the spread when it is a member)."""
    if not faces:
        return PhotoIdentity("no-face", None)
    distances = tuple(
        round(distance(f.embedding, centre), 3) if f.embedding is not None and verifiable(f, opts) else None
        for f in faces
    )
    verified = [i for i, d in enumerate(distances) if d is not None]
    # faces that could be the subject but whose identity cannot be read (turned away, blurred), as long
    # as they are not tiny background faces: their presence means "cannot tell", never "someone else"
    unreadable = [i for i, f in enumerate(faces) if distances[i] is None and f.box[3] >= opts.min_face_height]
    if verified:
        tallest = max(faces[i].box[3] for i in verified)
        unreadable = [i for i in unreadable if faces[i].box[3] >= opts.unreadable_min_relative_height * tallest]
        best = min(verified, key=lambda i: (distances[i], i))
        verdict = _judged(faces[best], distances[best], opts, spread, photo)  # type: ignore[arg-type]
        if verdict.status == "match":
            return dataclasses.replace(verdict, subject=best, candidate=best, distances=distances)
        if not unreadable:
            return dataclasses.replace(verdict, subject=None, candidate=best, distances=distances)
    if unreadable:
        subject = _largest(faces, unreadable)
        turned = faces[subject]
        # (an unreadable face is at least min-face-height tall: only the turn can have made it unreadable here)
        if turned.embedding is not None and turned.yaw is not None and abs(turned.yaw) > opts.max_abs_yaw:
            far = round(distance(turned.embedding, centre), 3)
            if far > opts.turned_max_distance and all(
                i == subject or faces[i].embedding is None for i in unreadable
            ):  # turned, but farther than any same-person turned face reads: someone else
                marked = tuple(far if i == subject else d for i, d in enumerate(distances))
                return PhotoIdentity("mismatch", None, subject, marked, compared=far)
        return PhotoIdentity(
            "unverified", subject, None, distances, why_unverified=unverifiable_reason(faces[subject], opts)
        )
    prominent = prominent_face(faces)
    why = unverifiable_reason(faces[prominent], opts) if prominent is not None else None
    return PhotoIdentity("unverified", prominent, None, distances, why_unverified=why)


def _judged(
    face: FaceFacts, d: float, opts: IdentityOptions, spread: Spread | None, photo: int | None
) -> PhotoIdentity:
    """Match or mismatch for the best readable face at distance `d`: the absolute bounds first, then, between
    them, the set's own spread (a member is judged by its leave-one-out distance, against the others)."""
    stats = spread.stats_without(photo, opts) if spread is not None else None
    if stats is None or spread is None:
        # too few members for a spread: a strong expression lets the face sit farther and still be them (with
        # enough members the set's own spread judges, and it holds the person's expressions already)
        widen = _widening(face, opts)
        return PhotoIdentity("match" if d - widen <= opts.max_distance else "mismatch", None)
    judged = spread.loo.get(photo, d) if photo is not None else d
    judged = round(judged, 3)
    nearest = spread.nearest_member(face.embedding, photo) if face.embedding is not None else None
    common = {"compared": judged, "spread": (round(stats[0], 3), round(stats[1], 3)),
              "compare_with": None if nearest is None else nearest[0]}  # fmt: skip
    if judged > opts.max_distance:
        return PhotoIdentity("mismatch", None, **common)  # type: ignore[arg-type]
    if judged <= opts.same_person_below:
        return PhotoIdentity("match", None, **common)  # type: ignore[arg-type]
    z = (judged - stats[0]) / stats[1]
    if z >= opts.outlier_z:
        return PhotoIdentity("mismatch", None, doubt="outlier", **common)  # type: ignore[arg-type]
    vouched = nearest is not None and nearest[1] < opts.vouch_distance
    if z >= opts.probable_z and not vouched:
        return PhotoIdentity("match", None, doubt="probable", **common)  # type: ignore[arg-type]
    return PhotoIdentity("match", None, **common)  # type: ignore[arg-type]


def _largest(faces: Sequence[FaceFacts], indices: Sequence[int]) -> int:
    return max(indices, key=lambda i: (faces[i].box[2] * faces[i].box[3], -i))


def _alone(faces: Sequence[FaceFacts] | None) -> PhotoIdentity:
    if not faces:
        return PhotoIdentity("no-face", None)
    return PhotoIdentity("alone", prominent_face(faces), None, tuple(None for _ in faces))


def resolve(
    facts: Sequence[ImageFacts], opts: IdentityOptions | None = None, reference: Reference | None = None
) -> SetIdentity:
    """The set's subject and each photo's subject face. With a reference, the reference is the subject."""
    opts = opts or IdentityOptions()
    measured = [f.identity_measured and f.faces is not None for f in facts]
    if not any(measured):
        return SetIdentity("none", (), tuple(_alone(f.faces) for f in facts), options=opts)
    if reference is not None:
        against = tuple(
            _against(f.faces or (), reference.centre, opts) if m else _alone(f.faces) for f, m in zip(facts, measured)
        )
        return SetIdentity("reference", (), against, options=opts)

    people = find_people(facts, opts)
    photos_with_people = {p for person in people for p in person.members}
    if len(photos_with_people) < 2:
        # one photo with readable faces: nobody can recur, so there is nothing to compare with
        return SetIdentity("none", tuple(people), tuple(_alone(f.faces) for f in facts), options=opts)
    mixed = _is_mixed(people, opts, facts)
    if not mixed:
        subject = people[0]
        spread = spread_of(facts, subject)
        photos: list[PhotoIdentity] = []
        for p, (f, m) in enumerate(zip(facts, measured)):
            if not m:
                photos.append(_alone(f.faces))
                continue
            pid = _against(f.faces or (), subject.centre, opts, spread, p)
            photos.append(dataclasses.replace(pid, person=0 if pid.status == "match" else None))
        return SetIdentity("set", tuple(people), tuple(photos), options=opts)

    # mixed: no single subject; each photo is judged on the face of the most frequent person in it
    mixed_photos: list[PhotoIdentity] = []
    for p, (f, m) in enumerate(zip(facts, measured)):
        owner = next((k for k, person in enumerate(people) if p in person.members), None)
        if not m or owner is None:
            mixed_photos.append(_alone(f.faces) if not m else _against(f.faces or (), people[0].centre, opts))
            continue
        pid = _against(f.faces or (), people[owner].centre, opts)
        mixed_photos.append(dataclasses.replace(pid, person=owner))
    return SetIdentity("set", tuple(people), tuple(mixed_photos), mixed=True, options=opts)


def reference_from_facts(facts: Sequence[ImageFacts], opts: IdentityOptions | None = None) -> Reference:
    """The identity of a user's earlier photos, for checking new uploads one at a time.

    Raises ConfigError when the photos show no single identity (no describable face, or two people).
    """
    opts = opts or IdentityOptions()
    names = ", ".join(f.path for f in facts) or "(no photos)"
    people = find_people(facts, opts)
    if not people:
        raise ConfigError(f"reference photos show no face whose identity can be read: {names}")
    if _is_mixed(people, opts, facts) or (len(people[0].members) == 1 and len(people) > 1):
        raise ConfigError(f"reference photos show more than one person and no single subject: {names}")
    subject = people[0]
    return Reference(subject.centre, len(subject.members), tuple(facts[p].path for p in subject.photos))


@dataclass(frozen=True)
class IdentityMatch:
    """The answer for one upload checked against a reference identity."""

    path: str
    same_person: bool | None  # None: no face whose identity can be read (profile, tiny, blurred, none)
    distance: float | None  # of the nearest readable face to the reference
    face_index: int | None  # into the photo's faces; the subject face when same_person
    box: tuple[int, int, int, int] | None
    status: PhotoStatus
    error: str | None = None  # the photo could not be read at all


def match_reference(facts: ImageFacts, reference: Reference, opts: IdentityOptions | None = None) -> IdentityMatch:
    opts = opts or IdentityOptions()
    if facts.error:
        return IdentityMatch(facts.path, None, None, None, None, "no-face", facts.error)
    pid = _against(facts.faces or (), reference.centre, opts)
    index = pid.subject if pid.status == "match" else pid.candidate
    dist = pid.distances[index] if index is not None and pid.distances else None
    same = True if pid.status == "match" else False if pid.status == "mismatch" else None
    box = facts.faces[index].box if facts.faces and index is not None else None
    return IdentityMatch(facts.path, same, dist, index, box, pid.status)
