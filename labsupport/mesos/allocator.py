"""The hierarchical allocator: who is offered which agent's resources, every allocation interval.

Mechanism only; the ordering policy comes from a :mod:`labsupport.mesos.sorter`. ``_stage`` is
the loop of ``HierarchicalAllocatorProcess::__generateOffers`` in
src/master/allocator/mesos/hierarchical.cpp (Mesos 1.11.0), reduced to what the course needs:

1. visit the agents in a random order (the C++ code shuffles them too, so no agent is
   always first), drawn from the cluster's seeded RNG;
2. on each agent walk the roles in role-sorter order, then the frameworks of that role in
   framework-sorter order, skipping suppressed frameworks;
3. offer a framework *all* of the agent's available resources that its role may use
   (unreserved ones plus those reserved to the role or an ancestor: ``allocatableTo``), unless
   a decline filter covers them (``RefusedOfferFilter``: the new offer holds nothing the
   framework did not refuse); the role's next frameworks get what is left, if anything;
4. skip amounts too small to be useful: at least ``MIN_CPUS`` cpus or ``MIN_MEM`` MB of mem
   (src/master/constants.hpp, the default ``--min_allocatable_resources``).

One reordering: the framework sorter is asked for a role only when the agent holds something
the role could be offered (upstream sorts first and then finds nothing). The offers are the
same; a random sorter draws fewer numbers.

Decline filters last ``max(allocation_interval, refuse_seconds)`` (refuse_seconds capped at 365
days), so a filter survives at least one batch allocation (``recoverResources``, MESOS-4302).
When a filter expires at the very moment of a batch allocation, libprocess fires the timer armed
first: a filter of exactly one interval was armed after the previous allocation re-armed the
periodic timer, so it still applies (SmallOfferFilterTimeout); a longer one was armed before,
so it is gone (OfferFilter).

Quota, as in Mesos 1.11.0 (``__generateOffers``; https://mesos.apache.org/documentation/latest/quota/):
quota is set on top-level roles only, and a role's *consumption* is everything its subtree holds
(offered + used) plus its subtree's unallocated reservations. Every offer keeps back the
*required headroom* (the sum of all unsatisfied guarantees) out of the unallocated unreserved
resources: only ``available headroom - required headroom`` of unreserved scalars may be handed
out beyond a role's own guarantee. Stage 1 serves roles below their guarantee: the guaranteed
amounts, the role's reservations and non-scalar resources always, anything else only within the
limit and the surplus headroom. The agents are shuffled again before stage 2, which serves
every role within its limit and the surplus headroom. A nested role (``eng/web``) counts
towards its top-level role's consumption but is not itself bound by that role's limit (1.11.0
tracks it only "post factum": QuotaWithNestedRoleAllocation in hierarchical_allocator_tests.cpp).
Role *weights* divide the dominant share (https://mesos.apache.org/documentation/latest/weights/);
a role sees the reservations of its ancestors (``allocatableTo``).
Not modelled: revocable resources, shared volumes, ``--min_allocatable_resources`` other than
the default, limits on reserved resources.

Resources are plain dicts ``{(name, role, volume): amount}`` (:mod:`labsupport.mesos.entries`).
Three shortcuts the C++ code does not take live in :mod:`labsupport.mesos.allocator_fast`, each
behind :mod:`labsupport.core.fast` and tested to give the same offers: an inlined shuffle
(``mesos.shuffle``), skipping agents whose last visit offered nothing (``mesos.settled_agents``)
and a leaner agent visit (``mesos.agent_visit``). With ``LABSUPPORT_FAST=0`` this module is all
that runs.

>>> import random
>>> a = HierarchicalAllocator(random.Random(0))
>>> a.add_framework("f1", role="*"); a.add_framework("f2", role="*")
>>> a.add_agent("a1", {("cpus", "*", ""): 4.0, ("mem", "*", ""): 1024.0})
>>> a.add_agent("a2", {("cpus", "*", ""): 4.0, ("mem", "*", ""): 1024.0})
>>> sorted((fid, agent) for fid, agent, _ in a.allocate(now=0.0))   # DRF: one agent each
[('f1', 'a1'), ('f2', 'a2')]
>>> from labsupport.core import fast
>>> with fast.off():                                                   # the reference path: the same
...     b = HierarchicalAllocator(random.Random(0))
...     b.add_framework("f1", role="*"); b.add_framework("f2", role="*")
...     b.add_agent("a1", {("cpus", "*", ""): 4.0, ("mem", "*", ""): 1024.0})
...     b.add_agent("a2", {("cpus", "*", ""): 4.0, ("mem", "*", ""): 1024.0})
...     sorted((fid, agent) for fid, agent, _ in b.allocate(now=0.0))
[('f1', 'a1'), ('f2', 'a2')]
"""
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from labsupport.core import fast
from labsupport.mesos.allocator_fast import FastAgentVisit, SettledAgents, fisher_yates
from labsupport.mesos.entries import (
    MIN_CPUS,
    MIN_MEM,
    add_into,
    allocatable,
    allocatable_to,
    contains,
    release_scalars,
    scalars_of,
    subtract_into,
)
from labsupport.mesos.quota import QuotaRound, ancestors
from labsupport.mesos.resources import UNRESERVED
from labsupport.mesos.sorter import DRFSorter, make_sorter

