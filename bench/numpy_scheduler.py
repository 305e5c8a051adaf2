"""Baseline: a bare numpy full-scan scheduler loop, to put the simulator's time in perspective (issue 20 part 5).

One Pod at a time over all nodes, no API store, no controllers, no events: Filter on free cpu,
memory and Pod slots, Score with kube-scheduler's default NodeResourcesFit (LeastAllocated, cpu and
memory weight 1) plus NodeResourcesBalancedAllocation (weight 1), both in Go's integer maths, take
the highest total (the first one on ties), account the Pod on that node. This is the least a
Python scheduler of that shape has to do per Pod; ``bench/k8s_scheduler.py`` runs it in the same
process as the whole simulated control plane and prints the ratio.

    python bench/numpy_scheduler.py                      # 150,000 Pods on 5,000 nodes
    python bench/numpy_scheduler.py --nodes 500 --pods 15000
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

GIB = 2**30


def full_scan(nodes: int = 5000, pods: int = 150_000, node_cpu_m: int = 4000, node_mem: int = 32 * GIB,
              node_pods: int = 110, pod_cpu_m: int = 100, pod_mem: int = 500 * 2**20) -> np.ndarray:
    """Schedule ``pods`` identical Pods one by one; returns the Pods per node."""
    alloc_cpu = np.full(nodes, node_cpu_m, dtype=np.int64)
    alloc_mem = np.full(nodes, node_mem, dtype=np.int64)
    alloc_pods = np.full(nodes, node_pods, dtype=np.int64)
    cap_cpu, cap_mem = alloc_cpu.astype(float), alloc_mem.astype(float)
    req_cpu = np.zeros(nodes, dtype=np.int64)
    req_mem = np.zeros(nodes, dtype=np.int64)
    req_pods = np.zeros(nodes, dtype=np.int64)
    for _ in range(pods):
        fits = (req_pods < alloc_pods) & (alloc_cpu - req_cpu >= pod_cpu_m) & (alloc_mem - req_mem >= pod_mem)
        cpu, mem = req_cpu + pod_cpu_m, req_mem + pod_mem
        # LeastAllocated: mean over resources of (allocatable - requested) * 100 / allocatable
        least = ((alloc_cpu - cpu) * 100 // alloc_cpu + (alloc_mem - mem) * 100 // alloc_mem) // 2
        # BalancedAllocation with two resources: (1 - |f_cpu - f_mem| / 2) * 100
        balanced = ((1 - np.abs(cpu / cap_cpu - mem / cap_mem) / 2) * 100).astype(np.int64)
        total = np.where(fits, least + balanced, -1)
        best = int(total.argmax())
        if total[best] < 0:
            raise RuntimeError("no node fits")
        req_cpu[best] += pod_cpu_m
        req_mem[best] += pod_mem
        req_pods[best] += 1
    return req_pods


def timed(nodes: int, pods: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of :func:`full_scan`."""
    t, c = time.perf_counter(), time.process_time()
    placed = full_scan(nodes, pods)
    assert int(placed.sum()) == pods
    return time.perf_counter() - t, time.process_time() - c


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=150_000)
    args = ap.parse_args(argv)
    wall, cpu = timed(args.nodes, args.pods)
    print(f"numpy full-scan loop: {args.pods} Pods on {args.nodes} nodes in {wall:.2f} s wall, {cpu:.2f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
