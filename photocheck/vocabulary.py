"""The words of the report, defined once: pose buckets, expressions, light, actions (SPEC §2, §3)."""

from __future__ import annotations

# subject's own perspective: yaw > 0 = turned to their own left
POSE_BUCKETS = (
    "frontal", "slight-left", "slight-right", "three-quarter-left", "three-quarter-right",
    "profile-left", "profile-right",
)  # fmt: skip
PROFILE_BUCKETS = ("profile-left", "profile-right")
EXPRESSIONS = ("neutral", "smile", "frown", "surprise", "other")
# the expressions the guidance asks for ("other" is a grimace, wink, speaking: never required)
REQUIRED_EXPRESSIONS = ("neutral", "smile", "frown", "surprise")
SETTINGS = ("indoor", "outdoor")
LIGHTS = ("sunny", "overcast", "artificial", "flash")
LIGHTING_KEYS = (*SETTINGS, *LIGHTS, "unknown")
# the light on the subject's face: direction (the subject's own sides) and hardness; "unknown" where unmeasured
FACE_LIGHT_KEYS = ("frontal", "left", "right", "above", "hard", "soft", "unknown")
# one per photo, decided once by the judge: remove beats replace beats keep
ACTIONS = ("keep", "replace", "remove")


def plural(n: int, noun: str) -> str:
    """ "1 photo", "2 photos": the one way rules and presenters count things in words."""
    return f"{n} {noun}{'s' if n != 1 else ''}"
