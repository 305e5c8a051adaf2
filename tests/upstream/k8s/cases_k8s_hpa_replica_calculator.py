"""pkg/controller/podautoscaler/replica_calculator_test.go as data (Resource metrics, ``GetResourceReplicas``).

Transcribed from the copy in the search index (kubernetes/kubernetes, commit 0006726896...); the 1.37
file adds cases (container resources, pod-level resources, configurable tolerance) not listed here.
The upstream harness: every Pod has two containers, each requesting ``requests[i]`` and using
``levels[i]`` (so per-Pod values are doubled, which leaves every ratio unchanged); Pods are Running and
Ready unless ``readiness``/``phase`` say otherwise; start time and the Ready transition are the zero
time (long ago); cool Pods started 3 min ago. Runs against
:func:`labsupport.k8s.controllers.hpa.replica_proposal`.
"""
from labsupport.k8s.controllers.hpa import missing_request_of, replica_proposal

F = "pkg/controller/podautoscaler/replica_calculator_test.go"
LONG_AGO = -1e12   # Go's zero time.Time
NOW = 0.0


def _case(test, current, requests, levels, target, expected=None, utilization=None, error=None, readiness=None,
          phase=None, deleting=None, start=None, pod_names=None):
    return {"upstream_file": F, "upstream_test": test, "id": test.removeprefix("Test"), "current": current,
            "requests": requests, "levels": levels, "target": target, "expected": expected,
            "expected_utilization": utilization, "error": error, "readiness": readiness, "phase": phase,
            "deleting": deleting, "start": start, "pod_names": pod_names}


R1 = 1000  # "1.0" cpu in millicores
CASES = [
    _case("TestReplicaCalcDisjointResourcesMetrics", 1, [R1], [100], 100,
          error="no metrics returned matched known pods", pod_names=["an-older-pod-name"]),
    _case("TestReplicaCalcScaleUp", 3, [R1] * 3, [300, 500, 700], 30, 5, 50),
    _case("TestReplicaCalcScaleUpUnreadyLessScale", 3, [R1] * 3, [300, 500, 700], 30, 4, 60,
          readiness=["False", "True", "True"]),
    _case("TestReplicaCalcScaleUpUnreadyNoScale", 3, [R1] * 3, [400, 500, 700], 30, 3, 40,
          readiness=["True", "False", "False"]),
    _case("TestReplicaCalcScaleUpIgnoresFailedPods", 2, [R1] * 4, [500, 700], 30, 4, 60,
          readiness=["True", "True", "False", "False"], phase=["Running", "Running", "Failed", "Failed"]),
    _case("TestReplicaCalcScaleUpIgnoresDeletionPods", 2, [R1] * 4, [500, 700], 30, 4, 60,
          readiness=["True", "True", "False", "False"], deleting=[False, False, True, True]),
    _case("TestReplicaCalcScaleDown", 5, [R1] * 5, [100, 300, 500, 250, 250], 50, 3, 28),
    _case("TestReplicaCalcScaleDownIncludeUnreadyPods", 5, [R1] * 5, [100, 300, 500, 250, 250], 50, 2, 30,
          readiness=["True", "True", "True", "False", "False"]),
    _case("TestReplicaCalcScaleDownExcludeUnscheduledPods", 5, [R1] * 5, [100], 50, 1, 10,
          readiness=["True", "False", "False", "False", "False"],
          phase=["Running", "Pending", "Pending", "Pending", "Pending"]),
    _case("TestReplicaCalcScaleDownIgnoresFailedPods", 5, [R1] * 7, [100, 300, 500, 250, 250], 50, 3, 28,
          readiness=["True"] * 5 + ["False", "False"], phase=["Running"] * 5 + ["Failed", "Failed"]),
    _case("TestReplicaCalcScaleDownIgnoresDeletionPods", 5, [R1] * 7, [100, 300, 500, 250, 250], 50, 3, 28,
          readiness=["True"] * 5 + ["False", "False"], deleting=[False] * 5 + [True, True]),
    _case("TestReplicaCalcTolerance", 3, [900, 1000, 1100], [1010, 1030, 1020], 100, 3, 102),
    _case("TestReplicaCalcSuperfluousMetrics", 4, [R1] * 4, [4000, 9500, 3000, 7000, 3200, 2000], 100, 24, 587),
    _case("TestReplicaCalcMissingMetrics", 4, [R1] * 4, [400, 95], 100, 3, 24),
    _case("TestReplicaCalcEmptyMetrics", 4, [R1] * 3, [], 100,
          error="unable to get metrics for resource cpu: no metrics returned from resource metrics API"),
    _case("TestReplicaCalcEmptyCPURequest", 1, [], [200], 100, error="missing request for"),
    _case("TestReplicaCalcMissingMetricsNoChangeEq", 2, [R1] * 2, [1000], 100, 2, 100),
    _case("TestReplicaCalcMissingMetricsNoChangeGt", 2, [R1] * 2, [1900], 100, 2, 190),
    _case("TestReplicaCalcMissingMetricsNoChangeLt", 2, [R1] * 2, [600], 100, 2, 60),
    _case("TestReplicaCalcMissingMetricsUnreadyChange", 3, [R1] * 3, [100, 450], 50, 3, 45,
          readiness=["False", "True", "True"]),
    _case("TestReplicaCalcMissingMetricsUnreadyScaleUp", 3, [R1] * 3, [100, 2000], 50, 4, 200,
          readiness=["False", "True", "True"]),
    _case("TestReplicaCalcMissingMetricsUnreadyScaleDown", 4, [R1] * 4, [100, 100, 100], 50, 3, 10,
          readiness=["False", "True", "True", "True"]),
    _case("TestReplicaCalcDuringRollingUpdateWithMaxSurge", 2, [R1] * 3, [100, 100], 50, 2, 10,
          phase=["Running"] * 3),
]

