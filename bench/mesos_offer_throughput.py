"""Benchmark: how fast the simulated Mesos master handles a busy offer cycle (for framework authors).

1,000 agents; a service framework that launches 500 long-running tasks and then declines with a
60 s filter, and two batch frameworks (two roles) that accept every offer with up to four
30-90 s tasks. This is far busier than a real cluster (hundreds of offers and tasks per
simulated second), so it shows the cost per offer of the master itself.

Run:  .venv/bin/python bench/mesos_offer_throughput.py [simulated_seconds]
"""
from __future__ import annotations

import sys
import time

from labsupport import mesos


class Service(mesos.Scheduler):
    """Launches ``target`` long-running tasks, then declines everything for 60 s at a time."""

    def __init__(self, target: int = 500) -> None:
        self.target, self.n = target, 0

    def resource_offers(self, driver, offers):
        for o in offers:
            if self.n < self.target and o.resources.get("cpus", 0) >= 1 and o.resources.get("mem", 0) >= 1024:
                self.n += 1
                driver.accept([o.id], [mesos.Task(f"svc-{self.n}", "cpus:1;mem:1024")])
            else:
                driver.decline([o.id], filters={"refuse_seconds": 60})


class Batch(mesos.Scheduler):
    """Accepts every offer with as many 1-cpu tasks as fit (at most four), each 30-89 s long."""

    def __init__(self, name: str) -> None:
        self.name, self.n = name, 0

    def resource_offers(self, driver, offers):
        for o in offers:
            fit = int(min(o.resources.get("cpus", 0) // 1, o.resources.get("mem", 0) // 512, 4))
            tasks = []
            for _ in range(fit):
                self.n += 1
                tasks.append(mesos.Task(f"{self.name}-{self.n}", "cpus:1;mem:512", duration=30 + self.n % 60))
            driver.accept([o.id], tasks)


def main(seconds: float = 120.0, agents: int = 1000) -> None:
    cluster = mesos.Cluster(seed=0)
    for i in range(agents):
        cluster.add_agent(f"agent-{i:04d}", "cpus:8;mem:16384;disk:100000")
    cluster.register(Service(), name="service")
    cluster.register(Batch("b1"), name="batch-1")
    cluster.register(Batch("b2"), name="batch-2", role="batch")
    t0 = time.perf_counter()
    cluster.run(seconds)
    wall = time.perf_counter() - t0
    offers, tasks = len(cluster.master.offers_log), len(cluster.master.tasks)
    updates = len(cluster.master.updates_log)
    print(f"agents={agents} simulated={seconds:g} s wall={wall:.2f} s ({seconds / wall:.1f} simulated s per wall s)")
    print(f"offers={offers} ({offers / seconds:.0f}/simulated s)  tasks={tasks}  status updates={updates}")
    print(f"wall time per offer (incl. its tasks and their updates): {1e6 * wall / max(offers, 1):.0f} us")


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:2]))
