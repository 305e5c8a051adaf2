"""Extended resources (nvidia.com/gpu) in NodeResourcesFit, API validation and the Cluster API."""
from __future__ import annotations

import numpy as np
import pytest

from labsupport import k8s
from labsupport.core import LabError
from labsupport.k8s.errors import ManifestError
from labsupport.k8s.scheduler import Code, Framework, NodeCache, PodInfo
from labsupport.k8s.scheduler.config import parse_config

GPU = "nvidia.com/gpu"


def cache_of(*nodes):
    c = NodeCache()
    for name, gpus in nodes:
        alloc = {"cpu": "8", "memory": "16Gi", "pods": "110"}
        if gpus:
            alloc[GPU] = str(gpus)
        c.set_node({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}, "status": {"allocatable": alloc}})
    return c


def gpu_pod(name="p", gpus=1, cpu="1"):
    res = {"requests": {"cpu": cpu, "memory": "1Gi"}}
    if gpus:
        res["requests"][GPU] = gpus
        res["limits"] = {GPU: gpus}
    return PodInfo.from_dict({"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "resources": res}]}})


def verdicts(cache, pod, config=None):
    fw = Framework(parse_config(config)[0], cache)
    idx = cache.order()
    out = fw.run_filters(fw.new_state(pod), idx)
    return {cache.names[s]: out.status(i) for i, s in enumerate(idx.tolist())}


@pytest.mark.parametrize(("nodes", "used", "want", "expected"), [
    # fit_test.go TestEnoughRequests "extended resource capacity enforced"
    pytest.param([("g", 4)], 0, 5, (Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ("Insufficient nvidia.com/gpu",)),
                 id="more GPUs than the node has is unresolvable"),
    # "extended resource allocatable enforced" (some already in use: preemption could help)
    pytest.param([("g", 4)], 3, 2, (Code.UNSCHEDULABLE, ("Insufficient nvidia.com/gpu",)),
                 id="GPUs in use make a resolvable shortage"),
    pytest.param([("cpu-only", 0)], 0, 1, (Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ("Insufficient nvidia.com/gpu",)),
                 id="a node without GPUs cannot run a GPU Pod"),
    pytest.param([("g", 4)], 2, 2, (Code.SUCCESS, ()), id="exactly the free GPUs fit"),
])
def test_gpu_filter(nodes, used, want, expected):
    c = cache_of(*nodes)
    name = nodes[0][0]
    if used:
        c.add_pod(gpu_pod("old", used), name)
    st = verdicts(c, gpu_pod(gpus=want))[name]
    assert (st.code, st.reasons) == expected
    c.check_invariants()


def test_pod_without_gpu_request_ignores_gpus_and_scoring_ignores_them_by_default():
    c = cache_of(("plain", 0), ("gpu", 4))
    fw = Framework(parse_config(None)[0], c)
    idx = c.order()
    for pod in (gpu_pod(gpus=0), gpu_pod(gpus=2)):
        out = fw.run_scores(fw.new_state(pod), idx)
        # LeastAllocated over cpu and memory only: the two nodes score the same
        assert len(set(out.normalized["NodeResourcesFit"].tolist())) == 1


def test_gpus_score_when_listed_in_the_scoring_strategy():
    cfg = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration", "profiles": [{
        "pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {
            "type": "MostAllocated", "resources": [{"name": "cpu", "weight": 1}, {"name": GPU, "weight": 3}]}}}]}]}
    c = cache_of(("g1", 4), ("g2", 8))
    fw = Framework(parse_config(cfg)[0], c)
    pl = fw.plugins["NodeResourcesFit"]
    st = fw.new_state(gpu_pod(gpus=2, cpu="1"))
    # cpu 1/8 -> 12; gpu 2/4 -> 50 on g1, 2/8 -> 25 on g2; (12 + 3 * 50) / 4 = 40, (12 + 3 * 25) / 4 = 21
    assert pl.score(st, np.array([0, 1])).tolist() == [40, 21]
    # a Pod that requests no GPU: the GPU is left out, cpu alone decides
    assert pl.score(fw.new_state(gpu_pod(gpus=0, cpu="1")), np.array([0, 1])).tolist() == [12, 12]


