"""The scheduler over an API store: binding, FailedScheduling, queue, explain, determinism, batching."""
import pytest
from sched_helpers import bound, make, node, pod

from labsupport.core import LabError
from labsupport.k8s.errors import NotFoundError
from labsupport.k8s.scheduler import ExplainError, Explanation


def test_binds_through_the_store_and_records_scheduled_events():
    sim, store, sched = make()
    node(store, "n1")
    pod(store, "web")
    sim.run(1)
    assert bound(store) == {"web": "n1"}
    assert [(r.actor, r.verb) for r in store.log if r.kind == "Pod"] == [("kubectl", "create"), ("default-scheduler", "bind")]
    assert [e.message for e in store.events] == ["Successfully assigned default/web to n1"]


def test_unschedulable_pod_gets_the_aggregate_message_and_condition():
    sim, store, _ = make()
    node(store, "n1", cpu="1")
    node(store, "n2", cpu="1")
    node(store, "gpu", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    node(store, "old", labels={"disk": "hdd"}, unschedulable=True)
    p = pod(store, "big", cpu="2")
    sim.run(1)
    cond = p["status"]["conditions"][0]
    expected = ("0/4 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable, "
                "2 Insufficient cpu. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")
    assert (cond["type"], cond["status"], cond["reason"], cond["message"]) == ("PodScheduled", "False", "Unschedulable", expected)
    assert store.events[-1].reason == "FailedScheduling" and store.events[-1].type == "Warning"


def test_pending_pod_is_retried_when_a_node_is_added():
    sim, store, sched = make()
    pod(store, "web")
    sim.run(0.5)
    assert store.events[-1].message == "no nodes available to schedule pods"
    node(store, "n1")                              # at t=0.5: moves the Pod to backoffQ (1 s after its failure)
    sim.run(0.4)
    assert bound(store) == {"web": None}
    sim.run(0.2)
    assert bound(store) == {"web": "n1"}


def test_higher_priority_pods_are_scheduled_first():
    sim, store, _ = make()
    node(store, "n1", cpu="1")
    pod(store, "low", cpu="600m", priority=0)
    pod(store, "high", cpu="600m", priority=1000)
    sim.run(1)
    assert bound(store) == {"low": None, "high": "n1"}


def test_preemption_evicts_the_fewest_least_important_pods_and_nominates_the_node():
    sim, store, sched = make()
    node(store, "n1", cpu="4")
    for i in range(3):
        pod(store, f"low{i}", cpu="1", priority=0)
        sim.run(1)                                  # distinct start times: low0 oldest
    hi = pod(store, "high", cpu="2", priority=1000)
    sim.run(1)
    assert hi["status"]["nominatedNodeName"] == "n1"
    # 1 cpu free; without the three 1-cpu Pods 4 are free. Putting back the most important first
    # (equal priority: earliest start) low0 and low1 still leaves 2 cpu, low2 would not: only low2 goes
    victims = [p["metadata"]["name"] for p in store.list("Pod") if p["metadata"].get("deletionTimestamp") is not None]
    assert victims == ["low2"]
    assert any(e.reason == "Preempted" and e.name == "low2" for e in store.events)
    store.delete("Pod", "default", "low2", actor="kubelet", grace_period_seconds=0)   # the kubelet finishes it
    sim.run(15)
    assert bound(store)["high"] == "n1"


def test_preemption_policy_never_does_not_preempt():
    sim, store, _ = make()
    node(store, "n1", cpu="1")
    pod(store, "low", cpu="1", priority=0)
    sim.run(1)
    p = pod(store, "polite", cpu="1", priority=100, preemptionPolicy="Never")
    sim.run(1)
    assert p["status"]["conditions"][0]["message"].endswith("preemption: not eligible due to preemptionPolicy=Never.")


def test_explain_rows_for_every_node_without_binding():
    sim, store, sched = make()
    node(store, "n1", cpu="4")
    node(store, "n2", cpu="2")
    node(store, "n3", cpu="4", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    pod(store, "web", cpu="1", memory="1Gi")
    state = sim.rng.getstate()
    log_len = len(store.log)
    e = sched.explain("web")
    assert isinstance(e, Explanation) and len(store.log) == log_len and sim.rng.getstate() == state
    assert [r["node"] for r in e.rows] == ["n1", "n2", "n3"]
    n1 = e.rows[0]
    # by hand: LeastAllocated (75 + 87) // 2 = 81, Balanced (1 - |0.25-0.125|/2)*100 = 93, no soft taints: 100
    assert n1["scores"] == {"TaintToleration": 100, "NodeResourcesFit": 81, "NodeResourcesBalancedAllocation": 93}
    assert n1["total"] == 3 * 100 + 81 + 93
    assert e.rows[2] == {"node": "n3", "feasible": False, "reason": "node(s) had untolerated taint(s)", "scores": {}, "total": None}
    assert e.chosen == "n1"
    sim.run(1)
    assert bound(store)["web"] == e.chosen        # fewer than 100 nodes: the cycle saw what explain saw
    assert "NODE" in str(e) and "<table>" in e._repr_html_()


def test_explain_accepts_a_yaml_manifest_and_reports_when_nothing_fits():
    sim, store, sched = make()
    node(store, "n1", cpu="1")
    e = sched.explain("""
kind: Pod
metadata: {name: big, namespace: team}
spec:
  containers:
  - name: c
    resources: {requests: {cpu: "2"}}
""")
    assert e.chosen is None and e.rows[0]["reason"] == "Insufficient cpu"
    assert e.message == "0/1 nodes are available: 1 Insufficient cpu."
    assert e.pod == "team/big"


@pytest.mark.parametrize("arg, error, text", [
    ("missing", NotFoundError, 'pods "missing" not found'),
    ("web", ExplainError, "already bound"),
    ({"kind": "Deployment", "spec": {}}, ExplainError, "kind:"),
    ({"kind": "Pod", "spec": {"schedulerName": "other"}}, ExplainError, "spec.schedulerName:"),
    (42, ExplainError, "pod:"),
], ids=["unknown pod name", "bound pod", "not a Pod", "pod for another scheduler", "not a manifest"])
def test_explain_errors_name_the_problem(arg, error, text):
    sim, store, sched = make()
    node(store, "n1")
    pod(store, "web")
    sim.run(1)
    with pytest.raises(error) as e:
        sched.explain(arg)
    assert isinstance(e.value, LabError) and text in str(e.value)


def scenario(seed, batching=True, nodes=250, deployments=3, replicas=120):
    sim, store, sched = make(seed)
    sched.batching = batching
    for i in range(nodes):
        node(store, f"node-{i:03d}", cpu=str(2 + i % 3), memory=f"{4 + i % 5}Gi")
    for d in range(deployments):
        rs = store.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": f"app{d}-h"},
                           "spec": {"selector": {"matchLabels": {"app": f"app{d}"}}}}, actor="kubectl")
        for r in range(replicas):
            store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
                "name": f"app{d}-h-{r}", "labels": {"app": f"app{d}"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": f"app{d}-h", "uid": rs["metadata"]["uid"]}]},
                "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "100m", "memory": "200Mi"}}}]}},
                actor="replicaset-controller")
    sim.run(1)
    return bound(store), sched


