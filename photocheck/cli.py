"""The command line: a thin click shell over the library (ExitCode: 0 clean, 1 findings, 2 usage/setup/internal
error). It reaches the evidence and the judge only through the package face (`photocheck.judge_facts`,
`judge_report`), as a library caller does: an import-linter contract holds it to that."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import RecordedSet, Reference, judge_facts, judge_report, read_facts_file
from ._version import __version__
from .checks import REGISTRY, rule_code
from .checks.base import rule_doc
from .errors import ConfigError, ExitCode, ModelError
from .facts_file import facts_text
from .measure.cache import CACHE_ENV
from .model import Report, SetResult
from .packs import Pack, load_pack
from .project_config import FAIL_LEVELS, Settings, describe, resolve_settings
from .reporters import REPORTERS
from .staged import StagedSets

if TYPE_CHECKING:
    from .api import Checker
    from .measure.options import LoadLimits

DEMO_DIR = Path(__file__).resolve().parent / "demo"


class _Score(click.ParamType):
    """A score from 0 to 100. click's FloatRange lets nan through (every comparison with it is false), and
    `--fail-under nan` then switched the gate off."""

    name = "score"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not 0.0 <= number <= 100.0:
            self.fail(f"{value!r} is not a score from 0 to 100", param, ctx)
        return number


_SCORE = _Score()


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _set_fails(result: SetResult, settings: Settings) -> bool:
    """One set against its own gate: the `fail-on` and `fail-under` of the configuration that set was checked
    with (its nearest config file, then the flags), never another set's."""
    findings = list(result.findings) + [f for img in result.images for f in img.findings]
    # a set still being built (set-gate-min-photos): asking for more photos, or the score that reflects it, is no
    # failure yet; a bad photo or a stranger still is
    building = len(result.images) < settings.set_gate_min_photos
    if building:
        findings = [f for f in findings if not REGISTRY[f.code].in_coverage]
    if any(f.severity.at_least(settings.fail_on) for f in findings):
        return True
    return not building and settings.fail_under is not None and result.score < settings.fail_under


def _gate(gated: list[tuple[SetResult, Settings]], kw: dict[str, Any]) -> ExitCode:
    """FINDINGS when any set fails its own gate (CLEAN with --exit-zero): the order of the arguments never
    matters."""
    if kw.get("exit_zero"):
        return ExitCode.CLEAN
    return ExitCode.FINDINGS if any(_set_fails(result, settings) for result, settings in gated) else ExitCode.CLEAN


@dataclasses.dataclass(frozen=True)
class _ConfigGroup:
    """Paths checked with one configuration: its settings and the pack they load (loaded once per group)."""

    settings: Settings
    pack: Pack
    paths: list[str]

    @property
    def per_file_ignores(self) -> Callable[[str], set[str]] | None:
        return self.settings.ignored_codes if self.settings.per_file_ignores else None


def _config_groups(paths: list[str], kw: dict[str, Any]) -> list[_ConfigGroup]:
    """Each path's effective settings (its nearest config file, then the flags), grouped by config file, in the
    order the paths first name them; every config and pack is validated here, before any photo is read. `check`,
    `facts` and `judge` all group this way, so the sets come out in one order."""
    groups: dict[str | None, tuple[Settings, list[str]]] = {}
    for p in paths:
        settings = resolve_settings(
            Path(p),
            config=kw.get("config"),
            isolated=bool(kw.get("isolated")),
            pack=kw.get("pack"),
            select=_split(kw.get("select") or ()),
            ignore=_split(kw.get("ignore") or ()),
            fail_on=kw.get("fail_on"),
            fail_under=kw.get("fail_under"),
        )
        groups.setdefault(settings.source, (settings, []))[1].append(p)
    return [_ConfigGroup(settings, settings.load_pack(), group) for settings, group in groups.values()]


def _checker(group: _ConfigGroup, kw: dict[str, Any], *, measure_all: bool = False) -> Checker:
    from .api import Checker  # the image and model libraries load here, not at start-up

    return Checker(
        group.pack,
        face_model=kw.get("face_model"),
        reference=list(kw.get("reference") or ()) or None,
        cache=False if kw.get("no_cache") else (kw.get("cache_dir") or True),
        jobs=kw.get("jobs") or os.cpu_count() or 1,
        per_file_ignores=group.per_file_ignores,
        config=group.settings.provenance(),
        measure_all=measure_all,
    )


