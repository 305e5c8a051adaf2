"""``Chronos``: cron for Mesos -- jobs on ISO 8601 repeating intervals, with retries and parent jobs.

A job is a dict shaped like Chronos' job JSON (https://mesos.github.io/chronos/docs/api.html,
``POST /scheduler/iso8601`` and ``/scheduler/dependency``):

* ``schedule`` ``"R5/2026-01-01T00:00:00Z/PT1H"``: repeat 5 times (``R`` alone: forever), from that start,
  every hour. An empty start (``"R3//PT10M"``) means "now". Durations are ``PnW`` or ``PnDTnHnMnS``
  (months and years are not a fixed number of seconds, so they are refused);
* ``retries`` (default 2): a failed run is retried at once up to that many times;
* ``parents``: a *dependent* job has parents instead of a schedule; it runs when every parent has
  succeeded since the dependent job last ran (Chronos' DependencyScheduler);
* ``cpus``, ``mem``, ``disk`` (Chronos defaults 0.1, 128, 256), ``command``, ``epsilon`` (runs due more than
  ``epsilon`` before the simulation started are skipped, as Chronos skips missed runs);
* simulation only: ``duration`` (seconds the command runs, default 10) and ``failures`` (the first
  ``failures`` attempts of every run exit non-zero), so that retries can be watched;
* ``owner``, ``ownerName``, ``description`` and ``scheduleTimeZone`` are accepted and not used (times are UTC); any other
  field is refused with its name, so a typo does not pass silently.

**Simulated time**: ``Chronos(sim, start="2026-01-01T00:00:00Z")`` maps simulated second 0 to ``start``
(UTC); a run due at ``start + 90 min`` fires at ``sim.now == 5400``. Tasks are named as Chronos names them,
``ct:<due ms since epoch>:<attempt>:<job>``.

>>> from labsupport import mesos
>>> cluster = mesos.Cluster(seed=0)
>>> cluster.add_agent("agent-1", "cpus:2;mem:2048;disk:4096")
>>> chronos = Chronos(cluster.sim, start="2026-01-01T00:00:00Z")
>>> fid = cluster.register(chronos, name="chronos")
>>> chronos.add_job({"name": "backup", "command": "tar czf /backup.tgz /data", "duration": 60,
...                  "schedule": "R3/2026-01-01T00:00:00Z/PT10M"})
>>> chronos.add_job({"name": "report", "command": "make report", "parents": ["backup"]})
>>> cluster.run(3600)
>>> print(chronos.jobs())
Chronos jobs
NAME     SCHEDULE                         SUCCESSES   ERRORS   LAST     NEXT RUN
backup   R3/2026-01-01T00:00:00Z/PT10M    3           0        success  -
report   after backup                     3           0        success  -
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from labsupport.core import Simulation, Table
from labsupport.mesos.frameworks.base import DECLINE_SECONDS, FrameworkError, OfferHygiene
from labsupport.mesos.scheduler import Offer, SchedulerDriver
from labsupport.mesos.tasks import Task, TaskState, TaskStatus

__all__ = ["Chronos", "JobDefinitionError", "parse_duration", "parse_schedule"]

DEFAULT_START = "2026-01-01T00:00:00Z"
JOB_FIELDS = {"name", "command", "schedule", "parents", "retries", "cpus", "mem", "disk", "epsilon",
              "disabled", "duration", "failures", "owner", "ownerName", "description", "scheduleTimeZone"}
_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_NAME = re.compile(r"^[\w.\-]+$")


class JobDefinitionError(FrameworkError):
    """A job Chronos would reject (HTTP 400); the message names the field."""


def parse_duration(text: str, what: str = "duration") -> float:
    """Seconds in an ISO 8601 duration (``PnW`` / ``PnDTnHnMnS``).

    >>> parse_duration("PT1H"), parse_duration("P1DT30M"), parse_duration("PT0.5S")
    (3600.0, 88200.0, 0.5)
    """
    if not isinstance(text, str):
        raise JobDefinitionError(f"{what}: must be an ISO 8601 duration like 'PT1H', got {text!r}")
    if re.fullmatch(r"P(\d+Y)?(\d+M)?.*", text) and re.match(r"^P\d+[YM]", text):
        raise JobDefinitionError(f"{what}: {text!r} uses years or months, which have no fixed length; use days (P30D)")
    m = _DURATION.match(text)
    if not m or text in ("P", "PT") or text.endswith("T"):
        raise JobDefinitionError(f"{what}: {text!r} is not an ISO 8601 duration like 'PT1H', 'PT30M' or 'P1D'")
    w, d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return w * 604800 + d * 86400 + h * 3600 + mi * 60 + s


def parse_time(text: str, what: str) -> datetime:
    """An ISO 8601 date-time with a zone (``Z`` or ``+01:00``), as an aware UTC datetime."""
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise JobDefinitionError(f"{what}: {text!r} is not an ISO 8601 time like 2026-01-01T00:00:00Z") from None
    if t.tzinfo is None:
        raise JobDefinitionError(f"{what}: {text!r} has no time zone; add Z for UTC")
    return t.astimezone(UTC)


def parse_schedule(text: str, origin: datetime) -> tuple[int | None, float, float]:
    """``(repetitions or None for forever, start in sim seconds, period in seconds)`` of ``Rn/start/period``.

    ``origin`` is the wall time of simulated second 0; an empty start means second 0.

    >>> origin = datetime(2026, 1, 1, tzinfo=UTC)
    >>> parse_schedule("R5/2026-01-01T01:00:00Z/PT1H", origin)
    (5, 3600.0, 3600.0)
    >>> parse_schedule("R//PT10M", origin)
    (None, 0.0, 600.0)
    """
    if not isinstance(text, str) or text.count("/") != 2:
        raise JobDefinitionError(f"schedule: {text!r} must be 'Rn/<start>/<period>', e.g. 'R5/2026-01-01T00:00:00Z/PT1H'")
    rep, start, period = text.split("/")
    m = re.fullmatch(r"R(\d*)", rep)
    if not m:
        raise JobDefinitionError(f"schedule: repetitions {rep!r} must be R (forever) or Rn, e.g. R5")
    reps = int(m.group(1)) if m.group(1) else None
    t0 = 0.0 if not start else (parse_time(start, "schedule start") - origin).total_seconds()
    secs = parse_duration(period, "schedule period")
    if secs <= 0:
        raise JobDefinitionError(f"schedule period: {period!r} must be longer than zero")
    return reps, t0, secs


@dataclass
class Job:
    """Chronos' record of one job."""

    name: str
    command: str
    schedule: str | None
    parents: list
    retries: int
    cpus: float
    mem: float
    disk: float
    epsilon: float
    duration: float
    failures: int
    disabled: bool
    repetitions: int | None = None   # runs left (None: forever)
    next_due: float | None = None
    successes: int = 0
    errors: int = 0
    last: str = "-"
    parents_done: set = field(default_factory=set)
    queue: list = field(default_factory=list)      # [(due, attempt)] waiting for an offer
    running: dict = field(default_factory=dict)    # task_id -> (due, attempt)


