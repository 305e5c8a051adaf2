"""Read a ``labsupport.k8s.Cluster`` into plot records, the way a client would: from the API store.

Everything comes from what Kubernetes itself exposes: Node ``status.allocatable``, Pod
``spec.nodeName`` and requests (:func:`labsupport.k8s.pod_requests`), owner references,
the Events, read by ``reason`` and involved object ids only, never by message text (``Scheduled``
with its related Node, ``TaintManagerEviction``, ``Preempted``, ``Killing``, ``BackOff``,
``NodeNotReady``), the write log behind ``cluster.watch_log()`` and the HPA's ``status``.

>>> from labsupport import k8s
>>> c = k8s.Cluster(seed=0)
>>> c.add_node("node-1", cpu="2", memory="4Gi")
>>> [(b.name, b.cpu, b.memory) for b in bins(c)]
[('node-1', 2.0, 4096.0)]
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from labsupport.core import LabError
from labsupport.plots.data import Architecture, Bin, Component, Flow, HPASample, Item, Mark, Span, Timeline

__all__ = ["bins", "timeline", "architecture", "sample_hpa", "owner_group"]

_MIB = 2**20
#: Node Events drawn as timeline marks (node lifecycle controller: NodeNotReady; kubelet: NodeReady).
_NODE_MARKS = {"NodeNotReady": "failure", "NodeReady": "recovery"}


def _cores(millicores: int) -> float:
    return millicores / 1000.0


def owner_group(store, pod: dict) -> str:
    """The Deployment (or ReplicaSet, or the Pod itself) a Pod belongs to: what colours it in the plots."""
    refs = pod["metadata"].get("ownerReferences") or ()
    ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    if ref is None:
        return pod["metadata"]["name"]
    if ref["kind"] == "ReplicaSet":
        rs = store.get("ReplicaSet", pod["metadata"]["namespace"], ref["name"])
        for r in (rs or {}).get("metadata", {}).get("ownerReferences") or ():
            if r.get("controller") and r["kind"] == "Deployment":
                return r["name"]
    return ref["name"]


def _node_ready(node: dict) -> bool:
    for c in node.get("status", {}).get("conditions") or ():
        if c["type"] == "Ready":
            return c["status"] == "True"
    return False


def bins(cluster: Any) -> list[Bin]:
    """One :class:`Bin` per Node (allocatable cpu/memory) with its non-terminal Pods' requests."""
    from labsupport.k8s.quantity import parse_cpu, parse_memory, pod_requests

    store = cluster.store
    by_node: dict[str, list[Item]] = {}
    for pod in store.list("Pod"):
        node = pod["spec"].get("nodeName")
        if not node or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        req = pod_requests(pod)
        by_node.setdefault(node, []).append(Item(pod["metadata"]["name"], owner_group(store, pod),
                                                 _cores(req.get("cpu", 0)), req.get("memory", 0) / _MIB))
    out = []
    for node in store.list("Node"):
        name = node["metadata"]["name"]
        alloc = node["status"]["allocatable"]
        out.append(Bin(name, _cores(parse_cpu(alloc["cpu"], "cpu")), parse_memory(alloc["memory"], "memory") / _MIB,
                       tuple(by_node.get(name, ())), down=not _node_ready(node)))
    return out


