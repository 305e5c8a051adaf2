"""pkg/scheduler/framework/plugins/podtopologyspread/scoring_test.go, TestPodTopologySpreadScore, as data.

The candidate ``nodes`` are scored; ``failed_nodes`` exist in the snapshot but were filtered out.
``taints`` in the Go test is ``node.kubernetes.io/unschedulable:NoSchedule``. Run through
:func:`upstream_k8s.run_scores` with the PodTopologySpread plugin (system defaulting).
"""
from upstream_k8s import exists_selector, node, pod, run_scores, spread

F = "pkg/scheduler/framework/plugins/podtopologyspread/scoring_test.go"
T = "TestPodTopologySpreadScore"
H = "kubernetes.io/hostname"
FOO, BAR = exists_selector("foo"), exists_selector("bar")
TAINTS = [{"key": "node.kubernetes.io/unschedulable", "value": "", "effect": "NoSchedule"}]
FOO_L, BAR_L, FOOBAR_L = {"foo": ""}, {"bar": ""}, {"foo": "", "bar": ""}


def hn(name, **labels):
    return node(name, {H: name, **labels})


def pods(spec):
    """``"a:2 b:1"`` -> Pods p-a1, p-a2, p-b1 on node-a/node-b labelled foo."""
    out = []
    for part in spec.split():
        n, k = part.split(":")
        out += [pod(f"p-{n}{i + 1}", FOO_L, node=f"node-{n}") for i in range(int(k))]
    return out


def case(name, p, nodes, existing, want, failed=(), default_selector=None):
    return {"upstream_file": F, "upstream_test": f"{T}/{name}", "id": name, "plugin": "PodTopologySpread",
            "pod": p, "nodes": list(nodes), "failed_nodes": list(failed), "existing": list(existing), "want": want,
            "default_selector": default_selector}


def on(key, max_skew=1, sel=FOO, **kw):
    return pod("p", FOO_L, topologySpreadConstraints=[spread(max_skew, key, "ScheduleAnyway", sel, **kw)])


ABCD = [hn("node-a"), hn("node-b"), hn("node-c"), hn("node-d")]
NODE3 = [node("node-a", {"node": "node-a", "foo": ""}), node("node-b", {"node": "node-b", "foo": ""}),
         node("node-c", {"node": "node-c"})]
TAINTED3 = [node("node-a", {"node": "node-a"}), node("node-b", {"node": "node-b"}),
            node("node-c", {"node": "node-c"}, taints=TAINTS)]
ZONES = [hn("node-a", zone="zone1"), hn("node-b", zone="zone1"), hn("node-x", zone="zone2"), hn("node-y", zone="zone2")]
TWO = [spread(1, "zone", "ScheduleAnyway", FOO), spread(1, H, "ScheduleAnyway", BAR)]
MIXED = [pod("p-a1", FOO_L, node="node-a"), pod("p-b1", FOOBAR_L, node="node-b"), pod("p-y1", FOO_L, node="node-y"),
         pod("p-y2", BAR_L, node="node-y")]

