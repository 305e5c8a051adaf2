"""Exercises of lesson 07 (storage): questions, judges and the clusters they run in.

Every judge runs the learner's answer in a fresh, seeded simulator: a claim is applied next to a
PersistentVolume and must bind; a StatefulSet meets zones and a topology-restricted StorageClass; a Mesos
framework must relaunch its database on its persistent volume; and a dead node's volume must be freed quickly
without ever being attached twice.

>>> from labsupport.exercises import lesson07 as ex
>>> print(ex.q2.check(ex.zone_outcome()))  # doctest: +ELLIPSIS
✔ Correct -- q2: ...
"""
from __future__ import annotations

from typing import Any

from labsupport import k8s, mesos
from labsupport.checks import ClassQuestion, JudgedQuestion, ManifestQuestion, MappingQuestion
from labsupport.core import LabError
from labsupport.mesos.frameworks.stateful import StatefulDatabase
from labsupport.mesos.tasks import Task

__all__ = ["STATIC_PV", "BROKEN_CLAIM", "claim_cluster", "ZONED_SETUP", "zoned_cluster", "zone_outcome", "database_cell",
           "dead_node_cluster", "q1", "q2", "q3", "q4"]

ZONE = "topology.kubernetes.io/zone"

# ----------------------------------------------------------------------------- q1: make a claim bind
STATIC_PV = """\
apiVersion: v1
kind: PersistentVolume
metadata: {name: nfs-10g, labels: {tier: nfs}}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  storageClassName: standard
  persistentVolumeReclaimPolicy: Retain
"""
BROKEN_CLAIM = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: reports}
spec:
  accessModes: [ReadWriteMany]
  storageClassName: fast
  resources: {requests: {storage: 20Gi}}
"""


def claim_cluster(seed: int = 0) -> k8s.Cluster:
    """One node and the administrator's PersistentVolume ``nfs-10g`` (no provisioner anywhere)."""
    cluster = k8s.Cluster(seed=seed)
    cluster.add_node("node-1")
    cluster.apply(STATIC_PV)
    return cluster


def _judge_claim(docs: list[dict]) -> tuple[bool, str]:
    claims = [d for d in docs if isinstance(d, dict) and d.get("kind") == "PersistentVolumeClaim"]
    if len(claims) != 1 or len(docs) != 1:
        return False, "write exactly one PersistentVolumeClaim (and nothing else: the volume is the administrator's)."
    cluster = claim_cluster()
    try:
        cluster.apply(docs)
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    cluster.run(2)
    name = claims[0]["metadata"]["name"]
    pvc = cluster.object("pvc", name)
    if (pvc.get("status") or {}).get("phase") != "Bound":
        why = [e["MESSAGE"] for e in cluster.events() if e["OBJECT"] == f"persistentvolumeclaim/{name}"]
        return False, f"the claim stays Pending ({why[-1] if why else 'no event'}): compare class, access modes and size with nfs-10g."
    return True, f"{name} is Bound to {pvc['spec']['volumeName']} with {pvc['status']['capacity']['storage']}."


q1 = ManifestQuestion(
    "q1", _judge_claim,
    prompt=("BROKEN_CLAIM stays Pending next to the PersistentVolume nfs-10g. Fix the claim (YAML in a string) so that "
            "it binds to nfs-10g."),
    hints=["kubectl describe pvc shows the FailedBinding event; compare every field with the volume's.",
           "storageClassName must be equal; the volume must offer every access mode the claim asks for.",
           "A claim binds a volume at least as big as it asks: 20Gi does not fit into 10Gi."],
    solution=BROKEN_CLAIM.replace("ReadWriteMany", "ReadWriteOnce").replace("fast", "standard").replace("20Gi", "10Gi"),
    insight=("The claim received the whole 10Gi volume even if it asked for less: binding is one-to-one, so a small "
             "claim on a big static volume wastes the rest; dynamic provisioning sizes each volume to its claim."),
    wrong_examples=[BROKEN_CLAIM, BROKEN_CLAIM.replace("fast", "standard"),
                    BROKEN_CLAIM.replace("fast", "standard").replace("ReadWriteMany", "ReadWriteOnce")],
    solution_value=BROKEN_CLAIM.replace("ReadWriteMany", "ReadWriteOnce").replace("fast", "standard").replace("20Gi", "10Gi"),
)


# ----------------------------------------------------------------------------- q2: a StatefulSet across zones
ZONED_SETUP = """\
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: zonal}
provisioner: csi.example.com
volumeBindingMode: WaitForFirstConsumer
allowedTopologies:
- matchLabelExpressions: [{key: topology.kubernetes.io/zone, values: [a, b]}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: db}}
            topologyKey: kubernetes.io/hostname
      containers: [{name: postgres, image: "postgres:17"}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], storageClassName: zonal, resources: {requests: {storage: 5Gi}}}
"""


