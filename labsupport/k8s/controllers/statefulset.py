"""StatefulSet (apps/v1): stable names, stable storage, ordered start, reverse-ordered updates.

Reproduces ``pkg/controller/statefulset`` (``stateful_set_control.go``, ``stateful_set_utils.go``) as
documented in https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/ (read 2026-12):

* Pod ``<set>-<ordinal>`` (0..replicas-1) with labels ``statefulset.kubernetes.io/pod-name`` and
  ``apps.kubernetes.io/pod-index``, ``hostname`` = its name and ``subdomain`` = ``spec.serviceName``,
  so the headless Service gives it the DNS name ``web-0.web.default.svc.cluster.local``;
* per Pod and ``volumeClaimTemplates`` entry a claim ``<template>-<set>-<ordinal>`` (``data-web-0``),
  created before the Pod and reused by every later Pod of that ordinal;
* ``podManagementPolicy: OrderedReady`` (default) creates ordinal N only when 0..N-1 are Running and
  Ready, and removes Pods from the highest ordinal down, one at a time; ``Parallel`` does both at once;
* ``updateStrategy: RollingUpdate`` replaces outdated Pods from the highest ordinal down, one at a time,
  each only when all others are Ready; ordinals below ``rollingUpdate.partition`` keep the old
  template; ``OnDelete`` replaces a Pod only when someone deletes it;
* ``persistentVolumeClaimRetentionPolicy`` (``whenDeleted`` / ``whenScaled``: Retain by default):
  with Retain the claims outlive scale-down and deletion of the set; with Delete they are removed.

Simplified: revisions are the template hash (no ControllerRevision objects, no rollback history);
``minReadySeconds``, ``maxUnavailable`` and ``ordinals.start`` are not simulated.
"""
from __future__ import annotations

from labsupport.core import LabError
from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.objects import controller_of, copy_json, is_pod_ready, owner_reference, template_hash

__all__ = ["StatefulSetController", "statefulset_problems", "claim_name", "pod_dns_name"]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"


def claim_name(template: str, statefulset: str, ordinal: int) -> str:
    """>>> claim_name("data", "web", 0)
    'data-web-0'
    """
    return f"{template}-{statefulset}-{ordinal}"


def pod_dns_name(pod: str, service: str, namespace: str = "default") -> str:
    """>>> pod_dns_name("web-0", "web")
    'web-0.web.default.svc.cluster.local'
    """
    return f"{pod}.{service}.{namespace}.svc.cluster.local"


def _ordinal(name: str, set_name: str) -> int | None:
    head, _, tail = name.rpartition("-")
    return int(tail) if head == set_name and tail.isdigit() else None


def statefulset_problems(obj: dict) -> list[str]:
    """StatefulSet-only field checks (the Deployment-like ones are in :mod:`labsupport.k8s.validation`)."""
    spec = obj.get("spec") or {}
    out = []
    if spec.get("podManagementPolicy", "OrderedReady") not in ("OrderedReady", "Parallel"):
        out.append(f"spec.podManagementPolicy: Unsupported value: {spec['podManagementPolicy']!r}: supported values: 'OrderedReady', 'Parallel'")
    us = spec.get("updateStrategy") or {}
    if us.get("type", "RollingUpdate") not in ("RollingUpdate", "OnDelete"):
        out.append(f"spec.updateStrategy.type: Unsupported value: {us['type']!r}: supported values: 'OnDelete', 'RollingUpdate'")
    part = (us.get("rollingUpdate") or {}).get("partition", 0)
    if isinstance(part, int) and part < 0:
        out.append("spec.updateStrategy.rollingUpdate.partition: Invalid value: must be greater than or equal to 0")
    pol = spec.get("persistentVolumeClaimRetentionPolicy") or {}
    for k in ("whenDeleted", "whenScaled"):
        if pol.get(k, "Retain") not in ("Retain", "Delete"):
            out.append(f"spec.persistentVolumeClaimRetentionPolicy.{k}: Unsupported value: {pol[k]!r}: supported values: 'Delete', 'Retain'")
    from labsupport.k8s.storage.pv import pvc_problems
    for i, t in enumerate(spec.get("volumeClaimTemplates") or ()):
        if not (t.get("metadata") or {}).get("name"):
            out.append(f"spec.volumeClaimTemplates[{i}].metadata.name: Required value")
        out += [f"spec.volumeClaimTemplates[{i}].{p}" for p in pvc_problems(t)]
    return out


