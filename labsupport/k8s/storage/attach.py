"""The attach/detach controller: VolumeAttachments, Multi-Attach, and a dead node's volumes.

Reproduces ``pkg/controller/volume/attachdetach`` (desired vs actual state of the world and its
reconciler) for CSI volumes, and the non-graceful node shutdown procedure
(https://kubernetes.io/docs/concepts/cluster-administration/node-shutdown/#non-graceful-node-shutdown,
https://kubernetes.io/docs/concepts/storage/persistent-volumes/, read 2026-12):

* desired state: every (volume, node) of a Pod bound to a node that is not finished (a Pod that is
  ``Terminating`` on a dead node still counts: nobody confirmed the unmount);
* attach: a ``VolumeAttachment`` (storage.k8s.io/v1, name ``csi-<sha256>``) is created; the CSI
  attacher sets ``status.attached`` after :data:`ATTACH_SECONDS`; the kubelet starts the Pod's
  containers only once all its volumes are attached (:meth:`AttachDetachController.volumes_ready`);
* a ReadWriteOnce / ReadWriteOncePod volume attached to one node is never attached to a second:
  the Pod gets ``FailedAttachVolume`` "Multi-Attach error for volume ... Volume is already exclusively
  attached to one node and can't be attached to another";
* detach: when the volume is no longer desired on a node; on a healthy (Ready) node at once (the
  kubelet unmounted it); on an unhealthy node only after ``maxWaitForUnmountDuration``
  (:data:`MAX_WAIT_FOR_UNMOUNT`, 6 minutes, ``attach_detach_controller.go``'s timer config);
* the out-of-service taint ``node.kubernetes.io/out-of-service`` (effect NoExecute, set by an
  operator on a node known to be shut down): Pods on that node without a matching toleration are
  force-deleted (pod GC / taint eviction) and their volumes are detached at once, without the 6-minute wait.

Simplified: mount/unmount on the node is not a separate step (attached = usable); the reconciler
runs when something changes and at the 6-minute deadline instead of every 100 ms.

>>> MAX_WAIT_FOR_UNMOUNT, OUT_OF_SERVICE_TAINT
(360.0, 'node.kubernetes.io/out-of-service')
"""
from __future__ import annotations

import hashlib

from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.storage.pv import volume_claims

__all__ = ["AttachDetachController", "ATTACH_SECONDS", "MAX_WAIT_FOR_UNMOUNT", "OUT_OF_SERVICE_TAINT", "attachment_name"]

ATTACH_SECONDS = 2.0
MAX_WAIT_FOR_UNMOUNT = 360.0
OUT_OF_SERVICE_TAINT = "node.kubernetes.io/out-of-service"
_EXCLUSIVE = ("ReadWriteOnce", "ReadWriteOncePod")


def attachment_name(attacher: str, pv: str, node: str) -> str:
    """``csi-`` + sha256(volume handle + attacher + node), as the CSI plugin names VolumeAttachments."""
    return "csi-" + hashlib.sha256(f"{pv}{attacher}{node}".encode()).hexdigest()


