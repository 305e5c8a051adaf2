"""The hierarchical allocator: who is offered which agent's resources, every allocation interval.

Mechanism only; the ordering policy comes from a :mod:`labsupport.mesos.sorter`. This is the
loop of ``HierarchicalAllocatorProcess::__allocate`` in
src/master/allocator/mesos/hierarchical.cpp, reduced to what the course needs:

1. visit the agents in a random order (the C++ code shuffles them too, so no agent is
   always first), drawn from the cluster's seeded RNG (:func:`_shuffle`: the permutation
   ``random.Random.shuffle`` would give, in half the time);
2. on each agent walk the roles in role-sorter order, then the frameworks of that role in
   framework-sorter order, skipping suppressed frameworks;
3. offer the first eligible framework *all* of the agent's available resources that its role may
   use (unreserved ones plus those reserved to the role), unless a decline filter covers
   them (``RefusedOfferFilter``: the new offer holds nothing the framework did not refuse);
4. skip amounts too small to be useful: at least ``MIN_CPUS`` cpus or ``MIN_MEM`` MB of mem
   (src/master/constants.hpp, the default ``--min_allocatable_resources``).

Quota: a role's *limit* caps what it may hold (offered + used); roles below their *guarantee*
are served first (stage 1), and in stage 2 other roles cannot take the unallocated headroom that
unsatisfied guarantees still need (https://mesos.apache.org/documentation/latest/quota/).
Role *weights* divide the role's dominant share (https://mesos.apache.org/documentation/latest/weights/).
Not modelled: hierarchical role names (``eng/web``), reservations counting towards quota
consumption (here a role consumes what it is offered or uses), limits on reserved resources.

Internals are plain dicts ``{(name, role, volume): amount}`` so one round over 10,000 agents and
1,000 frameworks stays well under a second in CPython (see bench/mesos_allocation.py).

One shortcut the C++ code does not take: an agent whose visit offered nothing stays *settled*
until something that could change that happens (resources come back to it, a decline filter on
it expires, a framework is added, re-activated or revived). Settled agents are skipped; the
outcome is the same, because a visit that offered nothing would offer nothing again (a subset of
filtered or too-small resources stays filtered or too small). With quota set, every agent is
visited, since quota caps depend on the whole cluster.

>>> import random
>>> a = HierarchicalAllocator(random.Random(0))
>>> a.add_framework("f1", role="*"); a.add_framework("f2", role="*")
>>> a.add_agent("a1", {("cpus", "*", ""): 4.0, ("mem", "*", ""): 1024.0})
>>> a.add_agent("a2", {("cpus", "*", ""): 4.0, ("mem", "*", ""): 1024.0})
>>> sorted((fid, agent) for fid, agent, _ in a.allocate(now=0.0))   # DRF: one agent each
[('f1', 'a1'), ('f2', 'a2')]
"""
from __future__ import annotations

import heapq
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from labsupport.mesos.resources import UNRESERVED, _ranges_contain, _ranges_norm, _ranges_sub
from labsupport.mesos.sorter import make_sorter

__all__ = ["MIN_CPUS", "MIN_MEM", "HierarchicalAllocator", "scalars_of"]

MIN_CPUS = 0.01
MIN_MEM = 32.0

Entries = dict  # {(name, role, volume): float | ranges}


def scalars_of(entries: Mapping) -> dict[str, float]:
    """Sum the scalar entries per resource name (what the sorters compare)."""
    out: dict[str, float] = {}
    for k, v in entries.items():
        if v.__class__ is not tuple:
            n = k[0]
            out[n] = out.get(n, 0.0) + v
    return out


def _add_into(dst: dict, src: Mapping) -> None:
    for k, v in src.items():
        if v.__class__ is tuple:
            dst[k] = _ranges_norm(dst.get(k, ()) + v)
        else:
            dst[k] = round(dst.get(k, 0.0) + v, 3)


def _contains(big: Mapping, small: Mapping) -> bool:
    for k, v in small.items():
        have = big.get(k)
        if have is None:
            return False
        if v.__class__ is tuple:
            if not _ranges_contain(have, v):
                return False
        elif v > have + 1e-9:
            return False
    return True


