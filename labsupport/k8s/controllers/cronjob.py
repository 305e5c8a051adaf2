"""CronJob controller: create Jobs on a cron schedule, as ``pkg/controller/cronjob/cronjob_controllerv2.go``.

Per CronJob, on every sync (https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/):

1. Finished Jobs leave ``status.active`` (event ``SawCompletedJob``); ``lastSuccessfulTime`` is updated.
2. The most recent *unmet* schedule time is found between ``status.lastScheduleTime`` (or the CronJob's
   creation) and now; with ``startingDeadlineSeconds`` the search starts no earlier than now minus the
   deadline. More than 100 missed times give the Warning ``TooManyMissedTimes`` (counted as upstream
   ``mostRecentScheduleTime`` counts them: elapsed time / gap between the first two times + 1); only the
   most recent one is started, never a backlog.
3. Too late (``scheduled + startingDeadlineSeconds < now``): Warning ``MissSchedule``, nothing runs.
4. ``concurrencyPolicy``: ``Allow`` starts the Job; ``Forbid`` skips the run while a Job is active
   (event ``JobAlreadyActive``) and retries it until its deadline passes; ``Replace`` deletes the
   active Jobs first (``SuccessfulDelete``).
5. The Job is named ``<cronjob>-<scheduled time in minutes since the epoch>`` (``getTimeHashInMinutes``),
   annotated ``batch.kubernetes.io/cronjob-scheduled-timestamp``; event ``SuccessfulCreate``.
6. Finished Jobs beyond ``successfulJobsHistoryLimit`` (default 3) / ``failedJobsHistoryLimit``
   (default 1) are deleted, oldest first (``removeOldestJobs``).
7. The next sync is queued for the next schedule time plus 100 ms (``nextScheduleDelta``).

Clock: simulated second 0 is :data:`labsupport.k8s.cron.EPOCH` (2026-01-01T00:00:00Z); ``spec.timeZone``
(an IANA name) moves the schedule's wall clock, otherwise schedules are read in UTC (upstream: the
controller manager's local zone). ``suspend: true`` stops new runs.

>>> from labsupport import k8s
>>> cluster = k8s.Cluster(seed=0)
>>> cluster.add_node("node-1")
>>> _ = cluster.apply('''
... apiVersion: batch/v1
... kind: CronJob
... metadata: {name: report}
... spec:
...   schedule: "*/10 * * * *"
...   jobTemplate:
...     spec:
...       template:
...         spec:
...           restartPolicy: OnFailure
...           containers: [{name: r, image: "busybox:1.36", command: ["sleep", "30"]}]
... ''')
>>> cluster.run(3600)
>>> print(cluster.get("cronjobs"))
NAME     SCHEDULE       TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE
report   */10 * * * *   <none>     False     0        10m             60m
>>> [j["NAME"] for j in cluster.get("jobs").rows]
['report-29453790', 'report-29453800', 'report-29453810']
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from labsupport.core import Simulation
from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.controllers.job import job_finished
from labsupport.k8s.cron import EPOCH, parse_schedule, parse_time_zone
from labsupport.k8s.objects import controller_of, owner_reference
from labsupport.k8s.store import DELETED, APIStore, WatchEvent

__all__ = ["CronJobController", "most_recent_schedule_time", "to_datetime", "to_seconds", "job_name",
           "MAX_MISSED", "NEXT_SCHEDULE_DELTA", "SCHEDULED_TIMESTAMP"]

MAX_MISSED = 100
NEXT_SCHEDULE_DELTA = 0.1
SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"


def to_datetime(seconds: float) -> datetime:
    """Simulated seconds -> UTC datetime (second 0 is :data:`~labsupport.k8s.cron.EPOCH`)."""
    return EPOCH + timedelta(seconds=seconds)


def to_seconds(t: datetime) -> float:
    """UTC (or zoned) datetime -> simulated seconds."""
    return (t - EPOCH).total_seconds()


def job_name(cronjob_name: str, scheduled: datetime) -> str:
    """``<cronjob>-<minutes since 1970>`` (``getJobName``).

    >>> job_name("report", datetime(2026, 1, 1, 0, 10, tzinfo=UTC))
    'report-29453770'
    """
    return f"{cronjob_name}-{int(scheduled.timestamp()) // 60}"


def most_recent_schedule_time(schedule, earliest: datetime, now: datetime) -> tuple[datetime | None, int]:
    """The latest schedule time in ``(earliest, now]`` and upstream's count of missed times.

    >>> s = parse_schedule("@hourly")
    >>> t, n = most_recent_schedule_time(s, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 6, 1, 30, tzinfo=UTC))
    >>> t.isoformat(), n
    ('2026-01-06T01:00:00+00:00', 121)
    """
    t1 = schedule.next(earliest)
    if t1 is None or now < t1:
        return None, 0
    t2 = schedule.next(t1)
    if t2 is None or now < t2:
        return t1, 1
    gap = round((t2 - t1).total_seconds())
    missed = int((now - t1).total_seconds()) // gap + 1
    start = t1 + timedelta(seconds=(missed - 2) * gap) if missed > 2 else t1
    latest, t = None, start
    while t is not None and t <= now:  # walk from just before the estimate, as upstream does for irregular schedules
        latest, t = t, schedule.next(t)
    return latest, missed


class CronJobController(Controller):
    """Creates a Job per schedule time of each CronJob, honouring concurrency, deadlines and history limits."""

    name = "cronjob-controller"

    def __init__(self, store: APIStore, sim: Simulation) -> None:
        super().__init__(store, sim)
        store.watch("CronJob", self._on_cronjob)
        store.watch("Job", self._on_job)

    def _on_cronjob(self, ev: WatchEvent) -> None:
        if ev.type != DELETED:
            m = ev.object["metadata"]
            self.enqueue((m["namespace"], m["name"]))

    def _on_job(self, ev: WatchEvent) -> None:
        ref = controller_of(ev.object)
        if ref is not None and ref["kind"] == "CronJob":
            self.enqueue((ev.object["metadata"]["namespace"], ref["name"]))

    def sync(self, key) -> None:
        cj = self.store.get("CronJob", *key)
        if cj is None or cj["metadata"].get("deletionTimestamp") is not None:
            return
        spec, status = cj["spec"], cj.setdefault("status", {})
        now_s = self.sim.now
        tz = parse_time_zone(spec.get("timeZone"))
        schedule = parse_schedule(spec["schedule"])
        now = to_datetime(now_s).astimezone(tz)
        jobs = [j for j in self.store.by_index("jobs-by-controller", cj["metadata"]["uid"])]
        changed = self._reconcile_active(cj, jobs)
        active_names = {a["name"] for a in status.get("active") or ()}
        earliest_s = status.get("lastScheduleTime", cj["metadata"]["creationTimestamp"])
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None:
            earliest_s = max(earliest_s, now_s - deadline)
        scheduled = None
        if not spec.get("suspend") and earliest_s <= now_s:
            scheduled, missed = most_recent_schedule_time(schedule, to_datetime(earliest_s).astimezone(tz), now)
            if missed > MAX_MISSED:
                self.store.record_event(cj, "TooManyMissedTimes", f"too many missed start times: {missed}. Set or decrease "
                                        ".spec.startingDeadlineSeconds or check clock skew", type="Warning", source=self.name)
        if scheduled is not None:
            sched_s = to_seconds(scheduled)
            if deadline is not None and sched_s + deadline < now_s:
                self.store.record_event(cj, "MissSchedule", f"Missed scheduled time to start a job: {scheduled.astimezone(UTC):%a, %d %b %Y %H:%M:%S +0000}",
                                        type="Warning", source=self.name)
            elif spec.get("concurrencyPolicy", "Allow") == "Forbid" and active_names:
                self.store.record_event(cj, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid",
                                        source=self.name)
                # upstream requeues and retries this scheduled time on the next sync (a Job finishing wakes us)
                scheduled = None
            else:
                if spec.get("concurrencyPolicy", "Allow") == "Replace":
                    for name in sorted(active_names):
                        j = self.store.get("Job", key[0], name)
                        if j is not None:
                            self.store.delete("Job", key[0], name, actor=self.name)
                            self.store.record_event(cj, "SuccessfulDelete", f"Deleted job {name}", source=self.name)
                    status["active"] = []
                name = job_name(key[1], scheduled.astimezone(UTC))
                if self.store.get("Job", key[0], name) is None:
                    job = self._new_job(cj, name, scheduled)
                    self.store.create(job, actor=self.name)
                    self.store.record_event(cj, "SuccessfulCreate", f"Created job {name}", source=self.name)
                    status.setdefault("active", []).append({"kind": "Job", "namespace": key[0], "name": name, "uid": job["metadata"]["uid"],
                                                            "apiVersion": "batch/v1"})
                status["lastScheduleTime"] = sched_s
                changed = True
        if changed:
            self.store.update(cj, actor=self.name, verb="update status")
        self._cleanup(cj, key)
        nxt = schedule.next(now)
        if nxt is not None and not spec.get("suspend"):
            self.enqueue_at(key, to_seconds(nxt) + NEXT_SCHEDULE_DELTA, "next schedule")

    def _reconcile_active(self, cj: dict, jobs: list[dict]) -> bool:
        status = cj["status"]
        changed = False
        keep = []
        names = {j["metadata"]["name"]: j for j in jobs}
        for ref in status.get("active") or ():
            j = names.get(ref["name"])
            if j is None:
                changed = True
                continue
            fin = job_finished(j)
            if fin:
                self.store.record_event(cj, "SawCompletedJob", f"Saw completed job: {ref['name']}, condition: {fin}", source=self.name)
                if fin == "Complete":
                    t = j["status"].get("completionTime")
                    if t is not None and t > status.get("lastSuccessfulTime", -1):
                        status["lastSuccessfulTime"] = t
                changed = True
                continue
            keep.append(ref)
        if changed:
            status["active"] = keep
        return changed

    def _new_job(self, cj: dict, name: str, scheduled: datetime) -> dict:
        tmpl = cj["spec"]["jobTemplate"]
        tmeta = tmpl.get("metadata") or {}
        ann = {**(tmeta.get("annotations") or {}), SCHEDULED_TIMESTAMP: scheduled.isoformat().replace("+00:00", "Z")}
        meta = {"name": name, "namespace": cj["metadata"]["namespace"], "labels": dict(tmeta.get("labels") or {}),
                "annotations": ann, "ownerReferences": [owner_reference(cj)]}
        from labsupport.k8s.objects import copy_json
        spec = copy_json(tmpl["spec"])
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": spec}

    def _cleanup(self, cj: dict, key) -> None:
        jobs = self.store.by_index("jobs-by-controller", cj["metadata"]["uid"])
        for kind, limit in (("Complete", cj["spec"].get("successfulJobsHistoryLimit", 3)), ("Failed", cj["spec"].get("failedJobsHistoryLimit", 1))):
            done = [j for j in jobs if job_finished(j) == kind]
            done.sort(key=lambda j: ((j.get("status") or {}).get("startTime", float("inf")), j["metadata"]["name"]))
            for j in done[: max(0, len(done) - limit)]:
                self.store.delete("Job", key[0], j["metadata"]["name"], actor=self.name)
                self.store.record_event(cj, "SuccessfulDelete", f"Deleted job {j['metadata']['name']}", source=self.name)