def _set_folders(paths: list[str], kw: dict[str, Any]) -> list[str]:
    """The set folders and files to check: a folder with no photos of its own stands for its set folders (said on
    stderr); empty ones are said too. An empty list: nothing at all to check."""
    from .discovery import expand_set_folders

    expanded, empty = expand_set_folders(paths, _split(kw.get("exclude") or ()))
    for folder in empty:
        click.echo(f"photocheck: no photos found in {folder}", err=True)
    for p in paths:
        inside = [e for e in expanded if e != p and e.startswith(os.path.join(p, ""))]
        if inside and not kw.get("quiet"):
            click.echo(f"photocheck: {p} has no photos of its own: checking its {len(inside)} set folders", err=True)
    return expanded


def _run(paths: list[str], kw: dict[str, Any], staged: StagedSets | None = None) -> ExitCode:
    """Check `paths` (folders and files on disk), or the sets of a commit when `staged` is given."""
    thumbnails: dict[str, str] = {}
    if kw.get("statistics") and kw["fmt"] not in ("text", "json"):
        # said before any photo is read, as a usage error (ruff: statistics as text or JSON only)
        click.echo(f"photocheck: error: --statistics prints text or JSON, not --format {kw['fmt']}", err=True)
        return ExitCode.ERROR
    exclude = _split(kw.get("exclude") or ())
    if staged is not None:
        paths = [s.path for s in staged.sets]
    else:
        paths = _set_folders(paths, kw)
        if not paths:
            return ExitCode.ERROR  # nothing at all to check: a usage error, and no scored report of nothing
    try:
        groups = _config_groups(paths, kw)
        gated: list[tuple[SetResult, Settings]] = []
        limits: dict[str, LoadLimits] = {}  # each set's load limits: its thumbnails are made under the same
        for group in groups:
            with _checker(group, kw) as checker:
                progress = None if kw.get("quiet") else _progress_bar(kw)
                if staged is None:
                    group_sets = checker.check(group.paths, progress=progress, exclude=exclude).sets
                else:
                    chosen = [s for s in staged.sets if s.path in group.paths]
                    group_sets = checker.check_photo_sets(chosen, progress, staged.staged_bytes).sets
            gated.extend((s, group.settings) for s in group_sets)
            limits.update((s.path, group.pack.limits) for s in group_sets)
        report = judge_report([s for s, _ in gated], pack_if_empty=groups[0].pack.name)
        if kw["fmt"] == "html":
            from .measure.thumbnails import report_thumbnails

            thumbnails = report_thumbnails(report, limits)
    except (ConfigError, ModelError) as e:
        click.echo(f"photocheck: error: {e}", err=True)
        return ExitCode.ERROR
    return _emit(report, gated, kw, thumbnails)


def _write_or_print(text: str, output: str | None) -> bool:
    """The text to FILE (`--output`) or to stdout; False (with the reason on stderr) when FILE cannot be written."""
    if not output:
        # the reporter already decided about colour (_use_color); click would strip it again off a terminal
        click.echo(text, nl=False, color=True)
        return True
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as e:
        click.echo(f"photocheck: error: cannot write {output}: {e.strerror or e}", err=True)
        return False
    return True


def _use_color(choice: str | None, no_color_flag: bool | None, to_terminal: bool) -> bool:
    """--color always|never wins; then --no-color; then NO_COLOR (any value: off) and FORCE_COLOR (on), as
    https://no-color.org and ruff read them; else colour only on a terminal."""
    if choice == "always":
        return True
    if choice == "never" or no_color_flag:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return to_terminal


def _emit(
    report: Report, gated: list[tuple[SetResult, Settings]], kw: dict[str, Any], thumbnails: dict[str, str] | None = None
) -> ExitCode:
    """Write the report in the chosen format; the exit code of the sets' gates."""
    fmt, output = str(kw["fmt"]), kw.get("output")
    use_color = _use_color(kw.get("color"), kw.get("no_color"), to_terminal=sys.stdout.isatty() and output is None)
    render = REPORTERS[fmt]
    if kw.get("statistics") and fmt == "json":
        from .reporters.lines import render_statistics_json as render
    elif fmt == "text" and kw.get("statistics"):
        from .reporters.text import render_statistics as render
    elif fmt == "text" and kw.get("quiet"):
        from .reporters.text import render_concise as render
    text = render(report, color=use_color and fmt == "text", thumbnails=thumbnails or {})
    # a file name that is not valid UTF-8 arrives as lone surrogates: show its bytes as \udcXX escapes
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if not _write_or_print(text, output):
        return ExitCode.ERROR
    return _gate(gated, kw)


