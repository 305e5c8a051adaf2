"""Benchmark: one simulated hour of a 1,000-agent Mesos cluster running the built-in frameworks.

The issue's target is <= 10 s of wall time on the 2-core dev machine. The workload:

* Marathon with five apps (about 650 long-running instances; GROUP_BY zone, hostname UNIQUE,
  CLUSTER, health checks), one scale-up at 10 min, 10 agents failing at 20 min (their instances
  are relaunched elsewhere with backoff);
* Chronos with 20 jobs every 5 or 10 minutes and one dependent job;
* Batch (Spark-like) jobs of 200 tasks of 20 s every minute, each task preferring 3 agents, with
  delay scheduling (locality_wait 3 s).

Run:  .venv/bin/python bench/mesos_hour.py [agents] [hours] [--profile]
"""
from __future__ import annotations

import cProfile
import pstats
import sys
import time
from collections import Counter

from labsupport import mesos
from labsupport.mesos.frameworks import Batch, Chronos, Marathon

APPS = [
    {"id": "/web", "cmd": "nginx", "cpus": 0.5, "mem": 512, "instances": 200, "constraints": [["zone", "GROUP_BY", "3"]]},
    {"id": "/api", "cmd": "api-server", "cpus": 1, "mem": 1024, "instances": 100, "constraints": [["hostname", "UNIQUE"]]},
    {"id": "/cache", "cmd": "redis-server", "cpus": 1, "mem": 4096, "instances": 50, "constraints": [["rack", "GROUP_BY", "40"]]},
    {"id": "/worker", "cmd": "worker", "cpus": 0.25, "mem": 256, "instances": 300},
    {"id": "/db", "cmd": "postgres", "cpus": 2, "mem": 8192, "instances": 3, "constraints": [["zone", "CLUSTER", "a"]],
     "healthChecks": [{"gracePeriodSeconds": 60, "intervalSeconds": 30, "maxConsecutiveFailures": 3}]},
]


def build(n_agents: int):
    cluster = mesos.Cluster(seed=0, allocation_interval=1.0)
    for i in range(n_agents):
        cluster.add_agent(f"agent-{i:04d}", "cpus:16;mem:65536;disk:200000;ports:[31000-32000]",
                          attributes=f"rack:r{i % 40};zone:{'abc'[i % 3]}")
    marathon, chronos, batch = Marathon(cluster.sim), Chronos(cluster.sim), Batch(cluster.sim)
    cluster.register(marathon, name="marathon", partition_aware=True)
    cluster.register(chronos, name="chronos")
    cluster.register(batch, name="spark")
    for app in APPS:
        marathon.add_app(app)
    for j in range(20):
        period = "PT5M" if j % 2 else "PT10M"
        chronos.add_job({"name": f"cron-{j:02d}", "command": "backup", "schedule": f"R//{period}",
                         "duration": 60 + j, "cpus": 0.5, "mem": 256})
    chronos.add_job({"name": "report", "command": "make report", "parents": ["cron-00", "cron-01"]})
    return cluster, marathon, chronos, batch


def schedule_events(cluster, marathon, batch, n_agents: int, seconds: float) -> None:
    sim = cluster.sim
    for k in range(int(seconds // 60)):
        def submit(k=k):
            prefs = [[f"agent-{(k * 7 + i * 3 + d) % n_agents:04d}" for d in range(3)] for i in range(200)]
            batch.submit(f"etl-{k:03d}", n_tasks=200, resources="cpus:1;mem:1024", duration=20, preferred=prefs)
        sim.schedule_at(k * 60.0 + 5.0, submit, label="bench batch job")
    sim.schedule_at(600.0, lambda: marathon.scale("/worker", 400), label="bench scale")
    for i in range(10):
        sim.schedule_at(1200.0, lambda i=i: cluster.fail_agent(f"agent-{i * 97 % n_agents:04d}"), label="bench failure")


def main(n_agents: int = 1000, hours: float = 1.0, profile: bool = False) -> None:
    t0 = time.perf_counter()
    cluster, marathon, chronos, batch = build(n_agents)
    seconds = hours * 3600.0
    schedule_events(cluster, marathon, batch, n_agents, seconds)
    setup = time.perf_counter() - t0

    prof = cProfile.Profile() if profile else None
    t1 = time.perf_counter()
    if prof:
        prof.enable()
    cluster.run(seconds)
    if prof:
        prof.disable()
    wall = time.perf_counter() - t1

    tasks = cluster.tasks()
    per_fw = Counter(t.framework_name for t in tasks)
    outcomes = Counter(r["OUTCOME"] for r in cluster.offers_log())
    print(f"command: {sys.executable} bench/mesos_hour.py {n_agents} {hours:g}")
    print(f"agents {n_agents}, simulated {seconds:g} s")
    print(f"setup {setup:.2f} s, run {wall:.2f} s wall (target <= 10 s for 1,000 agents x 1 hour)")
    print(f"tasks launched {len(tasks)} ({', '.join(f'{k} {v}' for k, v in sorted(per_fw.items()))})")
    print(f"offers made {len(cluster.offers_log())} ({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))})")
    print(marathon.apps())
    stats = batch.stats()
    local = [r["LOCAL"] for r in stats]
    done_local = sum(int(x.split("/")[0]) for x in local if x != "-")
    all_pref = sum(int(x.split("/")[1]) for x in local if x != "-")
    waits = [r["MEAN WAIT"] for r in stats if r["MEAN WAIT"] is not None]
    print(f"batch jobs {len(stats)}, locality {done_local}/{all_pref}, mean of job mean waits "
          f"{sum(waits) / max(1, len(waits)):.2f} s")
    print(f"chronos runs: {sum(r['SUCCESSES'] for r in chronos.jobs())} succeeded, {sum(r['ERRORS'] for r in chronos.jobs())} failed")
    if prof:
        stats = pstats.Stats(prof).sort_stats("tottime")
        stats.print_stats(25)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 1000, float(args[1]) if len(args) > 1 else 1.0, "--profile" in sys.argv)
