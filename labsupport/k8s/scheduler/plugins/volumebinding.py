"""VolumeBinding, VolumeZone and VolumeRestrictions: the scheduler's say on where storage can follow a Pod.

From ``pkg/scheduler/framework/plugins/volumebinding`` (``binder.go``), ``volumezone`` and
``volumerestrictions``, with their real reasons:

* VolumeBinding: a bound claim's volume must allow the node (``nodeAffinity``): else
  "node(s) had volume node affinity conflict"; an unbound claim of an ``Immediate`` class stops the
  Pod everywhere: "pod has unbound immediate PersistentVolumeClaims"; an unbound
  ``WaitForFirstConsumer`` claim needs, on that node, a matching available volume or a provisioner
  whose topology (``allowedTopologies``, the driver's zones and free capacity) includes the node:
  else "node(s) didn't find available persistent volumes to bind" / "node(s) did not have enough free storage";
  a claim that does not exist: ``persistentvolumeclaim "data" not found``;
* VolumeZone: a bound volume labelled ``topology.kubernetes.io/zone`` only fits nodes of that zone:
  "node(s) had no available volume zone";
* VolumeRestrictions: a ``ReadWriteOncePod`` claim already used by another Pod:
  "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode".

The plugins read claims and volumes through ``cache.storage`` (set by the Cluster); a Pod without
PersistentVolumeClaim volumes is skipped (PreFilter Skip), so nothing changes for other Pods.
Simplified: NodeVolumeLimits (CSI attach limits per node) is not simulated.
"""
from __future__ import annotations

import numpy as np

from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.status import Code, Status

__all__ = ["VolumeBinding", "VolumeZone", "VolumeRestrictions"]

NODE_CONFLICT = "node(s) had volume node affinity conflict"
BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
NOT_ENOUGH_SPACE = "node(s) did not have enough free storage"
UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
ZONE_CONFLICT = "node(s) had no available volume zone"
RWOP_CONFLICT = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"


def _claims(state: CycleState, cache) -> tuple[object, list[str]]:
    storage = getattr(cache, "storage", None)
    if storage is None:
        return None, []
    if "volume_claims" not in state.data:
        from labsupport.k8s.storage.pv import volume_claims
        pod = storage.store.get("Pod", state.pod.namespace, state.pod.name)
        state.data["volume_claims"] = volume_claims(pod) if pod is not None else list(getattr(state.pod, "claims", ()) or ())
    return storage, state.data["volume_claims"]


class _VolumePlugin(Plugin):
    filters = True

    def pre_filter(self, state: CycleState) -> Status | None:
        _, claims = _claims(state, self.cache)
        return None if claims else Status(Code.SKIP, (), self.name)

    def _reject(self, idx: np.ndarray, reasons: list[tuple | None], code: Code) -> Rejection | None:
        mask = np.array([r is not None for r in reasons], dtype=bool)
        if not mask.any():
            return None
        return Rejection(mask, code, lambda pos: reasons[pos] or ())


class VolumeBinding(_VolumePlugin):
    """Claims must be bindable (or bound) to volumes that can reach the node."""

    name = "VolumeBinding"

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        from labsupport.k8s.storage.pv import (
            ZONE_LABEL,
            claim_class,
            claim_request,
            find_matching_volume,
            node_affinity_allows,
        )
        storage, claims = _claims(state, self.cache)
        ns = state.pod.namespace
        reasons: list[tuple | None] = [None] * len(idx)
        pvcs = []
        for c in claims:
            pvc = storage.store.get("PersistentVolumeClaim", ns, c)
            if pvc is None:
                return Rejection(np.ones(len(idx), dtype=bool), Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (f'persistentvolumeclaim "{c}" not found',))
            pvcs.append(pvc)
        pvs = storage.store.list("PersistentVolume")
        for pvc in pvcs:
            bound = (pvc.get("status") or {}).get("phase") == "Bound"
            cls = storage.store.get("StorageClass", None, claim_class(pvc)) if claim_class(pvc) else None
            if not bound and (cls is None or cls.get("volumeBindingMode", "Immediate") != "WaitForFirstConsumer"):
                return Rejection(np.ones(len(idx), dtype=bool), Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (UNBOUND_IMMEDIATE,))
        for pos, s in enumerate(idx.tolist()):
            labels = self.cache.labels[s] or {}
            for pvc in pvcs:
                if (pvc.get("status") or {}).get("phase") == "Bound":
                    pv = storage.store.get("PersistentVolume", None, pvc["spec"].get("volumeName") or "")
                    if pv is None:
                        reasons[pos] = (PV_NOT_EXIST,)
                    elif not node_affinity_allows(pv, labels):
                        reasons[pos] = (NODE_CONFLICT,)
                    continue
                if find_matching_volume(pvc, pvs, labels) is not None:
                    continue
                cls = storage.store.get("StorageClass", None, claim_class(pvc))
                driver = storage.drivers.get(cls.get("provisioner"))
                if driver is None:
                    reasons[pos] = (BIND_CONFLICT,)
                    continue
                zones = driver.allowed_zones(cls)
                zone = labels.get(ZONE_LABEL)
                if zones and zone not in zones:
                    reasons[pos] = (BIND_CONFLICT,)
                elif driver.capacity_per_zone is not None and driver.used.get(zone, 0) + claim_request(pvc) > driver.capacity_per_zone:
                    reasons[pos] = (NOT_ENOUGH_SPACE,)
        return self._reject(idx, reasons, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)


class VolumeZone(_VolumePlugin):
    """A bound volume with a zone label fits only nodes in that zone."""

    name = "VolumeZone"

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        from labsupport.k8s.storage.pv import ZONE_LABEL
        storage, claims = _claims(state, self.cache)
        zones = []
        for c in claims:
            pvc = storage.store.get("PersistentVolumeClaim", state.pod.namespace, c)
            if pvc is None or (pvc.get("status") or {}).get("phase") != "Bound":
                continue
            pv = storage.store.get("PersistentVolume", None, pvc["spec"].get("volumeName") or "")
            z = ((pv or {}).get("metadata", {}).get("labels") or {}).get(ZONE_LABEL)
            if z:
                zones.append(z)
        if not zones:
            return None
        reasons = [None if all((self.cache.labels[s] or {}).get(ZONE_LABEL) == z for z in zones) else (ZONE_CONFLICT,) for s in idx.tolist()]
        return self._reject(idx, reasons, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)


class VolumeRestrictions(_VolumePlugin):
    """A ReadWriteOncePod claim serves one Pod in the whole cluster."""

    name = "VolumeRestrictions"

    def node_local(self, state: CycleState) -> bool:
        # another Pod's placement matters only for a Pod with ReadWriteOncePod claims; without claims: node-local
        return not _claims(state, self.cache)[1]

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        from labsupport.k8s.storage.pv import volume_claims
        storage, claims = _claims(state, self.cache)
        ns = state.pod.namespace
        rwop = set()
        for c in claims:
            pvc = storage.store.get("PersistentVolumeClaim", ns, c)
            if pvc is not None and "ReadWriteOncePod" in (pvc["spec"].get("accessModes") or ()):
                rwop.add(c)
        if not rwop:
            return None
        for other in storage.store.list("Pod", ns):
            if other["metadata"]["name"] != state.pod.name and other["spec"].get("nodeName") and rwop & set(volume_claims(other)):
                return Rejection(np.ones(len(idx), dtype=bool), Code.UNSCHEDULABLE, (RWOP_CONFLICT,))
        return None
