"""Job controller: run Pods to completion, as ``pkg/controller/job/job_controller.go`` (Kubernetes 1.37).

What a Job does (https://kubernetes.io/docs/concepts/workloads/controllers/job/):

* keeps up to ``parallelism`` Pods running until ``completions`` of them have succeeded; without
  ``completions`` (a work queue) the Job completes when one Pod succeeds and none is running;
* ``completionMode: Indexed``: every index ``0 .. completions-1`` must succeed once; its Pods are named
  ``<job>-<index>-<5 characters>`` and carry the annotation and label
  ``batch.kubernetes.io/job-completion-index`` and the environment variable ``JOB_COMPLETION_INDEX``;
  ``status.completedIndexes`` reads like ``"0-2,4"``;
* a failed Pod is replaced after an exponential back-off: 10 s after the first failure since the last
  success, doubling, at most 10 minutes (``DefaultJobPodFailureBackOff`` / ``MaxJobPodFailureBackOff``
  in job_controller.go; the Job concept page still says "capped at six minutes", the code says 10 min);
* ``backoffLimit`` (default 6): the Job fails (reason ``BackoffLimitExceeded``) when more than that many
  Pods failed (``restartPolicy: Never``) or, with ``OnFailure``, when the restarts of its running Pods
  reach it (``pastBackoffLimitOnFailure``);
* ``activeDeadlineSeconds``: the Job fails (``DeadlineExceeded``) that many seconds after ``startTime``;
* ``podFailurePolicy`` (``restartPolicy: Never`` only): the first rule whose ``onExitCodes``
  (``In``/``NotIn``, optional ``containerName``) matches a failed Pod decides: ``FailJob`` fails the Job
  at once (reason ``PodFailurePolicy``), ``Ignore`` does not count the failure, ``Count`` counts it;
* a finished Job's running Pods are deleted; it gets the condition ``SuccessCriteriaMet`` then
  ``Complete`` (or ``FailureTarget`` then ``Failed``) and the events ``Completed`` / ``BackoffLimitExceeded``
  / ``DeadlineExceeded``;
* ``ttlSecondsAfterFinished``: the TTL-after-finished controller (``pkg/controller/ttlafterfinished``)
  deletes the Job that long after it finished; the garbage collector then deletes its Pods.

Simplified, and why: the two conditions of a finished Job are written together (upstream writes the
terminal one after the last Pod has terminated); Pods are counted from the Pods themselves rather than
through finalizers and ``uncountedTerminatedPods`` (nothing here removes a Job's Pods early);
``spec.selector`` is not generated into the stored Job (the controller finds its Pods by their
controller ownerReference, which upstream checks too); ``suspend``, ``backoffLimitPerIndex``,
``successPolicy``, ``podReplacementPolicy`` and ``managedBy`` are not simulated (validation refuses
them, except ``suspend: false``).

>>> from labsupport import k8s
>>> cluster = k8s.Cluster(seed=0)
>>> cluster.add_node("node-1", cpu="4", memory="8Gi")
>>> _ = cluster.apply('''
... apiVersion: batch/v1
... kind: Job
... metadata: {name: pi}
... spec:
...   completions: 3
...   parallelism: 2
...   template:
...     spec:
...       restartPolicy: Never
...       containers: [{name: pi, image: "perl:5.40", command: ["sleep", "20"]}]
... ''')
>>> cluster.run(120)
>>> print(cluster.get("jobs"))
NAME   STATUS     COMPLETIONS   DURATION   AGE
pi     Complete   3/3           45s        2m
>>> pod_failure_backoff(1), pod_failure_backoff(3), pod_failure_backoff(10)
(10.0, 40.0, 600.0)
"""
from __future__ import annotations

from labsupport.core import LabError, Simulation
from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.controllers.names import NameGenerator
from labsupport.k8s.objects import controller_of, is_pod_active, is_pod_ready, owner_reference, set_condition
from labsupport.k8s.store import DELETED, APIStore, WatchEvent

__all__ = ["JobController", "pod_failure_backoff", "format_indexes", "job_finished", "DEFAULT_BACKOFF_LIMIT",
           "POD_FAILURE_BACKOFF", "MAX_POD_FAILURE_BACKOFF", "COMPLETION_INDEX", "CONTROLLER_UID", "JOB_NAME"]

