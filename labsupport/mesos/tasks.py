"""Tasks, their states and the status updates a framework receives.

States and their meaning follow ``TaskState`` in include/mesos/mesos.proto and
https://mesos.apache.org/documentation/latest/task-state-reasons/ . ``TASK_STAGING`` is the
initial state kept by the master; like real Mesos ("Framework status updates should not
use", mesos.proto) it is never sent as an update -- every later state is.

Latencies of the simulated agent (our choices, not Mesos constants, kept small and visible):

* ``STAGING_SECONDS``: master -> agent -> executor started, then ``TASK_STARTING``;
* ``STARTING_SECONDS``: command started, then ``TASK_RUNNING``;
* ``IMAGE_PULL_SECONDS``: extra wait for a container task whose image is not yet on the agent;
* ``KILL_GRACE_SECONDS``: between ``TASK_KILLING`` and ``TASK_KILLED``.

>>> Task("sleep", "cpus:0.5;mem:64", command="sleep 10", duration=10).resources["cpus"]
0.5
>>> TaskState.TASK_LOST.is_terminal, TaskState.TASK_UNREACHABLE.is_terminal
(True, False)
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from labsupport.core import LabError
from labsupport.mesos.resources import Resources, as_resources

__all__ = [
    "IMAGE_PULL_SECONDS",
    "KILL_GRACE_SECONDS",
    "STAGING_SECONDS",
    "STARTING_SECONDS",
    "Task",
    "TaskInfo",
    "TaskState",
    "TaskStatus",
]

STAGING_SECONDS = 0.1
STARTING_SECONDS = 0.4
IMAGE_PULL_SECONDS = 2.0
KILL_GRACE_SECONDS = 1.0


class TaskState(enum.StrEnum):
    """Mesos task states (mesos.proto). ``is_terminal`` matches ``protobuf::isTerminalState``."""

    TASK_STAGING = "TASK_STAGING"
    TASK_STARTING = "TASK_STARTING"
    TASK_RUNNING = "TASK_RUNNING"
    TASK_KILLING = "TASK_KILLING"
    TASK_FINISHED = "TASK_FINISHED"
    TASK_FAILED = "TASK_FAILED"
    TASK_KILLED = "TASK_KILLED"
    TASK_ERROR = "TASK_ERROR"
    TASK_LOST = "TASK_LOST"
    TASK_UNREACHABLE = "TASK_UNREACHABLE"
    TASK_GONE = "TASK_GONE"
    TASK_DROPPED = "TASK_DROPPED"
    TASK_UNKNOWN = "TASK_UNKNOWN"      # only in reconciliation answers to partition-aware frameworks

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset({
    TaskState.TASK_FINISHED, TaskState.TASK_FAILED, TaskState.TASK_KILLED,
    TaskState.TASK_ERROR, TaskState.TASK_LOST, TaskState.TASK_GONE, TaskState.TASK_DROPPED,
})


@dataclass(frozen=True)
class TaskStatus:
    """One status update, as ``Scheduler.status_update`` receives it (``TaskStatus`` in mesos.proto)."""

    task_id: str
    state: TaskState
    reason: str | None = None
    message: str = ""
    agent: str | None = None
    framework_id: str | None = None
    timestamp: float = 0.0


@dataclass
class Task:
    """What a framework asks to launch: ``TaskInfo`` with a command or a container image.

    ``resources`` is a resource string or mapping (``"cpus:1;mem:128"``). An amount without a
    role is taken from the offer's resources reserved to the framework's role first, then from
    unreserved ones; ``cpus(web):1`` asks for that reservation exactly; ``disk(web)[data]:100``
    mounts the persistent volume ``data``. ``duration=None`` runs until killed; then the task
    ends ``TASK_FINISHED`` if ``exit_code == 0`` else ``TASK_FAILED``. ``container`` (an image
    name) makes it a container task; otherwise it is a command task.
    """

    name: str
    resources: Any
    command: str | None = None
    duration: float | None = None
    container: str | None = None
    task_id: str | None = None
    exit_code: int = 0
    user: str | None = None   # CommandInfo.user: run as this Unix user (default FrameworkInfo.user); run_tasks ACLs

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise LabError(f"Task.name: must be a non-empty string, got {self.name!r}")
        self.resources = as_resources(self.resources, what=f"Task {self.name!r} resources")
        if self.duration is not None and (not isinstance(self.duration, (int, float)) or self.duration < 0):
            raise LabError(f"Task {self.name!r} duration: must be None or a number >= 0, got {self.duration!r}")
        if self.container is not None and (not isinstance(self.container, str) or not self.container):
            raise LabError(f"Task {self.name!r} container: must be an image name like 'nginx:1.25'")
        if self.task_id is None:
            self.task_id = self.name
        problem = validate_id(self.task_id)
        if problem:
            raise LabError(f"Task {self.name!r} task_id: {problem} (master/validation.cpp validateTaskID)")
        if isinstance(self.exit_code, bool) or not isinstance(self.exit_code, int):
            raise LabError(f"Task {self.name!r} exit_code: must be a whole number, got {self.exit_code!r}")


def validate_id(value: Any) -> str | None:
    """``common::validation::validateID`` (Mesos 1.11): non-empty, at most 255 characters, not ``.`` or ``..``,
    no control character, slash or backslash. Returns the problem or None.

    >>> validate_id("web.1"), validate_id("a/b")
    (None, "'a/b' contains a slash, a backslash or a control character")
    """
    if not isinstance(value, str):
        return f"must be a string, got {value!r}"
    if not value:
        return "ID must not be empty"
    if len(value) > 255:
        return "ID must not be greater than 255 characters"
    if value in (".", ".."):
        return f"'{value}' is disallowed"
    if any(ord(ch) < 32 or ord(ch) == 127 or ch in "/" + chr(92) for ch in value):
        return f"{value!r} contains a slash, a backslash or a control character"
    return None


@dataclass
class TaskInfo:
    """The cluster's record of a launched task (what ``cluster.tasks()`` returns)."""

    task_id: str
    name: str
    framework: str           # framework id
    framework_name: str
    agent: str
    resources: Resources
    executor: str
    container: str | None
    command: str | None
    duration: float | None
    exit_code: int
    state: TaskState = TaskState.TASK_STAGING        # the master's view (what the framework was told)
    agent_state: TaskState = TaskState.TASK_STAGING  # the truth on the agent
    launched_at: float = 0.0
    history: list = field(default_factory=list)      # [(time, state)] as the master saw it
    timers: list = field(default_factory=list, repr=False)  # pending agent-side events

    @property
    def kind(self) -> str:
        return "container" if self.container else "command"
