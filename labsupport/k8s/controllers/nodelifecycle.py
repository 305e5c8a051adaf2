"""Node lifecycle and taint-based eviction: what happens to Pods when a node goes silent.

``NodeLifecycleController`` (``pkg/controller/nodelifecycle``) checks every
:data:`NODE_MONITOR_PERIOD` (5 s) when each node last proved it was alive (its Lease
renewal in ``kube-node-lease``, or its Ready condition's heartbeat). After
:data:`NODE_MONITOR_GRACE_PERIOD` (50 s, the default since Kubernetes 1.32; it was 40 s)
without news (kubernetes/kubernetes PR #126287 raised the default from 40 s to 50 s; a
further increase, issue #127352, was declined) it sets the node's Ready condition to ``Unknown``, marks the node's Pods
not ready (so Services stop sending them traffic) and taints the node
``node.kubernetes.io/unreachable`` with effects ``NoSchedule`` and ``NoExecute``.
When the kubelet comes back the condition returns to True and the taints are removed.

``TaintEvictionController`` (``pkg/controller/tainteviction``) deletes Pods on nodes
with ``NoExecute`` taints they do not tolerate at once, and Pods that tolerate them
for ``tolerationSeconds`` that long after the taint appeared. Every Pod gets 300 s
tolerations from the DefaultTolerationSeconds admission plugin, so by default::

    node stops   -> <= 10 s: last heartbeat
                 -> +50 s (+ up to 5 s monitor period): NotReady/Unknown, tainted
                 -> +300 s: Pods deleted; the ReplicaSet controller creates replacements

A deleted Pod on a dead node stays ``Terminating``: only its kubelet can finish the
termination (as in Kubernetes without the out-of-service taint).

>>> tolerates({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
...           {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"})
True
"""
from __future__ import annotations

import math

from labsupport.core import Simulation
from labsupport.k8s.objects import is_pod_active, set_condition
from labsupport.k8s.store import DELETED, APIStore, WatchEvent

__all__ = [
    "NodeLifecycleController",
    "TaintEvictionController",
    "tolerates",
    "no_execute_taints",
    "min_toleration_time",
    "NODE_MONITOR_PERIOD",
    "NODE_MONITOR_GRACE_PERIOD",
    "UNREACHABLE_TAINT",
    "NOT_READY_TAINT",
    "NODE_LEASE_NAMESPACE",
]

NODE_MONITOR_PERIOD = 5.0
NODE_MONITOR_GRACE_PERIOD = 50.0
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
NODE_LEASE_NAMESPACE = "kube-node-lease"


def tolerates(toleration: dict, taint: dict) -> bool:
    """``Toleration.ToleratesTaint``: effect and key match (empty = any); ``Exists`` or equal values.

    >>> tolerates({"key": "k", "operator": "Equal", "value": "v"}, {"key": "k", "value": "w", "effect": "NoSchedule"})
    False
    """
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Exists":
        return True
    return (toleration.get("value") or "") == (taint.get("value") or "")


