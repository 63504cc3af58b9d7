"""Set rules on what the photos cover together: count, repeats, angles, expressions and light.

They count `SetContext.shots`: the photos the judge keeps (usable, of the subject, one per duplicate group), so
a photo that must be replaced or removed never fills a gap. Each coverage rule says how the counts fill its
gaps (`tally`); the judge reads that to list what is missing and to tell "replace your only profile view"
from "add a profile view".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from ..model import CoverageCounts, Finding, Severity
from ..vocabulary import REQUIRED_EXPRESSIONS, plural
from .base import Hit, SetContext, SetRule, file_name, register

_SETS = frozenset({"basic", "faces"})


def _have(counts: dict[str, int]) -> str:
    present = [f"{k} {v}" for k, v in counts.items() if v]
    return ", ".join(present) if present else "none"


@register
class TooFewPhotos(SetRule):
    """Not enough usable, distinct photos for the service to learn the face from all sides."""

    code = "DS01"
    advice_rank = 2
    name = "too-few-photos"
    summary = "fewer than the minimum usable photos (one level softer below the recommended number)"
    default_severity = Severity.ERROR
    requires = frozenset({"basic"})

    @dataclass(frozen=True)
    class Options:
        min_photos: int = 10
        recommended_photos: int = 15

    in_coverage = True

    def targets(self, ctx: SetContext, opts: Options) -> list[float]:
        return [min(1.0, len(ctx.shots) / max(1, opts.recommended_photos))]

    def check(self, ctx: SetContext, opts: Options) -> Iterator[Hit]:
        n = len(ctx.shots)
        if n >= opts.recommended_photos:
            return
        soft = n >= opts.min_photos
        need = (opts.recommended_photos if soft else opts.min_photos) - n
        yield Hit(
            f"{plural(n, 'usable distinct photo')}: a profile needs at least {opts.min_photos} "
            f"({opts.recommended_photos} recommended)",
            "add photos (and replace the unusable ones) until the set has enough distinct, usable shots",
            softer=soft,
            advice=((
                "",
                f"Add {plural(need, 'more photo')} "
                f"({n} usable now; at least {opts.min_photos}, {opts.recommended_photos} recommended)",
            ),),
        )


@register
class DuplicatePhotos(SetRule):
    """The same shot more than once: copies add no variety and give one look too much weight."""

    code = "DS02"
    advice_rank = 7
    name = "duplicate-photos"
    summary = "the same shot twice (exact, re-encoded, resized, cropped, letterboxed or mirrored)"
    default_severity = Severity.WARNING
    requires = frozenset({"basic"})
    removes_photos = "always"  # an extra copy adds nothing, whatever the finding's severity

    def check(self, ctx: SetContext, opts: SetRule.Options) -> Iterator[Hit]:
        for group in ctx.duplicates:
            keep = ctx.facts[group.keep].path
            drop = [ctx.facts[i].path for i in group.members if i != group.keep]
            why = f": {group.keep_reason}" if group.keep_reason else ""
            yield Hit(
                f"{', '.join(file_name(ctx.facts[i].path) for i in group.members)} are the same shot "
                f"(keep {file_name(keep)}{why})",
                f"keep {file_name(keep)} and remove {', '.join(file_name(p) for p in drop)}",
                tuple(sorted(ctx.facts[i].path for i in group.members)),
                removes=tuple(sorted(drop)),
            )

    def removal_advice(self, finding: Finding, drop: Sequence[str], actions: Mapping[str, str]) -> list[str]:
        """One line for the extra copies, saying what became of the copy that stays: kept, or to replace (then it
        is named in its own line)."""
        keep = next(p for p in finding.paths if p not in finding.removes)
        same = {
            "keep": f": same shot as {file_name(keep)}",
            "replace": ": an extra copy of a photo to replace below",
        }.get(actions[keep], ": an extra copy")
        return [f"Remove {', '.join(file_name(p) for p in drop)}{same}"]


_ANGLE_ADVICE = {
    "frontal": "Add a photo facing the camera straight on",
    "slight-left": "Add a photo with your head turned slightly to your left (about 20–30°)",
    "slight-right": "Add a photo with your head turned slightly to your right (about 20–30°)",
}


@register
class MissingAngle(SetRule):
    """No frontal, no slight-left or no slight-right photo: the profile would guess those angles."""

    code = "PO10"
    advice_rank = 4
    name = "missing-angle"
    summary = "no frontal, no slight-left or no slight-right photo"
    default_severity = Severity.WARNING
    requires = _SETS

    @dataclass(frozen=True)
    class Options:
        three_quarter_counts_as_slight: bool = True  # a 35–55° turn also shows the side of the face

    in_coverage = True

    def tally(self, coverage: CoverageCounts, opts: Options) -> dict[str, int]:
        pose = coverage.pose
        counted = int(opts.three_quarter_counts_as_slight)
        return {
            "frontal": pose.get("frontal", 0),
            "slight-left": pose.get("slight-left", 0) + counted * pose.get("three-quarter-left", 0),
            "slight-right": pose.get("slight-right", 0) + counted * pose.get("three-quarter-right", 0),
        }

    def check(self, ctx: SetContext, opts: Options) -> Iterator[Hit]:
        pose = ctx.coverage.pose
        missing = [k for k, v in self.tally(ctx.coverage, opts).items() if v == 0]
        if not missing:
            return
        yield Hit(
            f"no {' or '.join(missing)} photo (angles now: {_have(pose)})",
            "add the missing head angles; turns are from your own point of view",
            advice=tuple((m, _ANGLE_ADVICE[m]) for m in missing),
        )


_PROFILE_ADVICE = "Add 1 profile view: turn your head fully to one side, so the camera sees it side-on"


@register
class NoProfileView(SetRule):
    """No side view at all: the profile cannot learn the face's outline from the side."""

    code = "PO11"
    advice_rank = 3
    name = "no-profile-view"
    summary = "no profile view (left or right)"
    default_severity = Severity.ERROR
    requires = _SETS

    in_coverage = True

    def tally(self, coverage: CoverageCounts, opts: SetRule.Options) -> dict[str, int]:
        pose = coverage.pose
        return {"profile": pose.get("profile-left", 0) + pose.get("profile-right", 0)}

    def check(self, ctx: SetContext, opts: SetRule.Options) -> Iterator[Hit]:
        if self.tally(ctx.coverage, opts)["profile"]:
            return
        yield Hit(
            f"no profile view among {len(ctx.shots)} usable photos",
            "add a photo taken from the side, the head turned fully to one side",
            advice=(("profile", _PROFILE_ADVICE),),
        )


