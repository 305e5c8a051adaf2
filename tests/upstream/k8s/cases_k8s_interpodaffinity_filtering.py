"""pkg/scheduler/framework/plugins/interpodaffinity/filtering_test.go, TestRequiredAffinitySingleNode, as data.

The first 14 entries transcribed from a copy in the search index (kubernetes/kubernetes, commit
007f7ae7dc...), the rest of TestRequiredAffinitySingleNode from a newer copy (st.MakePod builders). The older
copy's statuses carry the umbrella reason "node(s) didn't match pod affinity/anti-affinity" before the specific one; 1.37 returns only the specific reason, which is what is compared (with the code).
Node ``machine1`` (``node1`` in the newer copy) has labels region=r1, zone=z11 (no ``node`` label). TestRequiredAffinityMultipleNodes: all 18 entries (newer copy). Not transcribed yet: TestPreFilterDisabled and
the PreFilter-state tests.
"""
from upstream_k8s import node, pod, run_filter

F = "pkg/scheduler/framework/plugins/interpodaffinity/filtering_test.go"
T = "TestRequiredAffinitySingleNode"
SCAN, SEC = {"service": "securityscan"}, {"security": "S1"}
AFF = ("UnschedulableAndUnresolvable", ("node(s) didn't match pod affinity rules",))
ANTI = ("Unschedulable", ("node(s) didn't match pod anti-affinity rules",))
EXISTING = ("Unschedulable", ("node(s) didn't satisfy existing pods anti-affinity rules",))
OK = ("Success", ())


def expr(key, op, *values):
    e = {"key": key, "operator": op}
    if values:
        e["values"] = list(values)
    return e


def term(*exprs, key=None, namespaces=None, namespace_selector=None):
    t = {"labelSelector": {"matchExpressions": list(exprs)}}
    if namespace_selector is not None:
        t["namespaceSelector"] = namespace_selector
    if key is not None:
        t["topologyKey"] = key
    if namespaces is not None:
        t["namespaces"] = namespaces
    return t


def with_terms(labels, affinity=None, anti=None, node_name=None, namespace="default"):
    """``createPodWithAffinityTerms(namespace, nodeName, labels, affinity, antiAffinity)``."""
    aff = {}
    if affinity:
        aff["podAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": affinity}
    if anti:
        aff["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": anti}
    return pod("e" if node_name else "p", labels, node=node_name, namespace=namespace,
               **({"affinity": aff} if aff else {}))


def case(name, incoming, existing, want):
    return {"upstream_file": F, "upstream_test": f"{T}/{name}", "id": name, "plugin": "InterPodAffinity",
            "pod": incoming, "nodes": [node("machine1", {"region": "r1", "zone": "z11"})],
            "existing": [dict(p, name=f"e{i}") for i, p in enumerate(existing)], "want": want}


IN_SCAN = expr("service", "In", "securityscan", "value2")
IN_AV = expr("service", "In", "antivirusscan", "value2")
PLAIN = [pod("e", SCAN, node="machine1")]


def HAS(key):  # noqa: N802 - reads like the Go builder's PodAntiAffinityExists(key, ...)
    return expr(key, "Exists")


