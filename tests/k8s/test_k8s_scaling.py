"""Issue 14, Kubernetes side: cluster autoscaler, PDBs, eviction, drain, etcd quorum, leader Leases.

Tables from the docs: cluster-autoscaler FAQ parameter defaults, the PDB task page's examples and
rounding rule, the etcd FAQ's fault-tolerance table, client-go's leader-election timing.
"""
from __future__ import annotations

import pytest

from labsupport import k8s
from labsupport.core import LabError
from labsupport.k8s.controllers.clusterautoscaler import AutoscalerOptions, utilization
from labsupport.k8s.controllers.disruption import budget
from labsupport.k8s.controllers.expander import Option, choose, priority_of
from labsupport.k8s.controlplane import (
    ELECTION_TIMEOUT,
    HEARTBEAT_INTERVAL,
    LEASE_DURATION,
    RENEW_DEADLINE,
    RETRY_PERIOD,
    quorum,
)
from labsupport.k8s.controlplane.etcd import fault_tolerance
from labsupport.k8s.eviction import EVICTION_REFUSED

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: "nginx:1.27", resources: {{requests: {{cpu: "{cpu}", memory: 1Gi}}}}}}]
"""


def pdb(spec: str, name: str = "web") -> str:
    return f"""
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}}}
spec:
  {spec}
  selector: {{matchLabels: {{app: web}}}}
