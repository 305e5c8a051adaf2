"""HorizontalPodAutoscaler (autoscaling/v2, Resource metrics), as ``pkg/controller/podautoscaler``.

Every :data:`HPA_SYNC_PERIOD` (15 s) the controller reads the Pods' usage from the
metrics API and proposes ``desired = ceil(current_replicas * current / target)``
(:func:`hpa_desired_replicas`), skipping changes within the 0.1 tolerance. The
"Algorithm details" of https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
are followed (``replica_calculator.go``):

* Pods being deleted, Failed or Pending are ignored;
* Pods with no metric yet are *missing*: when scaling down they count as using 100 %
  of their request (or the target, if larger), when scaling up as using 0;
* for CPU, Pods not ready yet (or ready for less than one metric window, within the
  5 min ``--horizontal-pod-autoscaler-cpu-initialization-period``) count as using 0 when
  scaling up and are left out otherwise;
* if filling those in flips the direction or lands within tolerance, nothing changes.

Then the proposal is normalized (``horizontal.go``, Kubernetes 1.37):

* with ``spec.behavior`` (the API server fills the unset fields of a *given* behavior from the
  ``autoscaling/v2`` defaults): the recommendation is *stabilized* -- scale-up takes the minimum
  and scale-down the maximum of the recommendations within the window (0 s up, 300 s down) --
  and *rate limited* by the policies: up by ``max(100 %, 4 Pods)`` per 15 s, down by 100 % per
  15 s (``normalizeDesiredReplicasWithBehaviors``);
* **without** ``spec.behavior`` (it stays nil: ``SetDefaults_HorizontalPodAutoscalerBehavior``
  only fills a behavior that is set): the legacy ``normalizeDesiredReplicas`` -- the maximum
  recommendation of the last 300 s (``--horizontal-pod-autoscaler-downscale-stabilization``),
  then :func:`convert_desired_replicas_with_rules`, whose scale-up limit is
  ``max(2 x current, 4)`` per sync, not a per-period policy.

Either way ``[minReplicas, maxReplicas]`` bound the result, and the ``AbleToScale`` /
``ScalingLimited`` conditions carry upstream's reasons and messages. When metrics cannot be
read, ``ScalingActive`` is False with reason ``FailedGetResourceMetric`` and the message
``the HPA was unable to compute the replica count: failed to get cpu utilization: ...`` as
upstream (e.g. ``unable to get metrics for resource cpu: no metrics returned from resource
metrics API``).

>>> hpa_desired_replicas(1, 200, 100)        # docs: 200m used, 100m target -> 2
2
>>> hpa_desired_replicas(4, 105, 100)        # within the 0.1 tolerance: no change
4
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from labsupport.core import Simulation, priorities
from labsupport.k8s.objects import pod_condition, selector_matches, set_condition
from labsupport.k8s.quantity import parse_cpu, parse_memory, pod_requests
from labsupport.k8s.store import ADDED, DELETED, APIStore, WatchEvent

__all__ = [
    "HorizontalPodAutoscalerController",
    "hpa_desired_replicas",
    "replica_proposal",
    "scale_up_limit",
    "scale_down_limit",
    "default_behavior",
    "convert_desired_replicas_with_rules",
    "missing_request_of",
    "calculate_scale_up_limit",
    "stabilize_recommendation",
    "DOWNSCALE_STABILIZATION_WINDOW",
    "HPA_SYNC_PERIOD",
    "HPA_TOLERANCE",
    "CPU_INITIALIZATION_PERIOD",
    "INITIAL_READINESS_DELAY",
]

HPA_SYNC_PERIOD = 15.0  # --horizontal-pod-autoscaler-sync-period
HPA_TOLERANCE = 0.1  # --horizontal-pod-autoscaler-tolerance
CPU_INITIALIZATION_PERIOD = 300.0  # --horizontal-pod-autoscaler-cpu-initialization-period
INITIAL_READINESS_DELAY = 30.0  # --horizontal-pod-autoscaler-initial-readiness-delay
DOWNSCALE_STABILIZATION_WINDOW = 300.0  # --horizontal-pod-autoscaler-downscale-stabilization
SCALE_UP_LIMIT_FACTOR = 2.0  # horizontal.go scaleUpLimitFactor
SCALE_UP_LIMIT_MINIMUM = 4.0  # horizontal.go scaleUpLimitMinimum


def calculate_scale_up_limit(current: int) -> int:
    """``calculateScaleUpLimit``: ``max(2 x current, 4)``, the scale-up ceiling of an HPA without ``behavior``.

    >>> calculate_scale_up_limit(3), calculate_scale_up_limit(10)
    (6, 20)
    """
    return int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))


def convert_desired_replicas_with_rules(current: int, desired: int, min_replicas: int, max_replicas: int) -> tuple[int, str, str]:
    """``convertDesiredReplicasWithRules``: ``(replicas, condition reason, message)`` for an HPA without ``behavior``.

    >>> convert_desired_replicas_with_rules(3, 1000, 1, 2000)
    (6, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate')
    """
    limit = calculate_scale_up_limit(current)
    if max_replicas > limit:
        maximum, reason, message = limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
    else:
        maximum, reason, message = max_replicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
    if desired < min_replicas:
        return min_replicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
    if desired > maximum:
        return maximum, reason, message
    return desired, "DesiredWithinRange", "the desired count is within the acceptable range"


def stabilize_recommendation(recommendations: list[tuple[int, float]], proposal: int, now: float,
                             window: float = DOWNSCALE_STABILIZATION_WINDOW) -> int:
    """``stabilizeRecommendation``: the highest recommendation not older than ``window`` (the proposal included).

    ``recommendations`` holds ``(replicas, time)`` and is updated in place: the last entry older
    than the window is replaced by ``(proposal, now)``, otherwise it is appended.

    >>> recs = [(4, -120.0), (5, -60.0)]
    >>> stabilize_recommendation(recs, 3, now=0.0), len(recs)
    (5, 3)
    """
    best, old = proposal, None
    cutoff = now - window
    for i, (r, t) in enumerate(recommendations):
        if t < cutoff:
            old = i
        elif r > best:
            best = r
    if old is not None:
        recommendations[old] = (proposal, now)
    else:
        recommendations.append((proposal, now))
    return best


def hpa_desired_replicas(current_replicas: int, current_utilization: float, target_utilization: float, tolerance: float = HPA_TOLERANCE) -> int:
    """``desiredReplicas = ceil[currentReplicas * (currentMetricValue / desiredMetricValue)]``, or unchanged within tolerance.

    >>> hpa_desired_replicas(3, 50, 100)     # half the target: half the Pods (rounded up)
    2
    >>> hpa_desired_replicas(10, 91, 100)    # ratio 0.91: |1 - 0.91| <= 0.1, stay
    10
    """
    if target_utilization <= 0:
        raise ValueError(f"target_utilization must be > 0, got {target_utilization!r}")
    ratio = current_utilization / target_utilization
    if abs(1.0 - ratio) <= tolerance:
        return current_replicas
    return math.ceil(ratio * current_replicas)


def default_behavior() -> dict:
    """The ``spec.behavior`` every autoscaling/v2 HPA gets by default."""
    return {
        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}, {"type": "Pods", "value": 4, "periodSeconds": 15}]},
        "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Max",
                      "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]},
    }


def _changed_within(events: list[tuple[float, int]], period: float, now: float) -> int:
    return sum(change for t, change in events if t > now - period)


def scale_up_limit(current: int, events: list[tuple[float, int]], rules: Mapping, now: float) -> int:
    """``calculateScaleUpLimitWithScalingRules``: the most replicas the policies allow now.

    ``events`` are ``(time, replicas added)`` of earlier scale-ups.

    >>> scale_up_limit(3, [], default_behavior()["scaleUp"], now=0.0)    # max(3 + 100 %, 3 + 4)
    7
    """
    policy = rules.get("selectPolicy", "Max")
    if policy == "Disabled":
        return current
    result = math.inf if policy == "Min" else -math.inf
    for p in rules.get("policies") or ():
        start = current - _changed_within(events, p["periodSeconds"], now)
        proposed = start + p["value"] if p["type"] == "Pods" else math.ceil(start * (1 + p["value"] / 100))
        result = min(result, proposed) if policy == "Min" else max(result, proposed)
    return int(result)


def scale_down_limit(current: int, events: list[tuple[float, int]], rules: Mapping, now: float) -> int:
    """``calculateScaleDownLimitWithBehaviors``: the fewest replicas the policies allow now.

    >>> scale_down_limit(10, [], {"policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}]}, now=0.0)
    8
    """
    policy = rules.get("selectPolicy", "Max")
    if policy == "Disabled":
        return current
    result = -math.inf if policy == "Min" else math.inf
    for p in rules.get("policies") or ():
        start = current + _changed_within(events, p["periodSeconds"], now)
        proposed = start - p["value"] if p["type"] == "Pods" else int(start * (1 - p["value"] / 100))
        result = max(result, proposed) if policy == "Min" else min(result, proposed)
    return int(result)


def replica_proposal(
    current_replicas: int,
    pods: list[dict],
    usage: Mapping[str, float],
    requests: Mapping[str, float],
    target: float,
    *,
    utilization: bool,
    cpu: bool,
    now: float,
    metric_window: float = 15.0,
    tolerance: float = HPA_TOLERANCE,
    missing_request: str | None = None,
) -> tuple[int, float]:
    """``GetResourceReplicas`` / ``GetRawResourceReplicas``: ``(proposed replicas, current metric)``.

    ``usage`` maps Pod name -> measured usage (missing name = no metric yet);
    ``requests`` Pod name -> request; ``target`` is a utilization percentage when
    ``utilization`` else an average value. Raises ValueError, with upstream's message, when nothing
    can be measured, when ``missing_request`` (a Pod container without a request, utilization
    only) is given, or when the measured Pods request nothing.
    """
    if not usage:  # metricsclient.GetResourceMetric found no PodMetrics for the selector
        raise ValueError(f"unable to get metrics for resource {'cpu' if cpu else 'memory'}: "
                         "no metrics returned from resource metrics API")
    ready_count = 0
    unready, missing = [], []
    metrics: dict[str, float] = {}
    for pod in pods:
        name = pod["metadata"]["name"]
        phase = (pod.get("status") or {}).get("phase")
        if pod["metadata"].get("deletionTimestamp") is not None or phase in ("Failed", "Pending"):
            continue
        if name not in usage:
            missing.append(name)
            continue
        if cpu:
            cond = pod_condition(pod, "Ready")
            start = (pod.get("status") or {}).get("startTime")
            if cond is None or start is None:
                is_unready = True
            elif start + CPU_INITIALIZATION_PERIOD > now:
                is_unready = cond["status"] == "False" or now < cond["lastTransitionTime"] + metric_window
            else:
                is_unready = cond["status"] == "False" and start + INITIAL_READINESS_DELAY > cond["lastTransitionTime"]
            if is_unready:
                unready.append(name)
                continue
        metrics[name] = usage[name]
        ready_count += 1
    known = {p["metadata"]["name"] for p in pods}
    extraneous = [n for n in usage if n not in known]  # metrics of Pods the lister does not know: kept, never matched
    if not metrics and (not extraneous or not utilization):
        raise ValueError("did not receive metrics for targeted pods (pods might be unready)")
    if utilization and missing_request:
        raise ValueError(missing_request)  # calculatePodRequests
    if utilization and sum(requests[n] for n in metrics) == 0:
        raise ValueError("no metrics returned matched known pods")  # GetResourceUtilizationRatio

    def ratio(ms: Mapping[str, float]) -> tuple[float, float]:
        if utilization:
            total_req = sum(requests[n] for n in ms)
            util = int(sum(ms.values()) * 100 // total_req)  # int32((metricsTotal * 100) / requestsTotal)
            return util / target, util
        avg = sum(ms.values()) / len(ms)
        return avg / target, avg

    usage_ratio, current = ratio(metrics)
    scale_up_with_unready = bool(unready) and usage_ratio > 1.0
    if not scale_up_with_unready and not missing:
        if abs(1.0 - usage_ratio) <= tolerance:
            return current_replicas, current
        return math.ceil(usage_ratio * ready_count), current
    if missing:
        for n in missing:
            if usage_ratio < 1.0:
                metrics[n] = requests[n] * max(100, target) / 100 if utilization else target
            elif usage_ratio > 1.0:
                metrics[n] = 0
    if scale_up_with_unready:
        for n in unready:
            metrics[n] = 0
    new_ratio, _ = ratio(metrics)
    if abs(1.0 - new_ratio) <= tolerance or (usage_ratio < 1.0 < new_ratio) or (usage_ratio > 1.0 > new_ratio):
        return current_replicas, current
    new = math.ceil(new_ratio * len(metrics))
    if (new_ratio < 1.0 and new > current_replicas) or (new_ratio > 1.0 and new < current_replicas):
        return current_replicas, current
    return new, current


def missing_request_of(pods: list[dict], rname: str) -> str | None:
    """``calculatePodRequests``' error for the first container (or sidecar) without a ``rname`` request, else None."""
    for p in pods:
        spec = p.get("spec") or {}
        containers = list(spec.get("containers") or ())
        containers += [c for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always"]
        for c in containers:
            if rname not in ((c.get("resources") or {}).get("requests") or {}):
                return f"missing request for {rname} in container {c.get('name')} of Pod {p['metadata']['name']}"
    return None


class HorizontalPodAutoscalerController:
    """Scales Deployments/ReplicaSets on CPU or memory, every 15 s per HPA."""

    name = "horizontal-pod-autoscaler"

    def __init__(self, store: APIStore, sim: Simulation, pod_usage: Callable[[dict, str], float | None]) -> None:
        self.store = store
        self.sim = sim
        self.pod_usage = pod_usage
        self._recommendations: dict[tuple, list[tuple[int, float]]] = {}
        self._up_events: dict[tuple, list[tuple[float, int]]] = {}
        self._down_events: dict[tuple, list[tuple[float, int]]] = {}
        self._timers: dict[tuple, object] = {}
        store.watch("HorizontalPodAutoscaler", self._on_hpa)

    def _on_hpa(self, ev: WatchEvent) -> None:
        m = ev.object["metadata"]
        key = (m["namespace"], m["name"])
        if ev.type == ADDED:
            self._timers[key] = self.sim.schedule(0, lambda: self._tick(key), priority=priorities.HPA_SYNC, label="hpa sync")
        elif ev.type == DELETED:
            timer = self._timers.pop(key, None)
            if timer is not None:
                timer.cancel()
            for d in (self._recommendations, self._up_events, self._down_events):
                d.pop(key, None)

    def _tick(self, key: tuple) -> None:
        if key not in self._timers:
            return
        self.reconcile(key)
        self._timers[key] = self.sim.schedule(HPA_SYNC_PERIOD, lambda: self._tick(key), priority=priorities.HPA_SYNC, label="hpa sync")

    def _condition(self, hpa: dict, type_: str, status: str, reason: str, message: str) -> None:
        set_condition(hpa, type_, status, self.sim.now, reason, message)

    def reconcile(self, key: tuple) -> None:
        """One ``reconcileAutoscaler`` pass for the HPA ``key = (namespace, name)``."""
        hpa = self.store.get("HorizontalPodAutoscaler", *key)
        if hpa is None:
            return
        spec, now = hpa["spec"], self.sim.now
        ref = spec["scaleTargetRef"]
        target = self.store.get(ref["kind"], key[0], ref["name"])
        status = hpa.setdefault("status", {})
        if target is None:
            self._condition(hpa, "AbleToScale", "False", "FailedGetScale", f'the HPA controller was unable to get the target\'s current scale: {ref["kind"].lower()}s.apps "{ref["name"]}" not found')
            self.store.record_event(hpa, "FailedGetScale", f'{ref["kind"].lower()}s.apps "{ref["name"]}" not found', type="Warning", source=self.name)
            self.store.update(hpa, actor=self.name, verb="update status")
            return
        current = target["spec"].get("replicas", 1)
        min_r, max_r = spec.get("minReplicas", 1), spec["maxReplicas"]
        self._condition(hpa, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale")
        reason, metric_reason = "", ""
        metrics_status = []
        if current == 0 and min_r != 0:
            desired = 0
            self._condition(hpa, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
        elif current > max_r:
            desired, reason = max_r, "Current number of replicas above Spec.MaxReplicas"
        elif current < min_r:
            desired, reason = min_r, "Current number of replicas below Spec.MinReplicas"
        else:
            proposal, metric_reason, metrics_status, error = self._proposal(hpa, target, current)
            if error:
                rname = error.split(" ", 4)[3] if error.startswith("failed to get ") else "cpu"
                self._condition(hpa, "ScalingActive", "False", "FailedGetResourceMetric",
                                f"the HPA was unable to compute the replica count: {error}")
                self.store.record_event(hpa, "FailedGetResourceMetric", error, type="Warning", source=self.name)
                self.store.record_event(hpa, "FailedComputeMetricsReplicas",
                                        f"invalid metrics (1 invalid out of 1), first error is: failed to get {rname} "
                                        f"resource metric value: {error}", type="Warning", source=self.name)
                status.update({"currentReplicas": target.get("status", {}).get("replicas", current), "desiredReplicas": current})
                self.store.update(hpa, actor=self.name, verb="update status")
                return
            self._condition(hpa, "ScalingActive", "True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count")
            desired = self._normalize(key, hpa, current, proposal, min_r, max_r)
        if desired != current:
            target["spec"]["replicas"] = desired
            self.store.update(target, actor=self.name, verb="update scale")
            status["lastScaleTime"] = now
            events = self._up_events if desired > current else self._down_events
            events.setdefault(key, []).append((now, abs(desired - current)))
            # horizontal.go: the min/max branches name their reason; otherwise the direction decides
            why = reason or ("All metrics below target" if desired < current else metric_reason or "above target")
            self.store.record_event(hpa, "SuccessfulRescale", f"New size: {desired}; reason: {why}", source=self.name)
        status.update({"currentReplicas": target.get("status", {}).get("replicas", current), "desiredReplicas": desired, "currentMetrics": metrics_status})
        self.store.update(hpa, actor=self.name, verb="update status")

    def _proposal(self, hpa: dict, target: dict, current: int) -> tuple[int, str, list, str | None]:
        ns = hpa["metadata"]["namespace"]
        selector = target["spec"].get("selector")
        pods = [p for p in self.store.list("Pod", ns) if selector_matches(selector, p["metadata"].get("labels"))]
        best, best_reason, statuses = -1, "", []
        for m in hpa["spec"].get("metrics") or [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]:
            res = m["resource"]
            rname, tgt = res["name"], res["target"]
            usage, requests = {}, {}
            for p in pods:
                u = self.pod_usage(p, rname)
                if u is not None:
                    usage[p["metadata"]["name"]] = u
                requests[p["metadata"]["name"]] = pod_requests(p)["cpu" if rname == "cpu" else "memory"]
            utilization = tgt["type"] == "Utilization"
            what = "utilization" if utilization else "usage"
            if utilization:
                goal = tgt["averageUtilization"]
            else:
                goal = parse_cpu(tgt["averageValue"]) if rname == "cpu" else parse_memory(tgt["averageValue"])
            try:
                n, value = replica_proposal(current, pods, usage, requests, goal, utilization=utilization, cpu=rname == "cpu",
                                            now=self.sim.now, missing_request=missing_request_of(pods, rname))
            except ValueError as e:
                return current, "", [], f"failed to get {rname} {what}: {e}"
            cur = {"averageUtilization": int(value)} if utilization else {"averageValue": f"{int(value)}m" if rname == "cpu" else str(int(value))}
            statuses.append({"type": "Resource", "resource": {"name": rname, "current": cur}})
            if n > best:
                best = n
                kind = "utilization (percentage of request)" if utilization else "usage"
                best_reason = f"{rname} resource {kind} above target"
        return best, best_reason, statuses, None

    def _normalize(self, key: tuple, hpa: dict, current: int, proposal: int, min_r: int, max_r: int) -> int:
        """``normalizeDesiredReplicas`` (no ``behavior``) or ``normalizeDesiredReplicasWithBehaviors``."""
        now = self.sim.now
        recs = self._recommendations.setdefault(key, [(current, now)])  # recordInitialRecommendation
        if hpa["spec"].get("behavior") is None:
            stabilized = stabilize_recommendation(recs, proposal, now)
            if stabilized != proposal:
                self._condition(hpa, "AbleToScale", "True", "ScaleDownStabilized",
                                "recent recommendations were higher than current one, applying the highest recent recommendation")
            else:
                self._condition(hpa, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size")
            desired, reason, message = convert_desired_replicas_with_rules(current, stabilized, min_r, max_r)
            self._condition(hpa, "ScalingLimited", "False" if desired == stabilized else "True", reason, message)
            return desired
        behavior = default_behavior()
        for direction, rules in ((hpa["spec"].get("behavior") or {}).items()):
            behavior[direction] = {**behavior[direction], **rules}
        up, down = behavior["scaleUp"], behavior["scaleDown"]
        up_cut, down_cut = now - up["stabilizationWindowSeconds"], now - down["stabilizationWindowSeconds"]
        up_rec = down_rec = proposal
        old = None
        for i, (r, t) in enumerate(recs):
            if t > up_cut:
                up_rec = min(up_rec, r)
            if t > down_cut:
                down_rec = max(down_rec, r)
            if t < min(up_cut, down_cut):
                old = i
        if old is not None:
            recs[old] = (proposal, now)
        else:
            recs.append((proposal, now))
        stabilized = min(max(current, up_rec), down_rec)
        if stabilized < proposal:
            self._condition(hpa, "AbleToScale", "True", "ScaleUpStabilized",
                            "recent recommendations were lower than current one, applying the lowest recent recommendation")
        elif stabilized > proposal:
            self._condition(hpa, "AbleToScale", "True", "ScaleDownStabilized",
                            "recent recommendations were higher than current one, applying the highest recent recommendation")
        else:
            self._condition(hpa, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size")
        desired, reason, message = stabilized, "DesiredWithinRange", "the desired count is within the acceptable range"
        if stabilized > current:  # convertDesiredReplicasWithBehaviorRate
            limit = max(scale_up_limit(current, self._up_events.get(key, []), up, now), current)
            if max_r > limit:
                maximum, why, msg = limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
            else:
                maximum, why, msg = max_r, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
            if stabilized > maximum:
                desired, reason, message = maximum, why, msg
        elif stabilized < current:
            limit = min(scale_down_limit(current, self._down_events.get(key, []), down, now), current)
            if min_r < limit:
                minimum, why, msg = limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"
            else:
                minimum, why, msg = min_r, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
            if stabilized < minimum:
                desired, reason, message = minimum, why, msg
        self._condition(hpa, "ScalingLimited", "False" if desired == stabilized else "True", reason, message)
        return desired