class _Progress:
    """A progress bar on stderr, only when a person is watching and the run is long enough to need one."""

    def __init__(self, color: bool = True) -> None:
        self._bar: Any = None
        self._task: Any = None
        self._color = color

    def __call__(self, done: int, total: int, path: str) -> None:
        if total <= 3:
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import Progress

            console = Console(stderr=True, no_color=not self._color, color_system="auto" if self._color else None)
            self._bar = Progress(console=console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task("checking photos", total=total)
        self._bar.update(self._task, completed=done)
        if done >= total:
            self._bar.stop()


def _progress_bar(kw: dict[str, Any]) -> _Progress | None:
    """On a terminal only, and coloured as the report is (--color never / NO_COLOR: a plain bar)."""
    if not sys.stderr.isatty():
        return None
    return _Progress(color=_use_color(kw.get("color"), kw.get("no_color"), to_terminal=True))


_check_options = [
    click.option("--format", "fmt", type=click.Choice(list(REPORTERS)), default="text", show_default=True),
    click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE."),
    click.option(
        "--pack",
        default=None,
        help="Rule pack: default, strict, quick, or a pack .toml [default: from config, else default].",
    ),
    click.option("--select", multiple=True, help="Only these rule codes/prefixes/names (comma-separated)."),
    click.option("--ignore", multiple=True, help="Also skip these rule codes/prefixes/names (comma-separated)."),
    click.option(
        "--config",
        type=click.Path(exists=True, dir_okay=False),
        help="Use this photocheck.toml / pyproject.toml instead of searching.",
    ),
    click.option("--isolated", is_flag=True, help="Ignore all configuration files."),
    click.option(
        "--exclude",
        multiple=True,
        help="Leave out files and folders whose name matches these patterns (comma-separated globs; hidden "
        "ones always are).",
    ),
    click.option(
        "--face-model",
        envvar="PHOTOCHECK_FACE_MODEL",
        type=click.Path(dir_okay=False),
        help="Another MediaPipe face_landmarker.task file [env: PHOTOCHECK_FACE_MODEL].",
    ),
    click.option(
        "--fail-on",
        type=click.Choice(list(FAIL_LEVELS)),
        default=None,
        help="Exit 1 when a finding of this severity or worse exists [default: from config, else error].",
    ),
    click.option("--fail-under", type=_SCORE, help="Exit 1 when the score is below this."),
    click.option(
        "--exit-zero", is_flag=True, help="Exit 0 even when a set fails its gate (errors in use still exit 2)."
    ),
    click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour the text report: auto = on a terminal, unless NO_COLOR is set (FORCE_COLOR forces it).",
    ),
    click.option("--no-color", "no_color", is_flag=True, hidden=True, help="Same as --color never."),
    click.option("--quiet", "-q", is_flag=True, help="Text: one line per finding, nothing else; no progress bar."),
    click.option(
        "--statistics",
        is_flag=True,
        help="How many findings of each rule, instead of the report (text, or a JSON array with --format json).",
    ),
    click.option(
        "--reference",
        multiple=True,
        type=click.Path(exists=True),
        help="The subject is this person: earlier photos (files or a folder; repeatable) or a reference .json "
        "saved by `photocheck reference`. For checking new uploads one at a time.",
    ),
    click.option(
        "--jobs", "-j", type=click.IntRange(1), default=None, help="Processes measuring photos [default: all cores]."
    ),
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        envvar=CACHE_ENV,
        help=f"Facts cache folder [env: {CACHE_ENV}; default: the user cache folder].",
    ),
    click.option("--no-cache", is_flag=True, help="Measure every photo again; read and write no cache."),
]


def _with_check_options(f):  # type: ignore[no-untyped-def]
    for opt in reversed(_check_options):
        f = opt(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="photocheck")
def main() -> None:
    """Lint the reference photos of a face-identity profile before upload."""
    from .measure.allocator import keep_freed_buffers
    from .measure.background import finish_background_work

    keep_freed_buffers()  # this process is photocheck's own: photo buffers are reused, not faulted in anew
    # whatever the command and however it ends (an exit code, a usage error, Ctrl-C), the work begun ahead for
    # the models has ended before the process does: it then exits with its own code, never SIGABRT
    click.get_current_context().call_on_close(finish_background_work)


@main.command("check")
@click.argument("paths", nargs=-1, required=True)
@_with_check_options
def check_cmd(paths: tuple[str, ...], **kw: Any) -> None:
    """Check photo folders (each folder is a set) or files (grouped into sets by folder)."""
    sys.exit(_invoke(list(paths), kw))


