"""ReplicaSet and Deployment controllers against the documented rules."""
from __future__ import annotations

import re

import pytest
from k8s_helpers import cluster, deployment, pod

from labsupport import k8s
from labsupport.core import LabError
from labsupport.k8s.controllers.deployment import REVISION

# ------------------------------------------------------------------ rollout_bounds
# Rounding rules: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge
BOUNDS = [
    (10, "25%", "25%", (3, 2)),
    (4, "25%", "25%", (1, 1)),
    (1, "25%", "25%", (1, 0)),
    (3, "50%", "50%", (2, 1)),
    (10, 0, "10%", (0, 1)),
    (3, 0, "10%", (0, 1)),   # unavailable rounds down to 0 with surge 0: becomes 1
    (5, 2, 0, (2, 0)),
    (0, "25%", "25%", (0, 1)),
]


@pytest.mark.parametrize("replicas, surge, unavailable, expected", BOUNDS,
                         ids=[f"{r} replicas with maxSurge {s} and maxUnavailable {u} give {e}" for r, s, u, e in BOUNDS])
def test_rollout_bounds_round_surge_up_and_unavailable_down(replicas, surge, unavailable, expected):
    assert k8s.rollout_bounds(replicas, surge, unavailable) == expected


@pytest.mark.parametrize("surge, unavailable", [(0, 0), ("0%", "0%"), (0, "0%")], ids=["ints", "percentages", "mixed"])
def test_rollout_bounds_refuse_both_zero(surge, unavailable):
    with pytest.raises(k8s.ManifestError, match="maxUnavailable: may not be 0 when maxSurge is 0"):
        k8s.rollout_bounds(4, surge, unavailable)