ABC_XYZ, DEF_XYZ = {"abc": "", "xyz": ""}, {"def": "", "xyz": ""}
ABC_DEF_ZONE = [term(HAS("abc"), key="zone"), term(HAS("def"), key="zone")]
CASES = [
    case("A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods",
         pod("p"), [], OK),
    case("satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches "
         "the existing pod", with_terms(SEC, [term(IN_SCAN, key="region")]), PLAIN, OK),
    case("satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in "
         "labelSelector that matches the existing pod",
         with_terms(SEC, [term(expr("service", "NotIn", "securityscan3", "value3"), key="region")]), PLAIN, OK),
    case("Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
         with_terms(SEC, [term(IN_SCAN, namespaces=["DiffNameSpace"])]), [pod("e", SCAN, node="machine1", namespace="ns")],
         AFF),
    case("Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
         with_terms(SCAN, [term(IN_AV)]), PLAIN, AFF),
    case("satisfies the PodAffinity with different label Operators in multiple RequiredDuringSchedulingIgnoredDuringExecution ",
         with_terms(SEC, [term(expr("service", "Exists"), expr("wrongkey", "DoesNotExist"), key="region"),
                          term(expr("service", "In", "securityscan"), expr("service", "NotIn", "WrongValue"), key="region")]),
         PLAIN, OK),
    case("The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot schedule onto the node "
         "because one of the matchExpression item don't match.",
         with_terms(SEC, [term(expr("service", "Exists"), expr("wrongkey", "DoesNotExist"), key="region"),
                          term(expr("service", "In", "securityscan2"), expr("service", "NotIn", "WrongValue"), key="region")]),
         PLAIN, AFF),
    case("satisfies the PodAffinity and PodAntiAffinity with the existing pod",
         with_terms(SEC, [term(IN_SCAN, key="region")], [term(IN_AV, key="node")]), PLAIN, OK),
    case("satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the existing pod",
         with_terms(SEC, [term(IN_SCAN, key="region")], [term(IN_AV, key="node")]),
         [with_terms(SCAN, None, [term(IN_AV, key="node")], node_name="machine1")], OK),
    case("satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
         with_terms(SEC, [term(IN_SCAN, key="region")], [term(IN_SCAN, key="zone")]), PLAIN, ANTI),
    case("satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
         with_terms(SCAN, [term(IN_SCAN, key="region")], [term(IN_AV, key="node")]),
         [with_terms(SCAN, None, [term(IN_SCAN, key="zone")], node_name="machine1")], EXISTING),
    case("pod matches its own Label in PodAffinity and that matches the existing pod Labels",
         with_terms(SCAN, [term(expr("service", "NotIn", "securityscan", "value2"), key="region")]),
         [pod("e", SCAN, node="machine2")], AFF),
    case("verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't "
         "satisfy PodAntiAffinity symmetry with the existing pod",
         pod("p", SCAN), [with_terms(SCAN, None, [term(IN_SCAN, key="zone")], node_name="machine1")], EXISTING),
    case("verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. satisfy "
         "PodAntiAffinity symmetry with the existing pod",
         pod("p", SCAN), [with_terms(SCAN, None, [term(expr("service", "NotIn", "securityscan", "value2"), key="zone")],
                                     node_name="machine1")], OK),
    # From here on the entries are read from a newer kubernetes copy (st.MakePod builders, one reason per status).
    case("satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod",
         with_terms(SCAN, None, [term(HAS("service"), key="region"), term(HAS("security"), key="region")]),
         [with_terms(SEC, None, [term(HAS("security"), key="zone")], node_name="machine1")], ANTI),
    case("PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each other on AffinityTerms",
         with_terms(SCAN, None, [term(HAS("service"), key="zone"), term(HAS("security"), key="zone")]),
         [with_terms(SEC, None, [term(HAS("security"), key="zone")], node_name="machine1")], ANTI),
    case("PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on AffinityTerms",
         with_terms(SEC, None, [term(HAS("security"), key="zone")]),
         [with_terms(SCAN, None, [term(HAS("service"), key="zone"), term(HAS("security"), key="zone")],
                     node_name="machine1")], EXISTING),
    case("PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each other on AffinityTerms",
         with_terms(ABC_XYZ, None, ABC_DEF_ZONE), [with_terms(DEF_XYZ, None, ABC_DEF_ZONE, node_name="machine1")], ANTI),
    case("PodAntiAffinity symmetry check b2: incoming pod and existing pod partially match each other on AffinityTerms",
         with_terms(DEF_XYZ, None, ABC_DEF_ZONE), [with_terms(ABC_XYZ, None, ABC_DEF_ZONE, node_name="machine1")], ANTI),
    case("anti-affinity with matching all NamespaceSelector",
         with_terms(SEC, None, [term(IN_SCAN, key="zone", namespace_selector={})], namespace="subteam1.team1"),
         [pod("e", SCAN, node="machine1", namespace="subteam2.team1")], ANTI),
]
T2 = "TestRequiredAffinityMultipleNodes"


def case_m(name, incoming, existing, nodes, want):
    return {"upstream_file": F, "upstream_test": f"{T2}/{name}", "id": f"{T2}: {name}", "plugin": "InterPodAffinity",
            "pod": incoming, "nodes": nodes, "existing": [dict(p, name=f"e{i}") for i, p in enumerate(existing)],
            "want": dict(zip([n["name"] for n in nodes], want, strict=True))}


def on(node_name, labels=None, affinity=None, anti=None, namespace="default"):
    return with_terms(labels or {}, affinity, anti, node_name=node_name, namespace=namespace)