CASES = [
    case("one constraint on node, no existing pods", on(H), [hn("node-a"), hn("node-b")], [],
         {"node-a": 100, "node-b": 100}),
    case("one constraint on node, only one node is candidate", on(H), [hn("node-a")], pods("a:2 b:1"),
         {"node-a": 100}, failed=[hn("node-b")]),
    case("one constraint on node, all nodes have the same number of matching pods", on(H),
         [hn("node-a"), hn("node-b")], pods("a:1 b:1"), {"node-a": 100, "node-b": 100}),
    case("one constraint on node, all 4 nodes are candidates", on(H), ABCD, pods("a:2 b:1 d:3"),
         {"node-a": 20, "node-b": 60, "node-c": 100, "node-d": 0}),
    case("one constraint on node, null selector", on(H, sel=None), ABCD, pods("a:2 b:1 d:3"),
         {"node-a": 100, "node-b": 100, "node-c": 100, "node-d": 100}),
    case("one constraint on node, all 4 nodes are candidates, maxSkew=2", on(H, 2), ABCD, pods("a:2 b:1 d:3"),
         {"node-a": 33, "node-b": 66, "node-c": 100, "node-d": 16}),
    case("one constraint on node, all 4 nodes are candidates, maxSkew=3", on(H, 3), ABCD, pods("a:4 b:3 c:2 d:1"),
         {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100}),
    case("system defaulting, nodes don't have zone, pods match service", pod("p", FOO_L), ABCD,
         pods("a:4 b:3 c:2 d:1"), {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100},
         default_selector={"matchLabels": {"foo": ""}}),
    case("one constraint on node, 3 out of 4 nodes are candidates", on(H), [hn("node-a"), hn("node-b"), hn("node-x")],
         pods("a:4 b:2 x:1 y:3"), {"node-a": 33, "node-b": 83, "node-x": 100}, failed=[hn("node-y")]),
    case("one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key", on(H),
         [hn("node-a"), node("node-b", {"n": "node-b"}), hn("node-x")], pods("a:4 b:2 x:1 y:3"),
         {"node-a": 16, "node-b": 0, "node-x": 100}, failed=[hn("node-y")]),
    case("one constraint on zone, 3 out of 4 nodes are candidates", on("zone"), ZONES[:3], pods("a:4 b:2 x:1 y:3"),
         {"node-a": 75, "node-b": 75, "node-x": 100}, failed=ZONES[3:]),
    case("two Constraints on zone and node, 2 out of 4 nodes are candidates",
         pod("p", FOO_L, topologySpreadConstraints=[spread(1, "zone", "ScheduleAnyway", FOO),
                                                    spread(1, H, "ScheduleAnyway", FOO)]),
         [ZONES[0], ZONES[2]], pods("a:2 b:1 x:2 y:4"), {"node-a": 100, "node-x": 63}, failed=[ZONES[1], ZONES[3]]),
    case("two Constraints on zone and node, with different labelSelectors",
         pod("p", FOOBAR_L, topologySpreadConstraints=TWO), ZONES, MIXED,
         {"node-a": 60, "node-b": 20, "node-x": 100, "node-y": 60}),
    case("two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods",
         pod("p", FOOBAR_L, topologySpreadConstraints=TWO), ZONES,
         [pod("p-b1", BAR_L, node="node-b"), pod("p-x1", FOO_L, node="node-x"), pod("p-y1", FOOBAR_L, node="node-y")],
         {"node-a": 100, "node-b": 60, "node-x": 40, "node-y": 0}),
    case("two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates",
         pod("p", FOOBAR_L, topologySpreadConstraints=TWO), ZONES[:3], MIXED,
         {"node-a": 50, "node-b": 25, "node-x": 100}, failed=ZONES[3:]),
    case("existing pods in a different namespace do not count", on(H), [hn("node-a"), hn("node-b")],
         [pod("p-a1", FOO_L, node="node-a", namespace="ns1"), *pods("a:1 b:2")[:0], pod("p-a2", FOO_L, node="node-a"),
          pod("p-b1", FOO_L, node="node-b"), pod("p-b2", FOO_L, node="node-b")],
         {"node-a": 100, "node-b": 33}),
    case("terminating Pods should be excluded", on(H), [hn("node-a"), hn("node-b")],
         [pod("p-a", FOO_L, node="node-a", terminating=True), pod("p-b", FOO_L, node="node-b")],
         {"node-a": 100, "node-b": 0}),
    case("minDomains has no effect when ScheduleAnyway", on("node", 2, min_domains=10),
         [node("node-a", {"node": "node-a"}), node("node-b", {"node": "node-b"}), node("node-c", {"node": "node-c"})],
         pods("a:2 b:2 c:1"), {"node-a": 75, "node-b": 75, "node-c": 100}),
    case("NodeAffinityPolicy honoed with labelSelectors",
         pod("p", FOO_L, nodeSelector={"foo": ""}, topologySpreadConstraints=[spread(1, "node", "ScheduleAnyway", FOO)]),
         NODE3, pods("a:2 b:1 c:1"), {"node-a": 0, "node-b": 33, "node-c": 100}),
    case("NodeAffinityPolicy ignored with labelSelectors",
         pod("p", FOO_L, nodeSelector={"foo": ""},
             topologySpreadConstraints=[spread(1, "node", "ScheduleAnyway", FOO, affinity_policy="Ignore")]),
         NODE3, pods("a:2 b:1 c:1"), {"node-a": 66, "node-b": 100, "node-c": 100}),
    case("NodeAffinityPolicy honoed with nodeAffinity",
         pod("p", FOO_L, affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
             "nodeSelectorTerms": [{"matchExpressions": [{"key": "foo", "operator": "In", "values": [""]}]}]}}},
             topologySpreadConstraints=[spread(1, "node", "ScheduleAnyway", FOO)]),
         NODE3, pods("a:2 b:1 c:1"), {"node-a": 0, "node-b": 33, "node-c": 100}),
    case("NodeAffinityPolicy ignored with nodeAffinity",
         pod("p", FOO_L, affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
             "nodeSelectorTerms": [{"matchExpressions": [{"key": "foo", "operator": "In", "values": [""]}]}]}}},
             topologySpreadConstraints=[spread(1, "node", "ScheduleAnyway", FOO, affinity_policy="Ignore")]),
         NODE3, pods("a:2 b:1 c:1"), {"node-a": 66, "node-b": 100, "node-c": 100}),
    # issue 11 item 1: PreScore counts Pods only on nodes passing nodeTaintsPolicy: Honor
    case("NodeTaintsPolicy honored", on("node", taints_policy="Honor"), TAINTED3, pods("a:2 b:1 c:1"),
         {"node-a": 0, "node-b": 33, "node-c": 100}),
    case("NodeTaintsPolicy ignored", on("node"), TAINTED3, pods("a:2 b:1 c:1"),
         {"node-a": 66, "node-b": 100, "node-c": 100}),
    case("matchLabelKeys ANDed with LabelSelector when LabelSelector is empty",
         pod("p", FOOBAR_L, topologySpreadConstraints=[
             spread(1, "zone", "ScheduleAnyway", {}, match_label_keys=["foo"]),
             spread(1, H, "ScheduleAnyway", {}, match_label_keys=["bar"])]),
         [hn("node-a", zone="zone1"), hn("node-b", zone="zone1"), hn("node-c", zone="zone2"), hn("node-d", zone="zone2")],
         [pod("p-a1", FOO_L, node="node-a"), pod("p-b1", FOOBAR_L, node="node-b"), pod("p-y1", FOO_L, node="node-c"),
          pod("p-y2", BAR_L, node="node-c")],
         {"node-a": 60, "node-b": 20, "node-c": 60, "node-d": 100}),
    case("matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty",
         pod("p", {"foo": "", "bar": "", "baz": ""}, topologySpreadConstraints=[
             spread(1, "zone", "ScheduleAnyway", FOO), spread(1, H, "ScheduleAnyway", BAR, match_label_keys=["baz"])]),
         [hn("node-a", zone="zone1"), hn("node-b", zone="zone1"), hn("node-c", zone="zone2"), hn("node-d", zone="zone2")],
         [pod("p-a1", FOO_L, node="node-a"), pod("p-b1", {"foo": "", "bar": "", "baz": ""}, node="node-b"),
          pod("p-c1", FOO_L, node="node-c"), pod("p-c2", BAR_L, node="node-c"),
          pod("p-d3", {"bar": "", "baz": ""}, node="node-c")],
         {"node-a": 60, "node-b": 20, "node-c": 60, "node-d": 100}),
]

NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": f"{T}/matchLabelKeys ignored when feature gate disabled",
     "reason": "needs a feature gate switched off; the simulator models 1.37 with its default gates only"},
    {"upstream_file": F, "upstream_test": "TestPreScoreStateEmptyNodes (all entries)",
     "reason": "compares the plugin's internal preScoreState struct (TopologyPairToPodCounts, IgnoredNodes); the "
               "simulator keeps a different internal form, its effect is covered by the TestPodTopologySpreadScore cases"},
]


def run(case):
    got = run_scores(case)
    assert got == case["want"], got
