"""Exercises of lesson 06 (scaling and high availability): questions, judges and the clusters they run in.

(A little over 400 lines: five questions, each with the scenario its judge replays and, for q5, the
worked framework and two plausible wrong ones.)

Every judge runs the learner's answer in a fresh, seeded simulator: the HPA's next step is read from a
running cluster, a PodDisruptionBudget is applied and a node drained, an etcd cluster loses members, an
autoscaler is tuned against a burst of Pods, and a maintenance-aware Mesos framework meets a maintenance window.

>>> from labsupport.exercises import lesson06 as ex
>>> print(ex.q3.check({"writes": True, "quorum": 3, "more_failures_tolerated": 0}))  # doctest: +ELLIPSIS
✔ Correct -- q3: ...
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labsupport import k8s, mesos
from labsupport.checks import ClassQuestion, JudgedQuestion, ManifestQuestion, MappingQuestion, NumberQuestion
from labsupport.core import LabError
from labsupport.k8s.controllers.hpa import hpa_desired_replicas

__all__ = ["HPA_SETUP", "hpa_cluster", "STRICT_PDB", "drain_setup", "etcd_loss", "BURST", "burst_cluster",
           "maintenance_cell", "q1", "q2", "q3", "q4", "q5"]


# ----------------------------------------------------------------------------- q1: the HPA's next replica count
HPA_SETUP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers: [{name: shop, image: "shop:1.0", resources: {requests: {cpu: 500m}}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: shop}
  minReplicas: 2
  maxReplicas: 20
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
"""
#: the load: 3,000 millicores spread over the ready Pods
HPA_LOAD_MILLICORES = 3000


def hpa_cluster(seed: int = 0) -> k8s.Cluster:
    """The q1 cluster after 2 minutes: 4 shop Pods ready, the load not on yet."""
    cluster = k8s.Cluster(seed=seed)
    cluster.add_node("node-1", cpu="16", memory="32Gi")
    cluster.apply(HPA_SETUP)
    cluster.run(120)
    return cluster


def _hpa_next(seed: int = 0) -> tuple[int, int]:
    """(replicas after the first sync that sees the load, what the bare formula proposes)."""
    cluster = hpa_cluster(seed)
    cluster.set_load("shop", total=lambda t: HPA_LOAD_MILLICORES)
    start = cluster.object("deployment", "shop")["spec"]["replicas"]
    for _ in range(16):
        cluster.run(1)
        now = cluster.object("deployment", "shop")["spec"]["replicas"]
        if now != start:
            break
    per_pod = HPA_LOAD_MILLICORES / start / 500 * 100
    return now, hpa_desired_replicas(start, per_pod, 50)


_Q1_NEXT, _Q1_FORMULA = _hpa_next()

q1 = NumberQuestion(
    "q1", _Q1_NEXT,
    prompt=("4 Pods of shop request 500m CPU each; the HPA targets 50 % average utilization. The load jumps to "
            "3,000m in total. What does the HPA set spec.replicas to at its next sync?"),
    hints=["Utilization is usage divided by the request: 3,000m over 4 Pods is 750m each, 150 % of 500m.",
           "The formula gives ceil(4 x 150 / 50). Then the HPA limits how fast it may grow.",
           "This HPA has no spec.behavior: one step may reach at most twice the current replicas or 4, whichever is more."],
    solution=("answer = 8   # formula: ceil(4 * 150/50) = 12; scale-up limit without spec.behavior: max(2 * 4, 4) = 8 "
              "per sync (15 s); the next sync goes on to 12"),
    insight=("The formula's 12 arrives one sync later: the default scale-up rate limit doubles the Deployment at most "
             "every 15 s, while scale-down waits for a 300 s stabilization window."),
    mistakes={_Q1_FORMULA: (f"{_Q1_FORMULA} is what the formula proposes; the scale-up limit (no spec.behavior here) "
                            "caps one step at twice the current replicas or 4, whichever is more."),
              6: "Utilization is measured against the request (500m), not against a whole CPU: each Pod is at 150 %.",
              5: "The HPA does not add one Pod at a time: it computes a target from the utilization ratio.",
              4: "150 % is far outside the 10 % tolerance around the 50 % target: the HPA scales."},
)