class StatefulSetController(Controller):
    """Creates, deletes and updates a StatefulSet's Pods and claims (see the module docstring)."""

    name = "statefulset-controller"

    def __init__(self, store, sim, admit_pod) -> None:
        super().__init__(store, sim)
        self.admit_pod = admit_pod
        store.watch("StatefulSet", self._on_set)
        store.watch("Pod", self._on_pod)

    def _on_set(self, ev) -> None:
        m = ev.object["metadata"]
        if ev.type == "DELETED":
            self._on_deleted(ev.object)
        else:
            self.enqueue((m["namespace"], m["name"]))

    def _on_pod(self, ev) -> None:
        ref = controller_of(ev.object)
        if ref is not None and ref["kind"] == "StatefulSet":
            self.enqueue((ev.object["metadata"]["namespace"], ref["name"]))

    def _on_deleted(self, sts: dict) -> None:
        ns, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
        for pod in self.store.list("Pod", ns):
            ref = controller_of(pod)
            if ref is not None and ref["kind"] == "StatefulSet" and ref["name"] == name:
                self.store.delete("Pod", ns, pod["metadata"]["name"], actor="garbage-collector")
        if (sts["spec"].get("persistentVolumeClaimRetentionPolicy") or {}).get("whenDeleted") == "Delete":
            for t in sts["spec"].get("volumeClaimTemplates") or ():
                prefix = f"{t['metadata']['name']}-{name}-"
                for pvc in self.store.list("PersistentVolumeClaim", ns):
                    if pvc["metadata"]["name"].startswith(prefix) and pvc["metadata"]["name"][len(prefix):].isdigit():
                        self.store.delete("PersistentVolumeClaim", ns, pvc["metadata"]["name"], actor="garbage-collector")

    # ------------------------------------------------------------ helpers
    def _pods(self, sts: dict) -> dict[int, dict]:
        ns, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
        out = {}
        for pod in self.store.list("Pod", ns):
            ref = controller_of(pod)
            if ref is not None and ref.get("uid") == sts["metadata"]["uid"]:
                i = _ordinal(pod["metadata"]["name"], name)
                if i is not None:
                    out[i] = pod
        return out

    @staticmethod
    def _revision(sts: dict) -> str:
        return f"{sts['metadata']['name']}-{template_hash(sts['spec']['template'])}"

    def _ensure_claims(self, sts: dict, i: int) -> None:
        ns, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
        labels = dict((sts["spec"].get("selector") or {}).get("matchLabels") or {})
        for t in sts["spec"].get("volumeClaimTemplates") or ():
            cname = claim_name(t["metadata"]["name"], name, i)
            if self.store.get("PersistentVolumeClaim", ns, cname) is not None:
                continue
            pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                   "metadata": {"name": cname, "namespace": ns, "labels": {**labels, **((t.get("metadata") or {}).get("labels") or {})}},
                   "spec": copy_json(t["spec"]), "status": {"phase": "Pending"}}
            self.store.create(pvc, actor=self.name)
            self.store.record_event(sts, "SuccessfulCreate", f"create Claim {cname} Pod {name}-{i} in StatefulSet {name} success", source=self.name)

    def _new_pod(self, sts: dict, i: int) -> dict:
        ns, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
        tmpl = sts["spec"]["template"]
        pname = f"{name}-{i}"
        spec = copy_json(tmpl["spec"])
        vols = [v for v in spec.get("volumes") or () if v.get("name") not in {t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or ()}]
        for t in sts["spec"].get("volumeClaimTemplates") or ():
            vols.append({"name": t["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim_name(t["metadata"]["name"], name, i)}})
        if vols:
            spec["volumes"] = vols
        spec["hostname"] = pname
        if sts["spec"].get("serviceName"):
            spec["subdomain"] = sts["spec"]["serviceName"]
        labels = {**((tmpl.get("metadata") or {}).get("labels") or {}), POD_NAME_LABEL: pname, POD_INDEX_LABEL: str(i),
                  REVISION_LABEL: self._revision(sts)}
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": pname, "namespace": ns, "labels": labels,
                                                                "ownerReferences": [owner_reference(sts)]},
                "spec": spec, "status": {"phase": "Pending"}}

    # --------------------------------------------------------------- sync
    def sync(self, key) -> None:
        sts = self.store.get("StatefulSet", *key)
        if sts is None or sts["metadata"].get("deletionTimestamp") is not None:
            return
        spec = sts["spec"]
        replicas = spec.get("replicas", 1)
        parallel = spec.get("podManagementPolicy", "OrderedReady") == "Parallel"
        pods = self._pods(sts)
        update_rev = self._revision(sts)
        # replace Pods that finished (Failed/Succeeded): the same name comes back
        for _i, pod in sorted(pods.items()):
            if (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded") and pod["metadata"].get("deletionTimestamp") is None:
                self.store.delete("Pod", key[0], pod["metadata"]["name"], actor=self.name)
        pods = self._pods(sts)
        # create missing ordinals (OrderedReady: only when all lower ones are Running and Ready)
        for i in range(replicas):
            if i in pods:
                if not parallel and not (is_pod_ready(pods[i]) and pods[i]["metadata"].get("deletionTimestamp") is None):
                    break
                continue
            self._ensure_claims(sts, i)
            pod = self._new_pod(sts, i)
            try:
                self.admit_pod(pod)
            except LabError as e:
                self.store.record_event(sts, "FailedCreate", f"create Pod {pod['metadata']['name']} in StatefulSet {key[1]} failed error: {e}",
                                        type="Warning", source=self.name)
                break
            self.store.create(pod, actor=self.name)
            self.store.record_event(sts, "SuccessfulCreate", f"create Pod {pod['metadata']['name']} in StatefulSet {key[1]} successful", source=self.name)
            pods[i] = pod
            if not parallel:
                break
        # scale down from the highest ordinal
        condemned = sorted((i for i in pods if i >= replicas), reverse=True)
        all_ready = all(is_pod_ready(p) and p["metadata"].get("deletionTimestamp") is None for i, p in pods.items() if i < replicas)
        for i in condemned:
            pod = pods[i]
            if pod["metadata"].get("deletionTimestamp") is not None:
                if not parallel:
                    break
                continue
            if not parallel and not all_ready:
                break
            self.store.delete("Pod", key[0], pod["metadata"]["name"], actor=self.name)
            self.store.record_event(sts, "SuccessfulDelete", f"delete Pod {pod['metadata']['name']} in StatefulSet {key[1]} successful", source=self.name)
            if not parallel:
                break
        if (spec.get("persistentVolumeClaimRetentionPolicy") or {}).get("whenScaled") == "Delete":
            for t in spec.get("volumeClaimTemplates") or ():
                prefix = f"{t['metadata']['name']}-{key[1]}-"
                for pvc in self.store.list("PersistentVolumeClaim", key[0]):
                    tail = pvc["metadata"]["name"][len(prefix):] if pvc["metadata"]["name"].startswith(prefix) else ""
                    if tail.isdigit() and int(tail) >= replicas and int(tail) not in pods:
                        self.store.delete("PersistentVolumeClaim", key[0], pvc["metadata"]["name"], actor=self.name)
        # rolling update: highest ordinal first, one at a time, never below the partition
        us = spec.get("updateStrategy") or {}
        if us.get("type", "RollingUpdate") == "RollingUpdate" and not condemned:
            partition = (us.get("rollingUpdate") or {}).get("partition", 0)
            live = {i: p for i, p in pods.items() if i < replicas}
            if len(live) == replicas and all(is_pod_ready(p) and p["metadata"].get("deletionTimestamp") is None for p in live.values()):
                for i in sorted(live, reverse=True):
                    if i < partition:
                        break
                    if live[i]["metadata"]["labels"].get(REVISION_LABEL) != update_rev:
                        self.store.delete("Pod", key[0], live[i]["metadata"]["name"], actor=self.name)
                        self.store.record_event(sts, "SuccessfulDelete", f"delete Pod {live[i]['metadata']['name']} in StatefulSet {key[1]} successful",
                                                source=self.name)
                        break
        self._status(sts, update_rev)

    def _status(self, sts: dict, update_rev: str) -> None:
        pods = [p for i, p in self._pods(sts).items()]
        replicas = sts["spec"].get("replicas", 1)
        ready = sum(1 for p in pods if is_pod_ready(p))
        updated = sum(1 for p in pods if p["metadata"]["labels"].get(REVISION_LABEL) == update_rev)
        st = {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": len(pods), "readyReplicas": ready,
              "availableReplicas": ready, "currentReplicas": len(pods) - updated if updated < replicas else updated,
              "updatedReplicas": updated, "updateRevision": update_rev,
              "currentRevision": update_rev if updated >= replicas else (sts.get("status") or {}).get("currentRevision", update_rev)}
        if sts.get("status") != st:
            sts["status"] = st
            self.store.update(sts, actor=self.name, verb="update status")
