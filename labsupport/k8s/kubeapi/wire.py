"""Objects on the wire: timestamps as RFC 3339 text, and ``Status`` errors as the API server sends them.

In the store, times are simulated seconds (floats). On the wire, Kubernetes sends
``metav1.Time`` as RFC 3339 (``2026-01-01T00:00:30Z``, whole seconds) and ``MicroTime``
(a Lease's ``renewTime``) with microseconds. Simulated second 0 is :data:`EPOCH`
(a fixed date, so ``kubectl get -o yaml`` prints the same text on every run); ``epoch``
can be moved (``serve(realtime=True)`` puts it at the wall-clock start).

Errors are ``Status`` objects (``k8s.io/apimachinery/pkg/api/errors``): ``reason``
(``NotFound``, ``AlreadyExists``, ``Conflict``, ``Invalid``, ``BadRequest``, ...), ``code``,
``details`` (name, group, kind, causes naming the field) and the ``message`` kubectl prints
after ``Error from server (<reason>):``.

>>> to_wire({"metadata": {"creationTimestamp": 30.0, "generation": 2.0}, "spec": {"renewTime": 1.5}})
{'metadata': {'creationTimestamp': '2026-01-01T00:00:30Z', 'generation': 2}, 'spec': {'renewTime': '2026-01-01T00:00:01.500000Z'}}
>>> from_wire({"metadata": {"creationTimestamp": "2026-01-01T00:00:30Z"}})
{'metadata': {'creationTimestamp': 30.0}}
>>> status_error(404, "NotFound", 'pods "web" not found', kind="pods", name="web")["details"]
{'name': 'web', 'kind': 'pods'}
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

__all__ = ["EPOCH", "to_wire", "from_wire", "rfc3339", "parse_time", "status_error", "status_success", "TIME_FIELDS", "MICRO_TIME_FIELDS"]

#: The wall-clock date of simulated second 0.
EPOCH = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)

#: Fields whose numbers are times (metav1.Time).
TIME_FIELDS = frozenset({"creationTimestamp", "deletionTimestamp", "lastHeartbeatTime", "lastTransitionTime", "lastProbeTime", "lastUpdateTime",
                         "startTime", "startedAt", "finishedAt", "lastScaleTime", "firstTimestamp", "lastTimestamp", "time"})
#: Fields whose numbers are metav1.MicroTime (microsecond resolution).
MICRO_TIME_FIELDS = frozenset({"renewTime", "acquireTime", "eventTime", "lastObservedTime"})


def rfc3339(seconds: float, epoch: _dt.datetime = EPOCH, micro: bool = False) -> str:
    """Simulated seconds -> ``2026-01-01T00:00:30Z`` (``micro``: with 6 decimals)."""
    t = epoch + _dt.timedelta(seconds=seconds)
    if micro:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, epoch: _dt.datetime = EPOCH) -> float:
    """``2026-01-01T00:00:30Z`` -> simulated seconds (30.0)."""
    t = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.UTC)
    return (t - epoch).total_seconds()


def to_wire(value: Any, epoch: _dt.datetime = EPOCH, _key: str = "") -> Any:
    """A deep copy of a stored object in wire form (times as text, whole floats as ints)."""
    if isinstance(value, dict):
        return {k: to_wire(v, epoch, k) for k, v in value.items()}
    if isinstance(value, list):
        return [to_wire(v, epoch, _key) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        if _key in TIME_FIELDS:
            return rfc3339(value, epoch)
        if _key in MICRO_TIME_FIELDS:
            return rfc3339(value, epoch, micro=True)
        if isinstance(value, float) and value.is_integer():
            return int(value)
    return value


def from_wire(value: Any, epoch: _dt.datetime = EPOCH, _key: str = "") -> Any:
    """The inverse of :func:`to_wire` for what a client sends (time strings -> simulated seconds)."""
    if isinstance(value, dict):
        return {k: from_wire(v, epoch, k) for k, v in value.items()}
    if isinstance(value, list):
        return [from_wire(v, epoch, _key) for v in value]
    if isinstance(value, str) and (_key in TIME_FIELDS or _key in MICRO_TIME_FIELDS):
        try:
            return parse_time(value, epoch)
        except ValueError:
            return value
    return value


def status_error(code: int, reason: str, message: str, *, kind: str | None = None, name: str | None = None, group: str | None = None,
                 causes: list[dict] | None = None, retry_after: int | None = None) -> dict:
    """A ``Status`` failure, as ``k8s.io/apimachinery/pkg/api/errors`` builds it."""
    details: dict[str, Any] = {}
    if name is not None:
        details["name"] = name
    if group:
        details["group"] = group
    if kind is not None:
        details["kind"] = kind
    if causes:
        details["causes"] = causes
    if retry_after is not None:
        details["retryAfterSeconds"] = retry_after
    out = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason}
    if details:
        out["details"] = details
    out["code"] = code
    return out


def status_success(details: dict | None = None) -> dict:
    """``Status`` with ``status: Success`` (the answer to an eviction or a collection delete)."""
    out = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if details:
        out["details"] = details
    return out