# ----------------------------------------------------------------------------- q2: a drain that hangs
STRICT_PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 4
  selector: {matchLabels: {app: web}}
"""

_WEB4 = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "web:1.0", resources: {requests: {cpu: "1"}}}]
"""


def drain_setup(seed: int = 0) -> k8s.Cluster:
    """node-1 and node-2 run two web Pods each (2 CPUs per node); node-3 is added empty afterwards."""
    cluster = k8s.Cluster(seed=seed)
    cluster.add_node("node-1", cpu="2", memory="8Gi")
    cluster.add_node("node-2", cpu="2", memory="8Gi")
    cluster.apply(_WEB4)
    cluster.run(10)
    cluster.add_node("node-3", cpu="2", memory="8Gi")
    return cluster


def _judge_pdb(docs: list[dict]) -> tuple[bool, str]:
    pdbs = [d for d in docs if isinstance(d, dict) and d.get("kind") == "PodDisruptionBudget"]
    if len(pdbs) != 1:
        return False, "write exactly one PodDisruptionBudget (an empty answer leaves the app unprotected during drains)."
    cluster = drain_setup()
    try:
        cluster.apply(docs)
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    cluster.run(1)
    result = cluster.drain("node-1")
    lowest = 4
    for _ in range(120):
        cluster.run(1)
        ready = sum(1 for p in cluster.pods() if p.ready and p.owner and p.owner.startswith("ReplicaSet/web-"))
        lowest = min(lowest, ready)
        if result.done:
            break
    if not result.done:
        blocked = next(iter(result.blocked.values()), "")
        return False, f"after 120 s the drain still waits: {blocked}"
    if lowest < 3:
        return False, f"the drain finished, but at one moment only {lowest} web Pods were ready; the app needs 3."
    return True, f"node-1 drained in {result.lines[-1][0] - result.lines[0][0]:g} s and at least {lowest} web Pods stayed ready."


q2 = ManifestQuestion(
    "q2", _judge_pdb,
    prompt=("kubectl drain node-1 never finishes because of STRICT_PDB. Write a PodDisruptionBudget for web that lets "
            "the drain finish while at least 3 of the 4 web Pods stay ready the whole time."),
    hints=["Run cluster.drain('node-1') with STRICT_PDB and read result.blocked: the 429 names the budget.",
           "minAvailable: 4 with 4 replicas allows zero voluntary disruptions.",
           "Allow exactly one disruption at a time: minAvailable: 3, or maxUnavailable: 1."],
    solution=STRICT_PDB.replace("minAvailable: 4", "maxUnavailable: 1"),
    insight=("maxUnavailable follows the Deployment's replica count when you scale it; minAvailable: 3 would block "
             "drains again after scaling down to 3."),
    wrong_examples=[STRICT_PDB, STRICT_PDB.replace("minAvailable: 4", "minAvailable: 2"),
                    STRICT_PDB.replace("minAvailable: 4", "maxUnavailable: 2")],
    solution_value=STRICT_PDB.replace("minAvailable: 4", "maxUnavailable: 1"),
)


# ----------------------------------------------------------------------------- q3: predict a 2-of-5 etcd loss
def etcd_loss(members: int = 5, lost: int = 2, seed: int = 0) -> dict:
    """Run an HA cluster with ``members`` etcd members, stop ``lost`` of them, and report what still works."""
    cluster = k8s.Cluster(seed=seed, control_plane=3, etcd=members)
    cluster.add_node("node-1")
    cluster.run(5)
    for i in range(1, lost + 1):
        cluster.fail_etcd_member(f"etcd-{i}")
    cluster.run(5)
    try:
        cluster.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: probe}\n")
        writes = True
    except LabError:
        writes = False
    up = members - lost
    return {"writes": writes, "quorum": k8s.quorum(members), "more_failures_tolerated": max(up - k8s.quorum(members), 0)}


