"""Every Kubernetes fast path gives the reference path's answers (issue 20 part 3; labsupport.core.fast).

A property test per fast path: random small clusters (200-230 nodes of mixed sizes, zones, hard and
soft taints) and random workloads (Deployments with mixed requests, tolerations, node selectors,
required and preferred node affinity, topology spread, pod anti-affinity, priorities; scale-downs
and deletions in between) run twice with the same seed, once with every fast path on and once
with one of them off. The Pods' bindings and phases, every Event and the scheduler's counters must
be identical. (Batching needs at least 200 nodes: below 100 every cycle looks at every node, and
a batch needs two non-overlapping node windows.) The Mesos half is tests/test_fast_paths_mesos.py.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labsupport import k8s
from labsupport.core import LabError, fast

#: fixed seed profile: the same examples on every run and machine
PROFILE = settings(derandomize=True, database=None, max_examples=6, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

K8S_PATHS = sorted(p for p in fast.PATHS if p.startswith("k8s."))

node_st = st.fixed_dictionaries({
    "cpu": st.sampled_from(["1", "2", "4"]),
    "memory": st.sampled_from(["2Gi", "4Gi", "8Gi"]),
    "zone": st.sampled_from([None, "a", "b", "c"]),
    "taint": st.sampled_from([None, None, None, "gpu:NoSchedule", "spot:PreferNoSchedule"]),
})

workload_st = st.fixed_dictionaries({
    "replicas": st.integers(1, 70),
    "cpu": st.sampled_from([None, "100m", "250m", "500m"]),
    "memory": st.sampled_from([None, "128Mi", "512Mi"]),
    "tolerate": st.sampled_from([None, "gpu", "spot", "all"]),
    "zone_selector": st.sampled_from([None, None, "a", "b"]),
    "required_zone": st.sampled_from([None, None, ["a", "c"]]),
    "preferred_zone": st.sampled_from([None, None, "b"]),
    "spread": st.sampled_from([None, None, "DoNotSchedule", "ScheduleAnyway"]),
    "anti_affinity": st.booleans(),
    "priority": st.sampled_from([None, None, "high"]),
    "then": st.sampled_from(["keep", "keep", "scale-down", "delete"]),
})


def deployment(i: int, w: dict) -> dict:
    name = f"app-{i}"
    requests = {k: v for k, v in (("cpu", w["cpu"]), ("memory", w["memory"])) if v}
    spec: dict = {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10",
                                  "resources": {"requests": requests} if requests else {}}]}
    if w["tolerate"] == "all":
        spec["tolerations"] = [{"operator": "Exists"}]
    elif w["tolerate"]:
        spec["tolerations"] = [{"key": w["tolerate"], "operator": "Exists"}]
    if w["zone_selector"]:
        spec["nodeSelector"] = {"topology.kubernetes.io/zone": w["zone_selector"]}
    affinity: dict = {}
    if w["required_zone"] or w["preferred_zone"]:
        na = affinity["nodeAffinity"] = {}
        if w["required_zone"]:
            na["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "topology.kubernetes.io/zone", "operator": "In", "values": w["required_zone"]}]}]}
        if w["preferred_zone"]:
            na["preferredDuringSchedulingIgnoredDuringExecution"] = [{"weight": 40, "preference": {"matchExpressions": [
                {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [w["preferred_zone"]]}]}}]
    if w["anti_affinity"]:
        affinity["podAntiAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 10, "podAffinityTerm": {
            "topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": name}}}}]}
    if affinity:
        spec["affinity"] = affinity
    if w["spread"]:
        spec["topologySpreadConstraints"] = [{"maxSkew": 2, "topologyKey": "topology.kubernetes.io/zone",
                                              "whenUnsatisfiable": w["spread"], "labelSelector": {"matchLabels": {"app": name}}}]
    if w["priority"]:
        spec["priorityClassName"] = w["priority"]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": w["replicas"], "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}


def outcome(nodes: list[dict], workloads: list[dict], seed: int) -> dict:
    """Run the scenario; everything a learner could observe, as plain data."""
    c = k8s.Cluster(seed=seed, cluster_cidr="10.0.0.0/8", gc_pause=True)
    for i, n in enumerate(nodes):
        labels = {"topology.kubernetes.io/zone": n["zone"]} if n["zone"] else {}
        taints = []
        if n["taint"]:
            key, effect = n["taint"].split(":")
            taints = [{"key": key, "value": "yes", "effect": effect}]
        c.add_node(f"node-{i:03d}", cpu=n["cpu"], memory=n["memory"], pods=20, labels=labels, taints=taints)
    c.apply({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000})
    c.apply([deployment(i, w) for i, w in enumerate(workloads)])
    c.run(2)
    for i, w in enumerate(workloads):
        if w["then"] == "scale-down":
            c.scale("deployment", f"app-{i}", w["replicas"] // 2)
        elif w["then"] == "delete":
            c.delete("deployment", f"app-{i}")
    c.run(1)
    c.apply(deployment(len(workloads), dict(workloads[0], replicas=60, then="keep")))   # a second wave into the gaps
    c.run(60)
    pods = c.store.list("Pod")
    return {
        "pods": sorted((p["metadata"]["name"], p["spec"].get("nodeName"), (p.get("status") or {}).get("phase"),
                        (p.get("status") or {}).get("nominatedNodeName")) for p in pods),
        "events": [(e.first_time, e.last_time, e.count, e.type, e.reason, e.source, e.involved, e.message) for e in c.store.events],
        "scheduler": (c.scheduler.attempts, c.scheduler.bound, c.scheduler.next_start_node_index),
    }


scenario_st = st.tuples(st.lists(node_st, min_size=200, max_size=230), st.lists(workload_st, min_size=2, max_size=4),
                        st.integers(0, 3))


@pytest.mark.parametrize("path", K8S_PATHS, ids=lambda p: f"{p} switched off changes no binding, event or phase")
@PROFILE
@given(scenario=scenario_st)
def test_a_fast_path_gives_the_reference_answers(path, scenario):
    nodes, workloads, seed = scenario
    with fast.on():
        fast_result = outcome(nodes, workloads, seed)
    with fast.off(path):
        reference = outcome(nodes, workloads, seed)
    assert fast_result == reference


@PROFILE
@given(scenario=scenario_st)
def test_all_fast_paths_off_give_the_same_answers(scenario):
    nodes, workloads, seed = scenario
    with fast.on():
        fast_result = outcome(nodes, workloads, seed)
    with fast.off():
        reference = outcome(nodes, workloads, seed)
    assert fast_result == reference
    assert fast_result["scheduler"][1] > 0   # the scenario schedules something


def test_the_batch_path_really_batches_in_these_scenarios():
    """Guard against a vacuous equivalence: at this size runs of identical Pods are decided together."""
    from labsupport.k8s.scheduler import fastpath

    calls = []
    original = fastpath.schedule_batch
    try:
        fastpath.schedule_batch = lambda sched, fw, batch: (calls.append(len(batch)), original(sched, fw, batch))
        nodes = [{"cpu": "4", "memory": "8Gi", "zone": None, "taint": None}] * 210
        workloads = [dict(replicas=40, cpu="100m", memory="128Mi", tolerate=None, zone_selector=None, required_zone=None,
                          preferred_zone=None, spread=None, anti_affinity=False, priority=None, then="keep")] * 2
        with fast.on():
            outcome(nodes, workloads, 0)
    finally:
        fastpath.schedule_batch = original
    assert calls and max(calls) >= 2


@pytest.mark.parametrize("name", ["k8s.nope", "K8S.BATCH"], ids=lambda n: f"an unknown fast path name {n!r} is a LabError")
def test_unknown_fast_path_names_are_refused(name):
    with pytest.raises(LabError, match="is not one of"):
        fast.off(name).__enter__()