DEFAULT_BACKOFF_LIMIT = 6
POD_FAILURE_BACKOFF = 10.0
MAX_POD_FAILURE_BACKOFF = 600.0
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"


def pod_failure_backoff(failures_after_last_success: int) -> float:
    """Seconds to wait before a new Pod after the n-th failure since the last success (0: none).

    >>> [pod_failure_backoff(n) for n in range(0, 8)]
    [0.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 600.0]
    """
    if failures_after_last_success <= 0:
        return 0.0
    return min(POD_FAILURE_BACKOFF * 2 ** (failures_after_last_success - 1), MAX_POD_FAILURE_BACKOFF)


def format_indexes(indexes) -> str:
    """``status.completedIndexes``: sorted indexes with runs of 3+ written as ranges, like the controller.

    >>> format_indexes({0, 1, 2, 4, 6, 7})
    '0-2,4,6,7'
    """
    out, run = [], []
    for i in sorted(indexes):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out += [f"{run[0]}-{run[-1]}"] if len(run) > 2 else [str(x) for x in run]
        run = [i]
    if run:
        out += [f"{run[0]}-{run[-1]}"] if len(run) > 2 else [str(x) for x in run]
    return ",".join(out)


def job_finished(job: dict) -> str | None:
    """``"Complete"`` or ``"Failed"`` when that condition is True, else None (``IsJobFinished``)."""
    for c in (job.get("status") or {}).get("conditions") or ():
        if c["type"] in ("Complete", "Failed") and c["status"] == "True":
            return c["type"]
    return None


def _index(pod: dict) -> int | None:
    value = (pod["metadata"].get("annotations") or {}).get(COMPLETION_INDEX)
    return int(value) if value is not None else None


def _exit_codes(pod: dict) -> list[tuple[str, int]]:
    out = []
    for cs in (pod.get("status") or {}).get("containerStatuses") or ():
        term = (cs.get("state") or {}).get("terminated") or (cs.get("lastState") or {}).get("terminated")
        if term is not None:
            out.append((cs.get("name"), term.get("exitCode", 0)))
    return out


def match_pod_failure_policy(policy: dict | None, pod: dict) -> tuple[str, str] | None:
    """The (action, message) of the first ``podFailurePolicy`` rule matching a failed Pod, or None.

    >>> pod = {"metadata": {"name": "p", "namespace": "default"},
    ...        "status": {"containerStatuses": [{"name": "main", "state": {"terminated": {"exitCode": 42}}}]}}
    >>> match_pod_failure_policy({"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}]}, pod)
    ('FailJob', 'Container main for pod default/p failed with exit code 42 matching FailJob rule at index 0')
    """
    for i, rule in enumerate((policy or {}).get("rules") or ()):
        codes = rule.get("onExitCodes")
        if codes is None:
            continue  # onPodConditions (DisruptionTarget): no disruptions are simulated
        values = set(codes.get("values") or ())
        for name, code in _exit_codes(pod):
            if code == 0 or (codes.get("containerName") not in (None, name)):
                continue
            hit = code in values if codes.get("operator") == "In" else code not in values
            if hit:
                m = pod["metadata"]
                return rule["action"], (f"Container {name} for pod {m['namespace']}/{m['name']} failed with exit code {code} "
                                        f"matching {rule['action']} rule at index {i}")
    return None


