"""The facts cache: what the analyzers measured, keyed by the photo's content hash and by everything that
changes a measurement (analyzer version, face model, detector settings, load limits, identity on/off) —
never by rule thresholds, so re-tuning a pack re-runs only the rules.

One small JSON file per entry, written atomically (temporary file + rename in the same folder), so two runs
sharing the cache never see half an entry. An unreadable, corrupt or foreign entry is ignored and rebuilt.
The cache lives in the user's cache folder (platformdirs) or where --cache-dir says, never beside photos.

Each entry is signed with a keyed hash (HMAC-SHA256) under a secret made for that cache folder on first use
(`SECRET_NAME`, 32 random bytes, readable by its owner only). An unkeyed checksum only caught accidents: an
entry edited and its checksum recomputed was trusted, and 8 of 150 absurd-but-finite edits changed a report.
Without the secret an edit cannot be signed, so it is a miss and the photo is measured again. Where the secret
can be neither read nor made (a read-only folder), the cache is off for the run: every lookup a miss, nothing
written.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..model import ImageFacts
from ..safe_files import read_regular_file

FORMAT = "photocheck-facts/3"  # /3: each entry carries an HMAC of its facts under the folder's secret
SECRET_NAME = "secret.key"
SECRET_BYTES = 32
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
        self._secret: bytes | None = None
        self._secret_read = False

    @property
    def secret(self) -> bytes | None:
        """The folder's signing key, read or made once; None when it can be neither (the cache is then off)."""
        if not self._secret_read:
            self._secret_read = True
            self._secret = _folder_secret(self.directory)
        return self._secret

    def _signature(self, facts: Any) -> str | None:
        """HMAC-SHA256 of the facts in canonical JSON under the folder's secret (ValueError for NaN/Infinity)."""
        secret = self.secret
        if secret is None:
            return None
        text = json.dumps(facts, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()

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
            signature = self._signature(entry["facts"])
            if signature is None or not hmac.compare_digest(str(entry.get("hmac")), signature):
                raise ValueError("entry not signed by this cache")  # an edit, bit rot, another folder's entry
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
            signature = self._signature(data)
        except ValueError:  # a non-finite number: facts that could not be read back are not stored
            return
        if signature is None:
            return
        entry = {"format": FORMAT, "key": key, "facts": data, "hmac": signature}
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


def _folder_secret(directory: Path) -> bytes | None:
    """The cache folder's secret: read it, or make it. Made whole in a temporary file and linked into place,
    which fails if another run got there first: then that run's secret is read, so two runs starting together
    sign with the same one and no run ever reads a half-written secret. None when the folder cannot hold one."""
    path = directory / SECRET_NAME
    try:
        secret = read_regular_file(path, 4096)
        return secret if len(secret) == SECRET_BYTES else None  # not one photocheck made: trust nothing
    except FileNotFoundError:
        pass
    except OSError:
        return None
    tmp_name = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".tmp-secret-")  # mode 0600
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(os.urandom(SECRET_BYTES))
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            pass  # another run's secret is in place: use that one
        secret = read_regular_file(path, 4096)
        return secret if len(secret) == SECRET_BYTES else None
    except OSError:
        return None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _renamed(facts: ImageFacts, path: str) -> ImageFacts:
    import dataclasses

    return dataclasses.replace(facts, path=path)
