"""The Mesos agent: runs the tasks the master launches on it and reports their state, like the kubelet.

The agent is the source of truth for its tasks (src/slave/slave.cpp): it starts an executor per
framework, pulls container images, moves each task through ``TASK_STAGING`` -> ``TASK_STARTING``
-> ``TASK_RUNNING`` -> a terminal state, and sends every change to the master as a status update.
While no master hears it (the agent is partitioned, the master gave it up, or a new leader has not
re-registered it yet) updates wait in ``pending`` and are sent in order when it reconnects; when
a master fails over, the new master learns the running tasks from the agents that re-register.

What the agent does, and the master does not:

* ``launch``: executor start (one per framework, see the simplifications in
  :mod:`labsupport.mesos.master`), image pull, the task's timers (latencies in
  :mod:`labsupport.mesos.tasks`);
* ``kill``: ``TASK_KILLING`` now, ``TASK_KILLED`` after ``KILL_GRACE_SECONDS``;
* ``end``: a task's process ends; the executor exits with the framework's last task;
* ``send``: a state change goes to the master, or waits in ``pending``;
* ``reboot``: the machine restarted, every task is gone, images too;
* ``allocated``: what each framework's live tasks use (what it tells a new master).

``failed`` is the truth (process or network down); ``state`` is the master's view
(``ACTIVE``, or ``UNREACHABLE`` after missed pings, see :mod:`labsupport.mesos.health`).

>>> a = Agent("agent-1", parse_resources("cpus:4;mem:8192", default_ports=True), {"rack": "r1"})
>>> a.hostname, a.total["cpus"], a.state
('agent-1', 4.0, <AgentState.ACTIVE: 'ACTIVE'>)
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from labsupport.mesos import events as ev
from labsupport.mesos.resources import Resources, parse_resources  # noqa: F401  (parse_resources: example)
from labsupport.mesos.tasks import (
    IMAGE_PULL_SECONDS,
    KILL_GRACE_SECONDS,
    STAGING_SECONDS,
    STARTING_SECONDS,
    Task,
    TaskInfo,
    TaskState,
)
from labsupport.mesos.values import normalize_ranges

__all__ = ["Agent", "AgentState"]

S = TaskState


class AgentState(enum.StrEnum):
    """As the master sees the agent: registered, or marked unreachable after missed pings."""

    ACTIVE = "ACTIVE"
    UNREACHABLE = "UNREACHABLE"


@dataclass
class Agent:
    """One machine and its agent process. ``failed`` is the truth; ``state`` is the master's view.

    ``master`` is the master logic it reports to; it is set when the agent is attached
    (:meth:`attach`, done by the cluster and by ``Master.add_agent``).
    """

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
    master: Any = field(default=None, repr=False, compare=False)

    @property
    def hostname(self) -> str:
        return self.name

    def attach(self, master: Any) -> None:
        """Report to ``master`` (it has ``sim``, ``log``, ``leader`` and ``status_update``)."""
        self.master = master

    def live_tasks(self) -> list[TaskInfo]:
        """Tasks still running on the machine (agent-side view), in launch order."""
        return list(self.live.values())

    # ------------------------------------------------------------------ launching
    def launch(self, framework_id: str, framework_name: str, task: Task, resources: Resources) -> TaskInfo:
        """Start ``task`` (its executor first if needed) and schedule its state changes."""
        sim, log = self.master.sim, self.master.log
        if framework_id not in self.executors and resources:
            self.executors[framework_id] = f"{framework_name}-executor@{self.name}"
            log(self.name, ev.EXECUTOR_LAUNCHED, f"launched executor {self.executors[framework_id]} for framework {framework_name!r}",
                ev.agent(self.name), ev.framework(framework_id))
        info = TaskInfo(task.task_id, task.name, framework_id, framework_name, self.name, resources,
                        self.executors.get(framework_id, ""), task.container, task.command, task.duration,
                        task.exit_code, launched_at=sim.now)
        info.history.append((sim.now, S.TASK_STAGING))
        key = (framework_id, task.task_id)
        if key in self.tasks:   # an old terminal task with the same id: keep the newest
            del self.tasks[key]
        self.tasks[key] = info
        self.live[key] = info
        if resources:
            self.running[framework_id] = self.running.get(framework_id, 0) + 1
        return info

    def start(self, info: TaskInfo) -> None:
        """The task's timers: image pull (if needed), ``TASK_STARTING``, ``TASK_RUNNING``, its end."""
        pull = 0.0
        if info.container and info.container not in self.images:
            pull = IMAGE_PULL_SECONDS
            self.images.add(info.container)
        t_start = STAGING_SECONDS + pull
        t_run = t_start + STARTING_SECONDS
        sched = self.master.sim.schedule
        info.timers.append(sched(t_start, lambda: self.send(info, S.TASK_STARTING, None), label="task"))
        info.timers.append(sched(t_run, lambda: self.send(info, S.TASK_RUNNING, None), label="task"))
        if info.duration is not None:
            end = S.TASK_FINISHED if info.exit_code == 0 else S.TASK_FAILED
            reason = None if info.exit_code == 0 else "REASON_COMMAND_EXECUTOR_FAILED"
            info.timers.append(sched(t_run + info.duration, lambda: self.end(info, end, reason), label="task"))

    # ------------------------------------------------------------------ ending
    def kill(self, task: TaskInfo) -> None:
        """``TASK_KILLING`` now, ``TASK_KILLED`` after the grace period."""
        self.cancel_timers(task)
        self.send(task, S.TASK_KILLING, "REASON_TASK_KILLED_DURING_LAUNCH" if task.agent_state == S.TASK_STAGING else None)
        task.timers.append(self.master.sim.schedule(KILL_GRACE_SECONDS, lambda: self.end(task, S.TASK_KILLED, None), label="kill"))

    @staticmethod
    def cancel_timers(task: TaskInfo) -> None:
        """Drop the task's pending state changes."""
        for timer in task.timers:
            timer.cancel()
        task.timers.clear()

    def end(self, task: TaskInfo, state: TaskState, reason: str | None, *, report: bool = True) -> None:
        """The task's process ends; the executor exits with the framework's last task.

        ``report=False``: the master already knows (it killed the task itself, or the machine rebooted).
        """
        self.cancel_timers(task)
        if self.live.pop((task.framework, task.task_id), None) is not None and task.resources:
            self.running[task.framework] -= 1
        if report:
            self.send(task, state, reason)
        else:
            task.agent_state = state
        if not self.running.get(task.framework) and task.framework in self.executors:
            self.running.pop(task.framework, None)
            self.master.log(self.name, ev.EXECUTOR_EXITED, f"executor {self.executors.pop(task.framework)} exited",
                            ev.agent(self.name), ev.framework(task.framework))

    def reboot(self) -> None:
        """The machine restarted: every task is gone, unsent updates about them too, and the image cache."""
        for task in self.live_tasks():
            self.end(task, S.TASK_GONE, "REASON_SLAVE_RESTARTED", report=False)
        self.pending = [p for p in self.pending if not p[0].agent_state == S.TASK_GONE]
        self.images.clear()

    # ------------------------------------------------------------------ reporting
    def heard(self) -> bool:
        """True if a leading master hears this agent now (else updates wait in ``pending``)."""
        return (not self.failed and self.state == AgentState.ACTIVE and self.master is not None
                and self.master.leader is not None and self.reregistered)

    def send(self, task: TaskInfo, state: TaskState, reason: str | None) -> None:
        """The agent sees a new task state and sends an update (held while no master hears it)."""
        task.agent_state = state
        if not self.heard():
            self.pending.append((task, state, reason))
            return
        self.master.status_update(task, state, reason)

    def flush(self) -> None:
        """Send the held updates, oldest first."""
        pending, self.pending = self.pending, []
        for task, state, reason in pending:
            self.master.status_update(task, state, reason)

    def allocated(self) -> dict[str, dict]:
        """framework id -> resource entries its live tasks use here (sent to a master on re-registration)."""
        used: dict[str, dict] = {}
        for task in self.live_tasks():
            acc = used.setdefault(task.framework, {})
            for k, v in task.resources.entries.items():
                acc[k] = normalize_ranges(acc.get(k, ()) + v) if isinstance(v, tuple) else acc.get(k, 0.0) + v
        return used
