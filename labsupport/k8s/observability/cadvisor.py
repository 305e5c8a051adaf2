"""What the kubelet measures about its containers: cAdvisor's counters and the resource-metrics endpoint.

Nothing runs inside a simulated container, so CPU time is *integrated* from the load driver
(:mod:`labsupport.k8s.metrics`): every :data:`HOUSEKEEPING_SECONDS` (the kubelet runs cAdvisor
with a 10 s housekeeping interval, ``pkg/kubelet/cadvisor/cadvisor_linux.go``) each running
container adds ``usage x elapsed`` core-seconds to its counter, where usage is the Pod's demand
capped at its CPU limit. With a limit, the CFS quota counts 10 periods per second (100 ms
``cpu.cfs_period_us``); while demand exceeds the limit every period is throttled.

Two endpoints per node, with upstream names, types, labels and units:

* ``/metrics/cadvisor`` (cAdvisor ``metrics/prometheus.go``, docs/storage/prometheus.md):
  ``container_cpu_usage_seconds_total``, ``container_cpu_cfs_periods_total``,
  ``container_cpu_cfs_throttled_periods_total`` (counters; labels ``container, id, image,
  name, namespace, pod``), ``container_memory_working_set_bytes``,
  ``container_spec_memory_limit_bytes`` (gauges);
* ``/metrics/resource`` (``pkg/kubelet/metrics/collectors/resource_metrics.go``), what
  metrics-server reads: ``container_cpu_usage_seconds_total{container,pod,namespace}``,
  ``container_memory_working_set_bytes``, ``pod_cpu_usage_seconds_total``,
  ``node_cpu_usage_seconds_total``, ``node_memory_working_set_bytes``,
  ``container_start_time_seconds``, ``resource_scrape_error``, samples with timestamps.

Counters are read when scraped, with the scrape time as the sample timestamp (the kernel's cgroup counters
run continuously; real cAdvisor serves values cached for up to its housekeeping interval, which makes ``rate()``
jitter a little); usage changes only at housekeeping passes.

Simplified: the counters start when observability is switched on (the first metrics call on the
cluster); a Pod's load is split evenly over its running containers; memory is the memory load,
or :data:`BASELINE_MEMORY_BYTES` per container without one; no system/user split, no
``POD`` pause container, no per-cgroup hierarchy rows.

>>> round(cfs_periods(10.0), 1)
100.0
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from labsupport.core import Simulation, priorities
from labsupport.core.sim import BASELINE_MEMORY_BYTES, SIM_EPOCH
from labsupport.k8s.metrics import MetricsServer
from labsupport.k8s.observability.exposition import Family
from labsupport.k8s.store import APIStore

__all__ = ["ContainerAccounting", "ContainerStats", "HOUSEKEEPING_SECONDS", "CFS_PERIOD_SECONDS",
           "BASELINE_MEMORY_BYTES", "SIM_EPOCH", "cfs_periods", "cadvisor_families", "resource_families"]

HOUSEKEEPING_SECONDS = 10.0
CFS_PERIOD_SECONDS = 0.1


def cfs_periods(seconds: float) -> float:
    """CFS enforcement periods in ``seconds`` (one per 100 ms)."""
    return seconds / CFS_PERIOD_SECONDS


def container_id(uid: str, name: str, restarts: int) -> str:
    """A stable 64-hex container ID for one run of a container (deterministic, like a runtime's ID)."""
    return hashlib.sha256(f"{uid}/{name}/{restarts}".encode()).hexdigest()


@dataclass
class ContainerStats:
    """Cumulative stats of one container run (one cgroup), as cAdvisor keeps them."""

    namespace: str
    pod: str
    uid: str
    container: str
    image: str
    node: str
    restarts: int
    started_at: float
    cpu_seconds: float = 0.0
    periods: float = 0.0
    throttled: float = 0.0
    demand_m: float = 0.0          # last demand seen (millicores)
    usage_m: float = 0.0           # last usage (millicores, capped at the limit)
    memory: float = 0.0
    memory_limit: float = 0.0      # 0 = no limit (cAdvisor prints 0)
    cpu_limit_m: float = 0.0       # 0 = no limit
    updated_at: float = 0.0

    def read(self, now: float) -> tuple[float, float, float]:
        """``(cpu seconds, CFS periods, throttled periods)`` at ``now``: the totals of the last housekeeping pass plus
        the time since, at the usage of that pass (the kernel's counters run continuously)."""
        dt = max(now - self.updated_at, 0.0)
        periods = self.periods + (cfs_periods(dt) if self.cpu_limit_m else 0.0)
        throttled = self.throttled + (cfs_periods(dt) if self.cpu_limit_m and self.demand_m > self.cpu_limit_m else 0.0)
        return self.cpu_seconds + self.usage_m / 1000.0 * dt, periods, throttled

    @property
    def id(self) -> str:
        return container_id(self.uid, self.container, self.restarts)


class ContainerAccounting:
    """Integrates every running container's CPU time every 10 s of simulated time (cAdvisor housekeeping)."""

    def __init__(self, store: APIStore, sim: Simulation, metrics: MetricsServer) -> None:
        self.store, self.sim, self.metrics = store, sim, metrics
        self.stats: dict[tuple[str, str, str, int], ContainerStats] = {}
        self.history: dict[tuple[str, str, str, int], list[tuple[float, float, float]]] = {}
        self.sim.schedule(0, self._housekeeping, priority=priorities.HOUSEKEEPING, label="cadvisor housekeeping")

    def _housekeeping(self) -> None:
        self.update()
        self.sim.schedule(HOUSEKEEPING_SECONDS, self._housekeeping, priority=priorities.HOUSEKEEPING, label="cadvisor housekeeping")

    def update(self) -> None:
        """One housekeeping pass: add CPU time since the last pass, refresh memory, forget gone containers."""
        now = self.sim.now
        seen = set()
        for pod in self.store.list("Pod"):
            node = pod["spec"].get("nodeName")
            st = pod.get("status") or {}
            running = [cs for cs in st.get("containerStatuses") or () if "running" in cs.get("state", {})]
            if not node or not running or st.get("phase") != "Running":
                continue
            specs = {c["name"]: c for c in pod["spec"].get("containers") or ()}
            cpu_demand = self.metrics.pod_demand(pod, "cpu", now) / len(running)
            mem_load = self.metrics.pod_demand(pod, "memory", now) / len(running)
            for cs in running:
                spec = specs.get(cs["name"], {})
                limits = (spec.get("resources") or {}).get("limits") or {}
                cpu_limit = _cpu_limit(limits)
                mem_limit = _mem_limit(limits)
                key = (pod["metadata"]["namespace"], pod["metadata"]["name"], cs["name"], cs.get("restartCount", 0))
                seen.add(key)
                s = self.stats.get(key)
                if s is None or s.uid != pod["metadata"]["uid"]:
                    started = cs["state"]["running"]["startedAt"]
                    s = self.stats[key] = ContainerStats(key[0], key[1], pod["metadata"]["uid"], cs["name"], cs.get("image") or "",
                                                         node, key[3], started, updated_at=started)
                    self.history[key] = []
                    s.demand_m, s.cpu_limit_m = cpu_demand, cpu_limit
                    s.usage_m = min(cpu_demand, cpu_limit) if cpu_limit else cpu_demand
                dt = max(now - s.updated_at, 0.0)
                usage = min(cpu_demand, cpu_limit) if cpu_limit else cpu_demand
                s.cpu_seconds += s.usage_m / 1000.0 * dt   # the usage of the interval that just ended
                if s.cpu_limit_m:
                    s.periods += cfs_periods(dt)
                    if s.demand_m > s.cpu_limit_m:
                        s.throttled += cfs_periods(dt)
                s.demand_m, s.usage_m, s.cpu_limit_m = cpu_demand, usage, cpu_limit
                s.memory = mem_load if mem_load else float(BASELINE_MEMORY_BYTES)
                if mem_limit:
                    s.memory = min(s.memory, mem_limit)
                s.memory_limit = mem_limit
                s.updated_at = now
                self.history[key].append((now, s.demand_m, s.usage_m))
        for key in [k for k in self.stats if k not in seen]:
            del self.stats[key]

    def containers(self, node: str | None = None) -> list[ContainerStats]:
        """Live container runs (optionally on one node), sorted by namespace, pod, container."""
        return [self.stats[k] for k in sorted(self.stats) if node is None or self.stats[k].node == node]


def _cpu_limit(limits: dict) -> float:
    from labsupport.k8s.quantity import parse_cpu
    return float(parse_cpu(limits["cpu"])) if limits.get("cpu") is not None else 0.0


def _mem_limit(limits: dict) -> float:
    from labsupport.k8s.quantity import parse_memory
    return float(parse_memory(limits["memory"])) if limits.get("memory") is not None else 0.0


def cadvisor_families(acct: ContainerAccounting, node: str) -> list[Family]:
    """The kubelet's ``/metrics/cadvisor`` for ``node`` (container rows only)."""
    cpu = Family("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.")
    periods = Family("container_cpu_cfs_periods_total", "counter", "Number of elapsed enforcement period intervals.")
    throttled = Family("container_cpu_cfs_throttled_periods_total", "counter", "Number of throttled period intervals.")
    mem = Family("container_memory_working_set_bytes", "gauge", "Current working set in bytes.")
    lim = Family("container_spec_memory_limit_bytes", "gauge", "Memory limit for the container.")
    now = acct.sim.now
    ts = (SIM_EPOCH + now) * 1000
    for s in acct.containers(node):
        labels = {"container": s.container, "id": f"/kubepods/pod{s.uid}/{s.id}", "image": s.image,
                  "name": s.id, "namespace": s.namespace, "pod": s.pod}
        cpu_seconds, periods_now, throttled_now = s.read(now)
        cpu.add(cpu_seconds, ts, **labels)
        if s.cpu_limit_m:   # cAdvisor only exports CFS counters for a container with a quota
            periods.add(round(periods_now), ts, **labels)
            throttled.add(round(throttled_now), ts, **labels)
        mem.add(s.memory, ts, **labels)
        lim.add(s.memory_limit, ts, **labels)
    return [cpu, periods, throttled, mem, lim]


def resource_families(acct: ContainerAccounting, node: str) -> list[Family]:
    """The kubelet's ``/metrics/resource`` for ``node``: what metrics-server scrapes."""
    node_cpu = Family("node_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the node in core-seconds")
    node_mem = Family("node_memory_working_set_bytes", "gauge", "Current working set of the node in bytes")
    start = Family("container_start_time_seconds", "gauge", "Start time of the container since unix epoch in seconds")
    cpu = Family("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the container in core-seconds")
    mem = Family("container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes")
    pod_cpu = Family("pod_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the pod in core-seconds")
    pod_mem = Family("pod_memory_working_set_bytes", "gauge", "Current working set of the pod in bytes")
    err = Family("resource_scrape_error", "gauge", "1 if there was an error while getting container metrics, 0 otherwise")
    rows = acct.containers(node)
    now = acct.sim.now
    ts = (SIM_EPOCH + now) * 1000
    node_cpu.add(sum(s.read(now)[0] for s in rows), ts)
    node_mem.add(sum(s.memory for s in rows), ts)
    pods: dict[tuple[str, str], list[ContainerStats]] = {}
    for s in rows:
        labels = {"container": s.container, "pod": s.pod, "namespace": s.namespace}
        start.add(SIM_EPOCH + s.started_at, None, **labels)
        cpu.add(s.read(now)[0], ts, **labels)
        mem.add(s.memory, ts, **labels)
        pods.setdefault((s.namespace, s.pod), []).append(s)
    for (ns, name), group in sorted(pods.items()):
        pod_cpu.add(sum(s.read(now)[0] for s in group), ts, pod=name, namespace=ns)
        pod_mem.add(sum(s.memory for s in group), ts, pod=name, namespace=ns)
    err.add(0)
    return [node_cpu, node_mem, start, cpu, mem, pod_cpu, pod_mem, err]
