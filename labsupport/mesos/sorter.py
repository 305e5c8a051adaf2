"""Sorters: the ordering policy of the Mesos allocator, and nothing else.

The hierarchical allocator asks a sorter "in which order should I offer to these clients?"
(first the roles, then the frameworks inside a role). Swapping the sorter changes the policy,
not the mechanism: ``--role_sorter`` / ``--framework_sorter`` take ``drf`` or ``random``
(https://mesos.apache.org/documentation/latest/configuration/master/).

>>> s = DRFSorter()
>>> s.set_total({"cpus": 10, "mem": 100})
>>> for name in ("a", "b"): s.add(name)
>>> s.allocated("a", {"cpus": 5})
>>> s.sort()
['b', 'a']
"""
from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator, Mapping
from typing import Protocol

from labsupport.mesos.drf import dominant_share

__all__ = ["DRFSorter", "RandomSorter", "Sorter", "make_sorter"]


class Sorter(Protocol):
    """What the allocator needs from an ordering policy."""

    def add(self, name: str, weight: float = 1.0) -> None: ...
    def remove(self, name: str) -> None: ...
    def set_weight(self, name: str, weight: float) -> None: ...
    def set_total(self, total: Mapping[str, float]) -> None: ...
    def allocated(self, name: str, scalars: Mapping[str, float]) -> None: ...
    def unallocated(self, name: str, scalars: Mapping[str, float]) -> None: ...
    def allocation(self, name: str) -> dict[str, float]: ...
    def share(self, name: str) -> float: ...
    def sort(self) -> list[str]: ...
    def ordered(self) -> Iterator[str]: ...


class _Base:
    def __init__(self) -> None:
        self.total: dict[str, float] = {}
        self.weights: dict[str, float] = {}
        self.allocations: dict[str, dict[str, float]] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.weights

    def allocation(self, name: str) -> dict[str, float]:
        """Scalars currently allocated (offered or used) to ``name``."""
        return dict(self.allocations[name])

    def share(self, name: str) -> float:
        """The weighted dominant share of ``name`` (see :func:`labsupport.mesos.drf.dominant_share`)."""
        return dominant_share(self.allocations[name], self.total, self.weights[name])


class DRFSorter(_Base):
    """Orders clients by weighted dominant share, then by number of allocations, then by name.

    Mirrors ``DRFComparator`` in src/master/allocator/sorter/drf/sorter.cpp: lower share first;
    equal shares go to the client that received fewer allocations; then the smaller name.
    Shares are recomputed lazily when the cluster total changes (the C++ ``dirty`` flag).

    >>> s = DRFSorter(); s.set_total({"cpus": 4})
    >>> s.add("b"); s.add("a")
    >>> s.sort()              # equal shares, equal counts: by name
    ['a', 'b']
    >>> s.allocated("a", {}); s.sort()   # an (empty) allocation still counts
    ['b', 'a']
    """

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}
        self._key: dict[str, tuple] = {}
        self._order: list[tuple] = []   # sorted (share, allocations, name)
        self._dirty = False

    def add(self, name: str, weight: float = 1.0) -> None:
        if name in self.weights:
            return
        self.weights[name] = float(weight)
        self.allocations[name] = {}
        self.counts[name] = 0
        self._insert(name)

    def remove(self, name: str) -> None:
        if name not in self.weights:
            return
        self._discard(name)
        del self.weights[name], self.allocations[name], self.counts[name]

    def set_weight(self, name: str, weight: float) -> None:
        self._discard(name)
        self.weights[name] = float(weight)
        self._insert(name)

    def set_total(self, total: Mapping[str, float]) -> None:
        self.total = dict(total)
        self._dirty = True

    def allocated(self, name: str, scalars: Mapping[str, float]) -> None:
        """Record an allocation (an offer) to ``name``; bumps its allocation count."""
        self._discard(name)
        alloc = self.allocations[name]
        for r, v in scalars.items():
            alloc[r] = alloc.get(r, 0.0) + v
        self.counts[name] += 1
        self._insert(name)

    def unallocated(self, name: str, scalars: Mapping[str, float]) -> None:
        """Resources of ``name`` came back (declined, or a task ended)."""
        if name not in self.weights:
            return
        self._discard(name)
        alloc = self.allocations[name]
        for r, v in scalars.items():
            left = alloc.get(r, 0.0) - v
            if left > 1e-9:
                alloc[r] = left
            else:
                alloc.pop(r, None)
        self._insert(name)

    def sort(self) -> list[str]:
        """Client names, the one to offer to first at the front."""
        if self._dirty:
            self._order = sorted(self._make_key(n) for n in self.weights)
            self._key = {k[2]: k for k in self._order}
            self._dirty = False
        return [k[2] for k in self._order]

    def ordered(self) -> Iterator[str]:
        """Like ``sort()`` but lazy (no list of every client is built); stop iterating once you change the sorter."""
        if self._dirty:
            self.sort()
        for key in self._order:
            yield key[2]

    def _make_key(self, name: str) -> tuple:
        return (self.share(name), self.counts[name], name)

    def _insert(self, name: str) -> None:
        key = self._make_key(name)
        self._key[name] = key
        if not self._dirty:
            bisect.insort(self._order, key)

    def _discard(self, name: str) -> None:
        key = self._key.pop(name, None)
        if key is not None and not self._dirty:
            i = bisect.bisect_left(self._order, key)
            del self._order[i]


