"""Small helpers over Kubernetes objects kept as plain dicts (API JSON form).

Label selectors (``matchLabels`` + ``matchExpressions``, from
``k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go``), Pod conditions, owner
references, the ``generateName`` suffix and the ``pod-template-hash``.

>>> sel = {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}
>>> selector_matches(sel, {"app": "web", "tier": "front"}), selector_matches(sel, {"app": "web", "tier": "db"})
(True, False)
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "selector_matches",
    "labels_match",
    "is_pod_ready",
    "pod_condition",
    "set_condition",
    "controller_of",
    "owner_reference",
    "safe_encode",
    "fnv32a",
    "template_hash",
    "copy_json",
    "ALPHANUMS",
    "is_pod_active",
    "is_pod_terminal",
]

#: ``k8s.io/apimachinery/pkg/util/rand``: the alphabet of generated names (no vowels, no 0/1/3 look-alikes).
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def labels_match(match_labels: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> bool:
    """Equality-based selection (a Service's ``spec.selector``): every key/value must be present.

    >>> labels_match({"app": "web"}, {"app": "web", "pod-template-hash": "x"}), labels_match({}, {"a": "b"})
    (True, True)
    """
    if not match_labels:
        return True
    labels = labels or {}
    for k, v in match_labels.items():
        if labels.get(k) != v:
            return False
    return True


def selector_matches(selector: Mapping | None, labels: Mapping[str, str] | None) -> bool:
    """A ``LabelSelector`` (``matchLabels`` AND every ``matchExpressions`` requirement) against labels.

    Operators In, NotIn, Exists, DoesNotExist. An empty selector matches everything.

    >>> selector_matches({"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}, {"gpu": "a100"})
    True
    """
    if not selector:
        return True
    labels = labels or {}
    if not labels_match(selector.get("matchLabels"), labels):
        return False
    for req in selector.get("matchExpressions") or ():
        key, op, values = req["key"], req["operator"], req.get("values") or ()
        if op == "In":
            if labels.get(key) not in values:
                return False
        elif op == "NotIn":
            if key in labels and labels[key] in values:
                return False
        elif op == "Exists":
            if key not in labels:
                return False
        elif op == "DoesNotExist":
            if key in labels:
                return False
        else:
            return False
    return True


def pod_condition(pod: Mapping, type_: str) -> dict | None:
    """The Pod's condition of type ``type_`` (e.g. ``"Ready"``), or None."""
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == type_:
            return c
    return None


def set_condition(obj: dict, type_: str, status: str, now: float, reason: str | None = None, message: str | None = None) -> bool:
    """Set a status condition; ``lastTransitionTime`` only moves when the status changes. Returns True if changed."""
    conds = obj.setdefault("status", {}).setdefault("conditions", [])
    for c in conds:
        if c["type"] == type_:
            changed = c["status"] != status or c.get("reason") != reason or c.get("message") != message
            if c["status"] != status:
                c["lastTransitionTime"] = now
            c["status"], c["reason"], c["message"] = status, reason, message
            return changed
    conds.append({"type": type_, "status": status, "lastTransitionTime": now, "reason": reason, "message": message})
    return True


def is_pod_ready(pod: Mapping) -> bool:
    """``podutil.IsPodReady``: the Ready condition is True.

    >>> is_pod_ready({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    True
    """
    c = pod_condition(pod, "Ready")
    return c is not None and c["status"] == "True"


def is_pod_terminal(pod: Mapping) -> bool:
    """Phase Succeeded or Failed."""
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def is_pod_active(pod: Mapping) -> bool:
    """``controller.IsPodActive``: not Succeeded, not Failed, and not being deleted."""
    return not is_pod_terminal(pod) and pod["metadata"].get("deletionTimestamp") is None


def controller_of(obj: Mapping) -> dict | None:
    """The ownerReference with ``controller: true`` (``metav1.GetControllerOf``), or None."""
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def owner_reference(owner: Mapping) -> dict:
    """A controller ownerReference pointing at ``owner``."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def fnv32a(data: bytes, h: int = 0x811C9DC5) -> int:
    """The 32-bit FNV-1a hash (``hash/fnv`` ``New32a``); pass ``h`` to continue an earlier hash.

    >>> fnv32a(b""), fnv32a(b"ab") == fnv32a(b"b", fnv32a(b"a"))
    (2166136261, True)
    """
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(value: int) -> str:
    """Encode a number with :data:`ALPHANUMS`, like ``rand.SafeEncodeString(fmt.Sprint(hash))``.

    >>> safe_encode(12345)
    '56789'
    """
    return "".join(ALPHANUMS[ord(ch) % len(ALPHANUMS)] for ch in str(value))


def template_hash(template: Mapping, collision_count: int = 0) -> str:
    """``pod-template-hash``: FNV-32a of the template (canonical JSON) and the collision count, safe-encoded.

    Kubernetes hashes a debug print of the Go struct (``controller.ComputeHash``), so the
    strings differ from a real cluster's, but the rule is the same: same template, same hash.

    >>> template_hash({"spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}) == template_hash(
    ...     {"spec": {"containers": [{"image": "nginx:1.25", "name": "c"}]}})
    True
    """
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        data += str(collision_count).encode()
    return safe_encode(fnv32a(data))


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars), several times faster than ``copy.deepcopy``.

    >>> a = {"x": [1, {"y": 2}]}
    >>> b = copy_json(a); b["x"][1]["y"] = 3; a
    {'x': [1, {'y': 2}]}
    """
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value
