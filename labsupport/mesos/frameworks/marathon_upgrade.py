"""Marathon's rolling restart: ``upgradeStrategy`` (``minimumHealthCapacity``, ``maximumOverCapacity``).

When an app's definition changes, Marathon replaces its instances as ``TaskReplaceActor``
(mesosphere/marathon, ``core/deployment/impl/TaskReplaceActor.scala``) does:

* :func:`restart_strategy` (``computeRestartStrategy``): ``minHealthy = ceil(instances x
  minimumHealthCapacity)``, ``maxCapacity = floor(instances x (1 + maximumOverCapacity))``;
  kill ``running - minHealthy`` old instances at once; if ``minHealthy == maxCapacity`` and
  the app already runs that many, allow one instance of over-capacity so the restart can move;
* new instances are started while ``old + started < maxCapacity``, up to ``instances``;
* every new instance that becomes healthy (or running, without health checks) lets one more old
  instance be killed; every old instance that ends frees capacity for another new one;
* the deployment ends when ``instances`` new instances are healthy and no old one is left.

Defaults (https://mesosphere.github.io/marathon/docs/deployments.html, "Rolling Restarts"):
``minimumHealthCapacity`` 1 and ``maximumOverCapacity`` 1 -- start a full new set, then
stop the old one: the counterpart of a Deployment with ``maxSurge: 100%, maxUnavailable: 0``.

>>> restart_strategy(4, 4)                # defaults: kill none, up to 8 at once
(0, 8)
>>> restart_strategy(4, 4, 0.5, 0.0)      # keep 2, never above 4: kill 2 now
(2, 4)
>>> restart_strategy(4, 4, 1.0, 0.0)      # keep 4, never above 4: one extra is allowed to make progress
(0, 5)
"""
from __future__ import annotations

import math
from collections import deque

from labsupport.mesos.frameworks.base import FrameworkError

__all__ = ["restart_strategy", "Deployment", "parse_upgrade_strategy", "DEFAULT_UPGRADE_STRATEGY"]

DEFAULT_UPGRADE_STRATEGY = {"minimumHealthCapacity": 1.0, "maximumOverCapacity": 1.0}


def restart_strategy(instances: int, running: int, minimum_health_capacity: float = 1.0,
                     maximum_over_capacity: float = 1.0) -> tuple[int, int]:
    """``(nrToKillImmediately, maxCapacity)`` of ``computeRestartStrategy`` for a non-resident app."""
    min_healthy = math.ceil(instances * minimum_health_capacity)
    max_capacity = int(instances * (1 + maximum_over_capacity))
    kill_now = max(0, running - min_healthy)
    if min_healthy == max_capacity and max_capacity <= running:
        max_capacity += 1
    return kill_now, max_capacity


def parse_upgrade_strategy(value) -> dict:
    """Validate ``upgradeStrategy``: both fields are numbers between 0 and 1 (defaults 1 and 1)."""
    if value is None:
        return dict(DEFAULT_UPGRADE_STRATEGY)
    if not isinstance(value, dict):
        raise FrameworkError(f"upgradeStrategy: must be an object with minimumHealthCapacity and maximumOverCapacity, got {value!r}")
    unknown = sorted(set(value) - set(DEFAULT_UPGRADE_STRATEGY))
    if unknown:
        raise FrameworkError(f"upgradeStrategy.{unknown[0]}: unknown field (fields: minimumHealthCapacity, maximumOverCapacity)")
    out = dict(DEFAULT_UPGRADE_STRATEGY)
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise FrameworkError(f"upgradeStrategy.{k}: must be a number between 0 and 1, got {v!r}")
        out[k] = float(v)
    return out


class Deployment:
    """One running restart of an app: which old instances remain, how many new ones started and are queued."""

    def __init__(self, instances: int, old_ids: list[str], strategy: dict) -> None:
        self.instances = instances
        self.old = set(old_ids)
        self.to_kill = deque(old_ids)
        self.kill_now, self.max_capacity = restart_strategy(instances, len(old_ids), strategy["minimumHealthCapacity"],
                                                            strategy["maximumOverCapacity"])
        self.started = 0
        self.queued = 0            # new instances waiting for an offer (Marathon's launch queue)
        self.ready: set[str] = set()

    def launch_instances(self) -> int:
        """``launchInstances``: queue as many new instances as capacity allows; returns how many."""
        left = max(0, self.max_capacity - len(self.old) - self.started)
        not_started = max(0, self.instances - self.started)
        n = min(not_started, left)
        self.started += n
        self.queued += n
        return n

    def next_old(self) -> str | None:
        """The next old instance to kill (``killNextOldInstance``), or None."""
        return self.to_kill.popleft() if self.to_kill else None

    def finished(self) -> bool:
        return len(self.ready) >= self.instances and not self.old