def timeline(cluster: Any) -> Timeline:
    """Pods per node over time, from the Events and the write log.

    A span starts at the Pod's ``Scheduled`` event (which names the node) and ends when the
    Pod is deleted from the store or reaches Succeeded/Failed. Marks: ``NodeNotReady``
    (failure, seen by the node lifecycle controller), ``NodeReady`` (recovery, recorded by the
    kubelet when its node's Ready condition turns True again), ``TaintManagerEviction``/
    ``Preempted`` (eviction) and ``BackOff`` (restart).
    """
    store = cluster.store
    now = cluster.now
    events = sorted(store.events, key=lambda e: (e.first_time, e.seq))
    start: dict[tuple[str, str], tuple[float, str]] = {}
    outcome: dict[tuple[str, str], str] = {}
    marks: list[Mark] = []
    for e in events:
        key = (e.namespace, e.name)
        if e.kind == "Pod" and e.reason == "Scheduled" and e.ids("Node"):
            start[key] = (e.first_time, e.ids("Node")[0])
        elif e.kind == "Pod" and e.reason in ("TaintManagerEviction", "Preempted"):
            outcome[key] = "evicted"
        elif e.kind == "Pod" and e.reason == "Killing":
            outcome.setdefault(key, "killed")
        elif e.kind == "Node" and e.reason in _NODE_MARKS:
            for t in [e.first_time] + ([e.last_time] if e.count > 1 else []):    # aggregated: first and last
                marks.append(Mark(e.name, t, _NODE_MARKS[e.reason], e.reason))
    pod_marks = []
    for e in events:
        key = (e.namespace, e.name)
        if e.kind == "Pod" and key in start:
            node = start[key][1]
            if e.reason in ("TaintManagerEviction", "Preempted"):
                pod_marks.append(Mark(node, e.first_time, "eviction", e.name))
            elif e.reason == "BackOff":
                pod_marks.append(Mark(node, e.first_time, "restart", e.name))
                if e.count > 1:
                    pod_marks.append(Mark(node, e.last_time, "restart", e.name))
    end: dict[tuple[str, str], float] = {}
    last_write: dict[tuple[str, str], float] = {}
    for w in store.writes(0):
        if w.kind == "Pod":
            last_write[(w.namespace, w.name)] = w.time
            if w.type == "DELETED":
                end[(w.namespace, w.name)] = w.time
    spans = []
    for key, (t0, node) in sorted(start.items(), key=lambda kv: (kv[1][0], kv[0])):
        pod = store.get("Pod", key[0], key[1])
        group = owner_group(store, pod) if pod is not None else re.sub(r"(-[a-z0-9]{5,10})?-[a-z0-9]{5}$", "", key[1])
        t1, why = end.get(key), outcome.get(key)
        if pod is not None:
            phase = (pod.get("status") or {}).get("phase")
            if phase in ("Succeeded", "Failed"):
                t1, why = last_write.get(key, now), phase.lower()
            elif key not in end:
                t1, why = None, None
        if t1 is not None and why is None:
            why = "deleted"
        spans.append(Span(node, key[1], group, t0, t1, why))
    lanes = [n["metadata"]["name"] for n in store.list("Node")]
    return Timeline(lanes, spans, tuple(marks) + tuple(pod_marks), now=now, lane_title="node")


def _component(actor: str) -> str:
    if actor.startswith("kubelet/"):
        return actor
    if actor in ("default-scheduler", "kube-scheduler"):
        return "kube-scheduler"
    if actor == "kubectl":
        return "kubectl"
    if actor == "kube-apiserver":
        return "kube-apiserver"
    return "kube-controller-manager"


