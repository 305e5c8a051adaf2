"""A database framework that remembers where its data is: reservations + a persistent volume.

The pattern the Mesos persistent-volume docs describe (https://mesos.apache.org/documentation/latest/persistent-volume/,
read 2026-12): in one ``accept`` the framework RESERVEs cpus, mem and disk for its role, CREATEs a volume on the
reserved disk and launches its task on it. When the task dies the reserved resources *and the volume* come back in
the role's next offer from the same agent; the framework recognises its volume (by id) and relaunches there with
:meth:`StatefulDatabase.relaunch`. Mesos never moves the data: if the agent is lost, so is the volume, and the
framework must start over elsewhere (replication is the framework's job).

>>> from labsupport import mesos
>>> cell = mesos.Cluster(seed=0)
>>> cell.add_agent("agent-1", "cpus:4;mem:4096;disk:10000")
>>> db = StatefulDatabase(task_seconds=20)
>>> _ = cell.register(db, name="db", role="db")
>>> cell.run(60)
>>> [t for t in db.launched]
['db-1', 'db-2', 'db-3']
>>> cell.get("volumes").rows[0]["PATH"], cell.get("volumes").rows[0]["AGENT"]
('data', 'agent-1')
"""
from __future__ import annotations

from labsupport.mesos.operations import Create, Reserve
from labsupport.mesos.scheduler import Scheduler
from labsupport.mesos.tasks import Task

__all__ = ["StatefulDatabase"]


class StatefulDatabase(Scheduler):
    """One database task on reserved resources with a persistent volume ``volume`` (role ``role``).

    ``task_seconds``: each incarnation ends after that long; None runs until killed. ``exit_code``: how it ends
    (0: ``TASK_FINISHED``; anything else: ``TASK_FAILED``, a crash).
    ``launched`` lists task ids in order; ``agent`` is where the volume lives once created.
    """

    def __init__(self, role: str = "db", volume: str = "data", size_mb: int = 1000, task_seconds: float | None = None,
                 exit_code: int = 0) -> None:
        self.role, self.volume, self.size_mb, self.task_seconds = role, volume, size_mb, task_seconds
        self.exit_code = exit_code
        self.launched: list[str] = []
        self.agent: str | None = None
        self.running = False

    def _resources(self) -> str:
        return f"cpus({self.role}):1;mem({self.role}):512;disk({self.role})[{self.volume}]:{self.size_mb}"

    def first_launch(self, offer):
        """Reserve, create the volume, launch: the operations for a fresh agent."""
        r = self.role
        return [Reserve(f"cpus({r}):1;mem({r}):512;disk({r}):{self.size_mb}"), Create(f"disk({r})[{self.volume}]:{self.size_mb}"),
                Task(f"db-{len(self.launched) + 1}", self._resources(), duration=self.task_seconds, exit_code=self.exit_code)]

    def relaunch(self, offer):
        """The step that makes it stateful: an offer carrying our volume -> launch on it again, else nothing."""
        if self.volume not in offer.resources.volumes():
            return None
        return [Task(f"db-{len(self.launched) + 1}", self._resources(), duration=self.task_seconds, exit_code=self.exit_code)]

    def resource_offers(self, driver, offers) -> None:
        for o in offers:
            plan = None
            if not self.running:
                if self.agent is None:
                    plan = self.first_launch(o)
                elif o.agent == self.agent:
                    plan = self.relaunch(o)
            if plan:
                self.running = True
                self.agent = o.agent
                self.launched.append(next(t.task_id for t in plan if isinstance(t, Task)))
                driver.accept([o.id], plan, filters={"refuse_seconds": 1})
            else:
                driver.decline([o.id], filters={"refuse_seconds": 1})

    def status_update(self, driver, status) -> None:
        if status.state.is_terminal:
            self.running = False
