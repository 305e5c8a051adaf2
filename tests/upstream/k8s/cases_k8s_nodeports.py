"""pkg/scheduler/framework/plugins/nodeports/node_ports_test.go (TestNodePorts, TestFits) as data.

``"TCP/127.0.0.1/8080"`` is ``newPod``'s notation: protocol / hostIP / hostPort; one existing Pod on
the node holds the ``existing`` ports.
"""
from upstream_k8s import node, pod, run_filter

F = "pkg/scheduler/framework/plugins/nodeports/node_ports_test.go"
REASON = ("Unschedulable", ("node(s) didn't have free ports for the requested pod ports",))
OK = ("Success", ())


def ports(*infos):
    out = []
    for info in infos:
        proto, ip, port = info.split("/")
        out.append({"hostIP": ip, "hostPort": int(port), "protocol": proto, "containerPort": int(port)})
    return out


def with_ports(name, node_name, infos):
    return pod(name, node=node_name, containers=[{"name": "c", "ports": ports(*infos)}] if infos else [])


def case(test, name, wanted, existing, want, init=None):
    p = with_ports("p", None, wanted)
    if init is not None:
        sidecar, port_list = init
        c = {"name": "init", "ports": port_list}
        if sidecar:
            c["restartPolicy"] = "Always"
        p["spec"]["initContainers"] = [c]
    return {"upstream_file": F, "upstream_test": f"{test}/{name}", "id": f"{test}: {name}", "plugin": "NodePorts",
            "pod": p, "nodes": [node("m1")], "existing": [with_ports("e", "m1", existing)] if existing else [],
            "want": want}


T = "TestNodePorts"
CASES = [
    case(T, "skip filter", [], [], OK),
    case(T, "other port", ["UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/9090"], OK),
    case(T, "same udp port", ["UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/8080"], REASON),
    case(T, "same tcp port", ["TCP/127.0.0.1/8080"], ["TCP/127.0.0.1/8080"], REASON),
    case(T, "different host ip", ["TCP/127.0.0.1/8080"], ["TCP/127.0.0.2/8080"], OK),
    case(T, "different protocol", ["UDP/127.0.0.1/8080"], ["TCP/127.0.0.1/8080"], OK),
    case(T, "second udp port conflict", ["UDP/127.0.0.1/8000", "UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/8080"], REASON),
    case(T, "first tcp port conflict", ["TCP/127.0.0.1/8001", "UDP/127.0.0.1/8080"],
         ["TCP/127.0.0.1/8001", "UDP/127.0.0.1/8081"], REASON),
    case(T, "first tcp port conflict due to 0.0.0.0 hostIP", ["TCP/0.0.0.0/8001"], ["TCP/127.0.0.1/8001"], REASON),
    case(T, "TCP hostPort conflict due to 0.0.0.0 hostIP", ["TCP/10.0.10.10/8001", "TCP/0.0.0.0/8001"],
         ["TCP/127.0.0.1/8001"], REASON),
    case(T, "second tcp port conflict to 0.0.0.0 hostIP", ["TCP/127.0.0.1/8001"], ["TCP/0.0.0.0/8001"], REASON),
    case(T, "second different protocol", ["UDP/127.0.0.1/8001"], ["TCP/0.0.0.0/8001"], OK),
    case(T, "UDP hostPort conflict due to 0.0.0.0 hostIP", ["UDP/127.0.0.1/8001"],
         ["TCP/0.0.0.0/8001", "UDP/0.0.0.0/8001"], REASON),
    case(T, "non-sidecar initContainer using hostPort", [], ["TCP/0.0.0.0/8001"], OK,
         init=(False, [{"containerPort": 8001, "hostPort": 8001, "protocol": "TCP"}])),
    case(T, "TCP hostPort conflict from sidecar initContainer", [], ["TCP/0.0.0.0/8001"], REASON,
         init=(True, [{"containerPort": 8001, "hostPort": 8001, "protocol": "TCP"}])),
]
FITS = "TestFits"
CASES += [
    case(FITS, "non-conflicting ports", ["TCP/127.0.0.1/80"], ["TCP/127.0.0.1/9090"], OK),
    case(FITS, "multiple non-conflicting ports", ["TCP/127.0.0.1/80", "TCP/127.0.1.1/80", "TCP/127.0.1.1/90",
                                                   "TCP/127.0.1.1/100"],
         ["TCP/127.0.0.1/9090", "TCP/127.0.0.1/9191", "TCP/127.0.1.1/8080"], OK),
    case(FITS, "same ports on different protocols", ["TCP/127.0.0.1/80"], ["UDP/127.0.0.1/80"], OK),
    case(FITS, "conflicting ports", ["TCP/127.0.0.1/80"], ["TCP/127.0.0.1/80"], REASON),
    case(FITS, "multiple ports, some conflicting", ["TCP/127.0.0.1/80", "TCP/127.0.1.1/80", "TCP/127.0.1.1/90",
                                                     "TCP/127.0.1.1/100"],
         ["TCP/127.0.0.1/9090", "TCP/127.0.1.1/90", "TCP/127.0.1.1/8080"], REASON),
]

NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": "TestPreFilterDisabled",
     "reason": "checks the error when PreFilter did not run; the simulator's Filter needs no PreFilter state"},
    {"upstream_file": F, "upstream_test": "Test_isSchedulableAfterAssignedPodDeleted (5 entries)",
     "reason": "QueueingHints are not modelled: every assigned-Pod deletion requeues every unschedulable Pod"},
]


def run(case):
    assert run_filter(case)["m1"] == case["want"]
