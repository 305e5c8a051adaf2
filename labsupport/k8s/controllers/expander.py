"""The cluster autoscaler's what-if tools: a scheduling snapshot, the binpacking estimator, the expanders.

* :class:`Snapshot` -- the autoscaler's ``ClusterSnapshot``: nodes (real or *template* nodes
  that do not exist yet) and Pods, judged by **the scheduler's own Filter plugins**
  (:class:`~labsupport.k8s.scheduler.framework.Framework` over a scratch
  :class:`~labsupport.k8s.scheduler.cache.NodeCache`), so "would this Pod fit a new node of
  group X" means exactly what kube-scheduler would decide;
* :func:`estimate` -- ``estimator/binpacking_estimator.go``: put the pending Pods one by one on
  the template nodes opened so far, open a new one when none fits, up to a limit;
* :func:`choose` -- ``expander/``: ``least-waste`` (the default of ``--expander`` since
  kubernetes/autoscaler PR #7631, merged in 2025; ``config/flags/flags.go``; it was ``random``
  before, as older FAQ tables still say), ``random``, ``most-pods``, ``least-nodes`` (since 1.31)
  and ``priority``. Ties are broken at random (as upstream's fallback to ``random``), with the
  cluster's seeded generator.

Simplified: the estimator keeps the Pods in the autoscaler's order (upstream sorts them by a
size score first); ``least-waste`` scores CPU and memory only; ``price`` and gRPC expanders
are not simulated.

>>> choose("most-pods", [Option("a", 1, 3, 0.5), Option("b", 2, 5, 0.2)], random.Random(0)).group
'b'
>>> choose("least-waste", [Option("a", 1, 3, 0.5), Option("b", 2, 5, 0.2)], random.Random(0)).group
'b'
"""
from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from labsupport.core import LabError
from labsupport.k8s.quantity import parse_cpu, parse_memory, pod_requests
from labsupport.k8s.scheduler.cache import NodeCache
from labsupport.k8s.scheduler.framework import Framework
from labsupport.k8s.scheduler.podinfo import PodInfo

__all__ = ["Snapshot", "Option", "estimate", "choose", "EXPANDERS", "DEFAULT_EXPANDER", "waste"]

EXPANDERS = ("least-waste", "random", "most-pods", "least-nodes", "priority")
#: ``--expander`` default: ``least-waste`` (``config/flags/flags.go``, PR #7631; ``random`` until 2025).
DEFAULT_EXPANDER = "least-waste"


def _unbound(pod: Mapping) -> Mapping:
    """The Pod as if it were not bound yet (a bound Pod's ``nodeName`` would make the NodeName filter reject every other node)."""
    if not pod["spec"].get("nodeName"):
        return pod
    return {**pod, "spec": {k: v for k, v in pod["spec"].items() if k != "nodeName"}}


class Snapshot:
    """A scratch copy of (some) nodes and Pods that the scheduler's filters can be asked about."""

    def __init__(self, profile) -> None:
        self.cache = NodeCache(capacity=8)
        self.framework = Framework(profile, self.cache, None)

    def add_node(self, node: Mapping) -> None:
        self.cache.set_node(node)

    def add_pod(self, pod: Mapping, node_name: str) -> None:
        self.cache.add_pod(PodInfo.from_dict(pod), node_name)

    def remove_pod(self, pod: Mapping) -> None:
        self.cache.remove_pod((pod["metadata"]["namespace"], pod["metadata"]["name"]))

    def fit(self, pod: Mapping, nodes: list[str]) -> str | None:
        """The first of ``nodes`` on which every Filter plugin accepts ``pod``, or None."""
        slots = [self.cache.slot[n] for n in nodes if n in self.cache.slot]
        if not slots:
            return None
        state = self.framework.new_state(PodInfo.from_dict(_unbound(pod)))
        out = self.framework.run_filters(state, np.array(slots))
        hits = np.flatnonzero(out.feasible)
        return nodes[int(hits[0])] if hits.size else None

    def reason(self, pod: Mapping, node: str) -> str:
        """Why ``node`` rejects ``pod`` (the Filter plugin's reason), '' if it fits."""
        state = self.framework.new_state(PodInfo.from_dict(_unbound(pod)))
        out = self.framework.run_filters(state, np.array([self.cache.slot[node]]))
        return "" if out.feasible[0] else out.status(0).reasons[0] if out.status(0).reasons else str(out.status(0))


