"""Simulated requests shared by both simulators: URLs, hop-by-hop traces and :class:`Traffic` summaries.

No socket is ever opened. A simulator turns one request into an :class:`Outcome` (the backend that
answered, or the reason it was dropped, plus every hop on the way); :class:`Traffic` counts many
outcomes and :class:`Trace` prints one of them hop by hop, like ``kubectl get`` prints objects.

>>> parse_url("http://web.default.svc.cluster.local:8080/cart?id=1")
Url(scheme='http', host='web.default.svc.cluster.local', port=8080, path='/cart', query='id=1')
>>> t = Traffic([Outcome("web-a", "node-1"), Outcome("web-b", "node-2"), Outcome("web-a", "node-1"),
...              Outcome(None, None, dropped="no ready endpoints")])
>>> t.by_backend, t.dropped, t.drop_reasons
({'web-a': 2, 'web-b': 1}, 1, {'no ready endpoints': 1})
>>> print(t)
Traffic: 4 requests, 3 answered, 1 dropped
BACKEND    WHERE    REQUESTS   SHARE
web-a      node-1   2          50.0%
web-b      node-2   1          25.0%
(dropped)  -        1          25.0%   no ready endpoints
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from labsupport.core.errors import LabError
from labsupport.core.table import Table

__all__ = ["Url", "parse_url", "Hop", "Outcome", "Traffic", "Trace", "check_count"]

_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")
_URL = re.compile(r"^(?P<scheme>[a-z]+)://(?P<host>[^/:?#]*)(?::(?P<port>[^/?#]*))?(?P<path>/[^?#]*)?(?:\?(?P<query>[^#]*))?(?:#.*)?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Url(NamedTuple):
    """A parsed request URL; ``port`` is filled in from the scheme when the URL leaves it out."""

    scheme: str
    host: str
    port: int
    path: str
    query: str


def parse_url(url: object) -> Url:
    """Split ``http://host[:port]/path[?query]``; a LabError names what does not parse.

    >>> parse_url("http://web/").port
    80
    >>> parse_url("web:80")
    Traceback (most recent call last):
    ...
    labsupport.core.errors.LabError: url: 'web:80' is not a URL such as 'http://web:80/' (scheme://host[:port]/path)
    """
    if not isinstance(url, str):
        raise LabError(f"url: must be a string such as 'http://web/', got {url!r}")
    m = _URL.match(url.strip())
    if not m:
        raise LabError(f"url: {url!r} is not a URL such as 'http://web:80/' (scheme://host[:port]/path)")
    scheme, host = m["scheme"], m["host"]
    if scheme not in _DEFAULT_PORTS:
        raise LabError(f"url: scheme {scheme!r} is not simulated (use 'http' or 'https')")
    if not host or not _HOST.match(host):
        raise LabError(f"url: {host!r} is not a host name or IPv4 address")
    port = m["port"]
    if port is None or port == "":
        number = _DEFAULT_PORTS[scheme]
    elif not port.isdigit() or not 1 <= int(port) <= 65535:
        raise LabError(f"url: port {port!r} is not a number between 1 and 65535")
    else:
        number = int(port)
    return Url(scheme, host.lower(), number, m["path"] or "/", m["query"] or "")


def check_count(count: object) -> int:
    """A request count: a whole number from 1 to 100000."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100_000:
        raise LabError(f"count: must be a whole number from 1 to 100000, got {count!r}")
    return count


class Hop(NamedTuple):
    """One step of a request: where it was and what happened there."""

    where: str
    what: str


@dataclass
class Outcome:
    """What became of one request: the ``backend`` (Pod or task name) and where it runs, or why it was dropped."""

    backend: str | None
    where: str | None
    dropped: str | None = None
    hops: list[Hop] = field(default_factory=list)
    address: str | None = None


class Traffic:
    """Many simulated requests: ``by_backend`` ({name: count}), ``dropped`` (count) and ``drop_reasons``."""

    def __init__(self, outcomes: Iterable[Outcome], title: str = "Traffic") -> None:
        self.outcomes = list(outcomes)
        self.title = title
        counts: dict[str, int] = {}
        self._where: dict[str, str | None] = {}
        reasons: dict[str, int] = {}
        for o in self.outcomes:
            if o.dropped is not None:
                reasons[o.dropped] = reasons.get(o.dropped, 0) + 1
            else:
                counts[o.backend] = counts.get(o.backend, 0) + 1
                self._where[o.backend] = o.where
        self.by_backend = dict(sorted(counts.items()))
        self.drop_reasons = dict(sorted(reasons.items()))

    @property
    def total(self) -> int:
        """How many requests were sent."""
        return len(self.outcomes)

    @property
    def dropped(self) -> int:
        """How many requests got no answer (the reasons are in ``drop_reasons``)."""
        return sum(self.drop_reasons.values())

    def share(self, backend: str) -> float:
        """Fraction of all requests that ``backend`` answered (0.0 if none)."""
        return self.by_backend.get(backend, 0) / self.total if self.total else 0.0

    def table(self) -> Table:
        """One row per backend (and one per drop reason): requests and share."""
        rows = [{"BACKEND": b, "WHERE": self._where[b], "REQUESTS": n, "SHARE": f"{100 * n / self.total:.1f}%", "": ""}
                for b, n in self.by_backend.items()]
        rows += [{"BACKEND": "(dropped)", "WHERE": "-", "REQUESTS": n, "SHARE": f"{100 * n / self.total:.1f}%", "": r}
                 for r, n in self.drop_reasons.items()]
        answered = self.total - self.dropped
        return Table(["BACKEND", "WHERE", "REQUESTS", "SHARE", ""], rows,
                     title=f"{self.title}: {self.total} requests, {answered} answered, {self.dropped} dropped")

    def __repr__(self) -> str:
        return str(self.table())

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


class Trace(Table):
    """One request hop by hop (a :class:`Table` with STEP, WHERE, WHAT); ``backend`` or ``dropped`` says how it ended."""

    def __init__(self, request: str, outcome: Outcome) -> None:
        rows = [{"STEP": i, "WHERE": h.where, "WHAT": h.what} for i, h in enumerate(outcome.hops, start=1)]
        end = f"answered by {outcome.backend}" + (f" on {outcome.where}" if outcome.where else "") if outcome.dropped is None \
            else f"DROPPED: {outcome.dropped}"
        super().__init__(["STEP", "WHERE", "WHAT"], rows, title=f"{request} -> {end}")
        self.outcome = outcome
        self.backend = outcome.backend
        self.dropped = outcome.dropped

    @property
    def hops(self) -> Sequence[Hop]:
        """The hops as (where, what) pairs."""
        return list(self.outcome.hops)