__all__ = ["MAX_REFUSE_SECONDS", "MIN_CPUS", "MIN_MEM", "HierarchicalAllocator", "ancestors", "scalars_of"]

MAX_REFUSE_SECONDS = 365 * 86400.0   # recoverResources caps refuse_seconds at 365 days


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


class HierarchicalAllocator(FastAgentVisit):
    """Roles, frameworks, agents' available resources, decline filters and quota; ``allocate()`` makes offers."""

    def __init__(self, rng: random.Random, role_sorter: str = "drf", framework_sorter: str = "drf",
                 allocation_interval: float = 1.0) -> None:
        self.rng = rng
        self.allocation_interval = allocation_interval
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
        self.settled = SettledAgents()                    # fast path mesos.settled_agents (bookkeeping)
        self._visible: dict[str, frozenset] = {}          # fast path mesos.agent_visit: role -> roles it sees

    # -- membership ----------------------------------------------------------------------------
    def add_framework(self, fid: str, role: str) -> None:
        self.frameworks[fid] = _Framework(role)
        if role not in self.framework_sorters:
            s = make_sorter(self._fw_sorter_kind, self.rng)
            s.set_total(self.total)
            self.framework_sorters[role] = s
            self.role_sorter.add(role, self.weights.get(role, 1.0))
        self.framework_sorters[role].add(fid)
        self.settled.wake_all(self.agents)

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
            self.settled.wake_all(self.agents)

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
        self.settled.wake(agent)
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
        """Guarantees and limits of a top-level role; ``None`` or ``{}`` means none.

        A zero guarantee is no guarantee (``ResourceQuantities`` drops zeros); a zero limit is a
        limit of zero (``ResourceLimits`` keeps it).
        """
        g = {n: float(v) for n, v in (guarantee or {}).items() if v > 0}
        lim = {n: float(v) for n, v in (limit or {}).items()}
        for table, value in ((self.guarantees, g), (self.limits, lim)):
            if value:
                table[role] = value
            else:
                table.pop(role, None)
        self.settled.wake_all(self.agents)

    def suppress(self, fid: str) -> None:
        self.frameworks[fid].suppressed = True

    def revive(self, fid: str) -> None:
        """Unsuppress and drop every decline filter of the framework (``REVIVE``)."""
        self.frameworks[fid].suppressed = False
        self.filters.pop(fid, None)
        self.settled.wake_all(self.agents)

    def consumed(self, role: str) -> dict[str, float]:
        """Scalars the role and its subroles hold (offered + used)."""
        sorter = self.role_sorter
        if hasattr(sorter, "subtree_allocation"):
            return sorter.subtree_allocation(role)
        return sorter.allocation(role) if role in self.framework_sorters else {}

    def quota_consumed(self, role: str) -> dict[str, float]:
        """What counts against the role's quota: its subtree's holdings plus unallocated reservations."""
        out = self.consumed(role)
        prefix = role + "/"
        for ag in self.agents.values():
            for k, v in ag.available.items():
                if v.__class__ is not tuple and k[1] != UNRESERVED and (k[1] == role or k[1].startswith(prefix)):
                    out[k[0]] = out.get(k[0], 0.0) + v
        return out

    # -- resources coming back -----------------------------------------------------------------
    def recover(self, agent: str, fid: str, entries: Mapping, *, now: float = 0.0, refuse_seconds: float = 0.0) -> None:
        """Resources offered to / used by ``fid`` return to the agent; optionally filter them."""
        ag = self.agents.get(agent)
        if ag is None or not entries:
            return
        add_into(ag.available, entries)
        self.settled.wake(agent)
        fw = self.frameworks.get(fid)
        if fw is None:
            return
        sc = scalars_of(entries)
        self.framework_sorters[fw.role].unallocated(fid, sc)
        self.role_sorter.unallocated(fw.role, sc)
        release_scalars(ag.allocated.get(fid, {}), sc)
        if refuse_seconds > 0:
            timeout = max(self.allocation_interval, min(refuse_seconds, MAX_REFUSE_SECONDS))
            sticky = timeout <= self.allocation_interval      # still applies to an allocation at its expiry
            expires = now + timeout
            self.filters.setdefault(fid, {}).setdefault(agent, []).append((dict(entries), expires, sticky))
            self.settled.filter_added(agent, expires, sticky)

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
        live = [f for f in flist if f[1] > now or (f[2] and f[1] == now)]
        if len(live) != len(flist):
            per_agent[agent] = live
        return any(contains(f[0], cand) for f in live)

    # -- the allocation round ------------------------------------------------------------------
    def allocate(self, now: float, agents: list[str] | None = None) -> list[tuple[str, str, dict]]:
        """One allocation round; returns ``[(framework_id, agent, entries)]`` in allocation order."""
        order = sorted(self.agents if agents is None else (a for a in agents if a in self.agents))
        self._shuffle(order)
        self.settled.expire(now)
        out: list[tuple[str, str, dict]] = []
        if not (self.guarantees or self.limits):
            deterministic = isinstance(self.role_sorter, DRFSorter) and self._fw_sorter_kind == "drf"
            order = self.settled.to_visit(order, deterministic)
            self._stage(order, now, out, None)
        else:
            q = QuotaRound(self)
            if any(r in self.framework_sorters for r in self.guarantees):
                self._stage(order, now, out, q, stage1=True)
                order = list(order)
                self._shuffle(order)               # upstream reshuffles to spread stage 1's effect
            self._stage(order, now, out, q)
        self.settled.visited(order)
        return out

    def _shuffle(self, order: list[str]) -> None:
        """``std::random_shuffle`` of the agents, drawn from the cluster's seeded RNG."""
        if fast.enabled("mesos.shuffle"):
            fisher_yates(self.rng, order)
        else:
            self.rng.shuffle(order)

    def _stage(self, order: list[str], now: float, out: list, q: QuotaRound | None, stage1: bool = False) -> None:
        """One stage of ``__generateOffers``: every agent in ``order``, role by role, framework by framework."""
        if fast.enabled("mesos.agent_visit"):
            self._stage_fast(order, now, out, q, stage1)
            return
        for agent in order:
            ag = self.agents[agent]
            if not ag.available:
                continue                                   # nothing free on this agent
            for role in self.role_sorter.sort():           # a snapshot: offers below re-sort the roles
                if not ag.available:
                    break                                  # nothing left on this agent
                if stage1 and not q.unsatisfied(role):
                    continue                               # stage 1 serves roles below their guarantee
                if not self._offerable(role, ag, q, stage1):
                    continue                               # nothing on this agent for this role
                for fid in self.framework_sorters[role].sort():
                    if stage1 and not q.unsatisfied(role):
                        break                              # the guarantee is met
                    fw = self.frameworks[fid]
                    if fw.suppressed or not fw.active:
                        continue
                    if not allocatable_to(ag.available, role):
                        break                              # nothing left for the role
                    to_offer = self._offerable(role, ag, q, stage1)
                    if not to_offer or self._filtered(fid, agent, to_offer, now):
                        continue
                    subtract_into(ag.available, to_offer)
                    if q is not None:
                        q.offered(role, to_offer, stage1)
                    self._charge(fid, ag, scalars_of(to_offer))
                    out.append((fid, agent, to_offer))

    def _offerable(self, role: str, ag: _Agent, q: QuotaRound | None, stage1: bool) -> dict:
        """What ``role`` could be offered on the agent now (``toOffer``), or ``{}`` if too little."""
        to_offer = allocatable_to(ag.available, role)
        if q is not None and to_offer:
            to_offer = q.offerable(role, to_offer, stage1)
        return to_offer if to_offer and allocatable(to_offer) else {}
