"""The Omega paper's two-level scheduling experiment, on the simulated Mesos cluster.

Schwarzkopf et al., "Omega: flexible, scalable schedulers for large compute clusters", EuroSys 2013,
section 4.2 and Figure 7: with Mesos, a *service* scheduler that takes long to decide holds the
resources it was offered for the whole decision, so the *batch* scheduler sees only the few resources
that free up meanwhile; batch jobs wait longer and some are abandoned. This module reruns that with the
real :class:`labsupport.mesos.Cluster` (allocator, DRF sorter, offers, filters, suppress/revive) and two
small frameworks modelled on the paper's simulator (google/cluster-scheduler-simulator,
src/main/scala/MesosSimulation.scala, ``MesosScheduler``):

* each scheduler is single-threaded: it takes the offers it has, examines its pending jobs in FIFO order
  and places tasks first-fit; one decision takes ``t_job + t_task * unscheduled tasks`` per job examined
  (batch: t_job 0.1 s, t_task 5 ms, the paper's values; service: t_job = the swept *decision time*);
  it answers the offers (accepts and declines with the default 5 s filter) only when the decision is
  done, so **the offers stay allocated to it while it thinks**; offers arriving meanwhile queue up;
* jobs may be scheduled partially; a job that is not fully scheduled goes back to the queue and is
  **abandoned** after more than 100 attempts without placing a single task, or more than 1,000
  attempts in all (the simulator's rule; the paper: "did not finish scheduling their tasks by the
  1,000-attempt retry limit");
* a scheduler with no pending job suppresses offers and revives when a job arrives.

Workload (ours, lesson-sized, drawn from the cluster's seeded RNG before the run so every decision time
sees the same jobs): Poisson arrivals; service jobs are few, have ~4 tasks of 1 cpu / 2 GiB and run
~30 min; batch jobs are many, have ~8 tasks of 0.5-4 cpus and run ~30 s. Simplifications: no prefilled
cluster, no constraints, homogeneous agents, one allocation round per ``allocation_interval``.

*Wait time* is from submission until the last task of the job is launched (fully scheduled).

>>> table = omega_experiment(decision_times=[0.1, 30.0], seed=0, hours=0.25)
>>> [row["SERVICE DECISION (s)"] for row in table]
[0.1, 30.0]
>>> table.rows[0]["MEAN WAIT (s)"] < table.rows[1]["MEAN WAIT (s)"]
True
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from labsupport.core import LabError, Simulation, Table
from labsupport.mesos.cluster import Cluster
from labsupport.mesos.frameworks.base import OfferHygiene
from labsupport.mesos.resources import as_resources
from labsupport.mesos.scheduler import Offer, SchedulerDriver
from labsupport.mesos.tasks import Task, TaskStatus

__all__ = ["OmegaJob", "OmegaScheduler", "omega_experiment", "run_two_level"]

BATCH_T_JOB = 0.1         # seconds, the paper's batch scheduler
T_TASK = 0.005            # seconds per task, both schedulers
MAX_ATTEMPTS = 1000       # MesosSimulation.scala: numSchedulingAttempts > 1000 -> abandoned
MAX_ATTEMPTS_NO_PROGRESS = 100   # ... or > 100 attempts without scheduling any task


@dataclass
class OmegaJob:
    """A job of ``n_tasks`` identical tasks."""

    name: str
    submitted: float
    n_tasks: int
    cpus: float
    mem: float
    duration: float | None
    unscheduled: int = 0
    attempts: int = 0
    scheduled_at: float | None = None
    abandoned: bool = False

    def __post_init__(self) -> None:
        self.unscheduled = self.n_tasks
        self.resources = as_resources({"cpus": self.cpus, "mem": self.mem})


@dataclass
class _Decision:
    offers: list
    launches: dict = field(default_factory=dict)   # offer id -> [Task]


class OmegaScheduler(OfferHygiene):
    """A single-threaded Mesos framework that thinks ``t_job + t_task * tasks`` per job, holding its offers."""

    def __init__(self, sim: Simulation, name: str, t_job: float, t_task: float = T_TASK, *,
                 max_attempts: int = MAX_ATTEMPTS, max_attempts_no_progress: int = MAX_ATTEMPTS_NO_PROGRESS) -> None:
        super().__init__(sim)
        self.name, self.t_job, self.t_task = name, t_job, t_task
        self.max_attempts, self.max_no_progress = max_attempts, max_attempts_no_progress
        self.pending: list[OmegaJob] = []
        self.jobs: list[OmegaJob] = []
        self.inbox: list[Offer] = []
        self.busy = False
        self.busy_time = 0.0
        self._seq = 0

    def submit(self, job: OmegaJob) -> None:
        self.jobs.append(job)
        self.pending.append(job)
        self.wants_offers(True)
        if self.inbox and not self.busy:
            self._decide()

    def resource_offers(self, driver: SchedulerDriver, offers: list[Offer]) -> None:
        self.inbox.extend(offers)
        if not self.busy:
            self._decide()

    def offer_rescinded(self, driver: SchedulerDriver, offer_id: str) -> None:
        self.inbox = [o for o in self.inbox if o.id != offer_id]

    def _decide(self) -> None:
        """Examine pending jobs against every offer held; answer after the thinking time."""
        decision = _Decision(sorted(self.inbox, key=lambda o: int(o.id[1:])))
        self.inbox = []
        free = {o.id: o.resources.scalars() for o in decision.offers}
        think = 0.0
        for job in list(self.pending):
            if not any(f.get("cpus", 0.0) > 1e-6 and f.get("mem", 0.0) > 1e-6 for f in free.values()):
                break
            job.attempts += 1
            think += self.t_job + self.t_task * job.unscheduled
            for oid, f in free.items():
                while job.unscheduled and f.get("cpus", 0.0) + 1e-9 >= job.cpus and f.get("mem", 0.0) + 1e-9 >= job.mem:
                    f["cpus"] -= job.cpus
                    f["mem"] -= job.mem
                    self._seq += 1
                    decision.launches.setdefault(oid, []).append(
                        Task(f"{job.name}-{self._seq}", job.resources, duration=job.duration))
                    job.unscheduled -= 1
            self.pending.remove(job)
            if not job.unscheduled:
                job.scheduled_at = self.sim.now + think
            elif (job.attempts > self.max_no_progress and job.unscheduled == job.n_tasks) or job.attempts > self.max_attempts:
                job.abandoned = True
            else:
                self.pending.append(job)
        self.busy = True
        self.busy_time += think
        self.sim.schedule(think, lambda: self._answer(decision), label=f"{self.name} decision")

    def _answer(self, decision: _Decision) -> None:
        for offer in decision.offers:
            tasks = decision.launches.get(offer.id)
            if tasks:
                self.driver.accept([offer.id], tasks)
            else:
                self.driver.decline([offer.id])          # Mesos' default filter, 5 s
        self.busy = False
        self.wants_offers(bool(self.pending))
        if self.inbox and self.pending:
            self._decide()
        elif self.inbox:
            for offer in self.inbox:
                self.driver.decline([offer.id])
            self.inbox = []

    def status_update(self, driver: SchedulerDriver, status: TaskStatus) -> None:
        """Tasks just run to completion; nothing to do."""


def _workload(sim: Simulation, seconds: float, batch_interarrival: float, service_interarrival: float) -> list[tuple]:
    """``[(time, kind, OmegaJob)]`` drawn from ``sim.rng`` (Poisson arrivals, geometric task counts)."""
    rng = sim.rng
    jobs = []
    for kind, gap in (("service", service_interarrival), ("batch", batch_interarrival)):
        t, i = rng.expovariate(1.0 / gap), 0
        while t < seconds:
            i += 1
            if kind == "service":
                job = OmegaJob(f"svc{i}", t, 1 + int(rng.expovariate(1 / 3)), 1.0, 2048.0, rng.expovariate(1 / 1800))
            else:
                job = OmegaJob(f"bat{i}", t, 1 + int(rng.expovariate(1 / 7)), rng.choice((0.5, 1.0, 2.0, 4.0)),
                               512.0, 1.0 + rng.expovariate(1 / 30))
            jobs.append((t, kind, job))
            t += rng.expovariate(1.0 / gap)
    return sorted(jobs, key=lambda x: (x[0], x[1], x[2].name))


def run_two_level(decision_time: float, *, seed: int = 0, agents: int = 20, agent_resources: str = "cpus:8;mem:16384",
                  hours: float = 1.0, batch_interarrival: float = 6.0, service_interarrival: float = 90.0,
                  max_attempts: int = MAX_ATTEMPTS, max_attempts_no_progress: int = MAX_ATTEMPTS_NO_PROGRESS) -> dict:
    """One run: a service and a batch framework on one cluster; returns the batch jobs' figures."""
    cluster = Cluster(seed=seed)
    for i in range(agents):
        cluster.add_agent(f"agent-{i:03d}", agent_resources)
    seconds = hours * 3600.0
    workload = _workload(cluster.sim, seconds, batch_interarrival, service_interarrival)
    service = OmegaScheduler(cluster.sim, "service", decision_time, max_attempts=max_attempts,
                             max_attempts_no_progress=max_attempts_no_progress)
    batch = OmegaScheduler(cluster.sim, "batch", BATCH_T_JOB, max_attempts=max_attempts,
                           max_attempts_no_progress=max_attempts_no_progress)
    service.wants_offers(False)
    batch.wants_offers(False)
    cluster.register(service, name="service")
    cluster.register(batch, name="batch")
    for t, kind, job in workload:
        fw = service if kind == "service" else batch
        cluster.sim.schedule_at(t, lambda fw=fw, job=job: fw.submit(job), label=f"{kind} job")
    cluster.run(seconds)
    done = [j for j in batch.jobs if j.scheduled_at is not None]
    waits = [j.scheduled_at - j.submitted for j in done]
    return {
        "decision_time": decision_time, "batch_jobs": len(batch.jobs), "scheduled": len(done),
        "abandoned": sum(j.abandoned for j in batch.jobs),
        "pending": sum(1 for j in batch.jobs if j.scheduled_at is None and not j.abandoned),
        "mean_wait": statistics.fmean(waits) if waits else float("nan"),
        "median_wait": statistics.median(waits) if waits else float("nan"),
        "mean_attempts": statistics.fmean(j.attempts for j in batch.jobs) if batch.jobs else 0.0,
        "service_busy": min(1.0, service.busy_time / seconds),
        "offers": len(cluster.master.offers_log),
        # every scheduled batch job's wait, shortest first; the abandoned and still-pending jobs have no wait (the
        # lesson's CDF counts them at infinity, so that the curve does not average only the survivors)
        "waits": sorted(waits),
    }


