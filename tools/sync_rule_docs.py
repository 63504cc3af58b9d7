"""Write each rule's summary from its one source, the rule class (`Rule.summary`), into the places that show it:

- the paragraph under the title of its page, rules/docs/<CODE>-<name>.md: "Summary. Level: image. Default severity: error.";
- the comment on its table in rules/packs/default.toml: "[rules.IQ02]  # low-resolution: summary";
- its row in the README's rule table (between the `rules table` markers).

    python tools/sync_rule_docs.py          # rewrite what differs
    python tools/sync_rule_docs.py --check  # exit 1 naming what differs (tests/test_rules.py runs this check)

A summary says what fires the rule without the pack's numbers (a pack can change them); each rule's page
gives the defaults and why.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from photocheck.checks import REGISTRY, Rule  # noqa: E402

README_START = "<!-- rules table: written by tools/sync_rule_docs.py from each rule's summary -->"
README_END = "<!-- end of rules table -->"


def _sentence(summary: str) -> str:
    text = summary[0].upper() + summary[1:] if summary[:1].isalpha() else summary
    return text if text.endswith(".") else text + "."


def doc_line(rule: type[Rule]) -> str:
    return f"{_sentence(rule.summary)} Level: {rule.level}. Default severity: {rule.default_severity.value}."


def doc_page(code: str, rule: type[Rule]) -> Path:
    return ROOT / "rules" / "docs" / f"{code}-{rule.name}.md"


_IMAGE_FAMILIES = ("IQ", "FC", "LI", "PO", "ID")
_SET_FAMILIES = ("ID", "DS", "PO", "EX", "LI")


def _rules() -> list[tuple[str, type[Rule]]]:
    # the README's order: the image rules by family as SPEC's catalogue lists them, then the set rules
    return sorted(REGISTRY.items(), key=_catalogue_order)


def _catalogue_order(item: tuple[str, type[Rule]]) -> tuple[int, int, str]:
    code, rule = item
    families = _SET_FAMILIES if rule.level == "set" else _IMAGE_FAMILIES
    return (rule.level == "set", families.index(code[:2]), code)


def readme_table() -> str:
    rows = ["| code | name | level | default | fires when |", "|---|---|---|---|---|"]
    for code, rule in _rules():
        summary = rule.summary.replace("|", "\\|")  # a table cell: "|roll|" would split it
        rows.append(f"| {code} | {rule.name} | {rule.level} | {rule.default_severity.value} | {summary} |")
    return "\n".join(rows)


def synced_doc(code: str, rule: type[Rule], text: str) -> str:
    lines = text.split("\n")
    if len(lines) < 3 or not lines[0].startswith(f"# {code} "):
        raise SystemExit(f"{doc_page(code, rule)}: expected '# {code} {rule.name}' on line 1")
    end = lines.index("", 2) if "" in lines[2:] else len(lines)  # the summary paragraph, however wrapped
    return "\n".join([*lines[:2], doc_line(rule), *lines[end:]])


def synced_pack(text: str) -> str:
    for code, rule in _rules():
        text = re.sub(
            rf"^\[rules\.{code}\].*$", f"[rules.{code}]  # {rule.name}: {rule.summary}", text, count=1, flags=re.M
        )
    return text


def synced_readme(text: str) -> str:
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md: the markers {README_START!r} ... {README_END!r} are missing")
    return text[: start + len(README_START)] + "\n\n" + readme_table() + "\n\n" + text[end:]


def differences(write: bool = False) -> list[str]:
    """The files whose summaries differ from the rule classes (rewritten when `write`)."""
    targets: list[tuple[Path, str]] = []
    for code, rule in _rules():
        page = doc_page(code, rule)
        targets.append((page, synced_doc(code, rule, page.read_text())))
    pack = ROOT / "rules" / "packs" / "default.toml"
    targets.append((pack, synced_pack(pack.read_text())))
    readme = ROOT / "README.md"
    targets.append((readme, synced_readme(readme.read_text())))
    changed = []
    for path, wanted in targets:
        if path.read_text() != wanted:
            changed.append(str(path.relative_to(ROOT)))
            if write:
                path.write_text(wanted)
    return changed


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = differences(write=not check)
    for path in changed:
        print(f"{path}: {'differs from' if check else 'rewritten from'} the rule classes' summaries")
    return 1 if check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