def estimate(snapshot: Snapshot, template: dict, pods: list[dict], limit: int) -> tuple[int, list[dict]]:
    """Binpacking estimate: how many new nodes of ``template`` the ``pods`` need (at most ``limit``), and which Pods they help.

    Pods that do not fit even an empty template node are left out.
    """
    opened: list[str] = []
    helped: list[dict] = []
    base = template["metadata"]["name"]
    for pod in pods:
        where = snapshot.fit(pod, opened)
        if where is None:
            if len(opened) >= limit:
                continue
            name = f"{base}-template-{len(opened)}"
            node = {**template, "metadata": {**template["metadata"], "name": name}}
            snapshot.add_node(node)
            if snapshot.fit(pod, [name]) is None:
                snapshot.cache.remove_node(name)
                continue
            opened.append(name)
            where = name
        snapshot.add_pod(pod, where)
        helped.append(pod)
    return len(opened), helped


@dataclass(frozen=True)
class Option:
    """One way to scale up: add ``nodes`` to ``group``, which would place ``pods`` Pods with ``waste`` unused."""

    group: str
    nodes: int
    pods: int
    waste: float
    priority: int = 0


def waste(template_cpu_m: int, template_mem_b: int, nodes: int, pods: list[dict]) -> float:
    """least-waste's score: the mean of the unused CPU and memory fractions of the new nodes.

    >>> waste(4000, 16 * 2**30, 1, [{"spec": {"containers": [{"resources": {"requests": {"cpu": "2", "memory": "4Gi"}}}]}}])
    0.625
    """
    cpu = sum(pod_requests(p).get("cpu", 0) for p in pods)
    mem = sum(pod_requests(p).get("memory", 0) for p in pods)
    total_cpu, total_mem = template_cpu_m * nodes, template_mem_b * nodes
    return ((total_cpu - cpu) / total_cpu + (total_mem - mem) / total_mem) / 2


def choose(expander: str, options: list[Option], rng: random.Random) -> Option | None:
    """Pick one option as ``--expander=<expander>`` would; ties (and ``random``) use ``rng``."""
    if not options:
        return None
    if expander == "random":
        best = options
    elif expander == "most-pods":
        top = max(o.pods for o in options)
        best = [o for o in options if o.pods == top]
    elif expander == "least-waste":
        low = min(o.waste for o in options)
        best = [o for o in options if o.waste == low]
    elif expander == "least-nodes":
        low = min(o.nodes for o in options)
        best = [o for o in options if o.nodes == low]
    elif expander == "priority":
        top = max(o.priority for o in options)
        best = [o for o in options if o.priority == top]
    else:
        raise LabError(f"expander: must be one of {', '.join(EXPANDERS)}, got {expander!r}")
    return best[0] if len(best) == 1 else best[rng.randrange(len(best))]


def priority_of(group: str, priorities: Mapping[int, list[str]] | None) -> int:
    """The ``priority`` expander's ConfigMap: the highest priority whose regular expressions match the group name.

    >>> priority_of("spot-workers", {10: [".*spot.*"], 1: [".*"]})
    10
    """
    best = -1
    for prio, patterns in (priorities or {}).items():
        if any(re.fullmatch(p, group) for p in patterns):
            best = max(best, int(prio))
    return best


def template_node(name: str, cpu_m: int, mem_b: int, pods: int, labels: Mapping[str, str], taints: list) -> dict:
    """A Node dict for the group's template (``TemplateNodeInfo``)."""
    res = {"cpu": f"{cpu_m}m", "memory": str(mem_b), "pods": str(pods)}
    return {"kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **labels}},
            "spec": {"taints": [dict(t) for t in taints]}, "status": {"allocatable": res, "capacity": dict(res)}}


def parse_template(cpu, memory) -> tuple[int, int]:
    return parse_cpu(cpu, "cpu"), parse_memory(memory, "memory")
