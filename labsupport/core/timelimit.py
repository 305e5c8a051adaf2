"""A time limit for learner code: a call that does not return in time is stopped, and nothing changes.

Exercise checks and the simulated Mesos master call functions a learner wrote. An endless loop
there (``while True: pass``) would hang the Jupyter kernel; :func:`call_with_time_limit` stops it
after :func:`get_time_limit` seconds (10 by default, see :func:`set_time_limit`) and raises
:class:`TimeLimitExceeded` naming the function. The caller makes sure that "nothing changed"
holds: checks call the learner on deep copies; the Mesos master buffers the driver calls a
callback makes and applies them only when it returns.

How the call is stopped, and why this way: one daemon *watchdog thread* keeps the deadlines;
when one passes it raises an exception in the thread running the learner's code with CPython's
``PyThreadState_SetAsyncExc`` (via :mod:`ctypes`). This works in any thread and on Linux, macOS
and Windows alike, and costs nothing while the learner's code runs. The alternatives were
rejected: ``signal.alarm``/``setitimer`` exist only on Unix and only in the main thread;
``sys.settrace``/``sys.monitoring`` budgets slow every line of the learner's code and
conflict with debuggers and coverage. The limits of the chosen way: the exception arrives at the
next Python bytecode, so a call blocked inside C code (``time.sleep(1e9)``, ``input()``) is
stopped only when that C call returns; the exception derives from :class:`BaseException`, so
a learner's ``except Exception:`` cannot swallow it (a bare ``except:`` can, and then the call
simply runs on). Other interpreters than CPython run the call without a limit.

>>> call_with_time_limit(sum, [1, 2, 3])
6
>>> def spin():
...     while True:
...         pass
>>> call_with_time_limit(spin, seconds=0.2)
Traceback (most recent call last):
...
labsupport.core.timelimit.TimeLimitExceeded: spin() was stopped after 0.2 s without returning (an endless loop?). Nothing was changed by the call.
"""
from __future__ import annotations

import ctypes
import itertools
import platform
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from labsupport.core.errors import LabError

__all__ = ["TimeLimitExceeded", "call_with_time_limit", "get_time_limit", "set_time_limit", "time_limit"]

T = TypeVar("T")
DEFAULT_SECONDS = 10.0
_limit: list[float | None] = [DEFAULT_SECONDS]
_SUPPORTED = platform.python_implementation() == "CPython"


class TimeLimitExceeded(LabError):
    """Learner code did not return within the time limit; it was stopped and nothing changed."""


class _Interrupt(BaseException):
    """Raised asynchronously in the thread running over its deadline (not an ``Exception``)."""


def get_time_limit() -> float | None:
    """The current limit in seconds for learner code (``None``: no limit)."""
    return _limit[0]


def set_time_limit(seconds: float | None) -> None:
    """Set the limit for every later call of learner code; ``None`` or ``0`` switches it off.

    >>> set_time_limit(30); get_time_limit()
    30.0
    >>> set_time_limit(10)
    """
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0
                                or seconds != seconds):
        raise LabError(f"seconds: the time limit must be a number of seconds >= 0 or None, got {seconds!r}")
    _limit[0] = float(seconds) if seconds else None


class _Token:
    __slots__ = ("deadline", "fired", "thread_id")

    def __init__(self, thread_id: int, deadline: float) -> None:
        self.thread_id, self.deadline, self.fired = thread_id, deadline, False


class _Watchdog:
    """One daemon thread that interrupts the threads whose deadline has passed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._tokens: dict[int, _Token] = {}
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> tuple[int, _Token]:
        token = _Token(threading.get_ident(), time.monotonic() + seconds)
        with self._cond:
            key = next(self._ids)
            self._tokens[key] = token
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="labsupport-time-limit", daemon=True)
                self._thread.start()
            self._cond.notify()
        return key, token

    def disarm(self, key: int) -> None:
        with self._cond:
            token = self._tokens.pop(key, None)
            if token is not None and token.fired:
                # fired just as the call returned: drop the exception if it is still pending
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(token.thread_id), None)

    def _loop(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                waiting = [t for t in self._tokens.values() if not t.fired]
                for t in waiting:
                    if t.deadline <= now:
                        t.fired = True
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.thread_id), ctypes.py_object(_Interrupt))
                pending = [t.deadline for t in waiting if not t.fired]
                self._cond.wait(timeout=(min(pending) - now) if pending else None)


_WATCHDOG = _Watchdog()


def _message(name: str, seconds: float) -> str:
    return (f"{name}() was stopped after {seconds:g} s without returning (an endless loop?). "
            f"Nothing was changed by the call.")


@contextmanager
def time_limit(name: str, seconds: float | None = None) -> Iterator[None]:
    """Run the ``with`` block under the limit; on timeout raise :class:`TimeLimitExceeded` naming ``name``.

    Limits nest: each block is stopped by its own deadline, the inner message names the inner call.
    """
    limit = get_time_limit() if seconds is None else seconds
    if not limit or not _SUPPORTED:
        yield
        return
    key, token = _WATCHDOG.arm(limit)
    try:
        try:
            yield
        finally:
            _WATCHDOG.disarm(key)
    except _Interrupt:
        if not token.fired:   # an outer limit fired: let its block report it
            raise
        raise TimeLimitExceeded(_message(name, limit)) from None


def call_with_time_limit(func: Callable[..., T], *args: Any, seconds: float | None = None, name: str | None = None,
                         **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` stopped after ``seconds`` (default :func:`get_time_limit`)."""
    label = name or getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    with time_limit(label, seconds):
        return func(*args, **kwargs)
