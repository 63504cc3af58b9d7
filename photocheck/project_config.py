"""Project configuration: `photocheck.toml`, or `[tool.photocheck]` in `pyproject.toml`, found from a set's folder
upward (the nearest wins; in one folder photocheck.toml before pyproject.toml), then command-line flags on top.

Everything is validated before any photo is read: an unknown key, rule code or wrong type is a ConfigError
naming the file, the key and the closest valid spelling.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import REGISTRY, rule_names, select_codes, unknown_selectors
from .discovery import shown_path
from .errors import ConfigError
from .model import Severity
from .packs import Pack, _hint, load_pack, read_toml, string_list

CONFIG_NAME = "photocheck.toml"
FAIL_LEVELS = (*(s.value for s in Severity), "never")  # --fail-on: a severity, worst first, or never
# keys of the configuration itself; the pack's own tables may be given too and override the pack's values
_SETTING_KEYS = (
    "pack", "extends", "select", "ignore", "per-file-ignores", "fail-on", "fail-under", "set-gate-min-photos",
)  # fmt: skip
_PACK_TABLES = ("rules", "classify", "scoring", "identity", "duplicates", "detector", "limits", "advice")


@dataclass(frozen=True)
class Settings:
    source: str | None  # the config file, or None when none was found
    base_dir: Path  # per-file-ignores globs are relative to it
    pack: str = "default"  # name, or path (relative paths resolved against base_dir)
    overrides: dict[str, Any] = field(default_factory=dict)  # pack tables from the config file
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    fail_on: str = "error"
    fail_under: float | None = None
    # while a set holds fewer photos than this, the findings that ask for more photos (DS01 and the coverage
    # rules) are reported but do not fail the gate: a set being built, commit by commit
    set_gate_min_photos: int = 0

    def provenance(self) -> str | None:
        """The config file and what it changes from the defaults, for the report's set header; None when no
        config file was used."""
        if self.source is None:
            return None
        changes = []
        if self.pack != "default":
            changes.append(f"pack {Path(self.pack).name if self.pack.endswith('.toml') else self.pack}")
        if self.select:
            changes.append("select " + ",".join(self.select))
        if self.ignore:
            changes.append("ignore " + ",".join(self.ignore))
        if self.per_file_ignores:
            changes.append(f"per-file-ignores for {len(self.per_file_ignores)} pattern(s)")
        if self.overrides:
            changes.append("options " + ",".join(sorted(self.overrides)))
        if self.fail_on != "error":
            changes.append(f"fail-on {self.fail_on}")
        if self.fail_under is not None:
            changes.append(f"fail-under {self.fail_under:g}")
        if self.set_gate_min_photos:
            changes.append(f"set-gate-min-photos {self.set_gate_min_photos}")
        shown = shown_path(self.source)
        return f"{shown}: " + "; ".join(changes) if changes else shown

    def load_pack(self) -> Pack:
        try:
            pack = load_pack(self.pack, self.overrides or None, self.source or "<config>")
        except ConfigError as e:
            if self.source and self.source not in str(e):
                raise ConfigError(f"{self.source}: {e}") from None
            raise
        if self.select or self.ignore:
            try:
                pack = pack.select(self.select or None, self.ignore or None)
            except ConfigError as e:
                raise ConfigError(f"{self.source or 'command line'}: {e}") from None
        return pack

    def ignored_codes(self, photo: str) -> set[str]:
        """Codes that per-file-ignores switch off for this photo (glob on its path relative to base_dir,
        or on its file name)."""
        if not self.per_file_ignores:
            return set()
        try:
            rel = Path(os.path.abspath(photo)).relative_to(self.base_dir.resolve()).as_posix()
        except ValueError:
            rel = Path(photo).as_posix()
        name = Path(photo).name
        out: set[str] = set()
        for pattern, codes in self.per_file_ignores.items():
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(name, pattern):
                out |= select_codes(codes)
        return out


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest config file at or above `start` (a folder, or a file's folder)."""
    try:
        folder = start.resolve()
        if not folder.is_dir():
            folder = folder.parent
    except (OSError, RuntimeError, ValueError):  # too long for the OS, a link loop: no config can be found there
        return None
    for d in (folder, *folder.parents):
        candidate = d / CONFIG_NAME
        # anything by that name counts (a FIFO or folder named photocheck.toml is refused by read_toml, exit 2,
        # rather than silently passed over for a config further up)
        if _names_a_file(candidate):
            return candidate, read_toml(candidate, "config file")
        pyproject = d / "pyproject.toml"
        if _names_a_file(pyproject, regular=True):
            table = _tool_table(read_toml(pyproject, "config file"), pyproject)
            if table is not None:
                return pyproject, table
    return None


