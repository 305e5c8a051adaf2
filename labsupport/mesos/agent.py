"""A Mesos agent: its resources, attributes, executors and the tasks it runs.

The agent is the source of truth for its tasks: when a master fails over, the new master
learns the running tasks from the agents that re-register (src/slave/slave.cpp).

>>> a = Agent("agent-1", parse_resources("cpus:4;mem:8192", default_ports=True), {"rack": "r1"})
>>> a.hostname, a.total["cpus"], a.state
('agent-1', 4.0, <AgentState.ACTIVE: 'ACTIVE'>)
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from labsupport.mesos.resources import Resources, parse_resources  # noqa: F401  (example)
from labsupport.mesos.tasks import TaskInfo

__all__ = ["Agent", "AgentState"]


class AgentState(enum.StrEnum):
    """As the master sees the agent: registered, or marked unreachable after missed pings."""

    ACTIVE = "ACTIVE"
    UNREACHABLE = "UNREACHABLE"


@dataclass
class Agent:
    """One machine. ``failed`` is the truth (process or network down); ``state`` is the master's view."""

    name: str
    total: Resources
    attributes: dict[str, Any]
    registered_at: float = 0.0
    state: AgentState = AgentState.ACTIVE
    failed: bool = False
    epoch: int = 0                     # bumps on every failure/restore so stale ping timers do nothing
    missed_pings: int = 0
    reregistered: bool = True          # False between a master failover and this agent's re-registration
    tasks: dict = field(default_factory=dict)       # (framework_id, task_id) -> TaskInfo, finished ones too
    live: dict = field(default_factory=dict)        # the same, only tasks still running on the machine
    running: dict = field(default_factory=dict)     # framework_id -> number of its live tasks (executor lifetime)
    executors: dict = field(default_factory=dict)   # framework_id -> executor id
    images: set = field(default_factory=set)        # container images already pulled
    pending: list = field(default_factory=list)     # status updates not yet acknowledged by a master

    @property
    def hostname(self) -> str:
        return self.name

    def live_tasks(self) -> list[TaskInfo]:
        """Tasks still running on the machine (agent-side view), in launch order."""
        return list(self.live.values())
