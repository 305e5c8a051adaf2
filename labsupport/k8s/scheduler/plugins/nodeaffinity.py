"""NodeAffinity: Filter on nodeSelector + required node affinity, Score on preferred terms.

Source: ``nodeaffinity/node_affinity.go`` and
``component-helpers/scheduling/corev1/nodeaffinity``.

* Filter: every ``nodeSelector`` pair must be a node label AND (if set) at least one
  ``requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`` entry must
  match; otherwise UnschedulableAndUnresolvable,
  "node(s) didn't match Pod's node affinity/selector".
* Score: the sum of the ``weight`` of every preferred term the node matches;
  NormalizeScore is ``DefaultNormalizeScore(100, reverse=False)``. PreScore skips the
  plugin for a Pod without preferred terms.

>>> import numpy as np
>>> from labsupport.k8s.scheduler.cache import NodeCache
>>> from labsupport.k8s.scheduler.podinfo import PodInfo
>>> c = NodeCache()
>>> for n, disk in (("n1", "ssd"), ("n2", "hdd")):
...     _ = c.set_node({"metadata": {"name": n, "labels": {"disk": disk}}, "status": {"allocatable": {"cpu": "1"}}})
>>> pod = PodInfo.from_dict({"metadata": {"name": "p"}, "spec": {"affinity": {"nodeAffinity": {
...     "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 30, "preference": {
...         "matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}}]}}}})
>>> pl = NodeAffinity(c); st = CycleState(pod, c); idx = np.array([0, 1])
>>> raw = pl.score(st, idx); raw.tolist(), pl.normalize(st, idx, raw).tolist()
([30, 0], [100, 0])
"""
from __future__ import annotations

import numpy as np

from labsupport.k8s.scheduler import scoring
from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.podinfo import node_matches_required_affinity, node_selector_term_matches
from labsupport.k8s.scheduler.status import Code

__all__ = ["NodeAffinity", "required_affinity_mask"]


def required_affinity_mask(cache, pod, memo: dict | None = None) -> np.ndarray:
    """Per node slot: does the node satisfy the Pod's nodeSelector and required node affinity."""
    key = ("req", cache.generation, repr((pod.node_selector, pod.required_node_terms)))
    if memo is not None and key in memo:
        return memo[key]
    out = np.zeros(len(cache.alive), dtype=bool)
    for s, name in enumerate(cache.names):
        if name is not None:
            out[s] = node_matches_required_affinity(pod, name, cache.labels[s])
    if memo is not None:
        if len(memo) > 256:
            memo.clear()
        memo[key] = out
    return out


class NodeAffinity(Plugin):
    """Required node affinity / nodeSelector as a Filter; preferred node affinity as a Score."""

    name = "NodeAffinity"
    filters = True
    scores = True
    REASON = "node(s) didn't match Pod's node affinity/selector"

    def __init__(self, cache, args=None) -> None:
        super().__init__(cache, args)
        self._memo: dict = {}

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        pod = state.pod
        if not pod.node_selector and pod.required_node_terms is None:
            return None
        mask = ~required_affinity_mask(self.cache, pod, self._memo)[idx]
        return Rejection(mask, Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (self.REASON,)) if mask.any() else None

    def pre_score(self, state: CycleState, idx: np.ndarray) -> bool:
        return bool(state.pod.preferred_node_terms)

    def score(self, state: CycleState, idx: np.ndarray) -> np.ndarray:
        c, terms = self.cache, state.pod.preferred_node_terms
        key = ("pref", c.generation, repr(terms))
        per_slot = self._memo.get(key)
        if per_slot is None:
            per_slot = np.zeros(len(c.alive), dtype=np.int64)
            for s, name in enumerate(c.names):
                if name is None:
                    continue
                per_slot[s] = sum(int(t.get("weight", 0)) for t in terms
                                  if node_selector_term_matches(t.get("preference") or {}, name, c.labels[s]))
            self._memo[key] = per_slot
        return per_slot[idx]

    def normalize(self, state: CycleState, idx: np.ndarray, raw: np.ndarray) -> np.ndarray:
        return scoring.default_normalize_score(raw, reverse=False)
