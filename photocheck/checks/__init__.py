"""All rules, registered on import. Codes are permanent (SPEC §3)."""

from . import coverage, face, identity, image_quality, lighting, pose  # noqa: F401  (registration)
from .base import REGISTRY, Hit, ImageContext, ImageRule, Rule, SetContext, SetRule, register

__all__ = ["REGISTRY", "Hit", "ImageContext", "ImageRule", "Rule", "SetContext", "SetRule", "register"]