def zoned_cluster(seed: int = 0) -> k8s.Cluster:
    """Three nodes, one per zone a, b, c; a CSI driver that serves all three zones."""
    cluster = k8s.Cluster(seed=seed, storage={"csi.example.com": {"zones": ["a", "b", "c"], "provision_seconds": 5}})
    for i, zone in enumerate("abc"):
        cluster.add_node(f"node-{i + 1}", labels={ZONE: zone})
    return cluster


def zone_outcome(seed: int = 0) -> dict:
    """Apply ZONED_SETUP, run 5 minutes, and report the zones that hold volumes and the Pods still Pending."""
    cluster = zoned_cluster(seed)
    cluster.apply(ZONED_SETUP)
    cluster.run(300)
    zones = sorted({r["ZONE"] for r in cluster.volumes() if r["PV"] != "-"})
    pending = sorted(p.name for p in cluster.pods() if p.phase == "Pending")
    return {"volume_zones": zones, "pending": pending}


q2 = MappingQuestion(
    "q2", expected=zone_outcome(),
    prompt=("Predict, before you run ZONED_SETUP: in which zones will the StatefulSet's volumes be provisioned "
            "(volume_zones: sorted list), and which Pods stay Pending (pending: sorted list)?"),
    hints=["WaitForFirstConsumer provisions in the zone of the node the scheduler picked for the Pod.",
           "allowedTopologies restricts the class to zones a and b; the anti-affinity allows one db Pod per node.",
           "OrderedReady creates db-2 only after db-0 and db-1 run; which node could db-2 use?"],
    solution='answer = {"volume_zones": ["a", "b"], "pending": ["db-2"]}   # node-3 is in zone c, outside allowedTopologies',
    insight=("explain('db-2') names VolumeBinding's reason \"node(s) didn't find available persistent volumes to bind\" for "
             "node-3: storage topology is a scheduling constraint like any other."),
    mistakes=[({"volume_zones": ["a", "b", "c"], "pending": []},
               "The class only allows zones a and b: the provisioner may not create a volume in zone c."),
              ({"volume_zones": ["a"], "pending": ["db-1", "db-2"]},
               "WaitForFirstConsumer lets each Pod's node choose the zone: db-1 gets a volume in the other allowed zone.")],
)


# ----------------------------------------------------------------------------- q3: a framework that comes back to its volume
def database_cell(seed: int = 0) -> mesos.Cluster:
    """Two agents of 4 CPUs; the database's tasks end after 20 s (a crash, for the exercise)."""
    cell = mesos.Cluster(seed=seed)
    cell.add_agent("agent-1", "cpus:4;mem:4096;disk:10000")
    cell.add_agent("agent-2", "cpus:4;mem:4096;disk:10000")
    return cell


def _judge_database(cls: Any) -> tuple[bool, str]:
    if not (isinstance(cls, type) and issubclass(cls, StatefulDatabase)):
        return False, "give a subclass of StatefulDatabase that overrides relaunch(self, offer)."
    cell = database_cell()
    db = cls(task_seconds=20)
    cell.register(db, name="db", role="db")
    cell.run(120)
    tasks = [t for t in cell.tasks() if t.framework_name == "db"]
    if len(tasks) < 3:
        return False, f"only {len(tasks)} task(s) ran in 120 s: after the first crash the framework never launched again."
    agents = sorted({t.agent for t in tasks})
    if len(agents) > 1:
        return False, f"the database ran on {agents}: its data lives on one agent only."
    off_volume = [t.task_id for t in tasks if "data" not in t.resources.volumes()]
    if off_volume:
        return False, f"{off_volume[0]} ran without the volume 'data': it started with an empty disk."
    vols = cell.get("volumes").rows
    if len(vols) != 1:
        return False, f"there are {len(vols)} volumes; relaunching must reuse the one volume, not create another."
    return True, f"{len(tasks)} incarnations, all on {agents[0]} with the volume 'data'."


class _Remembers(StatefulDatabase):
    def relaunch(self, offer):
        if "data" not in offer.resources.volumes():
            return None
        return [Task(f"db-{len(self.launched) + 1}", "cpus(db):1;mem(db):512;disk(db)[data]:1000", duration=self.task_seconds)]


class _Forgets(StatefulDatabase):
    def relaunch(self, offer):
        return None


class _EmptyDisk(StatefulDatabase):
    def relaunch(self, offer):
        return [Task(f"db-{len(self.launched) + 1}", "cpus(db):1;mem(db):512;disk:1000", duration=self.task_seconds)]


