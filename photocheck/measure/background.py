"""Work begun ahead of its first use, on a thread of its own, so that it overlaps the first photo's decode; and
always finished before the process exits.

The calls handed to `Ahead` spend their time in native code that releases the GIL (onnxruntime session builds,
OpenCV's colour tables, a model file's hash) or interleave with code that does (MediaPipe's import during a
decode).

Why they must be finished before the interpreter shuts down: CPython 3.11 ends a *daemon* thread that tries to
take the GIL back during finalization with `pthread_exit`, whose forced unwind runs through the C++ frames of the
library call the thread is returning from (onnxruntime, OpenCV, MediaPipe); a `noexcept` frame there turns it
into `std::terminate` - "terminate called without an active exception", SIGABRT, exit 134 - after the report was
printed. A run whose photos are all unreadable never waits for the networks it started, so their threads were
still inside onnxruntime when it exited (seen in gdb on a folder of one text file named .jpg). So the threads are
not daemons: the interpreter's own shutdown (`threading._shutdown`, before atexit handlers and finalization)
joins them, whatever the caller does; and `finish_background_work` joins them explicitly where photocheck knows
its work is over (`Measurer.close`, hence `Checker.close`, and the CLI when its command returns). Every call here
is bounded (a file read, a network build), so the join is too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_live: set[Ahead] = set()
_live_lock = threading.Lock()


class Ahead:
    """One call run on a thread of its own. `wait` joins it and raises, once, what the call raised, so the caller
    meets the error where it would have met it without the thread; a call nobody waits for fails silently (its
    work is then done, and any error reported, where it is needed), never with a thread traceback on stderr."""

    def __init__(self, call: Callable[[], object], name: str) -> None:
        self._error: Exception | None = None
        # not a daemon: see the module docstring (a daemon thread in native code at exit aborts the process)
        self._thread = threading.Thread(target=self._run, args=(call,), name=name, daemon=False)
        with _live_lock:
            _live.add(self)
        self._thread.start()

    def _run(self, call: Callable[[], object]) -> None:
        try:
            call()
        except Exception as e:  # handed to `wait`
            self._error = e
        finally:
            with _live_lock:
                _live.discard(self)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self) -> None:
        """Wait for the call to end, keeping its error for `wait`."""
        self._thread.join()

    def wait(self) -> None:
        self.join()
        error, self._error = self._error, None
        if error is not None:
            raise error


def background_work() -> list[Ahead]:
    """The calls still running (or not yet marked done)."""
    with _live_lock:
        return list(_live)


def finish_background_work() -> None:
    """Join every call begun ahead in this process; their errors stay with them for a later `wait`.

    A Ctrl-C while waiting does not leave a thread running into the interpreter's shutdown (that is the abort this
    module exists to prevent): the join goes on, and the interrupt is raised once every call has ended, a
    fraction of a second later."""
    interrupted = False
    while True:
        pending = background_work()
        if not pending:
            break
        for ahead in pending:
            while True:
                try:
                    ahead.join()
                    break
                except KeyboardInterrupt:
                    interrupted = True
        # each call took itself out of the live set before its thread ended; calls begun meanwhile: the next pass
    if interrupted:
        raise KeyboardInterrupt