_EXPRESSION_ADVICE = {
    "neutral": "Add a neutral expression: relaxed face, mouth closed",
    "smile": "Add a smiling photo",
    "frown": "Add a frowning photo: brows lowered, as if annoyed or sad",
    "surprise": "Add a surprised expression: eyebrows raised, mouth open",
}


@register
class MissingExpression(SetRule):
    """One of the four expressions is missing: edits that need it would have to invent it."""

    code = "EX10"
    advice_rank = 5
    name = "missing-expression"
    summary = "one of neutral / smile / frown / surprise missing"
    default_severity = Severity.WARNING
    requires = _SETS

    in_coverage = True

    def tally(self, coverage: CoverageCounts, opts: SetRule.Options) -> dict[str, int]:
        expr = coverage.expression
        return {e: expr.get(e, 0) for e in REQUIRED_EXPRESSIONS}

    def undecided(self, ctx: SetContext, opts: SetRule.Options) -> dict[str, int]:
        """Expressions that kept photos may show (an unsure label, or a likely second reading): neither there nor
        missing."""
        uncertain = ctx.coverage.expression_uncertain
        return {e: uncertain.get(e, 0) for e in REQUIRED_EXPRESSIONS}

    def check(self, ctx: SetContext, opts: SetRule.Options) -> Iterator[Hit]:
        expr = ctx.coverage.expression
        unsure = self.undecided(ctx, opts)
        gaps = [e for e, n in self.tally(ctx.coverage, opts).items() if not n]
        missing = [e for e in gaps if not unsure.get(e)]
        if not missing:
            return  # what is left may be shown by the unsure photos: never asked for (the grid shows "?")
        maybe = [e for e in gaps if unsure.get(e)]
        # one unsure photo may show two of them: the count is of photos, at least the most for one expression
        also = f"; {plural(max(unsure[e] for e in maybe), 'photo')} may show {' or '.join(maybe)} (not sure)" if maybe else ""
        yield Hit(
            f"no {' or '.join(missing)} expression (expressions now: {_have(expr)}{also})",
            "add photos with the missing expressions",
            advice=tuple((m, _EXPRESSION_ADVICE[m]) for m in missing),
        )