def _shuffle(rng: random.Random, items: list) -> None:
    """Shuffle ``items`` in place exactly as ``rng.shuffle(items)`` does, drawing the same numbers.

    ``random.Random.shuffle`` (CPython Lib/random.py) is Fisher-Yates: for ``i`` from the end,
    swap ``items[i]`` with ``items[j]``, ``j = _randbelow(i + 1)``, where ``_randbelow(n)`` draws
    ``getrandbits(n.bit_length())`` until the value is below ``n``. This is that loop with the
    method calls inlined and ``bit_length`` computed once per run of ``n`` with the same bit
    count: same permutation, same RNG state afterwards, so runs stay identical for a seed
    (half the time of ``rng.shuffle`` for 1,000 agents). A subclass of ``random.Random`` may draw differently:
    it gets ``rng.shuffle``.

    >>> a, b = list(range(10)), list(range(10))
    >>> _shuffle(random.Random(5), a); random.Random(5).shuffle(b)
    >>> a == b
    True
    """
    if type(rng) is not random.Random:
        rng.shuffle(items)
        return
    getrandbits = rng.getrandbits
    top = len(items)                      # n = i + 1 runs from len(items) down to 2
    while top > 1:
        k = top.bit_length()
        low = max(2, 1 << (k - 1))        # every n in [low, top] has k bits
        for n in range(top, low - 1, -1):
            j = getrandbits(k)
            while j >= n:
                j = getrandbits(k)
            items[n - 1], items[j] = items[j], items[n - 1]
        top = low - 1


def _allocatable(entries: Mapping) -> bool:
    cpus = mem = 0.0
    for k, v in entries.items():
        if k[0] == "cpus":
            cpus += v
        elif k[0] == "mem":
            mem += v
    return cpus >= MIN_CPUS or mem >= MIN_MEM


@dataclass
class _Framework:
    role: str
    active: bool = True
    suppressed: bool = False


@dataclass
class _Agent:
    available: dict
    total: dict                                   # scalars
    allocated: dict = field(default_factory=dict)  # fid -> scalars


