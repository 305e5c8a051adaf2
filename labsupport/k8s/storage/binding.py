"""The PersistentVolume controller: binds claims to volumes, provisions, releases and reclaims.

Reproduces ``pkg/controller/volume/persistentvolume/pv_controller.go`` (syncClaim / syncVolume)
as documented in https://kubernetes.io/docs/concepts/storage/persistent-volumes/ (read 2026-12):

* an unbound claim (phase ``Pending``) binds to the volume :func:`~.pv.find_matching_volume` picks;
  both become ``Bound`` (``pv.spec.claimRef``, ``pvc.spec.volumeName``); events ``FailedBinding``
  ("no persistent volumes available for this claim and no storage class is set");
* a claim whose StorageClass has ``volumeBindingMode: WaitForFirstConsumer`` waits (event
  ``WaitForFirstConsumer``: "waiting for first consumer to be created before binding") until the
  scheduler picked a node (annotation ``volume.kubernetes.io/selected-node``);
* with no matching volume and a class with a provisioner, the claim is handed to that provisioner
  (event ``ExternalProvisioning``), see :mod:`.provisioner`;
* when its claim is deleted a volume becomes ``Released``: ``reclaimPolicy: Delete`` deletes it,
  ``Retain`` keeps it Released (data kept; an administrator must clear ``claimRef`` to reuse it);
  a volume without a claimRef is ``Available``.

Simplified: the controller reacts to every change at once (upstream also resyncs every 15 s);
binding is not retried with back-off; Recycle is accepted but treated like Retain.

>>> from labsupport import k8s
>>> c = k8s.Cluster(seed=0)
>>> _ = c.apply('''
... apiVersion: v1
... kind: PersistentVolume
... metadata: {name: pv-10g}
... spec: {capacity: {storage: 10Gi}, accessModes: [ReadWriteOnce], storageClassName: manual}
... ---
... apiVersion: v1
... kind: PersistentVolumeClaim
... metadata: {name: data}
... spec: {accessModes: [ReadWriteOnce], storageClassName: manual, resources: {requests: {storage: 5Gi}}}
... ''')
>>> c.run(1); c.object("pvc", "data")["status"]["phase"], c.object("pvc", "data")["spec"]["volumeName"]
('Bound', 'pv-10g')
"""
from __future__ import annotations

from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.storage.pv import claim_class, find_matching_volume

__all__ = ["PersistentVolumeController", "SELECTED_NODE", "PROVISIONER_ANNOTATION", "BOUND_BY_CONTROLLER"]

SELECTED_NODE = "volume.kubernetes.io/selected-node"
PROVISIONER_ANNOTATION = "volume.kubernetes.io/storage-provisioner"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"