class NodeLifecycleController:
    """Marks silent nodes Unknown, taints them, and marks their Pods not ready."""

    name = "node-controller"

    def __init__(self, store: APIStore, sim: Simulation, grace_period: float = NODE_MONITOR_GRACE_PERIOD) -> None:
        self.store = store
        self.sim = sim
        self.grace_period = grace_period
        self._started = False
        store.watch("Node", self._on_node)

    def _on_node(self, ev: WatchEvent) -> None:
        if not self._started and ev.type != DELETED:
            self._started = True
            self.sim.schedule(NODE_MONITOR_PERIOD, self.monitor, label="node-controller monitor")

    def _last_heard(self, node: dict) -> float:
        name = node["metadata"]["name"]
        lease = self.store.get("Lease", NODE_LEASE_NAMESPACE, name)
        t = lease["spec"]["renewTime"] if lease else -math.inf
        for c in node["status"].get("conditions") or ():
            if c["type"] == "Ready":
                t = max(t, c.get("lastHeartbeatTime", -math.inf))
        return t

    def monitor(self) -> None:
        """One pass of ``monitorNodeHealth`` over every node; reschedules itself every 5 s."""
        now = self.sim.now
        for node in self.store.list("Node"):
            ready = next((c for c in node["status"].get("conditions") or () if c["type"] == "Ready"), None)
            if ready is None:
                continue
            silent = now - self._last_heard(node) > self.grace_period
            if silent and ready["status"] != "Unknown":
                for c in node["status"]["conditions"]:
                    set_condition(node, c["type"], "Unknown", now, "NodeStatusUnknown", "Kubelet stopped posting node status.")
                self._set_taints(node, UNREACHABLE_TAINT)
                self.store.update(node, actor=self.name, verb="update status")
                self.store.record_event(node, "NodeNotReady", f"Node {node['metadata']['name']} status is now: NodeNotReady", source=self.name)
                self._mark_pods_not_ready(node["metadata"]["name"])
            elif not silent and ready["status"] == "True" and self._has_taint(node, UNREACHABLE_TAINT, NOT_READY_TAINT):
                self._set_taints(node, None)
                self.store.update(node, actor=self.name)
            elif not silent and ready["status"] == "False" and not self._has_taint(node, NOT_READY_TAINT):
                self._set_taints(node, NOT_READY_TAINT)
                self.store.update(node, actor=self.name)
        self.sim.schedule(NODE_MONITOR_PERIOD, self.monitor, label="node-controller monitor")

    @staticmethod
    def _has_taint(node: dict, *keys: str) -> bool:
        return any(t["key"] in keys for t in node["spec"].get("taints") or ())

    def _set_taints(self, node: dict, key: str | None) -> None:
        keep = [t for t in node["spec"].get("taints") or () if t["key"] not in (UNREACHABLE_TAINT, NOT_READY_TAINT)]
        if key is not None:
            keep += [{"key": key, "effect": "NoSchedule", "timeAdded": self.sim.now}, {"key": key, "effect": "NoExecute", "timeAdded": self.sim.now}]
        node["spec"]["taints"] = keep

    def _mark_pods_not_ready(self, node_name: str) -> None:
        for pod in self.store.by_index("pods-by-node", node_name):
            if set_condition(pod, "Ready", "False", self.sim.now, None, None):
                self.store.update(pod, actor=self.name, verb="update status")


def no_execute_taints(taints) -> list[dict]:
    """``getNoExecuteTaints``: the taints with effect NoExecute.

    >>> no_execute_taints([{"key": "one", "effect": "NoExecute"}, {"key": "two", "effect": "NoSchedule"}])
    [{'key': 'one', 'effect': 'NoExecute'}]
    """
    return [t for t in taints or () if t.get("effect") == "NoExecute"]


def min_toleration_time(tolerations) -> float:
    """``getMinTolerationTime``: seconds until eviction; ``math.inf`` = tolerated forever, 0 with no tolerations.

    >>> min_toleration_time([{"tolerationSeconds": None}, {"tolerationSeconds": 1}]), min_toleration_time([{}])
    (1, inf)
    """
    if not tolerations:
        return 0
    seconds = math.inf
    for t in tolerations:
        if t.get("tolerationSeconds") is not None:
            if t["tolerationSeconds"] <= 0:
                return 0
            seconds = min(seconds, t["tolerationSeconds"])
    return seconds


def _tolerations_key(pod: dict) -> tuple:
    """A hashable snapshot of a Pod's tolerations (to notice that they changed)."""
    return tuple(tuple(sorted((k, repr(v)) for k, v in t.items())) for t in pod["spec"].get("tolerations") or ())