def _node_ready(node: dict | None) -> bool:
    for c in ((node or {}).get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def _out_of_service(node: dict | None) -> bool:
    return any(t.get("key") == OUT_OF_SERVICE_TAINT and t.get("effect") == "NoExecute"
               for t in ((node or {}).get("spec") or {}).get("taints") or ())


class AttachDetachController(Controller):
    """Keeps VolumeAttachments equal to what the Pods on nodes need (see the module docstring)."""

    name = "attachdetach-controller"

    def __init__(self, store, sim) -> None:
        super().__init__(store, sim)
        self._detach_requested: dict[str, float] = {}  # VolumeAttachment name -> when it stopped being desired
        store.watch("Pod", self._on_pod)
        store.watch("Node", self._on_node)
        store.watch("PersistentVolumeClaim", self._on_other)
        store.watch("VolumeAttachment", self._on_other)

    def _on_pod(self, ev) -> None:
        if volume_claims(ev.object) and (ev.object.get("spec") or {}).get("nodeName"):
            self.enqueue("reconcile")

    def _on_node(self, ev) -> None:
        if _out_of_service(ev.object) or self.store.count("VolumeAttachment"):
            self.enqueue("reconcile")

    def _on_other(self, ev) -> None:
        self.enqueue("reconcile")

    # ------------------------------------------------------------ state
    def _pv_of(self, namespace: str, claim: str) -> dict | None:
        pvc = self.store.get("PersistentVolumeClaim", namespace, claim)
        if pvc is None or (pvc.get("status") or {}).get("phase") != "Bound":
            return None
        return self.store.get("PersistentVolume", None, pvc["spec"]["volumeName"])

    def desired(self) -> dict[tuple[str, str], list[dict]]:
        """(PV name, node) -> the Pods that need it there."""
        out: dict[tuple[str, str], list[dict]] = {}
        for pod in self.store.list("Pod", None):
            node = pod["spec"].get("nodeName")
            if not node or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            for claim in volume_claims(pod):
                pv = self._pv_of(pod["metadata"]["namespace"], claim)
                if pv is not None:
                    out.setdefault((pv["metadata"]["name"], node), []).append(pod)
        return out

    def volumes_ready(self, pod: dict, node: str) -> bool:
        """Are all of ``pod``'s claims bound and their volumes attached to ``node``? (the kubelet's wait)"""
        for claim in volume_claims(pod):
            pv = self._pv_of(pod["metadata"]["namespace"], claim)
            if pv is None:
                return False
            va = self.store.get("VolumeAttachment", None, attachment_name(self._attacher(pv), pv["metadata"]["name"], node))
            if va is None or not (va.get("status") or {}).get("attached"):
                return False
        return True

    @staticmethod
    def _attacher(pv: dict) -> str:
        return (pv["spec"].get("csi") or {}).get("driver") or "kubernetes.io/manual"

    # -------------------------------------------------------- reconcile
    def sync(self, key) -> None:
        self._non_graceful_shutdown()
        want = self.desired()
        attachments = self.store.list("VolumeAttachment")
        by_key = {(va["spec"]["source"]["persistentVolumeName"], va["spec"]["nodeName"]): va for va in attachments}
        # detach first (reconciler.go: detaches before attaches)
        for (pv_name, node), va in sorted(by_key.items()):
            if (pv_name, node) in want:
                self._detach_requested.pop(va["metadata"]["name"], None)
                continue
            n = self.store.get("Node", None, node)
            name = va["metadata"]["name"]
            since = self._detach_requested.setdefault(name, self.sim.now)
            if n is None or _node_ready(n) or _out_of_service(n):
                self._detach(va, "")
            elif self.sim.now - since >= MAX_WAIT_FOR_UNMOUNT:
                self._detach(va, f"maxWaitForUnmountDuration {int(MAX_WAIT_FOR_UNMOUNT // 60)}m0s expired, force detaching")
            else:
                self.sim.schedule(since + MAX_WAIT_FOR_UNMOUNT - self.sim.now, lambda: self.enqueue("reconcile"), label=self.name)
        attached_to: dict[str, list[str]] = {}
        for (pv_name, node) in by_key:
            if self.store.get("VolumeAttachment", None, by_key[(pv_name, node)]["metadata"]["name"]) is not None:
                attached_to.setdefault(pv_name, []).append(node)
        for (pv_name, node), pods in sorted(want.items()):
            if (pv_name, node) in by_key:
                continue
            pv = self.store.get("PersistentVolume", None, pv_name)
            others = [x for x in attached_to.get(pv_name, ()) if x != node]
            if others and any(m in _EXCLUSIVE for m in pv["spec"].get("accessModes") or ()):
                for pod in pods:
                    self.store.record_event(pod, "FailedAttachVolume",
                                            f'Multi-Attach error for volume "{pv_name}" Volume is already exclusively attached to one node '
                                            "and can't be attached to another", type="Warning", source=self.name)
                continue
            self._attach(pv, node, pods)
            attached_to.setdefault(pv_name, []).append(node)

    def _attach(self, pv: dict, node: str, pods: list[dict]) -> None:
        attacher = self._attacher(pv)
        name = attachment_name(attacher, pv["metadata"]["name"], node)
        va = {"apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment", "metadata": {"name": name},
              "spec": {"attacher": attacher, "nodeName": node, "source": {"persistentVolumeName": pv["metadata"]["name"]}},
              "status": {"attached": False}}
        self.store.create(va, actor=self.name)
        pod_keys = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods]
        self.sim.schedule(ATTACH_SECONDS, lambda: self._attached(name, pod_keys), label="csi-attacher")

    def _attached(self, name: str, pod_keys) -> None:
        va = self.store.get("VolumeAttachment", None, name)
        if va is None or va["status"].get("attached"):
            return
        va["status"]["attached"] = True
        self.store.update(va, actor="csi-attacher", verb="update status")
        for key in pod_keys:
            pod = self.store.get("Pod", *key)
            if pod is not None:
                self.store.record_event(pod, "SuccessfulAttachVolume",
                                        f'AttachVolume.Attach succeeded for volume "{va["spec"]["source"]["persistentVolumeName"]}"', source=self.name)

    def _detach(self, va: dict, why: str) -> None:
        self._detach_requested.pop(va["metadata"]["name"], None)
        self.store.delete("VolumeAttachment", None, va["metadata"]["name"], actor=self.name)
        if why:
            self.store.record_event(va, "ForceDetach", f'volume "{va["spec"]["source"]["persistentVolumeName"]}" on node '
                                    f'"{va["spec"]["nodeName"]}": This volume is not safe to detach, but {why}', type="Warning", source=self.name)

    def _non_graceful_shutdown(self) -> None:
        """Pods on a NotReady node with the out-of-service taint are force-deleted (pod GC's gcTerminating)."""
        for node in self.store.list("Node"):
            if not _out_of_service(node) or _node_ready(node):
                continue
            name = node["metadata"]["name"]
            for pod in self.store.list("Pod", None):
                if pod["spec"].get("nodeName") != name:
                    continue
                if any(t.get("key") == OUT_OF_SERVICE_TAINT and t.get("operator") == "Exists" for t in pod["spec"].get("tolerations") or ()):
                    continue
                self.store.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"], actor="pod-garbage-collector", grace_period_seconds=0)