@main.command("demo")
@_with_check_options
def demo_cmd(**kw: Any) -> None:
    """Check the built-in demo set (public-domain and MIT-licensed photos shipped with photocheck). Exits 0
    whatever it finds (a demo shows, it does not gate) unless --fail-on or --fail-under asks it to gate."""
    from .discovery import shown_path

    if kw.get("fail_on") is None and kw.get("fail_under") is None:
        kw["fail_on"] = "never"

    # "photocheck/demo" from a checkout; the full path when installed elsewhere
    sys.exit(_invoke([shown_path(DEMO_DIR)], kw))


def _invoke(paths: list[str], kw: dict[str, Any], staged: StagedSets | None = None) -> ExitCode:
    try:
        return _run(paths, kw, staged)
    except KeyboardInterrupt:
        click.echo("photocheck: interrupted", err=True)
        return ExitCode.INTERRUPTED
    except Exception as e:  # an internal failure is exit 2 with a message, not a traceback
        if os.environ.get("PHOTOCHECK_DEBUG"):
            raise
        click.echo(
            f"photocheck: internal error: {type(e).__name__}: {e} (set PHOTOCHECK_DEBUG=1 for details)", err=True
        )
        return ExitCode.ERROR


@main.command("config")
@click.argument("path", required=False, default=".")
@click.option(
    "--config", type=click.Path(exists=True, dir_okay=False), help="Use this config file instead of searching."
)
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--pack", default=None, help="Rule pack name or path.")
@click.option("--select", multiple=True)
@click.option("--ignore", multiple=True)
def config_cmd(
    path: str, config: str | None, isolated: bool, pack: str | None, select: tuple[str, ...], ignore: tuple[str, ...]
) -> None:
    """Print the effective configuration for PATH (the config file found, the pack, every rule's options)."""
    try:
        settings = resolve_settings(
            Path(path), config=config, isolated=isolated, pack=pack, select=_split(select), ignore=_split(ignore)
        )
        click.echo(describe(settings), nl=False)
    except ConfigError as e:
        click.echo(f"photocheck: error: {e}", err=True)
        sys.exit(ExitCode.ERROR)


class _HookCommand(click.Command):
    """pre-commit appends the staged file names after the hook's own options, with no `--` between them: a photo
    in a folder named `-rf` or `-o` would be read as an option (`-o/x.jpg`: write the report to /x.jpg). Here
    every photo-named word that is not the value of the option before it is a file, and the files go after a
    `--`, whatever they look like."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from .measure.options import is_image_name

        takes_value = {name for p in self.params if isinstance(p, click.Option) and not p.is_flag for name in p.opts}
        options: list[str] = []
        files: list[str] = []
        i = 0
        while i < len(args):
            word = args[i]
            if word == "--":
                files.extend(args[i + 1 :])
                break
            if word in takes_value and i + 1 < len(args):
                options += [word, args[i + 1]]
                i += 2
                continue
            if word.startswith("-") and not is_image_name(word):
                options.append(word)  # a flag, `--opt=value`, `-j2`: click's to parse
            else:
                files.append(word)
            i += 1
        return super().parse_args(ctx, [*options, "--", *files])


@main.command("hook", hidden=True, cls=_HookCommand)
@click.argument("files", nargs=-1)
@_with_check_options
def hook_cmd(files: tuple[str, ...], **kw: Any) -> None:
    """pre-commit entry point: check the set folder of every staged photo, once, as the commit would record it
    (the photos in the git index, with their staged content); outside a git repository, the folders on disk."""
    if not files:
        sys.exit(ExitCode.CLEAN)
    from .measure.options import LoadLimits
    from .staged import staged_sets

    staged = staged_sets(files, _split(kw.get("exclude") or ()), LoadLimits().max_file_bytes)
    if staged is None:
        sys.exit(_invoke(sorted({os.path.dirname(f) or "." for f in files}), kw))
    if not staged.sets:
        sys.exit(ExitCode.CLEAN)
    sys.exit(_invoke([], kw, staged))


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_cmd(fmt: str) -> None:
    """List the rule catalogue with default severities."""
    pack = load_pack("default")
    rows = [
        {"code": c, "name": r.name, "level": r.level, "severity": pack.rules[c].severity.value, "summary": r.summary}
        for c, r in sorted(REGISTRY.items())
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['code']}  {row['name']:24} {row['severity']:8} {row['summary']}")


@main.command("rule")
@click.argument("code")
def rule_cmd(code: str) -> None:
    """Print the documentation of one rule (by code or name)."""
    key = rule_code(code)
    if key is None:
        click.echo(f"photocheck: error: unknown rule {code!r}; see `photocheck rules`", err=True)
        sys.exit(ExitCode.ERROR)
    click.echo(rule_doc(key))


@main.command("reference")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the reference JSON to FILE.")
@click.option("--face-model", envvar="PHOTOCHECK_FACE_MODEL", type=click.Path(dir_okay=False))
def reference_cmd(paths: tuple[str, ...], output: str | None, face_model: str | None) -> None:
    """Save the identity of a user's photos (a face descriptor, no pixels) for later `--reference` checks."""
    from .api import Checker

    try:
        with Checker(face_model=face_model) as checker:
            ref = checker.build_reference(list(paths))
    except (ConfigError, ModelError) as e:
        click.echo(f"photocheck: error: {e}", err=True)
        sys.exit(ExitCode.ERROR)
    if not _write_or_print(json.dumps(ref.to_dict(), indent=1) + "\n", output):
        sys.exit(ExitCode.ERROR)
    if output:
        click.echo(f"reference of {ref.photos} photo(s) written to {output}", err=True)


