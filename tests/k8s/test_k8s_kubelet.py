"""Kubelet: container behaviour, CrashLoopBackOff, readiness, restartPolicy, graceful termination, IPs."""
from __future__ import annotations

import pytest
from k8s_helpers import cluster, deployment, pod

from labsupport import k8s
from labsupport.k8s.kubelet import CONTAINER_START_SECONDS, IMAGE_PULL_SECONDS, SANDBOX_SECONDS, Behaviour

START = SANDBOX_SECONDS + IMAGE_PULL_SECONDS + CONTAINER_START_SECONDS  # first Pod on a node pulls its image

BEHAVIOURS = [
    (None, Behaviour(None, 0, False)),
    (["nginx", "-g", "daemon off;"], Behaviour(None, 0, False)),
    (["sleep", "30"], Behaviour(30.0, 0, False)),
    (["sh", "-c", "sleep 5; exit 1"], Behaviour(5.0, 1, False)),
    (["sh", "-c", "exit 3"], Behaviour(0.0, 3, False)),
    (["false"], Behaviour(0.0, 1, False)),
    (["/bin/sh", "-c", "echo hi && sleep 2.5"], Behaviour(2.5, 0, False)),
    (["sh", "-c", "trap '' TERM; sleep infinity"], Behaviour(None, 0, True)),
]


@pytest.mark.parametrize("command, expected", BEHAVIOURS, ids=[f"command {c} behaves as {e}" for c, e in BEHAVIOURS])
def test_container_behaviour_is_read_from_the_command(command, expected):
    assert k8s.container_behaviour({"name": "c", "command": command} if command else {"name": "c"}) == expected


# https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts: 10 s doubling, capped at 300 s
DELAYS = [(1, 10), (2, 20), (3, 40), (4, 80), (5, 160), (6, 300), (7, 300), (20, 300)]


@pytest.mark.parametrize("exits, delay", DELAYS, ids=[f"after exit {n} the back-off is {d}s" for n, d in DELAYS])
def test_crashloop_delay(exits, delay):
    assert k8s.crashloop_delay(exits) == delay


def test_a_crashing_container_restarts_with_the_documented_back_off():
    c = cluster(1)
    c.apply(pod("crash", command=["sh", "-c", "sleep 5; exit 1"]))
    restarts_at, last = [], 0
    for _ in range(1200):
        c.run(1)
        n = c.pods()[0].restarts
        if n != last:
            restarts_at.append(c.now)
            last = n
    # runs 5 s, exits, waits 10, 20, 40, ... 300 s before each restart
    exits = [START + 5]
    for i in range(1, len(restarts_at) + 1):
        exits.append(exits[-1] + k8s.crashloop_delay(i) + 5)
    assert restarts_at[:6] == [e - 5 for e in exits[1:7]]
    assert c.get("pods").rows[0]["STATUS"] in ("CrashLoopBackOff", "Running")


RESTARTS_SEEN = [(30, 1), (60, 2), (120, 3)]


@pytest.mark.parametrize("seconds, restarts", RESTARTS_SEEN,
                         ids=[f"after {s}s and {r} restarts the Started event counts {r + 1} starts" for s, r in RESTARTS_SEEN])
def test_every_restart_records_a_started_event_that_the_correlator_counts(seconds, restarts):
    # kuberuntime_container.go startContainer records "Started container <name>" on every start
    c = cluster(1)
    c.apply(pod("crash", command=["sh", "-c", "sleep 5; exit 1"]))
    c.run(START + seconds)
    assert c.pods()[0].restarts == restarts
    started = [r for r in c.events().rows if r["REASON"] == "Started" and r["OBJECT"] == "pod/crash"]
    assert [(r["COUNT"], r["MESSAGE"]) for r in started] == [(restarts + 1, "Started container c")]


def test_back_off_resets_after_ten_minutes_of_running():
    c = cluster(1)
    c.apply(pod("slow", command=["sh", "-c", "sleep 700; exit 1"]))
    c.run(START + 700 + 1)
    assert c.pods()[0].status == "CrashLoopBackOff"
    c.run(10)  # 10 s back-off, not 20 s: the streak was reset by 700 s of running
    assert c.pods()[0].restarts == 1
    c.run(700 + 1)
    c.run(10)
    assert c.pods()[0].restarts == 2


