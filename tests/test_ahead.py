"""Work begun ahead on another thread (photocheck/measure/analyzers/ahead.py): its error reaches the caller
that waits for it, once, and never as a thread traceback on stderr."""

from __future__ import annotations

import pytest

from photocheck.errors import ModelError
from photocheck.measure.analyzers.ahead import Ahead


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
