"""Benchmark the k8s control plane *without* kube-scheduler's work: API store, controllers, kubelets.

A trivial round-robin binder stands in for ``labsupport.k8s.scheduler.Scheduler`` (only here), so the
figure is the cost of everything else on the path Deployment -> ReplicaSet -> Pods -> bind -> kubelet.
Compare with ``bench/k8s_scheduler.py`` (the real scheduler) to see where the time goes.

    python bench/controlplane_only.py                       # 5,000 nodes, 150,000 Pods, 100 Deployments
    python bench/controlplane_only.py 500 15000 10

Prints CPU time (``time.process_time``, less sensitive to other processes than wall time) and wall time.
"""
from __future__ import annotations

import resource
import sys
import time

import labsupport.k8s.cluster as cluster_module


class RoundRobinBinder:
    """Binds every new Pod to the next node in turn, at the instant it appears (no filtering, no scoring)."""

    def __init__(self, store, sim, config=None) -> None:
        self.store, self.sim = store, sim
        self.nodes: list[str] = []
        self.pending: list[tuple[str, str]] = []
        self.bound = 0
        store.watch("Node", lambda ev: self.nodes.append(ev.object["metadata"]["name"]) if ev.type == "ADDED" else None)
        store.watch("Pod", self._on_pod)

    def _on_pod(self, ev) -> None:
        if ev.type == "ADDED" and not ev.object["spec"].get("nodeName"):
            if not self.pending:
                self.sim.schedule(0, self._bind_all, priority=1)
            self.pending.append((ev.object["metadata"]["namespace"], ev.object["metadata"]["name"]))

    def _bind_all(self) -> None:
        pending, self.pending = self.pending, []
        for ns, name in pending:
            self.store.bind(ns, name, self.nodes[self.bound % len(self.nodes)])
            self.bound += 1


def deployment(name: str, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                                                           "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]}}}}


def main(argv: list[str]) -> int:
    nodes, pods, deployments = (int(a) for a in (argv + ["5000", "150000", "100"][len(argv):]))
    import labsupport.k8s.scheduler as scheduler_package

    scheduler_package.Scheduler = RoundRobinBinder  # this benchmark only
    cluster = cluster_module.Cluster(seed=0)
    for i in range(nodes):
        cluster.add_node(f"node-{i:05d}", cpu="4", memory="32Gi", pods=110)
    per = pods // deployments
    cluster.apply(deployment("warm-up", 0))  # loads the schema validator outside the timed region
    c0, w0 = time.process_time(), time.perf_counter()
    cluster.apply([deployment(f"app-{d:03d}", per) for d in range(deployments)])
    while cluster.scheduler.bound < per * deployments and cluster.now < 60:
        cluster.run(1.0)
    c1, w1 = time.process_time(), time.perf_counter()
    print(f"{nodes} nodes, {per * deployments} Pods in {deployments} Deployments: all bound after {cluster.now:.0f} simulated s")
    print(f"control plane without scheduling: {c1 - c0:.2f} s CPU, {w1 - w0:.2f} s wall")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    return 0 if cluster.scheduler.bound == per * deployments else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