class JobController(Controller):
    """Creates Pods for Jobs, counts their outcomes, applies back-off, limits, deadlines and TTLs."""

    name = "job-controller"

    def __init__(self, store: APIStore, sim: Simulation, admit_pod) -> None:
        super().__init__(store, sim)
        self.admit_pod = admit_pod
        self.names = NameGenerator(store)
        self._counted: dict[str, dict[str, str]] = {}      # job uid -> pod uid -> phase counted
        self._backoff: dict[str, tuple[int, float]] = {}   # job uid -> (failures after last success, last failure time)
        store.watch("Job", self._on_job)
        store.watch("Pod", self._on_pod)

    def _on_job(self, ev: WatchEvent) -> None:
        m = ev.object["metadata"]
        if ev.type == DELETED:
            self._counted.pop(m["uid"], None)
            self._backoff.pop(m["uid"], None)
            return
        self.enqueue((m["namespace"], m["name"]))

    def _on_pod(self, ev: WatchEvent) -> None:
        if ev.verb == "bind":
            return
        ref = controller_of(ev.object)
        if ref is not None and ref["kind"] == "Job":
            self.enqueue((ev.object["metadata"]["namespace"], ref["name"]))

    # ------------------------------------------------------------------ sync
    def sync(self, key) -> None:
        job = self.store.get("Job", *key)
        if job is None or job["metadata"].get("deletionTimestamp") is not None:
            return
        if job_finished(job):
            self._ttl(job, key)
            return
        spec, status, now = job["spec"], job.setdefault("status", {}), self.sim.now
        uid = job["metadata"]["uid"]
        changed = False
        if status.get("startTime") is None:
            status["startTime"] = now
            changed = True
        pods = sorted(self.store.by_index("pods-by-controller", uid, ordered=False), key=lambda p: p["metadata"]["name"])
        counted = self._counted.setdefault(uid, {})
        fail_job: tuple[str, str] | None = None
        failures, last_failure = self._backoff.get(uid, (0, -1.0))
        for p in pods:
            phase = (p.get("status") or {}).get("phase")
            puid = p["metadata"]["uid"]
            if phase not in ("Succeeded", "Failed") or puid in counted:
                continue
            if phase == "Succeeded":
                counted[puid] = "Succeeded"
                failures = 0
                continue
            verdict = match_pod_failure_policy(spec.get("podFailurePolicy"), p)
            if verdict is not None and verdict[0] == "Ignore":
                counted[puid] = "Ignored"
                continue
            counted[puid] = "Failed"
            failures, last_failure = failures + 1, now
            if verdict is not None and verdict[0] == "FailJob" and fail_job is None:
                fail_job = ("PodFailurePolicy", verdict[1])
        self._backoff[uid] = (failures, last_failure)
        by_uid = {p["metadata"]["uid"]: p for p in pods}
        succeeded_pods = [by_uid[u] for u, ph in counted.items() if ph == "Succeeded" and u in by_uid]
        succeeded = sum(1 for ph in counted.values() if ph == "Succeeded")
        failed = sum(1 for ph in counted.values() if ph == "Failed")
        active = [p for p in pods if is_pod_active(p)]
        indexed = spec.get("completionMode") == "Indexed"
        completions = spec.get("completions")
        done_indexes = {_index(p) for p in succeeded_pods if _index(p) is not None} if indexed else set()
        limit = spec.get("backoffLimit", DEFAULT_BACKOFF_LIMIT)
        restarts = sum(cs.get("restartCount", 0) for p in active for cs in (p.get("status") or {}).get("containerStatuses") or ())
        deadline = spec.get("activeDeadlineSeconds")
        if fail_job is None and failed > limit:
            fail_job = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
        if fail_job is None and spec["template"]["spec"].get("restartPolicy") == "OnFailure" and (restarts > 0 if limit == 0 else restarts >= limit) and restarts:
            fail_job = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
        if fail_job is None and deadline is not None:
            if now >= status["startTime"] + deadline:
                fail_job = ("DeadlineExceeded", "Job was active longer than specified deadline")
            else:
                self.enqueue_at(key, status["startTime"] + deadline, "activeDeadlineSeconds")
        if indexed:
            complete = len(done_indexes) >= completions
        elif completions is not None:
            complete = succeeded >= completions
        else:
            complete = succeeded > 0 and not active
        if fail_job is not None or complete:
            for p in active:
                self.store.delete("Pod", p["metadata"]["namespace"], p["metadata"]["name"], actor=self.name)
                self.store.record_event(job, "SuccessfulDelete", f"Deleted pod: {p['metadata']['name']}", source=self.name)
            active = []
            if fail_job is not None:
                reason, message = fail_job
                set_condition(job, "FailureTarget", "True", now, reason, message)
                set_condition(job, "Failed", "True", now, reason, message)
                self.store.record_event(job, reason, message, type="Warning", source=self.name)
            else:
                set_condition(job, "SuccessCriteriaMet", "True", now, "CompletionsReached", "Reached expected number of succeeded pods")
                set_condition(job, "Complete", "True", now, "CompletionsReached", "Reached expected number of succeeded pods")
                status["completionTime"] = now
                self.store.record_event(job, "Completed", "Job completed", source=self.name)
            changed = True
        else:
            active += self._start_pods(job, key, active, succeeded, done_indexes, failures, last_failure)
        new = {"active": len(active), "ready": sum(1 for p in active if is_pod_ready(p)), "succeeded": succeeded, "failed": failed}
        if indexed:
            new["completedIndexes"] = format_indexes(done_indexes)
        for k, v in new.items():
            if status.get(k) != v:
                status[k] = v
                changed = True
        if changed:
            self.store.update(job, actor=self.name, verb="update status")
        if job_finished(job):
            self._ttl(job, key)

    def _start_pods(self, job: dict, key, active: list[dict], succeeded: int, done_indexes: set, failures: int, last_failure: float) -> list[dict]:
        spec = job["spec"]
        parallelism = spec.get("parallelism", 1)
        completions = spec.get("completions")
        if spec.get("completionMode") == "Indexed":
            running = {_index(p) for p in active}
            todo = [i for i in range(completions) if i not in done_indexes and i not in running]
            want = min(parallelism - len(active), len(todo))
        else:
            todo = []
            if completions is None:
                want = 0 if succeeded > 0 else parallelism - len(active)
            else:
                want = min(parallelism, completions - succeeded) - len(active)
        if want <= 0:
            return []
        wait = pod_failure_backoff(failures) - (self.sim.now - last_failure)
        if failures and wait > 0:
            self.enqueue_at(key, last_failure + pod_failure_backoff(failures), "pod failure back-off")
            return []
        created = []
        for n in range(want):
            pod = self._new_pod(job, todo[n] if todo else None)
            try:
                self.admit_pod(pod)
            except LabError as e:
                self.store.record_event(job, "FailedCreate", f"Error creating: {e}", type="Warning", source=self.name)
                break
            self.store.create(pod, actor=self.name)
            self.store.record_event(job, "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}", source=self.name)
            created.append(pod)
        return created

    def _new_pod(self, job: dict, index: int | None) -> dict:
        tmpl = job["spec"]["template"]
        tmeta = tmpl.get("metadata") or {}
        jm = job["metadata"]
        labels = {**(tmeta.get("labels") or {}), CONTROLLER_UID: jm["uid"], JOB_NAME: jm["name"], "controller-uid": jm["uid"], "job-name": jm["name"]}
        annotations = dict(tmeta.get("annotations") or {})
        spec = dict(tmpl["spec"])
        prefix = f"{jm['name']}-"
        if index is not None:
            prefix = f"{jm['name']}-{index}-"
            annotations[COMPLETION_INDEX] = str(index)
            labels[COMPLETION_INDEX] = str(index)
            spec["containers"] = [{**c, "env": [*(c.get("env") or ()), {"name": "JOB_COMPLETION_INDEX", "value": str(index)}]}
                                  for c in spec.get("containers") or ()]
        meta = {"name": self.names.next_name("Pod", job, prefix), "generateName": prefix, "namespace": jm["namespace"],
                "labels": labels, "ownerReferences": [owner_reference(job)]}
        if annotations:
            meta["annotations"] = annotations
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": "Pending"}}

    # ------------------------------------------------------------------ TTL
    def _ttl(self, job: dict, key) -> None:
        """The TTL-after-finished controller: delete the Job ``ttlSecondsAfterFinished`` after it finished."""
        ttl = job["spec"].get("ttlSecondsAfterFinished")
        if ttl is None:
            return
        kind = job_finished(job)
        cond = next(c for c in job["status"]["conditions"] if c["type"] == kind)
        due = cond["lastTransitionTime"] + ttl
        if self.sim.now >= due:
            self.store.delete("Job", key[0], key[1], actor="ttl-after-finished-controller")
        else:
            self.enqueue_at(key, due, "ttlSecondsAfterFinished")
