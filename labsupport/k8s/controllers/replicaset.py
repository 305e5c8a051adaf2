"""ReplicaSet controller: keep ``spec.replicas`` active Pods, as ``pkg/controller/replicaset/replica_set.go``.

* Too few Pods: create the missing ones from ``spec.template`` through admission, at most
  :data:`BURST_REPLICAS` (500) per sync, in "slow start" batches of 1, 2, 4, ... that
  stop at the first failure (``slowStartBatch``); a failed create (e.g. ``exceeded
  quota``) is retried with the work queue's per-item backoff (5 ms doubling, at most 1000 s).
* Too many Pods: delete the ones that come first in :func:`deletion_order` (the
  ``ActivePodsWithRanks`` ordering of ``pkg/controller/controller_utils.go``).
* Status: ``replicas`` (active Pods), ``readyReplicas``, ``availableReplicas`` (ready for
  at least ``minReadySeconds``), ``observedGeneration``.

Pods with ``deletionTimestamp`` set (Terminating) and Succeeded/Failed Pods are not
"active", so the controller replaces them at once, as in Kubernetes.

Pod names are ``<replicaset>-<5 characters>`` from Kubernetes' ``generateName`` alphabet;
Kubernetes draws the suffix at random, here it is derived from the ReplicaSet's uid and a
counter so that runs repeat exactly. Orphaned Pods are not adopted.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable

from labsupport.core import LabError, Simulation
from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.objects import (
    ALPHANUMS,
    controller_of,
    fnv32a,
    is_pod_active,
    is_pod_ready,
    owner_reference,
    pod_condition,
    set_condition,
)
from labsupport.k8s.store import APIStore, WatchEvent

__all__ = ["ReplicaSetController", "deletion_order", "deletion_less", "BURST_REPLICAS", "POD_DELETION_COST"]

#: ``burstReplicas``: the most Pods one sync creates or deletes.
BURST_REPLICAS = 500
#: Annotation whose int value makes a Pod cheaper (lower) or dearer (higher) to delete.
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"

_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _ready_time(pod: dict) -> float | None:
    c = pod_condition(pod, "Ready")
    return c.get("lastTransitionTime") if c and c["status"] == "True" else None


def _restarts(pod: dict) -> int:
    return max((cs.get("restartCount", 0) for cs in (pod.get("status") or {}).get("containerStatuses") or ()), default=0)


def _cost(pod: dict) -> int:
    try:
        return int(((pod["metadata"].get("annotations") or {}).get(POD_DELETION_COST)) or 0)
    except ValueError:
        return 0


def _log_rank(t: float, now: float) -> int:
    d = (now - t) * 1e9  # Go compares time.Duration, in nanoseconds
    return int(math.log2(d)) if d > 0 else -1


def _after_or_zero(t1: float | None, t2: float | None) -> bool:
    """``afterOrZero``: a missing (Go zero) time sorts first, otherwise the later time does."""
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def _time_less(a: dict, b: dict, ta: float | None, tb: float | None, now: float) -> bool:
    if ta is None or tb is None:
        return _after_or_zero(ta, tb)
    diff = _log_rank(ta, now) - _log_rank(tb, now)  # LogarithmicScaleDown (GA)
    if diff == 0:
        return (a["metadata"].get("uid") or "") < (b["metadata"].get("uid") or "")
    return diff < 0


def deletion_less(a: dict, b: dict, rank_a: int, rank_b: int, now: float) -> bool:
    """``ActivePodsWithRanks.Less``: should ``a`` (with ``rank_a`` Pods of its owner doubled up on its node) go before ``b``?

    A missing ``lastTransitionTime`` / ``creationTimestamp`` plays Go's zero time.

    >>> p = lambda name, node: {"metadata": {"name": name}, "spec": {"nodeName": node}, "status": {"phase": "Pending"}}
    >>> deletion_less(p("unscheduled", ""), p("pending", "node"), 2, 1, now=0.0)
    True
    """
    na, nb = a["spec"].get("nodeName") or "", b["spec"].get("nodeName") or ""
    if na != nb and (not na or not nb):
        return not na
    pa = _PHASE_ORDINAL.get((a.get("status") or {}).get("phase"), 0)
    pb = _PHASE_ORDINAL.get((b.get("status") or {}).get("phase"), 0)
    if pa != pb:
        return pa < pb
    ra, rb = is_pod_ready(a), is_pod_ready(b)
    if ra != rb:
        return not ra
    ca, cb = _cost(a), _cost(b)
    if ca != cb:
        return ca < cb
    if rank_a != rank_b:
        return rank_a > rank_b
    if ra and rb:
        ta, tb = _ready_time(a), _ready_time(b)
        if ta != tb:
            return _time_less(a, b, ta, tb, now)
    sa, sb = _restarts(a), _restarts(b)
    if sa != sb:
        return sa > sb
    ta, tb = a["metadata"].get("creationTimestamp"), b["metadata"].get("creationTimestamp")
    if ta != tb:
        return _time_less(a, b, ta, tb, now)
    return False


def deletion_order(pods: list[dict], ranks: dict[str, int], now: float) -> list[dict]:
    """Sort Pods so the ones to delete first come first (``controller.ActivePodsWithRanks.Less``).

    1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
    4. lower ``controller.kubernetes.io/pod-deletion-cost`` first; 5. more Pods of the
    same owner on the same node ("doubled up", the rank) first; 6. ready for less time
    first, compared on a log2 scale with ties broken by UID (LogarithmicScaleDown);
    7. more container restarts first; 8. newer first (log2 scale, ties by UID).

    >>> def pod(name, node="", phase="Running", ready=True, created=0.0):
    ...     conds = [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": created}]
    ...     return {"metadata": {"name": name, "uid": name, "creationTimestamp": created},
    ...             "spec": {"nodeName": node}, "status": {"phase": phase, "conditions": conds}}
    >>> pods = [pod("ready-old", "n1"), pod("not-ready", "n1", ready=False), pod("pending", "n1", phase="Pending", ready=False),
    ...         pod("unassigned", phase="Pending", ready=False), pod("ready-new", "n2", created=90.0)]
    >>> [p["metadata"]["name"] for p in deletion_order(pods, {"n1": 3, "n2": 1}, now=100.0)]
    ['unassigned', 'pending', 'not-ready', 'ready-old', 'ready-new']
    """

    def less(a: dict, b: dict) -> bool:
        return deletion_less(a, b, ranks.get(a["spec"].get("nodeName") or "", 0),
                             ranks.get(b["spec"].get("nodeName") or "", 0), now)

    return sorted(pods, key=functools.cmp_to_key(lambda a, b: -1 if less(a, b) else (1 if less(b, a) else 0)))


def pods_to_delete(filtered: list[dict], related: list[dict], diff: int, now: float) -> list[dict]:
    """``getPodsToDelete``: the ``diff`` Pods to delete, ranked by the active ``related`` Pods on the same node.

    With ``diff >= len(filtered)`` nothing is sorted (every Pod goes, in the order given), as upstream.
    """
    if diff >= len(filtered):
        return filtered[:diff]
    ranks: dict[str, int] = {}
    for p in related:  # getPodsRankedByRelatedPodsOnSameNode
        if is_pod_active(p):
            node = p["spec"].get("nodeName") or ""
            ranks[node] = ranks.get(node, 0) + 1
    return deletion_order(filtered, ranks, now)[:diff]


def _controller_uid(obj: dict) -> str | None:
    ref = controller_of(obj)
    return ref["uid"] if ref is not None else None


class ReplicaSetController(Controller):
    """Creates and deletes Pods so each ReplicaSet has ``spec.replicas`` active Pods."""

    name = "replicaset-controller"

    def __init__(self, store: APIStore, sim: Simulation, admit_pod: Callable[[dict], None]) -> None:
        super().__init__(store, sim)
        self.admit_pod = admit_pod
        self._failures: dict[tuple, int] = {}
        self._name_seq: dict[str, int] = {}
        self._name_hash: dict[str, int] = {}
        store.add_index("Pod", "pods-by-controller", _controller_uid)
        store.add_index("ReplicaSet", "replicasets-by-controller", _controller_uid)
        store.watch("ReplicaSet", self._on_rs)
        store.watch("Pod", self._on_pod)

    def _on_rs(self, ev: WatchEvent) -> None:
        m = ev.object["metadata"]
        if ev.type != "DELETED":
            self.enqueue((m["namespace"], m["name"]))

    def _on_pod(self, ev: WatchEvent) -> None:
        if ev.verb == "bind":
            return  # a binding changes no field of the ReplicaSet's status
        ref = controller_of(ev.object)
        if ref is not None and ref["kind"] == "ReplicaSet":
            self.enqueue((ev.object["metadata"]["namespace"], ref["name"]))

    # --------------------------------------------------------------- sync
    def sync(self, key) -> None:
        rs = self.store.get("ReplicaSet", *key)
        if rs is None or rs["metadata"].get("deletionTimestamp") is not None:
            return
        uid = rs["metadata"]["uid"]
        pods = self.store.by_index("pods-by-controller", uid, ordered=False)
        active = [p for p in pods if is_pod_active(p)]
        want = rs["spec"].get("replicas", 1)
        diff = len(active) - want
        if diff < 0:
            asked = min(-diff, BURST_REPLICAS)
            made = self._create(rs, asked, key)
            active += made
            if -diff > BURST_REPLICAS and len(made) == asked:
                self.enqueue(key)   # the next burst; after a refused create only the rate-limited retry comes back
        elif diff > 0:
            victims = self._delete(rs, active, min(diff, BURST_REPLICAS))
            gone = {id(p) for p in victims}
            active = [p for p in active if id(p) not in gone]
            if diff > BURST_REPLICAS:
                self.enqueue(key)
        self._update_status(rs, key, active)

    def _pod_name(self, rs: dict) -> str:
        base = rs["metadata"]["name"]
        ns = rs["metadata"]["namespace"]
        uid = rs["metadata"]["uid"]
        prefix = self._name_hash.get(uid)
        if prefix is None:
            prefix = self._name_hash[uid] = fnv32a(f"{uid}/".encode())
        while True:
            seq = self._name_seq.get(uid, 0) + 1
            self._name_seq[uid] = seq
            h = (prefix + seq * 0x9E3779B1) & 0xFFFFFFFF  # a Weyl step: distinct, scattered suffixes
            suffix = ""
            for _ in range(5):
                h, r = divmod(h, len(ALPHANUMS))
                suffix += ALPHANUMS[r]
            name = f"{base[:58]}-{suffix}"
            if self.store.get("Pod", ns, name) is None:
                return name

    def _new_pod(self, rs: dict) -> dict:
        tmpl = rs["spec"]["template"]
        tmeta = tmpl.get("metadata") or {}
        meta = {
            "name": self._pod_name(rs),
            "generateName": rs["metadata"]["name"] + "-",
            "namespace": rs["metadata"]["namespace"],
            "labels": dict(tmeta.get("labels") or {}),
            "ownerReferences": [owner_reference(rs)],
        }
        if tmeta.get("annotations"):
            meta["annotations"] = dict(tmeta["annotations"])
        # The spec is copied one level deep: its containers are shared with the template and never mutated.
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": dict(tmpl["spec"]), "status": {"phase": "Pending"}}

    def _create(self, rs: dict, count: int, key) -> list[dict]:
        created: list[dict] = []
        batch = 1
        while len(created) < count:
            for _ in range(min(batch, count - len(created))):
                pod = self._new_pod(rs)
                try:
                    self.admit_pod(pod)
                except LabError as e:
                    self._failed(rs, key, str(e))
                    return created
                self.store.create(pod, actor=self.name)
                self.store.record_event(rs, "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}", source=self.name)
                created.append(pod)
            batch *= 2
        self._failures.pop(key, None)
        if pod_condition(rs, "ReplicaFailure") is not None:
            rs["status"]["conditions"] = [c for c in rs["status"]["conditions"] if c["type"] != "ReplicaFailure"]
            self.store.update(rs, actor=self.name, verb="update status")
        return created

    def _failed(self, rs: dict, key, message: str) -> None:
        self.store.record_event(rs, "FailedCreate", f"Error creating: {message}", type="Warning", source=self.name)
        if set_condition(rs, "ReplicaFailure", "True", self.sim.now, "FailedCreate", message):
            self.store.update(rs, actor=self.name, verb="update status")
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        self.sim.schedule(min(0.005 * 2 ** min(n, 20), 1000.0), lambda: self.enqueue(key), label=f"{self.name} retry")

    def _delete(self, rs: dict, active: list[dict], count: int) -> list[dict]:
        related = active
        owner = controller_of(rs)
        if owner is not None:  # pods of every ReplicaSet of the same Deployment (getIndirectlyRelatedPods)
            related = []
            for sib in self.store.by_index("replicasets-by-controller", owner["uid"]):
                related += [p for p in self.store.by_index("pods-by-controller", sib["metadata"]["uid"], ordered=False) if is_pod_active(p)]
        active = sorted(active, key=lambda p: p["metadata"]["name"])
        victims = pods_to_delete(active, related, count, self.sim.now)
        for p in victims:
            self.store.delete("Pod", p["metadata"]["namespace"], p["metadata"]["name"], actor=self.name)
            self.store.record_event(rs, "SuccessfulDelete", f"Deleted pod: {p['metadata']['name']}", source=self.name)
        return victims

    def _update_status(self, rs: dict, key, active: list[dict]) -> None:
        min_ready = rs["spec"].get("minReadySeconds", 0)
        ready = available = 0
        next_available = math.inf
        now = self.sim.now
        for p in active:
            if is_pod_ready(p):
                ready += 1
                since = _ready_time(p)
                if min_ready == 0 or since + min_ready <= now:
                    available += 1
                else:
                    next_available = min(next_available, since + min_ready)
        if next_available < math.inf:
            self.sim.schedule_at(next_available, lambda: self.enqueue(key), label=f"{self.name} minReadySeconds")
        status = rs.setdefault("status", {})
        new = {
            "replicas": len(active),
            "fullyLabeledReplicas": len(active),
            "readyReplicas": ready,
            "availableReplicas": available,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        if any(status.get(k) != v for k, v in new.items()):
            status.update(new)
            self.store.update(rs, actor=self.name, verb="update status")
