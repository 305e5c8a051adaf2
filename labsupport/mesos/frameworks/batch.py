"""``Batch``: a Spark-like framework -- jobs of many short tasks, with optional delay scheduling.

A job is ``n_tasks`` identical tasks (resources, duration). Tasks may *prefer* agents (where their input
data lives, like HDFS block locations). **Delay scheduling** (Zaharia et al., "Delay Scheduling: A Simple
Technique for Achieving Locality and Fairness in Cluster Scheduling", EuroSys 2010; Spark's
``spark.locality.wait``, default 3 s, https://spark.apache.org/docs/latest/configuration.html#scheduling):
when an offer comes from an agent none of the job's pending tasks prefers, the job declines it unless it has
waited ``locality_wait`` seconds since it last launched a task, as Spark's ``TaskSetManager``
(``getAllowedLocalityLevel``) does; launching a task resets the wait. ``locality_wait=0`` turns it off.

Declines: an offer passed over for locality is declined only for the rest of the wait (so it comes back
when the job would take it); an offer too small for any task is declined for ``decline_seconds``. With no
pending task the framework suppresses offers; ``submit`` revives them. A task that fails or is lost is
retried up to ``MAX_TASK_FAILURES`` times (``spark.task.maxFailures``, default 4).

>>> from labsupport import mesos
>>> cluster = mesos.Cluster(seed=0)
>>> for i in range(4):
...     cluster.add_agent(f"agent-{i}", "cpus:4;mem:8192")
>>> batch = Batch(cluster.sim)
>>> fid = cluster.register(batch, name="spark")
>>> job = batch.submit("wordcount", n_tasks=8, resources="cpus:1;mem:512", duration=5,
...                    preferred=[["agent-0"], ["agent-1"]] * 4, locality_wait=3.0)
>>> cluster.run(30)
>>> row = batch.stats().rows[0]
>>> row["DONE"], row["LOCAL"]
('8/8', '8/8')
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from labsupport.core import Simulation, Table
from labsupport.mesos.frameworks.base import DECLINE_SECONDS, FrameworkError, OfferHygiene
from labsupport.mesos.resources import as_resources
from labsupport.mesos.scheduler import Offer, SchedulerDriver
from labsupport.mesos.tasks import Task, TaskState, TaskStatus

__all__ = ["Batch", "BatchJob", "LOCALITY_WAIT", "MAX_TASK_FAILURES"]

LOCALITY_WAIT = 3.0        # spark.locality.wait default
MAX_TASK_FAILURES = 4      # spark.task.maxFailures default


@dataclass
class _TaskRec:
    index: int
    preferred: tuple
    attempts: int = 0
    launched_at: float | None = None
    finished_at: float | None = None
    agent: str | None = None
    state: str = "PENDING"

    @property
    def local(self) -> bool | None:
        """True/False if the task had a preference and met/missed it; None without a preference."""
        if not self.preferred or self.agent is None:
            return None
        return self.agent in self.preferred


@dataclass
class BatchJob:
    """One submitted job: its tasks and their timings."""

    name: str
    resources: Any
    duration: float
    locality_wait: float
    submitted_at: float
    tasks: list = field(default_factory=list)
    pending: dict = field(default_factory=dict)       # task index -> None: an ordered set of tasks waiting
    by_agent: dict = field(default_factory=dict)      # agent -> indexes of the tasks that prefer it
    last_launch: float = 0.0                          # the delay-scheduling clock

    def wait_times(self) -> list[float]:
        """Seconds from submission to the (last) launch of each launched task."""
        return [t.launched_at - self.submitted_at for t in self.tasks if t.launched_at is not None]

    def picks(self, agent: str, room: int, allow_any: bool) -> tuple[list[int], bool]:
        """Up to ``room`` pending tasks for ``agent``: local ones first, then ones without a preference,
        then (only if ``allow_any``) any other. Also says whether a non-local task was passed over."""
        chosen = [i for i in self.by_agent.get(agent, ()) if i in self.pending][:room]
        skipped = False
        if len(chosen) < room:
            taken = set(chosen)
            for i in self.pending:
                if i in taken:
                    continue
                if self.tasks[i].preferred and not allow_any:
                    skipped = True
                    continue
                chosen.append(i)
                if len(chosen) == room:
                    break
        return chosen, skipped


class Batch(OfferHygiene):
    """The Spark-like framework: ``submit`` jobs, watch ``stats()``."""

    def __init__(self, sim: Simulation, *, decline_seconds: float = DECLINE_SECONDS) -> None:
        super().__init__(sim, decline_seconds=decline_seconds)
        self._jobs: dict[str, BatchJob] = {}
        self._by_task: dict[str, tuple[BatchJob, _TaskRec]] = {}

    def submit(self, name: str, n_tasks: int, resources: Any = "cpus:1;mem:512", duration: float = 10.0,
               preferred: list | None = None, locality_wait: float = LOCALITY_WAIT) -> BatchJob:
        """Submit a job of ``n_tasks`` tasks; ``preferred[i]`` is an agent name or a list of them for task ``i``."""
        if not isinstance(name, str) or not name or name in self._jobs:
            raise FrameworkError(f"name: must be a new, non-empty job name, got {name!r}")
        if isinstance(n_tasks, bool) or not isinstance(n_tasks, int) or n_tasks < 1:
            raise FrameworkError(f"n_tasks: must be a whole number >= 1, got {n_tasks!r}")
        res = as_resources(resources, what="resources")
        if not res.scalars():
            raise FrameworkError(f"resources: a task needs some cpus or mem, got {resources!r}")
        for fld, v in (("duration", duration), ("locality_wait", locality_wait)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                raise FrameworkError(f"{fld}: must be a number >= 0, got {v!r}")
        prefs: list[tuple] = [()] * n_tasks
        if preferred is not None:
            if not isinstance(preferred, (list, tuple)) or len(preferred) != n_tasks:
                raise FrameworkError(f"preferred: must list one agent (or list of agents) per task, {n_tasks} in all")
            prefs = []
            for i, p in enumerate(preferred):
                p = [p] if isinstance(p, str) else p
                if p is None:
                    p = []
                if not isinstance(p, (list, tuple)) or not all(isinstance(a, str) for a in p):
                    raise FrameworkError(f"preferred[{i}]: must be an agent name or a list of agent names, got {p!r}")
                prefs.append(tuple(sorted(p)))
        now = self.sim.now
        job = BatchJob(name, res, float(duration), float(locality_wait), now, last_launch=now)
        job.tasks = [_TaskRec(i, prefs[i]) for i in range(n_tasks)]
        job.pending = dict.fromkeys(range(n_tasks))
        for i, p in enumerate(prefs):
            for agent in p:
                job.by_agent.setdefault(agent, []).append(i)
        self._jobs[name] = job
        self.revive()
        return job

    # -- offers -----------------------------------------------------------------------------------
    def resource_offers(self, driver: SchedulerDriver, offers: list[Offer]) -> None:
        now = self.sim.now
        active = [j for j in self._jobs.values() if j.pending]      # FIFO: jobs in submission order
        needs = [j.resources.scalars() for j in active]
        for offer in offers:
            free = offer.resources.scalars()
            tasks: list[Task] = []
            wait_left = 0.0
            for job, need in zip(active, needs, strict=True):
                if not job.pending:
                    continue
                room = min(int((free.get(k, 0.0) + 1e-9) // v) for k, v in need.items())
                if room <= 0:
                    continue
                allow_any = now - job.last_launch >= job.locality_wait
                chosen, skipped = job.picks(offer.agent, room, allow_any)
                if skipped and len(chosen) < room:
                    wait_left = max(wait_left, job.last_launch + job.locality_wait - now)
                for idx in chosen:
                    for k, v in need.items():
                        free[k] -= v
                    tasks.append(self._launch(job, job.tasks[idx], offer, now))
            if tasks:
                driver.accept([offer.id], tasks, {"refuse_seconds": self.decline_seconds})
            elif wait_left > 0:
                self.decline([offer.id], refuse_seconds=wait_left)   # come back when the wait is over
            else:
                self.decline([offer.id])
        self.wants_offers(any(j.pending for j in self._jobs.values()))

    def _launch(self, job: BatchJob, rec: _TaskRec, offer: Offer, now: float) -> Task:
        del job.pending[rec.index]
        rec.attempts += 1
        rec.launched_at, rec.agent, rec.state = now, offer.agent, "LAUNCHED"
        if rec.preferred and offer.agent in rec.preferred:
            job.last_launch = now
        elif not rec.preferred:
            job.last_launch = now
        task_id = f"{job.name}.{rec.index}.{rec.attempts}"
        self._by_task[task_id] = (job, rec)
        return Task(f"{job.name}-{rec.index}", job.resources, command=f"run task {rec.index} of {job.name}",
                    duration=job.duration, task_id=task_id)

    def status_update(self, driver: SchedulerDriver, status: TaskStatus) -> None:
        found = self._by_task.get(status.task_id)
        if found is None or not status.state.is_terminal:
            return
        job, rec = found
        if status.state == TaskState.TASK_FINISHED:
            rec.finished_at, rec.state = self.sim.now, "FINISHED"
        elif rec.attempts < MAX_TASK_FAILURES:
            rec.state, rec.agent = "PENDING", None
            job.pending[rec.index] = None
            self.revive()
        else:
            rec.state = "FAILED"

    # -- read-outs ----------------------------------------------------------------------------------
    def job(self, name: str) -> BatchJob:
        """The record of one job."""
        if name not in self._jobs:
            raise FrameworkError(f"name: no job {name!r}; jobs: {sorted(self._jobs)}")
        return self._jobs[name]

    def stats(self) -> Table:
        """Per job: tasks done, mean/median/max wait from submission to launch, locality, makespan."""
        rows = []
        for job in self._jobs.values():
            waits = job.wait_times()
            with_pref = [t for t in job.tasks if t.preferred and t.agent is not None]
            done = [t for t in job.tasks if t.state == "FINISHED"]
            rows.append({
                "JOB": job.name, "TASKS": len(job.tasks), "DONE": f"{len(done)}/{len(job.tasks)}",
                "FAILED": sum(1 for t in job.tasks if t.state == "FAILED"),
                "MEAN WAIT": round(statistics.fmean(waits), 3) if waits else None,
                "MEDIAN WAIT": round(statistics.median(waits), 3) if waits else None,
                "MAX WAIT": round(max(waits), 3) if waits else None,
                "LOCAL": f"{sum(1 for t in with_pref if t.local)}/{len(with_pref)}" if with_pref else "-",
                "MAKESPAN": round(max(t.finished_at for t in done) - job.submitted_at, 3) if len(done) == len(job.tasks) else None,
            })
        cols = ["JOB", "TASKS", "DONE", "FAILED", "MEAN WAIT", "MEDIAN WAIT", "MAX WAIT", "LOCAL", "MAKESPAN"]
        return Table(cols, rows, title="Batch jobs")
