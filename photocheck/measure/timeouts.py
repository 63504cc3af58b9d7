"""A per-photo time limit, so one pathological file cannot stall a run.

A real-time interval timer raises PhotoTimeout in the thread that set it. Only the main thread of a
process can receive signals, so elsewhere (a Checker used from a worker thread) the limit is not applied;
photocheck's own worker processes run their analysis on their main thread. Native code that never returns
to the interpreter cannot be interrupted this way; the limit then applies as soon as it does.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class PhotoTimeout(Exception):
    """The analysis of one photo ran past its time limit."""


def _expired(signum: int, frame: FrameType | None) -> None:
    raise PhotoTimeout


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    usable = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
