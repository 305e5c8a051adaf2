"""Small builders shared by the scheduler tests: a store + scheduler without the rest of the Cluster."""
from __future__ import annotations

from labsupport.core import Simulation
from labsupport.k8s.scheduler import Scheduler
from labsupport.k8s.store import APIStore

__all__ = ["make", "node", "pod", "bound"]


def make(seed: int = 0, config=None):
    sim = Simulation(seed)
    store = APIStore(sim)
    return sim, store, Scheduler(store, sim, config)


def node(store, name, cpu="4", memory="8Gi", pods="110", labels=None, taints=(), unschedulable=False):
    alloc = {"cpu": cpu, "memory": memory, "pods": pods}
    return store.create({"apiVersion": "v1", "kind": "Node",
                         "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
                         "spec": {"taints": list(taints), "unschedulable": unschedulable},
                         "status": {"allocatable": alloc, "capacity": alloc}}, actor="kubelet")


def pod(store, name, cpu="100m", memory="100Mi", labels=None, namespace="default", **spec):
    res = {}
    if cpu is not None or memory is not None:
        res = {"requests": {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}}
    return store.create({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {"app": "web"})},
                         "spec": {"containers": [{"name": "c", "image": "nginx", "resources": res}], **spec}},
                        actor="kubectl")


def bound(store):
    return {p["metadata"]["name"]: p["spec"].get("nodeName") for p in store.list("Pod")}
