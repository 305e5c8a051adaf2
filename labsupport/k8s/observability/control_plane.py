"""Series that kube-scheduler and kube-apiserver expose on their own ``/metrics``.

* kube-scheduler (``pkg/scheduler/metrics/metrics.go``, STABLE): ``scheduler_schedule_attempts_total{result,profile}``
  (counter; result ``scheduled``, ``unschedulable`` or ``error``) and ``scheduler_pending_pods{queue}`` (gauge;
  queue ``active``, ``backoff``, ``unschedulable``, ``gated``). Attempts are counted from what the simulated
  scheduler leaves behind: one ``Scheduled`` Event per bound Pod and one ``FailedScheduling`` Event (with its
  count) per failed attempt, by the profile (``schedulerName``) that wrote it.
* kube-apiserver (``staging/src/k8s.io/apiserver/pkg/endpoints/metrics/metrics.go``, STABLE):
  ``apiserver_request_total{verb,dry_run,group,version,resource,subresource,scope,component,code}``
  (counter), counted from the API store's write log: create -> ``POST`` 201, update -> ``PUT`` 200
  (``status``/``scale`` subresources), patch -> ``PATCH``, delete -> ``DELETE``, a binding -> ``POST``
  on ``pods/binding``.

Simplified: reads (GET, LIST, WATCH) are not simulated, so they are not counted; no histograms.

>>> _request_labels("Pod", "update status", "default")["subresource"]
'status'
"""
from __future__ import annotations

from collections import Counter

from labsupport.k8s.observability.exposition import Family
from labsupport.k8s.store import APIStore

__all__ = ["SchedulerCollector", "APIServerCollector"]

_GROUP_VERSION = {"Deployment": ("apps", "v1"), "ReplicaSet": ("apps", "v1"), "Lease": ("coordination.k8s.io", "v1"),
                  "EndpointSlice": ("discovery.k8s.io", "v1"), "HorizontalPodAutoscaler": ("autoscaling", "v2"),
                  "PriorityClass": ("scheduling.k8s.io", "v1")}
_PLURAL = {"EndpointSlice": "endpointslices", "PriorityClass": "priorityclasses", "HorizontalPodAutoscaler": "horizontalpodautoscalers"}


def _request_labels(kind: str, verb: str, namespace: str) -> dict[str, str]:
    group, version = _GROUP_VERSION.get(kind, ("", "v1"))
    sub = ""
    if verb == "create":
        http, code = "POST", "201"
    elif verb == "bind":
        http, code, sub = "POST", "201", "binding"
    elif verb == "delete":
        http, code = "DELETE", "200"
    elif verb == "patch":
        http, code = "PATCH", "200"
    else:
        http, code = "PUT", "200"
        sub = verb.split(" ", 1)[1] if " " in verb else ""
    scope = "resource"   # every simulated write names one object (cleanScope in metrics.go)
    return {"code": code, "component": "apiserver", "dry_run": "", "group": group, "resource": _PLURAL.get(kind, kind.lower() + "s"),
            "scope": scope, "subresource": sub, "verb": http, "version": version}


class APIServerCollector:
    """Counts every write of the API store once (a cursor over the write log), so the counters never go down."""

    def __init__(self, store: APIStore) -> None:
        self.store = store
        self.cursor = 0
        self.counts: Counter[tuple] = Counter()

    def families(self) -> list[Family]:
        for r in self.store.writes(self.cursor):
            self.counts[tuple(sorted(_request_labels(r.kind, r.verb, r.namespace).items()))] += 1
            self.cursor = r.resource_version
        f = Family("apiserver_request_total", "counter",
                   "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.")
        for key in sorted(self.counts):
            f.add(self.counts[key], **dict(key))
        return [f]


class SchedulerCollector:
    """kube-scheduler's attempt counter and queue gauges, read from the simulated scheduler and its Events."""

    def __init__(self, store: APIStore, scheduler) -> None:
        self.store, self.scheduler = store, scheduler

    def families(self) -> list[Family]:
        attempts = Family("scheduler_schedule_attempts_total", "counter",
                          "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.")
        counts: Counter[tuple[str, str]] = Counter()
        profiles = set(self.scheduler.frameworks)   # profile (schedulerName) -> framework
        for ev in self.store.events:
            if ev.source in profiles and ev.reason in ("Scheduled", "FailedScheduling"):
                counts[("scheduled" if ev.reason == "Scheduled" else "unschedulable", ev.source)] += ev.count
        for profile in sorted(profiles):
            for result in ("error", "scheduled", "unschedulable"):
                if counts[(result, profile)] or result == "scheduled":
                    attempts.add(counts[(result, profile)], profile=profile, result=result)
        pending = Family("scheduler_pending_pods", "gauge",
                         "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.")
        where = Counter(q.where for q in self.scheduler.queue.entries.values())
        for queue in ("active", "backoff", "gated", "unschedulable"):
            pending.add(where.get(queue, 0), queue=queue)
        return [attempts, pending]
