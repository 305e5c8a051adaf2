"""noderesources least_allocated_test.go and most_allocated_test.go (NodeResourcesFit scoring strategies) as data.

``st.MakeNode().Capacity({"cpu": "4000", "memory": "10000"})`` is 4000 cores and 10000 bytes; a
``.Req(...)`` adds a container with those requests; ``.Container("c")`` adds one without requests (it
counts the non-zero defaults 100m / 200Mi); a bare ``st.MakePod()`` has no containers. Raw Score is
compared (NormalizeScore is the identity for this plugin). Weight errors are checked through the
simulator's KubeSchedulerConfiguration parser, which must name the same field.
"""
import pytest
from upstream_k8s import fit_args, node, pod, req, run_scores

from labsupport.k8s.scheduler.config import SchedulerConfigError

LEAST = "pkg/scheduler/framework/plugins/noderesources/least_allocated_test.go"
MOST = "pkg/scheduler/framework/plugins/noderesources/most_allocated_test.go"
EXT = "abc.com/xyz"
DEFAULT = (("cpu", 1), ("memory", 1))
EXT_SET = (("cpu", 1), ("memory", 1), (EXT, 1))


def cap(name, cpu=None, memory=None, **extra):
    alloc = {}
    if cpu is not None:
        alloc["cpu"] = cpu
    if memory is not None:
        alloc["memory"] = memory
    alloc.update({k.replace("_", "."): v for k, v in extra.items()})
    return node(name, alloc=alloc)


def on(node_name, cpu, memory):
    return pod(f"e-{node_name}-{cpu}-{memory}", node=node_name, containers=req({"cpu": cpu, "memory": memory}))


def case(f, strategy, name, containers, nodes, existing, want, resources=DEFAULT, error_field=None):
    test = "TestLeastAllocatedScoringStrategy" if f == LEAST else "TestMostAllocatedScoringStrategy"
    return {"upstream_file": f, "upstream_test": f"{test}/{name}", "id": f"{strategy}: {name}",
            "plugin": "NodeResourcesFit", "strategy": strategy, "resources": resources, "pod": pod("p", containers=containers),
            "nodes": nodes, "existing": existing, "want": want, "error_field": error_field}


R12 = req({"cpu": "1000", "memory": "2000"}, {"cpu": "2000", "memory": "3000"})
N44 = [cap("node1", "4000", "10000"), cap("node2", "4000", "10000")]
N46 = [cap("node1", "4000", "10000"), cap("node2", "6000", "10000")]
N1010 = [cap("node1", "10000", "20000"), cap("node2", "10000", "20000")]
FOUR = [on("node1", "3000", "0"), on("node1", "3000", "0") | {"name": "e2"}, on("node2", "3000", "0"),
        on("node2", "3000", "5000")]
TWO = [on("node1", "3000", "0"), on("node2", "3000", "5000")]
EXT_NODES = [cap("node1", "6000", "10000"), cap("node2", "6000", "10000", **{"abc_com/xyz": "4"})]
EXT_POD = req({"cpu": "3000", "memory": "5000", EXT: "2"})
EXT_NODES2 = [cap("node1", "6000", "10000", **{"abc_com/xyz": "4"}), cap("node2", "6000", "10000", **{"abc_com/xyz": "10"})]
WEIGHT_ERRORS = [
    ("resource with negative weight", (("memory", -1), ("cpu", 1)), "resources[0].weight"),
    ("resource with zero weight", (("memory", 1), ("cpu", 0)), "resources[1].weight"),
]

