"""PodTopologySpread: Filter on DoNotSchedule constraints, Score on ScheduleAnyway ones.

Source: ``podtopologyspread/filtering.go``, ``scoring.go``, ``common.go``, ``plugin.go``.

Filter, for each ``whenUnsatisfiable: DoNotSchedule`` constraint:

* a node without the ``topologyKey`` label -> UnschedulableAndUnresolvable,
  "node(s) didn't match pod topology spread constraints (missing required label)";
* ``skew = matching Pods in the node's domain + (1 if the Pod matches its own
  selector) - min over domains`` and the node fails if ``skew > maxSkew``
  (Unschedulable, "node(s) didn't match pod topology spread constraints").
  Domains and counts come from the nodes that carry every constraint's key and pass
  the node-inclusion policies (nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore by
  default). With fewer domains than ``minDomains`` the minimum is taken as 0.

Score, for the ``ScheduleAnyway`` constraints -- or, for a Pod with no constraints
at all, the *system default* constraints (``maxSkew 3`` on ``kubernetes.io/hostname``
and ``maxSkew 5`` on ``topology.kubernetes.io/zone``) with the selector of the
Services / ReplicaSets / StatefulSets that select the Pod:

* raw score = ``round(sum_c(count in node's domain * log(size_c + 2) + maxSkew_c - 1))``,
  ``size_c`` = number of domains (for hostname: number of scored nodes);
* NormalizeScore ``100 * (max + min - score) / max`` (nodes missing a key get 0).
* As in upstream PreScore, Pods are counted for a non-hostname constraint only on nodes that
  pass its node-inclusion policies (``nodeAffinityPolicy`` Honor by default, ``nodeTaintsPolicy``
  Ignore by default; scoring_test.go "NodeTaintsPolicy honored"). For ``kubernetes.io/hostname``
  the node's own Pods are counted, whatever the policies (``Score``).

>>> import numpy as np
>>> from labsupport.k8s.scheduler.cache import NodeCache
>>> from labsupport.k8s.scheduler.podinfo import PodInfo
>>> c = NodeCache()
>>> for n, z in (("a1", "a"), ("b1", "b")):
...     _ = c.set_node({"metadata": {"name": n, "labels": {"zone": z}}, "status": {"allocatable": {"cpu": "4", "pods": "9"}}})
>>> _ = c.add_pod(PodInfo.from_dict({"metadata": {"name": "old", "labels": {"app": "web"}}, "spec": {}}), "a1")
>>> pod = PodInfo.from_dict({"metadata": {"name": "new", "labels": {"app": "web"}}, "spec": {"topologySpreadConstraints": [
...     {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
...      "labelSelector": {"matchLabels": {"app": "web"}}}]}})
>>> pl = PodTopologySpread(c); st = CycleState(pod, c); idx = np.array([0, 1])
>>> _ = pl.pre_filter(st); pl.filter(st, idx).status(0, pl.name)   # skew on a1 = 1 + 1 - 0 = 2 > 1
Status(Unschedulable, "node(s) didn't match pod topology spread constraints", plugin=PodTopologySpread)
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from labsupport.k8s.scheduler import fastpath, scoring
from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.plugins.nodeaffinity import required_affinity_mask
from labsupport.k8s.scheduler.podinfo import LABEL_HOSTNAME, LABEL_ZONE, selector_matches, tolerates_all
from labsupport.k8s.scheduler.status import Code, Status

__all__ = ["PodTopologySpread", "SYSTEM_DEFAULT_CONSTRAINTS", "Constraint"]


def cache_everywhere(cache, key: str, memo: dict | None = None) -> bool:
    """Does every live node carry label ``key``? (``memo``: remembered per cache generation, k8s.plugin_memos)"""
    def compute() -> bool:
        return bool((cache.domains(key)[0][cache.alive] >= 0).all())

    return compute() if memo is None else fastpath.remembered(memo, ("everywhere", cache.generation, key), compute, limit=1024)

#: plugin.go systemDefaultConstraints
SYSTEM_DEFAULT_CONSTRAINTS = (
    {"topologyKey": LABEL_HOSTNAME, "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 3},
    {"topologyKey": LABEL_ZONE, "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 5},
)


class Constraint:
    """One parsed ``topologySpreadConstraints`` entry (matchLabelKeys folded into the selector)."""

    __slots__ = ("max_skew", "key", "hard", "selector", "min_domains", "honor_affinity", "honor_taints")

    def __init__(self, raw: Mapping, pod_labels: Mapping[str, str], selector: Mapping | None = None) -> None:
        self.max_skew = int(raw.get("maxSkew", 1))
        self.key = raw["topologyKey"]
        self.hard = raw.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule"
        sel = dict(selector if selector is not None else (raw.get("labelSelector") or {}))
        keys = [k for k in raw.get("matchLabelKeys") or () if k in pod_labels]
        if keys:
            sel["matchExpressions"] = list(sel.get("matchExpressions") or ()) + [
                {"key": k, "operator": "In", "values": [pod_labels[k]]} for k in keys]
        self.selector = sel if (raw.get("labelSelector") is not None or selector is not None or keys) else None
        self.min_domains = int(raw.get("minDomains") or 1)
        self.honor_affinity = raw.get("nodeAffinityPolicy", "Honor") == "Honor"
        self.honor_taints = raw.get("nodeTaintsPolicy", "Ignore") == "Honor"


class PodTopologySpread(Plugin):
    """Spread matching Pods evenly over topology domains (zones, nodes, ...)."""

    name = "PodTopologySpread"
    filters = True
    scores = True
    REASON = "node(s) didn't match pod topology spread constraints"
    REASON_LABEL = REASON + " (missing required label)"

    def __init__(self, cache, args: dict | None = None,
                 default_selector: Callable[[object], dict | None] | None = None) -> None:
        super().__init__(cache, args)
        self.default_selector = default_selector
        self.defaulting_type = self.args.get("defaultingType", "System")
        self.default_constraints = list(self.args.get("defaultConstraints") or ())
        self._memo: dict = {}   # fast path k8s.plugin_memos

    # ------------------------------------------------------------------ helpers
    def _constraints(self, pod, hard: bool) -> tuple[list[Constraint], bool]:
        """(constraints, system_defaulted) of the wanted kind (``filterTopologySpreadConstraints`` / ``buildDefaultConstraints``)."""
        return fastpath.remembered(self._memo, (hard, pod.signature), lambda: self._build_constraints(pod, hard), limit=1024)

    def invalidate(self) -> None:
        """Forget memoised constraints (the Services / ReplicaSets selecting Pods changed)."""
        self._memo.clear()

    def _build_constraints(self, pod, hard: bool) -> tuple[list[Constraint], bool]:
        if pod.spread_constraints:
            return [c for c in (Constraint(r, pod.labels) for r in pod.spread_constraints) if c.hard == hard], False
        defaults = SYSTEM_DEFAULT_CONSTRAINTS if self.defaulting_type == "System" else self.default_constraints
        wanted = "DoNotSchedule" if hard else "ScheduleAnyway"
        defaults = [d for d in defaults if d.get("whenUnsatisfiable", "DoNotSchedule") == wanted]
        if not defaults or self.default_selector is None:
            return [], self.defaulting_type == "System"
        sel = self.default_selector(pod)
        if not sel:
            return [], self.defaulting_type == "System"
        out = [Constraint(r, pod.labels, selector=sel) for r in defaults]
        return [c for c in out if c.hard == hard], self.defaulting_type == "System"

    def _eligible(self, pod, constraints: list[Constraint], c: Constraint) -> np.ndarray:
        """Node slots whose Pods count for constraint ``c`` (all keys present + inclusion policies)."""
        cache = self.cache
        mask = cache.alive.copy()
        for other in constraints:
            mask &= cache.domains(other.key)[0] >= 0
        if c.honor_affinity and (pod.node_selector or pod.required_node_terms is not None):
            mask[:len(cache.names)] &= required_affinity_mask(cache, pod, np.arange(len(cache.names)), self._memo)
        if c.honor_taints:
            self._drop_untolerated(pod, mask)
        return mask

    def _drop_untolerated(self, pod, mask: np.ndarray) -> None:
        """Clear the slots whose NoSchedule/NoExecute taints ``pod`` does not tolerate (nodeTaintsPolicy: Honor)."""
        cache = self.cache
        for s in np.flatnonzero(mask & cache.hard_tainted).tolist():
            if any(t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates_all(pod.tolerations, t)
                   for t in cache.taints[s]):
                mask[s] = False

    def node_local(self, state: CycleState) -> bool:
        """True if this Pod's verdicts and raw scores on a node depend on that node alone
        (no DoNotSchedule constraints; soft constraints only per hostname or on keys no node has)."""
        pod = state.pod
        if self._constraints(pod, hard=True)[0]:
            return False
        for c in self._constraints(pod, hard=False)[0]:
            if c.key != LABEL_HOSTNAME and self.cache.domains(c.key)[1]:
                return False
        return True

    # ------------------------------------------------------------------- filter
    def pre_filter(self, state: CycleState) -> Status | None:
        pod, cache = state.pod, self.cache
        constraints, _ = self._constraints(pod, hard=True)
        if not constraints:
            state.data[self.name + "/filter"] = None
            return Status(Code.SKIP, (), self.name)
        prepared = []
        for c in constraints:
            ids, values = cache.domains(c.key)
            counts = cache.matching_counts([pod.namespace], c.selector)
            eligible = np.flatnonzero(self._eligible(pod, constraints, c))
            totals = np.bincount(ids[eligible], weights=counts[eligible], minlength=len(values)).astype(np.int64)
            present = np.bincount(ids[eligible], minlength=len(values)) > 0
            n_domains = int(present.sum())
            minimum = int(totals[present].min()) if n_domains else 2**31 - 1
            if n_domains < c.min_domains:
                minimum = 0
            self_match = 1 if selector_matches(c.selector, pod.labels) else 0
            prepared.append((c, ids, totals, minimum, self_match))
        state.data[self.name + "/filter"] = prepared
        return None

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        prepared = state.data.get(self.name + "/filter")
        if not prepared:
            return None
        missing = np.zeros(len(idx), dtype=bool)
        skewed = np.zeros(len(idx), dtype=bool)
        for c, ids, totals, minimum, self_match in prepared:
            dom = ids[idx]
            miss = dom < 0
            match = np.where(miss, 0, totals[np.where(miss, 0, dom)] if len(totals) else 0)
            skewed |= ~missing & ~miss & (match + self_match - minimum > c.max_skew)
            missing |= miss
        mask = missing | skewed
        if not mask.any():
            return None
        return Rejection(mask,
                         lambda pos: Code.UNSCHEDULABLE_AND_UNRESOLVABLE if missing[pos] else Code.UNSCHEDULABLE,
                         lambda pos: (self.REASON_LABEL,) if missing[pos] else (self.REASON,))

    # -------------------------------------------------------------------- score
    def pre_score(self, state: CycleState, idx: np.ndarray) -> bool:
        pod, cache = state.pod, self.cache
        constraints, system_defaulted = self._constraints(pod, hard=False)
        if not constraints or cache.num_nodes == 0:
            return False
        require_all = bool(pod.spread_constraints) or not system_defaulted
        ignored = None                    # None: no node is ignored
        if require_all and not all(cache_everywhere(cache, c.key, self._memo) for c in constraints):
            ignored = np.zeros(np.shape(idx), dtype=bool)
            for c in constraints:
                ignored |= cache.domains(c.key)[0][idx] < 0
        scored = idx if ignored is None else idx[~ignored]
        # one cycle per row when idx is 2-D (a batch of identical Pods, see Scheduler)
        if ignored is None:
            n_scored = np.shape(idx)[-1]
        else:
            n_scored = (~ignored).sum(axis=-1, keepdims=True) if np.ndim(idx) == 2 else len(scored)
        parts = []
        for c in constraints:
            ids, values = cache.domains(c.key)
            if not values:
                continue  # no node has this key: the constraint adds nothing to any node's score
            counts = cache.matching_counts([pod.namespace], c.selector)
            if c.key == LABEL_HOSTNAME:
                size = n_scored
                per_node = counts
            else:
                # domains of the scored nodes; Pods counted on every node passing the inclusion policies
                doms = ids[scored]
                doms = doms[doms >= 0]
                in_play = np.zeros(len(values) + 1, dtype=bool)
                in_play[doms] = True
                size = int(in_play.sum()) + (1 if not require_all and (ids[scored] < 0).any() else 0)
                eligible = cache.alive.copy()
                if require_all:
                    for other in constraints:
                        eligible &= cache.domains(other.key)[0] >= 0
                if c.honor_affinity and (pod.node_selector or pod.required_node_terms is not None):
                    eligible[:len(cache.names)] &= required_affinity_mask(cache, pod, np.arange(len(cache.names)), self._memo)
                if c.honor_taints:
                    self._drop_untolerated(pod, eligible)
                el = np.flatnonzero(eligible & (ids >= 0))
                totals = np.bincount(ids[el], weights=counts[el], minlength=len(values) + 1).astype(np.int64)
                totals[~in_play] = 0
                per_node = np.where(ids >= 0, totals[np.where(ids >= 0, ids, 0)], 0)
            parts.append((c, ids, per_node, scoring.topology_normalizing_weight(size)))
        state.data[self.name + "/score"] = (parts, ignored)
        return True

    def score(self, state: CycleState, idx: np.ndarray) -> np.ndarray:
        parts, ignored = state.data[self.name + "/score"]
        total = None
        for c, ids, per_node, weight in parts:
            if cache_everywhere(self.cache, c.key, self._memo):
                part = scoring.score_for_count(per_node[idx], c.max_skew, weight)  # every node has the key
            else:
                part = np.where(ids[idx] >= 0, scoring.score_for_count(per_node[idx], c.max_skew, weight), 0.0)
            total = part if total is None else total + part
        if total is None:
            return np.zeros(np.shape(idx), dtype=np.int64)
        # Go: int64(math.Round(score)) -- half away from zero; scores are >= 0
        out = np.floor(total + 0.5).astype(np.int64)
        return out if ignored is None else np.where(ignored, 0, out)

    def normalize(self, state: CycleState, idx: np.ndarray, raw: np.ndarray) -> np.ndarray:
        _parts, ignored = state.data[self.name + "/score"]
        return scoring.pod_topology_spread_normalize(raw, ignored)