class HierarchicalAllocator:
    """Roles, frameworks, agents' available resources, decline filters and quota; ``allocate()`` makes offers."""

    def __init__(self, rng: random.Random, role_sorter: str = "drf", framework_sorter: str = "drf") -> None:
        self.rng = rng
        self._fw_sorter_kind = framework_sorter
        self.role_sorter = make_sorter(role_sorter, rng)
        self.framework_sorters: dict[str, object] = {}
        self.frameworks: dict[str, _Framework] = {}
        self.agents: dict[str, _Agent] = {}
        self.total: dict[str, float] = {}
        self.weights: dict[str, float] = {}
        self.guarantees: dict[str, dict[str, float]] = {}
        self.limits: dict[str, dict[str, float]] = {}
        self.filters: dict[str, dict[str, list]] = {}   # fid -> agent -> [(entries, expires)]
        self._unsettled: set[str] = set()                 # agents whose next visit might offer something
        self._expiries: list[tuple[float, str]] = []      # heap of (filter expiry, agent)

    # -- membership ----------------------------------------------------------------------------
    def add_framework(self, fid: str, role: str) -> None:
        self.frameworks[fid] = _Framework(role)
        if role not in self.framework_sorters:
            s = make_sorter(self._fw_sorter_kind, self.rng)
            s.set_total(self.total)
            self.framework_sorters[role] = s
            self.role_sorter.add(role, self.weights.get(role, 1.0))
        self.framework_sorters[role].add(fid)
        self._unsettled.update(self.agents)

    def remove_framework(self, fid: str) -> None:
        fw = self.frameworks.pop(fid, None)
        if fw is None:
            return
        sorter = self.framework_sorters[fw.role]
        self.role_sorter.unallocated(fw.role, sorter.allocation(fid))
        sorter.remove(fid)
        for ag in self.agents.values():
            ag.allocated.pop(fid, None)
        self.filters.pop(fid, None)

    def set_active(self, fid: str, active: bool) -> None:
        self.frameworks[fid].active = active
        if active:
            self._unsettled.update(self.agents)

    def add_agent(self, agent: str, available: Mapping, used: Mapping[str, Mapping] | None = None) -> None:
        """Add an agent with ``available`` (idle) entries and ``used`` entries per framework."""
        ag = _Agent(available=dict(available), total=scalars_of(available))
        for fid, entries in sorted((used or {}).items()):
            sc = scalars_of(entries)
            for n, v in sc.items():
                ag.total[n] = ag.total.get(n, 0.0) + v
            if fid in self.frameworks:
                self._charge(fid, ag, sc)
        self.agents[agent] = ag
        self._unsettled.add(agent)
        for n, v in ag.total.items():
            self.total[n] = self.total.get(n, 0.0) + v
        self._total_changed()

    def remove_agent(self, agent: str) -> None:
        ag = self.agents.pop(agent, None)
        if ag is None:
            return
        for fid, sc in sorted(ag.allocated.items()):
            fw = self.frameworks.get(fid)
            if fw is not None:
                self.framework_sorters[fw.role].unallocated(fid, sc)
                self.role_sorter.unallocated(fw.role, sc)
        for n, v in ag.total.items():
            self.total[n] = self.total.get(n, 0.0) - v
        for per_agent in self.filters.values():
            per_agent.pop(agent, None)
        self._total_changed()

    def _total_changed(self) -> None:
        self.role_sorter.set_total(self.total)
        for s in self.framework_sorters.values():
            s.set_total(self.total)

    # -- policy knobs --------------------------------------------------------------------------
    def set_weight(self, role: str, weight: float) -> None:
        self.weights[role] = weight
        if role in self.framework_sorters:
            self.role_sorter.set_weight(role, weight)

    def set_quota(self, role: str, guarantee: Mapping[str, float] | None, limit: Mapping[str, float] | None) -> None:
        for table, value in ((self.guarantees, guarantee), (self.limits, limit)):
            if value:
                table[role] = dict(value)
            else:
                table.pop(role, None)

    def suppress(self, fid: str) -> None:
        self.frameworks[fid].suppressed = True

    def revive(self, fid: str) -> None:
        """Unsuppress and drop every decline filter of the framework (``REVIVE``)."""
        self.frameworks[fid].suppressed = False
        self.filters.pop(fid, None)
        self._unsettled.update(self.agents)

    def consumed(self, role: str) -> dict[str, float]:
        """Scalars the role holds (offered + used)."""
        return self.role_sorter.allocation(role) if role in self.framework_sorters else {}

    # -- resources coming back -----------------------------------------------------------------
    def recover(self, agent: str, fid: str, entries: Mapping, *, now: float = 0.0, refuse_seconds: float = 0.0) -> None:
        """Resources offered to / used by ``fid`` return to the agent; optionally filter them."""
        ag = self.agents.get(agent)
        if ag is None or not entries:
            return
        _add_into(ag.available, entries)
        self._unsettled.add(agent)
        fw = self.frameworks.get(fid)
        if fw is None:
            return
        sc = scalars_of(entries)
        self.framework_sorters[fw.role].unallocated(fid, sc)
        self.role_sorter.unallocated(fw.role, sc)
        mine = ag.allocated.get(fid, {})
        for n, v in sc.items():
            left = mine.get(n, 0.0) - v
            if left > 1e-9:
                mine[n] = left
            else:
                mine.pop(n, None)
        if refuse_seconds > 0:
            self.filters.setdefault(fid, {}).setdefault(agent, []).append((dict(entries), now + refuse_seconds))
            heapq.heappush(self._expiries, (now + refuse_seconds, agent))

    def _charge(self, fid: str, ag: _Agent, sc: Mapping[str, float]) -> None:
        role = self.frameworks[fid].role
        self.framework_sorters[role].allocated(fid, sc)
        self.role_sorter.allocated(role, sc)
        mine = ag.allocated.setdefault(fid, {})
        for n, v in sc.items():
            mine[n] = mine.get(n, 0.0) + v

    def _filtered(self, fid: str, agent: str, cand: Mapping, now: float) -> bool:
        per_agent = self.filters.get(fid)
        if not per_agent:
            return False
        flist = per_agent.get(agent)
        if not flist:
            return False
        live = [f for f in flist if f[1] > now]
        if len(live) != len(flist):
            per_agent[agent] = live
        return any(_contains(entries, cand) for entries, _ in live)

    # -- the allocation round ------------------------------------------------------------------
    def allocate(self, now: float, agents: list[str] | None = None) -> list[tuple[str, str, dict]]:
        """One allocation round; returns ``[(framework_id, agent, entries)]`` in allocation order."""
        order = sorted(self.agents if agents is None else (a for a in agents if a in self.agents))
        _shuffle(self.rng, order)
        while self._expiries and self._expiries[0][0] <= now:
            self._unsettled.add(heapq.heappop(self._expiries)[1])
        if not (self.guarantees or self.limits):
            unsettled = self._unsettled
            order = [a for a in order if a in unsettled]
        out: list[tuple[str, str, dict]] = []
        quota_roles = [r for r in sorted(self.guarantees) if r in self.framework_sorters]
        if quota_roles:
            self._stage(order, now, out, stage1=True)
        self._stage(order, now, out, stage1=False)
        self._unsettled.difference_update(order)
        return out

    def _headroom(self) -> tuple[dict, dict]:
        """(unallocated unreserved scalars, still-needed guarantees), summed over the cluster."""
        free: dict[str, float] = {}
        for ag in self.agents.values():
            for k, v in ag.available.items():
                if k[1] == UNRESERVED and v.__class__ is not tuple:
                    free[k[0]] = free.get(k[0], 0.0) + v
        need: dict[str, float] = {}
        for role, g in self.guarantees.items():
            have = self.consumed(role)
            for n, v in g.items():
                need[n] = need.get(n, 0.0) + max(0.0, v - have.get(n, 0.0))
        return free, need

    def _stage(self, order: list[str], now: float, out: list, stage1: bool) -> None:
        agents, frameworks, sorters = self.agents, self.frameworks, self.framework_sorters
        has_quota = bool(self.guarantees) or bool(self.limits)
        free, need = self._headroom() if self.guarantees and not stage1 else ({}, {})
        for agent in order:
            ag = agents[agent]
            avail = ag.available
            if not avail:
                continue
            for role in self.role_sorter.sort():
                if stage1 and not self._below_guarantee(role):
                    continue
                cand = {k: v for k, v in avail.items() if k[1] == UNRESERVED or k[1] == role}
                if has_quota:
                    cand = self._cap(role, cand, stage1, free, need)
                if not cand or not _allocatable(cand):
                    continue
                for fid in sorters[role].ordered():   # lazy: we stop right after an offer
                    fw = frameworks[fid]
                    if fw.suppressed or not fw.active or self._filtered(fid, agent, cand, now):
                        continue
                    for k, v in cand.items():
                        left = avail[k]
                        if v.__class__ is tuple:
                            left = _ranges_sub(left, v)
                        else:
                            left = round(left - v, 3)
                        if left:
                            avail[k] = left
                        else:
                            del avail[k]
                    sc = scalars_of(cand)
                    if free:
                        for k, v in cand.items():
                            if k[1] == UNRESERVED and v.__class__ is not tuple:
                                free[k[0]] = free.get(k[0], 0.0) - v
                    self._charge(fid, ag, sc)
                    out.append((fid, agent, cand))
                    break
                if not avail:
                    break

    def _below_guarantee(self, role: str) -> bool:
        g = self.guarantees.get(role)
        if not g:
            return False
        have = self.consumed(role)
        return any(have.get(n, 0.0) < v - 1e-9 for n, v in g.items())

    def _cap(self, role: str, cand: dict, stage1: bool, free: dict, need: dict) -> dict:
        """Trim unreserved scalars so the role stays within its limit (and guarantee in stage 1, headroom in stage 2)."""
        have = self.consumed(role)
        room: dict[str, float] = {}
        for n, lim in self.limits.get(role, {}).items():
            room[n] = max(0.0, lim - have.get(n, 0.0))
        if stage1:
            for n, g in self.guarantees[role].items():
                room[n] = min(room.get(n, float("inf")), max(0.0, g - have.get(n, 0.0)))
        elif need and not self._below_guarantee(role):
            for n, v in need.items():
                if v > 0:
                    room[n] = min(room.get(n, float("inf")), max(0.0, free.get(n, 0.0) - v))
        if not room:
            return cand
        out = {}
        for k in sorted(cand, key=lambda k: k[1] == UNRESERVED):   # reserved first: they are the role's own
            v = cand[k]
            n = k[0]
            if v.__class__ is tuple or n not in room or k[1] != UNRESERVED:
                out[k] = v
                continue
            take = round(min(v, room[n]), 3)
            if take > 0:
                out[k] = take
                room[n] -= take
        return out