def _names_a_file(path: Path, regular: bool = False) -> bool:
    """Whether `path` is there (and not a folder; `regular`: a regular file). A folder that cannot be looked into
    (no permission) holds no config file photocheck can see: the search goes on upward, and the set inside it
    reports that it cannot be read, instead of the run ending on the config lookup's PermissionError."""
    try:
        st = path.stat()
    except FileNotFoundError:  # nothing there, or a broken link by that name (read_toml then says so)
        return not regular and os.path.lexists(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(st.st_mode) if regular else not stat.S_ISDIR(st.st_mode)


def _tool_table(data: dict[str, Any], pyproject: Path) -> dict[str, Any] | None:
    """`[tool.photocheck]` of a pyproject.toml, None when it has none. A `tool` that is not a table is some other
    project's mistake: no photocheck table there (the project's own build tools will say so)."""
    tool = data.get("tool")
    if not isinstance(tool, dict) or "photocheck" not in tool:
        return None
    table = tool["photocheck"]
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.photocheck] must be a table")
    return table


def settings_from_table(table: dict[str, Any], source: Path) -> Settings:
    where = str(source)
    for key in table:
        if key not in _SETTING_KEYS and key not in _PACK_TABLES:
            raise ConfigError(f"{where}: unknown key {key!r}{_hint(key, list(_SETTING_KEYS + _PACK_TABLES))}")
    pack = table.get("pack", table.get("extends", "default"))
    if "pack" in table and "extends" in table:
        raise ConfigError(f"{where}: give `pack` or `extends`, not both")
    if not isinstance(pack, str):
        raise ConfigError(f"{where}: 'pack' must be a pack name or a .toml path, got {pack!r}")
    if pack.endswith(".toml") and not Path(pack).is_absolute():
        pack = str(source.parent / pack)
    fail_on = table.get("fail-on", "error")
    if fail_on not in FAIL_LEVELS:
        raise ConfigError(
            f"{where}: 'fail-on' must be one of {', '.join(FAIL_LEVELS)}, got {fail_on!r}{_hint(str(fail_on), list(FAIL_LEVELS))}"
        )
    fail_under = table.get("fail-under")
    if fail_under is not None and (  # `not 0 <= x <= 100` refuses nan as well
        isinstance(fail_under, bool) or not isinstance(fail_under, (int, float)) or not 0 <= fail_under <= 100
    ):
        raise ConfigError(f"{where}: 'fail-under' must be a number from 0 to 100, got {fail_under!r}")
    gate_min = table.get("set-gate-min-photos", 0)
    if isinstance(gate_min, bool) or not isinstance(gate_min, int) or not 0 <= gate_min <= 1000:
        raise ConfigError(f"{where}: 'set-gate-min-photos' must be a whole number from 0 to 1000, got {gate_min!r}")
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{where}: [per-file-ignores] must be a table of glob = [codes]")
    per_file = {str(glob): string_list(codes, where, f"per-file-ignores.{glob}") for glob, codes in pfi.items()}
    settings = Settings(
        source=where,
        base_dir=source.parent,
        pack=pack,
        overrides={k: v for k, v in table.items() if k in _PACK_TABLES},
        select=string_list(table.get("select", []), where, "select"),
        ignore=string_list(table.get("ignore", []), where, "ignore"),
        per_file_ignores=per_file,
        fail_on=fail_on,
        fail_under=float(fail_under) if fail_under is not None else None,
        set_gate_min_photos=gate_min,
    )
    for glob, codes in per_file.items():
        _check_codes(codes, f"{where}: per-file-ignores {glob!r}")
    _check_codes(settings.select + settings.ignore, f"{where}: select/ignore")
    settings.load_pack()  # validates the pack and every override now, before any photo is read
    return settings


