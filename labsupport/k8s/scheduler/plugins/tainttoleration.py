"""TaintToleration: Filter on NoSchedule/NoExecute taints, Score on PreferNoSchedule taints.

Source: ``tainttoleration/taint_toleration.go`` (Kubernetes 1.37).

* Filter: the first NoSchedule or NoExecute taint no toleration tolerates rejects
  the node as UnschedulableAndUnresolvable with the reason
  "node(s) had untolerated taint(s)". (Releases before 1.35 printed the taint,
  "node(s) had untolerated taint {key: value}"; the current source only logs it.
  :attr:`Rejection.reasons` keeps the kube-scheduler wording; the offending taint is
  available from :func:`first_untolerated_taint`.)
* Score: the number of PreferNoSchedule taints not tolerated by the Pod's tolerations
  whose effect is PreferNoSchedule or empty; NormalizeScore is
  ``DefaultNormalizeScore(100, reverse=True)``: fewer intolerable taints, higher score.

>>> first_untolerated_taint([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}], [])
{'key': 'dedicated', 'value': 'gpu', 'effect': 'NoSchedule'}
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from labsupport.k8s.scheduler import fastpath, scoring
from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.podinfo import tolerates_all
from labsupport.k8s.scheduler.status import Code

__all__ = ["TaintToleration", "first_untolerated_taint", "count_intolerable_prefer_no_schedule"]


def first_untolerated_taint(taints: Sequence[Mapping], tolerations: Sequence[Mapping]) -> Mapping | None:
    """The first NoSchedule/NoExecute taint not tolerated (``FindMatchingUntoleratedTaint``), or None."""
    for t in taints:
        if t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates_all(tolerations, t):
            return t
    return None


def count_intolerable_prefer_no_schedule(taints: Sequence[Mapping], tolerations: Sequence[Mapping]) -> int:
    """How many PreferNoSchedule taints the PreferNoSchedule/empty-effect tolerations do not tolerate.

    >>> count_intolerable_prefer_no_schedule([{"key": "a", "effect": "PreferNoSchedule"},
    ...                                       {"key": "b", "effect": "PreferNoSchedule"}],
    ...                                      [{"key": "a", "operator": "Exists"}])
    1
    """
    tols = [t for t in tolerations if not t.get("effect") or t.get("effect") == "PreferNoSchedule"]
    return sum(1 for t in taints if t.get("effect") == "PreferNoSchedule" and not tolerates_all(tols, t))


class TaintToleration(Plugin):
    """Reject nodes with untolerated hard taints; prefer nodes with fewer intolerable soft taints."""

    name = "TaintToleration"
    filters = True
    scores = True
    REASON = "node(s) had untolerated taint(s)"

    def __init__(self, cache, args=None) -> None:
        super().__init__(cache, args)
        self._memo: dict = {}   # fast path k8s.plugin_memos (see fastpath.per_slot)

    def _untolerated(self, tolerations, slots: np.ndarray) -> np.ndarray:
        """Per node slot: 1 if a NoSchedule/NoExecute taint is not tolerated, else 0."""
        c = self.cache
        out = np.zeros(np.shape(slots), dtype=np.int64)
        flat = np.ravel(slots)
        for pos in np.flatnonzero(c.hard_tainted[flat]).tolist():
            out.flat[pos] = first_untolerated_taint(c.taints[int(flat[pos])], tolerations) is not None
        return out

    def _intolerable(self, tolerations, slots: np.ndarray) -> np.ndarray:
        """Per node slot: how many PreferNoSchedule taints the Pod does not tolerate."""
        c = self.cache
        out = np.zeros(np.shape(slots), dtype=np.int64)
        flat = np.ravel(slots)
        for pos in np.flatnonzero(c.soft_tainted[flat]).tolist():
            out.flat[pos] = count_intolerable_prefer_no_schedule(c.taints[int(flat[pos])], tolerations)
        return out

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        if not self.cache.hard_tainted[idx].any():
            return None
        tols = state.pod.tolerations
        key = ("hard", self.cache.generation, repr(tols))
        mask = fastpath.per_slot(self._memo, key, self.cache, lambda slots: self._untolerated(tols, slots), idx) > 0
        return Rejection(mask, Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (self.REASON,)) if mask.any() else None

    def score(self, state: CycleState, idx: np.ndarray) -> np.ndarray:
        if not self.cache.soft_tainted[idx].any():
            return np.zeros(np.shape(idx), dtype=np.int64)
        tols = state.pod.tolerations
        key = ("soft", self.cache.generation, repr(tols))
        return fastpath.per_slot(self._memo, key, self.cache, lambda slots: self._intolerable(tols, slots), idx)

    def normalize(self, state: CycleState, idx: np.ndarray, raw: np.ndarray) -> np.ndarray:
        return scoring.default_normalize_score(raw, reverse=True)
