"""Defence in depth: a simulator component that fails on an object does not take the cluster down.

Validation should stop every bad object at the door, but if a controller, the kubelet, the
scheduler or the Mesos master still fails while :meth:`Simulation.run` delivers an event, the
simulator calls :meth:`Failures.record` instead of unwinding the whole run: the failure is kept
(and the simulator records it in its events), the remaining events run, and when the run is over
:meth:`Failures.raise_new` raises one :class:`ComponentError` naming the component, the object and
the exception. The learner's cluster keeps running; the next cell works.

Tests run in *strict* mode (``LABSUPPORT_STRICT=1``, set by the repository's conftest.py, or
:func:`set_strict`), where the original exception propagates at once, so this never hides a bug.

>>> f = Failures()
>>> try:
...     {}["x"]
... except KeyError as exc:
...     f.record("replicaset-controller", exc, strict=False)
"replicaset-controller failed: KeyError: 'x'"
"""
from __future__ import annotations

import os
import types
from collections.abc import Mapping

from labsupport.core.errors import LabError

__all__ = ["ComponentError", "Failures", "is_strict", "object_in_traceback", "set_strict"]

_STRICT: list[bool | None] = [None]


class ComponentError(LabError):
    """A simulator component failed on an object during ``run()``; the cluster kept running."""


def set_strict(on: bool | None) -> None:
    """Strict mode on/off (``None``: follow the ``LABSUPPORT_STRICT`` environment variable)."""
    _STRICT[0] = on


def is_strict() -> bool:
    """True when component failures must raise at once (tests)."""
    return _STRICT[0] if _STRICT[0] is not None else os.environ.get("LABSUPPORT_STRICT") == "1"


def object_in_traceback(tb: types.TracebackType | None) -> Mapping | None:
    """The innermost API object (a dict with ``kind`` and ``metadata.name``) a failing frame was handling."""
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        for name in sorted(frame.f_locals):
            value = frame.f_locals[name]
            if isinstance(value, dict) and isinstance(value.get("kind"), str) and isinstance(value.get("metadata"), dict) \
                    and isinstance(value["metadata"].get("name"), str):
                return value
    return None


def describe_object(obj: Mapping | None) -> str:
    """``ReplicaSet default/web-5d4f`` (or ``Node node-1``) for a message."""
    if obj is None:
        return "an unknown object"
    meta = obj["metadata"]
    ns = meta.get("namespace")
    return f"{obj['kind']} {ns + '/' if ns else ''}{meta['name']}"


class Failures:
    """The component failures of one cluster that the learner has not been told about yet."""

    def __init__(self) -> None:
        self.pending: list[str] = []
        self.all: list[str] = []

    def record(self, component: str, exc: BaseException, strict: bool | None = None) -> str:
        """Keep one failure and return its message; in strict mode re-raise ``exc`` instead."""
        if is_strict() if strict is None else strict:
            raise exc
        obj = object_in_traceback(exc.__traceback__)
        what = f" on {describe_object(obj)}" if obj is not None else ""
        message = f"{component} failed{what}: {type(exc).__name__}: {exc}"
        self.pending.append(message)
        self.all.append(message)
        return message

    def raise_new(self) -> None:
        """Raise one :class:`ComponentError` for the failures since the last call (if any)."""
        if not self.pending:
            return
        first, n = self.pending[0], len(self.pending)
        self.pending = []
        more = f" (and {n - 1} more failure{'s' if n > 2 else ''})" if n > 1 else ""
        raise ComponentError(f"{first}{more}. The cluster kept running and its state is intact; the failure is "
                             f"recorded in its events. This is a bug in labsupport, not in your input: please report it.")
