"""Observability of the simulated Kubernetes cluster: metrics in the real exposition format, Prometheus, logs.

What is part of Kubernetes and what is an add-on (https://kubernetes.io/docs/concepts/cluster-administration/system-metrics/,
checked for 1.37):

==================================  =====================================  ===========================
component / endpoint                 module                                 part of Kubernetes?
==================================  =====================================  ===========================
kubelet ``/metrics/cadvisor``        :mod:`.cadvisor`                       yes (cAdvisor built in)
kubelet ``/metrics/resource``        :mod:`.cadvisor`                       yes
kube-scheduler, kube-apiserver       :mod:`.control_plane`                  yes
``/metrics``
metrics-server, ``metrics.k8s.io``   :mod:`.metrics_api`                    add-on
kube-state-metrics                   :mod:`.kube_state_metrics`             add-on
Prometheus, alerting rules           :mod:`.prometheus`, :mod:`.promql`     add-on (CNCF project)
container logs (``kubectl logs``)    :mod:`.logs`                           yes (node-level only)
==================================  =====================================  ===========================

:class:`Observability` wires them to one cluster. It is created by the first metrics, logs or top
call on the cluster (or ``cluster.observability``); CPU counters start then, so call it right after
creating the cluster.

>>> from labsupport import k8s
>>> c = k8s.Cluster(seed=0)
>>> c.add_node("node-1", cpu="2", memory="4Gi")
>>> print(c.metrics_text("kube-scheduler").splitlines()[2])
scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"} 0
"""
from __future__ import annotations

from labsupport.core import LabError, Table
from labsupport.k8s.observability.cadvisor import ContainerAccounting, cadvisor_families, resource_families
from labsupport.k8s.observability.control_plane import APIServerCollector, SchedulerCollector
from labsupport.k8s.observability.exposition import render
from labsupport.k8s.observability.kube_state_metrics import kube_state_metrics_families
from labsupport.k8s.observability.logs import RunTracker, container_log, rfc3339
from labsupport.k8s.observability.metrics_api import MetricsServerPipeline
from labsupport.k8s.observability.prometheus import Prometheus

__all__ = ["Observability", "COMPONENTS", "CRASHLOOP_ALERT"]

COMPONENTS = ("kube-state-metrics", "kubelet/<node>", "kubelet/<node>/resource", "kube-scheduler", "kube-apiserver")

#: kubernetes-mixin's KubePodCrashLooping rule (runbooks.prometheus-operator.dev), with ``for: 5m`` instead of 15m.
CRASHLOOP_ALERT = ('max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics"}[5m]) >= 1', "5m")


class Observability:
    """The cluster's metrics endpoints, metrics-server, log reader and (on demand) Prometheus servers."""

    def __init__(self, cluster) -> None:
        self.cluster = cluster
        self.runs = RunTracker(cluster.store)
        self.accounting = ContainerAccounting(cluster.store, cluster.sim, cluster.metrics)
        self.apiserver = APIServerCollector(cluster.store)
        self.scheduler = SchedulerCollector(cluster.store, cluster.scheduler)
        self.metrics_server = MetricsServerPipeline(cluster.store, cluster.sim, lambda node: self.text(f"kubelet/{node}/resource"))
        self.prometheis: list[Prometheus] = []

    def text(self, component: str) -> str:
        """The exposition text a component serves now (see :data:`COMPONENTS`)."""
        if not isinstance(component, str):
            raise LabError(f"component: must be a string such as 'kube-state-metrics', got {component!r}")
        if component == "kube-state-metrics":
            return render(kube_state_metrics_families(self.cluster.store))
        if component == "kube-scheduler":
            return render(self.scheduler.families())
        if component == "kube-apiserver":
            return render(self.apiserver.families())
        parts = component.split("/")
        if parts[0] == "kubelet" and len(parts) in (2, 3) and (len(parts) == 2 or parts[2] in ("cadvisor", "resource")):
            node = parts[1]
            if node not in self.cluster.kubelets.kubelets:
                raise LabError(f'component: no kubelet on node "{node}" (nodes: {", ".join(sorted(self.cluster.kubelets.kubelets)) or "none"})')
            if len(parts) == 3 and parts[2] == "resource":
                return render(resource_families(self.accounting, node))
            return render(cadvisor_families(self.accounting, node))
        raise LabError(f"component: unknown component {component!r}; known: {', '.join(COMPONENTS)}")

    def targets(self) -> dict[tuple[str, str], object]:
        """Prometheus' scrape targets now: kube-state-metrics, the API server, the scheduler and every kubelet."""
        out = {("kube-state-metrics", "kube-state-metrics:8080"): lambda: self.text("kube-state-metrics"),
               ("apiserver", "kube-apiserver:6443"): lambda: self.text("kube-apiserver"),
               ("kube-scheduler", "kube-scheduler:10259"): lambda: self.text("kube-scheduler")}
        for node in sorted(self.cluster.kubelets.kubelets):
            if self.cluster.kubelets.kubelets[node].alive:   # a dead node's kubelet cannot be scraped
                out[("kubelet", f"{node}:10250")] = lambda n=node: self.text(f"kubelet/{n}")
        return out

    def prometheus(self, scrape_interval: float = 15.0, evaluation_interval: float = 60.0) -> Prometheus:
        """A new Prometheus server scraping every target from now on."""
        p = Prometheus(self.cluster.sim, self.targets, scrape_interval, evaluation_interval)
        self.prometheis.append(p)
        return p

    def logs(self, pod: str, container: str | None, previous: bool, tail: int | None, namespace: str,
             timestamps: bool = False) -> str:
        """``kubectl logs`` text (see :mod:`.logs`)."""
        if tail is not None and (isinstance(tail, bool) or not isinstance(tail, int) or tail < -1):
            raise LabError(f"tail: must be a whole number >= 0 (or -1 for all lines), got {tail!r}")
        lines = self.log_lines(pod, container, previous, namespace)
        if tail is not None and tail >= 0:
            lines = lines[len(lines) - tail:] if tail else []
        return "\n".join((f"{rfc3339(t)} " if timestamps else "") + text for t, _, text in lines)

    def log_lines(self, pod: str, container: str | None, previous: bool, namespace: str) -> list[tuple[float, str, str]]:
        """``[(simulated time, stream, text)]`` of one container run."""
        obj = self.cluster.store.get("Pod", namespace, pod)
        if obj is None:
            raise LabError(f'pod: pods "{pod}" not found in namespace "{namespace}"')
        hist = self.accounting.history
        runs = self.runs.for_container(obj, container) if container else None
        if container is None and obj["spec"].get("containers"):
            runs = self.runs.for_container(obj, obj["spec"]["containers"][0]["name"])
        return container_log(obj, container, bool(previous), self.cluster.sim.now, runs,
                             lambda c, i: hist.get((namespace, pod, c, i)))

    def top(self, what: str, namespace: str | None) -> Table:
        if what not in ("pods", "pod", "po", "nodes", "node", "no"):
            raise LabError(f"what: kubectl top takes 'pods' or 'nodes', got {what!r}")
        return self.metrics_server.top(what, namespace)
