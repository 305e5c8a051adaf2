"""The scoring maths of kube-scheduler as pure functions over numpy arrays (one element per node).

Every function takes and returns integer (``int64``) or float arrays so a whole
cluster is scored in one call; every formula below is the one in the Go source
named in its docstring (Kubernetes 1.37, ``pkg/scheduler/framework/plugins/``).
``MAX_NODE_SCORE`` is ``framework.MaxNodeScore`` (100). Go's integer division
truncates toward zero; all operands here are non-negative, so ``//`` matches it.

>>> import numpy as np
>>> least_allocated_score([np.array([1000]), np.array([2 * 2**30])],
...                       [np.array([4000]), np.array([8 * 2**30])], [1, 1]).tolist()
[75]
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from labsupport.core import fast

__all__ = [
    "MAX_NODE_SCORE",
    "least_requested_score",
    "most_requested_score",
    "least_allocated_score",
    "most_allocated_score",
    "broken_linear",
    "requested_to_capacity_ratio_score",
    "balanced_allocation_score",
    "default_normalize_score",
    "topology_normalizing_weight",
    "score_for_count",
    "pod_topology_spread_normalize",
    "inter_pod_affinity_normalize",
    "num_feasible_nodes_to_find",
    "weighted_total",
]

MAX_NODE_SCORE = 100
_MIN_FEASIBLE_NODES_TO_FIND = 100
_MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def least_requested_score(requested, capacity) -> np.ndarray:
    """``(capacity - requested) * 100 / capacity``; 0 if capacity is 0 or requested > capacity.

    least_allocated.go ``leastRequestedScore``.

    >>> least_requested_score([1000, 5000, 0], [4000, 4000, 0]).tolist()
    [75, 0, 0]
    """
    req, cap = _arr(requested), _arr(capacity)
    if fast.enabled("k8s.scoring") and cap.size and cap.min() > 0:
        # Fast exact path: operands stay below 2**53, so float division then truncation equals Go's
        # integer division (a non-integer quotient is at least 1/capacity away from an integer).
        return (np.maximum(cap - req, 0) * float(MAX_NODE_SCORE) / cap).astype(np.int64)
    safe = np.where(cap == 0, 1, cap)
    out = (cap - req) * MAX_NODE_SCORE // safe
    return np.where((cap == 0) | (req > cap), 0, out)


def most_requested_score(requested, capacity) -> np.ndarray:
    """``min(requested, capacity) * 100 / capacity``; 0 if capacity is 0.

    most_allocated.go ``mostRequestedScore`` (requested is clamped because Pods with no
    requests are counted at the non-zero defaults and may exceed the capacity).

    >>> most_requested_score([1000, 5000, 0], [4000, 4000, 0]).tolist()
    [25, 100, 0]
    """
    req, cap = _arr(requested), _arr(capacity)
    safe = np.where(cap == 0, 1, cap)
    return np.where(cap == 0, 0, np.minimum(req, cap) * MAX_NODE_SCORE // safe)


def _weighted_resource_average(per_resource: Sequence[np.ndarray], capacity: Sequence[np.ndarray], weights: Sequence[int]) -> np.ndarray:
    if fast.enabled("k8s.scoring") and all(np.size(c) and np.min(c) > 0 for c in capacity):   # no resource to leave out
        num = sum(s * w for s, w in zip(per_resource, weights, strict=True))
        return num // sum(weights)
    num = np.zeros(np.shape(per_resource[0]), dtype=np.int64)
    den = np.zeros_like(num)
    for score, cap, w in zip(per_resource, capacity, weights, strict=True):
        present = _arr(cap) != 0  # resources a node does not have are left out of the average
        num += np.where(present, score * w, 0)
        den += np.where(present, w, 0)
    return np.where(den == 0, 0, num // np.where(den == 0, 1, den))


def least_allocated_score(requested: Sequence, capacity: Sequence, weights: Sequence[int]) -> np.ndarray:
    """LeastAllocated strategy: ``sum_r(w_r * leastRequestedScore_r) / sum_r(w_r)`` (integer division).

    least_allocated.go ``leastResourceScorer``; resources with zero allocatable are skipped.
    ``requested`` already includes the incoming Pod (node's non-zero requests + Pod's).

    >>> least_allocated_score([[2000], [6 * 2**30]], [[4000], [8 * 2**30]], [1, 1]).tolist()
    [37]
    """
    scores = [least_requested_score(r, c) for r, c in zip(requested, capacity, strict=True)]
    return _weighted_resource_average(scores, capacity, weights)


def most_allocated_score(requested: Sequence, capacity: Sequence, weights: Sequence[int]) -> np.ndarray:
    """MostAllocated strategy: ``sum_r(w_r * mostRequestedScore_r) / sum_r(w_r)`` (integer division).

    most_allocated.go ``mostResourceScorer``.

    >>> most_allocated_score([[2000], [6 * 2**30]], [[4000], [8 * 2**30]], [1, 1]).tolist()
    [62]
    """
    scores = [most_requested_score(r, c) for r, c in zip(requested, capacity, strict=True)]
    return _weighted_resource_average(scores, capacity, weights)


def broken_linear(utilization, shape: Sequence[tuple[int, int]]) -> np.ndarray:
    """Piecewise-linear ``f(utilization)`` through the ``(utilization, score)`` points of ``shape``.

    helper/shape_score.go ``BuildBrokenLinearFunction``: flat before the first and after
    the last point; between points ``s0 + (s1 - s0) * (u - u0) / (u1 - u0)`` (integer division).

    >>> broken_linear([0, 25, 50, 100], [(0, 0), (100, 100)]).tolist()
    [0, 25, 50, 100]
    >>> broken_linear([0, 30, 100], [(0, 100), (50, 0)]).tolist()
    [100, 40, 0]
    """
    u = _arr(utilization)
    out = np.full(u.shape, shape[-1][1], dtype=np.int64)
    done = np.zeros(u.shape, dtype=bool)
    for i, (ui, si) in enumerate(shape):
        here = ~done & (u <= ui)
        if i == 0:
            out = np.where(here, si, out)
        else:
            u0, s0 = shape[i - 1]
            # Go: p[i-1].Score + (p[i].Score-p[i-1].Score)*(u-p[i-1].Utilization)/(p[i].Utilization-p[i-1].Utilization)
            num = (si - s0) * (u - u0)
            out = np.where(here, s0 + np.fix(num / (ui - u0)).astype(np.int64), out)
        done |= here
    return out


def requested_to_capacity_ratio_score(requested: Sequence, capacity: Sequence, weights: Sequence[int],
                                      shape: Sequence[tuple[int, int]]) -> np.ndarray:
    """RequestedToCapacityRatio: ``round(sum_r(w_r * f(util_r)) / sum_r(w_r))`` over resources with ``f > 0``.

    requested_to_capacity_ratio.go: ``util_r = requested * 100 / capacity`` (100 when
    requested > capacity or capacity is 0), ``f`` is :func:`broken_linear` through the
    shape points with scores scaled from 0-10 to 0-100 (``score * 10``); a resource whose
    score is 0 is left out of both sums; the result is rounded (``math.Round``).
    ``shape`` here is given in the configuration's 0-10 score scale.

    >>> requested_to_capacity_ratio_score([[2000], [2 * 2**30]], [[4000], [8 * 2**30]], [1, 1],
    ...                                   [(0, 0), (100, 10)]).tolist()
    [38]
    """
    scaled = [(u, s * (MAX_NODE_SCORE // 10)) for u, s in shape]
    num = den = 0
    for req, cap, w in zip(requested, capacity, weights, strict=True):
        req, cap = _arr(req), _arr(cap)
        safe = np.where(cap == 0, 1, cap)
        util = np.where((cap == 0) | (req > cap), 100, np.clip(req, 0, None) * 100 // safe)
        s = broken_linear(util, scaled)
        use = (cap != 0) & (s > 0)
        num = num + np.where(use, s * w, 0)
        den = den + np.where(use, w, 0)
    num, den = _arr(num), _arr(den)
    # Go's math.Round rounds half away from zero; values are >= 0 here.
    return np.where(den == 0, 0, np.floor(num / np.where(den == 0, 1, den) + 0.5).astype(np.int64))


def balanced_allocation_score(requested: Sequence, capacity: Sequence) -> np.ndarray:
    """``int((1 - std) * 100)`` where ``std`` is the standard deviation of ``min(requested/capacity, 1)``.

    balanced_allocation.go ``balancedResourceScorer``: resources with zero capacity are
    skipped; with two resources ``std = |f1 - f2| / 2``; with more, the population std.
    ``requested`` are the *actual* requests (no non-zero defaults), incoming Pod included.

    >>> balanced_allocation_score([[3000], [2 * 2**30]], [[4000], [8 * 2**30]]).tolist()
    [75]
    """
    if fast.enabled("k8s.scoring") and len(requested) == 2:
        # fast path for the common case (cpu, memory): std = |f1 - f2| / 2 over the resources the node has
        (r1, r2), (c1, c2) = (_arr(r) for r in requested), (_arr(c) for c in capacity)
        both = bool(c1.size and c1.min() > 0 and c2.min() > 0)
        f1 = np.minimum(r1 / (c1 if both else np.where(c1 == 0, 1, c1)), 1.0)
        f2 = np.minimum(r2 / (c2 if both else np.where(c2 == 0, 1, c2)), 1.0)
        std = np.abs((f1 - f2) / 2)
        if not both:
            std = np.where((c1 != 0) & (c2 != 0), std, 0.0)
        return ((1 - std) * MAX_NODE_SCORE).astype(np.int64)
    fracs, present = [], []
    for req, cap in zip(requested, capacity, strict=True):
        req, cap = _arr(req), _arr(cap)
        present.append(cap != 0)
        fracs.append(np.where(cap == 0, 0.0, np.minimum(req / np.where(cap == 0, 1, cap), 1.0)))
    f = np.array(fracs, dtype=float)
    p = np.array(present)
    n = p.sum(axis=0)
    mean = np.where(n == 0, 0.0, (f * p).sum(axis=0) / np.where(n == 0, 1, n))
    std_many = np.sqrt(np.where(n == 0, 0.0, (((f - mean) ** 2) * p).sum(axis=0) / np.where(n == 0, 1, n)))
    # Go uses |f1 - f2| / 2 when exactly two resources are present, the population std for more, 0 otherwise
    hi = np.where(p, f, -np.inf).max(axis=0)
    lo = np.where(p, f, np.inf).min(axis=0)
    std_two = np.where(n == 2, np.abs((hi - lo) / 2), 0.0)
    std = np.where(n > 2, std_many, std_two)
    return ((1 - std) * MAX_NODE_SCORE).astype(np.int64)


def default_normalize_score(scores, reverse: bool = False) -> np.ndarray:
    """``helper.DefaultNormalizeScore``: ``score * 100 / max(scores)``, then ``100 - score`` if ``reverse``.

    If every score is 0 the result is all 0 (or all 100 when reversed).

    >>> default_normalize_score([0, 1, 2], reverse=True).tolist()
    [100, 50, 0]
    >>> default_normalize_score([0, 3, 6]).tolist()
    [0, 50, 100]
    """
    s = _arr(scores)
    if s.size == 0:
        return s
    mx = s.max(axis=-1, keepdims=True)  # per row: a 2-D array holds one cycle per row
    out = MAX_NODE_SCORE * s // np.where(mx == 0, 1, mx)
    out = MAX_NODE_SCORE - out if reverse else out
    return np.where(mx == 0, MAX_NODE_SCORE if reverse else 0, out)


def topology_normalizing_weight(size):
    """``log(size + 2)``: PodTopologySpread's weight for a topology with ``size`` domains (podtopologyspread/scoring.go).

    >>> round(topology_normalizing_weight(3), 4)
    1.6094
    """
    if np.ndim(size):
        return np.log(np.asarray(size, dtype=float) + 2)
    return math.log(size + 2)


def score_for_count(count, max_skew: int, weight: float) -> np.ndarray:
    """``count * weight + (maxSkew - 1)``: one constraint's raw PodTopologySpread score (scoring.go ``scoreForCount``).

    >>> score_for_count([0, 2], 1, 1.5).tolist()
    [0.0, 3.0]
    """
    return np.asarray(count, dtype=float) * weight + (max_skew - 1)


def pod_topology_spread_normalize(scores, ignored=None) -> np.ndarray:
    """``100 * (max + min - score) / max`` over the scored nodes; ignored nodes get 0; all 100 if ``max == 0``.

    podtopologyspread/scoring.go ``NormalizeScore`` (fewer matching Pods -> higher score).

    >>> pod_topology_spread_normalize([2, 4, 6]).tolist()
    [100, 66, 33]
    """
    s = _arr(scores)
    if s.size == 0:
        return s
    if ignored is None or not np.any(ignored):
        mn, mx = s.min(axis=-1, keepdims=True), s.max(axis=-1, keepdims=True)
        out = MAX_NODE_SCORE * (mx + mn - s) // np.where(mx == 0, 1, mx)
        return np.where(mx == 0, MAX_NODE_SCORE, out)
    ign = np.asarray(ignored, dtype=bool)
    big = np.iinfo(np.int64).max
    mn = np.where(ign, big, s).min(axis=-1, keepdims=True)
    mx = np.where(ign, 0, s).max(axis=-1, keepdims=True)
    out = MAX_NODE_SCORE * (mx + np.where(mn == big, 0, mn) - s) // np.where(mx == 0, 1, mx)
    out = np.where(mx == 0, MAX_NODE_SCORE, out)
    return np.where(ign, 0, out)


def inter_pod_affinity_normalize(scores) -> np.ndarray:
    """``int(100 * (score - min) / (max - min))``; all 0 when max == min (interpodaffinity/scoring.go).

    >>> inter_pod_affinity_normalize([-5, 0, 5]).tolist()
    [0, 50, 100]
    """
    s = _arr(scores)
    if s.size == 0:
        return s
    mn, mx = int(s.min()), int(s.max())
    if mx == mn:
        return np.zeros(s.shape, dtype=np.int64)
    return (MAX_NODE_SCORE * ((s - mn) / (mx - mn))).astype(np.int64)


def num_feasible_nodes_to_find(percentage: int, num_all_nodes: int) -> int:
    """How many feasible nodes a cycle looks for before it stops filtering (schedule_one.go ``numFeasibleNodesToFind``).

    Fewer than 100 nodes: all. ``percentage == 0`` means the adaptive default
    ``max(50 - numNodes/125, 5)`` percent. Never fewer than 100 nodes.

    >>> num_feasible_nodes_to_find(0, 50), num_feasible_nodes_to_find(0, 1000), num_feasible_nodes_to_find(0, 5000)
    (50, 420, 500)
    >>> num_feasible_nodes_to_find(0, 6000), num_feasible_nodes_to_find(100, 6000)
    (300, 6000)
    """
    if num_all_nodes < _MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if percentage == 0:
        percentage = max(50 - num_all_nodes // 125, _MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    n = num_all_nodes * percentage // 100
    return max(n, _MIN_FEASIBLE_NODES_TO_FIND)


def weighted_total(normalized: dict[str, np.ndarray], weights: dict[str, int]) -> np.ndarray:
    """``sum_plugin(weight * normalized score)``: the weighting step after NormalizeScore (framework.go ``RunScorePlugins``).

    >>> import numpy as np
    >>> weighted_total({"TaintToleration": np.array([100, 0]), "NodeResourcesFit": np.array([50, 90])},
    ...                {"TaintToleration": 3, "NodeResourcesFit": 1}).tolist()
    [350, 90]
    """
    total = None
    for name, s in normalized.items():
        w = weights[name]
        part = _arr(s) if w == 1 else _arr(s) * w
        total = part if total is None else total + part
    return total if total is not None else np.zeros(0, dtype=np.int64)
