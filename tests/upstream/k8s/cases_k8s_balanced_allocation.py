"""pkg/scheduler/framework/plugins/noderesources/balanced_allocation_test.go (TestNodeResourcesBalancedAllocation).

``makeNode(name, milliCPU, memory, extended)``; existing Pods are the test's ``cpuOnly`` (node1),
``cpuOnly2`` (node2), ``cpuAndMemory`` (node2) and ``cpuAndMemoryAndGPU`` (node1) specs. The simulator
always runs PreScore, so the "if PreScore not called" variant is the same computation.
"""
from upstream_k8s import node, pod, req, run_scores

F = "pkg/scheduler/framework/plugins/noderesources/balanced_allocation_test.go"
T = "TestNodeResourcesBalancedAllocation"
GPU = "nvidia.com/gpu"
CPU_AND_MEMORY = req({"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000"})
CPU_AND_MEMORY_AND_GPU = req({"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000", GPU: "3"})
CPU_ONLY = req({"cpu": "1000m", "memory": "0"}, {"cpu": "2000m", "memory": "0"})
DEFAULT = {"resources": (("cpu", 1), ("memory", 1))}
WITH_GPU = {"resources": (("cpu", 1), ("memory", 1), (GPU, 1))}


def mk(name, milli, mem, gpus=None):
    alloc = {"cpu": f"{milli}m", "memory": str(mem), "pods": "100"}
    if gpus:
        alloc[GPU] = str(gpus)
    return node(name, alloc=alloc)


def case(name, containers, nodes, existing, want, args=DEFAULT):
    pods = [pod(f"e{i}", node=n, containers=c) for i, (c, n) in enumerate(existing)]
    return {"upstream_file": F, "upstream_test": f"{T}/{name}", "id": name, "plugin": "NodeResourcesBalancedAllocation",
            "args": args, "pod": pod("p", containers=containers), "nodes": nodes, "existing": pods, "want": want}


SCHEDULED = [(CPU_ONLY, "node1"), (CPU_AND_MEMORY, "node2")]
CASES = [
    case("nothing scheduled, nothing requested, skip in PreScore", [], [mk("node1", 4000, 10000), mk("node2", 4000, 10000)],
         [], None),
    case("nothing scheduled, resources requested, differently sized nodes", CPU_AND_MEMORY,
         [mk("node1", 4000, 10000), mk("node2", 6000, 10000)], [], {"node1": 87, "node2": 100}),
    case("resources requested, pods scheduled with resources", CPU_AND_MEMORY,
         [mk("node1", 10000, 20000), mk("node2", 10000, 20000)], SCHEDULED, {"node1": 82, "node2": 95}),
    case("resources requested, pods scheduled with resources, differently sized nodes", CPU_AND_MEMORY,
         [mk("node1", 10000, 20000), mk("node2", 10000, 50000)], SCHEDULED, {"node1": 82, "node2": 80}),
    case("requested resources at node capacity", CPU_ONLY, [mk("node1", 6000, 10000), mk("node2", 6000, 10000)],
         SCHEDULED, {"node1": 50, "node2": 75}),
    case("include scalar resource on a node for balanced resource allocation", req({"memory": "0", GPU: "1"}),
         [mk("node1", 3500, 40000, 8), mk("node2", 3500, 40000, 8)],
         [(CPU_AND_MEMORY, "node2"), (CPU_AND_MEMORY_AND_GPU, "node1")], {"node1": 70, "node2": 65}, args=WITH_GPU),
    case("node without the scalar resource should skip the scalar resource", CPU_AND_MEMORY,
         [mk("node1", 3500, 40000, 8), mk("node2", 3500, 40000)], [], {"node1": 63, "node2": 63}, args=WITH_GPU),
    case("resources requested, pods scheduled with resources if PreScore not called", CPU_AND_MEMORY,
         [mk("node1", 10000, 20000), mk("node2", 10000, 20000)], SCHEDULED, {"node1": 82, "node2": 95}),
]

NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": f"{T}/{n}",
     "reason": "DRA (DynamicResources, DRAExtendedResource) is not modelled: no ResourceSlices or DeviceClasses"}
    for n in ("include DRA resource on a node for balanced resource allocation",
              "include DRA resource on a node for balanced resource allocation if PreScore not called")
]


def run(case):
    assert run_scores(case) == case["want"]
