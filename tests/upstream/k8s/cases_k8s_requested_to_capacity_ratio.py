"""pkg/scheduler/framework/plugins/noderesources/requested_to_capacity_ratio_test.go as data.

TestRequestedToCapacityRatioScoringStrategy, TestBrokenLinearFunction and TestResourceBinPackingSingleExtended
(``makeNode(name, milliCPU, memory, extended)``; the bin-packing shape is (0, 0)-(100, 1) on the
configuration's 0-10 scale). Not transcribed yet: TestResourceBinPackingMultipleExtended.
"""
from upstream_k8s import fit_args, node, pod, req, run_scores

from labsupport.k8s.scheduler.scoring import broken_linear

F = "pkg/scheduler/framework/plugins/noderesources/requested_to_capacity_ratio_test.go"
DEFAULT = (("cpu", 1), ("memory", 1))
SHAPE = ((0, 10), (100, 0))
FOO = "intel.com/foo"


def cap(name, cpu, memory):
    return node(name, alloc={"cpu": cpu, "memory": memory, "pods": "32"})


def mk(name, milli, mem, foo):
    return node(name, alloc={"cpu": f"{milli}m", "memory": str(mem), "pods": "100", FOO: str(foo)})


R12 = req({"cpu": "1000", "memory": "2000"}, {"cpu": "2000", "memory": "3000"})
S = "TestRequestedToCapacityRatioScoringStrategy"
CASES = [
    {"upstream_file": F, "upstream_test": f"{S}/{name}", "id": name, "fn": "score", "plugin": "NodeResourcesFit",
     "resources": DEFAULT, "shape": SHAPE, "pod": pod("p", containers=containers), "nodes": nodes, "existing": existing,
     "want": want}
    for name, containers, nodes, existing, want in (
        ("nothing scheduled, nothing requested (default - least requested nodes have priority)", [],
         [cap("node1", "4000", "10000"), cap("node2", "4000", "10000")],
         [pod("e1", node="node1"), pod("e2", node="node1")], {"node1": 100, "node2": 100}),
        ("nothing scheduled, resources requested, differently sized nodes (default - least requested nodes have "
         "priority)", R12, [cap("node1", "4000", "10000"), cap("node2", "6000", "10000")],
         [pod("e1", node="node1"), pod("e2", node="node1")], {"node1": 38, "node2": 50}),
        ("no resources requested, pods scheduled with resources (default - least requested nodes have priority)", [],
         [cap("node1", "4000", "10000"), cap("node2", "6000", "10000")],
         [pod("e1", node="node1", containers=req({"cpu": "3000", "memory": "5000"})),
          pod("e2", node="node2", containers=req({"cpu": "3000", "memory": "5000"}))], {"node1": 38, "node2": 50}),
    )
]
LINEAR = [
    (((10, 1), (90, 9)), ((-10, 1), (0, 1), (9, 1), (10, 1), (15, 1), (19, 1), (20, 2), (89, 8), (90, 9), (99, 9),
                          (100, 9), (110, 9))),
    (((0, 2), (40, 10), (100, 0)), ((-10, 2), (0, 2), (20, 6), (30, 8), (40, 10), (70, 5), (100, 0), (110, 0))),
    (((0, 2), (40, 2), (100, 2)), ((-10, 2), (0, 2), (20, 2), (30, 2), (40, 2), (70, 2), (100, 2), (110, 2))),
]
CASES += [
    {"upstream_file": F, "upstream_test": f"TestBrokenLinearFunction/case_{i}", "id": f"BrokenLinearFunction case_{i}",
     "fn": "linear", "points": points, "assertions": assertions}
    for i, (points, assertions) in enumerate(LINEAR)
]
B = "TestResourceBinPackingSingleExtended"
NODES = [mk("node1", 4000, 10000 * 1024 * 1024, 8), mk("node2", 4000, 10000 * 1024 * 1024, 4)]
CASES += [
    {"upstream_file": F, "upstream_test": f"{B}/{name}", "id": f"bin packing: {name}", "fn": "score",
     "plugin": "NodeResourcesFit", "resources": ((FOO, 1),), "shape": ((0, 0), (100, 1)),
     "pod": pod("p", containers=containers), "nodes": NODES, "existing": existing, "want": want}
    for name, containers, existing, want in (
        ("nothing scheduled, nothing requested", [], [], {"node1": 0, "node2": 0}),
        ("resources requested, pods scheduled with less resources", req({FOO: "2"}), [pod("e")],
         {"node1": 2, "node2": 5}),
        ("resources requested, pods scheduled with resources, on node with existing pod running ", req({FOO: "2"}),
         [pod("e", node="node2", containers=req({FOO: "2"}))], {"node1": 2, "node2": 10}),
        ("resources requested, pods scheduled with more resources", req({FOO: "4"}), [pod("e")],
         {"node1": 5, "node2": 10}),
    )
]
NOT_EXPRESSIBLE = []


def run(case):
    if case["fn"] == "linear":
        points = list(case["points"])
        got = broken_linear([p for p, _ in case["assertions"]], points).tolist()
        assert got == [e for _, e in case["assertions"]], got
        return
    case = dict(case, args=fit_args("RequestedToCapacityRatio", case["resources"], case["shape"]))
    assert run_scores(case) == case["want"]