q3 = MappingQuestion(
    "q3", expected=etcd_loss(5, 2),
    prompt=("An etcd cluster of 5 members loses 2. Give a dict: can the API server still write (writes: bool), "
            "how many members a write needs (quorum), and how many more may fail before writes stop "
            "(more_failures_tolerated)."),
    hints=["A write needs a majority of all members, counted against the cluster size, not against the members alive.",
           "k8s.quorum(5) gives the majority; compare it with the 3 members left."],
    solution='answer = {"writes": True, "quorum": 3, "more_failures_tolerated": 0}   # 3 of 5 is a majority, exactly',
    insight=("5 members tolerate 2 failures, 3 members only 1, and 4 members also only 1: an even size adds a member "
             "without adding tolerance."),
    mistakes=[({"writes": False, "quorum": 3, "more_failures_tolerated": 0},
               "3 members are left, and 3 is the majority of 5: writes continue (with no margin left)."),
              ({"writes": True, "quorum": 2, "more_failures_tolerated": 1},
               "The quorum is a majority of all 5 members (3), not of the 3 survivors."),
              ({"writes": True, "quorum": 3, "more_failures_tolerated": 1},
               "With 3 of 5 up, one more failure leaves 2 < 3: writes would stop.")],
)


# ----------------------------------------------------------------------------- q4: tune the autoscaler for a burst
#: the burst: 12 Pods of 1 CPU arrive at t = 31 s; nodes have 4 CPUs and take 80 s to arrive
BURST = {"pods": 12, "at": 31.0, "node_cpu": "4", "provision_seconds": 80.0, "deadline": 90.0}
_BURST_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: burst}
spec:
  replicas: 12
  selector: {matchLabels: {app: burst}}
  template:
    metadata: {labels: {app: burst}}
    spec:
      containers: [{name: job, image: "job:1.0", resources: {requests: {cpu: "1", memory: 1Gi}}}]
