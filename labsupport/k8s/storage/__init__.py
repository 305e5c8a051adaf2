"""Storage in the simulated Kubernetes: PersistentVolumes, claims, StorageClasses, CSI drivers, attachments.

* :mod:`.pv` -- field checks and the claim <-> volume matching rules;
* :mod:`.binding` -- the PersistentVolume controller (bind, release, reclaim);
* :mod:`.provisioner` -- simulated CSI drivers that provision volumes in zones;
* :mod:`.attach` -- the attach/detach controller, Multi-Attach and a dead node's volumes;
* :class:`StorageMixin` -- the learner-facing ``Cluster`` methods (:meth:`~StorageMixin.volumes`, ...).

StatefulSets live in :mod:`labsupport.k8s.controllers.statefulset`, the scheduler's volume plugins in
:mod:`labsupport.k8s.scheduler.plugins.volumebinding`.

>>> from labsupport import k8s
>>> c = k8s.Cluster(seed=0, storage={"csi.example.com": {"zones": ["a", "b"], "provision_seconds": 5}})
>>> c.add_node("node-1", labels={"topology.kubernetes.io/zone": "a"})
>>> _ = c.apply('''
... apiVersion: storage.k8s.io/v1
... kind: StorageClass
... metadata: {name: fast}
... provisioner: csi.example.com
... volumeBindingMode: WaitForFirstConsumer
... ---
... apiVersion: v1
... kind: PersistentVolumeClaim
... metadata: {name: data}
... spec: {accessModes: [ReadWriteOnce], storageClassName: fast, resources: {requests: {storage: 1Gi}}}
... ---
... apiVersion: v1
... kind: Pod
... metadata: {name: db}
... spec:
...   containers: [{name: db, image: "postgres:17"}]
...   volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
... ''')
>>> c.run(30)
>>> print(c.volumes())
PV                                         CLAIM          NODE     ZONE   PHASE
pvc-00000000-0000-4000-8000-000000000011   default/data   node-1   a      Bound
"""
from __future__ import annotations

from typing import Any

from labsupport.core import LabError, Table
from labsupport.k8s.storage.attach import OUT_OF_SERVICE_TAINT, AttachDetachController
from labsupport.k8s.storage.binding import SELECTED_NODE, PersistentVolumeController
from labsupport.k8s.storage.provisioner import CSIDriver, parse_storage_config
from labsupport.k8s.storage.pv import claim_class, volume_claims, volume_zone

__all__ = ["StorageSystem", "StorageMixin", "CSIDriver"]


class StorageSystem:
    """The storage controllers of one cluster and what the scheduler's volume plugins read (``.store``, ``.drivers``)."""

    #: the kinds whose first appearance starts the storage controllers
    KINDS = ("PersistentVolume", "PersistentVolumeClaim", "StorageClass", "StatefulSet")

    def __init__(self, store, sim, storage_config: Any, scheduler, admit_pod) -> None:
        self.store, self.sim = store, sim
        self.drivers: dict[str, CSIDriver] = parse_storage_config(storage_config)
        for d in self.drivers.values():
            d.attach_to(store, sim)
        self.scheduler = scheduler
        self._admit_pod = admit_pod
        self.pv_controller = self.attach_detach = self.statefulset = None
        scheduler.cache.storage = self
        for kind in self.KINDS:
            store.watch(kind, self._first_use, owner="storage controllers (start on first use)")

    def _first_use(self, ev) -> None:
        if not self.started:
            self.start()

    @property
    def started(self) -> bool:
        return self.pv_controller is not None

    def start(self) -> None:
        """Start the controllers (once): called when the first storage object is applied, so clusters that
        never use storage run exactly as before (no extra watchers, no extra writes)."""
        if self.started:
            return
        from labsupport.k8s.controllers.statefulset import StatefulSetController

        store, sim = self.store, self.sim
        self.pv_controller = PersistentVolumeController(store, sim, self.drivers)
        self.attach_detach = AttachDetachController(store, sim)
        self.statefulset = StatefulSetController(store, sim, self._admit_pod)
        store.watch("Pod", self._on_pod_bound, owner="volume-binding (PreBind)")
        store.watch("PersistentVolumeClaim", self._requeue, owner="kube-scheduler")
        store.watch("PersistentVolume", self._requeue, owner="kube-scheduler")
        for pvc in store.list("PersistentVolumeClaim", None):
            self.pv_controller.enqueue(("claim", pvc["metadata"]["namespace"], pvc["metadata"]["name"]))
        for pv in store.list("PersistentVolume"):
            self.pv_controller.enqueue(("volume", "", pv["metadata"]["name"]))
        for sts in store.list("StatefulSet", None):
            self.statefulset.enqueue((sts["metadata"]["namespace"], sts["metadata"]["name"]))
        self.attach_detach.enqueue("reconcile")

    def _on_pod_bound(self, ev) -> None:
        """VolumeBinding PreBind: the scheduler's node choice goes onto the Pod's WaitForFirstConsumer claims."""
        pod = ev.object
        node = pod["spec"].get("nodeName")
        if ev.verb != "bind" or not node:
            return
        for c in volume_claims(pod):
            pvc = self.store.get("PersistentVolumeClaim", pod["metadata"]["namespace"], c)
            if pvc is None or (pvc.get("status") or {}).get("phase") == "Bound":
                continue
            cls = self.store.get("StorageClass", None, claim_class(pvc)) if claim_class(pvc) else None
            if cls is not None and cls.get("volumeBindingMode") == "WaitForFirstConsumer" and SELECTED_NODE not in (pvc["metadata"].get("annotations") or {}):
                pvc["metadata"].setdefault("annotations", {})[SELECTED_NODE] = node
                self.store.update(pvc, actor="default-scheduler")

    def _requeue(self, ev) -> None:
        q = self.scheduler.queue
        if len(q):
            q.move_all_to_active_or_backoff()
            self.scheduler._kick()

    def volumes_ready(self, pod: dict, node: str) -> bool:
        """The kubelet's wait: False while a claim of the Pod is unbound or its volume not attached to ``node``."""
        if not volume_claims(pod):
            return True
        return self.started and self.attach_detach.volumes_ready(pod, node)