# ---------------------------------------------------------- scale-down victim order
def _p(name, node="", phase="Running", ready=True, ready_at=0.0, created=0.0, restarts=0, cost=None):
    conds = [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": ready_at}]
    meta = {"name": name, "uid": name, "creationTimestamp": created}
    if cost is not None:
        meta["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
    return {"metadata": meta, "spec": {"nodeName": node},
            "status": {"phase": phase, "conditions": conds, "containerStatuses": [{"restartCount": restarts}]}}


# Each case: two Pods, the first must be deleted first (controller_utils.go ActivePodsWithRanks.Less).
ORDER = [
    ("an unassigned pod goes before an assigned one", _p("a", phase="Pending", ready=False), _p("b", "n1")),
    ("a pending pod goes before a running one", _p("a", "n1", phase="Pending", ready=False), _p("b", "n1")),
    ("an unknown-phase pod goes before a running one", _p("a", "n1", phase="Unknown"), _p("b", "n1")),
    ("a not-ready pod goes before a ready one", _p("a", "n1", ready=False), _p("b", "n1")),
    ("a lower deletion cost goes first", _p("a", "n1", cost=-5), _p("b", "n1", cost=10)),
    ("a pod doubled up on a busier node goes first", _p("a", "busy"), _p("b", "quiet")),
    ("a pod ready for less time goes first (log2 scale)", _p("a", "n1", ready_at=990.0), _p("b", "n1", ready_at=10.0)),
    ("more restarts go first", _p("a", "n1", restarts=5), _p("b", "n1", restarts=1)),
    ("a newer pod goes first (log2 scale)", _p("a", "n1", created=999.0), _p("b", "n1", created=1.0)),
]


@pytest.mark.parametrize("first, second", [(c[1], c[2]) for c in ORDER], ids=[c[0] for c in ORDER])
def test_replicaset_scale_down_order(first, second):
    ranks = {"busy": 3, "quiet": 1, "n1": 2}
    for pods in ([first, second], [second, first]):
        assert k8s.deletion_order(pods, ranks, now=1000.0)[0]["metadata"]["name"] == "a"


def test_scaling_down_deletes_the_not_ready_pods_first():
    c = cluster(2)
    c.apply(deployment(replicas=4))
    c.run(10)
    sick = sorted(c.pods(), key=lambda p: p.name)[:2]
    for p in sick:  # mark two Pods not ready, as a failing readiness probe would
        obj = c.store.get("Pod", "default", p.name)
        next(x for x in obj["status"]["conditions"] if x["type"] == "Ready")["status"] = "False"
        c.store.update(obj, actor="test")
    c.scale("deployment", "web", 2)
    c.run(5)
    assert {p.name for p in c.pods()} == {p.name for p in sorted(c.pods(), key=lambda p: p.name)} - {p.name for p in sick}


# ------------------------------------------------------------------ rolling update
def _rs_state(c):
    return {rs["metadata"]["name"]: (rs["spec"]["replicas"], rs["status"].get("availableReplicas", 0)) for rs in c.store.list("ReplicaSet")}


@pytest.mark.parametrize("replicas, surge, unavailable", [(10, "25%", "25%"), (4, 1, 0), (5, 0, 1), (3, "100%", 0)],
                         ids=["10 replicas 25%/25%", "4 replicas surge 1", "5 replicas unavailable 1", "3 replicas surge 100%"])
def test_rolling_update_stays_within_its_bounds_at_every_step(replicas, surge, unavailable):
    c = cluster(4)
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}
    c.apply(deployment(replicas=replicas, strategy=strategy))
    c.run(20)
    max_surge, max_unavailable = k8s.rollout_bounds(replicas, surge, unavailable)
    c.apply(deployment(replicas=replicas, strategy=strategy, image="nginx:1.28"))
    for _ in range(120):
        c.run(0.5)
        state = _rs_state(c)
        assert sum(r for r, _ in state.values()) <= replicas + max_surge
        assert sum(a for _, a in state.values()) >= replicas - max_unavailable
    assert c.rollout_status("web") == 'deployment "web" successfully rolled out'
    assert sorted(r for r, _ in _rs_state(c).values()) == [0, replicas]


def test_recreate_stops_every_old_pod_before_starting_new_ones():
    c = cluster(2)
    c.apply(deployment(replicas=3, strategy={"type": "Recreate"}))
    c.run(20)
    c.apply(deployment(replicas=3, strategy={"type": "Recreate"}, image="nginx:1.28"))
    overlap = False
    for _ in range(60):
        c.run(0.5)
        images = {c.store.get("ReplicaSet", "default", p.owner.split("/")[1])["spec"]["template"]["spec"]["containers"][0]["image"]
                  for p in c.pods()}
        overlap |= len(images) > 1
    assert not overlap
    assert all(p.status == "Running" for p in c.pods()) and len(c.pods()) == 3


def test_revisions_and_rollback():
    c = cluster(2)
    for image in ("nginx:1.25", "nginx:1.26", "nginx:1.27"):
        c.apply(deployment(replicas=2, image=image))
        c.run(30)
    assert c.rollout_history("web").column("REVISION") == [1, 2, 3]
    c.rollout_undo("web", to_revision=1)
    c.run(30)
    hist = c.rollout_history("web")
    assert hist.column("REVISION") == [2, 3, 4]
    assert hist.rows[-1]["IMAGES"] == "nginx:1.25"
    rs = next(r for r in c.store.list("ReplicaSet") if r["metadata"]["annotations"][REVISION] == "4")
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    with pytest.raises(LabError, match="unable to find specified revision 9"):
        c.rollout_undo("web", to_revision=9)


def test_revision_history_limit_deletes_the_oldest_replicasets():
    c = cluster(2)
    for i in range(5):
        c.apply(deployment(replicas=1, image=f"nginx:1.{i}", revisionHistoryLimit=2))
        c.run(20)
    assert c.rollout_history("web").column("REVISION") == [3, 4, 5]


def test_deleting_a_deployment_garbage_collects_its_replicasets_and_pods():
    c = cluster(2)
    c.apply(deployment(replicas=2))
    c.run(10)
    c.delete("deployment", "web")
    c.run(5)
    assert c.store.list("ReplicaSet") == [] and c.pods() == []


def test_quota_refusal_shows_as_failed_create_with_the_api_server_message():
    c = cluster(2)
    c.apply({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "compute"}, "spec": {"hard": {"requests.cpu": "250m", "pods": "10"}}})
    c.apply(deployment(replicas=3, cpu="100m"))
    c.run(5)
    assert len(c.pods()) == 2
    msgs = [r["MESSAGE"] for r in c.events() if r["REASON"] == "FailedCreate"]
    assert msgs and msgs[0].startswith('Error creating: pods "web-') and '-" is forbidden' in msgs[0]
    assert "exceeded quota: compute, requested: requests.cpu=100m, used: requests.cpu=200m, limited: requests.cpu=250m" in msgs[0]
    c.run(600)
    failed = [r for r in c.events() if r["REASON"] == "FailedCreate"]
    assert len(c.pods()) == 2 and len(failed) == 1 and failed[0]["COUNT"] > 3  # retried with back-off, still refused
    assert c.get("quota").rows[0]["REQUEST"] == "pods: 2/10, requests.cpu: 200m/250m"


