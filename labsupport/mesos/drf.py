"""Dominant Resource Fairness, the maths: dominant shares and progressive filling.

Ghodsi et al., "Dominant Resource Fairness: Fair Allocation of Multiple Resource Types",
NSDI 2011 (https://www.usenix.org/legacy/event/nsdi11/tech/full_papers/Ghodsi.pdf):

    dominant share s_i = max_r ( allocated_i[r] / total[r] ) / w_i

Progressive filling (the paper's Algorithm 1) repeatedly gives one more task to the user
with the lowest dominant share, while that task still fits; a user whose next task no
longer fits drops out and the others carry on.

>>> drf_allocate({"cpus": 9, "mem": 18}, {"A": {"cpus": 1, "mem": 4}, "B": {"cpus": 3, "mem": 1}})
{'A': 3, 'B': 2}
"""
from __future__ import annotations

from collections.abc import Mapping

from labsupport.core import LabError

__all__ = ["dominant_share", "drf_allocate"]


def dominant_share(allocated: Mapping[str, float], total: Mapping[str, float], weight: float = 1.0) -> float:
    """``max_r allocated[r] / total[r]``, divided by ``weight`` (resources with total 0 are skipped).

    This is ``DRFSorter::calculateShare`` in src/master/allocator/sorter/drf/sorter.cpp.

    >>> dominant_share({"cpus": 3, "mem": 12}, {"cpus": 9, "mem": 18})
    0.6666666666666666
    >>> dominant_share({"cpus": 3}, {"cpus": 9}, weight=2.0)
    0.16666666666666666
    """
    share = 0.0
    for name, amount in allocated.items():
        t = total.get(name, 0.0)
        if t > 0.0:
            s = amount / t
            if s > share:
                share = s
    return share / weight


def drf_allocate(
    total: Mapping[str, float],
    demands: Mapping[str, Mapping[str, float]],
    weights: Mapping[str, float] | None = None,
) -> dict[str, int]:
    """Number of tasks each user gets under DRF progressive filling (ties: lower share, then name).

    >>> drf_allocate({"cpus": 10, "mem": 10}, {"a": {"cpus": 1}, "b": {"cpus": 1}}, weights={"a": 4})
    {'a': 8, 'b': 2}
    """
    weights = dict(weights or {})
    for user, w in weights.items():
        if user not in demands:
            raise LabError(f"weights: {user!r} is not one of the users in demands")
        if not isinstance(w, (int, float)) or w <= 0:
            raise LabError(f"weights[{user!r}]: must be a number > 0, got {w!r}")
    for name, amount in total.items():
        if not isinstance(amount, (int, float)) or amount < 0:
            raise LabError(f"total[{name!r}]: must be a number >= 0, got {amount!r}")
    for user, demand in demands.items():
        if not any(v > 0 for v in demand.values()):
            raise LabError(f"demands[{user!r}]: a task must ask for some resource, got {dict(demand)!r}")
        for name, amount in demand.items():
            if name not in total:
                raise LabError(f"demands[{user!r}]: unknown resource {name!r}; total has {sorted(total)}")
            if not isinstance(amount, (int, float)) or amount < 0:
                raise LabError(f"demands[{user!r}][{name!r}]: must be a number >= 0, got {amount!r}")
    used = {name: 0.0 for name in total}
    alloc = {user: {name: 0.0 for name in total} for user in demands}
    tasks = {user: 0 for user in demands}
    active = set(demands)
    while active:
        user = min(active, key=lambda u: (dominant_share(alloc[u], total, weights.get(u, 1.0)), u))
        demand = demands[user]
        if all(used[r] + d <= total[r] + 1e-9 for r, d in demand.items()):
            for r, d in demand.items():
                used[r] += d
                alloc[user][r] += d
            tasks[user] += 1
        else:
            active.discard(user)
    return tasks
