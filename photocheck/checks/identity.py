"""ID and the identity-dependent FC rules: one person per profile, and the subject clearly the subject."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..evidence.subject import mixed_people
from ..model import Severity
from .base import Hit, ImageContext, ImageRule, SetContext, SetRule, file_name, register

_IDENTITY = frozenset({"basic", "faces", "identity"})


@register
class SubjectAmbiguous(ImageRule):
    """Several faces, and nothing says which one is the subject: the profile might learn the wrong person."""

    code = "FC08"
    name = "subject-ambiguous"
    summary = "several faces and the subject cannot be told apart"
    default_severity = Severity.ERROR
    requires = _IDENTITY

    @dataclass(frozen=True)
    class Options:
        # with a known identity: another face this close in distance to the subject's is a rival
        min_distance_margin: float = 0.08
        # without one (a lone photo, or faces whose identity cannot be read): the largest face is taken as
        # the subject only if it is this many times taller than the next candidate
        dominant_height_ratio: float = 1.5

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        faces, pid = ctx.facts.faces or (), ctx.identity
        if len(faces) < 2 or pid is None or pid.subject is None:
            return
        if pid.status == "match":
            best = pid.distances[pid.subject]
            rivals = [
                d for i, d in enumerate(pid.distances)
                if i != pid.subject and d is not None and best is not None and d - best < opts.min_distance_margin
            ]  # fmt: skip
            if rivals:
                yield Hit(
                    f"{len(rivals) + 1} faces match the subject almost equally "
                    f"(distances {best:.2f} and {min(rivals):.2f})",
                    "use a photo where only the subject's face is clearly visible (a look-alike, twin, mirror "
                    "or photo-in-photo confuses the profile)",
                )
            return
        if pid.status in ("alone", "unverified"):
            # no identity to tell faces apart: candidates are the faces whose identity is unknown
            unknown = [f.box[3] for i, f in enumerate(faces) if not pid.distances or pid.distances[i] is None]
            heights = sorted(unknown, reverse=True)
            if len(heights) >= 2 and heights[1] * opts.dominant_height_ratio > heights[0]:
                why = "no other photo to compare with" if pid.status == "alone" else "their identity cannot be read"
                yield Hit(
                    f"{len(faces)} faces of similar size and {why}: the subject cannot be told apart",
                    "check this photo together with the rest of the set (or with --reference), "
                    "or crop it to the subject",
                )


@register
class SubjectNotProminent(ImageRule):
    """Group shot where the subject's face is small or soft next to someone else's."""

    code = "FC09"
    name = "subject-not-prominent"
    summary = "group shot where the subject face is small or unsharp next to others"
    default_severity = Severity.WARNING
    requires = _IDENTITY

    @dataclass(frozen=True)
    class Options:
        min_relative_height: float = 0.6  # subject face height / the largest other face's height
        min_relative_sharpness: float = 0.6  # subject sharpness / the sharpest comparable other face's

    def check(self, ctx: ImageContext, opts: Options) -> Iterator[Hit]:
        faces, pid, s = ctx.facts.faces or (), ctx.identity, ctx.subject
        if s is None or pid is None or pid.status != "match" or len(faces) < 2:
            return
        others = [f for i, f in enumerate(faces) if i != pid.subject]
        tallest = max(others, key=lambda f: f.box[3])
        if s.box[3] < opts.min_relative_height * tallest.box[3]:
            yield Hit(
                f"subject face is {s.box[3]} px tall next to a {tallest.box[3]} px face of someone else",
                "use a photo where the subject is in front, or crop to the subject",
            )
            return
        comparable = [f.sharpness for f in others if f.sharpness is not None and f.box[3] >= 0.5 * s.box[3]]
        if s.sharpness is not None and comparable and s.sharpness < opts.min_relative_sharpness * max(comparable):
            yield Hit(
                f"subject face is soft (sharpness {s.sharpness:.2f}) while another face is in focus "
                f"({max(comparable):.2f})",
                "use a photo focused on the subject",
            )


@register
class IdentityMismatch(SetRule):
    """A photo whose face is someone else: one photo of another person poisons the profile."""

    code = "ID01"
    name = "identity-mismatch"
    summary = "a photo's main face is a different person than the set's subject"
    default_severity = Severity.ERROR
    requires = _IDENTITY
    removes_photos = "on-error"  # a probable look-alike at warning level is for the user to compare
    advice_rank = 1
    advice_stage = "doubt"  # a kept look-alike is named before the photos to replace: "Check X.jpg ..."

    def check(self, ctx: SetContext, opts: ImageRule.Options) -> Iterator[Hit]:
        identity = ctx.identity
        if identity.mixed or identity.basis == "none":
            return
        whose = "the reference identity" if identity.basis == "reference" else "the set's subject"
        limits = identity.options
        for facts, pid in zip(ctx.facts, identity.photos):
            name = file_name(facts.path)
            d = pid.compared if pid.compared is not None else (
                pid.distances[pid.candidate] if pid.candidate is not None and pid.distances else None
            )  # fmt: skip
            if d is None:
                continue
            own = (
                f"this set's own photos sit {pid.spread[0]:.2f} ± {pid.spread[1]:.2f} from it"
                if pid.spread is not None else ""
            )  # fmt: skip
            if pid.status == "mismatch" and pid.candidate is not None:
                face = facts.faces[pid.candidate] if facts.faces and pid.candidate < len(facts.faces) else None
                if pid.doubt == "outlier":
                    why = f"{own}: far outside that spread"
                elif face is not None and face.yaw is not None and abs(face.yaw) > limits.max_abs_yaw:
                    why = f"turned {abs(face.yaw):.0f}°, yet farther than any same-person turned face reads"
                else:
                    why = f"the same person is within {limits.max_distance:.2f}" + (f"; {own}" if own else "")
                yield Hit(
                    f"{name}: its face is {d:.2f} from {whose} ({why}): a different person",
                    f"remove {name} from this set: it shows someone else",
                    (facts.path,),
                    removes=(facts.path,),
                )
            elif pid.status == "match" and pid.doubt == "probable":
                closest = (
                    file_name(ctx.facts[pid.compare_with].path) if pid.compare_with is not None else "the other photos"
                )
                yield Hit(
                    f"{name}: may be a different person: its face is {d:.2f} from {whose}, well outside the set's "
                    f"spread ({own}; a look-alike reads like this): compare it with {closest}",
                    f"compare {name} with {closest}: remove it if it shows someone else",
                    (facts.path,),
                    softer=True,  # a warning: the user decides, the photo is kept until then
                    # the doubt reaches the next steps: a kept photo that may be someone else is never silent
                    advice=(("", f"Check {name}: it may be another person; compare it with {closest}"),),
                )


@register
class MixedIdentities(SetRule):
    """Two or more people in comparable numbers: there is no single subject to build a profile of."""

    code = "ID02"
    advice_rank = 0
    advice_stage = "subject"  # who the set is about comes before anything else
    name = "mixed-identities"
    summary = "the set holds two or more people in comparable numbers: no single subject"
    default_severity = Severity.ERROR
    requires = _IDENTITY

    def check(self, ctx: SetContext, opts: ImageRule.Options) -> Iterator[Hit]:
        people = mixed_people(ctx.identity)
        if not people:
            return
        groups = sorted(sorted(ctx.facts[p].path for p in person.photos) for person in people)
        described = "; ".join(
            f"person {chr(ord('A') + k)} in {', '.join(file_name(p) for p in g)}" for k, g in enumerate(groups)
        )
        yield Hit(
            f"{len(groups)} people appear in comparable numbers, so the set has no single subject: {described}",
            "keep one person's photos in this set and move the others to a set of their own",
            tuple(sorted(p for g in groups for p in g)),
        )


@register
class IdentityUnverified(ImageRule):
    """The subject's face could not be compared with the set: say why, so an unchecked photo is never silent."""

    code = "ID03"
    name = "identity-unverified"
    summary = "the subject's face could not be compared with the set (the reason is given)"
    default_severity = Severity.INFO
    requires = _IDENTITY

    def check(self, ctx: ImageContext, opts: ImageRule.Options) -> Iterator[Hit]:
        pid = ctx.identity
        if pid is None or pid.status != "unverified":
            return
        why = pid.why_unverified or "no face in it can be read"
        yield Hit(
            f"identity not verified: {why}",
            "make sure this photo shows the same person; a frontal or three-quarter photo can be compared",
        )