_R_CUSTOM = ("custom, object and external metrics are not simulated: the simulator's HPA reads Resource metrics "
             "(cpu, memory) only")
_R_HOT = ("the upstream harness stamps metrics with a zero timestamp while the CPU-initialization check uses the "
          "wall clock; the simulator stamps metrics with the simulated now, so a 'hot' (recently started) Pod "
          "cannot be given the same metric/transition timing")
_R_GROUP = ("TestGroupPods unit-tests the internal grouping helper with hand-made metric timestamps and windows; "
            "the simulator's grouping is inside replica_proposal and uses one metric window")
_R_ALG = ("derives its target from float arithmetic on the tolerance in Go (int32 truncation of a computed "
          "percentage); not transcribed as data")
NOT_EXPRESSIBLE = [
    *({"upstream_file": F, "upstream_test": t, "reason": _R_CUSTOM} for t in (
        "TestReplicaCalcScaleUpCM", "TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale",
        "TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown", "TestReplicaCalcScaleUpCMObject",
        "TestReplicaCalcScaleUpCMPerPodObject", "TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods",
        "TestReplicaCalcScaleUpCMExternal", "TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods",
        "TestReplicaCalcScaleUpCMExternalNoLabels", "TestReplicaCalcScaleUpPerPodCMExternal",
        "TestReplicaCalcScaleDownCM", "TestReplicaCalcScaleDownPerPodCMObject", "TestReplicaCalcScaleDownCMObject",
        "TestReplicaCalcScaleDownCMExternal", "TestReplicaCalcScaleDownPerPodCMExternal", "TestReplicaCalcToleranceCM",
        "TestReplicaCalcToleranceCMObject", "TestReplicaCalcTolerancePerPodCMObject",
        "TestReplicaCalcToleranceCMExternal", "TestReplicaCalcTolerancePerPodCMExternal")),
    *({"upstream_file": F, "upstream_test": t, "reason": _R_HOT} for t in (
        "TestReplicaCalcScaleUpHotCpuLessScale", "TestReplicaCalcScaleHotCpuNoScale",
        "TestReplicaCalcScaleDownIgnoreHotCpuPods", "TestReplicaCalcMissingMetricsHotCpuNoChange",
        "TestReplicaCalcMissingMetricsHotCpuScaleUp")),
    {"upstream_file": F, "upstream_test": "TestGroupPods", "reason": _R_GROUP},
    {"upstream_file": F, "upstream_test": "TestReplicaCalcComputedToleranceAlgImplementation", "reason": _R_ALG},
]


def run(case):
    n = max(case["current"], len(case["phase"] or ()))  # failed Pods are not counted in currentReplicas
    pods, usage, requests = [], {}, {}
    for i in range(n):
        name = f"test-pod-{i}"
        ready = (case["readiness"] or [])[i] if i < len(case["readiness"] or []) else "True"
        pod = {"metadata": {"name": name, "labels": {"name": "test-pod"}},
               "spec": {"containers": [{"name": "c0"}, {"name": "c1"}]},
               "status": {"phase": (case["phase"] or ["Running"] * n)[i], "startTime": LONG_AGO,
                          "conditions": [{"type": "Ready", "status": ready, "lastTransitionTime": LONG_AGO}]}}
        if case["deleting"] and case["deleting"][i]:
            pod["metadata"]["deletionTimestamp"] = NOW
        if i < len(case["requests"]):
            for c in pod["spec"]["containers"]:
                c["resources"] = {"requests": {"cpu": f"{case['requests'][i]}m"}}
        requests[name] = 2 * case["requests"][i] if i < len(case["requests"]) else 0
        pods.append(pod)
    for i, level in enumerate(case["levels"]):
        name = (case["pod_names"] or [])[i] if i < len(case["pod_names"] or []) else f"test-pod-{i}"
        usage[name] = 2 * level
    try:
        got, util = replica_proposal(case["current"], pods, usage, requests, case["target"], utilization=True,
                                     cpu=True, now=NOW, metric_window=60.0, missing_request=missing_request_of(pods, "cpu"))
    except ValueError as e:
        assert case["error"] is not None, f"unexpected error {e}"
        assert case["error"] in str(e), str(e)
        return
    assert case["error"] is None, f"expected error {case['error']!r}, got {got}"
    assert (got, util) == (case["expected"], case["expected_utilization"]), (got, util)
