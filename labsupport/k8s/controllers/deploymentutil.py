"""The Deployment controller's arithmetic, as ``pkg/controller/deployment/util/deployment_util.go``.

Pure functions over Deployment / ReplicaSet dicts, used by
:class:`~labsupport.k8s.controllers.deployment.DeploymentController` and checked
against the upstream table tests in ``tests/upstream/k8s/cases_deployment_util.py``.

* :func:`resolve_fenceposts` -- ``maxSurge`` rounds up, ``maxUnavailable`` rounds down,
  and if both come out 0, ``maxUnavailable`` is 1 (a missing value counts as 0 here; the
  API server's defaults fill in 25 % before the controller sees a Deployment);
* :func:`max_unavailable` -- 0 for Recreate or 0 replicas, otherwise the resolved value
  **clamped to the replica count**;
* :func:`max_surge` -- 0 for Recreate, otherwise the resolved surge;
* :func:`new_rs_new_replicas` -- how far the new ReplicaSet may grow this step.

>>> d = {"spec": {"replicas": 5, "strategy": {"type": "RollingUpdate",
...       "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 10}}}}
>>> max_unavailable(d), max_surge(d)
(5, 1)
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from labsupport.k8s.validation import int_or_percent

__all__ = ["resolve_fenceposts", "max_unavailable", "min_available", "max_surge", "new_rs_new_replicas", "replica_count"]


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int]:
    """``ResolveFenceposts``: ``(surge, unavailable)`` for ``desired`` replicas; None counts as 0.

    An invalid value raises :class:`~labsupport.k8s.errors.ManifestError` naming the field.

    >>> resolve_fenceposts("39%", "39%", 10), resolve_fenceposts(None, None, 10), resolve_fenceposts("0%", "0%", 0)
    ((4, 3), (0, 1), (0, 1))
    """
    surge = int_or_percent(0 if max_surge is None else max_surge, desired, True,
                           "spec.strategy.rollingUpdate.maxSurge")
    unavailable = int_or_percent(0 if max_unavailable is None else max_unavailable, desired, False,
                                 "spec.strategy.rollingUpdate.maxUnavailable")
    if surge == 0 and unavailable == 0:
        # Validation rules out both being explicitly 0; if rounding makes both 0, allow one unavailable Pod.
        unavailable = 1
    return surge, unavailable


def _rolling(d: Mapping) -> tuple[bool, Mapping]:
    strategy = d["spec"].get("strategy") or {}
    return strategy.get("type", "RollingUpdate") == "RollingUpdate", strategy.get("rollingUpdate") or {}


def _spec_replicas(obj: Mapping) -> int:
    return obj["spec"].get("replicas", 1)


def max_unavailable(d: Mapping) -> int:
    """``MaxUnavailable``: how many Pods below ``replicas`` a rolling update may go (never more than ``replicas``).

    >>> max_unavailable({"spec": {"replicas": 0, "strategy": {"rollingUpdate": {"maxUnavailable": 10}}}})
    0
    >>> max_unavailable({"spec": {"replicas": 3, "strategy": {"type": "Recreate"}}})
    0
    """
    rolling, ru = _rolling(d)
    replicas = _spec_replicas(d)
    if not rolling or replicas == 0:
        return 0
    _, unavailable = resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), replicas)
    return min(unavailable, replicas)


def min_available(d: Mapping) -> int:
    """``MinAvailable``: ``replicas - MaxUnavailable`` (0 for Recreate).

    >>> min_available({"spec": {"replicas": 10, "strategy": {"rollingUpdate": {"maxUnavailable": "60%"}}}})
    4
    """
    rolling, _ = _rolling(d)
    return _spec_replicas(d) - max_unavailable(d) if rolling else 0


def max_surge(d: Mapping) -> int:
    """``MaxSurge``: how many Pods above ``replicas`` a rolling update may create (0 for Recreate).

    >>> max_surge({"spec": {"replicas": 10, "strategy": {"rollingUpdate": {"maxSurge": "50%"}}}})
    5
    """
    rolling, ru = _rolling(d)
    if not rolling:
        return 0
    surge, _ = resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), _spec_replicas(d))
    return surge


def replica_count(rss: Iterable[Mapping]) -> int:
    """``GetReplicaCountForReplicaSets``: the sum of ``spec.replicas``."""
    return sum(_spec_replicas(r) for r in rss)


def new_rs_new_replicas(d: Mapping, all_rss: Iterable[Mapping], new_rs: Mapping) -> int:
    """``NewRSNewReplicas``: the new ReplicaSet's size after one scale-up step.

    RollingUpdate: grow by at most ``replicas + maxSurge - (Pods of all ReplicaSets)``, never past
    ``replicas``; Recreate: straight to ``replicas``.

    >>> d = {"spec": {"replicas": 6, "strategy": {"rollingUpdate": {"maxSurge": 10, "maxUnavailable": 1}}}}
    >>> new_rs_new_replicas(d, [{"spec": {"replicas": 5}}], {"spec": {"replicas": 2}})
    6
    """
    rolling, ru = _rolling(d)
    want = _spec_replicas(d)
    if not rolling:
        return want
    surge = int_or_percent(ru.get("maxSurge", 0), want, True, "spec.strategy.rollingUpdate.maxSurge")
    current = replica_count(all_rss)
    max_total = want + surge
    if current >= max_total:
        return _spec_replicas(new_rs)
    return _spec_replicas(new_rs) + min(max_total - current, want - _spec_replicas(new_rs))
