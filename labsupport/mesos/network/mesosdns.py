"""Mesos-DNS: A and SRV records for running tasks, rebuilt from the master's state every ``refresh_seconds``.

From https://mesosphere.github.io/mesos-dns/docs/naming.html and .../configuration-parameters.html
(Mesos-DNS 0.6): Mesos-DNS polls the leading master's ``state.json`` every ``RefreshSeconds`` (default 60)
and serves what it saw then, with a TTL of 60 s. For each *running* task it generates

* ``<task>.<framework>.mesos`` A: the container's IP when the task has one (``IPSources`` default
  ``["netinfo", "mesos", "host"]``: a CNI address wins), else the agent's IP;
* ``<task>.<framework>.slave.mesos`` A: the agent's IP;
* ``_<task>._tcp.<framework>.mesos`` SRV: one record per host port of the task, ``0 0 <port> <target>``, the
  target being ``<task>-<id>-<agent>.<framework>.slave.mesos.`` (the middle label stands for the task; here
  it is five characters of a hash of the task id).

Between two refreshes the records do not change: a task that moved keeps its old address in DNS for up to
``refresh_seconds``, which is what a learner sees with :meth:`MesosDNS.resolve` right after a failover.
The records are rebuilt from the task histories the master keeps, at the last refresh time
``floor(now / refresh_seconds) * refresh_seconds``, so no extra events are scheduled. Names as in
:mod:`labsupport.mesos.dns`. Not simulated: ``_framework._tcp.marathon.mesos``, leader/master records,
upstream resolvers (names outside ``.mesos`` are NXDOMAIN).

>>> last_refresh(59.9, 60), last_refresh(60, 60), last_refresh(125, 60)
(0.0, 60.0, 120.0)
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

from labsupport.core import LabError
from labsupport.mesos.dns import dns_name, domain_fragment, rfc1123_label
from labsupport.mesos.tasks import TaskInfo, TaskState

__all__ = ["REFRESH_SECONDS", "TTL", "MesosDNS", "MesosDNSError", "last_refresh", "state_at"]

REFRESH_SECONDS = 60.0
TTL = 60


class MesosDNSError(LabError):
    """A name Mesos-DNS has no record for (NXDOMAIN)."""


def last_refresh(now: float, refresh: float = REFRESH_SECONDS) -> float:
    """When Mesos-DNS last rebuilt its records (it polls at 0, refresh, 2*refresh, ...)."""
    return float(math.floor(now / refresh + 1e-9) * refresh)


def state_at(task: TaskInfo, t: float) -> TaskState | None:
    """The task's state as the master knew it at time ``t`` (None if not launched yet)."""
    state = None
    for when, s in task.history:
        if when > t + 1e-9:
            break
        state = s
    return state


class MesosDNS:
    """The records Mesos-DNS serves; ``tasks()`` lists the master's tasks, ``agent_ip(name)`` and ``task_ip(task)`` give addresses."""

    def __init__(self, tasks: Callable[[], list[TaskInfo]], agent_ip: Callable[[str], str], task_ip: Callable[[TaskInfo], str | None],
                 refresh_seconds: float = REFRESH_SECONDS, domain: str = "mesos") -> None:
        self._tasks, self._agent_ip, self._task_ip = tasks, agent_ip, task_ip
        self.refresh_seconds, self.domain = refresh_seconds, domain

    def records(self, now: float) -> dict[tuple[str, str], list[str]]:
        """Every (name, type) -> answers, as of the last refresh before ``now``."""
        t = last_refresh(now, self.refresh_seconds)
        out: dict[tuple[str, str], list[str]] = {}
        for task in sorted(self._tasks(), key=lambda x: (x.launched_at, x.task_id)):
            if state_at(task, t) != TaskState.TASK_RUNNING:
                continue
            name = dns_name(task.name, task.framework_name, self.domain)
            agent_ip = self._agent_ip(task.agent)
            ip = self._task_ip(task) or agent_ip
            if ip not in out.setdefault((name, "A"), []):      # Mesos-DNS keeps each name's records as a set
                out[(name, "A")].append(ip)
            fw = domain_fragment(task.framework_name)
            label = rfc1123_label(task.name)
            slave = f"{label}.{fw}.slave.{self.domain}"
            if agent_ip not in out.setdefault((slave, "A"), []):
                out[(slave, "A")].append(agent_ip)
            h = hashlib.sha1(task.task_id.encode()).hexdigest()[:5]
            for lo, hi in task.resources.get("ports", ()) or ():
                for port in range(lo, hi + 1):
                    out.setdefault((f"_{label}._tcp.{fw}.{self.domain}", "SRV"), []).append(
                        f"0 0 {port} {label}-{h}-{task.agent}.{fw}.slave.{self.domain}.")
        return out

    def resolve(self, name: str, record: str, now: float) -> list[str]:
        """Answers for ``name`` (a fully qualified ``.mesos`` name); raises :class:`MesosDNSError` for NXDOMAIN."""
        if record not in ("A", "SRV"):
            raise LabError(f"record: Mesos-DNS serves 'A' and 'SRV' records, got {record!r}")
        if not isinstance(name, str) or not name:
            raise LabError(f"name: must be a name such as 'web.marathon.mesos', got {name!r}")
        key = (name.lower().rstrip("."), record)
        answers = self.records(now).get(key)
        if not answers:
            since = last_refresh(now, self.refresh_seconds)
            raise MesosDNSError(f"{name}: NXDOMAIN (Mesos-DNS has no {record} record; its records are from its last refresh at t={since:g}s)")
        return sorted(answers) if record == "SRV" else list(answers)
