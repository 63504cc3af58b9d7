"""Bounds declared beside the option fields they bound.

An options dataclass writes `tilt_max_yaw: float = bounded(65.0, 0.0, 91.0)`; the pack loader reads the range
back from the field (`bounds_of`) and refuses a value outside it with exit 2, naming the file, the key and the
range. A number field with no declared bounds must be finite and, when its default is not negative, not
negative either. A leaf module (dataclasses only), so `measure`, `evidence` and `checks` can all use it.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TypeVar

_BOUNDS = "photocheck.bounds"
_CHOICES = "photocheck.choices"

Number = TypeVar("Number", int, float)


def bounded(default: Number, lo: float, hi: float) -> Number:
    """A dataclass field whose value must lie in [lo, hi] (inclusive)."""
    if not lo <= default <= hi:
        raise ValueError(f"default {default!r} is outside its own bounds {lo!r}..{hi!r}")
    return dataclasses.field(default=default, metadata={_BOUNDS: (lo, hi)})


def one_of(default: str, choices: tuple[str, ...]) -> str:
    """A dataclass field whose value must be one of `choices` (the default among them)."""
    if default not in choices:
        raise ValueError(f"default {default!r} is not one of {choices!r}")
    return dataclasses.field(default=default, metadata={_CHOICES: tuple(choices)})


def bounds_of(field: dataclasses.Field[object]) -> tuple[float, float]:
    """The inclusive range a number option must lie in: the declared one, or "not negative" for a field whose
    default is not negative (any finite number otherwise)."""
    declared = field.metadata.get(_BOUNDS)
    if declared is not None:
        lo, hi = declared
        return float(lo), float(hi)
    default = field.default
    if isinstance(default, (int, float)) and default < 0:
        return -math.inf, math.inf
    return 0.0, math.inf


def choices_of(field: dataclasses.Field[object]) -> tuple[str, ...] | None:
    """The values a text option may take, or None for a field declared without `one_of`."""
    declared = field.metadata.get(_CHOICES)
    return tuple(declared) if declared is not None else None


def is_declared(field: dataclasses.Field[object]) -> bool:
    """Whether the field carries a declared range or choice list (for the docs and the meta-tests)."""
    return _BOUNDS in field.metadata or _CHOICES in field.metadata
