"""pkg/scheduler/framework/plugins/nodename/node_name_test.go (TestNodeName) as data."""
from upstream_k8s import node, pod, run_filter

F = "pkg/scheduler/framework/plugins/nodename/node_name_test.go"
CASES = [
    {"upstream_file": F, "upstream_test": f"TestNodeName/{name}", "id": name, "plugin": "NodeName",
     "pod": pod("p", nodeName=wanted) if wanted else pod("p"), "nodes": [node(node_name)], "want": want}
    for name, wanted, node_name, want in (
        ("no host specified", None, "n", ("Success", ())),
        ("host matches", "foo", "foo", ("Success", ())),
        ("host doesn't match", "bar", "foo",
         ("UnschedulableAndUnresolvable", ("node(s) didn't match the requested node name",))),
    )
]
NOT_EXPRESSIBLE = []


def run(case):
    assert run_filter(case)[case["nodes"][0]["name"]] == case["want"]