class PersistentVolumeController(Controller):
    """Binds PVCs to PVs, hands claims to provisioners, releases and reclaims volumes."""

    name = "persistentvolume-binder-controller"

    def __init__(self, store, sim, provisioners=None) -> None:
        super().__init__(store, sim)
        self.provisioners = provisioners if provisioners is not None else {}
        store.watch("PersistentVolumeClaim", self._on_claim)
        store.watch("PersistentVolume", self._on_volume)
        store.watch("StorageClass", self._on_class)

    def _on_claim(self, ev) -> None:
        m = ev.object["metadata"]
        self.enqueue(("claim", m["namespace"], m["name"]))
        if ev.type == "DELETED" and ev.object["spec"].get("volumeName"):
            self.enqueue(("volume", "", ev.object["spec"]["volumeName"]))

    def _on_volume(self, ev) -> None:
        if ev.type != "DELETED":
            self.enqueue(("volume", "", ev.object["metadata"]["name"]))
        for pvc in self.store.list("PersistentVolumeClaim", None):
            if (pvc.get("status") or {}).get("phase", "Pending") == "Pending":
                self.enqueue(("claim", pvc["metadata"]["namespace"], pvc["metadata"]["name"]))

    def _on_class(self, ev) -> None:
        for pvc in self.store.list("PersistentVolumeClaim", None):
            if (pvc.get("status") or {}).get("phase", "Pending") == "Pending":
                self.enqueue(("claim", pvc["metadata"]["namespace"], pvc["metadata"]["name"]))

    def sync(self, key) -> None:
        what, ns, name = key
        if what == "claim":
            pvc = self.store.get("PersistentVolumeClaim", ns, name)
            if pvc is not None:
                self._sync_claim(pvc)
        else:
            pv = self.store.get("PersistentVolume", None, name)
            if pv is not None:
                self._sync_volume(pv)

    # ------------------------------------------------------------------ claims
    def _sync_claim(self, pvc: dict) -> None:
        st = pvc.setdefault("status", {})
        if st.get("phase") == "Bound":
            pv = self.store.get("PersistentVolume", None, pvc["spec"].get("volumeName") or "")
            if pv is None and st.get("phase") != "Lost":
                st["phase"] = "Lost"
                self.store.update(pvc, actor=self.name, verb="update status")
                self.store.record_event(pvc, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
                                        type="Warning", source=self.name)
            return
        if st.get("phase") is None:
            st["phase"] = "Pending"
            self.store.update(pvc, actor=self.name, verb="update status")
        cls = self.store.get("StorageClass", None, claim_class(pvc)) if claim_class(pvc) else None
        ann = pvc["metadata"].get("annotations") or {}
        wait = cls is not None and cls.get("volumeBindingMode") == "WaitForFirstConsumer"
        node_labels = None
        if wait:
            node = self.store.get("Node", None, ann.get(SELECTED_NODE, "")) if ann.get(SELECTED_NODE) else None
            if node is None:
                self.store.record_event(pvc, "WaitForFirstConsumer", "waiting for first consumer to be created before binding", source=self.name)
                return
            node_labels = node["metadata"].get("labels") or {}
        pv = find_matching_volume(pvc, self.store.list("PersistentVolume"), node_labels)
        if pv is not None:
            self._bind(pvc, pv)
            return
        if cls is not None:
            prov = cls.get("provisioner")
            if PROVISIONER_ANNOTATION not in ann:
                pvc["metadata"].setdefault("annotations", {})[PROVISIONER_ANNOTATION] = prov
                self.store.update(pvc, actor=self.name)
                self.store.record_event(pvc, "ExternalProvisioning",
                                        f"Waiting for a volume to be created either by the external provisioner '{prov}' or manually by the system administrator.",
                                        source=self.name)
                driver = self.provisioners.get(prov)
                if driver is not None:
                    driver.request(pvc, cls, ann.get(SELECTED_NODE))
            return
        msg = ("no persistent volumes available for this claim and no storage class is set" if not claim_class(pvc)
               else f'storageclass.storage.k8s.io "{claim_class(pvc)}" not found')
        self.store.record_event(pvc, "FailedBinding", msg, type="Warning", source=self.name)

    def _bind(self, pvc: dict, pv: dict) -> None:
        m = pvc["metadata"]
        pv["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": m["namespace"], "name": m["name"], "uid": m["uid"],
                                  "apiVersion": "v1"}
        pv["metadata"].setdefault("annotations", {})[BOUND_BY_CONTROLLER] = "yes"
        pv["status"] = {"phase": "Bound", "lastPhaseTransitionTime": self.sim.now}
        self.store.update(pv, actor=self.name)
        pvc["spec"]["volumeName"] = pv["metadata"]["name"]
        pvc["status"] = {"phase": "Bound", "accessModes": list(pv["spec"]["accessModes"]),
                         "capacity": {"storage": pv["spec"]["capacity"]["storage"]}}
        self.store.update(pvc, actor=self.name)

    # ----------------------------------------------------------------- volumes
    def _sync_volume(self, pv: dict) -> None:
        st = pv.setdefault("status", {})
        ref = pv["spec"].get("claimRef")
        if not ref:
            if st.get("phase") != "Available":
                pv["status"] = {"phase": "Available", "lastPhaseTransitionTime": self.sim.now}
                self.store.update(pv, actor=self.name, verb="update status")
            return
        pvc = self.store.get("PersistentVolumeClaim", ref.get("namespace", "default"), ref["name"])
        if pvc is not None and (not ref.get("uid") or pvc["metadata"]["uid"] == ref["uid"]):
            return  # bound, or pre-bound and waiting for its claim's sync
        if not ref.get("uid"):
            return  # pre-bound by an administrator to a claim that does not exist yet: stays Available
        if st.get("phase") != "Released":
            pv["status"] = {"phase": "Released", "lastPhaseTransitionTime": self.sim.now}
            self.store.update(pv, actor=self.name, verb="update status")
        if pv["spec"].get("persistentVolumeReclaimPolicy", "Retain") == "Delete":
            driver = self.provisioners.get((pv["spec"].get("csi") or {}).get("driver", ""))
            self.store.delete("PersistentVolume", None, pv["metadata"]["name"], actor=self.name)
            if driver is not None:
                driver.release(pv)
