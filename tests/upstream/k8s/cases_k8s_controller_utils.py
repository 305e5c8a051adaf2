"""pkg/controller/controller_utils_test.go TestSortingActivePodsWithRanks (ReplicaSet scale-down order) as data.

Runs :func:`labsupport.k8s.controllers.replicaset.deletion_less` (``ActivePodsWithRanks.Less``). Times are
seconds relative to ``now`` = 0; ``None`` is Go's zero time. Cases that switch the PodDeletionCost or
LogarithmicScaleDown gates off are listed as not expressible (both are GA and always on in 1.37).
"""
from labsupport.k8s.controllers.replicaset import POD_DELETION_COST, deletion_less

F = "pkg/controller/controller_utils_test.go"
T = "TestSortingActivePodsWithRanks"
NOW, MONTH, H2, H5, H8 = 0.0, -30 * 86400.0, -2 * 3600.0, -5 * 3600.0, -8 * 3600.0


def pod(name, node, phase, ready, restarts, ready_since, created, cost=None):
    meta = {"name": name, "creationTimestamp": created}
    if cost is not None:
        meta["annotations"] = {POD_DELETION_COST: str(cost)}
    status = {"phase": phase}
    if ready:
        cond = {"type": "Ready", "status": "True"}
        if ready_since is not None:
            cond["lastTransitionTime"] = ready_since
        status["conditions"] = [cond]
        status["containerStatuses"] = [{"restartCount": restarts}]
    return {"metadata": meta, "spec": {"nodeName": node}, "status": status}


P = {
    "unscheduled": pod("unscheduled", "", "Pending", False, 0, None, None),
    "pending": pod("pending", "node", "Pending", False, 0, None, None),
    "unknown-phase": pod("unknown-phase", "node", "Unknown", False, 0, None, None),
    "not-ready": pod("not-ready", "node", "Running", False, 0, None, None),
    "ready-no-last-transition-time": pod("ready-no-last-transition-time", "node", "Running", True, 0, None, None),
    "ready-now": pod("ready-now", "node", "Running", True, 0, NOW, NOW),
    "ready-then": pod("ready-then", "node", "Running", True, 0, MONTH, MONTH),
    "ready-high-restarts": pod("ready-high-restarts", "node", "Running", True, 9001, NOW, NOW),
    "ready-now-created-then": pod("ready-now-created-then", "node", "Running", True, 0, NOW, MONTH),
    "low-deletion-cost": pod("low-deletion-cost", "node", "Running", True, 0, NOW, MONTH, cost=10),
    "high-deletion-cost": pod("high-deletion-cost", "node", "Running", True, 0, NOW, MONTH, cost=100),
    "unscheduled-5-hours": pod("unscheduled-5-hours", "", "Pending", False, 0, H5, H5),
    "unscheduled-10-hours": pod("unscheduled-10-hours", "", "Pending", False, 0, H8, H8),
    "ready-2-hours": pod("ready-2-hours", "", "Running", True, 0, H2, MONTH),
    "ready-5-hours": pod("ready-5-hours", "", "Running", True, 0, H5, MONTH),
    "ready-10-hours": pod("ready-10-hours", "", "Running", True, 0, H8, MONTH),
}
EQUAL = [("unscheduled", None), ("pending", None), ("unknown-phase", None), ("not-ready", None),
         ("ready-now-created-then", None), ("ready-now", None), ("ready-then", None), ("ready-high-restarts", None),
         ("ready-now-created-then", None), ("unscheduled-5-hours", "unscheduled-10-hours"),
         ("ready-5-hours", "ready-10-hours")]
LESS = [(("unscheduled", 1), ("pending", 2)), (("unscheduled", 2), ("pending", 1)), (("pending", 1), ("unknown-phase", 2)),
        (("unknown-phase", 1), ("not-ready", 2)), (("not-ready", 1), ("ready-no-last-transition-time", 1)),
        (("ready-no-last-transition-time", 1), ("ready-now", 1)), (("ready-now", 2), ("ready-no-last-transition-time", 1)),
        (("ready-now", 1), ("ready-then", 1)), (("ready-now", 2), ("ready-then", 1)),
        (("ready-high-restarts", 1), ("ready-now", 1)), (("ready-now", 2), ("ready-high-restarts", 1)),
        (("ready-now", 1), ("ready-now-created-then", 1)), (("ready-now-created-then", 2), ("ready-now", 1)),
        (("low-deletion-cost", 2), ("high-deletion-cost", 1))]
CASES = [
    {"upstream_file": F, "upstream_test": f"{T}/Equality tests {i}", "id": f"equal {i}: {a} ~ {b or a}", "fn": "equal",
     "a": a, "b": b or a}
    for i, (a, b) in enumerate(EQUAL)
] + [
    {"upstream_file": F, "upstream_test": f"{T}/Inequality tests {i}", "id": f"less {i}: {a}({ra}) < {b}({rb})",
     "fn": "less", "a": a, "rank_a": ra, "b": b, "rank_b": rb}
    for i, ((a, ra), (b, rb)) in enumerate(LESS)
] + [
    {"upstream_file": F, "upstream_test": f"{T}/Inequality tests 15", "id": "less 15: ready-2-hours(1) < ready-5-hours(1)",
     "fn": "less", "a": "ready-2-hours", "rank_a": 1, "b": "ready-5-hours", "rank_b": 1},
]
NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": f"{T}/Inequality tests 14",
     "reason": "turns the PodDeletionCost feature gate off; it is GA (always on) in 1.37 and the simulator has no gates"},
]


def run(case):
    a, b = P[case["a"]], P[case["b"]]
    if case["fn"] == "equal":
        assert not deletion_less(a, b, 1, 1, NOW) and not deletion_less(b, a, 1, 1, NOW)
    else:
        assert deletion_less(a, b, case["rank_a"], case["rank_b"], NOW)
        assert not deletion_less(b, a, case["rank_b"], case["rank_a"], NOW)