@pytest.mark.parametrize("restart, command, phase, status", [
    ("Never", ["sh", "-c", "sleep 2"], "Succeeded", "Completed"),
    ("Never", ["sh", "-c", "sleep 2; exit 1"], "Failed", "Error"),
    ("OnFailure", ["sh", "-c", "sleep 2"], "Succeeded", "Completed"),
    ("OnFailure", ["sh", "-c", "sleep 2; exit 1"], "Running", "CrashLoopBackOff"),
    ("Always", ["sh", "-c", "sleep 2"], "Running", "CrashLoopBackOff"),
], ids=lambda v: str(v))
def test_restart_policy(restart, command, phase, status):
    c = cluster(1)
    c.apply(pod(restart=restart, command=command))
    c.run(START + 3)
    p = c.pods()[0]
    assert (p.phase, p.status) == (phase, status)


@pytest.mark.parametrize("probe, ready_after", [
    (None, 0), ({"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 5, "periodSeconds": 10}, 10),
    ({"tcpSocket": {"port": 80}, "initialDelaySeconds": 20, "periodSeconds": 10}, 20),
    ({"exec": {"command": ["false"]}}, None),
], ids=["no probe: ready at start", "delay 5 period 10: ready at the 10 s tick", "delay 20 period 10: ready at 20 s", "a failing probe: never ready"])
def test_readiness_probe(probe, ready_after):
    assert k8s.readiness_delay(probe) == ready_after
    c = cluster(1)
    c.apply(deployment(replicas=1, probe=probe))
    c.run(START)
    assert c.pods()[0].ready == (ready_after == 0)
    if ready_after:
        c.run(ready_after - 0.01)
        assert not c.pods()[0].ready
        c.run(0.02)
        assert c.pods()[0].ready
    elif ready_after is None:
        c.run(300)
        assert not c.pods()[0].ready


@pytest.mark.parametrize("command, grace, gone_after", [
    (None, None, 1.0), (["sh", "-c", "trap '' TERM; sleep infinity"], None, 30.0), (["sh", "-c", "trap '' TERM; sleep infinity"], 5, 5.0),
], ids=["a process that handles SIGTERM exits after 1 s", "one that ignores it is killed after the 30 s default grace period",
        "or after the Pod's own terminationGracePeriodSeconds"])
def test_graceful_termination(command, grace, gone_after):
    c = cluster(1)
    c.apply(pod(command=command, grace=grace))
    c.run(10)
    c.delete("pod", "p")
    assert c.pods()[0].status == "Terminating"
    c.run(gone_after - 0.01)
    assert len(c.pods()) == 1
    c.run(0.02)
    assert c.pods() == []


def test_pod_ips_come_from_each_nodes_pod_cidr_in_order():
    c = cluster(2)
    c.apply(deployment(replicas=4))
    c.run(10)
    by_node = {}
    for p in c.pods():
        by_node.setdefault(p.node, []).append(p.ip)
    assert {n: sorted(ips) for n, ips in by_node.items()} == {"node-1": ["10.244.0.2", "10.244.0.3"], "node-2": ["10.244.1.2", "10.244.1.3"]}


def test_kubelet_rejects_a_pod_that_does_not_fit_when_nodename_bypasses_the_scheduler():
    c = cluster(1, cpu="1")
    c.apply(pod("big", cpu="2", nodeName="node-1"))
    c.run(1)
    p = c.pods()[0]
    assert (p.phase, p.status) == ("Failed", "OutOfcpu")
    assert "Node didn't have enough resource: cpu, requested: 2000, used: 0, capacity: 1000" in c.object("pod", "big")["status"]["message"]


def test_a_failing_liveness_probe_restarts_the_container():
    c = cluster(1)
    p = pod("sick")
    p["spec"]["containers"][0]["livenessProbe"] = {"exec": {"command": ["false"]}, "initialDelaySeconds": 5, "periodSeconds": 5}
    c.apply(p)
    c.run(START + 15 - 0.01)  # probes at 5, 10, 15 s fail; the third failure kills it
    assert c.pods()[0].restarts == 0 and c.pods()[0].status == "Running"
    c.run(0.02)
    assert c.pods()[0].status == "CrashLoopBackOff"
    c.run(10)
    assert c.pods()[0].restarts == 1
    assert "Container c failed liveness probe, will be restarted" in c.events().column("MESSAGE")
