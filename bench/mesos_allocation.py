"""Benchmark: one Mesos allocation round over 10,000 agents and 1,000 frameworks.

The issue's target is <= 3 s on the 2-core dev machine (aim: 1 s, the C++ allocator's best
published time at this scale). The frameworks hold their offers (like the C++
``HierarchicalAllocator_BENCHMARK_Test`` with frameworks that never answer), spread over 10
roles, so the round walks roles, then frameworks, on every agent.

Run:  .venv/bin/python bench/mesos_allocation.py [agents] [frameworks] [roles]
"""
from __future__ import annotations

import sys
import time

from labsupport import mesos


class Holder(mesos.Scheduler):
    """Keeps every offer it gets (never accepts or declines)."""

    def __init__(self) -> None:
        self.offers = 0

    def resource_offers(self, driver, offers):
        self.offers += len(offers)


def main(n_agents: int = 10_000, n_frameworks: int = 1_000, roles: int = 10) -> None:
    t0 = time.perf_counter()
    cluster = mesos.Cluster(seed=0, allocation_interval=1.0)
    for i in range(n_agents):
        cluster.add_agent(f"agent-{i:05d}", resources="cpus:16;mem:65536;disk:102400;ports:[31000-32000]",
                          attributes=f"rack:r{i % 40}")
    holders = [Holder() for _ in range(n_frameworks)]
    for i, h in enumerate(holders):
        cluster.register(h, name=f"fw-{i:04d}", role=f"role-{i % roles}")
    setup = time.perf_counter() - t0

    master = cluster.master
    t1 = time.perf_counter()
    decisions = master.allocator.allocate(cluster.now)
    t_alloc = time.perf_counter() - t1
    # undo the decisions so that the full master round below starts from the same state
    for fid, agent, entries in decisions:
        master.allocator.recover(agent, fid, entries)

    t2 = time.perf_counter()
    offers = master.allocate()
    t_round = time.perf_counter() - t2

    t3 = time.perf_counter()
    cluster.run(0)          # deliver resource_offers callbacks due now
    t_deliver = time.perf_counter() - t3

    got = sum(h.offers for h in holders)
    print(f"agents={n_agents} frameworks={n_frameworks} roles={roles}")
    print(f"setup (add agents, register frameworks): {setup:.2f} s")
    print(f"allocator.allocate() alone:               {t_alloc:.3f} s  ({len(decisions)} decisions)")
    print(f"master.allocate() (round + Offer objects): {t_round:.3f} s  ({len(offers)} offers)")
    print(f"delivering resource_offers callbacks:      {t_deliver:.3f} s  ({got} offers received)")
    print(f"one allocation round, end to end:          {t_round + t_deliver:.3f} s  (target <= 3 s, aim 1 s)")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    main(*args)