def architecture(cluster: Any, include_heartbeats: bool = False) -> Architecture:
    """Hub and spoke: who wrote to the API server (counted from the write log) and what it sent back.

    Down-arrows: the scheduler and the controller manager (the controllers in
    ``cluster.controllers``) receive every write of each kind they watch, as listed by
    ``store.watchers()``; a kubelet receives every write to a Pod from its binding to its node
    (the node named by the ``Scheduled`` event) until its deletion, as its watch with field
    selector ``spec.nodeName=<node>`` does. ``include_heartbeats`` adds the kubelets' Lease
    renewals (every 10 s).
    """
    store = cluster.store
    writes = list(store.writes(0))
    by_actor: dict[str, dict[str, int]] = {}
    by_kind: dict[str, int] = {}
    for w in writes:
        if w.kind == "Lease" and not include_heartbeats:
            continue
        comp = _component(w.actor)
        if w.kind == "Lease":
            label = "renew Lease"
        elif w.verb == "bind":
            label = "bind Pod"
        elif comp.startswith("kubelet/"):
            label = "Pod/Node status"
        else:
            label = "write"
        by_actor.setdefault(comp, {})
        by_actor[comp][label] = by_actor[comp].get(label, 0) + 1
        by_kind[w.kind] = by_kind.get(w.kind, 0) + 1
    # watch notifications: a component receives every write of each kind it registered a watch for
    controllers = {c.name for c in cluster.controllers.values()}
    watched: dict[str, set[str]] = {"kube-scheduler": set(), "kube-controller-manager": set()}
    for w in store.watchers():
        if w.owner == "kube-scheduler":
            watched["kube-scheduler"].add(w.kind)
        elif w.owner in controllers:
            watched["kube-controller-manager"].add(w.kind)
    # a kubelet watches the Pods bound to its node: from the bind (node named by the Scheduled event) to deletion
    scheduled: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for e in store.events:
        if e.kind == "Pod" and e.reason == "Scheduled" and e.ids("Node"):
            scheduled.setdefault((e.namespace, e.name), []).append((e.first_time, e.ids("Node")[0]))
    node_of: dict[tuple[str, str], str] = {}
    pod_events: dict[str, int] = {}
    for w in writes:
        if w.kind != "Pod":
            continue
        key = (w.namespace, w.name)
        if w.verb == "bind":
            to = max((b for b in scheduled.get(key, ()) if b[0] <= w.time), default=None)   # None: bound without an Event
            if to is not None:
                node_of[key] = to[1]
        if key in node_of:
            pod_events[node_of[key]] = pod_events.get(node_of[key], 0) + 1
        if w.type == "DELETED":
            node_of.pop(key, None)
    nodes = [n["metadata"]["name"] for n in store.list("Node")]
    comps = [Component("kubectl", 0, 0, "client"), Component("kube-scheduler", 0, 1, "control plane"),
             Component("kube-controller-manager", 0, 2, "control plane"),
             Component("kube-apiserver", 1, 0, "API server"), Component("etcd", 1, 1, "store")]
    comps += [Component(f"kubelet/{n}", 2, i, "node") for i, n in enumerate(nodes)]
    flows = []
    for comp, labels in sorted(by_actor.items()):
        if comp == "kube-apiserver":
            continue
        for label, n in sorted(labels.items()):
            flows.append(Flow(comp, "kube-apiserver", label, n))
    flows.append(Flow("kube-apiserver", "etcd", "write", len([w for w in writes if include_heartbeats or w.kind != "Lease"])))
    for comp, kinds in watched.items():
        flows.append(Flow("kube-apiserver", comp, "watch", sum(by_kind.get(k, 0) for k in kinds)))
    for n in nodes:
        flows.append(Flow("kube-apiserver", f"kubelet/{n}", "watch own Pods", pod_events.get(n, 0)))
    return Architecture(f"Kubernetes: every component talks to the API server\n(counts up to t = {cluster.now:g} s)",
                        comps, tuple(flows))


def sample_hpa(cluster: Any, name: str, seconds: float, every: float = 15.0, namespace: str = "default",
               load: Callable[[float], float] | None = None) -> list[HPASample]:
    """Run ``cluster`` for ``seconds``, reading HPA ``name``'s status every ``every`` seconds.

    ``load(t)`` (optional, e.g. the function given to ``cluster.set_load``) is recorded as
    the offered load; without it the load is the summed CPU usage of the target's Pods, in cores.
    """
    if not seconds > 0 or not every > 0:
        raise LabError(f"sample_hpa: seconds and every must be > 0, got {seconds!r}, {every!r}")
    out: list[HPASample] = []
    steps = int(round(seconds / every))
    for i in range(steps + 1):
        if i:
            cluster.run(every)
        hpa = cluster.object("HorizontalPodAutoscaler", name, namespace)
        status = hpa.get("status") or {}
        target = 80.0
        for m in hpa["spec"].get("metrics") or ():
            if m.get("type") == "Resource":
                target = float(m["resource"]["target"].get("averageUtilization", target))
                break
        util = None
        for m in status.get("currentMetrics") or ():
            cur = (m.get("resource") or {}).get("current") or {}
            if "averageUtilization" in cur:
                util = float(cur["averageUtilization"])
                break
        ref = hpa["spec"]["scaleTargetRef"]
        target_obj = cluster.object(ref["kind"], ref["name"], namespace)
        if load is not None:
            offered = float(load(cluster.now))
        else:
            offered = _usage_cores(cluster, target_obj, namespace)
        out.append(HPASample(cluster.now, offered, util, target, int(status.get("desiredReplicas", target_obj["spec"].get("replicas", 1))),
                             int(status.get("currentReplicas", (target_obj.get("status") or {}).get("replicas", 0)))))
    return out


def _usage_cores(cluster: Any, target: dict, namespace: str) -> float:
    from labsupport.k8s.objects import selector_matches

    sel = target["spec"].get("selector")
    total = 0.0
    for p in cluster.store.list("Pod", namespace):
        if selector_matches(sel, p["metadata"].get("labels")):
            u = cluster.metrics.pod_usage(p, "cpu", cluster.now)
            total += (u or 0.0) / 1000.0
    return total
