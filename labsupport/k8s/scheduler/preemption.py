"""DefaultPreemption: when no node fits, evict lower-priority Pods from the best candidate node.

Follows ``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go``
and ``pkg/scheduler/framework/preemption/preemption.go``:

1. **Eligibility** -- ``preemptionPolicy: Never`` never preempts; a Pod already
   nominated to a node where a lower-priority Pod is still terminating waits.
2. **Candidates** -- only nodes whose Filter status was Unschedulable (not
   UnschedulableAndUnresolvable). Starting at a random offset (``sim.rng``), nodes are
   dry-run until ``max(10% of them, 100)`` candidates are found.
3. **Victims on a node** (``SelectVictimsOnNode``) -- remove every Pod of lower
   priority; if the Pod still does not pass the Filters, the node is no candidate.
   Then *reprieve* as many as possible: from the most important (higher priority,
   then earlier start) down, put each back if the Pod still fits; the rest are victims.
   PodDisruptionBudgets are **not** simulated, so every node has 0 PDB violations.
4. **Pick one node** (``pickOneNodeForPreemption``), criteria in order: a node with
   no victims; fewest PDB violations; lowest highest-victim priority; smallest sum of
   victim priorities; fewest victims; latest start time of the earliest-started
   highest-priority victim; else the first candidate.

The scheduler then deletes the victims through the API store, sets the Pod's
``status.nominatedNodeName`` and retries it when the victims are gone.

>>> pick_one_node([("n1", [(100, 5.0), (10, 1.0)]), ("n2", [(10, 2.0), (10, 3.0)])])
'n2'
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from labsupport.k8s.scheduler.framework import Framework
from labsupport.k8s.scheduler.podinfo import PodInfo
from labsupport.k8s.scheduler.status import Code, fit_error_message

__all__ = ["PreemptionResult", "preempt", "select_victims_on_node", "pick_one_node", "num_candidates"]

MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_HELPFUL = "Preemption is not helpful for scheduling"


@dataclass
class PreemptionResult:
    """Outcome of PostFilter: the nominated node and its victims, or a message saying why not."""

    node: str | None = None
    victims: list[PodInfo] = field(default_factory=list)
    message: str = ""


def num_candidates(num_potential: int) -> int:
    """``max(num * 10 / 100, 100)``, at most ``num`` (``calculateNumCandidates``).

    >>> num_candidates(50), num_candidates(5000)
    (50, 500)
    """
    n = num_potential * MIN_CANDIDATE_NODES_PERCENTAGE // 100
    return min(max(n, MIN_CANDIDATE_NODES_ABSOLUTE), num_potential)


def _fits(fw: Framework, pod: PodInfo, slot: int) -> bool:
    state = fw.new_state(pod)
    active = fw.run_pre_filter(state)
    return bool(fw.run_filters(state, np.array([slot]), active).feasible[0])


def select_victims_on_node(fw: Framework, pod: PodInfo, slot: int) -> list[PodInfo] | None:
    """The Pods to evict from ``slot`` so ``pod`` fits, most important first; None if evicting cannot help.

    The cache is changed for the dry run and restored before returning.
    """
    cache = fw.cache
    lower = [p for p in cache.pods[slot].values() if p.priority < pod.priority]
    if not lower:
        return None
    # most important first: higher priority, then earlier start (util.MoreImportantPod)
    lower.sort(key=lambda p: (-p.priority, p.start_time, p.key))
    node = cache.names[slot]
    for p in lower:
        cache.remove_pod(p.key)
    victims: list[PodInfo] = []
    try:
        if not _fits(fw, pod, slot):
            return None
        for p in lower:
            cache.add_pod(p, node)
            if not _fits(fw, pod, slot):
                cache.remove_pod(p.key)
                victims.append(p)
        return victims
    finally:
        for p in lower:
            if p.key not in cache.pod_slot:
                cache.add_pod(p, node)


def pick_one_node(candidates: Sequence[tuple[str, Sequence[tuple[int, float]]]]) -> str:
    """Choose among ``(node, [(victim priority, victim start time), ...])`` (victims most important first).

    >>> pick_one_node([("a", [(5, 1.0)]), ("b", [])])
    'b'
    >>> pick_one_node([("a", [(5, 1.0)]), ("b", [(5, 9.0)])])   # latest start of the top victim
    'b'
    """
    for name, victims in candidates:
        if not victims:
            return name
    pool = list(candidates)
    # 1. PDB violations: not simulated, all 0.
    # 2. lowest highest-priority victim
    best = min(max(p for p, _ in v) for _, v in pool)
    pool = [c for c in pool if max(p for p, _ in c[1]) == best]
    # 3. smallest sum of priorities (each shifted by MaxInt32 + 1 so negative priorities count too)
    best = min(sum(p + 2**31 for p, _ in v) for _, v in pool)
    pool = [c for c in pool if sum(p + 2**31 for p, _ in c[1]) == best]
    # 4. fewest victims
    best = min(len(v) for _, v in pool)
    pool = [c for c in pool if len(c[1]) == best]

    # 5. latest start time among the earliest-started highest-priority victims
    def earliest_top(v):
        top = max(p for p, _ in v)
        return min(t for p, t in v if p == top)

    best_t = max(earliest_top(v) for _, v in pool)
    pool = [c for c in pool if earliest_top(c[1]) == best_t]
    return pool[0][0]


def preempt(fw: Framework, pod: PodInfo, statuses: dict[int, object], num_all_nodes: int, rng) -> PreemptionResult:
    """PostFilter: find a node where evicting lower-priority Pods lets ``pod`` fit.

    ``statuses`` maps node slot -> the Filter Status the cycle recorded for it.
    """
    if pod.preemption_policy == "Never":
        return PreemptionResult(message="preemption: not eligible due to preemptionPolicy=Never.")
    cache = fw.cache
    if pod.nominated_node_name and pod.nominated_node_name in cache.slot:
        s = cache.slot[pod.nominated_node_name]
        if any(p.terminating and p.priority < pod.priority for p in cache.pods[s].values()):
            return PreemptionResult(message="preemption: not eligible: victims on the nominated node are still terminating.")
    order = cache.order().tolist()
    potential = [s for s in order if s in statuses and statuses[s].code == Code.UNSCHEDULABLE]
    reasons: dict[int, tuple] = {s: (NOT_HELPFUL,) for s in order if s not in potential}
    candidates: list[tuple[int, list[PodInfo]]] = []
    if potential:
        want = num_candidates(len(potential))
        offset = rng.randrange(len(potential))
        for i in range(len(potential)):
            s = potential[(offset + i) % len(potential)]
            victims = select_victims_on_node(fw, pod, s)
            if victims is None:
                reasons[s] = (NO_VICTIMS,)
            else:
                candidates.append((s, victims))
                if len(candidates) >= want:
                    break
    if not candidates:
        msg = fit_error_message(num_all_nodes, [reasons[s] for s in order if s in reasons])
        return PreemptionResult(message="preemption: " + msg)
    by_name = {cache.names[s]: v for s, v in candidates}
    chosen = pick_one_node([(cache.names[s], [(p.priority, p.start_time) for p in v]) for s, v in candidates])
    return PreemptionResult(node=chosen, victims=by_name[chosen])
