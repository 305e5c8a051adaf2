"""pkg/scheduler/framework/plugins/noderesources/fit_test.go (Filter) as data.

Transcribed from the copy in the search index (kubernetes/kubernetes, commit 007f7ae7dc...). The node is
``makeAllocatableResources(10, 20, 32, 5, 20, 5)``: 10 millicores, 20 bytes of memory, 32 Pods, 5
``example.com/aaa``, 20 bytes of ephemeral-storage, 5 bytes of ``hugepages-2Mi``; one existing Pod uses
what ``used`` says. Only the failure *reasons* are compared: in 1.37 a request larger than the node's
whole allocatable is UnschedulableAndUnresolvable, while that older copy expects Unschedulable
everywhere (the simulator follows 1.37; its codes are tested in tests/k8s/scheduler).
"""
from upstream_k8s import node, pod, run_filter

F = "pkg/scheduler/framework/plugins/noderesources/fit_test.go"
A, B = "example.com/aaa", "example.com/bbb"
KA, KB = "kubernetes.io/something", "subdomain.kubernetes.io/something"
HP = "hugepages-2Mi"
NODE = {"cpu": "10m", "memory": "20", "pods": "32", A: "5", "ephemeral-storage": "20", HP: "5"}


def res(cpu=0, mem=0):
    """``framework.Resource{MilliCPU, Memory}.ResourceList()`` as container requests (scalars added with ``**``)."""
    return {"cpu": f"{cpu}m", "memory": str(mem)}


def containers(*reqs):
    return [{"name": f"c{i}", "resources": {"requests": r}} for i, r in enumerate(reqs)]


def case(test, name, reqs, used, want, inits=(), overhead=None, alloc=None):
    spec = {"containers": containers(*reqs)}
    if inits:
        spec["initContainers"] = containers(*inits)
    if overhead:
        spec["overhead"] = overhead
    existing = pod("existing", node="n", containers=containers(used))
    return {"upstream_file": F, "upstream_test": f"{test}/{name}", "id": f"{test.removeprefix('Test')}: {name}",
            "plugin": "NodeResourcesFit", "pod": pod("p", **spec), "nodes": [node("n", alloc=alloc or NODE)],
            "existing": [existing], "want": tuple(want)}


