"""Storage: claim binding rules, provisioning, the scheduler's volume plugins, attach/detach, StatefulSets."""
from __future__ import annotations

import random

import pytest
import yaml

from labsupport import k8s
from labsupport.core import LabError
from labsupport.k8s.storage.attach import MAX_WAIT_FOR_UNMOUNT
from labsupport.k8s.storage.pv import claim_request, find_matching_volume, volume_capacity

ZONE = "topology.kubernetes.io/zone"


def pv(name, size, modes=("ReadWriteOnce",), cls="", labels=None, mode=None, claim=None):
    spec = {"capacity": {"storage": size}, "accessModes": list(modes), "storageClassName": cls}
    if mode:
        spec["volumeMode"] = mode
    if claim:
        spec["claimRef"] = {"name": claim, "namespace": "default"}
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": spec}


def pvc(size, modes=("ReadWriteOnce",), cls="", selector=None, mode=None, name="data"):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}, "storageClassName": cls}
    if selector:
        spec["selector"] = selector
    if mode:
        spec["volumeMode"] = mode
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec}


# ------------------------------------------------------------- binding rules (persistent-volumes docs)
BINDING = [
    ("the smallest volume that is big enough wins", [pv("a", "100Gi"), pv("b", "10Gi"), pv("c", "1Gi")], pvc("5Gi"), "b"),
    ("a volume exactly the requested size fits", [pv("a", "5Gi"), pv("b", "6Gi")], pvc("5Gi"), "a"),
    ("no volume big enough leaves the claim unbound", [pv("a", "1Gi")], pvc("5Gi"), None),
    ("the storage class must be equal", [pv("a", "10Gi", cls="slow"), pv("b", "20Gi", cls="fast")], pvc("5Gi", cls="fast"), "b"),
    ("an empty class matches only volumes without a class", [pv("a", "10Gi", cls="fast")], pvc("5Gi"), None),
    ("the volume must offer every requested access mode", [pv("a", "10Gi", modes=("ReadWriteOnce",)), pv("b", "50Gi", modes=("ReadWriteOnce", "ReadWriteMany"))],
     pvc("5Gi", modes=("ReadWriteMany",)), "b"),
    ("a selector filters volumes by label", [pv("a", "10Gi", labels={"tier": "hdd"}), pv("b", "20Gi", labels={"tier": "ssd"})],
     pvc("5Gi", selector={"matchLabels": {"tier": "ssd"}}), "b"),
    ("a Block claim does not bind a Filesystem volume", [pv("a", "10Gi")], pvc("5Gi", mode="Block"), None),
    ("a volume pre-bound to this claim wins over a smaller one", [pv("a", "1Gi", claim=None), pv("z", "100Gi", claim="data"), pv("m", "5Gi")],
     pvc("5Gi"), "z"),
    ("a volume pre-bound to another claim is skipped", [pv("a", "10Gi", claim="other")], pvc("5Gi"), None),
]


@pytest.mark.parametrize("volumes, claim, expected", [b[1:] for b in BINDING], ids=[b[0] for b in BINDING])
def test_binding_rules(volumes, claim, expected):
    got = find_matching_volume(claim, volumes)
    assert (got["metadata"]["name"] if got else None) == expected


def test_property_a_claim_never_binds_a_smaller_volume():
    rng = random.Random(15)
    for _ in range(300):
        vols = [pv(f"v{i}", f"{rng.randint(1, 50)}Gi", modes=rng.sample(["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany"], rng.randint(1, 3)))
                for i in range(rng.randint(0, 8))]
        claim = pvc(f"{rng.randint(1, 50)}Gi", modes=(rng.choice(["ReadWriteOnce", "ReadWriteMany"]),))
        got = find_matching_volume(claim, vols)
        fitting = [v for v in vols if volume_capacity(v) >= claim_request(claim) and set(claim["spec"]["accessModes"]) <= set(v["spec"]["accessModes"])]
        if got is None:
            assert not fitting
        else:
            assert volume_capacity(got) >= claim_request(claim)
            assert volume_capacity(got) == min(volume_capacity(v) for v in fitting)


