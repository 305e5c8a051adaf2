"""The learner-facing Cluster API: tables like kubectl, the watch log of one apply, determinism."""
from __future__ import annotations

import gc
import weakref

import pytest
from k8s_helpers import cluster, deployment

from labsupport import k8s
from labsupport.core import LabError, fast

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}


@pytest.mark.parametrize("kind, columns", [
    ("pods", ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]),
    ("deployments", ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]),
    ("rs", ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]),
    ("svc", ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]),
    ("nodes", ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]),
    ("ns", ["NAME", "STATUS", "AGE"]),
], ids=lambda v: v if isinstance(v, str) else "")
def test_get_prints_kubectl_columns(kind, columns):
    c = cluster(1)
    c.apply([deployment(replicas=1), SERVICE])
    c.run(5)
    t = c.get(kind)
    assert t.columns == columns and len(t) >= 1 and "<table>" in t._repr_html_()


def test_get_all_namespaces_adds_a_namespace_column():
    c = cluster(1)
    assert c.get("pods", namespace=None).columns[0] == "NAMESPACE"


def test_watch_log_lists_the_ripple_of_one_apply():
    c = cluster(1)
    applied = c.apply(deployment(replicas=1))
    c.run(10)
    log = c.watch_log(since=applied)
    who = [(r["ACTOR"], r["VERB"], r["KIND"]) for r in log]
    assert who[0] == ("kubectl", "create", "Deployment")
    assert ("deployment-controller", "create", "ReplicaSet") in who
    assert ("replicaset-controller", "create", "Pod") in who
    assert ("default-scheduler", "bind", "Pod") in who
    assert ("kubelet/node-1", "update status", "Pod") in who
    assert who.index(("replicaset-controller", "create", "Pod")) < who.index(("default-scheduler", "bind", "Pod"))
    assert log.column("RV") == sorted(log.column("RV"))
    assert all(r["KIND"] != "Lease" for r in log) and any(r["KIND"] == "Lease" for r in c.watch_log(since=applied, include_heartbeats=True))


def test_pods_are_snapshots_with_the_documented_attributes():
    c = cluster(1)
    c.apply(deployment(replicas=1))
    c.run(10)
    (p,) = c.pods()
    assert (p.namespace, p.node, p.phase, p.labels["app"]) == ("default", "node-1", "Running", "web")
    assert p.ip.startswith("10.244.0.") and p.name.startswith("web-")


def test_service_gets_a_cluster_ip_a_dns_name_and_endpoints():
    c = cluster(2)
    c.apply([deployment(replicas=2), SERVICE])
    c.run(10)
    assert c.object("svc", "web")["spec"]["clusterIP"] == "10.96.0.2"
    assert c.service_dns_name("web") == k8s.service_dns_name("web") == "web.default.svc.cluster.local"
    assert sorted(c.endpoints("web")) == sorted(p.ip for p in c.pods())


def test_unknown_kind_and_missing_objects_are_plain_errors():
    c = cluster(1)
    with pytest.raises(LabError, match='doesn\'t have a resource type "widgets"'):
        c.get("widgets")
    with pytest.raises(k8s.NotFoundError, match='deployments.apps "nope" not found'):
        c.delete("deploy", "nope")
    with pytest.raises(LabError, match="cpu: '4 cores' is not a valid quantity"):
        c.add_node("node-9", cpu="4 cores")


def _trace(seed):
    c = cluster(3, seed=seed)
    c.apply([deployment(replicas=5), SERVICE])
    c.run(20)
    c.apply(deployment(replicas=5, image="nginx:1.28"))
    c.run(60)
    c.fail_node("node-2")
    c.run(400)
    return str(c.watch_log(include_heartbeats=True)), str(c.events()), str(c.get("pods"))


def test_same_seed_same_trace():
    assert _trace(3) == _trace(3)


def test_a_deleted_namespace_is_terminating_until_its_last_pod_is_gone():
    c = cluster(1)
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    d = deployment(replicas=2)
    d["metadata"]["namespace"] = "shop"
    c.apply([ns, d])
    c.run(10)
    c.delete("namespace", "shop")
    assert c.get("ns", "shop").rows[0]["STATUS"] == "Terminating"
    with pytest.raises(k8s.ManifestError, match="namespace shop is being terminated"):
        c.apply({**deployment("other"), "metadata": {"name": "other", "namespace": "shop"}})
    c.run(5)
    assert c.pods(namespace="shop") == [] and "shop" not in c.get("ns").column("NAME")


def test_get_events_is_kubectl_get_events():
    c = cluster(1)
    c.apply(deployment(replicas=1))
    c.run(5)
    t = c.get("events")
    assert t.columns[:5] == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SOURCE"]
    assert ("ScalingReplicaSet", "deployment/web") in [(r["REASON"], r["OBJECT"]) for r in t]


def test_a_pod_bound_to_a_node_without_kubelet_stays_pending():
    from k8s_helpers import pod

    c = cluster(1)
    c.apply([pod("ghost", nodeName="nope"), pod("real", nodeName="node-1")])
    c.run(0.1)
    assert {p.name: p.status for p in c.pods()} == {"ghost": "Pending", "real": "ContainerCreating"}


def big_cluster(nodes=1):
    """A cluster that opts in to the big-run garbage-collector handling (labsupport.k8s.bigrun)."""
    c = k8s.Cluster(seed=0, gc_pause=True)
    for i in range(nodes):
        c.add_node(f"node-{i + 1}")
    return c


def test_a_big_run_freezes_its_objects_and_discarding_the_cluster_unfreezes_them(monkeypatch):
    monkeypatch.setattr(k8s.bigrun, "GC_FREEZE_THRESHOLD", 0)   # every run counts as big
    assert gc.isenabled() and gc.get_freeze_count() == 0
    try:
        c = big_cluster()
        c.apply(deployment(replicas=2))
        c.run(5)
        assert gc.isenabled() and gc.get_freeze_count() > 0         # no collector scan of them after the run
        c.run(5)                                                    # (one finalizer, however many runs)
        store = weakref.ref(c.store)                                # cyclic: store <-> watch handlers
        del c                                                       # the Cluster is not part of a cycle ...
        assert gc.get_freeze_count() == 0                           # ... so dropping it unfreezes at once
        assert store() is None                                      # and its cyclic garbage is collected
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("make, switch", [
    (lambda: cluster(1), "on"),
    (big_cluster, "off"),
], ids=["a cluster that did not opt in leaves the collector alone",
        "with the k8s.gc fast path switched off an opted-in cluster leaves it alone too"])
def test_run_touches_the_garbage_collector_only_when_asked(monkeypatch, make, switch):
    monkeypatch.setattr(k8s.bigrun, "GC_FREEZE_THRESHOLD", 0)
    seen = []
    monkeypatch.setattr(k8s.bigrun.gc, "disable", lambda: seen.append("disable"))
    with fast.on() if switch == "on" else fast.off("k8s.gc"):
        c = make()
        c.apply(deployment(replicas=2))
        c.run(5)
    assert seen == [] and gc.isenabled() and gc.get_freeze_count() == 0


def test_a_small_run_leaves_the_garbage_collector_alone():
    c = big_cluster()
    c.apply(deployment(replicas=2))
    c.run(30)
    assert gc.isenabled() and gc.get_freeze_count() == 0
