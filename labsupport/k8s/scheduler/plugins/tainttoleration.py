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

from labsupport.k8s.scheduler import scoring
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
        self._memo: dict = {}

    def _per_slot(self, kind: str, tolerations: list) -> np.ndarray:
        """Per node slot: untolerated hard taint (bool) or intolerable soft taint count, memoised per tolerations."""
        c = self.cache
        key = (kind, c.generation, repr(tolerations))
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) > 256:
                self._memo.clear()
            tainted = np.flatnonzero(c.hard_tainted if kind == "hard" else c.soft_tainted)
            out = np.zeros(len(c.alive), dtype=np.int64)
            for s in tainted.tolist():
                if kind == "hard":
                    out[s] = first_untolerated_taint(c.taints[s], tolerations) is not None
                else:
                    out[s] = count_intolerable_prefer_no_schedule(c.taints[s], tolerations)
            hit = self._memo[key] = out
        return hit

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        if not self.cache.hard_tainted[idx].any():
            return None
        mask = self._per_slot("hard", state.pod.tolerations)[idx] > 0
        return Rejection(mask, Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (self.REASON,)) if mask.any() else None

    def score(self, state: CycleState, idx: np.ndarray) -> np.ndarray:
        if not self.cache.soft_tainted.any() or not self.cache.soft_tainted[idx].any():
            state.data[self.name] = "all-zero"
            return np.zeros(np.shape(idx), dtype=np.int64)
        state.data[self.name] = None
        return self._per_slot("soft", state.pod.tolerations)[idx]

    def normalize(self, state: CycleState, idx: np.ndarray, raw: np.ndarray) -> np.ndarray:
        if state.data.get(self.name) == "all-zero":   # no intolerable taint anywhere: every node gets 100
            return np.full(np.shape(idx), scoring.MAX_NODE_SCORE, dtype=np.int64)
        return scoring.default_normalize_score(raw, reverse=True)