@main.command("facts")
@click.argument("paths", nargs=-1, required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the facts JSON to FILE.")
@click.option("--face-model", envvar="PHOTOCHECK_FACE_MODEL", type=click.Path(dir_okay=False))
@click.option("--config", type=click.Path(exists=True, dir_okay=False), help="Use this config file.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--exclude", multiple=True, help="Leave out files and folders whose name matches these patterns.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=None, help="Processes measuring photos.")
@click.option("--cache-dir", type=click.Path(file_okay=False), envvar=CACHE_ENV, help="Facts cache folder.")
@click.option("--no-cache", is_flag=True, help="Measure every photo again; read and write no cache.")
def facts_cmd(paths: tuple[str, ...], output: str | None, **kw: Any) -> None:
    """Record what the analyzers measured, per set, as JSON: `photocheck judge` re-judges it without photos.

    The sets are found, and measured under their config's limits, as `check` does; everything is measured, so
    any pack can judge the file later."""
    kw["quiet"] = True
    folders = _set_folders(list(paths), kw)
    if not folders:
        sys.exit(ExitCode.ERROR)
    recorded: list[RecordedSet] = []
    try:
        for group in _config_groups(folders, kw):
            with _checker(group, kw, measure_all=True) as checker:
                measured = checker.measure_sets(group.paths, exclude=_split(kw.get("exclude") or ()))
            recorded += [RecordedSet(s.path, tuple(facts)) for s, facts in measured]
    except (ConfigError, ModelError) as e:
        click.echo(f"photocheck: error: {e}", err=True)
        sys.exit(ExitCode.ERROR)
    if not _write_or_print(facts_text(recorded), output):
        sys.exit(ExitCode.ERROR)


@main.command("judge")
@click.argument("facts_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(list(REPORTERS)), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--pack", default=None, help="Rule pack: default, strict, quick, or a pack .toml.")
@click.option("--select", multiple=True, help="Only these rule codes/prefixes/names (comma-separated).")
@click.option("--ignore", multiple=True, help="Also skip these rule codes/prefixes/names (comma-separated).")
@click.option("--config", type=click.Path(exists=True, dir_okay=False), help="Use this config file.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--fail-on", type=click.Choice(list(FAIL_LEVELS)), default=None)
@click.option("--fail-under", type=_SCORE)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when a set fails its gate.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("--no-color", "no_color", is_flag=True, hidden=True)
@click.option("--reference", type=click.Path(exists=True, dir_okay=False), help="A reference .json file.")
def judge_cmd(facts_file: str, **kw: Any) -> None:
    """Re-judge facts recorded by `photocheck facts`, with any pack or flags, without reading a photo or
    loading a model: the same report `check` gives for those photos (sets grouped by config as `check` does)."""
    try:
        recorded = read_facts_file(facts_file)
        reference = Reference.load(kw["reference"]) if kw.get("reference") else None
        groups = _config_groups([s.path for s in recorded] or ["."], kw)
        gated: list[tuple[SetResult, Settings]] = []
        for group in groups:
            members = set(group.paths)
            for s in (s for s in recorded if s.path in members):  # every recorded set, in the file's order
                result = judge_facts(
                    s.path, s.facts, group.pack, reference=reference,
                    per_file_ignores=group.per_file_ignores, config=group.settings.provenance(),
                )  # fmt: skip
                gated.append((result, group.settings))
        report = judge_report([s for s, _ in gated], pack_if_empty=groups[0].pack.name)
    except ConfigError as e:
        click.echo(f"photocheck: error: {e}", err=True)
        sys.exit(ExitCode.ERROR)
    sys.exit(_emit(report, gated, kw))


if __name__ == "__main__":  # pragma: no cover
    main()
