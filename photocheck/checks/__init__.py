"""All rules, registered on import. Codes are permanent (SPEC §3)."""

from . import coverage, face, identity, image_quality, lighting, pose  # noqa: F401  (registration)
from .base import (
    IMAGE_RULES, REGISTRY, SET_RULES, Hit, ImageContext, ImageRule, Rule, SetContext, SetRule, register, rule_code,
    rule_names, select_codes, unknown_selectors,
)  # fmt: skip

__all__ = [
    "IMAGE_RULES", "REGISTRY", "SET_RULES", "Hit", "ImageContext", "ImageRule", "Rule", "SetContext", "SetRule",
    "register", "rule_code", "rule_names", "select_codes", "unknown_selectors",
]  # fmt: skip
