"""APIStore: one resourceVersion counter, watches in resourceVersion order, graceful Pod deletion."""
from __future__ import annotations

from labsupport.core import Simulation
from labsupport.k8s.store import APIStore


def _pod(name, node=None):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"nodeName": node} if node else {}, "status": {}}


def test_every_write_bumps_one_global_resource_version():
    s = APIStore(Simulation(0))
    a = s.create(_pod("a"), actor="t")
    s.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}, actor="t")
    s.update(a, actor="t")
    assert [r.resource_version for r in s.log] == [1, 2, 3]
    assert a["metadata"]["resourceVersion"] == "3"


def test_writes_made_inside_a_handler_reach_every_watcher_in_resource_version_order():
    s = APIStore(Simulation(0))
    seen = {"first": [], "second": []}

    def first(ev):
        seen["first"].append(ev.resource_version)
        if ev.type == "ADDED" and ev.object["metadata"]["name"] == "a":
            s.create(_pod("b"), actor="first")  # a write made while "a" is being delivered

    s.watch("Pod", first)
    s.watch("Pod", lambda ev: seen["second"].append(ev.resource_version))
    s.create(_pod("a"), actor="t")
    assert seen == {"first": [1, 2], "second": [1, 2]}


def test_deleting_a_bound_pod_is_graceful_and_an_unbound_one_is_immediate():
    sim = Simulation(0)
    s = APIStore(sim)
    s.create(_pod("bound", node="n1"), actor="t")
    s.create(_pod("unbound"), actor="t")
    s.delete("Pod", "default", "bound", actor="t")
    s.delete("Pod", "default", "unbound", actor="t")
    bound = s.get("Pod", "default", "bound")
    assert bound["metadata"]["deletionTimestamp"] == 30 and bound["metadata"]["deletionGracePeriodSeconds"] == 30
    assert s.get("Pod", "default", "unbound") is None
    s.delete("Pod", "default", "bound", actor="kubelet", grace_period_seconds=0)
    assert s.get("Pod", "default", "bound") is None
    assert [(r.verb, r.type) for r in s.log][-3:] == [("delete", "MODIFIED"), ("delete", "DELETED"), ("delete", "DELETED")]


def test_indexes_follow_updates():
    s = APIStore(Simulation(0))
    s.add_index("Pod", "by-node", lambda p: p["spec"].get("nodeName"))
    s.create(_pod("a"), actor="t")
    assert s.by_index("by-node", "n1") == []
    s.bind("default", "a", "n1")
    assert [p["metadata"]["name"] for p in s.by_index("by-node", "n1")] == ["a"]
    s.delete("Pod", "default", "a", actor="t", grace_period_seconds=0)
    assert s.by_index("by-node", "n1") == []


def test_events_are_aggregated_with_a_count():
    s = APIStore(Simulation(0))
    p = s.create(_pod("a"), actor="t")
    s.record_event(p, "BackOff", "Back-off restarting failed container", type="Warning")
    s.record_event(p, "BackOff", "Back-off restarting failed container", type="Warning")
    assert len(s.events) == 1 and s.events[0].count == 2


def test_similar_events_are_combined_from_the_tenth_on_like_client_go():
    sim = Simulation(0)
    s = APIStore(sim)
    rs = s.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-1"}, "spec": {}}, actor="t")
    for i in range(25):
        s.record_event(rs, "SuccessfulCreate", f"Created pod: web-1-{i}")
    assert len(s.events) == 10
    combined = s.events[-1]
    assert (combined.message, combined.count) == ("(combined from similar events): Created pod: web-1-24", 16)
    sim.run(601)  # more than 10 minutes later the aggregation starts afresh
    s.record_event(rs, "SuccessfulCreate", "Created pod: web-1-99")
    assert s.events[-1].message == "Created pod: web-1-99"
