"""Benchmark: schedule 150,000 Deployment Pods onto 5,000 nodes through the whole simulated control plane.

Issue 3 item 10: 5,000 nodes (4 CPU, 32Gi, 110 pods), Pods from Deployments (100m, 500Mi each), all bound
with the default profile; then ``explain()`` of one more Pod over all 5,000 nodes.

    python bench/k8s_scheduler.py                      # the full size
    python bench/k8s_scheduler.py --nodes 500 --pods 15000 --deployments 10

Everything goes through ``k8s.Cluster``: apply Deployments -> deployment controller -> ReplicaSets ->
replicaset controller -> Pods -> scheduler (filter, score, bind) -> kubelets. Wall-clock time is
measured here, in the benchmark only (the simulator itself never reads the clock).

Peak memory is the process's maximum resident set size (``resource.getrusage``), which includes
the interpreter, numpy and the cluster.
"""
from __future__ import annotations

import argparse
import gc
import resource
import sys
import time

from labsupport import k8s


def deployment(name: str, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                                                           "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]}}}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=150_000)
    ap.add_argument("--deployments", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--step", type=float, default=1.0, help="simulated seconds per cluster.run() call while waiting")
    ap.add_argument("--gc-freeze", action="store_true",
                    help="gc.freeze() after adding the nodes (fewer full collections of long-lived objects)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    cluster = k8s.Cluster(seed=args.seed)
    for i in range(args.nodes):
        cluster.add_node(f"node-{i:05d}", cpu="4", memory="32Gi", pods=110)
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    t1 = time.perf_counter()
    per = args.pods // args.deployments
    cluster.apply([deployment(f"app-{d:03d}", per) for d in range(args.deployments)])
    t2 = time.perf_counter()
    sched = cluster.scheduler
    total = per * args.deployments
    steps = 0
    while sched.bound < total and steps < 600:
        cluster.run(args.step)
        steps += 1
    t3 = time.perf_counter()
    bound = sched.bound

    probe = {"metadata": {"name": "probe", "labels": {"app": "probe"}},
             "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]}}
    te = time.perf_counter()
    explanation = sched.explain(probe)
    t4 = time.perf_counter()
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    sched_s = t3 - t1
    print(f"nodes {args.nodes}, deployments {args.deployments} x {per} replicas = {total} Pods, seed {args.seed}")
    print(f"add nodes            {t1 - t0:7.2f} s")
    print(f"apply -> all bound   {sched_s:7.2f} s   ({bound} bound, {sched.attempts} scheduling attempts, "
          f"simulated {cluster.now:.0f} s)")
    print(f"  of which apply()   {t2 - t1:7.2f} s")
    print(f"throughput           {bound / sched_s:7.0f} Pods/s (wall clock, whole control plane)")
    print(f"explain() over {len(explanation.rows)} nodes {t4 - te:6.3f} s (chosen {explanation.chosen})")
    print(f"peak RSS             {maxrss_kib / 2**20:7.2f} GiB")
    print("kube-scheduler scheduler_perf (test/integration/scheduler_perf/misc/performance-config.yaml,")
    print("SchedulingBasic/5000Nodes_10000Pods) fails below a threshold of 270 Pods/s; see the module docstring.")
    return 0 if bound == total else 1


if __name__ == "__main__":
    sys.exit(main())
