"""PersistentVolume, PersistentVolumeClaim and StorageClass: field checks and the claim <-> volume match.

The match follows ``FindMatchingVolume`` in ``pkg/controller/volume/persistentvolume/util``
(``k8s.io/component-helpers/storage/volume``) as the PV controller and the scheduler's
VolumeBinding plugin use it (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#binding):

* a volume pre-bound to this claim (``spec.claimRef``) wins; one bound to another claim is skipped;
* ``storageClassName`` must be equal ("" matches only volumes without a class);
* the volume's ``accessModes`` must include every mode the claim asks for;
* ``volumeMode`` (Filesystem by default) must be equal;
* the claim's ``selector`` must match the volume's labels;
* the volume's capacity must be >= the claim's ``resources.requests.storage``;
* among the volumes left, the *smallest* one is chosen (ties: the first by name);
* with a node (WaitForFirstConsumer), the volume's ``nodeAffinity`` must allow that node.

Simplified: selectors support ``matchLabels`` and ``matchExpressions`` (In, NotIn, Exists,
DoesNotExist); volume sources are not simulated (a volume is its capacity and topology).

>>> pvc = {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}, "storageClassName": ""}}
>>> pvs = [{"metadata": {"name": n}, "spec": {"capacity": {"storage": c}, "accessModes": ["ReadWriteOnce"]}}
...        for n, c in (("big", "100Gi"), ("small", "1Gi"), ("fits", "10Gi"))]
>>> find_matching_volume(pvc, pvs)["metadata"]["name"]
'fits'
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from labsupport.core import LabError
from labsupport.k8s.quantity import parse_memory

__all__ = ["ACCESS_MODES", "SHORT_MODES", "ZONE_LABEL", "storage_bytes", "claim_request", "volume_capacity",
           "selector_matches", "node_affinity_allows", "volume_zone", "mismatch", "find_matching_volume",
           "pv_problems", "pvc_problems", "storageclass_problems", "volume_claims", "claim_class"]

ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
#: kubectl's abbreviations (``RWO`` ...), as ``kubectl get pv`` prints them
SHORT_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
ZONE_LABEL = "topology.kubernetes.io/zone"
_RECLAIM = ("Retain", "Delete", "Recycle")
_VOLUME_MODES = ("Filesystem", "Block")


def storage_bytes(value: Any, field: str) -> int:
    """A storage quantity (``"10Gi"``) in bytes; LabError naming ``field`` when it is not one."""
    try:
        return parse_memory(value, field)
    except LabError as e:
        raise LabError(str(e)) from None


def claim_request(pvc: Mapping) -> int:
    return storage_bytes(((pvc["spec"].get("resources") or {}).get("requests") or {}).get("storage", 0), "spec.resources.requests.storage")


def volume_capacity(pv: Mapping) -> int:
    return storage_bytes((pv["spec"].get("capacity") or {}).get("storage", 0), "spec.capacity.storage")


def claim_class(pvc: Mapping) -> str:
    return pvc["spec"].get("storageClassName") or ""


def selector_matches(selector: Mapping | None, labels: Mapping | None) -> bool:
    """A LabelSelector against labels (no selector matches everything)."""
    if not selector:
        return True
    labels = labels or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or ():
        k, op, vals = e.get("key"), e.get("operator"), e.get("values") or ()
        if op == "In" and labels.get(k) not in vals:
            return False
        if op == "NotIn" and k in labels and labels[k] in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def node_affinity_allows(pv: Mapping, node_labels: Mapping) -> bool:
    """``spec.nodeAffinity.required``: ORed nodeSelectorTerms of ANDed expressions (no affinity: any node)."""
    req = ((pv["spec"].get("nodeAffinity") or {}).get("required") or {})
    terms = req.get("nodeSelectorTerms") or ()
    if not terms:
        return True
    return any(selector_matches({"matchExpressions": t.get("matchExpressions") or ()}, node_labels) for t in terms)


def volume_zone(pv: Mapping) -> str | None:
    """The zone a volume's node affinity (or its zone label) pins it to, if exactly one."""
    zone = (pv["metadata"].get("labels") or {}).get(ZONE_LABEL)
    for t in ((pv["spec"].get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms") or ():
        for e in t.get("matchExpressions") or ():
            if e.get("key") == ZONE_LABEL and e.get("operator") == "In" and len(e.get("values") or ()) == 1:
                zone = e["values"][0]
    return zone


def mismatch(pvc: Mapping, pv: Mapping, node_labels: Mapping | None = None) -> str | None:
    """Why ``pv`` cannot serve ``pvc`` (None: it can). The checks of ``FindMatchingVolume``, in its order."""
    ref = pv["spec"].get("claimRef")
    meta = pvc.get("metadata") or {}
    if ref and (ref.get("name"), ref.get("namespace", "default")) != (meta.get("name"), meta.get("namespace", "default")):
        return "bound to another claim"
    if ref and ref.get("uid") and meta.get("uid") and ref["uid"] != meta["uid"]:
        return "bound to another claim"
    if (pv["spec"].get("storageClassName") or "") != claim_class(pvc):
        return "storageClassName differs"
    if not set(pvc["spec"].get("accessModes") or ()) <= set(pv["spec"].get("accessModes") or ()):
        return "access modes missing"
    if (pvc["spec"].get("volumeMode") or "Filesystem") != (pv["spec"].get("volumeMode") or "Filesystem"):
        return "volumeMode differs"
    if not selector_matches(pvc["spec"].get("selector"), pv["metadata"].get("labels")):
        return "selector does not match"
    if volume_capacity(pv) < claim_request(pvc):
        return "too small"
    if node_labels is not None and not node_affinity_allows(pv, node_labels):
        return "node affinity conflict"
    return None


def find_matching_volume(pvc: Mapping, pvs: Iterable[Mapping], node_labels: Mapping | None = None) -> Mapping | None:
    """The volume the PV controller binds ``pvc`` to: pre-bound first, else the smallest that matches."""
    best = None
    for pv in sorted(pvs, key=lambda p: p["metadata"]["name"]):
        if (pv.get("status") or {}).get("phase") in ("Released", "Failed") or pv["metadata"].get("deletionTimestamp") is not None:
            continue
        if mismatch(pvc, pv, node_labels) is not None:
            continue
        if pv["spec"].get("claimRef"):
            return pv  # pre-bound to this claim
        if best is None or volume_capacity(pv) < volume_capacity(best):
            best = pv
    return best


def volume_claims(pod: Mapping) -> list[str]:
    """Names of the PersistentVolumeClaims a Pod mounts, in spec order."""
    return [v["persistentVolumeClaim"]["claimName"] for v in (pod.get("spec") or {}).get("volumes") or ()
            if isinstance(v, Mapping) and isinstance(v.get("persistentVolumeClaim"), Mapping) and v["persistentVolumeClaim"].get("claimName")]


# ------------------------------------------------------------------ validation (ValidatePersistentVolume...)
def _modes_problems(modes: Any, path: str, required: bool) -> list[str]:
    if not modes:
        return [f"{path}: Required value: at least 1 access mode is required"] if required else []
    out = [f"{path}: Unsupported value: {m!r}: supported values: {', '.join(repr(x) for x in ACCESS_MODES)}" for m in modes if m not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        out.append(f"{path}: Forbidden: may not use ReadWriteOncePod with other access modes")
    return out


def _quantity_problem(value: Any, path: str, required: bool) -> list[str]:
    if value is None:
        return [f"{path}: Required value"] if required else []
    try:
        n = storage_bytes(value, path)
    except LabError as e:
        return [str(e)]
    return [f"{path}: must be greater than zero"] if n <= 0 else []


def pv_problems(obj: Mapping) -> list[str]:
    spec = obj.get("spec") or {}
    out = _quantity_problem((spec.get("capacity") or {}).get("storage"), "spec.capacity.storage", True)
    out += _modes_problems(spec.get("accessModes"), "spec.accessModes", True)
    if spec.get("persistentVolumeReclaimPolicy", "Retain") not in _RECLAIM:
        out.append(f"spec.persistentVolumeReclaimPolicy: Unsupported value: {spec['persistentVolumeReclaimPolicy']!r}: supported values: 'Delete', 'Recycle', 'Retain'")
    if spec.get("volumeMode", "Filesystem") not in _VOLUME_MODES:
        out.append(f"spec.volumeMode: Unsupported value: {spec['volumeMode']!r}: supported values: 'Block', 'Filesystem'")
    return out


def pvc_problems(obj: Mapping) -> list[str]:
    spec = obj.get("spec") or {}
    out = _modes_problems(spec.get("accessModes"), "spec.accessModes", True)
    out += _quantity_problem(((spec.get("resources") or {}).get("requests") or {}).get("storage"), "spec.resources.requests.storage", True)
    if spec.get("volumeMode", "Filesystem") not in _VOLUME_MODES:
        out.append(f"spec.volumeMode: Unsupported value: {spec['volumeMode']!r}: supported values: 'Block', 'Filesystem'")
    return out


def storageclass_problems(obj: Mapping) -> list[str]:
    out = [] if obj.get("provisioner") else ["provisioner: Required value"]
    if obj.get("reclaimPolicy", "Delete") not in ("Delete", "Retain"):
        out.append(f"reclaimPolicy: Unsupported value: {obj['reclaimPolicy']!r}: supported values: 'Delete', 'Retain'")
    if obj.get("volumeBindingMode", "Immediate") not in ("Immediate", "WaitForFirstConsumer"):
        out.append(f"volumeBindingMode: Unsupported value: {obj['volumeBindingMode']!r}: supported values: 'Immediate', 'WaitForFirstConsumer'")
    return out
