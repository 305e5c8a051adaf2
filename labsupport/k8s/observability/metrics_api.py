"""metrics-server and the resource metrics API (``metrics.k8s.io/v1beta1``) behind ``kubectl top`` and the HPA.

metrics-server is an add-on (kubernetes-sigs/metrics-server; Heapster, its predecessor, was retired
in Kubernetes 1.13, 2018). Every ``--metric-resolution`` (default 15 s) it scrapes each kubelet's
``/metrics/resource`` endpoint, keeps the last two points per container, and serves
``PodMetrics``/``NodeMetrics``: CPU as the rate between the two points (``window`` = their distance)
in nanocores, memory as the last working set in Ki. See
https://kubernetes.io/docs/tasks/debug/debug-cluster/resource-metrics-pipeline/ (checked for 1.37).

The text is parsed with the real exposition parser, as metrics-server parses it.

Note: the HPA in this simulator still reads the load driver directly (:mod:`labsupport.k8s.metrics`),
so lessons written before this module keep their outputs.
"""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from labsupport.core import Simulation, Table, priorities
from labsupport.core.sim import SIM_EPOCH
from labsupport.k8s.observability.logs import rfc3339
from labsupport.k8s.quantity import parse_cpu, parse_memory
from labsupport.k8s.store import APIStore

__all__ = ["MetricsServerPipeline", "METRIC_RESOLUTION_SECONDS"]

METRIC_RESOLUTION_SECONDS = 15.0


class MetricsServerPipeline:
    """Scrapes ``scrape(node) -> text`` for every node every 15 s; answers PodMetrics and NodeMetrics."""

    def __init__(self, store: APIStore, sim: Simulation, scrape, resolution: float = METRIC_RESOLUTION_SECONDS) -> None:
        self.store, self.sim, self.scrape_node = store, sim, scrape
        self.resolution = resolution
        self.points: dict[tuple, list[tuple[float, float, float]]] = {}   # key -> [(t, cpu_seconds, memory)] (last 2)
        sim.schedule(0, self._loop, priority=priorities.SCRAPE, label="metrics-server scrape")

    def _loop(self) -> None:
        self.scrape()
        self.sim.schedule(self.resolution, self._loop, priority=priorities.SCRAPE, label="metrics-server scrape")

    def scrape(self) -> None:
        """One scrape of every node's kubelet."""
        fresh: dict[tuple, tuple[float, float, float]] = {}
        for node in self.store.list("Node"):
            name = node["metadata"]["name"]
            cpu, mem = {}, {}
            for fam in text_string_to_metric_families(self.scrape_node(name)):
                for s in fam.samples:
                    t = (s.timestamp - SIM_EPOCH) if s.timestamp is not None else self.sim.now
                    if s.name == "container_cpu_usage_seconds_total":
                        cpu[("container", s.labels["namespace"], s.labels["pod"], s.labels["container"])] = (t, s.value)
                    elif s.name == "container_memory_working_set_bytes":
                        mem[("container", s.labels["namespace"], s.labels["pod"], s.labels["container"])] = s.value
                    elif s.name == "node_cpu_usage_seconds_total":
                        cpu[("node", name)] = (t, s.value)
                    elif s.name == "node_memory_working_set_bytes":
                        mem[("node", name)] = s.value
            for key, (t, c) in cpu.items():
                fresh[key] = (float(t), float(c), float(mem.get(key, 0.0)))
        for key in list(self.points):
            if key not in fresh:
                del self.points[key]
        for key, point in fresh.items():
            pts = self.points.setdefault(key, [])
            if not pts or pts[-1][0] < point[0]:
                pts.append(point)
            elif pts[-1][0] == point[0]:
                pts[-1] = point
            del pts[:-2]

    def _rate(self, key) -> tuple[float, float, float, float] | None:
        pts = self.points.get(key)
        if not pts or len(pts) < 2 or pts[1][0] <= pts[0][0]:
            return None
        (t0, c0, _), (t1, c1, m1) = pts
        return max(c1 - c0, 0.0) / (t1 - t0), m1, t1, t1 - t0

    def pod_metrics(self, namespace: str | None = "default") -> list[dict]:
        """``kubectl get --raw /apis/metrics.k8s.io/v1beta1/namespaces/<ns>/pods`` items (all namespaces if None)."""
        out = []
        for pod in self.store.list("Pod", namespace):
            m = pod["metadata"]
            containers, stamp, window = [], None, None
            for c in pod["spec"].get("containers") or ():
                r = self._rate(("container", m["namespace"], m["name"], c["name"]))
                if r is None:
                    continue
                cores, mem, stamp, window = r
                containers.append({"name": c["name"], "usage": {"cpu": f"{round(cores * 1e9)}n", "memory": f"{int(mem) // 1024}Ki"}})
            if containers:
                out.append({"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                            "metadata": {"name": m["name"], "namespace": m["namespace"], "labels": dict(m.get("labels") or {})},
                            "timestamp": rfc3339(stamp).split(".")[0] + "Z", "window": f"{window:g}s", "containers": containers})
        return out

    def node_metrics(self) -> list[dict]:
        """``/apis/metrics.k8s.io/v1beta1/nodes`` items."""
        out = []
        for node in self.store.list("Node"):
            name = node["metadata"]["name"]
            r = self._rate(("node", name))
            if r is None:
                continue
            cores, mem, stamp, window = r
            out.append({"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {"name": name},
                        "timestamp": rfc3339(stamp).split(".")[0] + "Z", "window": f"{window:g}s",
                        "usage": {"cpu": f"{round(cores * 1e9)}n", "memory": f"{int(mem) // 1024}Ki"}})
        return out

    def top(self, what: str, namespace: str | None = "default") -> Table:
        """``kubectl top pods`` / ``kubectl top nodes`` from the metrics API."""
        if what in ("pods", "pod", "po"):
            rows = []
            for pm in self.pod_metrics(namespace):
                cpu = sum(int(c["usage"]["cpu"][:-1]) for c in pm["containers"]) / 1e6
                mem = sum(int(c["usage"]["memory"][:-2]) for c in pm["containers"]) * 1024
                row = {"NAME": pm["metadata"]["name"], "CPU(cores)": f"{round(cpu)}m", "MEMORY(bytes)": f"{mem // 2**20}Mi"}
                if namespace is None:
                    row = {"NAMESPACE": pm["metadata"]["namespace"], **row}
                rows.append(row)
            cols = (["NAMESPACE"] if namespace is None else []) + ["NAME", "CPU(cores)", "MEMORY(bytes)"]
            return Table(cols, rows)
        rows = []
        for nm in self.node_metrics():
            node = self.store.get("Node", None, nm["metadata"]["name"])
            alloc = node["status"]["allocatable"]
            cpu = int(nm["usage"]["cpu"][:-1]) / 1e6
            mem = int(nm["usage"]["memory"][:-2]) * 1024
            rows.append({"NAME": nm["metadata"]["name"], "CPU(cores)": f"{round(cpu)}m", "CPU(%)": f"{round(100 * cpu / parse_cpu(alloc['cpu']))}%",
                         "MEMORY(bytes)": f"{mem // 2**20}Mi", "MEMORY(%)": f"{round(100 * mem / parse_memory(alloc['memory']))}%"})
        return Table(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"], rows)
