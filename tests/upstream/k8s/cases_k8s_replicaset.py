"""pkg/controller/replicaset/replica_set_test.go TestGetPodsToDelete (which Pods a scale-down removes) as data.

Runs :func:`labsupport.k8s.controllers.replicaset.pods_to_delete` (``getPodsToDelete``), which the ReplicaSet
controller calls on scale-down. Pods are named as the Go test's variables; ``related`` defaults to ``pods`` as
upstream. The Go test's Pods carry no timestamps (Go zero time), as here.
"""
from labsupport.k8s.controllers.replicaset import pods_to_delete

F = "pkg/controller/replicaset/replica_set_test.go"
T = "TestGetPodsToDelete"


def pod(name, node, phase, ready=None):
    status = {"phase": phase}
    if ready is not None:  # newPod adds Ready=True for Running Pods; the test overrides some to False
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False"}]
    return {"metadata": {"name": name, "namespace": "default"}, "spec": {"nodeName": node}, "status": status}


P = {
    "unscheduledPendingPod": pod("unscheduled-pending-pod", "", "Pending"),
    "scheduledPendingPod": pod("scheduled-pending-pod", "fake-node", "Pending"),
    "scheduledRunningNotReadyPod": pod("scheduled-running-not-ready-pod", "fake-node", "Running", ready=False),
    "scheduledRunningReadyPodOnNode1": pod("scheduled-running-ready-pod-on-node-1", "fake-node-1", "Running", ready=True),
    "scheduledRunningReadyPodOnNode2": pod("scheduled-running-ready-pod-on-node-2", "fake-node-2", "Running", ready=True),
}
UP, SP, NR, R1, R2 = ("unscheduledPendingPod", "scheduledPendingPod", "scheduledRunningNotReadyPod",
                      "scheduledRunningReadyPodOnNode1", "scheduledRunningReadyPodOnNode2")
VARIOUS = [R1, R1, R2, NR, SP, UP]


def case(name, pods, diff, want, related=None):
    return {"upstream_file": F, "upstream_test": f"{T}/{name}", "id": name, "pods": pods, "related": related,
            "diff": diff, "want": want}


CASES = [
    case("len(pods) = 0 (i.e., diff = 0 too)", [], 0, []),
    case("diff = len(pods)", [NR, R1], 2, [NR, R1]),
    case("diff < len(pods)", [R1, NR], 1, [NR]),
    case("various pod phases and conditions, diff = len(pods)", VARIOUS, 6, VARIOUS),
    case("various pod phases and conditions, diff = len(pods), relatedPods empty", VARIOUS, 6, VARIOUS, related=[]),
    case("scheduled vs unscheduled, diff < len(pods)", [SP, UP], 1, [UP]),
    case("ready vs not-ready, diff < len(pods)", [R1, NR, NR], 2, [NR, NR]),
    case("ready and colocated with another ready pod vs not colocated, diff < len(pods)", [R1, R2], 1, [R2],
         related=[R1, R2, R2]),
    case("pending vs running, diff < len(pods)", [SP, NR], 1, [SP]),
    case("various pod phases and conditions, diff < len(pods)", [R1, R2, NR, SP, UP], 3, [UP, SP, NR]),
]
NOT_EXPRESSIBLE = []


def run(case):
    pods = [P[n] for n in case["pods"]]
    related = pods if case["related"] is None else [P[n] for n in case["related"]]
    got = pods_to_delete(pods, related, case["diff"], now=0.0)
    assert [p["metadata"]["name"] for p in got] == [P[n]["metadata"]["name"] for n in case["want"]]