def _check_codes(patterns: list[str], where: str) -> None:
    for p in unknown_selectors(patterns):  # `ALL` is every rule, as on the command line (ruff's select = ["ALL"])
        raise ConfigError(f"{where}: {p!r} matches no rule code or name{_hint(p, rule_names())}")


def resolve_settings(
    start: Path,
    *,
    config: str | None = None,
    isolated: bool = False,
    pack: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_on: str | None = None,
    fail_under: float | None = None,
) -> Settings:
    """The effective settings for photos under `start`: config file (explicit, or the nearest), then flags."""
    if config is not None:
        path = Path(config)
        table = read_toml(path, "config file")
        if path.name == "pyproject.toml":
            table = _tool_table(table, path) or {}
        base = settings_from_table(table, path)
    elif not isolated and (found := find_config(start)) is not None:
        base = settings_from_table(found[1], found[0])
    else:
        base = Settings(source=None, base_dir=Path.cwd())
    changes: dict[str, Any] = {}
    if pack is not None:
        changes["pack"] = pack
    if select:
        changes["select"] = select
    if ignore:
        changes["ignore"] = list(base.ignore) + list(ignore)
    if fail_on is not None:
        changes["fail_on"] = fail_on
    if fail_under is not None:
        changes["fail_under"] = fail_under
    return dataclasses.replace(base, **changes) if changes else base


def describe(settings: Settings) -> str:
    """The effective configuration as TOML: where it came from, the settings and every rule's options."""
    pack = settings.load_pack()
    lines = [
        f"# config file: {settings.source or '(none found; built-in defaults)'}",
        f"# pack: {pack.name} ({pack.source})",
        f"pack = {_toml(settings.pack)}",
        f"select = {_toml(settings.select)}",
        f"ignore = {_toml(settings.ignore)}",
        f"fail-on = {_toml(settings.fail_on)}",
    ]
    if settings.fail_under is not None:
        lines.append(f"fail-under = {_toml(settings.fail_under)}")
    if settings.set_gate_min_photos:
        lines.append(f"set-gate-min-photos = {settings.set_gate_min_photos}")
    if settings.per_file_ignores:
        lines += ["", "[per-file-ignores]"] + [f"{_toml(g)} = {_toml(c)}" for g, c in settings.per_file_ignores.items()]
    for table, obj in (
        ("scoring", pack.scoring), ("classify.pose", pack.classify.pose),
        ("classify.expression", pack.classify.expression), ("classify.lighting", pack.classify.lighting),
        ("identity", pack.identity), ("duplicates", pack.duplicates), ("advice", pack.advice),
        ("detector", pack.detector), ("limits", pack.limits),
    ):  # fmt: skip
        lines += ["", f"[{table}]"] + [
            f"{k.replace('_', '-')} = {_toml(v)}" for k, v in dataclasses.asdict(obj).items()
        ]
    for code, setting in pack.rules.items():
        lines += ["", f"[rules.{code}]  # {REGISTRY[code].name}", f"severity = {_toml(setting.severity.value)}"]
        lines += [f"{k.replace('_', '-')} = {_toml(v)}" for k, v in dataclasses.asdict(setting.options).items()]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
