"""pkg/scheduler/framework/plugins/interpodaffinity/scoring_test.go, TestPreferredAffinity, as data (first entries).

Not transcribed yet: the remaining TestPreferredAffinity entries (anti-affinity, symmetry, namespaceSelector,
invalid labels), TestPreferredAffinityWithHardPodAffinitySymmetricWeight.
"""
from upstream_k8s import node, pod, run_scores

F = "pkg/scheduler/framework/plugins/interpodaffinity/scoring_test.go"
T = "TestPreferredAffinity"
CHINA, INDIA, AZ1 = {"region": "China"}, {"region": "India"}, {"az": "az1"}
S1, S2 = {"security": "S1"}, {"security": "S2"}


def stay_with(value, weight):
    return {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": weight, "podAffinityTerm": {
        "labelSelector": {"matchExpressions": [{"key": "security", "operator": "In", "values": [value]}]},
        "topologyKey": "region"}}]}}


def case(name, incoming, nodes, existing, want):
    return {"upstream_file": F, "upstream_test": f"{T}/{name}", "id": name, "plugin": "InterPodAffinity",
            "pod": incoming, "nodes": [node(n, labels) for n, labels in nodes],
            "existing": [pod(f"e{i}", labels, node=n) for i, (n, labels) in enumerate(existing)], "want": want}


CASES = [
    case("all nodes are same priority as Affinity is nil", pod("p", S1),
         [("node1", CHINA), ("node2", INDIA), ("node3", AZ1)], [], None),
    case("Affinity: pod that matches topology key & pods in nodes will get high score comparing to otherswhich "
         "doesn't match either pods in nodes or in topology key", pod("p", S1, affinity=stay_with("S1", 5)),
         [("node1", CHINA), ("node2", INDIA), ("node3", AZ1)], [("node1", S1), ("node2", S2), ("node3", S1)],
         {"node1": 100, "node2": 0, "node3": 0}),
    case("All the nodes that have the same topology key & label value with one of them has an existing pod that "
         "match the affinity rules, have the same score", pod("p", affinity=stay_with("S1", 5)),
         [("node1", CHINA), ("node2", {**CHINA, **AZ1}), ("node3", INDIA)], [("node1", S1)],
         {"node1": 100, "node2": 100, "node3": 0}),
    case("Affinity: nodes in one region has more matching pods comparing to other region, so the region which has "
         "more matches will get high score", pod("p", S1, affinity=stay_with("S2", 6)),
         [("node1", CHINA), ("node2", INDIA), ("node3", CHINA), ("node4", CHINA), ("node5", INDIA)],
         [("node1", S2), ("node1", S2), ("node2", S2), ("node3", S2), ("node4", S2), ("node5", S2)],
         {"node1": 100, "node2": 0, "node3": 100, "node4": 100, "node5": 0}),
]
NOT_EXPRESSIBLE = []


def run(case):
    assert run_scores(case) == case["want"]
