"""Benchmark: one Mesos allocation round over 10,000 agents and 1,000 frameworks.

The issue's target is <= 3 s on the 2-core dev machine (aim: 1 s, the C++ allocator's best
published time at this scale). The frameworks hold their offers (like the C++
``HierarchicalAllocator_BENCHMARK_Test`` with frameworks that never answer), spread over 10
roles, so the round walks roles, then frameworks, on every agent.

Run:  .venv/bin/python bench/mesos_allocation.py [agents] [frameworks] [roles] [repeats]
"""
from __future__ import annotations

import statistics
import sys
import time

from labsupport import mesos


class Holder(mesos.Scheduler):
    """Keeps every offer it gets (never accepts or declines)."""

    def __init__(self) -> None:
        self.offers = 0

    def resource_offers(self, driver, offers):
        self.offers += len(offers)


def main(n_agents: int = 10_000, n_frameworks: int = 1_000, roles: int = 10, repeat: int = 5) -> None:
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
    cluster.run(0)          # registration callbacks and the allocation they triggered
    for o in list(master.offers.values()):
        master.decline(o.framework_id, [o.id], 0)
    alloc_times, round_times, deliver_times, made = [], [], [], 0
    for _ in range(repeat):
        t1 = time.perf_counter()
        decisions = master.allocator.allocate(cluster.now)
        alloc_times.append(time.perf_counter() - t1)
        for fid, agent, entries in decisions:          # undo, so the next measurement starts alike
            master.allocator.recover(agent, fid, entries)
        t2 = time.perf_counter()
        offers = master.allocate()
        round_times.append(time.perf_counter() - t2)
        t3 = time.perf_counter()
        cluster.run(0)                                  # deliver resource_offers callbacks due now
        deliver_times.append(time.perf_counter() - t3)
        made = len(offers)
        for o in offers:                                # give everything back (no filter) for the next repeat
            master.decline(o.framework_id, [o.id], 0)

    def fmt(xs):
        return f"best {min(xs):.3f} s, median {statistics.median(xs):.3f} s"

    ends = [a + b for a, b in zip(round_times, deliver_times, strict=True)]
    print(f"agents={n_agents} frameworks={n_frameworks} roles={roles} repeats={repeat}")
    print(f"setup (add agents, register frameworks): {setup:.2f} s")
    print(f"allocator.allocate() alone:                {fmt(alloc_times)}")
    print(f"master.allocate() (round + {made} Offer objects): {fmt(round_times)}")
    print(f"delivering resource_offers callbacks:      {fmt(deliver_times)}")
    print(f"one allocation round, end to end:          {fmt(ends)}  (target <= 3 s, aim 1 s)")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:5]]
    main(*args)
