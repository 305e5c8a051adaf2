"""The load driver and the metrics API (metrics-server) the HPA reads.

Nothing runs in a simulated container, so CPU (or memory) usage is *driven*:
``Cluster.set_load("web", total=lambda t: 300 if t < 600 else 50)`` says the
Deployment ``web`` has to serve 300 millicores of work in total until t = 600 s, then
50 m; the work is spread evenly across its **ready** Pods (a Service only sends
traffic to ready endpoints), so scaling out lowers each Pod's usage. With
``per_pod=...`` every running Pod uses that much, whatever the replica count.
A number instead of a function means a constant load. A container with a CPU limit
is throttled at it.

Like metrics-server (``--metric-resolution=15s``), a Pod has a metric only after its
containers have run for :data:`METRIC_RESOLUTION` seconds; until then the HPA treats
it as *missing*.

>>> load = Load(total=lambda t: 300.0)
>>> load.per_pod_usage(t=0.0, ready_pods=3)
100.0
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Union

from labsupport.core import LabError
from labsupport.k8s.objects import controller_of, is_pod_ready
from labsupport.k8s.quantity import parse_cpu, parse_memory
from labsupport.k8s.store import APIStore

__all__ = ["Load", "MetricsServer", "METRIC_RESOLUTION"]

METRIC_RESOLUTION = 15.0

LoadFn = Union[float, int, Callable[[float], float]]  # noqa: UP007 - a runtime alias, not an annotation


def _as_fn(value: LoadFn | None, field: str) -> Callable[[float], float] | None:
    if value is None:
        return None
    if callable(value):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise LabError(f"{field}: must be a number >= 0 or a function of simulated time, got {value!r}")
    return lambda t, v=float(value): v


@dataclass
class Load:
    """Usage of one workload: ``per_pod(t)`` each, or ``total(t)`` spread over the ready Pods."""

    per_pod: Callable[[float], float] | None = None
    total: Callable[[float], float] | None = None
    resource: str = "cpu"

    def per_pod_usage(self, t: float, ready_pods: int) -> float:
        """Usage of one (ready) Pod at time ``t``."""
        if self.per_pod is not None:
            return max(float(self.per_pod(t)), 0.0)
        return max(float(self.total(t)), 0.0) / ready_pods if ready_pods else 0.0


class MetricsServer:
    """Answers "how much CPU/memory does this Pod use now?" from the loads set on workloads."""

    def __init__(self, store: APIStore) -> None:
        self.store = store
        self.loads: dict[tuple[str, str, str, str], Load] = {}
        self._ready_cache: dict[tuple, tuple[float, int]] = {}

    def set_load(self, kind: str, namespace: str, name: str, per_pod: LoadFn | None, total: LoadFn | None, resource: str) -> None:
        """Attach a load to a Deployment or ReplicaSet (replacing any earlier one for that resource)."""
        if (per_pod is None) == (total is None):
            raise LabError("set_load: give exactly one of per_pod= or total=")
        if resource not in ("cpu", "memory"):
            raise LabError(f"resource: must be 'cpu' or 'memory', got {resource!r}")
        self.loads[(kind, namespace, name, resource)] = Load(_as_fn(per_pod, "per_pod"), _as_fn(total, "total"), resource)

    def _workload(self, pod: dict) -> list[tuple[str, str]]:
        ref = controller_of(pod)
        if ref is None or ref["kind"] != "ReplicaSet":
            return []
        out = [("ReplicaSet", ref["name"])]
        rs = self.store.get("ReplicaSet", pod["metadata"]["namespace"], ref["name"])
        dref = controller_of(rs) if rs is not None else None
        if dref is not None and dref["kind"] == "Deployment":
            out.insert(0, ("Deployment", dref["name"]))
        return out

    def _ready_count(self, kind: str, ns: str, name: str, now: float) -> int:
        key = (kind, ns, name)
        cached = self._ready_cache.get(key)
        if cached is not None and cached[0] == now:
            return cached[1]
        if kind == "Deployment":
            d = self.store.get("Deployment", ns, name)
            rss = self.store.by_index("replicasets-by-controller", d["metadata"]["uid"]) if d else []
        else:
            rs = self.store.get("ReplicaSet", ns, name)
            rss = [rs] if rs else []
        n = sum(1 for rs in rss for p in self.store.by_index("pods-by-controller", rs["metadata"]["uid"])
                if is_pod_ready(p) and p["metadata"].get("deletionTimestamp") is None)
        self._ready_cache[key] = (now, n)
        return n

    def pod_usage(self, pod: dict, resource: str, now: float) -> float | None:
        """Millicores (cpu) or bytes (memory) the Pod uses at ``now``; None when metrics-server has no sample yet."""
        statuses = (pod.get("status") or {}).get("containerStatuses") or ()
        started = [cs["state"]["running"]["startedAt"] for cs in statuses if "running" in cs.get("state", {})]
        if pod.get("status", {}).get("phase") != "Running" or not started or now - min(started) < METRIC_RESOLUTION:
            return None
        ns = pod["metadata"]["namespace"]
        for kind, name in self._workload(pod):
            load = self.loads.get((kind, ns, name, resource))
            if load is None:
                continue
            if load.total is not None and not is_pod_ready(pod):
                return 0.0
            usage = load.per_pod_usage(now, self._ready_count(kind, ns, name, now))
            return min(usage, self._limit(pod, resource))
        return 0.0

    def pod_demand(self, pod: dict, resource: str, now: float) -> float:
        """What the Pod's load asks for at ``now`` before any CPU limit throttles it (0 without a load).

        Unlike :meth:`pod_usage` this ignores metrics-server's first-sample delay; cAdvisor's
        accounting (:mod:`labsupport.k8s.observability.cadvisor`) integrates it from container start.
        """
        ns = pod["metadata"]["namespace"]
        for kind, name in self._workload(pod):
            load = self.loads.get((kind, ns, name, resource))
            if load is None:
                continue
            if load.total is not None and not is_pod_ready(pod):
                return 0.0
            return load.per_pod_usage(now, self._ready_count(kind, ns, name, now))
        return 0.0

    def pod_limit(self, pod: dict, resource: str) -> float:
        """The Pod's limit for ``resource`` (millicores or bytes; ``inf`` when a container has none)."""
        return self._limit(pod, resource)

    @staticmethod
    def _limit(pod: dict, resource: str) -> float:
        total = 0
        for c in pod["spec"].get("containers") or ():
            lim = ((c.get("resources") or {}).get("limits") or {}).get(resource)
            if lim is None:
                return float("inf")
            total += parse_cpu(lim) if resource == "cpu" else parse_memory(lim)
        return float(total)
