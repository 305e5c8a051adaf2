"""The scale-limits experiment: both simulators at (a fraction of) their documented sizes.

Documented sizes, neither a hard limit:

* Kubernetes' tested envelope ("Considerations for large clusters",
  https://kubernetes.io/docs/setup/best-practices/cluster-large/): up to 5,000 nodes,
  150,000 Pods in total, 110 Pods per node, 300,000 containers. What limits a real cluster:
  etcd's size and write rate, and the API server's watch fan-out (every write goes to every
  watcher of that kind: each kubelet, the scheduler, controllers);
* the Mesos paper (Hindman et al., NSDI 2011, scalability experiment) emulated up to 50,000
  agents by running many agent daemons per EC2 machine. What limits a real master: the rate at which it can make and process
  offers (every allocation round considers every agent) and the framework's reply time.

:func:`kubernetes_envelope` and :func:`mesos_cell` build the cluster with ``scale`` times
those sizes (default 1 %), run it until everything runs, and return what was counted:
simulated seconds, API writes and watch deliveries, objects and bytes stored; offers per
round, calls. All figures are simulated counts (deterministic), never wall-clock times.
``progress=True`` shows a progress bar in Jupyter.

>>> r = kubernetes_envelope(scale=0.002)
>>> (r["nodes"], r["pods"], r["pods running"])
(10, 300, 300)
"""
from __future__ import annotations

import json

from labsupport.core import LabError

__all__ = ["kubernetes_envelope", "mesos_cell", "K8S_TESTED", "MESOS_PAPER_AGENTS", "ETCD_DEFAULT_QUOTA_BYTES"]

K8S_TESTED = {"nodes": 5000, "pods": 150_000, "pods_per_node": 110, "containers": 300_000}
MESOS_PAPER_AGENTS = 50_000
#: etcd ``--quota-backend-bytes`` default: 2 GiB (https://etcd.io/docs/v3.5/dev-guide/limit/).
ETCD_DEFAULT_QUOTA_BYTES = 2 * 1024**3


def _check_scale(scale) -> float:
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale <= 1:
        raise LabError(f"scale: must be a fraction of the documented size, > 0 and <= 1, got {scale!r}")
    return float(scale)


class _Progress:
    def __init__(self, total: int, label: str, show: bool) -> None:
        self.bar = None
        if show:
            try:
                import ipywidgets
                from IPython.display import display
                self.bar = ipywidgets.IntProgress(value=0, min=0, max=total, description=label)
                display(self.bar)
            except ImportError:  # pragma: no cover - ipywidgets ships with the course
                self.bar = None

    def step(self, value: int) -> None:
        if self.bar is not None:
            self.bar.value = value


def kubernetes_envelope(scale: float = 0.01, seed: int = 0, progress: bool = False) -> dict:
    """``scale`` x 5,000 nodes (4 CPU, 32Gi, 110 Pods each) and ``scale`` x 150,000 Pods from 100 Deployments."""
    from labsupport import k8s

    scale = _check_scale(scale)
    nodes = max(1, round(K8S_TESTED["nodes"] * scale))
    pods = max(1, round(K8S_TESTED["pods"] * scale))
    deployments = 100 if pods >= 100 else pods
    bar = _Progress(deployments, "k8s", progress)
    cluster = k8s.Cluster(seed=seed, cluster_cidr="10.0.0.0/8", gc_pause=True)   # up to 150,000 Pods: labsupport.k8s.bigrun
    for i in range(nodes):
        cluster.add_node(f"node-{i + 1}", cpu="4", memory="32Gi", pods=110)
    start_rv = cluster.store.log[-1].resource_version if cluster.store.log else 0
    per = [pods // deployments + (1 if i < pods % deployments else 0) for i in range(deployments)]
    for i, n in enumerate(per):
        cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"app-{i}"},
                       "spec": {"replicas": n, "selector": {"matchLabels": {"app": f"app-{i}"}},
                                "template": {"metadata": {"labels": {"app": f"app-{i}"}},
                                             "spec": {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                                                                      "resources": {"requests": {"cpu": "100m", "memory": "200Mi"}}}]}}}})
        bar.step(i + 1)
    waited = 0
    while waited < 600:
        cluster.run(5)
        waited += 5
        if sum(1 for p in cluster.store.list("Pod") if (p.get("status") or {}).get("phase") == "Running") == pods:
            break
    writes = [r for r in cluster.store.writes(start_rv)]
    watchers = {k: len(v) for k, v in cluster.store._watchers.items()}
    deliveries = sum(watchers.get(r.kind, 0) for r in writes)
    kinds = ("Pod", "Node", "ReplicaSet", "Deployment", "Lease", "EndpointSlice")
    stored = sum(len(json.dumps(o, separators=(",", ":"), default=str)) for k in kinds for o in cluster.store.list(k, None))
    running = sum(1 for p in cluster.store.list("Pod") if (p.get("status") or {}).get("phase") == "Running")
    return {"nodes": nodes, "pods": pods, "pods running": running, "simulated seconds": waited,
            "API writes": len(writes), "watch deliveries": deliveries,
            "objects stored": sum(cluster.store.count(k) for k in kinds), "bytes stored (JSON)": stored,
            "share of etcd's 2 GiB default quota": round(stored / ETCD_DEFAULT_QUOTA_BYTES, 6)}


def mesos_cell(scale: float = 0.01, seed: int = 0, progress: bool = False, tasks_per_agent: int = 3) -> dict:
    """``scale`` x 50,000 agents (4 CPUs, 8 GiB) and one framework launching ``tasks_per_agent`` tasks on each."""
    from labsupport import mesos

    scale = _check_scale(scale)
    agents = max(1, round(MESOS_PAPER_AGENTS * scale))
    target = agents * tasks_per_agent

    class Filler(mesos.Scheduler):
        def __init__(self) -> None:
            self.launched = 0

        def resource_offers(self, driver, offers):
            for o in offers:
                fit = min(tasks_per_agent, int(o.resources.get("cpus", 0) // 1), target - self.launched)
                tasks = []
                for _ in range(max(fit, 0)):
                    self.launched += 1
                    tasks.append(mesos.Task(f"t-{self.launched}", "cpus:1;mem:512"))
                if tasks:
                    driver.accept([o.id], tasks)
                else:
                    driver.decline([o.id], filters={"refuse_seconds": 3600})

    bar = _Progress(agents, "mesos", progress)
    cell = mesos.Cluster(seed=seed)
    for i in range(agents):
        cell.add_agent(f"agent-{i + 1}", "cpus:4;mem:8192")
        if (i + 1) % max(1, agents // 20) == 0:
            bar.step(i + 1)
    bar.step(agents)
    fw = Filler()
    cell.register(fw, name="filler")
    waited = 0
    while waited < 600:
        cell.run(1)
        waited += 1
        if sum(1 for t in cell.tasks() if t.state.value == "TASK_RUNNING") >= target:
            break
    offers = cell.offers_log().rows
    first = min((r["TIME"] for r in offers), default=0.0)
    first_round = sum(1 for r in offers if r["TIME"] == first)
    return {"agents": agents, "tasks": target, "tasks running": sum(1 for t in cell.tasks() if t.state.value == "TASK_RUNNING"),
            "simulated seconds": waited, "offers made": len(offers), "offers in the first round": first_round,
            "scheduler calls": len(cell.calls_log())}
