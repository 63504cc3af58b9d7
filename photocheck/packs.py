"""Rule packs: every threshold as a named option with a default, validated before any photo is read.

A pack is a TOML file in `rules/packs/` (shipped in the wheel as `photocheck/_rules/packs/`) or any path.
Unknown keys, unknown codes and wrong types are `ConfigError`s naming the file, the key and the closest
valid spelling.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checks import REGISTRY, Rule, rule_code, rule_names, select_codes, unknown_selectors
from .errors import ConfigError
from .evidence.duplicates import DuplicateOptions
from .evidence.labels import ClassifyOptions, ExpressionOptions, LightingOptions, PoseOptions
from .evidence.subject import IdentityOptions
from .measure.options import DetectorOptions, LoadLimits
from .model import Severity
from .option_bounds import bounded, bounds_of, choices_of
from .resources import rules_dir
from .safe_files import FileTooLarge, NotARegularFile, read_regular_file

MAX_CONFIG_BYTES = 1 << 20  # a config or pack file is a few KB; one found in a scanned folder is untrusted input


@dataclass(frozen=True)
class ScoringOptions:
    """SPEC: one score formula (see scoring.py). Photo: 100 minus penalties. Set: quality and coverage."""

    photo_penalty_error: float = bounded(40.0, 0.0, 100.0)
    photo_penalty_warning: float = bounded(10.0, 0.0, 100.0)
    photo_penalty_info: float = bounded(0.0, 0.0, 100.0)
    set_penalty_error: float = bounded(25.0, 0.0, 100.0)
    set_penalty_warning: float = bounded(8.0, 0.0, 100.0)
    # set score = this x photo quality + the rest x coverage; 7 gave "score 535/100"
    quality_weight: float = bounded(0.7, 0.0, 1.0)
    ready_min_score: float = bounded(85.0, 0.0, 100.0)  # and no error finding anywhere
    not_ready_below: float = bounded(50.0, 0.0, 100.0)  # or any set-level error


@dataclass(frozen=True)
class AdviceOptions:
    """What the advice may say about a photo it names. "Replace A.jpg (your only frown)" is a claim about the
    subject: it is made only from a label this sure, and only for a photo whose subject is verified as the set's
    person (not a possible look-alike, not an unverifiable profile, not a guessed face in a group photo). Below
    these, the photo is named without the claim."""

    claim_min_expression_confidence: float = bounded(0.75, 0.0, 1.0)  # the expression head's probability of the label
    claim_min_pose_confidence: float = bounded(0.7, 0.0, 1.0)  # the pose bucket's confidence (labels.pose_confidence)
    claim_min_light_confidence: float = bounded(
        0.8, 0.0, 1.0
    )  # EXIF reads 0.9; the scene head its probability of the setting


@dataclass(frozen=True)
class RuleSetting:
    severity: Severity
    options: Any


@dataclass(frozen=True)
class Pack:
    name: str
    source: str
    rules: dict[str, RuleSetting]
    classify: ClassifyOptions
    scoring: ScoringOptions
    detector: DetectorOptions
    limits: LoadLimits
    identity: IdentityOptions = IdentityOptions()
    duplicates: DuplicateOptions = DuplicateOptions()  # what counts as the same shot (DS02, and every count)
    advice: AdviceOptions = AdviceOptions()  # what the advice may claim about a photo

    def select(self, select: list[str] | None = None, ignore: list[str] | None = None) -> Pack:
        """Keep the rules matching any `select` prefix (code or name) and none of the `ignore` prefixes."""

        for p in unknown_selectors((select or []) + (ignore or [])):
            raise ConfigError(f"--select/--ignore: {p!r} matches no rule code or name{_hint(p, rule_names())}")
        chosen = select_codes(select) if select else set(self.rules)
        dropped = select_codes(ignore or [])
        kept = {c: s for c, s in self.rules.items() if c in chosen and c not in dropped}
        return dataclasses.replace(self, rules=kept)


def _hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


# a pack may extend a pack that extends another ...: this many levels is far beyond any real use (a chain of
# 1,500 packs ran out of Python's stack)
MAX_EXTENDS_DEPTH = 32


def _at(where: str, key: str) -> str:
    """`where` with the line of `key` in its file, when `where` names a readable TOML file (tomllib keeps no
    positions): "photocheck.toml [scoring] (line 3)"."""
    path = Path(where.split(" [", 1)[0].split(" + ", 1)[0])
    try:
        if path.suffix != ".toml":
            return where
        lines = read_regular_file(path, MAX_CONFIG_BYTES).decode("utf-8", errors="replace").splitlines()
    except OSError:
        return where
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for n, line in enumerate(lines, 1):
        if pattern.match(line):
            return f"{where} (line {n})"
    return where


def _check_range(field: dataclasses.Field[Any], key: str, value: Any, where: str) -> None:
    """The bounds declared beside the field (option_bounds.bounded), or "finite, not negative"."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if not math.isfinite(value):
        raise ConfigError(f"{_at(where, key)}: option {key!r} = {value!r} must be a finite number")
    lo, hi = bounds_of(field)
    if not lo <= value <= hi:
        show = (lambda v: str(int(v))) if isinstance(field.default, int) else (lambda v: f"{v:g}")  # no 1.04858e+06
        allowed = f"{show(lo)}..{show(hi)}" if math.isfinite(hi) else f">= {show(lo)}"
        raise ConfigError(f"{_at(where, key)}: option {key!r} = {value!r} is out of range (allowed: {allowed})")


