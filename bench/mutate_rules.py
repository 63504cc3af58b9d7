"""A small mutation check of the rule code: do the model-free rule tests notice one-line changes?

For every line inside a rule's `check` / `tally` / `targets` method (photocheck/checks/*.py), and inside the
judge's actions (photocheck/judge/actions.py), it makes one change at a time — a comparison turned around,
`and` <-> `or`, a `not` dropped, an option read replaced by its default value, a `yield`/`return` of a
hit turned into nothing — runs the rule tests (tests/test_rules.py, tests/test_rule_branches.py), and
reports the mutants that survive. The source is restored after every mutant (and on Ctrl-C).

    python bench/mutate_rules.py [--files photocheck/checks/pose.py ...] [--timeout 60]

Prints one line per surviving mutant (file:line, the change) and a summary; exit 0 always (a report).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import io
import re
import subprocess
import sys
import time
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TESTS = ["tests/test_rules.py", "tests/test_rule_branches.py"]
_SWAPS = [(" > ", " < "), (" < ", " > "), (" >= ", " < "), (" <= ", " > "), (" and ", " or "), (" or ", " and "),
          ("not ", ""), (" + ", " - ")]  # fmt: skip


def _rule_lines(path: Path) -> set[int]:
    """Line numbers inside check / tally / targets / decide bodies."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in ("check", "tally", "targets", "decide"):
            out.update(range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1))
    return out


def _option_defaults() -> dict[str, object]:
    from photocheck.checks import REGISTRY

    out: dict[str, object] = {}
    for rule in REGISTRY.values():
        for f in dataclasses.fields(rule.Options):
            out[f.name] = f.default
    return out


def _string_spans(source: str) -> dict[int, list[tuple[int, int]]]:
    """Per line, the column ranges of string literals and comments: prose, not logic, is never mutated."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.STRING, tokenize.COMMENT) or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            (r0, c0), (r1, c1) = tok.start, tok.end
            for r in range(r0, r1 + 1):
                spans.setdefault(r, []).append((c0 if r == r0 else 0, c1 if r == r1 else 10**6))
    return spans


def mutants(path: Path, defaults: dict[str, object]):
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    prose = _string_spans(source)
    for n in sorted(_rule_lines(path)):
        line = lines[n - 1]
        masked = list(line)
        for c0, c1 in prose.get(n, []):
            for c in range(c0, min(c1, len(line))):
                if masked[c] != "\n":
                    masked[c] = "\0"
        code = "".join(masked)
        if not code.strip("\0 \n"):
            continue
        for old, new in _SWAPS:
            start = 0
            while (i := code.find(old, start)) >= 0:
                yield n, f"{old.strip()!r} -> {new.strip()!r}", line[:i] + new + line[i + len(old):]
                start = i + len(old)
        for m in re.finditer(r"opts\.(\w+)", code):
            if m.group(1) in defaults:
                value = defaults[m.group(1)]
                changed = {True: False, False: True}.get(value, value * 2 if isinstance(value, (int, float)) else value)
                yield n, f"opts.{m.group(1)} -> {changed!r}", line[: m.start()] + repr(changed) + line[m.end():]
        if code.strip().startswith("yield Hit("):
            yield n, "hit dropped", line.replace("yield Hit(", "(Hit(", 1)


def run_tests(timeout: float) -> bool:
    """True when the tests fail (the mutant is killed)."""
    try:
        r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS],
                           cwd=ROOT, capture_output=True, timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        return True
    return r.returncode != 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", nargs="*", default=None)
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    files = [Path(f) for f in args.files] if args.files else sorted((ROOT / "photocheck" / "checks").glob("*.py"))
    files = [f if f.is_absolute() else ROOT / f for f in files]
    if not args.files:
        files.append(ROOT / "photocheck" / "judge" / "actions.py")
    defaults = _option_defaults()
    killed = survived = 0
    started = time.monotonic()
    for path in files:
        original = path.read_text(encoding="utf-8")
        lines = original.splitlines(keepends=True)
        try:
            for n, what, new_line in mutants(path, defaults):
                mutated = "".join(lines[: n - 1] + [new_line] + lines[n:])
                try:
                    compile(mutated, str(path), "exec")
                except SyntaxError:
                    continue
                path.write_text(mutated, encoding="utf-8")
                if run_tests(args.timeout):
                    killed += 1
                else:
                    survived += 1
                    print(f"SURVIVED {path.relative_to(ROOT)}:{n}: {what}: {new_line.strip()}", flush=True)
                path.write_text(original, encoding="utf-8")
        finally:
            path.write_text(original, encoding="utf-8")
    total = killed + survived
    print(f"{total} mutants, {killed} killed, {survived} survived ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