class TaintEvictionController:
    """Deletes Pods from nodes with NoExecute taints, after their ``tolerationSeconds``.

    As ``pkg/controller/tainteviction`` (``PodUpdated`` / ``NodeUpdated`` / ``processPodOnNode``):
    a Pod is (re)considered when it appears with ``spec.nodeName`` set (created bound, or bound by
    the scheduler), when its tolerations or node change, and when its node's taints change:

    * a NoExecute taint it does not tolerate: deleted at once (pending eviction cancelled);
    * tolerated forever (no ``tolerationSeconds``): pending eviction cancelled;
    * otherwise evicted ``min(tolerationSeconds)`` after it was first scheduled for eviction
      (``tolerationSeconds <= 0`` means now); an eviction already pending keeps its time;
    * the node's NoExecute taints removed: pending evictions cancelled.

    Simplified: Pods that already finished (Succeeded/Failed) are left alone.
    """

    name = "taint-eviction-controller"

    def __init__(self, store: APIStore, sim: Simulation) -> None:
        self.store = store
        self.sim = sim
        #: Pod key -> (timer, time the eviction was scheduled)
        self._timers: dict[tuple, tuple[object, float]] = {}
        #: Pod key -> (nodeName, tolerations) last processed, to react only to changes (PodUpdated)
        self._seen: dict[tuple, tuple] = {}
        self._interned: dict[tuple, tuple] = {}  # one copy per distinct toleration list (replicas share theirs)
        store.watch("Node", self._on_node)
        store.watch("Pod", self._on_pod)

    def _on_node(self, ev: WatchEvent) -> None:
        if ev.type == DELETED:
            return
        for pod in self.store.by_index("pods-by-node", ev.object["metadata"]["name"]):
            self._process(pod, ev.object)

    def _on_pod(self, ev: WatchEvent) -> None:
        pod = ev.object
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        if ev.type == DELETED:
            self._seen.pop(key, None)
            self._cancel(key)
            return
        node_name = pod["spec"].get("nodeName")
        if not node_name or (ev.verb == "update status" and key in self._seen):
            return  # a status write cannot change the spec (the status subresource ignores it)
        tols = _tolerations_key(pod)
        state = (node_name, self._interned.setdefault(tols, tols))
        if self._seen.get(key) == state:
            return  # neither the node nor the tolerations changed
        self._seen[key] = state
        node = self.store.get("Node", None, node_name)
        if node is not None:
            self._process(pod, node)

    def scheduled_evictions(self) -> dict[tuple, float]:
        """``{(namespace, name): time the Pod will be deleted}`` for every pending eviction."""
        return {k: t.time for k, (t, _start) in sorted(self._timers.items())}

    def _cancel(self, key: tuple) -> None:
        """``cancelWorkWithEvent``: drop a pending eviction and say so in an event."""
        entry = self._timers.pop(key, None)
        if entry is not None:
            entry[0].cancel()
            pod = self.store.get("Pod", *key)
            if pod is not None:
                self.store.record_event(pod, "TaintManagerEviction", f"Cancelling deletion of Pod {key[0]}/{key[1]}",
                                        source=self.name)

    def _process(self, pod: dict, node: dict) -> None:
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        taints = node["spec"].get("taints")
        if not taints and key not in self._timers:
            return  # the common case: an untainted node
        taints = no_execute_taints(taints)
        if not taints or not is_pod_active(pod):
            self._cancel(key)
            return
        used = []
        for taint in taints:
            matching = [t for t in pod["spec"].get("tolerations") or () if tolerates(t, taint)]
            if not matching:
                self._cancel(key)
                self._evict(key)
                return
            used += matching
        seconds = min_toleration_time(used)
        if seconds == math.inf:
            self._cancel(key)
            return
        now = self.sim.now
        start = now
        entry = self._timers.get(key)
        if entry is not None:
            start = entry[1]
            if start < now:
                return  # already counting down since the taint was first seen
            self._cancel(key)
        timer = self.sim.schedule(max(start + seconds - now, 0), lambda: self._fire(key), label="taint eviction")
        self._timers[key] = (timer, start)

    def _fire(self, key: tuple) -> None:
        self._timers.pop(key, None)
        self._evict(key)

    def _evict(self, key: tuple) -> None:
        pod = self.store.get("Pod", *key)
        if pod is None or pod["metadata"].get("deletionTimestamp") is not None:
            return
        self.store.record_event(pod, "TaintManagerEviction", f"Marking for deletion Pod {key[0]}/{key[1]}", source=self.name)
        set_condition(pod, "DisruptionTarget", "True", self.sim.now, "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint")
        self.store.update(pod, actor=self.name, verb="update status")
        self.store.delete("Pod", key[0], key[1], actor=self.name)
