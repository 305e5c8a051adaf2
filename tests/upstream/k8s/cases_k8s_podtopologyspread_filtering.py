"""pkg/scheduler/framework/plugins/podtopologyspread/filtering_test.go, TestSingleConstraint and TestMultipleConstraints, as data.

The PodTopologySpread Filter alone is run on every node (as upstream: NodeAffinity is not run, hence
"in real case, it's false" comments upstream); only the status codes are compared, as upstream does.
Entries from "pods spread across nodes as 2/1/0/3, maxSkew is 2, ..." on were read from the kubernetes copy
in the search index; the six before it from a downstream copy of the same test (same names and data).
TestMultipleConstraints: all thirteen entries. ``taints`` is taken as ``node.kubernetes.io/unschedulable:NoSchedule`` (any untolerated NoSchedule
taint gives the same codes). Not transcribed: the PreFilter-state tests (internal structs).
"""
from upstream_k8s import exists_selector, node, pod, run_filter, spread

F = "pkg/scheduler/framework/plugins/podtopologyspread/filtering_test.go"
T = "TestSingleConstraint"
FOO = exists_selector("foo")
S, U, UU = "Success", "Unschedulable", "UnschedulableAndUnresolvable"


def zn(name, zone, zone_key="zone"):
    return node(name, {zone_key: zone, "node": name})


ABXY = [zn("node-a", "zone1"), zn("node-b", "zone1"), zn("node-x", "zone2"), zn("node-y", "zone2")]


def pods(spec, labels=None):
    out = []
    for part in spec.split():
        n, k = part.split(":")
        out += [pod(f"p-{n}{i + 1}", labels or {"foo": ""}, node=f"node-{n}") for i in range(int(k))]
    return out


def incoming(max_skew, key, selector=FOO, labels=None, min_domains=None, affinity_policy=None, taints_policy=None,
             **spec):
    return pod("p", labels or {"foo": ""}, topologySpreadConstraints=[
        spread(max_skew, key, "DoNotSchedule", selector, min_domains=min_domains, affinity_policy=affinity_policy,
               taints_policy=taints_policy)],
        **spec)


def case(name, p, nodes, existing, want, id_=None):
    return {"upstream_file": F, "upstream_test": f"{T}/{name}", "id": id_ or name, "plugin": "PodTopologySpread",
            "pod": p, "nodes": nodes, "existing": existing, "want": dict(zip([n["name"] for n in nodes], want, strict=True))}


def node_in(*values):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "node", "operator": "In", "values": list(values)}]}]}}}


def node_not_in(*values):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "node", "operator": "NotIn", "values": list(values)}]}]}}}


FOO_AFF = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "foo", "operator": "In", "values": [""]}]}]}}}
N3 = [node("node-a", {"node": "node-a"}), node("node-b", {"node": "node-b"}), node("node-c", {"node": "node-c"})]
FOO4 = [node("node-a", {"node": "node-a", "foo": ""}), node("node-b", {"node": "node-b", "foo": ""}),
        node("node-x", {"node": "node-x", "foo": ""}), node("node-y", {"node": "node-y"})]
