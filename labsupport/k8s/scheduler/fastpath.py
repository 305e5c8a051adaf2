"""The scheduler's speed tricks, in one place, behind :mod:`labsupport.core.fast`.

The reference path -- :meth:`Scheduler.schedule_one <labsupport.k8s.scheduler.scheduler.Scheduler.schedule_one>`,
:meth:`Framework.run_filters <labsupport.k8s.scheduler.framework.Framework.run_filters>` /
``run_scores`` and the plugins -- is the code to read beside kube-scheduler. Nothing here changes a
decision; each trick gives the reference path's answer sooner, and
``tests/test_fast_paths.py`` checks that (same bindings, events and Pod phases with the switch on and off):

``k8s.batch``
    :func:`try_batch`: a run of identical Pods (one ReplicaSet's replicas, equal
    :attr:`PodInfo.signature <labsupport.k8s.scheduler.podinfo.PodInfo.signature>`) is decided in one
    vectorised pass when that provably equals one cycle each (see :func:`schedule_batch`); Filter
    verdicts and the per-node raw scores of NodeResourcesFit / BalancedAllocation are remembered per
    Pod signature and node and recomputed only for nodes that changed (:class:`PerNodeMemo`).
``k8s.plugin_memos``
    :func:`remembered` / :func:`per_slot`: plugins and the node cache keep per-signature answers
    (a toleration list's verdict on every tainted node, a node selector's matching nodes, a label
    selector's label groups, a Pod template's parsed requests) instead of recomputing them.
``k8s.scoring``
    the float shortcuts in :mod:`labsupport.k8s.scheduler.scoring` (exact when no node has zero capacity).

>>> from labsupport.core import fast
>>> memo = {}
>>> remembered(memo, "k", lambda: [1, 2]), memo
([1, 2], {'k': [1, 2]})
>>> with fast.off("k8s.plugin_memos"):
...     remembered(memo, "other", lambda: [3]), sorted(memo)
([3], ['k'])
>>> select_hosts(np.array([[1, 3, 2], [4, 4, 0]]), random.Random(0))[0]
1
"""
from __future__ import annotations

import random
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from labsupport.core import fast
from labsupport.k8s.scheduler.scoring import num_feasible_nodes_to_find, weighted_total

__all__ = ["remembered", "per_slot", "batching_enabled", "try_batch", "schedule_batch", "select_hosts", "PerNodeMemo"]

_MISSING = object()


# ---------------------------------------------------------------- k8s.plugin_memos
def remembered(memo: dict, key: Hashable, compute: Callable[[], Any], limit: int = 256) -> Any:
    """``compute()``, remembered in ``memo`` under ``key`` while ``k8s.plugin_memos`` is on (else computed every time).

    ``key`` must change whenever the answer may change (callers put the cache ``generation`` in it);
    ``memo`` is emptied when it holds more than ``limit`` answers.
    """
    if not fast.enabled("k8s.plugin_memos"):
        return compute()
    hit = memo.get(key, _MISSING)
    if hit is _MISSING:
        if len(memo) > limit:
            memo.clear()
        hit = memo[key] = compute()
    return hit


def per_slot(memo: dict, key: Hashable, cache, compute: Callable[[np.ndarray], np.ndarray], idx: np.ndarray) -> np.ndarray:
    """``compute(idx)`` (one value per node slot of ``idx``); remembered: computed once for every slot, then indexed."""
    if not fast.enabled("k8s.plugin_memos"):
        return compute(idx)
    return remembered(memo, key, lambda: compute(np.arange(len(cache.names))))[idx]


# ------------------------------------------------------------------------ k8s.batch
def batching_enabled(sched) -> bool:
    """``sched.batching`` if set on the instance (True/False), else the ``k8s.batch`` switch."""
    return fast.enabled("k8s.batch") if sched.batching is None else bool(sched.batching)


def select_hosts(total: np.ndarray, rng: random.Random) -> list[int]:
    """``select_host`` for each row of ``total``, in row order (the same ``rng`` calls as row by row).

    >>> select_hosts(np.array([[1, 3, 2], [4, 4, 0]]), random.Random(0))[0]
    1
    """
    best = total.max(axis=1, keepdims=True)
    is_best = total == best
    n_ties = is_best.sum(axis=1)
    first = is_best.argmax(axis=1)
    out = first.tolist()
    for i in np.flatnonzero(n_ties > 1).tolist():
        ties = np.flatnonzero(is_best[i])
        out[i] = int(ties[rng.randrange(len(ties))])
    return out


