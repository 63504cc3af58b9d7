"""Option bounds live beside the option fields (option_bounds.bounded): the pack loader refuses a value just
outside each declared range and takes each bound itself, for every option of every table a pack can set."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest

from photocheck import packs
from photocheck.checks import REGISTRY
from photocheck.errors import ConfigError
from photocheck.option_bounds import bounded, bounds_of, choices_of, is_declared, one_of

TABLES: dict[tuple[str, ...], type] = {
    ("scoring",): packs.ScoringOptions,
    ("advice",): packs.AdviceOptions,
    ("detector",): packs.DetectorOptions,
    ("limits",): packs.LoadLimits,
    ("identity",): packs.IdentityOptions,
    ("duplicates",): packs.DuplicateOptions,
    ("classify", "pose"): packs.PoseOptions,
    ("classify", "expression"): packs.ExpressionOptions,
    ("classify", "lighting"): packs.LightingOptions,
    **{("rules", code): rule.Options for code, rule in REGISTRY.items()},
}


def _declared():
    for table, cls in TABLES.items():
        for field in dataclasses.fields(cls):
            if is_declared(field) and choices_of(field) is None:
                yield pytest.param(table, field, id=f"{'.'.join(table)}.{field.name}")


def _pack(table: tuple[str, ...], key: str, value: object) -> packs.Pack:
    data: dict = {key: value}
    for name in reversed(table):
        data = {name: data}
    return packs.pack_from_dict(data, "test.toml")


def _outside(value: float, field: dataclasses.Field) -> float | int:
    return int(value) if isinstance(field.default, int) else value


@pytest.mark.parametrize("table, field", list(_declared()))
def test_each_declared_bound_is_taken_and_a_step_outside_is_refused(table, field):
    lo, hi = bounds_of(field)
    key = field.name.replace("_", "-")
    shown = f"{int(lo)}..{int(hi)}" if isinstance(field.default, int) else f"{lo:g}..{hi:g}"
    step = 1 if isinstance(field.default, int) else max(abs(hi - lo) * 1e-3, 1e-6)
    for inside in (lo, hi):
        _pack(table, key, _outside(inside, field))  # each bound itself is allowed
    for outside in (lo - step, hi + step):
        with pytest.raises(ConfigError, match=rf"{key}.*out of range \(allowed: {re.escape(shown)}\)"):
            _pack(table, key, _outside(outside, field))


def test_a_number_without_declared_bounds_must_be_finite_and_not_negative():
    undeclared = [
        (table, f)
        for table, cls in TABLES.items()
        for f in dataclasses.fields(cls)
        if not is_declared(f) and isinstance(f.default, (int, float)) and not isinstance(f.default, bool)
    ]
    assert len(undeclared) > 20  # most rule thresholds: "a finite number, not negative"
    for table, field in undeclared:
        key = field.name.replace("_", "-")
        if field.default >= 0:
            with pytest.raises(ConfigError, match="allowed: >= 0"):
                _pack(table, key, -1 if isinstance(field.default, int) else -0.5)
        if isinstance(field.default, float):
            with pytest.raises(ConfigError, match="must be a finite number"):
                _pack(table, key, math.inf)


def test_the_choice_option_names_its_choices():
    (field,) = [f for f in dataclasses.fields(packs.DetectorOptions) if choices_of(f)]
    assert choices_of(field) == ("tiles", "blazeface")
    with pytest.raises(ConfigError, match="'tile' is not one of tiles, blazeface.*did you mean 'tiles'"):
        _pack(("detector",), "small-faces", "tile")


def test_a_default_outside_its_own_bounds_is_a_programming_error_at_import():
    with pytest.raises(ValueError, match="outside its own bounds"):
        bounded(2.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="not one of"):
        one_of("x", ("a", "b"))


def test_every_shipped_pack_lies_within_the_bounds():
    for pack in (packs.rules_dir() / "packs").glob("*.toml"):
        packs.load_pack(pack.stem)  # raises ConfigError naming the file and key otherwise
