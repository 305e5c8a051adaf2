"""HorizontalPodAutoscaler: the documented formula, tolerance, behavior and the algorithm details."""
from __future__ import annotations

import pytest
from k8s_helpers import cluster, deployment

from labsupport import k8s
from labsupport.k8s.controllers.hpa import default_behavior, replica_proposal, scale_down_limit, scale_up_limit

# https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
FORMULA = [
    (1, 200, 100, 2, "200m used with a 100m target doubles the replicas"),
    (4, 50, 100, 2, "half the target halves the replicas"),
    (3, 105, 100, 3, "a ratio of 1.05 is within the 0.1 tolerance"),
    (3, 89, 100, 3, "a ratio of 0.89 is just outside the tolerance"),
    (5, 111, 100, 6, "a ratio of 1.11 rounds up"),
    (10, 90, 100, 10, "a ratio of exactly 0.9 is within the tolerance"),
]


@pytest.mark.parametrize("current, metric, target, expected", [f[:4] for f in FORMULA], ids=[f[4] for f in FORMULA])
def test_hpa_desired_replicas(current, metric, target, expected):
    assert k8s.hpa_desired_replicas(current, metric, target) == expected


def test_default_behavior_limits():
    up, down = default_behavior()["scaleUp"], default_behavior()["scaleDown"]
    assert scale_up_limit(1, [], up, 0.0) == 5          # max(1 + 100 %, 1 + 4 Pods)
    assert scale_up_limit(10, [], up, 0.0) == 20        # max(10 + 100 %, 10 + 4)
    assert scale_up_limit(10, [(5.0, 6)], up, 10.0) == 8  # 6 added in the last 15 s: the period started at 4
    assert scale_down_limit(10, [], down, 0.0) == 0     # 100 % per 15 s


def _pod(name, phase="Running", ready=True, started=0.0, ready_since=0.0, deleting=False):
    meta = {"name": name}
    if deleting:
        meta["deletionTimestamp"] = 1.0
    return {"metadata": meta, "status": {"phase": phase, "startTime": started,
                                         "conditions": [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": ready_since}]}}


def test_missing_metrics_count_as_100_percent_when_scaling_down():
    pods = [_pod("a"), _pod("b"), _pod("c")]
    usage = {"a": 10, "b": 10}  # c has no metric yet
    req = {n: 100 for n in "abc"}
    # without c: 10 % vs 50 % target -> would scale to 1; with c at 100 %: (10+10+100)/300 = 40 % -> ceil(0.8 * 3) = 3
    n, util = replica_proposal(3, pods, usage, req, 50, utilization=True, cpu=True, now=1000.0)
    assert (n, util) == (3, 10)


def test_unready_pods_count_as_zero_when_scaling_up():
    pods = [_pod("a"), _pod("b", ready=False, started=990.0, ready_since=990.0)]
    usage = {"a": 100, "b": 100}
    req = {"a": 100, "b": 100}
    # only a counts: 100 % vs 50 % -> ratio 2; with b at 0: 100/200 = 50 % -> ratio 1.0 -> no change
    assert replica_proposal(2, pods, usage, req, 50, utilization=True, cpu=True, now=1000.0) == (2, 100)


def test_pending_and_deleted_pods_are_ignored():
    pods = [_pod("a"), _pod("b", phase="Pending"), _pod("c", deleting=True)]
    assert replica_proposal(3, pods, {"a": 100, "c": 500}, {n: 100 for n in "abc"}, 50, utilization=True, cpu=True, now=1000.0) == (2, 100)


def _hpa(minr=1, maxr=10, target=50, behavior=None):
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": minr, "maxReplicas": maxr,
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}]}}
    if behavior is not None:
        hpa["spec"]["behavior"] = behavior
    return hpa


@pytest.mark.parametrize(("behavior", "first_step"), [
    # horizontal_test.go TestConvertDesiredReplicasWithRules: no behavior -> scale-up limit max(2 x 1, 4) = 4
    pytest.param(None, 4, id="without behavior the legacy limit max(2 x current, 4) applies"),
    # a set behavior is defaulted: Percent 100 / Pods 4 per 15 s, selectPolicy Max -> max(1 + 1, 1 + 4) = 5
    pytest.param({"scaleDown": {"stabilizationWindowSeconds": 300}}, 5,
                 id="with a behavior the default scale-up policies max(100 percent, 4 Pods) apply"),
])
def test_hpa_scales_up_by_policy_and_down_only_after_the_300s_window(behavior, first_step):
    c = cluster(4)
    c.apply([deployment(replicas=1, cpu="200m"), _hpa(behavior=behavior)])
    c.set_load("web", total=lambda t: 1000 if t < 300 else 50)
    history = []
    for _ in range(50):
        c.run(15)
        history.append((c.now, c.object("deploy", "web")["spec"]["replicas"]))
    replicas = dict(history)
    assert replicas[30] == first_step   # 500 % wanted 10
    assert max(replicas.values()) == 10
    last_high = max(t for t, r in history if r == 10)
    assert 300 + 270 <= last_high < 300 + 300 + 15  # the 300 s stabilization window holds the scale-down
    assert history[-1][1] == 1


def test_hpa_respects_min_and_max():
    c = cluster(4)
    c.apply([deployment(replicas=6, cpu="200m"), _hpa(minr=2, maxr=4)])
    c.run(16)
    assert c.object("deploy", "web")["spec"]["replicas"] == 4
    assert any("New size: 4; reason: Current number of replicas above Spec.MaxReplicas" in m for m in c.events().column("MESSAGE"))


def test_load_driver_per_pod_and_total():
    c = cluster(2)
    c.apply(deployment(replicas=2, cpu="200m"))
    c.run(30)
    c.set_load("web", per_pod=150)
    assert c.top_pods().column("CPU(cores)") == ["150m", "150m"]
    c.set_load("web", total=lambda t: 300 + t)
    assert c.top_pods().column("CPU(cores)") == ["165m", "165m"]


def _no_request_deployment():
    d = deployment(replicas=2, cpu="200m")
    del d["spec"]["template"]["spec"]["containers"][0]["resources"]
    return d


@pytest.mark.parametrize(("setup", "message"), [
    # replica_calculator_test.go TestReplicaCalcEmptyMetrics: no PodMetrics at all (no Pod runs yet)
    pytest.param("no-metrics", "the HPA was unable to compute the replica count: failed to get cpu utilization: "
                 "unable to get metrics for resource cpu: no metrics returned from resource metrics API",
                 id="no metrics from the metrics API gives upstream's message"),
    # replica_calculator_test.go TestReplicaCalcEmptyCPURequest
    pytest.param("no-request", "the HPA was unable to compute the replica count: failed to get cpu utilization: "
                 "missing request for cpu in container web of Pod web-",
                 id="a container without a cpu request gives upstream's missing-request message"),
])
def test_hpa_condition_messages_as_upstream(setup, message):
    c = cluster(2)
    if setup == "no-metrics":
        c.apply([deployment(replicas=2, cpu="200m"), _hpa()])
        c.run(0.5)
    else:
        c.apply([_no_request_deployment(), _hpa()])
        c.run(40)
    cond = next(x for x in c.object("hpa", "web")["status"]["conditions"] if x["type"] == "ScalingActive")
    assert (cond["status"], cond["reason"]) == ("False", "FailedGetResourceMetric")
    assert cond["message"].startswith(message), cond["message"]