E = "TestEnoughRequests"
CASES = [
    case(E, "no resources requested always fits", [], res(10, 20), []),
    case(E, "too many resources fails", [res(1, 1)], res(10, 20), ["Insufficient cpu", "Insufficient memory"]),
    case(E, "too many resources fails due to init container cpu", [res(1, 1)], res(8, 19), ["Insufficient cpu"],
         inits=[res(3, 1)]),
    case(E, "too many resources fails due to highest init container cpu", [res(1, 1)], res(8, 19),
         ["Insufficient cpu"], inits=[res(3, 1), res(2, 1)]),
    case(E, "too many resources fails due to init container memory", [res(1, 1)], res(9, 19), ["Insufficient memory"],
         inits=[res(1, 3)]),
    case(E, "too many resources fails due to highest init container memory", [res(1, 1)], res(9, 19),
         ["Insufficient memory"], inits=[res(1, 3), res(1, 2)]),
    case(E, "init container fits because it's the max, not sum, of containers and init containers", [res(1, 1)],
         res(9, 19), [], inits=[res(1, 1)]),
    case(E, "multiple init containers fit because it's the max, not sum, of containers and init containers",
         [res(1, 1)], res(9, 19), [], inits=[res(1, 1), res(1, 1)]),
    case(E, "both resources fit", [res(1, 1)], res(5, 5), []),
    case(E, "one resource memory fits", [res(2, 1)], res(9, 5), ["Insufficient cpu"]),
    case(E, "one resource cpu fits", [res(1, 2)], res(5, 19), ["Insufficient memory"]),
    case(E, "equal edge case", [res(5, 1)], res(5, 19), []),
    case(E, "equal edge case for init container", [res(4, 1)], res(5, 19), [], inits=[res(5, 1)]),
    case(E, "extended resource fits", [{**res(), A: "1"}], res(), []),
    case(E, "extended resource fits for init container", [res()], res(), [], inits=[{**res(), A: "1"}]),
    case(E, "extended resource capacity enforced", [{**res(1, 1), A: "10"}], {**res(), A: "0"},
         [f"Insufficient {A}"]),
    case(E, "extended resource capacity enforced for init container", [res()], {**res(), A: "0"},
         [f"Insufficient {A}"], inits=[{**res(1, 1), A: "10"}]),
    case(E, "extended resource allocatable enforced", [{**res(1, 1), A: "1"}], {**res(), A: "5"},
         [f"Insufficient {A}"]),
    case(E, "extended resource allocatable enforced for init container", [res()], {**res(), A: "5"},
         [f"Insufficient {A}"], inits=[{**res(1, 1), A: "1"}]),
    case(E, "extended resource allocatable enforced for multiple containers", [{**res(1, 1), A: "3"}] * 2,
         {**res(), A: "2"}, [f"Insufficient {A}"]),
    case(E, "extended resource allocatable admits multiple init containers", [res()], {**res(), A: "2"}, [],
         inits=[{**res(1, 1), A: "3"}] * 2),
    case(E, "extended resource allocatable enforced for multiple init containers", [res()], {**res(), A: "2"},
         [f"Insufficient {A}"], inits=[{**res(1, 1), A: "6"}, {**res(1, 1), A: "3"}]),
    case(E, "extended resource allocatable enforced for unknown resource", [{**res(1, 1), B: "1"}], res(),
         [f"Insufficient {B}"]),
    case(E, "extended resource allocatable enforced for unknown resource for init container", [res()], res(),
         [f"Insufficient {B}"], inits=[{**res(1, 1), B: "1"}]),
    case(E, "kubernetes.io resource capacity enforced", [{**res(1, 1), KA: "10"}], res(), [f"Insufficient {KA}"]),
    case(E, "kubernetes.io resource capacity enforced for init container", [res()], res(), [f"Insufficient {KB}"],
         inits=[{**res(1, 1), KB: "10"}]),
    case(E, "hugepages resource capacity enforced", [{**res(1, 1), HP: "10"}], {**res(), HP: "0"},
         [f"Insufficient {HP}"]),
    case(E, "hugepages resource capacity enforced for init container", [res()], {**res(), HP: "0"},
         [f"Insufficient {HP}"], inits=[{**res(1, 1), HP: "10"}]),
    case(E, "hugepages resource allocatable enforced for multiple containers", [{**res(1, 1), HP: "3"}] * 2,
         {**res(), HP: "2"}, [f"Insufficient {HP}"]),
    case(E, "resources + pod overhead fits", [res(1, 1)], res(5, 5), [], overhead={"cpu": "3m", "memory": "13"}),
    case(E, "requests + overhead does not fit for memory", [res(1, 1)], res(5, 5), ["Insufficient memory"],
         overhead={"cpu": "1m", "memory": "15"}),
]
ONE_POD = {"cpu": "10m", "memory": "20", "pods": "1"}
N = "TestNotEnoughRequests"
CASES += [
    case(N, "even without specified resources predicate fails when there's no space for additional pod", [],
         res(10, 20), ["Too many pods"], alloc=ONE_POD),
    case(N, "even if both resources fit predicate fails when there's no space for additional pod", [res(1, 1)],
         res(5, 5), ["Too many pods"], alloc=ONE_POD),
    case(N, "even for equal edge case predicate fails when there's no space for additional pod", [res(5, 1)],
         res(5, 19), ["Too many pods"], alloc=ONE_POD),
    case(N, "even for equal edge case predicate fails when there's no space for additional pod due to init container",
         [res(5, 1)], res(5, 19), ["Too many pods"], inits=[res(5, 1)], alloc=ONE_POD),
]
S = "TestStorageRequests"
CASES += [
    case(S, "due to container scratch disk", [res(1, 1)], res(10, 10), ["Insufficient cpu"]),
    case(S, "pod fit", [res(1, 1)], res(2, 10), []),
    case(S, "storage ephemeral local storage request exceeds allocatable", [{"ephemeral-storage": "25"}], res(2, 2),
         ["Insufficient ephemeral-storage"]),
    case(S, "pod fits", [{"ephemeral-storage": "10"}], res(2, 2), []),
]

NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": f"{E}/skip checking ignored extended resource",
     "reason": "NodeResourcesFitArgs ignoredResources / ignoredResourceGroups are not modelled"},
    {"upstream_file": F, "upstream_test": "TestPreFilterDisabled",
     "reason": "checks the error when PreFilter did not run; the simulator's Filter needs no PreFilter state"},
]


def run(case):
    got = run_filter(case)["n"]
    assert got[1] == case["want"], got
