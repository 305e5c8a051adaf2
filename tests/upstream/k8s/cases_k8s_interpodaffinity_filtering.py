"""pkg/scheduler/framework/plugins/interpodaffinity/filtering_test.go, TestRequiredAffinitySingleNode, as data.

Transcribed from the copy in the search index (kubernetes/kubernetes, commit 007f7ae7dc...), the first 14
entries. That copy's statuses carry the umbrella reason "node(s) didn't match pod affinity/anti-affinity"
before the specific one; 1.37 returns only the specific reason, which is what is compared (with the code).
Node ``machine1`` has labels region=r1, zone=z11 (no ``node`` label). Not transcribed yet: the rest of
TestRequiredAffinitySingleNode, TestRequiredAffinityMultipleNodes, TestPreFilterDisabled and the
PreFilter-state tests.
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


def term(*exprs, key=None, namespaces=None):
    t = {"labelSelector": {"matchExpressions": list(exprs)}}
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
]
NOT_EXPRESSIBLE = []


def run(case):
    assert run_filter(case)["machine1"] == case["want"]