def omega_experiment(decision_times=(0.1, 1.0, 10.0, 30.0, 100.0), seed: int = 0, **knobs) -> Table:
    """Batch wait times and abandoned batch jobs against the service scheduler's decision time.

    ``knobs`` go to :func:`run_two_level`: ``agents`` (20), ``hours`` (1), ``batch_interarrival`` (6 s),
    ``service_interarrival`` (90 s), ``max_attempts`` (1000), ``max_attempts_no_progress`` (100),
    ``agent_resources``. For a bigger run try ``agents=200, batch_interarrival=0.6, hours=2``.
    """
    times = list(decision_times) if not isinstance(decision_times, (int, float)) else [decision_times]
    if not times or any(isinstance(t, bool) or not isinstance(t, (int, float)) or not t > 0 for t in times):
        raise LabError(f"decision_times: must be a list of numbers of seconds > 0, got {decision_times!r}")
    unknown = sorted(set(knobs) - {"agents", "agent_resources", "hours", "batch_interarrival", "service_interarrival",
                                   "max_attempts", "max_attempts_no_progress"})
    if unknown:
        raise LabError(f"{unknown[0]}: unknown knob; see help(omega_experiment)")
    rows = []
    for t in times:
        r = run_two_level(float(t), seed=seed, **knobs)
        rows.append({"SERVICE DECISION (s)": r["decision_time"], "BATCH JOBS": r["batch_jobs"],
                     "SCHEDULED": r["scheduled"], "ABANDONED": r["abandoned"], "STILL PENDING": r["pending"],
                     "MEAN WAIT (s)": round(r["mean_wait"], 2), "MEDIAN WAIT (s)": round(r["median_wait"], 2),
                     "MEAN ATTEMPTS": round(r["mean_attempts"], 1), "SERVICE BUSY": f"{100 * r['service_busy']:.0f}%"})
    cols = ["SERVICE DECISION (s)", "BATCH JOBS", "SCHEDULED", "ABANDONED", "STILL PENDING", "MEAN WAIT (s)",
            "MEDIAN WAIT (s)", "MEAN ATTEMPTS", "SERVICE BUSY"]
    return Table(cols, rows, title="Two-level scheduling (Omega, Fig. 7): batch jobs vs service decision time")