"""


# ------------------------------------------------------------------ defaults from the docs
@pytest.mark.parametrize("option, value", [
    ("scan_interval", 10.0),
    ("scale_down_utilization_threshold", 0.5),
    ("scale_down_unneeded_time", 600.0),
    ("scale_down_delay_after_add", 600.0),
    ("scale_down_delay_after_failure", 180.0),
    ("max_scale_down_parallelism", 10),
    ("max_drain_parallelism", 1),
    ("new_pod_scale_up_delay", 0.0),
    ("expander", "least-waste"),   # flags.go since PR #7631 (2025); the FAQ table said random before
], ids=lambda v: str(v))
def test_autoscaler_defaults_are_the_faq_defaults(option, value):
    assert getattr(AutoscalerOptions(), option) == value


@pytest.mark.parametrize("members, needed, tolerated", [(1, 1, 0), (2, 2, 0), (3, 2, 1), (4, 3, 1), (5, 3, 2), (6, 4, 2), (7, 4, 3)],
                         ids=lambda v: str(v))
def test_quorum_and_fault_tolerance_follow_the_etcd_faq_table(members, needed, tolerated):
    assert quorum(members) == needed
    assert fault_tolerance(members) == tolerated
    assert k8s.quorum(members) == needed


def test_timing_constants_are_the_documented_defaults():
    assert (HEARTBEAT_INTERVAL, ELECTION_TIMEOUT) == (0.1, 1.0)
    assert (LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD) == (15.0, 10.0, 2.0)


@pytest.mark.parametrize("spec, healthy, pods, scale, expected", [
    ({"minAvailable": 2}, 3, 3, 3, (3, 2, 3, 1)),            # configure-pdb: zk-pdb status with 3 pods
    ({"minAvailable": 2}, 0, 0, 0, (0, 2, 0, 0)),            # ... and with no pods: ALLOWED DISRUPTIONS 0
    ({"maxUnavailable": 1}, 3, 3, 3, (3, 2, 3, 1)),          # "both specifications have the exact same meaning" at size 3
    ({"minAvailable": "50%"}, 7, 7, 7, (7, 4, 7, 3)),        # 7 Pods, 50% -> 4 must be available (rounded up)
    ({"minAvailable": 5}, 6, 6, 6, (6, 5, 6, 1)),            # Example 1
    ({"minAvailable": "30%"}, 10, 10, 10, (10, 3, 10, 7)),   # Example 2
    ({"maxUnavailable": 5}, 10, 10, 10, (10, 5, 10, 5)),     # Example 3
    ({"maxUnavailable": "30%"}, 10, 10, 10, (10, 7, 10, 3)),  # Example 4: 30% of 10 = 3 unavailable
    ({"maxUnavailable": 0}, 3, 3, 3, (3, 3, 3, 0)),          # zero voluntary evictions
    ({"minAvailable": "100%"}, 3, 3, 3, (3, 3, 3, 0)),
    ({"minAvailable": 3}, 2, 3, 3, (3, 3, 2, 0)),            # one Pod unhealthy: nothing allowed
], ids=["minAvailable 2 of 3 allows 1", "no pods allow nothing", "maxUnavailable 1 of 3 allows 1", "50% of 7 rounds up to 4",
        "example 1", "example 2", "example 3", "example 4", "maxUnavailable 0 blocks", "minAvailable 100% blocks",
        "an unhealthy pod uses the budget"])
def test_pdb_budget_matches_the_configure_pdb_page(spec, healthy, pods, scale, expected):
    assert budget(spec, healthy, pods, scale) == expected


# ------------------------------------------------------------------ PDB objects, eviction, drain
def cluster_with_web(replicas=3, pdb_spec="minAvailable: 2", nodes=2, seed=0):
    c = k8s.Cluster(seed=seed)
    for i in range(1, nodes + 1):
        c.add_node(f"node-{i}", cpu="4", memory="16Gi")
    c.apply(WEB.format(replicas=replicas, cpu="500m"))
    if pdb_spec:
        c.apply(pdb(pdb_spec))
    c.run(10)
    return c


def test_kubectl_get_pdb_prints_like_the_docs():
    c = cluster_with_web()
    assert str(c.get("pdb")).splitlines() == [
        "NAME   MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE",
        "web    2               N/A               1                     10s"]
    st = c.object("pdb", "web")["status"]
    assert (st["currentHealthy"], st["desiredHealthy"], st["disruptionsAllowed"], st["expectedPods"]) == (3, 2, 1, 3)


def test_second_eviction_is_refused_with_429_and_the_api_message():
    c = cluster_with_web()
    pods = [p.name for p in c.pods()]
    first = c.evict(pods[0])
    second = c.evict(pods[1])
    assert first.code == 201
    assert second.code == 429
    assert second.message == EVICTION_REFUSED == "Cannot evict pod as it would violate the pod's disruption budget."
    # the API server decremented disruptionsAllowed; the controller has not recounted the healthy Pods yet
    assert second.cause == "The disruption budget web needs 2 healthy pods and has 3 currently"
    assert c.object("pod", pods[1])["metadata"].get("deletionTimestamp") is None
    c.run(0)                                  # the disruption controller recounts at once
    assert c.evict(pods[1]).cause == "The disruption budget web needs 2 healthy pods and has 2 currently"


@pytest.mark.parametrize("policy, evicted", [(None, False), ("IfHealthyBudget", False), ("AlwaysAllow", True)],
                         ids=["unset means IfHealthyBudget: refused", "IfHealthyBudget: refused", "AlwaysAllow: evicted"])
def test_unhealthy_pod_eviction_policy(policy, evicted):
    spec = "minAvailable: 3" + (f"\n  unhealthyPodEvictionPolicy: {policy}" if policy else "")
    c = cluster_with_web(pdb_spec=spec)
    victim = c.pods()[0].name
    pod = c.object("pod", victim)
    for cond in pod["status"]["conditions"]:
        if cond["type"] == "Ready":
            cond["status"] = "False"
    c.store.update(pod, actor="test")
    c.run(1)
    assert c.evict(victim).allowed is evicted


def test_more_than_one_pdb_is_an_error_500():
    c = cluster_with_web()
    c.apply(pdb("maxUnavailable: 1", name="web2"))
    c.run(1)
    res = c.evict(c.pods()[0].name)
    assert res.code == 500 and "more than one PodDisruptionBudget" in res.message


def test_drain_retries_every_5_seconds_until_the_budget_allows():
    c = cluster_with_web(replicas=2, pdb_spec="minAvailable: 2", nodes=1)
    c.add_node("node-2", cpu="4", memory="16Gi")
    res = c.drain("node-1")
    assert res.lines[0][1] == "node/node-1 cordoned"
    assert not res.done and len(res.blocked) == 2
    assert any(line.endswith("(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.") for _, line in res.lines)
    c.run(60)
    assert not res.done, "minAvailable equal to the replicas: the drain never completes"
    c.apply(pdb("minAvailable: 1"))          # the fix: allow one disruption
    c.run(120)
    assert res.done and res.lines[-1][1] == "node/node-1 drained"
    assert all(p.node == "node-2" for p in c.pods() if p.phase == "Running")
    assert "SchedulingDisabled" in str(c.get("nodes"))
    assert c.uncordon("node-1") == "node/node-1 uncordoned"


def test_drain_refuses_pods_without_a_controller_unless_forced():
    c = cluster_with_web(pdb_spec=None, nodes=1)
    c.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: solo}\nspec:\n  containers: [{name: c, image: busybox}]\n")
    c.run(5)
    with pytest.raises(LabError, match=r"cannot delete Pods that declare no controller \(use --force to override\): default/solo"):
        c.drain("node-1")
    assert c.object("node", "node-1")["spec"]["unschedulable"] is True
    res = c.drain("node-1", force=True)
    c.run(60)
    assert res.done


@pytest.mark.parametrize("manifest, message", [
    (pdb("minAvailable: 1\n  maxUnavailable: 1"), "minAvailable and maxUnavailable cannot be both set"),
    (pdb('minAvailable: "120%"'), "must not be greater than 100%"),
    (pdb("maxUnavailable: -1"), "spec.maxUnavailable"),
    (pdb("minAvailable: 1\n  unhealthyPodEvictionPolicy: Sometimes"), 'Unsupported value: "Sometimes"'),
], ids=["both set", "more than 100 percent", "negative", "unknown unhealthy policy"])
def test_invalid_pdbs_are_rejected_naming_the_field(manifest, message):
    c = k8s.Cluster(seed=0)
    with pytest.raises(LabError, match=message):
        c.apply(manifest)


# ------------------------------------------------------------------ cluster autoscaler
def test_new_group_starts_at_min_and_scales_up_after_provisioning():
    c = k8s.Cluster(seed=0)
    c.add_node_group("workers", min=1, max=10, cpu="4", memory="16Gi", provision_seconds=60)
    assert [n["NAME"] for n in c.get("nodes")] == ["workers-1"]
    c.apply(WEB.format(replicas=10, cpu="1"))
    c.run(9)
    assert sum(1 for p in c.pods() if p.node) == 4
    c.run(2)                                  # first autoscaler loop at t=10
    row = c.autoscaler_status()[0]
    assert (row["SIZE"], row["TARGET"]) == (1, 3) and row["SCALE-UP"].startswith("InProgress")
    ev = [e for e in c.events() if e["REASON"] == "TriggeredScaleUp"]
    assert ev and ev[0]["MESSAGE"] == "pod triggered scale-up: [{workers 1->3 (max: 10)}]"
    c.run(60)
    assert all(p.node for p in c.pods())
    assert c.autoscaler_status()[0]["SIZE"] == 3


def test_scale_up_stops_at_max_and_says_so():
    c = k8s.Cluster(seed=0)
    c.add_node_group("workers", min=1, max=2, cpu="2", memory="8Gi", provision_seconds=30)
    c.apply(WEB.format(replicas=8, cpu="1"))
    c.run(200)
    assert c.autoscaler_status()[0]["SIZE"] == 2
    assert any(e["MESSAGE"] == "pod didn't trigger scale-up: 1 max node group size reached" for e in c.events())


@pytest.mark.parametrize("expander, group", [("least-waste", "small"), ("most-pods", "big"), ("priority", "small"),
                                             ("least-nodes", "big")],   # small can grow to 2 only for least-nodes
                         ids=["least-waste picks the snug group", "most-pods picks the group that places more pods",
                              "priority picks the highest-priority match", "least-nodes picks the group needing fewer nodes"])
def test_expanders_choose_between_groups(expander, group):
    c = k8s.Cluster(seed=0)
    c.configure_autoscaler(expander=expander, priorities={10: ["small"], 1: [".*"]})
    c.add_node_group("big", min=0, max=1, cpu="16", memory="64Gi", provision_seconds=10)
    c.add_node_group("small", min=0, max=2 if expander == "least-nodes" else 1, cpu="2", memory="8Gi", provision_seconds=10)
    c.apply(WEB.format(replicas=3, cpu="1"))
    c.run(11)
    targets = {r["GROUP"]: r["TARGET"] for r in c.autoscaler_status()}
    assert targets[group] == 1 and sum(targets.values()) == 1


def test_expander_choice_functions():
    opts = [Option("a", 1, 3, 0.5, 1), Option("b", 2, 5, 0.2, 7)]
    import random
    assert choose("priority", opts, random.Random(0)).group == "b"
    assert priority_of("gpu-pool", {5: ["gpu-.*"], 1: [".*"]}) == 5
    assert priority_of("x", None) == -1
    with pytest.raises(LabError, match="expander: must be one of least-waste, random, most-pods, least-nodes, priority, got 'price'"):
        choose("price", opts, random.Random(0))


def test_utilization_is_the_larger_of_cpu_and_memory():
    node = {"status": {"allocatable": {"cpu": "4", "memory": "8Gi"}}}
    pod = {"spec": {"containers": [{"resources": {"requests": {"cpu": "1", "memory": "6Gi"}}}]}}
    assert utilization(node, [pod]) == 0.75


def scaled_up_cluster(seed=0, pdb_spec=None, **options):
    c = k8s.Cluster(seed=seed)
    if options:
        c.configure_autoscaler(**options)
    c.add_node_group("workers", min=1, max=5, cpu="4", memory="16Gi", provision_seconds=60)
    c.apply(WEB.format(replicas=10, cpu="1"))
    if pdb_spec:
        c.apply(pdb(pdb_spec))
    c.run(120)
    c.scale("deployment", "web", 2)
    return c


def test_scale_down_waits_for_delay_after_add_and_unneeded_time():
    c = scaled_up_cluster()
    c.run(300)
    assert c.autoscaler_status()[0]["SIZE"] == 3, "10 minutes after the scale-up nothing is removed"
    c.run(1500)
    row = c.autoscaler_status()[0]
    assert row["SIZE"] == 1 and row["TARGET"] == 1
    assert any(e["MESSAGE"] == "marked the node as toBeDeleted/unschedulable" for e in c.events())


def test_scale_down_never_goes_below_min():
    c = scaled_up_cluster(scale_down_unneeded_time=60, scale_down_delay_after_add=0)
    c.scale("deployment", "web", 0)
    c.run(1200)
    assert c.autoscaler_status()[0]["SIZE"] == 1


@pytest.mark.parametrize("seed", range(4), ids=lambda s: f"seed {s}")
def test_property_autoscaler_never_exceeds_max_nor_removes_a_node_a_pdb_protects(seed):
    import random
    rng = random.Random(seed)
    c = k8s.Cluster(seed=seed)
    c.configure_autoscaler(scale_down_unneeded_time=rng.choice([30, 60, 120]), scale_down_delay_after_add=rng.choice([0, 60]),
                           expander=rng.choice(["random", "least-waste", "most-pods"]))
    mx = rng.randint(2, 5)
    c.add_node_group("workers", min=1, max=mx, cpu="2", memory="8Gi", provision_seconds=rng.choice([0, 30, 90]))
    c.apply(WEB.format(replicas=rng.randint(3, 12), cpu="500m"))
    c.apply(pdb("maxUnavailable: 0"))
    removed_with_pods = []
    remove = c.autoscaler.remove_node

    def checked_remove(name):
        removed_with_pods.extend(p["metadata"]["name"] for p in c.store.by_index("pods-by-node", name))
        remove(name)
    c.autoscaler.remove_node = checked_remove
    for _ in range(25):
        c.scale("deployment", "web", rng.randint(0, 12))
        c.run(rng.choice([10, 60, 200]))
        assert len(c.autoscaler.groups["workers"].nodes) <= mx
        assert c.autoscaler.groups["workers"].target <= mx
    # maxUnavailable: 0 protects every Pod: no node is removed while a Pod runs there, no Pod is evicted for a scale-down
    assert not removed_with_pods
    assert not [r for r in c.writes() if r.kind == "Pod" and r.actor == "cluster-autoscaler"]
    assert not [e for e in c.events() if e["REASON"] == "ScaleDown" and e["OBJECT"].startswith("pod/")]


def test_hpa_and_autoscaler_follow_a_load_curve_out_and_back_in():
    c = k8s.Cluster(seed=0)
    c.configure_autoscaler(scale_down_unneeded_time=120, scale_down_delay_after_add=120)
    c.add_node_group("workers", min=1, max=6, cpu="2", memory="8Gi", provision_seconds=60)
    c.apply(WEB.format(replicas=2, cpu="500m"))
    c.apply("""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 20
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
""")
    c.set_load("web", total=lambda t: 4000 if 60 <= t < 900 else 200)
    peak_nodes = 0
    for _ in range(60):
        c.run(30)
        peak_nodes = max(peak_nodes, c.autoscaler_status()[0]["SIZE"])
    assert peak_nodes >= 3, "Pods went Pending and nodes arrived"
    assert c.autoscaler_status()[0]["SIZE"] == 1, "after the load dropped both scaled back in"
    assert c.object("deployment", "web")["spec"]["replicas"] == 2


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "Workers"}, "name: 'Workers' is not a valid node group name"),
    ({"name": "w", "min": 3, "max": 2}, "max: must be >= 1 and >= min"),
    ({"name": "w", "min": -1}, "min: must be an integer >= 0"),
    ({"name": "w", "provision_seconds": -5}, "provision_seconds: must be a number of seconds"),
    ({"name": "w", "cpu": "lots"}, "cpu"),
], ids=["upper-case name", "max below min", "negative min", "negative provisioning", "bad cpu"])
def test_add_node_group_errors_name_the_field(kwargs, message):
    c = k8s.Cluster(seed=0)
    with pytest.raises(LabError, match=message):
        c.add_node_group(**kwargs)
    assert c.autoscaler is None or not c.autoscaler.groups


@pytest.mark.parametrize("options, message", [
    ({"expander": "price"}, "expander: must be one of"),
    ({"scale_down_utilization_threshold": 1.5}, "scale_down_utilization_threshold: must be a number between 0 and 1"),
    ({"scale_down_unneeded_time": -1}, "scale_down_unneeded_time: must be a number of seconds"),
    ({"scan_interval": 0}, "scan_interval: must be a number of seconds"),
    ({"scale_down_unneded_time": 60}, "scale_down_unneded_time: not a cluster-autoscaler option"),
], ids=["unknown expander", "threshold above 1", "negative time", "zero scan interval", "misspelt option"])
def test_configure_autoscaler_errors(options, message):
    c = k8s.Cluster(seed=0)
    with pytest.raises(LabError, match=message):
        c.configure_autoscaler(**options)
    assert c.configure_autoscaler().expander == "least-waste"


def test_autoscaler_status_without_groups_explains():
    with pytest.raises(LabError, match=r"node groups: none yet; add one with cluster.add_node_group"):
        k8s.Cluster(seed=0).autoscaler_status()


# ------------------------------------------------------------------ control plane HA
def ha_cluster(seed=0, cp=3, etcd=3):
    c = k8s.Cluster(seed=seed, control_plane=cp, etcd=etcd)
    c.add_node("node-1", cpu="8", memory="16Gi")
    c.apply(WEB.format(replicas=2, cpu="100m"))
    c.run(20)
    return c


@pytest.mark.parametrize("seed", range(6), ids=lambda s: f"seed {s}")
def test_scheduling_gap_after_the_leader_dies_is_between_lease_duration_and_lease_plus_jittered_retry(seed):
    c = ha_cluster(seed)
    last_renew = c.leases()[1]["RENEW TIME"]
    c.fail_control_plane("cp-1")
    t0 = c.now
    c.scale("deployment", "web", 4)
    c.run(30)
    took = {comp: t for t, comp, who in c.control_plane.leadership if who not in (None, "cp-1")}
    for t in took.values():
        assert LEASE_DURATION <= t - last_renew < LEASE_DURATION + RETRY_PERIOD * 2.2 + 1e-9
    # the new Pods need both: the ReplicaSet controller (controller manager) creates them, the scheduler binds them
    bound = [r for r in c.writes() if r.verb == "bind" and r.time > t0]
    assert bound and min(r.time for r in bound) == pytest.approx(max(took.values()))
    assert c.leases()[1]["TRANSITIONS"] == 1


@pytest.mark.parametrize("seed", range(4), ids=lambda s: f"seed {s}")
@pytest.mark.parametrize("component", ["kube-scheduler", "kube-controller-manager"])
def test_election_log_shows_a_standby_taking_the_lease_at_its_first_try_15_s_after_it_saw_the_last_change(component, seed):
    c = ha_cluster(seed)
    c.fail_control_plane("cp-1")
    c.run(30)
    log = c.leader_election_log(component, since=c.now - 30)
    took = [r for r in log if r["RESULT"] == "expired: acquired"]
    assert len(took) == 1 and took[0]["CANDIDATE"] != "cp-1"
    winner = took[0]
    tries = [r for r in log if r["CANDIDATE"] == winner["CANDIDATE"] and r["TIME"] <= winner["TIME"]]
    # every earlier try found the Lease not yet expired in this candidate's own view, and the waits are 2 s .. 4.4 s
    assert all(r["RESULT"] == "held, not expired" and r["TIME"] < r["EXPIRED FOR IT AT"] for r in tries[:-1])
    assert winner["TIME"] >= winner["EXPIRED FOR IT AT"]
    for earlier, later in zip(tries[:-1], tries[1:], strict=True):
        assert earlier["NEXT TRY AT"] == later["TIME"]
        assert RETRY_PERIOD - 1e-3 <= later["TIME"] - earlier["TIME"] <= RETRY_PERIOD * 2.2 + 1e-3
    assert winner["EXPIRED FOR IT AT"] == pytest.approx(winner["CHANGE SEEN AT"] + LEASE_DURATION, abs=1e-3)


def test_api_keeps_working_while_one_api_server_runs_and_refuses_when_none_does():
    c = ha_cluster()
    c.fail_control_plane("cp-1")
    c.fail_control_plane("cp-2")
    c.scale("deployment", "web", 3)
    c.fail_control_plane("cp-3")
    with pytest.raises(LabError, match=r"The connection to the server control-plane.cluster.local:6443 was refused"):
        c.scale("deployment", "web", 1)
    c.restore_control_plane("cp-2")
    c.run(30)
    assert sum(1 for p in c.pods() if p.node) == 3


@pytest.mark.parametrize("size, lost, writes", [(3, 1, True), (3, 2, False), (5, 2, True), (5, 3, False), (1, 1, False)],
                         ids=["3 members lose 1: writes", "3 members lose 2: no writes", "5 members lose 2: writes",
                              "5 members lose 3: no writes", "a single member lost: no writes"])
def test_etcd_needs_a_majority_to_write(size, lost, writes):
    c = ha_cluster(etcd=size)
    for i in range(1, lost + 1):
        c.fail_etcd_member(f"etcd-{i}")
    c.run(5)
    ok = True
    try:
        c.scale("deployment", "web", 3)
    except LabError as e:
        ok = False
        assert "etcdserver: request timed out" in str(e)
    assert ok is writes
    assert all(r["QUORUM"].endswith("writes ok" if writes else "NO WRITES") for r in c.etcd_status())


def test_etcd_elects_a_new_leader_within_one_to_two_election_timeouts_and_bumps_the_term():
    c = ha_cluster(etcd=3)
    c.fail_etcd_member("etcd-1")
    t0 = c.now
    c.run(3)
    when, who, what = [h for h in c.control_plane.etcd.history if "elected" in h[2]][-1]
    assert ELECTION_TIMEOUT <= when - t0 < 2 * ELECTION_TIMEOUT
    assert what == "elected leader at term 2" and who != "etcd-1"
    rows = {r["MEMBER"]: r for r in c.etcd_status()}
    assert rows["etcd-1"]["ROLE"] == "down" and rows[who]["ROLE"] == "leader" and rows[who]["TERM"] == 2


def test_losing_etcd_quorum_stops_the_leaders_after_the_renew_deadline_but_pods_keep_running():
    c = ha_cluster()
    running = sorted(p.name for p in c.pods() if p.phase == "Running")
    c.fail_etcd_member("etcd-1")
    c.fail_etcd_member("etcd-2")
    c.run(15)
    assert all(r["LEADING"] is None for r in c.leases())
    assert sorted(p.name for p in c.pods() if p.phase == "Running") == running
    c.restore_etcd_member("etcd-2")
    c.run(30)
    assert all(r["LEADING"] is not None for r in c.leases())
    assert c.etcd_status().title == "etcd (leader: etcd-2)" or "leader" in c.etcd_status().title


@pytest.mark.parametrize("call, message", [
    (lambda c: c.fail_etcd_member("etcd-9"), "member: no etcd member 'etcd-9'"),
    (lambda c: c.fail_control_plane("cp-7"), "member: no control-plane member 'cp-7'"),
    (lambda c: k8s.Cluster(seed=0, control_plane=0), "control_plane: must be an integer number of members between 1 and 9"),
    (lambda c: k8s.Cluster(seed=0, etcd="3"), "etcd: must be an integer number of members between 1 and 9"),
    (lambda c: k8s.Cluster(seed=0).leases(), "control_plane: this cluster has no simulated HA control plane"),
    (lambda c: k8s.quorum(0), "members: must be an integer >= 1"),
    (lambda c: c.leader_election_log("etcd"), "component: must be one of kube-controller-manager, kube-scheduler, got 'etcd'"),
], ids=["unknown etcd member", "unknown control-plane member", "zero members", "members as a string", "leases without HA",
        "quorum of nothing", "election log of an unknown component"])
def test_ha_errors_name_the_field(call, message):
    c = k8s.Cluster(seed=0, control_plane=3, etcd=3)
    with pytest.raises(LabError, match=message):
        call(c)


def test_default_cluster_writes_nothing_new():
    """Clusters without HA, node groups or PDBs behave as before issue 14 (no Lease writes, no new watchers)."""
    c = k8s.Cluster(seed=0)
    c.add_node("node-1")
    c.run(30)
    assert {(w.kind, w.owner) for w in c.store.watchers()}.isdisjoint({("PodDisruptionBudget", "disruption-controller")})
    assert not [r for r in c.writes() if r.kind == "Lease" and r.namespace == "kube-system"]


def test_hpa_scale_down_event_says_all_metrics_below_target():
    """horizontal.go picks the rescale reason by direction: a scale-down reads "All metrics below target"."""
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="8", memory="16Gi")
    c.apply(WEB.format(replicas=6, cpu="500m") + """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 10
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
""")
    c.set_load("web", total=lambda t: 300)
    c.run(400)
    msgs = [e["MESSAGE"] for e in c.events() if e["REASON"] == "SuccessfulRescale"]
    assert msgs and all(m.endswith("reason: All metrics below target") for m in msgs)