# ------------------------------------------------------------------- live cluster helpers
STS = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: %(replicas)d
  podManagementPolicy: %(policy)s
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], storageClassName: %(cls)s, resources: {requests: {storage: 1Gi}}}
"""

SC = """
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %(name)s}
provisioner: csi.example.com
volumeBindingMode: %(mode)s
reclaimPolicy: %(reclaim)s
"""


def cluster(zones="aab", **kw):
    c = k8s.Cluster(seed=0, storage={"csi.example.com": {"zones": sorted(set(zones)), "provision_seconds": 5}}, **kw)
    for i, z in enumerate(zones):
        c.add_node(f"node-{i + 1}", labels={ZONE: z})
    return c


def sts_cluster(replicas=3, policy="OrderedReady", mode="WaitForFirstConsumer", reclaim="Delete"):
    c = cluster()
    c.apply(SC % {"name": "fast", "mode": mode, "reclaim": reclaim})
    c.apply(STS % {"replicas": replicas, "policy": policy, "cls": "fast"})
    return c


def attachments_per_volume(c):
    out = {}
    for va in c.store.list("VolumeAttachment"):
        out.setdefault(va["spec"]["source"]["persistentVolumeName"], []).append(va["spec"]["nodeName"])
    return out


def test_waitforfirstconsumer_provisions_in_the_zone_of_the_chosen_node():
    c = sts_cluster()
    c.run(120)
    nodes = {p.name: p.node for p in c.pods()}
    zone_of = {n["metadata"]["name"]: n["metadata"]["labels"][ZONE] for n in c.store.list("Node")}
    for row in c.volumes().rows:
        ordinal = row["CLAIM"].rsplit("-", 1)[1]
        assert row["ZONE"] == zone_of[nodes[f"web-{ordinal}"]]
        assert row["NODE"] == nodes[f"web-{ordinal}"]


def test_orderedready_creates_pods_one_after_another_and_parallel_at_once():
    c = sts_cluster()
    c.run(1)
    assert [p.name for p in c.pods()] == ["web-0"]
    p = sts_cluster(policy="Parallel")
    p.run(1)
    assert [x.name for x in p.pods()] == ["web-0", "web-1", "web-2"]


def test_claims_outlive_scale_down_and_come_back_to_the_same_ordinal():
    c = sts_cluster()
    c.run(120)
    volume_of_2 = c.object("pvc", "data-web-2")["spec"]["volumeName"]
    c.scale("statefulset", "web", 1)
    c.run(120)
    assert [p.name for p in c.pods()] == ["web-0"]
    assert sorted(x["metadata"]["name"] for x in c.store.list("PersistentVolumeClaim", "default")) == ["data-web-0", "data-web-1", "data-web-2"]
    c.scale("statefulset", "web", 3)
    c.run(120)
    assert c.object("pvc", "data-web-2")["spec"]["volumeName"] == volume_of_2
    assert [p.status for p in c.pods()] == ["Running"] * 3


def test_scale_down_removes_the_highest_ordinal_first():
    c = sts_cluster()
    c.run(120)
    since = c.store.resource_version
    c.scale("statefulset", "web", 0)
    c.run(200)
    deleted = [r.name for r in c.writes(since) if r.kind == "Pod" and r.type == "DELETED"]
    assert deleted == ["web-2", "web-1", "web-0"]


def test_rolling_update_goes_in_reverse_ordinal_order_and_stops_at_the_partition():
    c = sts_cluster()
    c.run(120)
    doc = list(yaml.safe_load_all(STS % {"replicas": 3, "policy": "OrderedReady", "cls": "fast"}))[1]
    doc["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    doc["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}
    since = c.store.resource_version
    c.apply(doc)
    c.run(300)
    created = [r.name for r in c.writes(since) if r.kind == "Pod" and r.type == "ADDED"]
    assert created == ["web-2", "web-1"]
    images = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in c.store.list("Pod", "default")}
    assert images == {"web-0": "nginx:1.27", "web-1": "nginx:1.28", "web-2": "nginx:1.28"}


@pytest.mark.parametrize("reclaim, left", [("Delete", []), ("Retain", ["Released"])],
                         ids=["reclaimPolicy Delete removes the volume with its claim", "reclaimPolicy Retain keeps it Released"])
def test_reclaim_policy(reclaim, left):
    c = sts_cluster(replicas=1, reclaim=reclaim)
    c.run(60)
    c.delete("statefulset", "web")
    c.run(60)
    c.delete("pvc", "data-web-0")
    c.run(5)
    assert [p["status"]["phase"] for p in c.store.list("PersistentVolume")] == left


def test_retention_policy_delete_removes_claims_on_scale_down():
    c = sts_cluster()
    doc = list(yaml.safe_load_all(STS % {"replicas": 3, "policy": "Parallel", "cls": "fast"}))[1]
    doc["spec"]["persistentVolumeClaimRetentionPolicy"] = {"whenScaled": "Delete", "whenDeleted": "Retain"}
    c = cluster()
    c.apply(SC % {"name": "fast", "mode": "WaitForFirstConsumer", "reclaim": "Delete"})
    c.apply(doc)
    c.run(60)
    c.scale("statefulset", "web", 1)
    c.run(120)
    assert [x["metadata"]["name"] for x in c.store.list("PersistentVolumeClaim", "default")] == ["data-web-0"]


# --------------------------------------------------------------------- node death and attachments
def test_a_dead_nodes_volume_waits_six_minutes_after_a_force_delete():
    c = sts_cluster()
    c.run(120)
    victim = next(p for p in c.pods() if p.node == "node-1")
    c.fail_node("node-1")
    c.run(400)
    assert next(p for p in c.pods() if p.name == victim.name).status == "Terminating"  # nobody can confirm the unmount
    c.force_delete_pod(victim.name)
    t0 = c.now
    seen_two = False
    while c.now < t0 + MAX_WAIT_FOR_UNMOUNT + 60:
        c.run(5)
        seen_two |= any(len(v) > 1 for v in attachments_per_volume(c).values())
        p = next(x for x in c.pods() if x.name == victim.name)
        if c.now < t0 + MAX_WAIT_FOR_UNMOUNT - 5:
            assert p.status != "Running"
    assert not seen_two
    assert next(x for x in c.pods() if x.name == victim.name).status == "Running"
    reasons = [e.reason for e in c.event_records()]
    assert "FailedAttachVolume" in reasons and "ForceDetach" in reasons


def test_the_out_of_service_taint_moves_the_volume_at_once():
    c = sts_cluster()
    c.run(120)
    victim = next(p for p in c.pods() if p.node == "node-1")
    c.fail_node("node-1")
    c.run(120)
    c.taint_out_of_service("node-1")
    c.run(30)
    p = next(x for x in c.pods() if x.name == victim.name)
    assert (p.status, p.node) == ("Running", "node-2")  # the other node of zone a
    assert all(len(v) == 1 for v in attachments_per_volume(c).values())


def test_property_rwo_is_never_attached_to_two_nodes():
    for seed in range(4):
        c = k8s.Cluster(seed=seed, storage={"csi.example.com": {"zones": ["a"], "provision_seconds": 3}})
        for i in range(3):
            c.add_node(f"node-{i}", labels={ZONE: "a"})
        c.apply(SC % {"name": "fast", "mode": "Immediate", "reclaim": "Delete"})
        c.apply(STS % {"replicas": 2, "policy": "Parallel", "cls": "fast"})
        rng = random.Random(seed)
        for step in range(40):
            c.run(rng.choice([1, 5, 30]))
            action = rng.random()
            pods = [p for p in c.pods()]
            if action < 0.1 and pods:
                c.force_delete_pod(rng.choice(pods).name)
            elif action < 0.15:
                c.fail_node(f"node-{rng.randrange(3)}")
            elif action < 0.25:
                for i in range(3):
                    c.restore_node(f"node-{i}")
            assert all(len(v) == 1 for v in attachments_per_volume(c).values()), (seed, step)


# ------------------------------------------------------------------------------- scheduler plugins
def _pending_pod(claim):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db"},
            "spec": {"containers": [{"name": "db", "image": "postgres:17"}], "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim}}]}}


def test_volume_node_affinity_conflict_is_explained():
    c = cluster(zones="ab")
    c.apply({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-b"},
             "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "manual",
                      "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": ZONE, "operator": "In", "values": ["b"]}]}]}}}})
    c.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "manual", "resources": {"requests": {"storage": "1Gi"}}}})
    c.run(1)
    c.cordon("node-2")
    c.apply(_pending_pod("data"))
    c.run(5)
    text = str(c.scheduler.explain("db"))
    assert "node(s) had volume node affinity conflict" in text


@pytest.mark.parametrize("mode, reason", [
    ("Immediate", "pod has unbound immediate PersistentVolumeClaims"),
    ("WaitForFirstConsumer", "node(s) didn't find available persistent volumes to bind"),
], ids=["an unbound Immediate claim blocks the Pod everywhere", "WaitForFirstConsumer without a matching volume or provisioner"])
def test_unbindable_claims_are_explained(mode, reason):
    c = k8s.Cluster(seed=0)
    c.add_node("node-1")
    c.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "local"},
             "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": mode})
    c.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "local", "resources": {"requests": {"storage": "1Gi"}}}})
    c.apply(_pending_pod("data"))
    c.run(5)
    assert reason in str(c.scheduler.explain("db"))
    assert c.pods()[0].phase == "Pending"


def test_readwriteoncepod_claim_serves_one_pod():
    c = cluster(zones="a")
    c.apply({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"},
             "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOncePod"], "storageClassName": "manual"}})
    c.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOncePod"], "storageClassName": "manual", "resources": {"requests": {"storage": "1Gi"}}}})
    c.apply(_pending_pod("data"))
    c.run(10)
    second = _pending_pod("data")
    second["metadata"]["name"] = "db2"
    c.apply(second)
    c.run(10)
    assert "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode" in str(c.scheduler.explain("db2"))


def test_pods_without_claims_schedule_as_before():
    c = k8s.Cluster(seed=0)
    c.add_node("node-1")
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})
    c.run(10)
    assert c.pods()[0].status == "Running"
    assert c.store.count("VolumeAttachment") == 0


# ----------------------------------------------------------------------------------- bad input
BAD = [
    ("a PV without capacity", {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "x"}, "spec": {"accessModes": ["ReadWriteOnce"]}},
     "spec.capacity.storage: Required value"),
    ("a claim without access modes", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "x"},
                                      "spec": {"resources": {"requests": {"storage": "1Gi"}}}}, "spec.accessModes: Required value"),
    ("a claim with a made-up access mode", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "x"},
                                            "spec": {"accessModes": ["ReadWriteSometimes"], "resources": {"requests": {"storage": "1Gi"}}}},
     "spec.accessModes: Unsupported value: 'ReadWriteSometimes'"),
    ("ReadWriteOncePod mixed with another mode", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "x"},
                                                  "spec": {"accessModes": ["ReadWriteOncePod", "ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
     "may not use ReadWriteOncePod with other access modes"),
    ("a StorageClass with a bad binding mode", {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "x"},
                                                "provisioner": "p", "volumeBindingMode": "Later"}, "volumeBindingMode: Unsupported value: 'Later'"),
    ("a StorageClass without a provisioner", {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "x"}},
     "provisioner"),
    ("a StatefulSet with a bad pod management policy", yaml.safe_load(STS.split("---")[1] % {"replicas": 1, "policy": "Random", "cls": "x"}),
     "spec.podManagementPolicy: Unsupported value: 'Random'"),
    ("a claim of -1Gi", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "x"},
                         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "-1Gi"}}}}, "spec.resources.requests.storage"),
]


@pytest.mark.parametrize("obj, message", [b[1:] for b in BAD], ids=[f"{b[0]} is rejected" for b in BAD])
def test_bad_storage_objects_name_the_field(obj, message):
    c = k8s.Cluster(seed=0)
    with pytest.raises(LabError, match=None) as e:
        c.apply(obj)
    assert message in str(e.value)
    assert c.store.count(obj["kind"]) == 0


@pytest.mark.parametrize("storage, message", [
    ("csi", "storage: expected a mapping"),
    ({"csi.example.com": {"zones": "a"}}, "storage.csi.example.com.zones"),
    ({"csi.example.com": {"provision_seconds": -1}}, "storage.csi.example.com.provision_seconds"),
    ({"csi.example.com": {"size": 1}}, "storage.csi.example.com.size: unknown field"),
], ids=["storage must be a mapping", "zones must be a list", "provision_seconds must be >= 0", "unknown driver settings are named"])
def test_bad_storage_config(storage, message):
    with pytest.raises(LabError) as e:
        k8s.Cluster(seed=0, storage=storage)
    assert message in str(e.value)


def test_statefulset_dns_names_and_scale_errors():
    c = sts_cluster(replicas=2)
    assert c.statefulset_dns_names("web") == ["web-0.web.default.svc.cluster.local", "web-1.web.default.svc.cluster.local"]
    with pytest.raises(LabError, match="replicas: must be an integer"):
        c.scale("statefulset", "web", -1)
