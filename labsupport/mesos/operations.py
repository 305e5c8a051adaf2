"""Offer operations: RESERVE, UNRESERVE, CREATE and DESTROY, as pure functions on a resource pool.

A framework passes these to ``driver.accept`` together with tasks; Mesos applies them in order
to the accepted offers' resources (``Offer.Operation`` in mesos.proto;
https://mesos.apache.org/documentation/latest/reservation/ and
https://mesos.apache.org/documentation/latest/persistent-volume/).

>>> from labsupport.mesos.resources import parse_resources
>>> pool = parse_resources("cpus:4;mem:1024;disk:1000")
>>> pool = Reserve("cpus(db):1;disk(db):500").apply(pool, role="db")
>>> pool = Create("disk(db)[data]:500").apply(pool, role="db")
>>> str(pool)
'cpus:3;disk:500;mem:1024;cpus(db):1;disk(db)[data]:500'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labsupport.mesos.errors import OfferError
from labsupport.mesos.resources import UNRESERVED, Resources, as_resources

__all__ = ["Create", "Destroy", "Operation", "Reserve", "Unreserve"]


def _retag(res: Resources, role: str | None = None, volume: str | None = None, keep_volume: bool = False) -> Resources:
    out = {}
    for (n, r, v), amount in res.entries.items():
        key = (n, r if role is None else role, v if keep_volume else (volume or ""))
        out[key] = amount
    return Resources(out)


@dataclass(frozen=True)
class Operation:
    """Base of the offer operations; ``apply(pool, role)`` returns the new pool or raises OfferError."""

    resources: Any

    @property
    def kind(self) -> str:
        return type(self).__name__.upper()

    def _res(self) -> Resources:
        return as_resources(self.resources, what=f"{self.kind} resources")

    def apply(self, pool: Resources, role: str) -> Resources:  # pragma: no cover - abstract
        raise NotImplementedError

    def _take(self, pool: Resources, res: Resources) -> Resources:
        if not res <= pool:
            raise OfferError(f"{self.kind} {res}: the accepted offers hold only {pool}")
        return pool - res


class Reserve(Operation):
    """Dynamically reserve unreserved resources for ``role``: ``Reserve("cpus(db):1")``."""

    def apply(self, pool: Resources, role: str) -> Resources:
        res = self._res()
        for (_n, r, v) in res.entries:
            if r != role or v:
                raise OfferError(f"RESERVE {res}: can only reserve for the framework's role {role!r}, e.g. cpus({role}):1")
        return self._take(pool, _retag(res, role=UNRESERVED)) + res


class Unreserve(Operation):
    """Give reserved resources back to ``*``: ``Unreserve("cpus(db):1")``."""

    def apply(self, pool: Resources, role: str) -> Resources:
        res = self._res()
        for (_n, r, v) in res.entries:
            if r != role or v:
                raise OfferError(f"UNRESERVE {res}: only unused resources reserved to {role!r} can be unreserved")
        return self._take(pool, res) + _retag(res, role=UNRESERVED)


class Create(Operation):
    """Create a persistent volume on reserved disk: ``Create("disk(db)[data]:500")``."""

    def apply(self, pool: Resources, role: str) -> Resources:
        res = self._res()
        for (n, r, v) in res.entries:
            if n != "disk" or r != role or not v:
                raise OfferError(f"CREATE {res}: a volume is disk reserved to {role!r} with an id, e.g. disk({role})[data]:100")
            if any(k[2] == v for k in pool.entries):
                raise OfferError(f"CREATE {res}: volume {v!r} already exists")
        return self._take(pool, _retag(res, volume="")) + res


class Destroy(Operation):
    """Destroy a persistent volume (its disk stays reserved): ``Destroy("disk(db)[data]:500")``."""

    def apply(self, pool: Resources, role: str) -> Resources:
        res = self._res()
        for (n, _r, v) in res.entries:
            if n != "disk" or not v:
                raise OfferError(f"DESTROY {res}: name a volume, e.g. disk({role})[data]:100")
        return self._take(pool, res) + _retag(res, volume="")
