"""The allocator's fast paths: the same offers as :mod:`labsupport.mesos.allocator`, sooner.

Read :mod:`labsupport.mesos.allocator` first: its ``_stage`` is the reference path, written
beside ``__generateOffers`` in src/master/allocator/mesos/hierarchical.cpp (Mesos 1.11.0). The
three shortcuts here are not in the C++ code. Each asks :func:`labsupport.core.fast.enabled`
before it runs (``LABSUPPORT_FAST=0`` or ``with fast.off(): ...`` turns them off) and has an
equivalence property test in tests/test_fast_paths_mesos.py (the same offers, status updates
and events with the switch on and off).

``mesos.shuffle`` -- :func:`fisher_yates`: the agent order ``random.Random.shuffle`` would give,
drawing the same numbers, in about half the time.

``mesos.settled_agents`` -- :class:`SettledAgents`: an agent whose visit offered nothing stays
*settled* until something that could change that happens (resources come back to it, a decline
filter on it expires, a framework is added, re-activated or revived, quota changes); settled
agents are not visited. A visit that offered nothing would offer nothing again: what is left
on the agent is too small, or filtered for every framework that could take it. Not taken with
quota (caps depend on the whole cluster) nor with a random sorter (every visit draws numbers
from the cluster's RNG, so skipping one would change later draws).

``mesos.agent_visit`` -- :class:`FastAgentVisit` (a base class of the allocator): one agent
visit with the role's frameworks read lazily from the sorter (``ordered()``; the reference
lists them all with ``sort()``), stopping at the role's first offer (upstream goes on to the
role's next frameworks, which can only be offered what the first one was not allowed, so
nothing), and handing over an agent's whole free resources without arithmetic.

>>> import random
>>> a, b = list(range(10)), list(range(10))
>>> fisher_yates(random.Random(5), a); random.Random(5).shuffle(b)
>>> a == b
True
"""
from __future__ import annotations

import heapq
import random
from collections.abc import Iterable

from labsupport.core import fast
from labsupport.mesos.entries import allocatable, scalars_of, subtract_into
from labsupport.mesos.quota import ancestors
from labsupport.mesos.resources import UNRESERVED

__all__ = ["FastAgentVisit", "SettledAgents", "fisher_yates"]


def fisher_yates(rng: random.Random, items: list) -> None:
    """Shuffle ``items`` in place exactly as ``rng.shuffle(items)`` does, drawing the same numbers.

    ``random.Random.shuffle`` (CPython Lib/random.py) is Fisher-Yates: for ``i`` from the end,
    swap ``items[i]`` with ``items[j]``, ``j = _randbelow(i + 1)``, where ``_randbelow(n)`` draws
    ``getrandbits(n.bit_length())`` until the value is below ``n``. This is that loop with the
    method calls inlined and ``bit_length`` computed once per run of ``n`` with the same bit
    count: same permutation, same RNG state afterwards. A subclass of ``random.Random`` may
    draw differently: it gets ``rng.shuffle``.
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


class SettledAgents:
    """Which agents might offer something on their next visit (``mesos.settled_agents``).

    The bookkeeping runs whether the switch is on or off, so turning it on between two rounds
    is safe; only :meth:`to_visit` asks the switch.

    >>> s = SettledAgents(); s.wake("a1"); s.wake("a2")
    >>> s.to_visit(["a1", "a2"], deterministic=True)
    ['a1', 'a2']
    >>> s.visited(["a1", "a2"]); s.filter_added("a2", expires=5.0, sticky=False)
    >>> s.expire(now=4.0); s.to_visit(["a1", "a2"], deterministic=True)
    []
    >>> s.expire(now=5.0); s.to_visit(["a1", "a2"], deterministic=True)
    ['a2']
    """

    def __init__(self) -> None:
        self.unsettled: set[str] = set()
        self._expiries: list[tuple[float, bool, str]] = []   # heap of (filter expiry, sticky, agent)

    def wake(self, agent: str) -> None:
        """Something changed on ``agent`` (resources came back, it was added)."""
        self.unsettled.add(agent)

    def wake_all(self, agents: Iterable[str]) -> None:
        """Something changed for every agent (a framework was added, re-activated or revived; quota)."""
        self.unsettled.update(agents)

    def filter_added(self, agent: str, expires: float, sticky: bool) -> None:
        """A decline filter on ``agent`` ends at ``expires`` (``sticky``: it still holds at that instant)."""
        heapq.heappush(self._expiries, (expires, sticky, agent))

    def expire(self, now: float) -> None:
        """Wake the agents whose decline filters have expired by ``now``."""
        expiries = self._expiries
        while expiries and (expiries[0][0] < now or (expiries[0][0] == now and not expiries[0][1])):
            self.unsettled.add(heapq.heappop(expiries)[2])

    def to_visit(self, order: list[str], deterministic: bool) -> list[str]:
        """``order`` without the settled agents (all of it with the switch off or a random sorter)."""
        if not deterministic or not fast.enabled("mesos.settled_agents"):
            return order
        unsettled = self.unsettled
        return [a for a in order if a in unsettled]

    def visited(self, order: Iterable[str]) -> None:
        """After a visit nothing left on these agents could be offered."""
        self.unsettled.difference_update(order)


class FastAgentVisit:
    """The allocator's ``_stage`` with the shortcuts of ``mesos.agent_visit`` (see the module docstring)."""

    def _stage_fast(self, order: list[str], now: float, out: list, q, stage1: bool = False) -> None:
        agents, frameworks, sorters, role_sorter = self.agents, self.frameworks, self.framework_sorters, self.role_sorter
        filters, visible_of = self.filters, self._visible
        for agent in order:
            ag = agents[agent]
            avail = ag.available
            if not avail:
                continue
            plain = True                      # nothing reserved on the agent: every role sees all of it
            for k in avail:
                if k[1] != UNRESERVED:
                    plain = False
                    break
            enough = plain and allocatable(avail)
            # a snapshot of the roles: offers below re-sort them
            for role in list(role_sorter.ordered()):
                if stage1 and not q.unsatisfied(role):
                    continue
                if plain:
                    if not enough:
                        continue
                    cand = avail.copy()
                else:
                    visible = visible_of.get(role)
                    if visible is None:
                        visible = visible_of[role] = frozenset([UNRESERVED, role, *ancestors(role)])
                    cand = {k: v for k, v in avail.items() if k[1] in visible}
                    if not cand or not allocatable(cand):
                        continue
                if q is not None:
                    cand = q.offerable(role, cand, stage1)
                    if not cand or not allocatable(cand):
                        continue
                sorter = sorters[role]
                for fid in sorter.ordered():   # lazy: we stop right after an offer
                    fw = frameworks[fid]
                    if fw.suppressed or not fw.active or (fid in filters and self._filtered(fid, agent, cand, now)):
                        continue
                    if q is None and len(cand) == len(avail):
                        avail.clear()         # the whole agent: cand is a copy of avail
                    else:
                        subtract_into(avail, cand)
                    if q is not None:
                        q.offered(role, cand, stage1)
                    sc = scalars_of(cand)     # self._charge(fid, ag, sc), written out
                    sorter.allocated(fid, sc)
                    role_sorter.allocated(role, sc)
                    mine = ag.allocated.get(fid)
                    if mine is None:
                        ag.allocated[fid] = sc.copy()
                    else:
                        for n, v in sc.items():
                            mine[n] = mine.get(n, 0.0) + v
                    out.append((fid, agent, cand))
                    break
                if not avail:
                    break