class RandomSorter(_Base):
    """Orders clients by a weighted random shuffle on every ``sort()``, ignoring allocations.

    Mirrors src/master/allocator/sorter/random/sorter.cpp, whose ``weightedShuffle`` puts a
    client first with probability proportional to its weight. We draw the same distribution with
    the Efraimidis-Spirakis keys ``u ** (1 / w)`` (largest first), using the cluster's seeded RNG.

    >>> s = RandomSorter(random.Random(1)); s.set_total({"cpus": 1})
    >>> for n in "abc": s.add(n)
    >>> sorted(s.sort())
    ['a', 'b', 'c']
    """

    def __init__(self, rng: random.Random | None = None) -> None:
        super().__init__()
        self.rng = rng or random.Random(0)

    def add(self, name: str, weight: float = 1.0) -> None:
        self.weights.setdefault(name, float(weight))
        self.allocations.setdefault(name, {})

    def remove(self, name: str) -> None:
        self.weights.pop(name, None)
        self.allocations.pop(name, None)

    def set_weight(self, name: str, weight: float) -> None:
        self.weights[name] = float(weight)

    def set_total(self, total: Mapping[str, float]) -> None:
        self.total = dict(total)

    def allocated(self, name: str, scalars: Mapping[str, float]) -> None:
        alloc = self.allocations[name]
        for r, v in scalars.items():
            alloc[r] = alloc.get(r, 0.0) + v

    def unallocated(self, name: str, scalars: Mapping[str, float]) -> None:
        if name not in self.allocations:
            return
        alloc = self.allocations[name]
        for r, v in scalars.items():
            left = alloc.get(r, 0.0) - v
            if left > 1e-9:
                alloc[r] = left
            else:
                alloc.pop(r, None)

    def sort(self) -> list[str]:
        rng = self.rng
        keyed = [(-math.log(rng.random() or 1e-300) / self.weights[n], n) for n in sorted(self.weights)]
        return [n for _, n in sorted(keyed)]

    def ordered(self) -> Iterator[str]:
        """``sort()`` as an iterator, the interface the allocator uses."""
        return iter(self.sort())


def make_sorter(kind: str, rng: random.Random) -> DRFSorter | RandomSorter:
    """``"drf"`` or ``"random"``, as the master flags ``--role_sorter`` / ``--framework_sorter``."""
    if kind == "drf":
        return DRFSorter()
    if kind == "random":
        return RandomSorter(rng)
    from labsupport.core import LabError

    raise LabError(f"sorter: must be 'drf' or 'random', got {kind!r}")
