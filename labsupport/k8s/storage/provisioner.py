"""A simulated CSI driver with its external-provisioner: dynamic provisioning in zones.

What ``kubernetes-csi/external-provisioner`` does for a claim the PV controller hands over
(https://kubernetes.io/docs/concepts/storage/dynamic-provisioning/,
https://kubernetes.io/docs/concepts/storage/storage-classes/#volume-binding-mode, read 2026-12):

* ``volumeBindingMode: Immediate``: provision at once in a zone chosen among the class's
  ``allowedTopologies`` (all of the driver's zones if none), without knowing where the Pod will run;
* ``WaitForFirstConsumer``: provision in the zone of the node the scheduler selected
  (``volume.kubernetes.io/selected-node``); if that zone is not allowed, the claim gets
  ``ProvisioningFailed``;
* after ``provision_seconds`` a PersistentVolume ``pvc-<claim uid>`` appears, pre-bound to the claim,
  with ``nodeAffinity`` on ``topology.kubernetes.io/zone``, the class's ``reclaimPolicy``
  (default Delete) and the annotation ``pv.kubernetes.io/provisioned-by``;
* ``capacity_per_zone`` (bytes or a quantity, optional) limits what a zone can hold (CSIStorageCapacity).

Simplified: no CSI gRPC, no retries with back-off; the zone for Immediate is drawn from the
simulation's seeded random generator.

>>> d = CSIDriver("csi.example.com", {"zones": ["a", "b"], "provision_seconds": 5})
>>> d.zones, d.provision_seconds
(('a', 'b'), 5.0)
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labsupport.core import LabError
from labsupport.k8s.storage.pv import ZONE_LABEL, claim_request, storage_bytes, volume_capacity

__all__ = ["CSIDriver", "parse_storage_config"]


class CSIDriver:
    """One simulated CSI driver: ``name``, ``zones``, ``provision_seconds``, optional ``capacity_per_zone``."""

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        if not isinstance(config, Mapping):
            raise LabError(f"storage.{name}: expected a mapping such as {{'zones': ['a', 'b'], 'provision_seconds': 5}}, got {config!r}")
        unknown = sorted(set(config) - {"zones", "provision_seconds", "capacity_per_zone"})
        if unknown:
            raise LabError(f"storage.{name}.{unknown[0]}: unknown field (known: capacity_per_zone, provision_seconds, zones)")
        zones = config.get("zones", ())
        if isinstance(zones, str) or not all(isinstance(z, str) and z for z in zones):
            raise LabError(f"storage.{name}.zones: expected a list of zone names, got {zones!r}")
        secs = config.get("provision_seconds", 5)
        if isinstance(secs, bool) or not isinstance(secs, (int, float)) or secs < 0:
            raise LabError(f"storage.{name}.provision_seconds: must be a number >= 0, got {secs!r}")
        cap = config.get("capacity_per_zone")
        self.name = name
        self.zones = tuple(zones)
        self.provision_seconds = float(secs)
        self.capacity_per_zone = None if cap is None else storage_bytes(cap, f"storage.{name}.capacity_per_zone")
        self.used: dict[str, int] = {z: 0 for z in self.zones}
        self.store = self.sim = None

    def attach_to(self, store, sim) -> None:
        self.store, self.sim = store, sim

    def allowed_zones(self, cls: Mapping) -> list[str]:
        allowed = set()
        for term in cls.get("allowedTopologies") or ():
            for e in term.get("matchLabelExpressions") or ():
                if e.get("key") == ZONE_LABEL:
                    allowed |= set(e.get("values") or ())
        return [z for z in self.zones if not allowed or z in allowed] if self.zones else sorted(allowed)

    def request(self, pvc: dict, cls: Mapping, selected_node: str | None) -> None:
        """Start provisioning for ``pvc`` (called by the PV controller)."""
        zones = self.allowed_zones(cls)
        size = claim_request(pvc)
        if selected_node:
            node = self.store.get("Node", None, selected_node)
            zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(ZONE_LABEL)
            if zones and zone not in zones:
                self.store.record_event(pvc, "ProvisioningFailed",
                                        f'failed to provision volume with StorageClass "{cls["metadata"]["name"]}": node "{selected_node}" '
                                        f"is in zone {zone!r}, not in the allowed topologies {zones}", type="Warning", source=self.name)
                return
        else:
            fitting = [z for z in zones if self.capacity_per_zone is None or self.used.get(z, 0) + size <= self.capacity_per_zone]
            zone = self.sim.rng.choice(fitting) if fitting else None
            if zones and zone is None:
                self.store.record_event(pvc, "ProvisioningFailed", "failed to provision volume: no zone has enough free capacity",
                                        type="Warning", source=self.name)
                return
        if zone is not None and self.capacity_per_zone is not None and self.used.get(zone, 0) + size > self.capacity_per_zone:
            self.store.record_event(pvc, "ProvisioningFailed", f"failed to provision volume: zone {zone} has not enough free capacity",
                                    type="Warning", source=self.name)
            return
        if zone is not None:
            self.used[zone] = self.used.get(zone, 0) + size
        self.store.record_event(pvc, "Provisioning", f'External provisioner is provisioning volume for claim "{pvc["metadata"]["namespace"]}/{pvc["metadata"]["name"]}"',
                                source=self.name)
        key = (pvc["metadata"]["namespace"], pvc["metadata"]["name"], pvc["metadata"]["uid"], size)
        self.sim.schedule(self.provision_seconds, lambda: self._create(key, cls, zone), label=f"{self.name} provision")

    def _create(self, key, cls: Mapping, zone: str | None) -> None:
        ns, name, uid, reserved = key
        pvc = self.store.get("PersistentVolumeClaim", ns, name)
        if pvc is None or pvc["metadata"]["uid"] != uid:
            if zone is not None:
                self.used[zone] -= reserved  # the claim went away: nothing is created
            return
        size = pvc["spec"]["resources"]["requests"]["storage"]
        pv = {"apiVersion": "v1", "kind": "PersistentVolume",
              "metadata": {"name": f"pvc-{uid}", "annotations": {"pv.kubernetes.io/provisioned-by": self.name},
                           "labels": {ZONE_LABEL: zone} if zone else {}},
              "spec": {"capacity": {"storage": size}, "accessModes": list(pvc["spec"]["accessModes"]),
                       "persistentVolumeReclaimPolicy": cls.get("reclaimPolicy", "Delete"),
                       "storageClassName": cls["metadata"]["name"], "volumeMode": pvc["spec"].get("volumeMode", "Filesystem"),
                       "csi": {"driver": self.name, "volumeHandle": f"vol-{uid[-6:]}"},
                       "claimRef": {"kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": ns, "name": name, "uid": uid}},
              "status": {"phase": "Pending"}}
        if zone:
            pv["spec"]["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": ZONE_LABEL, "operator": "In", "values": [zone]}]}]}}
        self.store.create(pv, actor=self.name)
        self.store.record_event(pvc, "ProvisioningSucceeded", f"Successfully provisioned volume pvc-{uid}", source=self.name)

    def release(self, pv: Mapping) -> None:
        """The volume was deleted (reclaimPolicy Delete): give its zone's capacity back."""
        zone = (pv["metadata"].get("labels") or {}).get(ZONE_LABEL)
        if zone in self.used:
            self.used[zone] = max(0, self.used[zone] - volume_capacity(pv))


def parse_storage_config(storage: Any) -> dict[str, CSIDriver]:
    """``Cluster(storage={...})`` -> drivers by name; LabError naming the bad field."""
    if storage is None:
        return {}
    if not isinstance(storage, Mapping):
        raise LabError(f"storage: expected a mapping of CSI driver name -> settings, got {storage!r}")
    return {name: CSIDriver(name, cfg) for name, cfg in sorted(storage.items())}
