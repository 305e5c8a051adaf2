"""pkg/scheduler/schedule_one_test.go: TestNumFeasibleNodesToFind and TestFairEvaluationForNodes as data.

The first runs :func:`labsupport.k8s.scheduler.scoring.num_feasible_nodes_to_find`; the second schedules
Pods one cycle at a time on 500 empty nodes with ``percentageOfNodesToScore: 30`` and checks that each
cycle filters exactly 150 nodes and moves ``nextStartNodeIndex`` on by 150 (mod 500).
"""
from labsupport.core import Simulation
from labsupport.k8s.scheduler import Scheduler
from labsupport.k8s.scheduler.scoring import num_feasible_nodes_to_find
from labsupport.k8s.store import APIStore

F = "pkg/scheduler/schedule_one_test.go"
CASES = [
    {"upstream_file": F, "upstream_test": f"TestNumFeasibleNodesToFind/{name}", "id": name, "fn": "num",
     "percentage": pct, "nodes": n, "want": want}
    for name, pct, n, want in (
        ("not set percentageOfNodesToScore and nodes number not more than 50", 0, 10, 10),
        ("set percentageOfNodesToScore and nodes number not more than 50", 40, 10, 10),
        ("not set percentageOfNodesToScore and nodes number more than 50", 0, 1000, 420),
        ("set percentageOfNodesToScore and nodes number more than 50", 40, 1000, 400),
        ("not set percentageOfNodesToScore and nodes number more than 50*125", 0, 6000, 300),
        ("set percentageOfNodesToScore and nodes number more than 50*125", 40, 6000, 2400),
    )
] + [
    {"upstream_file": F, "upstream_test": "TestFairEvaluationForNodes", "id": "FairEvaluationForNodes", "fn": "fair",
     "percentage": 30, "nodes": 500, "want": 150},
]
NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": "TestPreferNominatedNodeFilterCallCounts",
     "reason": "counts Filter calls of a fake plugin; the simulator's plugins are fixed and it does not "
               "count calls (it does try the nominated node first)"},
]


def run(case):
    if case["fn"] == "num":
        assert num_feasible_nodes_to_find(case["percentage"], case["nodes"]) == case["want"]
        return
    sim = Simulation(0)
    store = APIStore(sim)
    cfg = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
           "percentageOfNodesToScore": case["percentage"]}
    sched = Scheduler(store, sim, cfg)
    sched.batching = False
    n = case["nodes"]
    for i in range(n):
        alloc = {"cpu": "100", "memory": "100Gi", "pods": "110"}
        store.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"{i}"}, "spec": {},
                      "status": {"allocatable": alloc, "capacity": alloc}}, actor="kubelet")
    to_find = case["want"]
    for i in range(2 * (n // to_find + 1)):
        store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
                      "spec": {"containers": [{"name": "c"}]}}, actor="kubectl")
        sim.run(0.001)
        assert sched.next_start_node_index == (i + 1) * to_find % n, (i, sched.next_start_node_index)