CASES = []
for f, st in ((LEAST, "LeastAllocated"), (MOST, "MostAllocated")):
    least = f == LEAST
    CASES += [
        case(f, st, "nothing scheduled, nothing requested", [], N44, [],
             {"node1": 100, "node2": 100} if least else {"node1": 0, "node2": 0}),
        case(f, st, "nothing scheduled, resources requested, differently sized nodes", R12, N46, [],
             {"node1": 37, "node2": 50} if least else {"node1": 62, "node2": 50}),
        case(f, st, "no resources requested, pods scheduled with resources", [], N1010, FOUR,
             {"node1": 70, "node2": 57} if least else {"node1": 30, "node2": 42}),
        case(f, st, "resources requested, pods scheduled with resources", R12, N1010, TWO,
             {"node1": 57, "node2": 45} if least else {"node1": 42, "node2": 55}),
        case(f, st, "bypass extended resource if the pod does not request", R12, EXT_NODES, [],
             {"node1": 50, "node2": 50}, resources=EXT_SET),
        case(f, st, "honor extended resource if the pod requests" if least else "honor extended resource if the pod request",
             EXT_POD, EXT_NODES2, [], {"node1": 50, "node2": 60} if least else {"node1": 50, "node2": 40},
             resources=EXT_SET),
        case(f, st, "if the node doesn't have a resource", req({"cpu": "3000", "memory": "4000"}), EXT_NODES, [],
             {"node1": 55, "node2": 55} if least else {"node1": 45, "node2": 45},
             resources=((EXT, 2), ("cpu", 1), ("memory", 1))),
        *(case(f, st, name, R12, N44[:1], [], None, resources=res, error_field=field) for name, res, field in WEIGHT_ERRORS),
        case(f, st, "resource weight larger than MaxNodeScore", R12, N44[:1], [], None,
             resources=(("memory", 1), ("cpu", 101)) if least else (("memory", 101),),
             error_field="resources[1].weight" if least else "resources[0].weight"),
    ]
CASES += [
    case(LEAST, "LeastAllocated", "no resources requested, pods scheduled", [], N44,
         [pod(f"e{i}", node=n) for i, n in enumerate(("node1", "node1", "node2", "node2"))], {"node1": 100, "node2": 100}),
    case(LEAST, "LeastAllocated", "resources requested, pods scheduled with resources, differently sized nodes", R12,
         [cap("node1", "10000", "20000"), cap("node2", "10000", "50000")], TWO, {"node1": 57, "node2": 60}),
    case(LEAST, "LeastAllocated", "requested resources exceed node capacity", req({"cpu": "3000", "memory": "0"}), N44,
         TWO, {"node1": 50, "node2": 25}),
    case(LEAST, "LeastAllocated", "zero node resources, pods scheduled with resources", [], [cap("node1"), cap("node2")],
         TWO, {"node1": 0, "node2": 0}),
    case(LEAST, "LeastAllocated", "nothing scheduled, resources requested with different weight on CPU and memory, "
         "differently sized nodes", R12, N46, [], {"node1": 41, "node2": 50}, resources=(("memory", 2), ("cpu", 1))),
    case(MOST, "MostAllocated", "resources requested equal node capacity",
         req({"cpu": "2000", "memory": "4000"}, {"cpu": "3000", "memory": "5000"}),
         [cap("node1", "5000", "10000"), cap("node2", "10000", "9000")], [], {"node1": 95, "node2": 75}),
    case(MOST, "MostAllocated", "nothing scheduled, resources requested, differently sized nodes (weights memory 2, cpu 1)",
         R12, N46, [], {"node1": 58, "node2": 50}, resources=(("memory", 2), ("cpu", 1))),
    case(MOST, "MostAllocated", "no resources requested, pods scheduled, nonzero request for resource",
         [{"name": "container"}], [cap("node1", "250m", "1000Mi"), cap("node2", "250m", "1000Mi")],
         [pod("e1", node="node1", containers=[{"name": "container"}]), pod("e2", node="node1", containers=[{"name": "container"}])],
         {"node1": 80, "node2": 30}),
]
# the MostAllocated file names its weighted case like the unweighted one: keep the upstream name in upstream_test
CASES[-2]["upstream_test"] = "TestMostAllocatedScoringStrategy/nothing scheduled, resources requested, differently sized nodes"

NOT_EXPRESSIBLE = [
    {"upstream_file": f, "upstream_test": f"{t}/Resources not set, pods scheduled with error",
     "reason": "an empty resources list is refused when the configuration is parsed (SchedulerConfigError); the "
               "simulator cannot reach Score with it to return upstream's Error status"}
    for f, t in ((LEAST, "TestLeastAllocatedScoringStrategy"), (MOST, "TestMostAllocatedScoringStrategy"))
]


def run(case):
    if case["error_field"]:
        with pytest.raises(SchedulerConfigError) as e:
            fit_args(case["strategy"], case["resources"])
        assert case["error_field"] + ":" in str(e.value), str(e.value)
        return
    case = dict(case, args=fit_args(case["strategy"], case["resources"]))
    got = run_scores(case)
    assert got == case["want"], got