@pytest.mark.timeout(120)
def test_a_deployment_larger_than_one_burst_over_a_full_quota_does_not_hang_the_run():
    """Found by the fuzzer: replicas > burstReplicas (500) with every create refused re-synced the ReplicaSet
    at the same instant forever. Upstream returns the error and the workqueue retries with back-off."""
    c = cluster(1)
    c.apply({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hard": {"pods": "10"}}})
    c.apply(deployment(replicas=600, cpu="1m"))
    c.run(60)
    assert len(c.pods()) == 10
    failed = [r for r in c.events() if r["REASON"] == "FailedCreate"]
    assert len(failed) == 1 and 3 < failed[0]["COUNT"] < 30   # 5 ms doubling: about a dozen retries in a minute


def test_a_controller_that_never_settles_is_stopped_with_a_message_naming_it():
    from labsupport.k8s.controllers.base import MAX_SYNCS_PER_INSTANT, Controller

    class Restless(Controller):
        name = "restless-controller"

        def sync(self, key):
            self.enqueue(key)

    c = cluster(1)
    restless = Restless(c.store, c.sim)
    restless.enqueue("k")
    with pytest.raises(RuntimeError, match=rf"restless-controller: k was synced {MAX_SYNCS_PER_INSTANT} times at t=0 without settling"):
        c.run(1)


def test_a_pod_over_quota_is_refused_at_apply():
    c = cluster(1)
    c.apply({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hard": {"pods": "1"}}})
    with pytest.raises(k8s.QuotaExceededError, match=r'document 2 \(Pod "b"\): pods "b" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1'):
        c.apply([pod("a"), pod("b")])
    assert c.pods() == []


def test_proportional_scaling_example_from_the_deployment_docs():
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#proportional-scaling

    10 replicas, maxSurge 3, maxUnavailable 2, a rollout stuck on a broken image (new Pods never
    ready): the ReplicaSets sit at 8 (old) and 5 (new). Scaling to 15 adds 3 to the old and 2 to the new.
    """
    c = cluster(4)
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}
    c.apply(deployment(replicas=10, strategy=strategy))
    c.run(20)
    c.apply(deployment(replicas=10, strategy=strategy, image="nginx:broken", probe={"exec": {"command": ["false"]}}))
    c.run(30)
    def sizes():
        return sorted((rs["spec"]["template"]["spec"]["containers"][0]["image"], rs["spec"]["replicas"]) for rs in c.store.list("ReplicaSet"))

    assert sizes() == [("nginx:1.27", 8), ("nginx:broken", 5)]
    c.scale("deployment", "web", 15)
    c.run(5)
    assert sizes() == [("nginx:1.27", 11), ("nginx:broken", 7)]


def test_endpointslices_get_generated_names_and_the_service_name_label():
    c = cluster(2)
    c.apply([deployment(replicas=2), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                      "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}])
    c.run(10)
    slices = c.store.list("EndpointSlice")
    assert len(slices) == 1
    meta = slices[0]["metadata"]
    assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", meta["name"]) and meta["generateName"] == "web-"
    assert meta["labels"] == {"kubernetes.io/service-name": "web"}
    assert len(c.endpoints("web")) == 2
    c.scale("deployment", "web", 3)
    c.run(10)
    assert [s["metadata"]["name"] for s in c.store.list("EndpointSlice")] == [meta["name"]]  # refilled, not replaced
    assert len(c.endpoints("web")) == 3
