"""Scaffold a new rule: the class, its page, its table in the default pack and its README row.

    python tools/new_rule.py IQ07 over-sharpened --summary "halos along the edges from heavy sharpening" \
        --severity warning --option max_halo=0.3 --option min_edge_count=200

writes
- a rule class in photocheck/checks/<family module>.py (image rules by family; set rules in coverage.py, the
  identity family in identity.py) with its Options and a `check` that reads them and decides nothing yet;
- rules/docs/<CODE>-<name>.md with the sections every page has (tests/test_rules.py checks them);
- [rules.<CODE>] in rules/packs/default.toml with every option at its default;
- the README's rule table and the page's summary line (tools/sync_rule_docs.py).

and prints what only you can write: the check itself, a firing and a passing case (tests/test_rules.py CASES),
one ROWS row per option whose outcome turns on it (tests/test_rule_branches.py), and the calibration evidence.
Until they exist the meta-tests fail and say which is missing. Codes are permanent: never reuse one.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_IMAGE_MODULES = {"IQ": "image_quality", "FC": "face", "LI": "lighting", "PO": "pose", "ID": "identity"}
_SET_MODULES = {"ID": "identity"}  # every other set rule is a coverage-and-count rule
_SEVERITIES = ("error", "warning", "info")


def _value(text: str) -> int | float | bool | str:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if not isinstance(value, (int, float, bool, str)):
        raise SystemExit(f"--option value {text!r}: a number, true/false or a string")
    return value


def _options(pairs: list[str]) -> dict[str, int | float | bool | str]:
    options: dict[str, int | float | bool | str] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise SystemExit(f"--option {pair!r}: write name=default, e.g. max_halo=0.3")
        options[key] = _value(raw.strip().replace("true", "True").replace("false", "False"))
    return options


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def class_source(code: str, name: str, summary: str, severity: str, level: str, options: dict) -> str:
    base, context = ("SetRule", "SetContext") if level == "set" else ("ImageRule", "ImageContext")
    fields = "\n".join(f"        {k}: {type(v).__name__} = {v!r}" for k, v in options.items()) or "        pass"
    reads = ", ".join(f"opts.{k}" for k in options) or "the context"
    return f'''

@register
class {_class_name(name)}({base}):
    """{summary[0].upper() + summary[1:]}. Why it matters for a profile: (one line; the page says more)."""

    code = "{code}"
    name = "{name}"
    summary = "{summary}"
    default_severity = Severity.{severity.upper()}

    @dataclass(frozen=True)
    class Options:
{fields}

    def check(self, ctx: {context}, opts: Options) -> Iterator[Hit]:
        # the rule's decision, a pure function of the recorded facts and of {reads}: yield
        # Hit("what is wrong, with the measured value and the limit", "how to fix it") when it fires
        yield from ()
'''


def page_source(code: str, name: str, severity: str, options: dict) -> str:
    rows = "\n".join(
        f"| `{k.replace('_', '-')}` | `{str(v).lower() if isinstance(v, bool) else v}` | (what it bounds) |"
        for k, v in options.items()
    )
    return f"""# {code} {name}

(summary: written by tools/sync_rule_docs.py)

## What it does
(what is measured, and when the rule fires)

## Why it matters for a profile
(what a photo like this does to the identity profile)

