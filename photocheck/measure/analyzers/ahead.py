"""Work begun ahead of its first use, on a thread of its own, so that it overlaps the first photo's decode.

The calls handed to `Ahead` spend their time in native code that releases the GIL (cv2 network builds, OpenCV's
colour tables) or interleave with code that does (MediaPipe's import during a decode).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Ahead:
    """One call run on a daemon thread. `wait` joins it and raises, once, what the call raised, so the caller
    meets the error where it would have met it without the thread; a call nobody waits for fails silently (its
    work is then done, and any error reported, where it is needed), never with a thread traceback on stderr."""

    def __init__(self, call: Callable[[], object], name: str) -> None:
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), name=name, daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], object]) -> None:
        try:
            call()
        except Exception as e:  # handed to `wait`
            self._error = e

    def wait(self) -> None:
        self._thread.join()
        error, self._error = self._error, None
        if error is not None:
            raise error