def test_same_seed_same_placements():
    assert scenario(7)[0] == scenario(7)[0]


def test_batched_decisions_equal_one_cycle_per_pod():
    fast, s1 = scenario(3, batching=True)
    slow, s2 = scenario(3, batching=False)
    assert fast == slow and all(fast.values())
    assert s1.next_start_node_index == s2.next_start_node_index and s1.attempts == s2.attempts == 360


def test_default_spreading_uses_the_replicaset_selector():
    placements, _ = scenario(1, nodes=120, deployments=1, replicas=240)
    per_node = {}
    for n in placements.values():
        per_node[n] = per_node.get(n, 0) + 1
    # PodTopologySpread's system default (hostname, maxSkew 3) plus LeastAllocated keep replicas spread out
    assert len(per_node) == 120 and max(per_node.values()) - min(per_node.values()) <= 3


def test_relabelled_pod_is_recounted_for_spreading():
    sim, store, sched = make()
    node(store, "n1")
    p = pod(store, "web", labels={"app": "web"})
    sim.run(1)
    counts = lambda app: int(sched.cache.matching_counts(["default"], {"matchLabels": {"app": app}}).sum())  # noqa: E731
    assert (counts("web"), counts("api")) == (1, 0)
    p["metadata"]["labels"] = {"app": "api"}
    store.update(p, actor="kubectl")
    assert (counts("web"), counts("api")) == (0, 1)


def waves(batching):
    sim, store, sched = make(5)
    sched.batching = batching
    for i in range(220):
        node(store, f"node-{i:03d}", cpu=str(2 + i % 3), memory="8Gi")
    rs = store.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-h"},
                       "spec": {"selector": {"matchLabels": {"app": "web"}}}}, actor="kubectl")
    owner = [{"kind": "ReplicaSet", "name": "web-h", "uid": rs["metadata"]["uid"]}]
    for wave in range(3):
        for r in range(150):
            store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
                "name": f"web-{wave}-{r}", "labels": {"app": "web"}, "ownerReferences": owner},
                "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "300m", "memory": "1Gi"}}}]}},
                actor="replicaset-controller")
        sim.run(1)
        # the cluster changes between waves: Pods go away, a node is tainted, another is cordoned
        for r in range(0, 150, 7):
            store.delete("Pod", "default", f"web-{wave}-{r}", actor="kubectl", grace_period_seconds=0)
        n = store.get("Node", None, f"node-{wave * 10:03d}")
        n["spec"]["taints"] = [{"key": "k", "value": "v", "effect": "NoSchedule"}]
        store.update(n, actor="kubectl")
        n = store.get("Node", None, f"node-{wave * 10 + 1:03d}")
        n["spec"]["unschedulable"] = True
        store.update(n, actor="kubectl")
    return bound(store)


def test_batched_decisions_stay_exact_while_the_cluster_changes():
    assert waves(True) == waves(False)


@pytest.mark.parametrize("first, second, same_node_ok", [
    ({"hostPort": 8080}, {"hostPort": 8080}, False),
    ({"hostPort": 8080}, {"hostPort": 8081}, True),
    ({"hostPort": 53, "protocol": "UDP"}, {"hostPort": 53}, True),
    ({"hostPort": 8080, "hostIP": "10.0.0.1"}, {"hostPort": 8080, "hostIP": "10.0.0.2"}, True),
    ({"hostPort": 8080, "hostIP": "10.0.0.1"}, {"hostPort": 8080}, False),
], ids=["same hostPort collides", "different ports share a node", "UDP and TCP do not collide",
        "different host IPs do not collide", "0.0.0.0 collides with any host IP"])
def test_host_ports(first, second, same_node_ok):
    sim, store, sched = make()
    node(store, "n1")
    for name, port in (("a", first), ("b", second)):
        store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                      "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80, **port}]}]}},
                     actor="kubectl")
        sim.run(1)
    assert bound(store) == {"a": "n1", "b": "n1" if same_node_ok else None}
    if not same_node_ok:
        assert store.get("Pod", "default", "b")["status"]["conditions"][0]["message"].startswith(
            "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.")
