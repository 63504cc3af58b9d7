"""Coverage counts: how many photos show each pose bucket, expression and kind of light (SPEC §2).

A pure tally over photo evidence; the judge calls it on the photos it keeps (and, separately, on the
photos to replace), so that a photo that must be replaced or removed never fills a gap.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import CoverageCounts
from ..vocabulary import EXPRESSIONS, FACE_LIGHT_KEYS, LIGHTING_KEYS, POSE_BUCKETS, SETTINGS
from . import PhotoEvidence


def tally(photos: Iterable[PhotoEvidence]) -> CoverageCounts:
    """Per pose bucket, expression, kind of light and face light, how many of `photos` show it; the pose x
    expression grid; and the expressions photos may show (counted neither way).

    Lighting: `unknown` counts photos whose setting and light are both unknown; they count toward nothing else.
    Face light: each photo counts once for its direction and once for its hardness; `unknown` counts photos
    whose face light was not measured (turned away, no landmarks).
    """
    pose = dict.fromkeys(POSE_BUCKETS, 0)
    expr = dict.fromkeys(EXPRESSIONS, 0)
    # expressions photos may show (an unsure label, or a second likely reading): counted neither way
    uncertain = dict.fromkeys(EXPRESSIONS, 0)
    light = dict.fromkeys(LIGHTING_KEYS, 0)
    grid = {p: dict.fromkeys(EXPRESSIONS, 0) for p in POSE_BUCKETS}
    face_light = dict.fromkeys(FACE_LIGHT_KEYS, 0)
    for photo in photos:
        direction, hardness = photo.lighting.get("direction", "unknown"), photo.lighting.get("hardness", "unknown")
        for key in {direction, hardness}:
            face_light[key] += 1
        subject = photo.subject_labels
        if subject is not None:
            if subject.pose:
                pose[subject.pose] += 1
            counted = subject.expression if subject.expression and subject.expression_counted else None
            if counted:
                expr[counted] += 1
                if subject.pose:
                    grid[subject.pose][counted] += 1
            # what the photo may show besides (or instead of, when unsure) its label: neither present nor missing
            for maybe in {*subject.expression_may_show, *([subject.expression] if subject.expression else [])}:
                if maybe != counted:
                    uncertain[maybe] += 1
        setting, kind = photo.lighting.get("setting", "unknown"), photo.lighting.get("light", "unknown")
        if setting in SETTINGS:
            light[setting] += 1
        if kind != "unknown":
            light[kind] += 1
        if setting == "unknown" and kind == "unknown":
            light["unknown"] += 1
    return CoverageCounts(
        pose=pose, expression=expr, lighting=light, face_light=face_light, pose_expression=grid,
        expression_uncertain=uncertain,
    )