class PerNodeMemo:
    """Per (kind, Pod signature): a value per node slot and the cache stamp it was computed at.

    Only for node-local Pods (:meth:`Framework.node_local`): a node's verdict or raw score then
    changes only when that node or its Pods change (its ``cache.stamp``), so only those are recomputed.
    """

    def __init__(self, cache) -> None:
        self.cache = cache
        self._tables: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def values(self, kind: str, signature: tuple, compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        cache = self.cache
        key = (kind, signature)
        ent = self._tables.get(key)
        if ent is None or len(ent[0]) != len(cache.stamp):
            if len(self._tables) > 256:
                self._tables.clear()
            ent = self._tables[key] = (np.zeros(len(cache.stamp), dtype=np.int64), np.full(len(cache.stamp), -1, dtype=np.int64))
        values, stamps = ent
        n = len(cache.names)
        stale = np.flatnonzero(stamps[:n] != cache.stamp[:n])
        if stale.size:
            values[stale] = compute(stale)
            stamps[stale] = cache.stamp[stale]
        return values


def _memo(fw) -> PerNodeMemo:
    memo = fw.fast_memo.get("per-node")
    if memo is None:
        memo = fw.fast_memo["per-node"] = PerNodeMemo(fw.cache)
    return memo


def feasible_per_node(fw, state, active, idx: np.ndarray) -> np.ndarray:
    """``fw.run_filters(state, idx, active).feasible``, remembered per Pod signature and node."""
    values = _memo(fw).values("filter", state.pod.signature, lambda stale: fw.run_filters(state, stale, active).feasible)
    return values[idx] != 0


def batch_total(fw, state, rows: np.ndarray) -> np.ndarray:
    """``fw.run_scores(state, rows).total``, with the raw scores of plugins whose score depends on one node alone
    and whose NormalizeScore is the identity (NodeResourcesFit, BalancedAllocation) remembered per node."""
    memo = _memo(fw)
    normalized: dict[str, np.ndarray] = {}
    for pl, _w in fw.score_plugins:
        if not pl.pre_score(state, rows):
            continue
        if pl.per_node_score:
            normalized[pl.name] = memo.values(pl.name, state.pod.signature, lambda stale, pl=pl: pl.score(state, stale))[rows]
        else:
            normalized[pl.name] = pl.normalize(state, rows, pl.score(state, rows))
    return weighted_total(normalized, fw.weights) if normalized else np.zeros(np.shape(rows), dtype=np.int64)


def try_batch(sched, fw, q) -> bool:
    """Pop the Pods identical to ``q`` that the queue would hand out next and decide them with ``q``.

    False (nothing popped, ``q`` still to be scheduled) when there are none or batching cannot apply.
    """
    n = sched.cache.num_nodes
    if fw is None or not n:
        return False
    limit = n // num_feasible_nodes_to_find(sched.percentage(fw), n) - 1
    more = sched.queue.pop_same(q, limit) if limit > 0 else []
    if not more:
        return False
    schedule_batch(sched, fw, [q] + more)
    return True


def schedule_batch(sched, fw, batch: list) -> None:
    """Decide a run of identical Pods (equal :attr:`PodInfo.signature`) with one vectorised pass.

    Exactly what one cycle per Pod would do, as long as (a) every plugin judges a node by
    that node alone (:meth:`Framework.node_local`) and (b) the Pods' node windows do not
    overlap: cycle *i* looks at the next ``numFeasibleNodesToFind`` feasible nodes after
    cycle *i-1*'s, so binding Pod *i-1* (in its own window) changes nothing cycle *i* reads.
    The Filters run once over all nodes from ``nextStartNodeIndex``; row *i* of the score
    matrix is cycle *i*'s window; ties are broken row by row with ``sim.rng``, in the same
    order as sequential cycles. Otherwise, or if the cluster changes while binding, the
    remaining Pods get ordinary cycles.
    """
    cache = sched.cache
    live = []
    for q in batch:
        obj = sched.store.get("Pod", q.pod.namespace, q.pod.name)
        if obj is None or (obj.get("spec") or {}).get("nodeName") or obj["metadata"].get("deletionTimestamp") is not None:
            sched.queue.done(q)
        else:
            live.append((q, obj))
    n = cache.num_nodes
    to_find = num_feasible_nodes_to_find(sched.percentage(fw), n)
    decided: list[tuple[Any, dict, str, int]] = []
    if len(live) >= 2 and 2 * to_find <= n:
        state = fw.new_state(live[0][0].pod)
        active = fw.run_pre_filter(state)
        if fw.node_local(state):
            start = sched.next_start_node_index % n
            region = sched.node_ring(n)[start:start + n]
            f = np.flatnonzero(feasible_per_node(fw, state, active, region))
            k = min(len(live), len(f) // to_find)
            if k >= 2:
                rows = region[f[:k * to_find]].reshape(k, to_find)
                ends = f[to_find - 1:k * to_find:to_find] + 1
                total = batch_total(fw, state, rows)
                for i, pick in enumerate(select_hosts(total, sched.sim.rng)):
                    decided.append((live[i][0], live[i][1], cache.names[int(rows[i, pick])], start + int(ends[i])))
    epoch = sched.epoch
    for q, obj, node, next_start in decided:
        if sched.epoch != epoch:
            break
        sched.attempts += 1
        sched.next_start_node_index = next_start % n
        sched.assume_and_bind(fw, q, obj, node)
        live.pop(0)
    for q, _obj in live:
        sched.schedule_one(q)
