"""Work begun ahead on another thread (photocheck/measure/background.py): its error reaches the caller
that waits for it, once, and never as a thread traceback on stderr."""

from __future__ import annotations

import pytest

from photocheck.errors import ModelError
from photocheck.measure.background import Ahead


def _fail() -> None:
    raise ModelError("the bundled model cannot be loaded")


def test_a_failure_ahead_is_raised_by_wait_once():
    ahead = Ahead(_fail, "test")
    with pytest.raises(ModelError, match="cannot be loaded"):
        ahead.wait()
    ahead.wait()  # raised once: a second wait has nothing to report


def test_a_failure_nobody_waits_for_prints_nothing(capfd):
    Ahead(_fail, "test")._thread.join()
    assert capfd.readouterr().err == ""


def test_the_call_has_run_when_wait_returns():
    done: list[int] = []
    Ahead(lambda: done.append(1), "test").wait()
    assert done == [1]


def test_threads_are_not_daemons_and_finish_joins_every_one():
    """A daemon thread inside native code when the interpreter shuts down aborts the process (SIGABRT): work begun
    ahead is joined by the interpreter's shutdown and by finish_background_work (tests/test_process_exit.py runs
    the real processes)."""
    import threading

    from photocheck.measure.background import background_work, finish_background_work

    release = threading.Event()
    ahead = Ahead(release.wait, "test")
    assert ahead._thread.daemon is False and ahead in background_work()
    threading.Timer(0.2, release.set).start()
    finish_background_work()
    assert not ahead.running and ahead not in background_work()
