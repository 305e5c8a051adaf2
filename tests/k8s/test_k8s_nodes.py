"""Node failure: NotReady after the 50 s grace period, eviction after the 300 s default toleration."""
from __future__ import annotations

import pytest
from k8s_helpers import cluster, deployment, pod

from labsupport import k8s
from labsupport.k8s.controllers.nodelifecycle import NODE_MONITOR_GRACE_PERIOD, NODE_MONITOR_PERIOD
from labsupport.k8s.kubelet import LEASE_RENEW_SECONDS


def _watch_node_1(c, seconds):
    """Times (after now) at which node-1 turned NotReady and its Pod was marked for deletion."""
    t0 = c.now
    not_ready = evicted = None
    while c.now - t0 < seconds:
        c.run(1)
        if not_ready is None and c.get("nodes", "node-1").rows[0]["STATUS"] == "NotReady":
            not_ready = c.now - t0
        if evicted is None and any(p.status == "Terminating" for p in c.pods() if p.node == "node-1"):
            evicted = c.now - t0
    return not_ready, evicted


@pytest.mark.parametrize("fail_at", [30.0, 35.0, 39.5], ids=["right after a heartbeat", "between heartbeats", "just before a heartbeat"])
def test_failed_node_goes_not_ready_after_the_grace_period_and_pods_are_evicted_300s_later(fail_at):
    c = cluster(2)
    c.apply(deployment(replicas=2))
    c.run(fail_at)
    c.fail_node("node-1")
    since_heartbeat = fail_at % LEASE_RENEW_SECONDS
    not_ready, evicted = _watch_node_1(c, 420)
    # the last heartbeat was `since_heartbeat` s before the failure; the monitor notices at its next 5 s tick
    earliest = NODE_MONITOR_GRACE_PERIOD - since_heartbeat
    assert earliest < not_ready <= earliest + NODE_MONITOR_PERIOD + 1
    assert evicted - not_ready == pytest.approx(300, abs=1)
    assert len([p for p in c.pods() if p.node != "node-1" and p.status == "Running"]) == 2  # replacement started elsewhere


def test_evicted_pod_stays_terminating_until_the_node_returns():
    c = cluster(2)
    c.apply(deployment(replicas=2))
    c.run(10)
    c.fail_node("node-1")
    c.run(400)
    stuck = [p for p in c.pods() if p.node == "node-1"]
    assert [p.status for p in stuck] == ["Terminating"]
    c.restore_node("node-1")
    c.run(10)
    assert [p for p in c.pods() if p.node == "node-1"] == []
    assert c.get("nodes", "node-1").rows[0]["STATUS"] == "Ready"
    assert c.object("node", "node-1")["spec"]["taints"] == []


def test_a_pod_that_tolerates_unreachable_forever_is_never_evicted():
    c = cluster(1)
    forever = pod(tolerations=[{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}])
    c.apply(forever)
    c.run(10)
    c.fail_node("node-1")
    c.run(1000)
    assert c.pods()[0].status == "Running"


def test_default_toleration_seconds_are_added_at_admission():
    c = cluster(1)
    c.apply(pod())
    tolerations = c.object("pod", "p")["spec"]["tolerations"]
    assert {(t["key"], t["effect"], t["tolerationSeconds"]) for t in tolerations} == {
        ("node.kubernetes.io/not-ready", "NoExecute", 300), ("node.kubernetes.io/unreachable", "NoExecute", 300)}


def test_services_drop_the_pods_of_an_unreachable_node():
    c = cluster(2)
    c.apply([deployment(replicas=2), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                      "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}])
    c.run(10)
    assert len(c.endpoints("web")) == 2
    c.fail_node("node-1")
    c.run(70)
    assert c.endpoints("web") == [p.ip for p in c.pods() if p.node == "node-2"]


@pytest.mark.parametrize("down_for, events", [
    (120.0, [("NodeNotReady", "node-controller", "Node node-1 status is now: NodeNotReady"),
             ("NodeReady", "kubelet/node-1", "Node node-1 status is now: NodeReady")]),
    (20.0, []),
], ids=["a node that was marked NotReady records NodeReady when its kubelet is back",
        "a node back before the grace period never changed its Ready status: no event"])
def test_node_recovery_records_a_node_ready_event(down_for, events):
    c = cluster(2)
    c.run(10)
    c.fail_node("node-1")
    c.run(down_for)
    c.restore_node("node-1")
    back = c.now
    c.run(10)
    rows = [(r["REASON"], r["SOURCE"], r["MESSAGE"]) for r in c.events().rows if r["OBJECT"] == "node/node-1"]
    assert rows == events
    if events:
        ready = next(e for e in c.store.events if e.reason == "NodeReady")
        assert (ready.type, ready.first_time) == ("Normal", back)


@pytest.mark.parametrize(("tolerations", "evicted_at"), [
    # taint_eviction_test.go TestCreatePod "schedule on tainted Node": created bound, no toleration -> deleted at once
    pytest.param([], 0.0, id="a Pod created bound to a NoExecute-tainted node is evicted at once"),
    # TestCreatePod / getMinTolerationTime: tolerationSeconds 0 means now
    pytest.param([{"key": "dedicated", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 0}], 0.0,
                 id="tolerating the taint for 0 s is no toleration at all"),
    pytest.param([{"key": "dedicated", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 20}], 20.0,
                 id="tolerating the taint for 20 s gives 20 s"),
    pytest.param([{"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}], None,
                 id="tolerating the taint forever keeps the Pod"),
])
def test_pod_created_with_node_name_on_a_noexecute_node(tolerations, evicted_at):
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoExecute"}])
    c.run(1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"nodeName": "node-1", "tolerations": tolerations,
                      "containers": [{"name": "c", "image": "nginx:1.27"}]}})
    t0 = c.now
    c.run(60)
    deletes = [w for w in c.writes() if w.kind == "Pod" and w.verb == "delete" and w.actor == "taint-eviction-controller"]
    if evicted_at is None:
        assert deletes == []
    else:
        assert [round(w.time - t0, 3) for w in deletes] == [evicted_at]


def test_changing_tolerations_or_taints_is_noticed():
    """taint_eviction_test.go TestUpdatePod "removing toleration" and TestUpdateNode "Taint removed"."""
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoExecute"}])
    tol = {"key": "dedicated", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 100}
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"nodeName": "node-1", "tolerations": [tol], "containers": [{"name": "c", "image": "nginx:1.27"}]}})
    c.run(5)
    ctrl = c.controllers["tainteviction"]
    assert list(ctrl.scheduled_evictions()) == [("default", "p")]
    node = c.store.get("Node", None, "node-1")
    node["spec"]["taints"] = []
    c.store.update(node, actor="test")
    assert ctrl.scheduled_evictions() == {}
    assert "Cancelling deletion of Pod default/p" in c.events().column("MESSAGE")