q3 = ClassQuestion(
    "q3", _judge_database,
    prompt=("Subclass StatefulDatabase and write relaunch(self, offer): when an offer carries the persistent volume "
            "'data', return the task list that starts the next database incarnation on it (else None)."),
    hints=["offer.resources.volumes() lists the ids of the persistent volumes in the offer.",
           "The task must ask for the volume itself: disk(db)[data]:1000, plus cpus(db) and mem(db).",
           "Do not CREATE again: the volume still exists; only the first launch reserves and creates."],
    solution=('class MyDatabase(StatefulDatabase):\n    def relaunch(self, offer):\n        if "data" not in offer.resources.volumes():\n'
              '            return None\n        return [mesos.Task(f"db-{len(self.launched) + 1}", "cpus(db):1;mem(db):512;disk(db)[data]:1000",\n'
              '                           duration=self.task_seconds)]'),
    insight=("Mesos keeps the reservation and the volume for the role, but only the framework knows which task the "
             "data belongs to; in Kubernetes the StatefulSet controller keeps that link (claim data-db-0 -> Pod db-0)."),
    wrong_examples=[_Forgets, _EmptyDisk, int],
    solution_value=_Remembers,
)


# ----------------------------------------------------------------------------- q4 (stretch): free a dead node's volume
_DATABASE = """\
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: csi.example.com
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: Service
metadata: {name: postgres}
spec: {clusterIP: None, selector: {app: postgres}, ports: [{port: 5432}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres}
spec:
  serviceName: postgres
  replicas: 2
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: postgres}}
  template:
    metadata: {labels: {app: postgres}}
    spec:
      containers: [{name: postgres, image: "postgres:17"}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], storageClassName: fast, resources: {requests: {storage: 1Gi}}}
"""


def dead_node_cluster(seed: int = 0) -> tuple[k8s.Cluster, str, str]:
    """Three nodes in zone a run postgres-0 and postgres-1; the node of postgres-0 has been dead for 7 minutes.

    Returns (cluster, dead node, Pod stuck Terminating there).
    """
    cluster = k8s.Cluster(seed=seed, storage={"csi.example.com": {"zones": ["a"], "provision_seconds": 5}})
    for i in range(3):
        cluster.add_node(f"node-{i + 1}", labels={ZONE: "a"})
    cluster.apply(_DATABASE)
    cluster.run(60)
    pod = next(p for p in cluster.pods() if p.name == "postgres-0")
    cluster.fail_node(pod.node)
    cluster.run(420)
    return cluster, pod.node, pod.name


def _judge_recovery(fn: Any) -> tuple[bool, str]:
    if not callable(fn):
        return False, "give a function recover(cluster, node, pod) that calls cluster methods."
    cluster, node, pod = dead_node_cluster()
    start = cluster.now
    fn(cluster, node, pod)
    for _ in range(120):
        cluster.run(1)
        attached: dict[str, int] = {}
        for va in cluster.store.list("VolumeAttachment"):
            pv = va["spec"]["source"]["persistentVolumeName"]
            attached[pv] = attached.get(pv, 0) + 1
        if any(n > 1 for n in attached.values()):
            return False, "a volume was attached to two nodes at once: the dead node may still be writing to it."
        p = next((x for x in cluster.pods() if x.name == pod), None)
        if p is not None and p.status == "Running" and p.node != node:
            return True, f"{pod} runs on {p.node} {cluster.now - start:g} s after your call, with its own volume."
    p = next((x for x in cluster.pods() if x.name == pod), None)
    return False, (f"120 s after your call {pod} is {p.status if p else 'gone'}"
                   f"{' on ' + p.node if p and p.node else ''}: the volume is still attached to {node}, or the Pod still exists.")


def _recover(cluster, node, pod):
    cluster.taint_out_of_service(node)


def _force(cluster, node, pod):
    cluster.force_delete_pod(pod)


q4 = JudgedQuestion(
    "q4", _judge_recovery,
    prompt=("Stretch: postgres-0 is stuck Terminating on a node that has been dead for 7 minutes (ex.dead_node_cluster()). "
            "Write recover(cluster, node, pod) so that postgres-0 runs on another node within 120 s, with its volume, "
            "without the volume ever being attached to two nodes."),
    hints=["Try cluster.force_delete_pod(pod) first and watch cluster.volumes() and the events: what does the "
           "attach/detach controller wait for?",
           "A force delete frees the name, but the volume stays attached to the dead node for maxWaitForUnmountDuration.",
           "Non-graceful node shutdown: tell Kubernetes the node is really off (cluster.taint_out_of_service(node))."],
    solution="def recover(cluster, node, pod):\n    cluster.taint_out_of_service(node)   # node.kubernetes.io/out-of-service",
    insight=("Only a human (or an external fencing tool) can know a silent node is really off; the out-of-service taint "
             "is that statement, and Kubernetes refuses to guess it because a wrong guess corrupts data."),
    wrong_examples=[_force, lambda cluster, node, pod: None, 3],
    solution_value=_recover,
)