class Chronos(OfferHygiene):
    """The Chronos framework: ``add_job``, ``jobs()``, ``runs()``; time 0 is ``start``."""

    def __init__(self, sim: Simulation, *, start: str = DEFAULT_START, decline_seconds: float = DECLINE_SECONDS) -> None:
        super().__init__(sim, decline_seconds=decline_seconds)
        self.origin = parse_time(start, "start")
        self._jobs: dict[str, Job] = {}
        self.history: list[dict] = []

    # -- time ------------------------------------------------------------------------------------
    def iso(self, t: float) -> str:
        """Simulated seconds as the ISO 8601 UTC time Chronos would show."""
        return (self.origin + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- the REST API, as methods ---------------------------------------------------------------
    def add_job(self, job: dict) -> None:
        """Add a scheduled job (with ``schedule``) or a dependent job (with ``parents``)."""
        parsed = self._parse(job)
        self._jobs[parsed.name] = parsed
        if parsed.schedule is not None and not parsed.disabled:
            self._arm(parsed)

    def _parse(self, job: Any) -> Job:
        if not isinstance(job, dict):
            raise JobDefinitionError(f"job: must be a dict like Chronos' job JSON, got {type(job).__name__}")
        unknown = sorted(set(job) - JOB_FIELDS)
        if unknown:
            raise JobDefinitionError(f"{unknown[0]}: unknown field; Chronos jobs here take {', '.join(sorted(JOB_FIELDS))}")
        name = job.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise JobDefinitionError(f"name: {name!r} must be letters, digits, '_', '-' or '.'")
        if name in self._jobs:
            raise JobDefinitionError(f"name: job {name!r} already exists")
        command = job.get("command")
        if not isinstance(command, str) or not command:
            raise JobDefinitionError("command: a job needs a command string")
        sched, parents = job.get("schedule"), job.get("parents")
        if (sched is None) == (parents is None):
            raise JobDefinitionError("schedule: give either schedule (a scheduled job) or parents (a dependent job), not both or neither")
        reps = t0 = None
        if sched is not None:
            reps, t0, _ = parse_schedule(sched, self.origin)
        else:
            if not isinstance(parents, list) or not parents or not all(isinstance(p, str) for p in parents):
                raise JobDefinitionError(f"parents: must be a non-empty list of job names, got {parents!r}")
            missing = [p for p in parents if p not in self._jobs]
            if missing:
                raise JobDefinitionError(f"parents: unknown job {missing[0]!r}; add parents first")
        nums = {}
        for key, default in (("cpus", 0.1), ("mem", 128.0), ("disk", 256.0), ("duration", 10.0)):
            v = job.get(key, default)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise JobDefinitionError(f"{key}: must be a number >= 0, got {v!r}")
            nums[key] = float(v)
        ints = {}
        for key, default in (("retries", 2), ("failures", 0)):
            v = job.get(key, default)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise JobDefinitionError(f"{key}: must be a whole number >= 0, got {v!r}")
            ints[key] = v
        epsilon = parse_duration(job.get("epsilon", "PT60S"), "epsilon")
        return Job(name, command, sched, list(parents or []), ints["retries"], nums["cpus"], nums["mem"], nums["disk"],
                   epsilon, nums["duration"], ints["failures"], bool(job.get("disabled", False)),
                   repetitions=reps, next_due=t0)

    # -- scheduling -------------------------------------------------------------------------------
    def _arm(self, job: Job) -> None:
        """Schedule the job's next due run; runs due longer than ``epsilon`` ago are skipped."""
        _, _, period = parse_schedule(job.schedule, self.origin)
        while job.next_due is not None and job.next_due < self.sim.now - job.epsilon and job.repetitions != 0:
            job.next_due += period
            job.repetitions = None if job.repetitions is None else job.repetitions - 1
        if job.repetitions == 0:
            job.next_due = None
            return
        due = job.next_due
        self.sim.schedule_at(max(due, self.sim.now), lambda: self._fire(job, due, period), label=f"chronos {job.name}")

    def _fire(self, job: Job, due: float, period: float) -> None:
        if job.name not in self._jobs:
            return
        self._enqueue(job, due, 0)
        if job.repetitions is not None:
            job.repetitions -= 1
        job.next_due = due + period
        self._arm(job)

    def _enqueue(self, job: Job, due: float, attempt: int) -> None:
        job.queue.append((due, attempt))
        self.wants_offers(True)

    def resource_offers(self, driver: SchedulerDriver, offers: list[Offer]) -> None:
        for offer in offers:
            free = offer.resources.scalars()
            tasks = []
            for job in (self._jobs[k] for k in sorted(self._jobs)):
                while job.queue and all(free.get(k, 0.0) + 1e-9 >= v for k, v in self._want(job).items()):
                    due, attempt = job.queue.pop(0)
                    for k, v in self._want(job).items():
                        free[k] -= v
                    task_id = f"ct:{int((self.origin.timestamp() + due) * 1000)}:{attempt}:{job.name}"
                    exit_code = 1 if attempt < job.failures else 0
                    tasks.append(Task(job.name, self._want(job), command=job.command, duration=job.duration,
                                      task_id=task_id, exit_code=exit_code))
                    job.running[task_id] = (due, attempt)
                    self.history.append({"TIME": self.sim.now, "JOB": job.name, "TASK": task_id, "EVENT": f"launched on {offer.agent}"})
            if tasks:
                driver.accept([offer.id], tasks, {"refuse_seconds": self.decline_seconds})
            else:
                self.decline([offer.id])
        self.wants_offers(any(j.queue for j in self._jobs.values()))

    @staticmethod
    def _want(job: Job) -> dict:
        return {k: v for k, v in (("cpus", job.cpus), ("mem", job.mem), ("disk", job.disk)) if v > 0}

    def status_update(self, driver: SchedulerDriver, status: TaskStatus) -> None:
        job = next((j for j in self._jobs.values() if status.task_id in j.running), None)
        if job is None or not status.state.is_terminal:
            return
        due, attempt = job.running.pop(status.task_id)
        ok = status.state == TaskState.TASK_FINISHED
        self.history.append({"TIME": self.sim.now, "JOB": job.name, "TASK": status.task_id, "EVENT": status.state.value})
        if ok:
            job.successes += 1
            job.last = "success"
            self._children(job)
        elif attempt < job.retries:
            self._enqueue(job, due, attempt + 1)
        else:
            job.errors += 1
            job.last = "failure"

    def _children(self, parent: Job) -> None:
        """Dependent jobs run once every parent has succeeded since their last run."""
        for child in (self._jobs[k] for k in sorted(self._jobs)):
            if parent.name in child.parents and not child.disabled:
                child.parents_done.add(parent.name)
                if child.parents_done >= set(child.parents):
                    child.parents_done = set()
                    self._enqueue(child, self.sim.now, 0)

    # -- read-outs ----------------------------------------------------------------------------------
    def jobs(self) -> Table:
        """Like the Chronos UI: name, schedule or parents, successes, errors, last result, next run."""
        rows = []
        for job in (self._jobs[k] for k in sorted(self._jobs)):
            rows.append({"NAME": job.name, "SCHEDULE": job.schedule or "after " + ", ".join(job.parents),
                         "SUCCESSES": job.successes, "ERRORS": job.errors,
                         "LAST": job.last + (" (running)" if job.running else "") + (" (queued)" if job.queue else ""),
                         "NEXT RUN": self.iso(job.next_due) if job.next_due is not None and not job.disabled else "-"})
        return Table(["NAME", "SCHEDULE", "SUCCESSES", "ERRORS", "LAST", "NEXT RUN"], rows, title="Chronos jobs")

    def runs(self) -> Table:
        """Every launch and ending of a job's task, in order."""
        return Table(["TIME", "JOB", "TASK", "EVENT"], self.history, title="Chronos runs")
