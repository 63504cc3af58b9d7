"""From measured facts to labels: pose bucket, expression, lighting setting. Pure functions of facts + options.

Kept apart from the analyzers so that moving a bucket boundary re-runs no model and invalidates no cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import FaceFacts, LightingFacts


@dataclass(frozen=True)
class PoseOptions:
    frontal_max_yaw: float = 15.0
    slight_max_yaw: float = 35.0
    three_quarter_max_yaw: float = 55.0


@dataclass(frozen=True)
class ExpressionOptions:
    smile_min: float = 0.45  # mean of mouthSmileLeft/Right
    surprise_jaw_min: float = 0.25  # jawOpen
    surprise_brow_min: float = 0.3  # browInnerUp or eyeWide: a laugh opens the jaw too
    # per photo, frown is only called when strong: browDown alone reaches 0.7 on many neutral faces and
    # mouthPress is high on most closed mouths (corpus), so it is not used
    frown_brow_min: float = 0.8  # browDownLeft/Right mean
    frown_mouth_min: float = 0.15  # mouthFrownLeft/Right mean
    wink_difference_min: float = 0.45  # one eye closed, the other open


@dataclass(frozen=True)
class LightingOptions:
    outdoor_min_light_value: float = 10.5  # EXIF scene LV at or above: daylight outdoors
    sunny_min_light_value: float = 13.5
    indoor_max_light_value: float = 8.5
    outdoor_min_sky: float = 0.15  # share of blue sky in the top third
    tungsten_max_kelvin: float = 3600.0  # warm cast without sky: artificial indoor light


@dataclass(frozen=True)
class ClassifyOptions:
    pose: PoseOptions = PoseOptions()
    expression: ExpressionOptions = ExpressionOptions()
    lighting: LightingOptions = LightingOptions()


def pose_bucket(face: FaceFacts, opts: PoseOptions) -> str | None:
    """Spec §2 buckets from the subject's own perspective; cascade-only faces are profiles by construction."""
    if face.yaw is None:
        return f"profile-{face.profile_side}" if face.profile_side else None
    side = "left" if face.yaw > 0 else "right"
    a = abs(face.yaw)
    if a < opts.frontal_max_yaw:
        return "frontal"
    if a < opts.slight_max_yaw:
        return f"slight-{side}"
    if a < opts.three_quarter_max_yaw:
        return f"three-quarter-{side}"
    return f"profile-{side}"


def expression(face: FaceFacts, opts: ExpressionOptions) -> tuple[str | None, float | None]:
    """Expression and a 0..1 confidence (how far past its threshold the deciding score is)."""
    b = face.blendshapes
    if not b:
        return None, None

    def mean(*names: str) -> float:
        return sum(b.get(n, 0.0) for n in names) / len(names)

    smile = mean("mouthSmileLeft", "mouthSmileRight")
    jaw = b.get("jawOpen", 0.0)
    brow_up = max(b.get("browInnerUp", 0.0), mean("eyeWideLeft", "eyeWideRight"))
    brow_down = mean("browDownLeft", "browDownRight")
    mouth_frown = mean("mouthFrownLeft", "mouthFrownRight")
    blink_l, blink_r = b.get("eyeBlinkLeft", 0.0), b.get("eyeBlinkRight", 0.0)

    def conf(value: float, threshold: float) -> float:
        return round(min(1.0, 0.5 + abs(value - threshold) / max(threshold, 1e-6) / 2), 3)

    if jaw >= opts.surprise_jaw_min and (brow_up >= opts.surprise_brow_min or smile < opts.smile_min):
        return "surprise", conf(jaw, opts.surprise_jaw_min)
    if smile >= opts.smile_min:
        return "smile", conf(smile, opts.smile_min)
    if abs(blink_l - blink_r) >= opts.wink_difference_min:
        return "other", conf(abs(blink_l - blink_r), opts.wink_difference_min)
    if brow_down >= opts.frown_brow_min:
        return "frown", conf(brow_down, opts.frown_brow_min)
    if mouth_frown >= opts.frown_mouth_min:
        return "frown", conf(mouth_frown, opts.frown_mouth_min)
    # neutral: confident when every expression score is well below its threshold
    nearest = max(
        smile / opts.smile_min, jaw / opts.surprise_jaw_min, brow_down / opts.frown_brow_min,
        mouth_frown / opts.frown_mouth_min,
    )  # fmt: skip
    return "neutral", round(max(0.5, 1.0 - nearest / 2), 3)


def lighting(facts: LightingFacts | None, opts: LightingOptions) -> dict[str, str]:
    """Setting and light, saying unknown rather than guessing."""
    if facts is None:
        return {"setting": "unknown", "light": "unknown"}
    lv, flash = facts.exif_light_value, facts.flash_fired
    sky, kelvin = facts.sky_fraction or 0.0, facts.colour_temperature
    setting, light = "unknown", "unknown"
    if lv is not None:
        if lv >= opts.outdoor_min_light_value:
            setting = "outdoor"
            light = "sunny" if lv >= opts.sunny_min_light_value else "overcast"
        elif lv <= opts.indoor_max_light_value:
            setting = "indoor"
    if setting == "unknown" and sky >= opts.outdoor_min_sky:
        setting = "outdoor"
    if setting == "unknown" and kelvin is not None and kelvin <= opts.tungsten_max_kelvin:
        setting = "indoor"
    if flash:
        light = "flash"
        if setting == "unknown" and (lv is None or lv <= opts.indoor_max_light_value):
            setting = "indoor"
    elif setting == "indoor" and light == "unknown":
        light = "artificial"
    return {"setting": setting, "light": light}
