"""Garbage collector: delete dependents whose owner is gone (background cascading deletion).

A deleted Namespace stays ``Terminating`` until its last Pod has terminated. When a Deployment is deleted, its ReplicaSets (``ownerReferences`` -> the Deployment's
uid) are deleted next, and then their Pods, as ``pkg/controller/garbagecollector``
does with ``propagationPolicy: Background`` (kubectl's default). Pods go through
graceful termination like any other deleted Pod.
"""
from __future__ import annotations

from labsupport.core import Simulation
from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.objects import controller_of
from labsupport.k8s.store import DELETED, APIStore, WatchEvent

__all__ = ["GarbageCollector", "OWNED_KINDS", "controller_index"]

#: Kinds that may own objects here, and the kinds they may own.
OWNED_KINDS = {"Deployment": ("ReplicaSet",), "ReplicaSet": ("Pod",), "Service": ("EndpointSlice",),
               "Job": ("Pod",), "CronJob": ("Job",), "DaemonSet": ("Pod",)}


class GarbageCollector(Controller):
    """Deletes the dependents of deleted owners (found through an ownerReference uid index)."""

    name = "generic-garbage-collector"

    def __init__(self, store: APIStore, sim: Simulation) -> None:
        super().__init__(store, sim)
        for kinds in OWNED_KINDS.values():
            for kind in kinds:
                if not store.has_index(controller_index(kind)):
                    store.add_index(kind, controller_index(kind), _owner_uids)
        for owner in OWNED_KINDS:
            store.watch(owner, self._on_owner)
        store.watch("Pod", self._on_pod)

    def _on_pod(self, ev: WatchEvent) -> None:
        """A terminating Namespace goes away with its last Pod (the namespace controller's finalizer)."""
        if ev.type != DELETED:
            return
        ns = ev.object["metadata"]["namespace"]
        nso = self.store.get("Namespace", None, ns)
        if nso is not None and nso["metadata"].get("deletionTimestamp") is not None and not self.store.list("Pod", ns):
            self.store.delete("Namespace", None, ns, actor="namespace-controller")

    def _on_owner(self, ev: WatchEvent) -> None:
        if ev.type == DELETED:
            self.enqueue((ev.object["kind"], ev.object["metadata"]["uid"]))

    def sync(self, key) -> None:
        kind, uid = key
        for dep_kind in OWNED_KINDS[kind]:
            for obj in self.store.by_index(controller_index(dep_kind), uid):
                m = obj["metadata"]
                self.store.delete(dep_kind, m.get("namespace"), m["name"], actor=self.name)


def controller_index(kind: str) -> str:
    """Name of the store index "objects of ``kind`` by their controller's uid" (``pods-by-controller``)."""
    return f"{kind.lower()}s-by-controller"


def _owner_uids(obj: dict):
    ref = controller_of(obj)
    return ref["uid"] if ref is not None else None
