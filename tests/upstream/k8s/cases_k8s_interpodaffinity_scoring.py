"""pkg/scheduler/framework/plugins/interpodaffinity/scoring_test.go, TestPreferredAffinity, as data.

All entries of TestPreferredAffinity and TestPreferredAffinityWithHardPodAffinitySymmetricWeight (kubernetes
copy 030880a5dc in the search index), expressible ones as CASES, the rest listed with reasons. Pods there carry no
namespace, here they use "default" unless a test names one.
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
    ex = []
    for i, (n, labels, *aff) in enumerate(existing):
        ex.append(pod(f"e{i}", labels, node=n, **({"affinity": aff[0]} if aff else {})))
    return {"upstream_file": F, "upstream_test": f"{T}/{name}", "id": name, "plugin": "InterPodAffinity",
            "pod": incoming, "nodes": [node(n, labels) for n, labels in nodes], "existing": ex, "want": want}


def sel(*exprs):
    return {"matchExpressions": list(exprs)}


def ex(key, op, *values):
    e = {"key": key, "operator": op}
    if values:
        e["values"] = list(values)
    return e


def pref(weight, key, *exprs):
    return {"weight": weight, "podAffinityTerm": {"labelSelector": sel(*exprs), "topologyKey": key}}


STAY_S1, STAY_S2 = stay_with("S1", 5), stay_with("S2", 6)
AFFINITY3 = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    pref(8, "region", ex("security", "NotIn", "S1"), ex("security", "In", "S2")),
    pref(2, "region", ex("security", "Exists"), ex("wrongkey", "DoesNotExist"))]}}
HARD = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": sel(ex("security", "In", "S1", "value2")), "topologyKey": "region"},
    {"labelSelector": sel(ex("security", "Exists"), ex("wrongkey", "DoesNotExist")), "topologyKey": "region"}]}}
AWAY_S1 = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    pref(5, "az", ex("security", "In", "S1"))]}}
AWAY_S2 = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    pref(5, "az", ex("security", "In", "S2"))]}}
STAY_S1_AWAY_S2 = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                       pref(8, "region", ex("security", "In", "S1"))]},
                   **AWAY_S2}
AZ2, CHINA_AZ1 = {"az": "az2"}, {"region": "China", "az": "az1"}


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
    case("Affinity: different Label operators and values for pod affinity scheduling preference, including some match "
         "failures ", pod("p", S1, affinity=AFFINITY3), [("node1", CHINA), ("node2", INDIA), ("node3", AZ1)],
         [("node1", S1), ("node2", S2), ("node3", S1)], {"node1": 20, "node2": 100, "node3": 0}),
    case("Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity "
         "symmetry", pod("p", S2), [("node1", CHINA), ("node2", INDIA), ("node3", AZ1)],
         [("node1", S1, STAY_S1), ("node2", S2, STAY_S2)], {"node1": 0, "node2": 100, "node3": 0}),
    case("Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
         pod("p", S1), [("node1", CHINA), ("node2", INDIA), ("node3", AZ1)],
         [("node1", S1, HARD), ("node2", S2, HARD)], {"node1": 100, "node2": 100, "node3": 0}),
    case("Anti Affinity: pod that does not match existing pods in node will get high score ",
         pod("p", S1, affinity=AWAY_S1), [("node1", AZ1), ("node2", CHINA)], [("node1", S1), ("node2", S2)],
         {"node1": 0, "node2": 100}),
    case("Anti Affinity: pod that does not match topology key & match the pods in nodes will get higher score "
         "comparing to others ", pod("p", S1, affinity=AWAY_S1), [("node1", AZ1), ("node2", CHINA)],
         [("node1", S1), ("node2", S1)], {"node1": 0, "node2": 100}),
    case("Anti Affinity: one node has more matching pods comparing to other node, so the node which has more "
         "unmatches will get high score", pod("p", S1, affinity=AWAY_S1), [("node1", AZ1), ("node2", INDIA)],
         [("node1", S1), ("node1", S1), ("node2", S2)], {"node1": 0, "node2": 100}),
    case("Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score",
         pod("p", S2), [("node1", AZ1), ("node2", AZ2)], [("node1", S1, AWAY_S2), ("node2", S2, AWAY_S1)],
         {"node1": 0, "node2": 100}),
    case("Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod "
         "affinity & anti affinity", pod("p", S1, affinity=STAY_S1_AWAY_S2), [("node1", CHINA), ("node2", AZ1)],
         [("node1", S1), ("node2", S1)], {"node1": 100, "node2": 0}),
    case("Affinity and Anti Affinity: considering both affinity and anti-affinity, the pod to schedule and existing "
         "pods have the same labels", pod("p", S1, affinity=STAY_S1_AWAY_S2),
         [("node1", CHINA_AZ1), ("node2", INDIA), ("node3", CHINA), ("node4", CHINA), ("node5", INDIA)],
         [("node1", S1), ("node1", S1), ("node2", S1), ("node3", S1), ("node3", S1), ("node4", S1), ("node5", S1)],
         {"node1": 100, "node2": 0, "node3": 100, "node4": 100, "node5": 0}),
    case("Affinity and Anti Affinity and symmetry: considered only preferredDuringSchedulingIgnoredDuringExecution in "
         "both pod affinity & anti affinity & symmetry", pod("p", S1, affinity=STAY_S1_AWAY_S2),
         [("node1", CHINA), ("node2", AZ1), ("node3", INDIA), ("node4", AZ2)],
         [("node1", S1), ("node2", S2), ("node3", {}, STAY_S1_AWAY_S2), ("node4", {}, AWAY_S1)],
         {"node1": 100, "node2": 0, "node3": 100, "node4": 0}),
    case("Avoid panic when partial nodes in a topology don't have pods with affinity", pod("p", S1),
         [("node1", CHINA), ("node2", CHINA)], [("node1", S1), ("node2", {}, STAY_S1_AWAY_S2)],
         {"node1": 0, "node2": 0}),
    dict(case("Ignore preferred terms of existing pods", pod("p", S2), [("node1", CHINA), ("node2", INDIA)],
              [("node1", S1, STAY_S1_AWAY_S2), ("node2", S2, STAY_S2)], None),
         args={"hardPodAffinityWeight": 1, "ignorePreferredTermsOfExistingPods": True}),
    case("Do not ignore preferred terms of existing pods", pod("p", S2), [("node1", CHINA), ("node2", INDIA)],
         [("node1", S1, STAY_S1_AWAY_S2), ("node2", S2, STAY_S2)], {"node1": 0, "node2": 100}),
    case("No nodes to score", pod("p", S2), [], [], None),
]
T2 = "TestPreferredAffinityWithHardPodAffinitySymmetricWeight"
SERVICE_S1 = {"service": "S1"}
HARD_NS = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": sel(ex("service", "In", "S1")), "namespaces": ["", "subteam2.team2"],
     "namespaceSelector": sel(ex("team", "In", "team1")), "topologyKey": "region"}]}}
for _name, _ns in (("with matching Namespaces", "subteam2.team2"),):
    _c = case(_name, pod("p", SERVICE_S1, namespace=_ns), [("node1", CHINA), ("node2", INDIA), ("node3", AZ1)],
              [("node1", {}, HARD_NS), ("node2", {}, HARD_NS)], {"node1": 100, "node2": 100, "node3": 0})
    _c.update(upstream_test=f"{T2}/{_name}", id=f"{T2}: {_name}", args={"hardPodAffinityWeight": 1})
    CASES.append(_c)
_SKIP_ZERO = ("upstream PreScore returns Skip when no topology scores were collected; the simulator's PreScore does "
              "not look ahead and scores every node 0 instead (the same placement: a skipped plugin adds nothing)")
_NS_SEL = ("a non-empty namespaceSelector is not evaluated by the simulator (it has no Namespace objects with labels; "
           "only {} = all namespaces is supported)")
_BAD = ("PreScore fails with Go's label-parsing error (Error status) for an invalid label value in a preferred term; "
        "the simulator has no such error path")
NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": f"{T}/Affinity symmetry with namespace selector", "reason": _NS_SEL},
    {"upstream_file": F, "upstream_test": f"{T}/AntiAffinity symmetry with namespace selector", "reason": _NS_SEL},
    {"upstream_file": F, "upstream_test": f"{T}/invalid Affinity fails PreScore", "reason": _BAD},
    {"upstream_file": F, "upstream_test": f"{T}/invalid AntiAffinity fails PreScore", "reason": _BAD},
    {"upstream_file": F, "upstream_test": f"{T}/Affinity with pods matching NamespaceSelector",
     "reason": _NS_SEL + "; two entries carry this name"},
    {"upstream_file": F, "upstream_test": f"{T}/Affinity with pods matching both NamespaceSelector and Namespaces fields",
     "reason": _NS_SEL + "; two entries carry this name"},
    {"upstream_file": F, "upstream_test": f"{T2}/with default weight",
     "reason": 'the incoming Pod has the empty namespace "" (Go zero value) and the term lists "" in namespaces; the '
               'simulator defaults a Pod\'s namespace to "default", as the API server does, so "" names no Pod'},
    {"upstream_file": F, "upstream_test": f"{T2}/with zero weight", "reason": _SKIP_ZERO},
    {"upstream_file": F, "upstream_test": f"{T2}/with no matching namespace", "reason": _SKIP_ZERO},
    {"upstream_file": F, "upstream_test": f"{T2}/with matching NamespaceSelector", "reason": _NS_SEL},
]


def run(case):
    assert run_scores(case) == case["want"]
