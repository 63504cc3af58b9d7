"""The facts file: what the analyzers measured, per set, as JSON (`photocheck facts`), so that `photocheck judge`
or a library caller (`judge_facts`) can judge it again with any pack, without a photo or a model.

    {"format": "photocheck-facts", "version": 1, "photocheck_version": "...",
     "sets": [{"path": "photos/alice", "facts": [<ImageFacts.to_dict()>, ...]}, ...]}

Reading validates every field (`ImageFacts.from_dict`): a file photocheck could not have written is a
`ConfigError` naming the file, the set, the photo and the field. No click, no image or model library here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._version import __version__
from .errors import ConfigError
from .model import FactsError, ImageFacts
from .safe_files import read_regular_file

__all__ = ["FACTS_FORMAT", "FACTS_VERSION", "MAX_FACTS_FILE_BYTES", "RecordedSet", "facts_dict", "facts_text", "read_facts",
           "read_facts_file", "write_facts_file"]  # fmt: skip

FACTS_FORMAT = "photocheck-facts"
FACTS_VERSION = 1
MAX_FACTS_FILE_BYTES = 256 << 20  # 2000 photos' facts are about 10 MB


@dataclass(frozen=True)
class RecordedSet:
    """One set of a facts file: its path (as `check` names the set) and its photos' facts, in order."""

    path: str
    facts: tuple[ImageFacts, ...]


def facts_dict(sets: Sequence[RecordedSet]) -> dict[str, Any]:
    """The facts file's JSON data for these sets."""
    return {
        "format": FACTS_FORMAT,
        "version": FACTS_VERSION,
        "photocheck_version": __version__,
        "sets": [{"path": s.path, "facts": [f.to_dict() for f in s.facts]} for s in sets],
    }


def facts_text(sets: Sequence[RecordedSet]) -> str:
    """The facts file's text for these sets."""
    return json.dumps(facts_dict(sets), indent=1) + "\n"


def write_facts_file(sets: Sequence[RecordedSet], path: str | os.PathLike[str]) -> None:
    """Write the facts file (OSError when it cannot be written)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(facts_text(sets))


def read_facts_file(path: str | os.PathLike[str]) -> list[RecordedSet]:
    """The sets of a `photocheck facts` file. ConfigError when it is not one (or not one photocheck could have
    written): the message names the file and, inside it, the set, the photo and the field."""
    name = os.fspath(path)
    try:
        data = json.loads(read_regular_file(name, MAX_FACTS_FILE_BYTES).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ConfigError(f"{name}: not a readable facts file ({e})") from None
    try:
        return read_facts(data)
    except ConfigError as e:
        raise ConfigError(f"{name}: {e}") from None


def read_facts(data: Any) -> list[RecordedSet]:
    """The sets of a facts file's parsed JSON data; ConfigError naming the set, the photo and the field."""
    if not isinstance(data, dict) or data.get("format") != FACTS_FORMAT or not isinstance(data.get("sets"), list):
        raise ConfigError("not a photocheck facts file (make one with `photocheck facts --output FILE`)")
    out = []
    for k, s in enumerate(data["sets"]):
        try:
            out.append(RecordedSet(str(s["path"]), tuple(_photo_facts(f, j) for j, f in enumerate(s["facts"]))))
        except FactsError as e:
            raise ConfigError(f"sets[{k}].{e}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ConfigError(f"sets[{k}] is malformed ({type(e).__name__}: {e})") from None
    return out


def _photo_facts(data: Any, index: int) -> ImageFacts:
    """One photo's recorded facts; a FactsError names the photo and the field."""
    try:
        return ImageFacts.from_dict(data)
    except FactsError as e:
        name = data.get("path") if isinstance(data, dict) and isinstance(data.get("path"), str) else None
        raise e.at(f"facts[{index}]" + (f" ({name[:80]})" if name else "")) from None