TAINTS = [{"key": "node.kubernetes.io/unschedulable", "value": "", "effect": "NoSchedule"}]
FOO4_TAINTED = [*FOO4[:3], node("node-y", {"node": "node-y"}, taints=TAINTS)]
SPREAD_231 = pods("a:2 b:1 y:3")
CASES = [
    case("no existing pods", incoming(1, "zone"), ABXY, [], [S, S, S, S]),
    case("no existing pods, incoming pod doesn't match itself", incoming(1, "zone", exists_selector("bar")), ABXY, [],
         [S, S, S, S]),
    case("existing pods in a different namespace do not count", incoming(1, "zone"), ABXY,
         [pod("p-a1", {"foo": ""}, node="node-a", namespace="ns1"), pod("p-b1", {"foo": ""}, node="node-a", namespace="ns2"),
          *pods("x:1 y:1")], [S, S, U, U]),
    case("pods spread across zones as 3/3, all nodes fit", incoming(1, "zone"), ABXY, SPREAD_231, [S, S, S, S]),
    case("pods spread across zones as 1/2 due to absence of label 'zone' on node-b", incoming(1, "zone"),
         [zn("node-a", "zone1"), zn("node-b", "zone1", "zon"), zn("node-x", "zone2"), zn("node-y", "zone2")],
         pods("a:1 b:1 x:1 y:1"), [S, UU, U, U]),
    case("pod cannot be scheduled as all nodes don't have label 'rack'", incoming(1, "rack"),
         [zn("node-a", "zone1"), zn("node-x", "zone2")], [], [UU, UU]),
    case("pods spread across nodes as 2/1/0/3, only node-x fits", incoming(1, "node"), ABXY, SPREAD_231, [U, U, S, U]),
    case("pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit", incoming(2, "node"), ABXY,
         SPREAD_231, [U, S, S, U]),
    case("pods spread across nodes as 2/1/0/3, but pod doesn't match itself", incoming(1, "node", labels={"bar": ""}),
         ABXY, SPREAD_231, [U, S, S, U]),
    case("incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits",
         incoming(1, "node", affinity=node_in("node-a", "node-y")), ABXY, SPREAD_231, [S, S, S, U]),
    case("terminating Pods should be excluded", incoming(1, "node"),
         [node("node-a", {"node": "node-a"}), node("node-b", {"node": "node-b"})],
         [pod("p-a", {"foo": ""}, node="node-a", terminating=True), pod("p-b", {"foo": ""}, node="node-b")], [S, U]),
    case("incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits",
         incoming(1, "zone", affinity=node_not_in("node-b")), ABXY, pods("b:2 y:1"), [S, S, U, U]),
    case("pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains < minDomains, then the third "
         "node fits", incoming(2, "node", min_domains=4), N3, pods("a:2 b:2 c:1"), [U, U, S]),
    case("pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains > minDomains, then the all nodes "
         "fit", incoming(2, "node", min_domains=2), N3, pods("a:2 b:2 c:1"), [S, S, S]),
    case("pods spread across zone as 2/1, maxSkew is 2 and the number of domains < minDomains, then the third and "
         "fourth nodes fit", incoming(2, "zone", min_domains=3), ABXY, pods("a:1 b:1 y:1"), [U, U, S, S]),
    case("pods spread across zone as 2/1, maxSkew is 2 and the number of domains > minDomains, then the all nodes fit",
         incoming(2, "zone", min_domains=1), ABXY, pods("a:1 b:1 y:1"), [S, S, S, S]),
    case("NodeAffinityPolicy honored with labelSelectors", incoming(1, "node", nodeSelector={"foo": ""}), FOO4,
         pods("a:1 b:1 y:1"), [U, U, S, S]),
    case("NodeAffinityPolicy ignored with labelSelectors",
         incoming(1, "node", affinity_policy="Ignore", nodeSelector={"foo": ""}), FOO4, pods("a:1 b:1 y:1"),
         [U, U, S, U]),
    case("NodeAffinityPolicy honored with nodeAffinity", incoming(1, "node", affinity=FOO_AFF), FOO4,
         pods("a:1 b:1 y:1"), [U, U, S, S]),
    case("NodeAffinityPolicy ignored with labelSelectors", incoming(1, "node", affinity_policy="Ignore", affinity=FOO_AFF),
         FOO4, pods("a:1 b:1 y:1"), [U, U, S, U], id_="NodeAffinityPolicy ignored with labelSelectors (nodeAffinity entry)"),
    case("NodeTaintsPolicy honored", incoming(1, "node", taints_policy="Honor"), FOO4_TAINTED, pods("a:1 b:1 y:1"),
         [U, U, S, S]),
    case("NodeTaintsPolicy ignored", incoming(1, "node"), FOO4_TAINTED, pods("a:1 b:1 y:1"), [U, U, S, U]),
]

T2 = "TestMultipleConstraints"
BAR = exists_selector("bar")


def two(zone_selector=FOO, node_selector=FOO, labels=None, zone_taints=None, node_affinity=None, second_key="node",
        **spec):
    return pod("p", labels or {"foo": ""}, topologySpreadConstraints=[
        spread(1, "zone", "DoNotSchedule", zone_selector, taints_policy=zone_taints),
        spread(1, second_key, "DoNotSchedule", node_selector, affinity_policy=node_affinity)], **spec)


def case2(name, p, nodes, existing, want):
    c = case(name, p, nodes, existing, want)
    c["upstream_test"] = f"{T2}/{name}"
    return c


