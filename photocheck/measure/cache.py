"""The facts cache: what the analyzers measured, keyed by the photo's content hash and by everything that
changes a measurement (analyzer version, face model, detector settings, load limits, identity on/off) —
never by rule thresholds, so re-tuning a pack re-runs only the rules.

One small JSON file per entry, written atomically (temporary file + rename in the same folder), so two runs
sharing the cache never see half an entry. An unreadable, corrupt or foreign entry is ignored and rebuilt.
The cache lives in the user's cache folder (platformdirs) or where --cache-dir says, never beside photos.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..model import ImageFacts
from ..safe_files import read_regular_file

FORMAT = "photocheck-facts/2"  # /2: each entry carries the SHA-256 of its facts
MAX_ENTRY_BYTES = 16 << 20  # one photo's facts are a few KB (100 faces with descriptors stay far below this)
CACHE_ENV = "PHOTOCHECK_CACHE_DIR"


def default_cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("photocheck", appauthor=False)) / "facts"


class FactsCache:
    def __init__(self, directory: str | os.PathLike[str], salt: dict[str, Any]) -> None:
        self.directory = Path(directory)
        self.salt = json.dumps(salt, sort_keys=True)
        self.hits = 0
        self.misses = 0

    def _key(self, content_hash: str) -> str:
        return hashlib.sha256(f"{self.salt}\n{content_hash}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, content_hash: str, path: str) -> ImageFacts | None:
        """The cached facts for these bytes, renamed to `path`; None on a miss or a bad entry."""
        key = self._key(content_hash)
        try:
            entry = json.loads(read_regular_file(self._path(key), MAX_ENTRY_BYTES).decode("utf-8"))
            if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
                raise ValueError("foreign entry")
            if entry.get("sha256") != _facts_digest(entry["facts"]):
                raise ValueError("entry changed since it was written")  # bit rot, an edit, a partial copy
            facts = ImageFacts.from_dict(entry["facts"])
            if facts.content_hash != content_hash:
                raise ValueError("entry for other bytes")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            # unreadable, foreign, or not facts photocheck could have measured (null / nan / inf, wrong sizes):
            # a miss, measured again and overwritten
            self.misses += 1
            return None
        self.hits += 1
        return _renamed(facts, path)

    def put(self, facts: ImageFacts) -> None:
        """Store facts of a decoded photo; failures to write only cost the next run some time."""
        if facts.error or not facts.content_hash:
            return
        key = self._key(facts.content_hash)
        target = self._path(key)
        data = facts.to_dict()
        try:
            entry = {"format": FORMAT, "key": key, "facts": data, "sha256": _facts_digest(data)}
        except ValueError:  # a non-finite number: facts that could not be read back are not stored
            return
        tmp_name = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=target.parent, prefix=".tmp-", suffix=".json", delete=False
            ) as tmp:
                tmp_name = tmp.name
                json.dump(entry, tmp)
            os.replace(tmp_name, target)
            tmp_name = None
        except OSError:
            pass
        finally:
            if tmp_name is not None:  # interrupted or failed: leave no half-written file behind
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)


def _facts_digest(facts: Any) -> str:
    """SHA-256 of the facts in canonical JSON (no NaN / Infinity: ValueError)."""
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _renamed(facts: ImageFacts, path: str) -> ImageFacts:
    import dataclasses

    return dataclasses.replace(facts, path=path)