"""


def burst_cluster(settings: Mapping[str, Any], seed: int = 0) -> tuple[k8s.Cluster, float | None]:
    """Run the burst with ``settings`` (min, max, and cluster-autoscaler options); returns the cluster and
    the seconds from the burst until every burst Pod runs (None if not within 300 s)."""
    settings = dict(settings)
    group = {"min": settings.pop("min", 1), "max": settings.pop("max", 2)}
    cluster = k8s.Cluster(seed=seed)
    if settings:
        cluster.configure_autoscaler(**settings)
    cluster.add_node_group("pool", cpu=BURST["node_cpu"], memory="16Gi", provision_seconds=BURST["provision_seconds"], **group)
    cluster.run(BURST["at"])
    cluster.apply(_BURST_DEPLOYMENT)
    for _ in range(300):
        cluster.run(1)
        if sum(1 for p in cluster.pods() if p.phase == "Running") == BURST["pods"]:
            return cluster, cluster.now - BURST["at"]
    return cluster, None


def _judge_burst(settings: Any) -> tuple[bool, str]:
    if not isinstance(settings, Mapping):
        return False, f"give a dict such as {{'max': 2, 'scan_interval': 10}}, got {settings!r}"
    if settings.get("min", 1) != 1:
        return False, ("keeping min at 1 is part of the task: more idle nodes would serve the burst at once, "
                       "but you would pay for them all day.")
    cluster, took = burst_cluster(settings)
    size = cluster.autoscaler_status()[0]["SIZE"]
    if took is None:
        return False, f"after 300 s not every Pod runs: the group reached {size} node(s) of 4 CPUs for 12 Pods of 1 CPU."
    if took > BURST["deadline"]:
        return False, (f"every Pod runs {took:g} s after the burst; the target is {BURST['deadline']:g} s. Nodes take "
                       f"{BURST['provision_seconds']:g} s, so the scale-up has to start sooner after the burst.")
    return True, f"all 12 Pods run {took:g} s after the burst, on {size} nodes."


q4 = JudgedQuestion(
    "q4", _judge_burst,
    prompt=("12 Pods of 1 CPU arrive at once at t = 31 s; the pool's nodes have 4 CPUs and take 80 s to boot. With "
            "min 1, choose max and cluster-autoscaler options (a dict) so that every Pod runs within 90 s of the burst."),
    hints=["Run ex.burst_cluster({'max': 2}) and look at cluster.autoscaler_status() and cluster.events().",
           "How many 4-CPU nodes do 12 one-CPU Pods need? The group stops at max.",
           "The autoscaler looks every scan_interval (10 s): a burst at t = 31 s waits for the scan at t = 40 s."],
    solution=('answer = {"max": 3, "scan_interval": 5}   # 3 nodes hold 12 Pods; scan at 35 s, nodes at 115 s, '
              'Pods running a few seconds later (88 s after the burst)'),
    insight=("Provisioning time dominates: faster scans shave seconds, but only spare capacity (a higher min or "
             "low-priority placeholder Pods, 'overprovisioning') serves a burst at once."),
    wrong_examples=[{"max": 2}, {"max": 3}, {"max": 3, "min": 3}, {"max": 2, "scan_interval": 5}],
    solution_value={"max": 3, "scan_interval": 5},
)


# ----------------------------------------------------------------------------- q5 (stretch): maintenance-aware framework
def maintenance_cell(seed: int = 0) -> mesos.Cluster:
    """Four agents of 2 CPUs (agent-1 .. agent-4); quorums simulated (3 masters, 3 ZooKeeper servers)."""
    cell = mesos.Cluster(seed=seed, masters=3, zookeepers=3)
    for i in range(1, 5):
        cell.add_agent(f"agent-{i}", "cpus:2;mem:4096")
    return cell


def _judge_framework(cls: Any) -> tuple[bool, str]:
    if not isinstance(cls, type) or not issubclass(cls, mesos.Scheduler):
        return False, f"give a class derived from mesos.Scheduler, got {cls!r}"
    cell = maintenance_cell()
    fw = cls()
    cell.register(fw, name="keeper")
    cell.run(10)
    holders = sorted({t.agent for t in cell.tasks() if t.state.value == "TASK_RUNNING"})
    if len(holders) != 3:
        return False, f"after 10 s, {len(holders)} tasks run ({holders}); the framework must keep 3 running, one per agent."
    target = holders[0]
    cell.schedule_maintenance([target], start=60, duration=600)
    lowest = 3
    for _ in range(60):
        cell.run(1)
        lowest = min(lowest, sum(1 for t in cell.tasks() if t.state.value == "TASK_RUNNING"))
    cell.machine_down([target])
    cell.run(20)
    lost = [t.task_id for t in cell.tasks() if t.state.value in ("TASK_LOST", "TASK_GONE")]
    running = [t for t in cell.tasks() if t.state.value == "TASK_RUNNING"]
    answers = [r["INVERSE OFFERS"] for r in cell.maintenance_status() if r["MACHINE"] == target]
    if lost:
        return False, f"{lost} were still on {target} when it went DOWN: move the task off before the window starts."
    if len({t.agent for t in running}) != 3 or any(t.agent == target for t in running):
        return False, f"after the maintenance {len(running)} tasks run on {sorted(t.agent for t in running)}; keep 3, one per agent, off {target}."
    if lowest < 2:
        return False, f"at one moment only {lowest} tasks ran: start the replacement before (or while) killing the old task."
    if not answers or "accepted" not in (answers[0] or ""):
        return False, f"the tasks moved, but the inverse offer was not accepted ({answers[0] if answers else 'none'}): tell the operator."
    return True, (f"the task left {target} before it went down, at least {lowest} tasks ran throughout (2 required), "
                  "and the inverse offer was accepted.")


_Q5_SOLUTION = '''\
class Keeper(mesos.Scheduler):
    """Keeps 3 one-CPU tasks, one per agent, and leaves agents that are scheduled for maintenance."""

    def __init__(self):
        self.tasks = {}          # task id -> agent
        self.draining = set()    # agents with a maintenance window
        self.n = 0

    def resource_offers(self, driver, offers):
        for offer in offers:
            used = set(self.tasks.values())
            if (len(self.tasks) < 3 + len(self._to_move()) and offer.agent not in used
                    and offer.agent not in self.draining and offer.resources.get("cpus", 0) >= 1):
                self.n += 1
                task_id = f"keeper-{self.n}"
                self.tasks[task_id] = offer.agent
                driver.accept([offer.id], [mesos.Task(task_id, "cpus:1;mem:256")])
            else:
                driver.decline([offer.id], {"refuse_seconds": 5})

    def _to_move(self):
        return [t for t, a in self.tasks.items() if a in self.draining]

    def inverse_offers(self, driver, inverse_offers):
        for io in inverse_offers:
            self.draining.add(io.agent)
            io.accept()
        driver.revive()

    def status_update(self, driver, status):
        if status.state.value == "TASK_RUNNING":
            healthy = [t for t, a in self.tasks.items() if a not in self.draining]
            if len(healthy) >= 3:
                for t in self._to_move():
                    driver.kill(t)
        elif status.state.is_terminal:
            self.tasks.pop(status.task_id, None)
'''

# the worked answer and two plausible wrong ones (for the course tests and for q5.solution_value)
_namespace: dict = {"mesos": mesos}
exec(_Q5_SOLUTION, _namespace)
_Keeper = _namespace["Keeper"]


class _IgnoresInverseOffers(mesos.Scheduler):
    """Keeps 3 tasks, one per agent, and has no inverse_offers method (like Marathon)."""

    def __init__(self) -> None:
        self.tasks: dict = {}
        self.n = 0

    def resource_offers(self, driver, offers):
        for offer in offers:
            if len(self.tasks) < 3 and offer.agent not in self.tasks.values() and offer.resources.get("cpus", 0) >= 1:
                self.n += 1
                self.tasks[f"t-{self.n}"] = offer.agent
                driver.accept([offer.id], [mesos.Task(f"t-{self.n}", "cpus:1;mem:256")])
            else:
                driver.decline([offer.id], {"refuse_seconds": 5})

    def status_update(self, driver, status):
        if status.state.is_terminal:
            self.tasks.pop(status.task_id, None)


class _OnlyAccepts(_IgnoresInverseOffers):
    """Accepts every inverse offer but never moves its task."""

    def inverse_offers(self, driver, inverse_offers):
        for io in inverse_offers:
            io.accept()


q5 = ClassQuestion(
    "q5", _judge_framework,
    prompt=("Stretch: write a mesos.Scheduler that keeps 3 one-CPU tasks running, one per agent, and when it gets an "
            "inverse offer for an agent, starts a replacement elsewhere, then kills the old task, and accepts the "
            "inverse offer -- so no task is lost when the operator brings the machine DOWN."),
    hints=["inverse_offers(self, driver, inverse_offers) is called with objects that have .agent, .start, .accept().",
           "Remember which agents are draining; never launch there; call driver.revive() so offers come again.",
           "Kill the old task only when the replacement reports TASK_RUNNING, so 3 (or 4) tasks run throughout."],
    solution=_Q5_SOLUTION,
    insight=("Kubernetes gives every workload this behaviour through drain, evictions and PDBs; in Mesos each "
             "framework has to implement it, and frameworks that ignore inverse offers simply lose their tasks."),
    wrong_examples=[_IgnoresInverseOffers, _OnlyAccepts, int],
    solution_value=_Keeper,
)