def lab(spec):
    """``"a:foo a:foo,bar y:bar"`` -> one Pod per entry on node-<n> with the given (empty-valued) labels."""
    out = []
    for i, part in enumerate(spec.split()):
        n, keys = part.split(":")
        out.append(pod(f"p-{n}{i + 1}", {k: "" for k in keys.split(",")}, node=f"node-{n}"))
    return out


def zn_t(name, zone, foo=True, taints=None):
    return node(name, {"zone": zone, "node": name, **({"foo": ""} if foo else {})}, taints=taints)


ZFOO4 = [zn_t("node-a", "zone1"), zn_t("node-b", "zone1"), zn_t("node-x", "zone2"), zn_t("node-y", "zone2", foo=False)]
ZFOO_B_TAINTED_Y = [zn_t("node-a", "zone1"), zn_t("node-b", "zone1", foo=False), zn_t("node-x", "zone2"),
                    zn_t("node-y", "zone2", taints=TAINTS)]
CASES += [
    case2("two Constraints on zone and node, spreads = [3/3, 2/1/0/3]", two(), ABXY, pods("a:2 b:1 y:3"), [U, U, S, U]),
    case2("two Constraints on zone and node, spreads = [3/4, 2/1/0/4]", two(), ABXY, pods("a:2 b:1 y:4"), [U, U, U, U]),
    case2("Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]", two(node_selector=BAR,
          labels={"foo": "", "bar": ""}), ABXY, lab("a:foo y:bar"), [U, U, S, U]),
    case2("Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]", two(node_selector=BAR,
          labels={"foo": "", "bar": ""}), ABXY, lab("a:foo x:bar y:bar"), [U, U, U, U]),
    case2("Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]", two(node_selector=BAR,
          labels={"foo": "", "bar": ""}), ABXY, lab("a:foo a:foo,bar y:foo y:foo,bar y:foo"), [U, S, U, U]),
    case2("Constraints hold different labelSelectors but pod doesn't match itself on 'zone' constraint",
          two(node_selector=BAR, labels={"bar": ""}), ABXY, lab("a:foo x:bar y:bar"), [S, S, U, U]),
    case2("two Constraints on zone and node, absence of label 'node' on node-x, spreads = [1/1, 1/0/0/1]", two(),
          [zn("node-a", "zone1"), zn("node-b", "zone1"), node("node-x", {"zone": "zone2"}), zn("node-y", "zone2")],
          pods("a:1 y:1"), [U, S, UU, U]),
    case2("two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore",
          two(node_affinity="Ignore", nodeSelector={"foo": ""}), ZFOO4, pods("a:1 b:1 y:1"), [U, U, S, U]),
    case2("two node inclusion Constraints, zone: honor/honor, node: honor/ignore", two(zone_taints="Honor"),
          [*ZFOO4[:3], zn_t("node-y", "zone2", foo=False, taints=TAINTS)], pods("a:1 b:1 y:1"), [U, U, S, U]),
    case2("two node inclusion Constraints, zone: honor/ignore, node: honor/ignore", two(nodeSelector={"foo": ""}),
          ZFOO_B_TAINTED_Y, pods("a:1 b:1 y:1"), [U, S, S, U]),
    case2("two node inclusion Constraints, zone: honor/honor, node: ignore/ignore",
          two(zone_taints="Honor", node_affinity="Ignore", nodeSelector={"foo": ""}), ZFOO_B_TAINTED_Y,
          pods("a:1 b:1 y:1"), [U, U, S, U]),
    case2("two Constraints on zone, spreads = [3/3, 2/1]",
          two(zone_selector=BAR, node_selector=FOO, labels={"foo": "", "bar": ""}, second_key="zone"), ABXY,
          lab("a:foo,bar a:foo b:foo,bar y:foo y:foo,bar y:foo"), [U, U, S, S]),
    case2("two Constraints on zone, spreads = [3/4, 2/1]",
          two(zone_selector=BAR, node_selector=FOO, labels={"foo": "", "bar": ""}, second_key="zone"), ABXY,
          lab("a:foo,bar a:foo b:foo,bar y:foo y:foo,bar y:foo y:foo"), [U, U, U, U]),
]
NOT_EXPRESSIBLE = []


def run(case):
    got = {n: code for n, (code, _reasons) in run_filter(case).items()}
    assert got == case["want"], got
