"""The random sorter: the allocator's other ordering policy (``--role_sorter=random``, ``--framework_sorter=random``).

src/master/allocator/mesos/sorter/random/sorter.cpp (Mesos 1.11.0) orders clients by a weighted
random shuffle on every ``sort()``; allocations do not matter. The DRF sorter is in
:mod:`labsupport.mesos.sorter`.

>>> s = RandomSorter(random.Random(1)); s.set_total({"cpus": 1})
>>> for n in "abc": s.add(n)
>>> sorted(s.sort())
['a', 'b', 'c']
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping

from labsupport.mesos.drf import dominant_share
from labsupport.mesos.entries import release_scalars

__all__ = ["RandomSorter"]


class RandomSorter:
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
        self.rng = rng or random.Random(0)
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
        release_scalars(self.allocations[name], scalars)

    def sort(self) -> list[str]:
        rng = self.rng
        keyed = [(-math.log(rng.random() or 1e-300) / self.weights[n], n) for n in sorted(self.weights)]
        return [n for _, n in sorted(keyed)]

    def ordered(self) -> Iterator[str]:
        """``sort()`` as an iterator, the interface the allocator uses."""
        return iter(self.sort())
