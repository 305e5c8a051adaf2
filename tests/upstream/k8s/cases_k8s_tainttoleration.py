"""pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go as data (Score and Filter).

Cases that need the alpha TaintTolerationComparisonOperators gate (Gt/Lt tolerations) are listed as not
expressible: 1.37 runs with the gate off. Not transcribed yet: the remaining TestTaintTolerationFilter
entries after the first Gt/Lt ones and TestIsSchedulableAfterNodeChange (QueueingHints, not modelled).
"""
from upstream_k8s import node, pod, run_filter, run_scores

F = "pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go"
PNS, NS = "PreferNoSchedule", "NoSchedule"
REASON = ("UnschedulableAndUnresolvable", ("node(s) had untolerated taint(s)",))
OK = ("Success", ())


def t(key, value, effect):
    return {"key": key, "value": value, "effect": effect}


def tol(key, value=None, effect=None, op="Equal"):
    out = {"key": key, "operator": op}
    if value is not None:
        out["value"] = value
    if effect is not None:
        out["effect"] = effect
    return out


def score(name, tolerations, nodes, want):
    return {"upstream_file": F, "upstream_test": f"TestTaintTolerationScore/{name}", "id": f"Score: {name}",
            "fn": "score", "plugin": "TaintToleration", "pod": pod("pod1", tolerations=tolerations),
            "nodes": [node(n, taints=ts) for n, ts in nodes], "want": dict(zip([n for n, _ in nodes], want, strict=True))}


def filt(name, tolerations, taints, want):
    return {"upstream_file": F, "upstream_test": f"TestTaintTolerationFilter/{name}", "id": f"Filter: {name}",
            "fn": "filter", "plugin": "TaintToleration", "pod": pod("pod1", tolerations=tolerations),
            "nodes": [node("nodeA", taints=taints)], "want": want}


CPU, DISK = t("cpu-type", "arm64", PNS), t("disk-type", "ssd", PNS)
CASES = [
    score("node with taints tolerated by the pod, gets a higher score than those node with intolerable taints",
          [tol("foo", "bar", PNS)], [("nodeA", [t("foo", "bar", PNS)]), ("nodeB", [t("foo", "blah", PNS)])], [100, 0]),
    score("the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many "
          "tolerable taints a node has", [tol("cpu-type", "arm64", PNS), tol("disk-type", "ssd", PNS)],
          [("nodeA", []), ("nodeB", [CPU]), ("nodeC", [CPU, DISK])], [100, 100, 100]),
    score("the more intolerable taints a node has, the lower score it gets.", [tol("foo", "bar", PNS)],
          [("nodeA", []), ("nodeB", [CPU]), ("nodeC", [CPU, DISK])], [100, 50, 0]),
    score("only taints and tolerations that have effect PreferNoSchedule are checked by taints-tolerations priority "
          "function", [tol("cpu-type", "arm64", NS), tol("disk-type", "ssd", NS)],
          [("nodeA", []), ("nodeB", [t("cpu-type", "arm64", NS)]), ("nodeC", [CPU, DISK])], [100, 100, 0]),
    score("Default behaviour No taints and tolerations, lands on node with no taints", [],
          [("nodeA", []), ("nodeB", [CPU])], [100, 0]),
    filt("A pod having no tolerations can't be scheduled onto a node with nonempty taints", [],
         [t("dedicated", "user1", NS)], REASON),
    filt("A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
         [tol("dedicated", "user1", NS)], [t("dedicated", "user1", NS)], OK),
    filt("A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
         [tol("dedicated", "user2", NS)], [t("dedicated", "user1", NS)], REASON),
    filt("A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on "
         "the node", [tol("foo", None, NS, "Exists")], [t("foo", "bar", NS)], OK),
    filt("A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled "
         "onto the node", [tol("dedicated", "user2", NS), tol("foo", None, NS, "Exists")],
         [t("dedicated", "user2", NS), t("foo", "bar", NS)], OK),
    filt("A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't "
         "match, can't be scheduled onto the node", [tol("foo", "bar", PNS)], [t("foo", "bar", NS)], REASON),
    filt("The pod has a toleration that keys and values match the taint on the node, the effect of toleration is "
         "empty, and the effect of taint is NoSchedule. Pod can be scheduled onto the node", [tol("foo", "bar")],
         [t("foo", "bar", NS)], OK),
    filt("The pod has a toleration that key and value don't match the taint on the node, but the effect of taint on "
         "node is PreferNoSchedule. Pod can be scheduled onto the node", [tol("dedicated", "user2", NS)],
         [t("dedicated", "user1", PNS)], OK),
    filt("The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto "
         "the node", [], [t("dedicated", "user1", PNS)], OK),
]

_ALPHA = ("needs the alpha TaintTolerationComparisonOperators feature gate (Gt/Lt tolerations); Kubernetes 1.37 "
          "runs with it off, and the simulator models the default gates")
NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": f"TestTaintTolerationScore/{n}", "reason": _ALPHA} for n in (
        "Numeric Gt operator: pod with Gt toleration prefers nodes with matching SLA taint",
        "Numeric Lt operator: pod with Lt toleration prefers nodes with matching SLA taint",
        "Score ignores parse errors from numeric PreferNoSchedule taint value")
] + [
    {"upstream_file": F, "upstream_test": f"TestTaintTolerationFilter/{n}", "reason": _ALPHA} for n in (
        "Pod with Gt toleration cannot be scheduled on node when taint value is lower than threshold",
        "Pod with Gt toleration can be scheduled on node when taint value is higher than threshold",
        "Pod with Lt toleration cannot be scheduled on node when taint value is higher than threshold")
]


def run(case):
    if case["fn"] == "score":
        assert run_scores(case) == case["want"]
    else:
        assert run_filter(case)["nodeA"] == case["want"]
