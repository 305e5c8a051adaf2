"""APIStore: one resourceVersion counter, watches in resourceVersion order, graceful Pod deletion."""
from __future__ import annotations

import pytest
from k8s_helpers import cluster, pod

from labsupport.core import Simulation
from labsupport.k8s.errors import ConflictError
from labsupport.k8s.objects import copy_json
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


# --------------------------------------------------------------- optimistic concurrency
CONFLICT = ('Operation cannot be fulfilled on pods "a": the object has been modified; '
            "please apply your changes to the latest version and try again")


@pytest.mark.parametrize("resource_version, succeeds", [
    ("1", False),
    (1, False),
    ("2", True),
    (None, True),
    ("", True),
], ids=["a stale resourceVersion is refused with 409 Conflict",
        "a stale resourceVersion given as an int is refused too",
        "the current resourceVersion is accepted",
        "no resourceVersion means an unconditional update",
        "an empty resourceVersion means an unconditional update"])
def test_update_checks_the_resource_version_like_the_api_server(resource_version, succeeds):
    s = APIStore(Simulation(0))
    live = s.create(_pod("a"), actor="t")          # rv 1
    copy = copy_json(live)
    s.update(live, actor="kubelet")                # rv 2: someone else wrote it
    if resource_version is None:
        del copy["metadata"]["resourceVersion"]
    else:
        copy["metadata"]["resourceVersion"] = resource_version
    copy["metadata"]["labels"] = {"mine": "yes"}
    if succeeds:
        assert s.update(copy, actor="me") is copy
        assert s.get("Pod", "default", "a") is copy and copy["metadata"]["resourceVersion"] == "3"
    else:
        with pytest.raises(ConflictError) as e:
            s.update(copy, actor="me")
        assert str(e.value) == CONFLICT
        # the failed call changed nothing
        assert s.get("Pod", "default", "a") is live and s.resource_version == 2 and len(s.log) == 2


def test_read_modify_write_on_the_latest_version_succeeds_after_a_conflict():
    s = APIStore(Simulation(0))
    live = s.create(_pod("a"), actor="t")
    stale = copy_json(live)
    s.update(live, actor="kubelet")
    with pytest.raises(ConflictError):
        s.update(stale, actor="me")
    latest = copy_json(s.get("Pod", "default", "a"))  # what client-go's retry.RetryOnConflict does: get, change, update
    latest["metadata"]["labels"] = {"mine": "yes"}
    s.update(latest, actor="me")
    assert s.get("Pod", "default", "a")["metadata"]["labels"] == {"mine": "yes"}


def test_a_stale_pod_from_a_running_cluster_conflicts_and_the_cluster_keeps_working():
    c = cluster(1)
    c.apply(pod("p"))
    stale = copy_json(c.object("pod", "p"))
    c.run(10)  # the scheduler binds it, the kubelet reports status: the stored version moved on
    with pytest.raises(ConflictError, match='pods "p": the object has been modified'):
        c.store.update(stale, actor="me")
    c.delete("pod", "p")
    c.run(40)
    assert c.pods() == []


def test_binding_clears_the_nominated_node_name():
    s = APIStore(Simulation(0))
    p = _pod("preemptor")
    p["status"] = {"nominatedNodeName": "n1"}
    s.create(p, actor="t")
    s.bind("default", "preemptor", "n1")
    assert p["spec"]["nodeName"] == "n1" and "nominatedNodeName" not in p["status"]
    assert [(r.verb, r.resource_version) for r in s.log] == [("create", 1), ("bind", 2)]  # one write, as in the API server


def test_watchers_lists_who_watches_which_kind_once_in_registration_order():
    s = APIStore(Simulation(0))

    class Controller:
        name = "demo-controller"

        def on_pod(self, ev):
            pass

    def on_node(ev):
        pass

    ctl = Controller()
    s.watch("Pod", ctl.on_pod)
    s.watch("Pod", ctl.on_pod)                       # a second handler of the same owner: listed once
    s.watch("Node", on_node)
    s.watch("Node", lambda ev: None, owner="kube-scheduler")
    assert s.watchers() == (("Pod", "demo-controller"), ("Node", "on_node"), ("Node", "kube-scheduler"))


def test_a_cluster_lists_its_components_as_watchers():
    owners = {}
    for kind, owner in cluster(0).store.watchers():
        owners.setdefault(kind, set()).add(owner)
    assert {"kubelet", "kube-scheduler", "replicaset-controller", "endpointslice-controller"} <= owners["Pod"]
    assert owners["Node"] == {"node-controller", "taint-eviction-controller", "kube-scheduler", "daemonset-controller"}