@register
class LightingNotVaried(SetRule):
    """All photos in one kind of light: the profile bakes that light into the face."""

    code = "LI10"
    advice_rank = 6
    name = "lighting-not-varied"
    summary = "not both indoor and outdoor; or not both sunny and overcast outdoors; or only soft frontal face light"
    default_severity = Severity.WARNING
    requires = frozenset({"basic"})

    @dataclass(frozen=True)
    class Options:
        require_sunny_and_overcast: bool = True
        # when the setting is varied (or cannot be faulted), the light on the face must vary too: a set whose
        # measured faces are all lit soft and frontal gets a step for side or hard light, once at least this
        # many photos have their face light measured (0 turns the check off)
        face_light_min_photos: int = 4

    in_coverage = True

    def tally(self, coverage: CoverageCounts, opts: Options) -> dict[str, int]:
        light = coverage.lighting
        wanted = (
            ("indoor", "outdoor", "sunny", "overcast") if opts.require_sunny_and_overcast else ("indoor", "outdoor")
        )
        return {k: light.get(k, 0) for k in wanted}

    def undecided(self, ctx: SetContext, opts: Options) -> dict[str, int]:
        """Kept photos whose setting (indoor/outdoor) or, outdoors, whose light (sunny/overcast) is unknown."""
        no_setting = sum(1 for i in ctx.shots if i.lighting.get("setting", "unknown") == "unknown")
        no_light = sum(
            1 for i in ctx.shots
            if i.lighting.get("setting", "unknown") in ("outdoor", "unknown") and i.lighting.get("light", "unknown") == "unknown"
        )  # fmt: skip
        return {"indoor": no_setting, "outdoor": no_setting, "sunny": no_light, "overcast": no_light}

    def check(self, ctx: SetContext, opts: Options) -> Iterator[Hit]:
        """The setting (indoor / outdoor, sun / shade), then the light on the faces: each may have its finding."""
        yield from self._setting(ctx, opts)
        yield from self._face_light(ctx, opts)

    def _setting(self, ctx: SetContext, opts: Options) -> Iterator[Hit]:
        """Speaks only of what was measured: a kind of light that unjudged photos may show is never asked for
        outright, and when most photos could not be judged, that is the finding."""
        light = ctx.coverage.lighting
        indoor, outdoor = light.get("indoor", 0), light.get("outdoor", 0)
        shots = len(ctx.shots)
        if not shots:
            return  # no photo is kept: the photos to replace may hold any light, and DS01 asks for usable ones
        undecided = self.undecided(ctx, opts)
        unknown = undecided["indoor"]
        judged = shots - unknown
        if shots and unknown * 2 > shots and (not indoor or not outdoor):
            seen = " and ".join(f"{n} {k}" for k, n in (("indoor", indoor), ("outdoor", outdoor)) if n)
            yield Hit(
                f"light could not be judged on {unknown} of {shots} photos"
                + (f" ({seen} among the rest)" if seen else "")
                + ": photocheck cannot tell whether the set mixes indoor and outdoor light",
                "make sure the set has photos both indoors and outdoors (EXIF data, kept by the camera app, "
                "lets photocheck tell them apart)",
            )
            return
        if not indoor or not outdoor:
            missing = "indoor" if not indoor else "outdoor"
            ways = "one in sun and one in shade" if missing == "outdoor" else "e.g. by a window and under room light"
            if unknown:
                judged_txt = "judged one is" if judged == 1 else f"{judged} judged ones is"
                yield Hit(
                    f"{unknown} of {shots} photos could not be judged for light; none of the {judged_txt} {missing}",
                    f"if none of the unjudged photos is {missing}, add {missing} photos",
                    advice=((missing, f"If none of the {plural(unknown, 'photo')} photocheck could not judge was "
                             f"taken {missing}s, add 2 {missing} photos, {ways}"),),
                )  # fmt: skip
                return
            yield Hit(
                f"no {missing} photo recognised",
                f"add {missing} photos",
                advice=((missing, f"Add 2 {missing} photos, {ways}"),),
            )
            return
        if opts.require_sunny_and_overcast and (not light.get("sunny", 0) or not light.get("overcast", 0)):
            yield from self._sun_and_shade(light, outdoor, undecided["sunny"])

    @staticmethod
    def _face_light(ctx: SetContext, opts: Options) -> Iterator[Hit]:
        """All measured faces in soft frontal light: ask for the light the set lacks. Photos whose face light
        could not be measured may hold it, so the step is then conditional, and with most unmeasured there is
        no step at all."""
        if opts.face_light_min_photos <= 0:
            return
        kinds = [(i.lighting.get("direction", "unknown"), i.lighting.get("hardness", "unknown")) for i in ctx.shots]
        measured = [k for k in kinds if "unknown" not in k]
        unmeasured = len(kinds) - len(measured)
        if len(measured) < opts.face_light_min_photos or unmeasured * 2 > len(kinds):
            return
        if any(direction != "frontal" or hardness != "soft" for direction, hardness in measured):
            return
        step = "add a photo in direct sun and one by a window with the light from one side"
        if unmeasured:
            yield Hit(
                f"all {len(measured)} photos whose face light was measured have soft, frontal light "
                f"({plural(unmeasured, 'photo')} could not be measured)",
                f"if none of the unmeasured photos has hard or side light, {step}",
                advice=(("", f"If none of the {plural(unmeasured, 'photo')} photocheck could not measure has hard "
                         f"or side light, {step}"),),
            )  # fmt: skip
            return
        yield Hit(
            f"all {len(measured)} photos have soft, frontal light on the face",
            step,
            advice=(("", step[0].upper() + step[1:]),),
        )

    @staticmethod
    def _sun_and_shade(light: dict[str, int], outdoor: int, unjudged: int) -> Iterator[Hit]:
        """No sunny or no overcast photo among the outdoor ones (the caller checked which)."""
        missing = "sunny" if not light.get("sunny", 0) else "overcast"
        kind = "in direct sunlight" if missing == "sunny" else "in shade or on a cloudy day"
        where = f"among {plural(outdoor, 'outdoor photo')}"
        if unjudged:
            yield Hit(
                f"no {missing} outdoor photo {where}; {plural(unjudged, 'photo')} could not be judged for "
                "sun or shade",
                f"if none of them is {missing}, add an outdoor photo {kind}",
                advice=((missing, f"If none of the {plural(unjudged, 'photo')} photocheck could not judge "
                         f"is {missing}, add an outdoor photo {kind}"),),
            )  # fmt: skip
            return
        yield Hit(
            f"no {missing} outdoor photo {where}",
            f"add an outdoor photo in {'sun' if missing == 'sunny' else 'diffuse light'}",
            advice=((missing, f"Add an outdoor photo {kind}"),),
        )