def _build(cls: type, table: dict[str, Any], where: str) -> Any:
    """A frozen options dataclass from a TOML table; every key must be a field of the right type."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        attr = key.replace("-", "_")
        if attr not in fields:
            # hints in the kebab-case the docs and packs use
            hint = _hint(key, [n.replace("_", "-") for n in fields])
            raise ConfigError(f"{_at(where, key)}: unknown option {key!r}{hint}")
        default = getattr(cls(), attr)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        else:
            ok = isinstance(value, type(default))
        if not ok:
            raise ConfigError(
                f"{_at(where, key)}: option {key!r} must be {type(default).__name__}, got {type(value).__name__} "
                f"{value!r}"
            )
        choices = choices_of(fields[attr])
        if choices is not None and value not in choices:
            raise ConfigError(
                f"{_at(where, key)}: option {key!r} = {value!r} is not one of {', '.join(choices)}"
                f"{_hint(str(value), list(choices))}"
            )
        _check_range(fields[attr], key, value, where)
        values[attr] = value
    return cls(**values)


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _pack_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".toml":
        return path if path.is_absolute() or relative_to is None else relative_to / path
    path = rules_dir() / "packs" / f"{name_or_path}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in (rules_dir() / "packs").glob("*.toml"))
        raise ConfigError(f"unknown rule pack {name_or_path!r}{_hint(name_or_path, known)}; packs: {', '.join(known)}")
    return path


def read_toml(path: Path, what: str = "rule pack") -> dict[str, Any]:
    """A config or pack file: a regular file under MAX_CONFIG_BYTES (a FIFO or /dev/zero named in `pack = ...`
    would block or read forever), UTF-8 TOML."""
    try:
        return tomllib.loads(read_regular_file(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} not found: {path}") from None
    except NotARegularFile as e:
        raise ConfigError(f"{path}: cannot be used as a {what}: it is {e.kind}, not a regular file") from None
    except FileTooLarge as e:
        raise ConfigError(f"{path}: {e.size} bytes is too large for a {what} (limit {e.limit})") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:  # tables or arrays nested thousands deep
        raise ConfigError(f"{path}: not a usable {what}: its TOML is nested too deep") from None


def merge_tables(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on top of `base`, table by table (a rule's options merge; values replace)."""
    out = dict(base)
    for key, value in over.items():
        out[key] = (
            merge_tables(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


def pack_data(
    name_or_path: str, relative_to: Path | None = None, _seen: tuple[Path, ...] = ()
) -> tuple[dict[str, Any], Path]:
    """A pack's TOML with its `extends` chain resolved (a pack extends a pack name or a path next to it)."""
    path = _pack_path(name_or_path, relative_to)
    if path.resolve() in _seen:
        raise ConfigError(f"{path}: `extends` loops back to itself")
    if len(_seen) >= MAX_EXTENDS_DEPTH:
        raise ConfigError(f"{path}: `extends` chain is more than {MAX_EXTENDS_DEPTH} packs deep")
    data = read_toml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data, path
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: `extends` must be a pack name or a .toml path")
    base, _ = pack_data(parent, path.parent, (*_seen, path.resolve()))
    base.pop("name", None)
    base.pop("description", None)
    return merge_tables(base, data), path


def load_pack(
    name_or_path: str = "default", overrides: dict[str, Any] | None = None, overrides_source: str = "<config>"
) -> Pack:
    """A pack by name (rules/packs/NAME.toml) or path, with optional override tables from a config file.

    The overrides are validated on their own first, so an error names the config file that has it.
    """
    data, path = pack_data(name_or_path)
    if overrides:
        pack_from_dict(overrides, overrides_source)  # validation only: errors name the config file
        data = merge_tables(data, overrides)
        return pack_from_dict(data, f"{path} + {overrides_source}", str(data.get("name", path.stem)))
    return pack_from_dict(data, str(path), path.stem)


_TOP_KEYS = (
    "name", "description", "select", "ignore", "scoring", "classify", "identity", "duplicates", "detector", "limits",
    "advice", "rules",
)  # fmt: skip


def string_list(value: Any, where: str, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key!r} must be a list of rule codes, prefixes or names, got {value!r}")
    return value


def pack_from_dict(data: dict[str, Any], where: str = "<pack>", name: str = "custom") -> Pack:
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}{_hint(key, list(_TOP_KEYS))}")
    classify_t = _table(data, "classify", where)
    for key in classify_t:
        if key not in ("pose", "expression", "lighting"):
            raise ConfigError(
                f"{where}: unknown table [classify.{key}]{_hint(key, ['pose', 'expression', 'lighting'])}"
            )
    classify = ClassifyOptions(
        pose=_build(PoseOptions, _table(classify_t, "pose", where), f"{where} [classify.pose]"),
        expression=_build(ExpressionOptions, _table(classify_t, "expression", where), f"{where} [classify.expression]"),
        lighting=_build(LightingOptions, _table(classify_t, "lighting", where), f"{where} [classify.lighting]"),
    )
    rules_t = _table(data, "rules", where)
    settings: dict[str, RuleSetting] = {}
    for key, table in rules_t.items():
        code = rule_code(key)
        if code is None:
            raise ConfigError(f"{where}: unknown rule [rules.{key}]{_hint(key, rule_names())}")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [rules.{key}] must be a table")
        settings[code] = _rule_setting(REGISTRY[code], table, f"{where} [rules.{key}]")
    for code, rule in REGISTRY.items():
        settings.setdefault(code, RuleSetting(rule.default_severity, rule.Options()))
    pack = Pack(
        name=str(data.get("name", name)),
        source=where,
        rules=dict(sorted(settings.items())),
        classify=classify,
        scoring=_build(ScoringOptions, _table(data, "scoring", where), f"{where} [scoring]"),
        detector=_build(DetectorOptions, _table(data, "detector", where), f"{where} [detector]"),
        limits=_build(LoadLimits, _table(data, "limits", where), f"{where} [limits]"),
        identity=_build(IdentityOptions, _table(data, "identity", where), f"{where} [identity]"),
        duplicates=_build(DuplicateOptions, _table(data, "duplicates", where), f"{where} [duplicates]"),
        advice=_build(AdviceOptions, _table(data, "advice", where), f"{where} [advice]"),
    )
    select = string_list(data["select"], where, "select") if "select" in data else None
    ignore = string_list(data["ignore"], where, "ignore") if "ignore" in data else None
    if select or ignore:
        try:
            pack = pack.select(select, ignore)
        except ConfigError as e:
            raise ConfigError(f"{where}: {e}") from None
    return pack


def _rule_setting(rule: type[Rule], table: dict[str, Any], where: str) -> RuleSetting:
    table = dict(table)
    severity = rule.default_severity
    if "severity" in table:
        raw = table.pop("severity")
        try:
            severity = Severity(raw)
        except ValueError:
            known = ", ".join(s.value for s in Severity)
            raise ConfigError(f"{where}: severity {raw!r} is not one of {known}") from None
    moved = [k for k in table if rule.code == "DS02" and k.replace("-", "_") in _DUPLICATE_FIELDS]
    if moved:
        raise ConfigError(f"{where}: {moved[0]!r} is a [duplicates] option now (it shapes every count, not only DS02)")
    return RuleSetting(severity, _build(rule.Options, table, where))


_DUPLICATE_FIELDS = {f.name for f in dataclasses.fields(DuplicateOptions)}
