"""A time budget for each regular expression of a codebook, at match time.

The codebook loader refuses expressions that can backtrack catastrophically, but no static check
catches every expression that is slow on some text (polynomial backtracking, a huge page). So
each expression's search over one page runs under a budget: past it, matching stops with a
codebook error that names the expression and its line, instead of running for minutes. Python's
regular-expression engine checks for signals while it works, so an interval timer can stop it.
Only in a process's main thread (where signals are delivered), which is where coding runs.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

#: seconds one expression may take on one page; a sane one takes well under a millisecond
REGEX_BUDGET = 2.0


class Expired(BaseException):
    """Raised by the timer inside a search; BaseException so no `except Exception` swallows it."""


@contextmanager
def page_budget(seconds: float | None = REGEX_BUDGET) -> Iterator["_Timer"]:
    """A timer for the searches over one page: `timer.start()` before each expression; raises
    Expired out of a search that runs past `seconds`."""
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield _Timer(None)
        return
    previous = signal.signal(signal.SIGALRM, _expire)
    try:
        yield _Timer(seconds)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Timer:
    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds

    def start(self) -> None:
        if self.seconds is not None:
            signal.setitimer(signal.ITIMER_REAL, self.seconds)


def _expire(signum, frame) -> None:
    raise Expired()
