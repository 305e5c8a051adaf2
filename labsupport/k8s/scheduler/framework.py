"""One profile's plugins run in order: PreFilter -> Filter -> PreScore -> Score -> NormalizeScore -> weighting.

Mirrors ``pkg/scheduler/framework/runtime/framework.go``: Filter plugins run in the
profile's order and a node's first rejection is its Status (later plugins are not
asked); Score plugins that PreScore skipped add nothing; every other plugin's raw
scores are normalised to 0-100 and multiplied by the plugin's weight, and the
weighted scores are summed. The scheduling cycle and ``explain`` both call these
methods -- there is one code path.

>>> import numpy as np
>>> from labsupport.k8s.scheduler.cache import NodeCache
>>> from labsupport.k8s.scheduler.config import parse_config
>>> from labsupport.k8s.scheduler.podinfo import PodInfo
>>> c = NodeCache()
>>> for n, cpu in (("n1", "4"), ("n2", "1")):
...     _ = c.set_node({"metadata": {"name": n}, "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "110"}}})
>>> fw = Framework(parse_config(None)[0], c)
>>> st = fw.new_state(PodInfo.from_dict({"metadata": {"name": "p"},
...     "spec": {"containers": [{"resources": {"requests": {"cpu": "2"}}}]}}))
>>> out = fw.run_filters(st, np.array([0, 1])); out.feasible.tolist(), out.status(1)
([True, False], Status(UnschedulableAndUnresolvable, 'Insufficient cpu', plugin=NodeResourcesFit))
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labsupport.k8s.scheduler import scoring
from labsupport.k8s.scheduler.cache import NodeCache
from labsupport.k8s.scheduler.config import Profile
from labsupport.k8s.scheduler.plugins import REGISTRY, PodTopologySpread
from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.podinfo import PodInfo
from labsupport.k8s.scheduler.status import Code, Status

__all__ = ["Framework", "FilterOutcome", "ScoreOutcome"]


class FilterOutcome:
    """Result of the Filter plugins over ``idx``: a ``feasible`` mask and each rejected node's Status."""

    def __init__(self, idx: np.ndarray, feasible: np.ndarray, rejections: list[tuple[Plugin, Rejection, np.ndarray]],
                 pre_filter_status: Status | None = None) -> None:
        self.idx = idx
        self.feasible = feasible
        self._rejections = rejections
        self._pre = pre_filter_status
        self._where: dict[int, tuple[int, int]] | None = None

    def status(self, pos: int) -> Status:
        """The Status of the node at position ``pos`` of ``idx`` (Success if it passed)."""
        if self._pre is not None:
            return self._pre
        if self.feasible[pos]:
            return Status(Code.SUCCESS)
        if self._where is None:
            self._where = {}
            for j, (_pl, rej, positions) in enumerate(self._rejections):
                for local in np.flatnonzero(rej.mask).tolist():
                    self._where[int(positions[local])] = (j, local)
        j, local = self._where[pos]
        pl, rej, _ = self._rejections[j]
        return rej.status(local, pl.name)


class ScoreOutcome:
    """Normalised per-plugin scores (before weighting) and the weighted ``total`` over ``idx``."""

    def __init__(self, idx: np.ndarray, normalized: dict[str, np.ndarray], raw: dict[str, np.ndarray], total: np.ndarray):
        self.idx, self.normalized, self.raw, self.total = idx, normalized, raw, total


class Framework:
    """The plugin instances of one :class:`~labsupport.k8s.scheduler.config.Profile` over one :class:`NodeCache`."""

    def __init__(self, profile: Profile, cache: NodeCache,
                 default_selector: Callable[[PodInfo], dict | None] | None = None) -> None:
        self.profile = profile
        self.cache = cache
        instances: dict[str, Plugin] = {}

        def get(name: str) -> Plugin:
            if name not in instances:
                args = profile.plugin_args.get(name, {})
                cls = REGISTRY[name]
                if cls is PodTopologySpread:
                    instances[name] = cls(cache, args, default_selector=default_selector)
                else:
                    instances[name] = cls(cache, args)
            return instances[name]

        self.plugins = instances
        self.filter_plugins = [get(n) for n in profile.filters]
        self.score_plugins = [(get(n), w) for n, w in profile.score_weights.items()]
        self.weights = dict(profile.score_weights)
        #: scratch space of :mod:`labsupport.k8s.scheduler.fastpath` (stays empty on the reference path)
        self.fast_memo: dict[str, object] = {}

    def invalidate(self) -> None:
        """Drop plugin memos that depend on objects other than Nodes and Pods (Services, ReplicaSets)."""
        for pl in self.plugins.values():
            if hasattr(pl, "invalidate"):
                pl.invalidate()

    def new_state(self, pod: PodInfo) -> CycleState:
        """A fresh CycleState; nominated Pods of equal or higher priority reserve their node's resources."""
        nominated: dict[int, tuple[int, int, int]] = {}
        for key, (s, other) in self.cache.nominated.items():
            if key != pod.key and other.priority >= pod.priority:
                c, m, n = nominated.get(s, (0, 0, 0))
                nominated[s] = (c + other.requests[0], m + other.requests[1], n + 1)
        return CycleState(pod, self.cache, nominated=nominated)

    def node_local(self, state: CycleState) -> bool:
        """Is every plugin's view of a node independent of the other nodes for this Pod?

        Then placing one Pod changes nothing another cycle sees on *other* nodes, which lets
        the scheduler decide several identical Pods whose node windows do not overlap at once.
        """
        if state.nominated or state.pod.nominated_node_name:
            return False
        return all(pl.node_local(state) for pl in self.plugins.values())

    def run_pre_filter(self, state: CycleState) -> list[Plugin]:
        """PreFilter: the Filter plugins that did not Skip for this Pod."""
        active = []
        for pl in self.filter_plugins:
            st = pl.pre_filter(state)
            if st is None or st.code != Code.SKIP:
                active.append(pl)
        return active

    def run_filters(self, state: CycleState, idx: np.ndarray, active: list[Plugin] | None = None) -> FilterOutcome:
        """Filter: each plugin sees only the nodes every earlier plugin passed."""
        if active is None:
            active = self.run_pre_filter(state)
        remaining = np.arange(len(idx))
        rejections = []
        for pl in active:
            if remaining.size == 0:
                break
            rej = pl.filter(state, idx[remaining] if remaining.size != len(idx) else idx)
            if rej is None:
                continue
            rejections.append((pl, rej, remaining))
            remaining = remaining[~rej.mask]
        feasible = np.zeros(len(idx), dtype=bool)
        feasible[remaining] = True
        return FilterOutcome(idx, feasible, rejections)

    def run_scores(self, state: CycleState, idx: np.ndarray) -> ScoreOutcome:
        """PreScore, Score, NormalizeScore, then the weighted sum (skipped plugins add nothing)."""
        normalized: dict[str, np.ndarray] = {}
        raw: dict[str, np.ndarray] = {}
        for pl, _w in self.score_plugins:
            if not pl.pre_score(state, idx):
                continue
            r = pl.score(state, idx)
            raw[pl.name] = r
            normalized[pl.name] = pl.normalize(state, idx, r)
        total = scoring.weighted_total(normalized, self.weights) if normalized else np.zeros(np.shape(idx), dtype=np.int64)
        return ScoreOutcome(idx, normalized, raw, total)