@pytest.mark.parametrize(("resources", "message"), [
    ({"requests": {GPU: 1}, "limits": {GPU: 2}},
     "spec.containers[0].resources.requests.nvidia.com/gpu: 1 must be equal to nvidia.com/gpu limit of 2"),
    ({"requests": {GPU: 1}}, "spec.containers[0].resources.limits.nvidia.com/gpu: Limit must be set for non overcommitable resources"),
    ({"limits": {GPU: "0.5"}}, "spec.containers[0].resources.limits.nvidia.com/gpu: '0.5' must be an integer"),
], ids=["request and limit must be equal", "a request needs a limit", "GPUs come in whole units"])
def test_extended_resource_validation(resources, message):
    c = k8s.Cluster(seed=0)
    with pytest.raises(ManifestError) as e:
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                 "spec": {"containers": [{"name": "c", "image": "cuda:12", "resources": resources}]}})
    assert message in str(e.value)
    assert c.store.list("Pod") == []


def test_cluster_schedules_gpu_pods_onto_gpu_nodes_and_reports_the_shortage():
    c = k8s.Cluster(seed=0)
    c.add_node("cpu-1")
    c.add_node("gpu-1", extended={GPU: 2})
    assert c.object("node", "gpu-1")["status"]["allocatable"][GPU] == "2"
    for i in range(3):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"train-{i}"},
                 "spec": {"containers": [{"name": "c", "image": "cuda:12", "resources": {"limits": {GPU: 1}}}]}})
    c.run(5)
    placed = {p["metadata"]["name"]: p["spec"].get("nodeName") for p in c.store.list("Pod")}
    assert sorted(placed.values(), key=str) == [None, "gpu-1", "gpu-1"]
    msgs = [m for m in c.events().column("MESSAGE") if "Insufficient nvidia.com/gpu" in m]
    assert msgs[0].startswith("0/2 nodes are available: 2 Insufficient nvidia.com/gpu. preemption: 0/2 nodes are "
                              "available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful")


@pytest.mark.parametrize(("extended", "message"), [
    ({"gpu": 1}, "extended.gpu: not an extended resource name"),
    ({GPU: 1.5}, "extended.nvidia.com/gpu: 1.5 must be an integer"),
    ({GPU: -1}, "extended.nvidia.com/gpu: must be greater than or equal to 0"),
], ids=["a name without a domain is refused", "half a GPU is refused", "negative GPUs are refused"])
def test_add_node_extended_errors(extended, message):
    c = k8s.Cluster(seed=0)
    with pytest.raises(LabError) as e:
        c.add_node("gpu-1", extended=extended)
    assert str(e.value).startswith(message)
    assert c.store.list("Node") == []


def gpu_waves(batching):
    from sched_helpers import bound, make
    sim, store, sched = make(11)
    sched.batching = batching
    for i in range(1000):   # enough feasible nodes for two disjoint windows of numFeasibleNodesToFind (420)
        alloc = {"cpu": "8", "memory": "32Gi", "pods": "110"}
        if i % 10:
            alloc[GPU] = str(1 + i % 4)
        store.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"n{i:03d}", "labels": {
            "kubernetes.io/hostname": f"n{i:03d}"}}, "spec": {}, "status": {"allocatable": alloc, "capacity": alloc}},
            actor="kubelet")
    rs = store.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "train-h"},
                       "spec": {"selector": {"matchLabels": {"app": "train"}}}}, actor="kubectl")
    owner = [{"kind": "ReplicaSet", "name": "train-h", "uid": rs["metadata"]["uid"]}]
    for wave in range(2):
        for r in range(140):
            store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
                "name": f"train-{wave}-{r}", "labels": {"app": "train"}, "ownerReferences": owner},
                "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "500m", GPU: "1"},
                                                                    "limits": {GPU: "1"}}}]}},
                actor="replicaset-controller")
        sim.run(1)
        for r in range(0, 140, 5):
            store.delete("Pod", "default", f"train-{wave}-{r}", actor="kubectl", grace_period_seconds=0)
    sched.cache.check_invariants()
    return bound(store)


def test_batched_gpu_decisions_equal_one_cycle_per_pod():
    fast, slow = gpu_waves(True), gpu_waves(False)
    assert fast == slow
    placed = [n for n in fast.values() if n]
    assert placed and all(int(n[1:]) % 10 for n in placed)   # only GPU nodes