def hn(name, **labels):
    return node(name, {**labels, "hostname": name})


CHINA = {"region": "China"}
CHINA_AZ1 = {"region": "China", "az": "az1"}
INDIA = {"region": "India"}
AB_Z12 = [hn("nodeA", region="r1", zone="z1"), hn("nodeB", region="r1", zone="z2")]
AB_Z11 = [hn("nodeA", region="r1", zone="z1"), hn("nodeB", region="r1", zone="z1")]
FOO_BAR = {"foo": "", "bar": ""}
BAD = "invalid-node-label"
FOO_BAR_AFF = [term(expr("foo", "In", "bar"), key="zone"), term(expr("service", "In", "securityscan"), key="zone")]
CASES += [
    case_m("A pod can be scheduled onto all the nodes that have the same topology key & label value with one of them "
           "has an existing pod that matches the affinity rules",
           with_terms({}, [term(expr("foo", "In", "bar"), key="region")]), [on("node1", {"foo": "bar"})],
           [node("node1", CHINA), node("node2", CHINA_AZ1), node("node3", INDIA)], [OK, OK, AFF]),
    case_m("The affinity rule is to schedule all of the pods of this collection to the same zone. The first pod of the "
           "collection should not be blocked from being scheduled onto any node, even there's no existing pod that "
           "matches the rule anywhere.",
           with_terms({"foo": "bar", "service": "securityscan"}, FOO_BAR_AFF), [on("nodeA", {"foo": "bar"})],
           [node("nodeA", {"zone": "az1", "hostname": "h1"}), node("nodeB", {"zone": "az2", "hostname": "h2"})],
           [OK, OK]),
    case_m("The first pod of the collection can only be scheduled on nodes labelled with the requested topology keys",
           with_terms({"foo": "bar", "service": "securityscan"}, FOO_BAR_AFF), [on("nodeA", {"foo": "bar"})],
           [node("nodeA", {"zoneLabel": "az1", "hostname": "h1"}), node("nodeB", {"zoneLabel": "az2", "hostname": "h2"})],
           [AFF, AFF]),
    case_m("NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod "
           "affinity rule. The pod can not be scheduled onto nodeA and nodeB.",
           with_terms({}, None, [term(expr("foo", "In", "abc"), key="region")]), [on("nodeA", {"foo": "abc"})],
           [hn("nodeA", region="r1"), hn("nodeB", region="r1")], [ANTI, ANTI]),
    case_m("This test ensures that anti-affinity matches a pod when any term of the anti-affinity rule matches a pod.",
           with_terms({}, None, [term(expr("foo", "In", "abc"), key="region"),
                                 term(expr("service", "In", "securityscan"), key="zone")]),
           [on("nodeA", {"foo": "abc", "service": "securityscan"})], AB_Z12, [ANTI, ANTI]),
    case_m("NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod "
           "affinity rule. The pod can not be scheduled onto nodeA and nodeB but can be scheduled onto nodeC",
           with_terms({}, None, [term(expr("foo", "In", "abc"), key="region")]), [on("nodeA", {"foo": "abc"})],
           [node("nodeA", CHINA), node("nodeB", CHINA_AZ1), node("nodeC", INDIA)], [ANTI, ANTI, OK]),
    case_m("NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod "
           "affinity rule. The pod can not be scheduled onto nodeA, nodeB, but can be scheduled onto nodeC (NodeC has an "
           "existing pod that match the inter pod affinity rule but in different namespace)",
           with_terms({"foo": "123"}, None, [term(expr("foo", "In", "bar"), key="region")], namespace="NS1"),
           [on("nodeA", {"foo": "bar"}, namespace="NS1"),
            on("nodeC", anti=[term(expr("foo", "In", "123"), key="region")], namespace="NS2")],
           [node("nodeA", CHINA), node("nodeB", CHINA_AZ1), node("nodeC", INDIA)], [ANTI, ANTI, OK]),
    case_m("Test existing pod's anti-affinity: if an existing pod has a term with invalid topologyKey, labelSelector of "
           "the term is firstly checked, and then topologyKey of the term is also checked",
           pod("p", {"foo": ""}), [on("nodeA", anti=[term(HAS("foo"), key=BAD)])], AB_Z11, [OK, OK]),
    # The Go test also sets Node("nodeA") on the incoming Pod; Filter does not read it, so it is left out here.
    case_m("Test incoming pod's anti-affinity: even if labelSelector matches, we still check if topologyKey matches",
           with_terms({}, None, [term(HAS("foo"), key=BAD)]), [on("nodeA", {"foo": ""})], AB_Z11, [OK, OK]),
    case_m("Test existing pod's anti-affinity: incoming pod wouldn't considered as a fit as it violates each "
           "existingPod's terms on all nodes", pod("p", FOO_BAR),
           [on("nodeA", anti=[term(HAS("foo"), key="zone")]), on("nodeA", anti=[term(HAS("bar"), key="region")])],
           AB_Z12, [EXISTING, EXISTING]),
    case_m("Test incoming pod's anti-affinity: incoming pod wouldn't considered as a fit as it at least violates one "
           "anti-affinity rule of existingPod",
           with_terms({}, None, [term(HAS("foo"), key="zone"), term(HAS("bar"), key="region")]),
           [on("nodeA", {"foo": ""}), on("nodeB", {"bar": ""})], AB_Z12, [ANTI, ANTI]),
    case_m("Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a "
           "single term match - case when one term has invalid topologyKey", pod("p", FOO_BAR),
           [on("nodeA", anti=[term(HAS("foo"), key=BAD), term(HAS("bar"), key="zone")])], AB_Z12, [EXISTING, OK]),
    case_m("Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a "
           "single term match - case when one term has invalid topologyKey",
           with_terms({}, None, [term(HAS("foo"), key=BAD), term(HAS("bar"), key="zone")]), [on("nodeA", FOO_BAR)],
           AB_Z12, [ANTI, OK]),
    case_m("Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a "
           "single term match - case when all terms have valid topologyKey", pod("p", FOO_BAR),
           [on("nodeA", anti=[term(HAS("foo"), key="region"), term(HAS("bar"), key="zone")])], AB_Z12,
           [EXISTING, EXISTING]),
    case_m("Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a "
           "single term match - case when all terms have valid topologyKey",
           with_terms({}, None, [term(HAS("foo"), key="region"), term(HAS("bar"), key="zone")]), [on("nodeA", FOO_BAR)],
           AB_Z12, [ANTI, ANTI]),
    case_m("Test existing pod's anti-affinity: existingPod on nodeA and nodeB has at least one anti-affinity term "
           "matches incoming pod, so incoming pod can only be scheduled to nodeC", pod("p", FOO_BAR),
           [on("nodeA", anti=[term(HAS("foo"), key="zone"), term(HAS("labelA"), key="zone")]),
            on("nodeB", anti=[term(HAS("bar"), key="zone"), term(HAS("labelB"), key="zone")])],
           [*AB_Z12, hn("nodeC", region="r1", zone="z3")], [EXISTING, EXISTING, OK]),
    case_m("Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys "
           "match", with_terms({}, [term(HAS("foo"), key="region"), term(HAS("bar"), key="zone")]),
           [on("nodeA", FOO_BAR)], AB_Z11, [OK, OK]),
    case_m("Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys "
           "match, and the match logic should be satisfied on the same pod",
           with_terms({}, [term(HAS("foo"), key="region"), term(HAS("bar"), key="zone")]),
           [on("nodeA", {"foo": ""}), on("nodeB", {"bar": ""})], AB_Z12, [AFF, AFF]),
]
_NS_SEL = ("a non-empty namespaceSelector is not evaluated by the simulator (it has no Namespace objects with labels; "
           "only {} = all namespaces is supported, see the scheduler module docstring)")
_BAD_LABEL = ("PreFilter fails with Go's label-parsing error for an invalid label value in the term's selector; the "
              "simulator has no PreFilter parse-error path for pod (anti-)affinity selectors")
NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": f"{T}/{n}", "reason": _BAD_LABEL}
    for n in ("PodAffinity fails PreFilter with an invalid affinity label syntax",
              "PodAntiAffinity fails PreFilter with an invalid antiaffinity label syntax")
] + [
    {"upstream_file": F, "upstream_test": f"{T}/{n}", "reason": _NS_SEL}
    for n in ("affinity with NamespaceSelector", "affinity with non-matching NamespaceSelector",
              "anti-affinity with matching NamespaceSelector", "anti-affinity with non-matching NamespaceSelector")
]


def run(case):
    got = run_filter(case)
    if isinstance(case["want"], dict):
        assert got == case["want"], got
    else:
        assert got["machine1"] == case["want"], got