## Example
Bad (reported): (a photo, and the finding's message).
Good (silent): (a photo it lets pass).

## Options
Set them in a pack under `[rules.{code}]` (see `rules/packs/default.toml`).

| option | default | meaning |
|---|---|---|
| `severity` | `{severity}` | error, warning or info |
{rows}

## Calibration evidence
(the bench/ script that fits each default, its in-sample and leave-one-source-out figures; never one or two
photos)
"""


def pack_table(code: str, name: str, summary: str, severity: str, options: dict) -> str:
    def toml(v: object) -> str:
        return str(v).lower() if isinstance(v, bool) else (f'"{v}"' if isinstance(v, str) else repr(v))

    lines = [f"[rules.{code}]  # {name}: {summary}", f'severity = "{severity}"']
    lines += [f"{k.replace('_', '-')} = {toml(v)}" for k, v in options.items()]
    return "\n".join(lines) + "\n"


def insert_pack_table(text: str, code: str, table: str) -> str:
    """The table in code order among the [rules.XXNN] tables."""
    tables = list(re.finditer(r"^\[rules\.([A-Z]{2}\d\d)\]", text, re.M))
    after = [m for m in tables if m.group(1) > code]
    at = after[0].start() if after else len(text.rstrip("\n")) + 1
    if not after:
        return text.rstrip("\n") + "\n\n" + table
    return text[:at] + table + "\n" + text[at:]


def scaffold(code: str, name: str, summary: str, severity: str, level: str, options: dict, root: Path = ROOT) -> list[Path]:
    if not re.fullmatch(r"[A-Z]{2}\d\d", code):
        raise SystemExit(f"{code!r}: a rule code is two capitals and two digits (IQ07)")
    if not re.fullmatch(r"[a-z]+(-[a-z]+)*", name):
        raise SystemExit(f"{name!r}: a rule name is lower-case words joined by '-' (over-sharpened)")
    if severity not in _SEVERITIES:
        raise SystemExit(f"--severity {severity!r}: one of {', '.join(_SEVERITIES)}")
    family = code[:2]
    modules = _SET_MODULES if level == "set" else _IMAGE_MODULES
    module = modules.get(family, "coverage" if level == "set" else None)
    if module is None:
        raise SystemExit(f"{code}: no image-rule module for family {family} (known: {', '.join(_IMAGE_MODULES)})")
    rules_source = root / "photocheck" / "checks" / f"{module}.py"
    text = rules_source.read_text()
    if re.search(rf'code = "{code}"', "".join(p.read_text() for p in rules_source.parent.glob("*.py"))):
        raise SystemExit(f"{code} exists already: codes are permanent, pick the next free one")
    page = root / "rules" / "docs" / f"{code}-{name}.md"
    pack = root / "rules" / "packs" / "default.toml"
    rules_source.write_text(text.rstrip("\n") + "\n" + class_source(code, name, summary, severity, level, options))
    page.write_text(page_source(code, name, severity, options))
    pack.write_text(insert_pack_table(pack.read_text(), code, pack_table(code, name, summary, severity, options)))
    return [rules_source, page, pack]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("code")
    parser.add_argument("name")
    parser.add_argument("--summary", required=True, help="what fires the rule, without the pack's numbers")
    parser.add_argument("--severity", default="warning", choices=_SEVERITIES)
    parser.add_argument("--level", default="image", choices=("image", "set"))
    parser.add_argument("--option", action="append", default=[], help="name=default, once per option")
    args = parser.parse_args(argv)
    options = _options(args.option)
    written = scaffold(args.code, args.name, args.summary, args.severity, args.level, options)
    sys.path.insert(0, str(ROOT / "tools"))
    import sync_rule_docs  # noqa: E402  (beside this file)

    written += [ROOT / p for p in sync_rule_docs.differences(write=True) if (ROOT / p) not in written]
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    rows = ", ".join(options) or "(no options)"
    print(
        f"""
Left for you (the meta-tests fail until they exist):
  1. {args.code}.check in photocheck/checks/{written[0].stem}.py: the decision, a pure function of facts and options
     (a new measurement goes into measure/ first: a field on the facts, and the analyzer version bumped)
  2. tests/test_rules.py CASES["{args.code}"] = (facts that fire, facts that pass)
  3. tests/test_rule_branches.py ROWS: a row per option whose outcome turns on it: {rows}
  4. the page's sections, with the calibration evidence from a bench/ script (leave-one-source-out beside
     in-sample)
  5. pytest tests/test_rules.py tests/test_rule_branches.py; then bench/mutate_rules.py --files {written[0].relative_to(ROOT)}"""
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