class StorageMixin:
    """The storage methods of :class:`labsupport.k8s.Cluster`."""

    def _init_storage(self, storage: Any) -> None:
        self.storage = StorageSystem(self.store, self.sim, storage, self.scheduler, self.admission.admit_pod)

    def volumes(self) -> Table:
        """One row per PersistentVolume: PV, CLAIM, NODE (attached to), ZONE, PHASE; then claims still waiting."""
        attached: dict[str, list[str]] = {}
        for va in self.store.list("VolumeAttachment"):
            if (va.get("status") or {}).get("attached"):
                attached.setdefault(va["spec"]["source"]["persistentVolumeName"], []).append(va["spec"]["nodeName"])
        rows = []
        for pv in self.store.list("PersistentVolume"):
            ref = pv["spec"].get("claimRef") or {}
            rows.append({"PV": pv["metadata"]["name"], "CLAIM": f"{ref.get('namespace', 'default')}/{ref['name']}" if ref else "-",
                         "NODE": ",".join(sorted(attached.get(pv["metadata"]["name"], ()))) or "-", "ZONE": volume_zone(pv) or "-",
                         "PHASE": (pv.get("status") or {}).get("phase", "Pending")})
        for pvc in self.store.list("PersistentVolumeClaim", None):
            if not pvc["spec"].get("volumeName"):
                rows.append({"PV": "-", "CLAIM": f"{pvc['metadata']['namespace']}/{pvc['metadata']['name']}", "NODE": "-", "ZONE": "-",
                             "PHASE": (pvc.get("status") or {}).get("phase", "Pending")})
        return Table(["PV", "CLAIM", "NODE", "ZONE", "PHASE"], rows)

    def statefulset_dns_names(self, name: str, namespace: str = "default") -> list[str]:
        """The stable DNS names of a StatefulSet's Pods (``web-0.web.default.svc.cluster.local``), by ordinal."""
        from labsupport.k8s.controllers.statefulset import pod_dns_name

        sts = self._get("StatefulSet", name, namespace)
        svc = sts["spec"].get("serviceName")
        if not svc:
            raise LabError(f"spec.serviceName: StatefulSet {name!r} names no headless Service, so its Pods have no DNS names")
        return [pod_dns_name(f"{name}-{i}", svc, namespace) for i in range(sts["spec"].get("replicas", 1))]

    def taint_out_of_service(self, node: str, value: str = "nodeshutdown") -> None:
        """Mark a shut-down node ``node.kubernetes.io/out-of-service=<value>:NoExecute`` (non-graceful node shutdown)."""
        n = self._get("Node", node, None)
        taints = n["spec"].setdefault("taints", [])
        if not any(t.get("key") == OUT_OF_SERVICE_TAINT for t in taints):
            with self.api_lock:
                taints.append({"key": OUT_OF_SERVICE_TAINT, "value": value, "effect": "NoExecute", "timeAdded": self.sim.now})
                self.store.update(n, actor="kubectl", verb="patch")

    def force_delete_pod(self, name: str, namespace: str = "default") -> None:
        """``kubectl delete pod --force --grace-period=0``: remove the Pod object without waiting for its kubelet."""
        self._get("Pod", name, namespace)
        with self.api_lock:
            self.store.delete("Pod", namespace, name, actor="kubectl", grace_period_seconds=0)

