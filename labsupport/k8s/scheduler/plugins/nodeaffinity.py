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

from labsupport.k8s.scheduler import fastpath, scoring
from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.podinfo import node_matches_required_affinity, node_selector_term_matches
from labsupport.k8s.scheduler.status import Code

__all__ = ["NodeAffinity", "required_affinity_mask"]


def required_affinity_mask(cache, pod, slots: np.ndarray, memo: dict | None = None) -> np.ndarray:
    """Per node slot of ``slots``: does the node satisfy the Pod's nodeSelector and required node affinity.

    ``memo`` (a plugin's memo dict) lets the fast path ``k8s.plugin_memos`` remember the answer per selector.
    """
    def compute(slots: np.ndarray) -> np.ndarray:
        out = np.zeros(np.shape(slots), dtype=bool)
        for pos, s in enumerate(np.ravel(slots).tolist()):
            name = cache.names[s]
            out.flat[pos] = name is not None and node_matches_required_affinity(pod, name, cache.labels[s])
        return out

    if memo is None:
        return compute(slots)
    key = ("req", cache.generation, repr((pod.node_selector, pod.required_node_terms)))
    return fastpath.per_slot(memo, key, cache, compute, slots)


class NodeAffinity(Plugin):
    """Required node affinity / nodeSelector as a Filter; preferred node affinity as a Score."""

    name = "NodeAffinity"
    filters = True
    scores = True
    REASON = "node(s) didn't match Pod's node affinity/selector"

    def __init__(self, cache, args=None) -> None:
        super().__init__(cache, args)
        self._memo: dict = {}   # fast path k8s.plugin_memos (see fastpath.per_slot)

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        pod = state.pod
        if not pod.node_selector and pod.required_node_terms is None:
            return None
        mask = ~required_affinity_mask(self.cache, pod, idx, self._memo)
        return Rejection(mask, Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (self.REASON,)) if mask.any() else None

    def pre_score(self, state: CycleState, idx: np.ndarray) -> bool:
        return bool(state.pod.preferred_node_terms)

    def _preferred_weight(self, terms, slots: np.ndarray) -> np.ndarray:
        """Per node slot: the summed weight of the preferred terms the node matches."""
        c = self.cache
        out = np.zeros(np.shape(slots), dtype=np.int64)
        for pos, s in enumerate(np.ravel(slots).tolist()):
            name = c.names[s]
            if name is not None:
                out.flat[pos] = sum(int(t.get("weight", 0)) for t in terms
                                    if node_selector_term_matches(t.get("preference") or {}, name, c.labels[s]))
        return out

    def score(self, state: CycleState, idx: np.ndarray) -> np.ndarray:
        terms = state.pod.preferred_node_terms
        key = ("pref", self.cache.generation, repr(terms))
        return fastpath.per_slot(self._memo, key, self.cache, lambda slots: self._preferred_weight(terms, slots), idx)

    def normalize(self, state: CycleState, idx: np.ndarray, raw: np.ndarray) -> np.ndarray:
        return scoring.default_normalize_score(raw, reverse=False)
