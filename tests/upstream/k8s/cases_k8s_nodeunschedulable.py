"""pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable_test.go (TestNodeUnschedulable) as data."""
from upstream_k8s import node, pod, run_filter

F = "pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable_test.go"
TOL = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
CASES = [
    {"upstream_file": F, "upstream_test": f"TestNodeUnschedulable/{name}", "id": name, "plugin": "NodeUnschedulable",
     "pod": pod("p", tolerations=tols), "nodes": [node("n", unschedulable=unsched)], "want": want}
    for name, tols, unsched, want in (
        ("Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)", [], True,
         ("UnschedulableAndUnresolvable", ("node(s) were unschedulable",))),
        ("Schedule pod to normal node", [], False, ("Success", ())),
        ("Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)", TOL, True,
         ("Success", ())),
    )
]
NOT_EXPRESSIBLE = []


def run(case):
    assert run_filter(case)["n"] == case["want"]
