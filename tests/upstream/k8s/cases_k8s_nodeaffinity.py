"""pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go, TestNodeAffinity (Filter), as data.

One node (``labels``, name ``node_name``), one Pod spec; the expected Filter status. Upstream also
checks PreFilterResult (the node names a matchFields term narrows the cycle to); the simulator has no
PreFilterResult, only the Filter verdict is compared. Not transcribed yet: the args-based cases
(AddedAffinity) further down TestNodeAffinity, TestNodeAffinityPriority (scoring).
"""
from upstream_k8s import node, pod, run_filter

F = "pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go"
T = "TestNodeAffinity"
REASON = "node(s) didn't match Pod's node affinity/selector"
FAIL = ("UnschedulableAndUnresolvable", (REASON,))
OK = ("Success", ())


def req(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def expr(key, op, *values):
    e = {"key": key, "operator": op}
    if values:
        e["values"] = list(values)
    return e


def field_in(name):
    return {"key": "metadata.name", "operator": "In", "values": [name]}


def case(name, spec, labels, want, node_name="node1"):
    return {"upstream_file": F, "upstream_test": f"{T}/{name}", "id": name, "plugin": "NodeAffinity",
            "pod": pod("p", **spec), "nodes": [node(node_name, labels)], "want": want}


CASES = [
    case("missing labels", {"nodeSelector": {"foo": "bar"}}, {}, FAIL),
    case("same labels", {"nodeSelector": {"foo": "bar"}}, {"foo": "bar"}, OK),
    case("node labels are superset", {"nodeSelector": {"foo": "bar"}}, {"foo": "bar", "baz": "blah"}, OK),
    case("node labels are subset", {"nodeSelector": {"foo": "bar", "baz": "blah"}}, {"foo": "bar"}, FAIL),
    case("Pod with matchExpressions using In operator that matches the existing node",
         {"affinity": req({"matchExpressions": [expr("foo", "In", "bar", "value2")]})}, {"foo": "bar"}, OK),
    case("Pod with matchExpressions using Gt operator that matches the existing node",
         {"affinity": req({"matchExpressions": [expr("kernel-version", "Gt", "0204")]})}, {"kernel-version": "0206"}, OK),
    case("Pod with matchExpressions using NotIn operator that matches the existing node",
         {"affinity": req({"matchExpressions": [expr("mem-type", "NotIn", "DDR", "DDR2")]})}, {"mem-type": "DDR3"}, OK),
    case("Pod with matchExpressions using Exists operator that matches the existing node",
         {"affinity": req({"matchExpressions": [expr("GPU", "Exists")]})}, {"GPU": "NVIDIA-GRID-K1"}, OK),
    case("Pod with affinity that don't match node's labels won't schedule onto the node",
         {"affinity": req({"matchExpressions": [expr("foo", "In", "value1", "value2")]})}, {"foo": "bar"}, FAIL),
    case("Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
         {"affinity": req({"matchExpressions": []})}, {"foo": "bar"}, FAIL),
    case("Pod with no Affinity will schedule onto a node", {}, {"foo": "bar"}, OK),
    case("Pod with Affinity but nil NodeSelector will schedule onto a node",
         {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": None}}}, {"foo": "bar"}, OK),
    case("Pod with multiple matchExpressions ANDed that matches the existing node",
         {"affinity": req({"matchExpressions": [expr("GPU", "Exists"), expr("GPU", "NotIn", "AMD", "INTER")]})},
         {"GPU": "NVIDIA-GRID-K1"}, OK),
    case("Pod with multiple matchExpressions ANDed that doesn't match the existing node",
         {"affinity": req({"matchExpressions": [expr("GPU", "Exists"), expr("GPU", "In", "AMD", "INTER")]})},
         {"GPU": "NVIDIA-GRID-K1"}, FAIL),
    case("Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
         {"affinity": req({"matchExpressions": [expr("foo", "In", "bar", "value2")]},
                          {"matchExpressions": [expr("diffkey", "In", "wrong", "value2")]})}, {"foo": "bar"}, OK),
    case("Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied, "
         "will schedule onto the node",
         {"nodeSelector": {"foo": "bar"}, "affinity": req({"matchExpressions": [expr("foo", "Exists")]})},
         {"foo": "bar"}, OK),
    case("Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing that we are "
         "deprecating) is not satisfied, won't schedule onto the node",
         {"nodeSelector": {"foo": "bar"}, "affinity": req({"matchExpressions": [expr("foo", "Exists")]})},
         {"foo": "barrrrrr"}, FAIL),
    # issue 11 item 4: a term whose value is not a valid label value parses to an error and matches nothing
    case("Pod with an invalid value in Affinity term won't be scheduled onto the node",
         {"affinity": req({"matchExpressions": [expr("foo", "NotIn", "invalid value: ___@#$%^")]})}, {"foo": "bar"},
         FAIL),
    case("Pod with matchFields using In operator that matches the existing node",
         {"affinity": req({"matchFields": [field_in("node1")]})}, {}, OK, node_name="node1"),
    case("Pod with matchFields using In operator that does not match the existing node",
         {"affinity": req({"matchFields": [field_in("node1")]})}, {}, FAIL, node_name="node2"),
    case("Pod with two terms: matchFields does not match, but matchExpressions matches",
         {"affinity": req({"matchFields": [field_in("node1"), field_in("node2")]},
                          {"matchExpressions": [expr("foo", "In", "bar")]})}, {"foo": "bar"}, OK, node_name="node2"),
]

NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": f"{T} (wantPreFilterResult)",
     "reason": "PreFilterResult (narrowing a cycle to the nodes a matchFields term names) is not modelled; the "
               "simulator filters every node and reaches the same verdicts"},
]


def run(case):
    got = run_filter(case)
    name = case["nodes"][0]["name"]
    assert got[name] == case["want"], got
