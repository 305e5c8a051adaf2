"""Exercises of lesson 03 (scheduling): the questions, their judges and the small clusters they run in.

``exercises/03_scheduling.ipynb`` checks ``q1`` .. ``q6``:

* ``q1`` predict-then-verify: where does :data:`REPORT_POD` land in :func:`placement_cluster`, and
  which nodes are filtered out and why? Judged against ``scheduler.explain`` on a fresh cluster.
* ``q2`` the LeastAllocated score by hand, checked against :mod:`labsupport.k8s.scheduler.scoring`.
* ``q3`` DRF by hand with three users, checked against :func:`labsupport.mesos.drf_allocate`.
* ``q4`` fix :data:`BROKEN_TRAINER` so it lands on the GPU node, and only there.
* ``q5`` decline filters and suppress: how many offers in a minute? Counted by :func:`count_offers`.
* ``q6`` stretch: a Mesos framework that packs tasks, run against :class:`NaiveFramework`
  in :func:`packing_cluster` (same seeds) and compared on idle agents.

>>> from labsupport.exercises import lesson03 as ex
>>> print(ex.q3.check({"A": 4, "B": 4, "C": 4}))
✘ Not yet -- q3: The value for 'B' (4) is wrong. The value for 'C' (4) is wrong.
  Next: Equal task counts are not fair here: B's tasks are twice as big in CPUs. DRF equalises dominant shares.
>>> summary = ex.run_packing(ex.NaiveFramework, seed=0)
>>> summary["running"], summary["idle_agents"]
(5, 2)
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np

from labsupport import k8s, mesos
from labsupport.checks import ClassQuestion, FunctionQuestion, JudgedQuestion, ManifestQuestion, MappingQuestion
from labsupport.core import LabError
from labsupport.k8s.quantity import parse_cpu, parse_memory
from labsupport.k8s.scheduler.scoring import least_allocated_score

__all__ = [
    "PLACEMENT_NODES", "REPORT_POD", "REASON_WORDS", "placement_cluster",
    "DRF_TOTAL", "DRF_DEMANDS",
    "BROKEN_TRAINER", "gpu_cluster",
    "PACKING_AGENTS", "PACKING_BUSY", "PACKING_TASK_CPUS", "PACKING_SEEDS",
    "DeclineEverything", "count_offers",
    "NaiveFramework", "packing_cluster", "packing_tasks", "run_packing",
    "q1", "q2", "q3", "q4", "q5", "q6",
]


# ----------------------------------------------------------------------------- q1: predict, then explain()
#: name -> (cpu, memory, labels, taints, the Pod already pinned there as (cpu, memory) or None)
PLACEMENT_NODES: dict[str, tuple] = {
    "node-1": ("4", "16Gi", {"zone": "a"}, [], ("3", "2Gi")),
    "node-2": ("8", "4Gi", {"zone": "a"}, [], ("1", "2Gi")),
    "node-3": ("4", "8Gi", {"zone": "a"}, [], ("500m", "1Gi")),
    "node-4": ("8", "6Gi", {"zone": "a"}, [], ("1", "1Gi")),
    "node-5": ("8", "16Gi", {"zone": "b"}, [], None),
    "gpu-1": ("8", "32Gi", {"zone": "a", "accelerator": "gpu"},
              [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}], None),
}

REPORT_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: report}
spec:
  nodeSelector: {zone: a}
  containers:
  - name: report
    image: registry.example/report:1.4
    resources:
      requests: {cpu: 1500m, memory: 3Gi}
"""

#: the words a prediction may use for why a node was filtered out -> the text of the scheduler's reason
REASON_WORDS = {
    "cpu": "Insufficient cpu",
    "memory": "Insufficient memory",
    "selector": "didn't match Pod's node affinity/selector",
    "taint": "untolerated taint",
}


def _pod(name: str, cpu: str, memory: str, node: str | None = None) -> dict:
    spec: dict = {"containers": [{"name": "main", "image": "busybox:1.36",
                                  "resources": {"requests": {"cpu": cpu, "memory": memory}}}]}
    if node:
        spec["nodeName"] = node   # pinned: skips the scheduler
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def placement_cluster(seed: int = 0) -> k8s.Cluster:
    """The six nodes of :data:`PLACEMENT_NODES`, each running its pinned Pod (``busy-<node>``), after 5 s."""
    cluster = k8s.Cluster(seed=seed)
    for name, (cpu, memory, labels, taints, _busy) in PLACEMENT_NODES.items():
        cluster.add_node(name, cpu=cpu, memory=memory, labels=labels, taints=taints)
    cluster.apply([_pod(f"busy-{name}", *busy, node=name)
                   for name, (*_, busy) in PLACEMENT_NODES.items() if busy])
    cluster.run(5)
    return cluster


def _reason_word(reason: str) -> str:
    """The word of :data:`REASON_WORDS` whose text appears in ``reason`` (any case), else ``reason`` itself."""
    for word, text in REASON_WORDS.items():
        if text.lower() in reason.lower():
            return word
    return reason


def _judge_prediction(prediction: Any) -> tuple[bool, str]:
    """Compare with ``explain(REPORT_POD)`` on a fresh :func:`placement_cluster`."""
    if not isinstance(prediction, Mapping) or set(prediction) != {"node", "filtered_out"}:
        return False, ("a prediction is a dict with two keys, e.g. {'node': 'node-9', 'filtered_out': "
                       f"{{'node-7': 'cpu'}}}}, got {prediction!r}")
    filtered = prediction["filtered_out"]
    if not isinstance(filtered, Mapping):
        return False, f"filtered_out maps each filtered node to a reason word ({', '.join(REASON_WORDS)}), got {filtered!r}"
    decision = placement_cluster().scheduler.explain(REPORT_POD)
    real = {r["node"]: _reason_word(r["reason"]) for r in decision.rows if not r["feasible"]}
    if prediction["node"] != decision.chosen:
        return False, f"you predicted {prediction['node']!r}; the scheduler picks another node."
    if set(filtered) != set(real):
        extra, missing = sorted(set(filtered) - set(real)), sorted(set(real) - set(filtered))
        parts = ([f"{', '.join(extra)} pass{'es' if len(extra) == 1 else ''} every filter"] if extra else []) + (
            [f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} filtered out too"] if missing else [])
        return False, f"right node, {decision.chosen}; but {'; '.join(parts)}."
    wrong = sorted(n for n in real if _reason_word(str(filtered[n]).strip()).lower() != real[n])
    if wrong:
        return False, ("right node and right filtered nodes; the reason is wrong for " + ", ".join(
            f"{n} (you said {filtered[n]!r})" for n in wrong) + ".")
    return True, (f"{decision.chosen}, with {', '.join(f'{n} ({w})' for n, w in sorted(real.items()))} filtered out. "
                  "Now run the explain() cell below and read the scores.")


def _node_is(name: str):
    return lambda a: a.get("node") == name


def _misses_filtered(name: str):
    return lambda a: (a.get("node") == "node-3" and isinstance(a.get("filtered_out"), Mapping)
                      and name not in a["filtered_out"])


_PREDICTION = {"node": "node-3",
               "filtered_out": {"node-1": "cpu", "node-2": "memory", "node-5": "selector", "gpu-1": "taint"}}

q1 = JudgedQuestion(
    "q1", _judge_prediction,
    prompt=("Predict where REPORT_POD lands in placement_cluster(): a dict {'node': ..., 'filtered_out': {node: reason}} "
            f"with reason one of {', '.join(repr(w) for w in REASON_WORDS)}. Then verify with scheduler.explain."),
    hints=["Filters first. For every node compute what is free (allocatable minus the pinned Pod's requests) and "
           "compare with the Pod's 1500m CPU and 3Gi; then check the nodeSelector and the taint.",
           "Only the survivors are scored. Two of them tie on NodeResourcesFit (LeastAllocated: 50 each); "
           "NodeResourcesBalancedAllocation prefers the node where CPU and memory end up equally used.",
           "Balanced: after placing the Pod, compare requested/allocatable of CPU and of memory on each survivor. "
           "The closer the two fractions, the higher the score."],
    solution=("prediction = {'node': 'node-3',\n"
              "              'filtered_out': {'node-1': 'cpu',        # 1 CPU free < 1.5\n"
              "                               'node-2': 'memory',     # 2Gi free < 3Gi\n"
              "                               'node-5': 'selector',   # zone b, the Pod wants zone a\n"
              "                               'gpu-1': 'taint'}}      # dedicated=gpu:NoSchedule, not tolerated\n"
              "# node-3 ends at CPU 2/4 and memory 4/8 (both 50 %): balanced 100; node-4 at 2.5/8 and 4/6: 82."),
    insight=("The scheduler never asks which node has the most of one resource: it filters on requests, "
             "then scores with every plugin; explain() shows both steps."),
    mistakes=[(_node_is("node-1"), "node-1 has the most free memory but only 1 CPU free, and the Pod asks for 1.5: "
                                   "NodeResourcesFit filters it out before any scoring."),
              (_node_is("node-2"), "node-2 has the most free CPU, but only 2Gi of memory free for a 3Gi request: "
                                   "every requested resource must fit."),
              (_node_is("gpu-1"), "gpu-1 is the emptiest node, but its taint dedicated=gpu:NoSchedule keeps out "
                                  "every Pod without a matching toleration."),
              (_node_is("node-5"), "node-5 is in zone b; the Pod's nodeSelector asks for zone a."),
              (_node_is("node-4"), "node-4 passes the filters and ties on NodeResourcesFit, but with 2.5 of 8 CPUs and "
                                   "4 of 6 GiB requested it is unbalanced: NodeResourcesBalancedAllocation decides."),
              (_misses_filtered("gpu-1"), "A taint is checked by a filter (TaintToleration), not only by a score."),
              (_misses_filtered("node-5"), "nodeSelector is a filter: a node without the label is out."),
              (_misses_filtered("node-1"), "Compare free CPU too, not only memory: node-1 has 1 CPU left."),
              (_misses_filtered("node-2"), "Compare free memory too, not only CPU: node-2 has 2Gi left.")],
    nudge=("Go node by node: free CPU (allocatable minus the pinned Pod), free memory, labels, taints. "
           f"Reason words: {', '.join(REASON_WORDS)}."),
    wrong_examples=[{"node": "node-1", "filtered_out": {}},
                    {"node": "node-4", "filtered_out": {"node-1": "cpu", "node-2": "memory", "node-5": "selector",
                                                        "gpu-1": "taint"}},
                    {"node": "node-3", "filtered_out": {"node-1": "cpu", "node-2": "memory", "node-5": "selector"}},
                    {"node": "node-3", "filtered_out": {"node-1": "memory", "node-2": "cpu", "node-5": "selector",
                                                       "gpu-1": "taint"}}],
    solution_value=_PREDICTION,
)


# ----------------------------------------------------------------------------- q2: LeastAllocated by hand
def _least_allocated(allocatable: Mapping, node_requested: Mapping, pod_requested: Mapping, weights: Mapping) -> int:
    """The simulator's LeastAllocated score for one node (least_allocated.go), the reference for q2's cases."""
    names = list(weights)
    requested = [np.array([node_requested[r] + pod_requested[r]]) for r in names]
    capacity = [np.array([allocatable[r]]) for r in names]
    return int(least_allocated_score(requested, capacity, [weights[r] for r in names])[0])


def _q2_cases() -> list[tuple]:
    """Nodes of :data:`PLACEMENT_NODES` with REPORT_POD's requests (cpu in millicores, memory in MiB), several weights."""
    pod = {"cpu": 1500, "memory": 3072}
    cases = []
    for node, weights in [("node-4", {"cpu": 2, "memory": 1}), ("node-3", {"cpu": 1, "memory": 1}),
                          ("node-4", {"cpu": 1, "memory": 1}), ("node-5", {"cpu": 1, "memory": 3}),
                          ("node-1", {"cpu": 1, "memory": 1}), ("node-2", {"cpu": 1, "memory": 1})]:
        cpu, memory, _labels, _taints, busy = PLACEMENT_NODES[node]
        allocatable = {"cpu": parse_cpu(cpu), "memory": parse_memory(memory) // 2**20}
        node_req = {"cpu": parse_cpu(busy[0]), "memory": parse_memory(busy[1]) // 2**20} if busy else {"cpu": 0, "memory": 0}
        args = (allocatable, node_req, pod, weights)
        cases.append((args, _least_allocated(*copy.deepcopy(args))))
    return cases


def _no_weights(allocatable, node_requested, pod_requested, weights):
    s = [(allocatable[r] - node_requested[r] - pod_requested[r]) * 100 // allocatable[r] for r in ("cpu", "memory")]
    return sum(s) // 2


def _no_pod(allocatable, node_requested, pod_requested, weights):
    return _least_allocated(allocatable, node_requested, {r: 0 for r in pod_requested}, weights)


def _most_allocated(allocatable, node_requested, pod_requested, weights):
    s = {r: (node_requested[r] + pod_requested[r]) * 100 // allocatable[r] for r in weights}
    return sum(s[r] * w for r, w in weights.items()) // sum(weights.values())


def _no_clamp(allocatable, node_requested, pod_requested, weights):
    s = {r: (allocatable[r] - node_requested[r] - pod_requested[r]) * 100 // allocatable[r] for r in weights}
    return sum(s[r] * w for r, w in weights.items()) // sum(weights.values())


q2 = FunctionQuestion(
    "q2", _q2_cases(),
    prompt=("Write least_allocated(allocatable, node_requested, pod_requested, weights) -> int: the NodeResourcesFit "
            "score with the LeastAllocated strategy. Each argument is a dict {'cpu': millicores, 'memory': MiB}; "
            "weights are the scoringStrategy resource weights."),
    hints=["Per resource: requested = what the node already has + the new Pod; score = (allocatable - requested) * 100 "
           "// allocatable, and 0 if requested > allocatable.",
           "Then a weighted average: sum(weight * score) // sum(weights). Go divides integers: use // both times.",
           "Check: node-4 with weights 1 and 1 must give 50, the NodeResourcesFit column of q1's explain()."],
    solution=("def least_allocated(allocatable, node_requested, pod_requested, weights):\n"
              "    total = 0\n"
              "    for r, w in weights.items():\n"
              "        requested = node_requested[r] + pod_requested[r]\n"
              "        if requested > allocatable[r]:\n"
              "            score = 0\n"
              "        else:\n"
              "            score = (allocatable[r] - requested) * 100 // allocatable[r]\n"
              "        total += w * score\n"
              "    return total // sum(weights.values())"),
    insight=("The score counts what would be left after placing the Pod, so it spreads; MostAllocated is the same "
             "sum with requested in place of allocatable - requested, and packs."),
    mistakes={50: "That is the plain average: weight each resource's score (cpu counts twice here) and divide by the sum of the weights.",
              85: "Count the new Pod's requests too: the score is about the node after the Pod is placed.",
              42: "That is the used share (MostAllocated). LeastAllocated scores what stays free.",
              44: "The weights are swapped: weights['cpu'] multiplies the CPU score.",
              (lambda v: isinstance(v, float) and not float(v).is_integer()):
                  "Scores are integers: Go truncates each resource's score and the average (use //)."},
    nudge=("A resource whose requests would exceed allocatable scores 0, never less; otherwise compare your "
           "function with the hints step by step."),
    wrong_examples=[_no_weights, _no_pod, _most_allocated, _no_clamp],
    solution_value=_least_allocated,
)


# ----------------------------------------------------------------------------- q3: DRF by hand, three users
DRF_TOTAL = {"cpus": 16, "mem": 32}
DRF_DEMANDS = {"A": {"cpus": 1, "mem": 3}, "B": {"cpus": 2, "mem": 1}, "C": {"cpus": 1, "mem": 2}}

q3 = MappingQuestion(
    "q3", expected=mesos.drf_allocate(DRF_TOTAL, DRF_DEMANDS),
    prompt=("A cluster of <16 CPUs, 32 GB>. User A runs tasks of <1 CPU, 3 GB>, B <2 CPUs, 1 GB>, C <1 CPU, 2 GB>, "
            "all with weight 1. How many tasks does each user get under DRF? Answer {user: tasks}."),
    hints=["Per task, each user's dominant share grows by its largest share of one resource: A by 3/32 (memory), "
           "B by 2/16 (CPU), C by 1/16 (both).",
           "Progressive filling: again and again, give one task to the user with the lowest dominant share, while it "
           "fits. A user whose next task does not fit drops out.",
           "Stop when no one's next task fits; then count tasks, not shares. Check with mesos.drf_allocate."],
    solution=("answer = {'A': 4, 'B': 3, 'C': 6}\n"
              "# A: 4 CPUs, 12 GB; B: 6 CPUs, 3 GB; C: 6 CPUs, 12 GB -> 16 CPUs in all, and every\n"
              "# dominant share is 3/8 (12/32, 6/16, 6/16). mesos.drf_allocate(ex.DRF_TOTAL, ex.DRF_DEMANDS)"),
    insight=("DRF ends with equal dominant shares (3/8 each), not equal task counts or equal CPUs: "
             "that is what makes it strategy-proof and envy-free in the paper."),
    mistakes=[({"A": 4, "B": 4, "C": 4}, "Equal task counts are not fair here: B's tasks are twice as big in CPUs. "
                                          "DRF equalises dominant shares."),
              ({"A": 0.375, "B": 0.375, "C": 0.375}, "Those are the dominant shares; the question asks how many tasks "
                                                      "each user runs."),
              ({"A": 5, "B": 3, "C": 5}, "Count the CPUs: 5 + 6 + 5 = 16 works, but then A's dominant share (15/32) "
                                          "exceeds C's (5/16): C had the lower share and should have got the task."),
              ({"A": 3, "B": 2, "C": 0}, "That is the paper's two-user example; here C competes too."),
              (lambda a: isinstance(a, Mapping) and all(isinstance(v, float) and 0 < v < 1 for v in a.values()),
               "Those look like shares; answer with task counts (whole numbers).")],
    nudge=("Check your totals: the tasks must fit in 16 CPUs and 32 GB, filling stops only when no user's next task "
           "fits, and at the end the dominant shares are equal or nearly so."),
)


# ----------------------------------------------------------------------------- q4: a Pod for the GPU node
BROKEN_TRAINER = """\
apiVersion: v1
kind: Pod
metadata:
  name: trainer
spec:
  nodeSelector:
    accelerator: gpu
  containers:
  - name: train
    image: registry.example/train:3.0
    resources:
      requests: {cpu: "2", memory: 8Gi}
"""

_FIXED_TRAINER = BROKEN_TRAINER.replace(
    "  containers:\n",
    "  tolerations:\n  - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}\n  containers:\n")


def gpu_cluster(seed: int = 0) -> k8s.Cluster:
    """Two ordinary nodes and ``gpu-1`` (label accelerator=gpu, taint dedicated=gpu:NoSchedule); all empty."""
    cluster = k8s.Cluster(seed=seed)
    cluster.add_node("node-1", cpu="8", memory="32Gi", labels={"disktype": "ssd"})
    cluster.add_node("node-2", cpu="8", memory="32Gi")
    cluster.add_node("gpu-1", cpu="8", memory="32Gi", labels={"accelerator": "gpu"},
                     taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    return cluster


def _judge_trainer(docs: list) -> tuple[bool, str]:
    """Apply to a fresh :func:`gpu_cluster`: only gpu-1 may be feasible, and the Pod must run there."""
    pods = [d for d in docs if isinstance(d, Mapping) and d.get("kind") == "Pod"]
    if len(docs) != 1 or len(pods) != 1 or (pods[0].get("metadata") or {}).get("name") != "trainer":
        return False, "expected exactly one document: the Pod named trainer."
    requests = ((((pods[0].get("spec") or {}).get("containers") or [{}])[0].get("resources") or {}).get("requests") or {})
    if str(requests.get("cpu")) != "2" or requests.get("memory") != "8Gi":
        return False, f"keep the container's requests (cpu 2, memory 8Gi); yours are {requests}."
    cluster = gpu_cluster()
    try:
        decision = cluster.scheduler.explain(pods[0])
        cluster.apply(docs)
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    cluster.run(10)
    pod = next(p for p in cluster.pods() if p.name == "trainer")
    if pod.node != "gpu-1":
        why = [r for r in decision.rows if r["node"] == "gpu-1" and not r["feasible"]]
        reason = f" (gpu-1: {why[0]['reason']})" if why else ""
        return False, f"after 10 s trainer is {pod.status} on {pod.node or 'no node'}{reason}."
    others = sorted(r["node"] for r in decision.rows if r["feasible"] and r["node"] != "gpu-1")
    if others:
        return False, (f"it landed on gpu-1 this time, but {', '.join(others)} {'is' if len(others) == 1 else 'are'} "
                       "feasible too, so with another seed (a tie) it could land there.")
    return True, "trainer runs on gpu-1, and explain() shows gpu-1 as the only feasible node."


q4 = ManifestQuestion(
    "q4", _judge_trainer,
    prompt=("BROKEN_TRAINER stays Pending in gpu_cluster(). Fix it so it runs on gpu-1 and could never land on "
            "another node."),
    hints=["Apply it to gpu_cluster() and read explain() or the FailedScheduling event: which filter rejects gpu-1?",
           "gpu-1 carries the taint dedicated=gpu:NoSchedule. A Pod needs a toleration with the same key, value and "
           "effect (operator Equal), under spec.tolerations.",
           "Keep the nodeSelector: a toleration only permits gpu-1, it does not attract the Pod to it."],
    solution=_FIXED_TRAINER,
    insight=("Dedicated nodes need both halves: the taint keeps other Pods off, and a selector or required node "
             "affinity keeps this Pod on."),
    mistakes=[(lambda docs: "tolerations" not in ((docs[0] or {}).get("spec") or {}),
               "gpu-1 has a taint: without a matching toleration the TaintToleration filter rejects it."),
              (lambda docs: "nodeSelector" not in ((docs[0] or {}).get("spec") or {})
               and "affinity" not in ((docs[0] or {}).get("spec") or {}),
               "A toleration permits gpu-1 but does not attract the Pod: keep the nodeSelector (or required node affinity)."),
              (lambda docs: any(t.get("effect") not in (None, "NoSchedule") for t in docs[0]["spec"]["tolerations"]),
               "The toleration's effect must match the taint's: NoSchedule."),
              (lambda docs: any(t.get("value") not in (None, "gpu") for t in docs[0]["spec"]["tolerations"]),
               "With operator Equal the toleration's value must equal the taint's value, gpu.")],
    wrong_examples=[BROKEN_TRAINER,
                    _FIXED_TRAINER.replace("  nodeSelector:\n    accelerator: gpu\n", ""),
                    _FIXED_TRAINER.replace("effect: NoSchedule", "effect: NoExecute"),
                    _FIXED_TRAINER.replace("value: gpu,", "value: nvidia,")],
    solution_value=_FIXED_TRAINER,
)


# ----------------------------------------------------------------------------- q5: decline filters and suppress
class DeclineEverything(mesos.Scheduler):
    """Decline every offer with ``Filters(refuse_seconds)``; with ``suppress=True`` also call ``driver.suppress()``."""

    def __init__(self, refuse_seconds: float = mesos.DEFAULT_REFUSE_SECONDS, suppress: bool = False) -> None:
        self.refuse_seconds, self.suppress = refuse_seconds, suppress

    def resource_offers(self, driver, offers):
        driver.decline([o.id for o in offers], filters=mesos.Filters(refuse_seconds=self.refuse_seconds))
        if self.suppress:
            driver.suppress()


def count_offers(refuse_seconds: float = mesos.DEFAULT_REFUSE_SECONDS, suppress: bool = False, seed: int = 0) -> int:
    """Offers :class:`DeclineEverything` receives on two agents from t = 0 to t = 59 s (``cluster.run(59)``).

    >>> count_offers(refuse_seconds=30)
    4
    """
    cluster = mesos.Cluster(seed=seed)
    cluster.add_agent("agent-1", resources="cpus:4;mem:8192")
    cluster.add_agent("agent-2", resources="cpus:4;mem:8192")
    cluster.register(DeclineEverything(refuse_seconds, suppress), name="picky")
    cluster.run(59)
    return len(cluster.offers_log().rows)


q5 = MappingQuestion(
    "q5",
    expected={"refuse_0": count_offers(0), "refuse_10": count_offers(10), "suppress": count_offers(suppress=True)},
    prompt=("Two agents, allocation every 1 s. A framework declines every offer it gets. How many offers does it "
            "receive from t = 0 to t = 59 s when it declines with refuse_seconds=0, with refuse_seconds=10, and when "
            "it declines (default filter) and then calls suppress()? Answer {'refuse_0': .., 'refuse_10': .., "
            "'suppress': ..}."),
    hints=["Each allocation round (t = 0, 1, 2, ...) offers every agent whose resources are not filtered for this "
           "framework: one offer per agent. There are two agents.",
           "A decline filter of 10 s hides an agent from t until t + 10: the next offer for it comes at t + 10. "
           "How many rounds from 0 to 59 are multiples of 10?",
           "suppress() stops every offer until revive(), whatever the filter says. Check with "
           "ex.count_offers(refuse_seconds=..., suppress=...)."],
    solution=("answer = {'refuse_0': 60 * 2,   # rounds at t = 0, 1, ..., 59, two agents each\n"
              "          'refuse_10': 6 * 2,  # rounds at t = 0, 10, 20, 30, 40, 50\n"
              "          'suppress': 1 * 2}   # the first round only"),
    insight=("A filter only spaces out the same unwanted offers, and in a busy cluster the filtered resources go to "
             "other frameworks meanwhile; suppress is what an idle framework should do."),
    mistakes=[({"refuse_0": 60, "refuse_10": 6, "suppress": 1},
               "That counts one agent. Every round makes one offer per agent, and there are two."),
              ({"refuse_0": 120, "refuse_10": 10, "suppress": 2},
               "Count the round at t = 0 too: 0, 10, 20, 30, 40 and 50 is six rounds, two offers each."),
              ({"refuse_0": 120, "refuse_10": 12, "suppress": 0},
               "suppress() comes after the first offers arrived: the framework got those before it could suppress."),
              ({"refuse_0": 120, "refuse_10": 12, "suppress": 24},
               "24 is what the default 5 s filter alone gives (an offer per agent every 5 s); suppress() stops "
               "offers altogether until revive().")],
    nudge=("Count allocation rounds from t = 0 to t = 59 inclusive (60 of them) and one offer per unfiltered agent "
           "per round; then run ex.count_offers(...) to check."),
)


# ----------------------------------------------------------------------------- q6: a framework that packs
PACKING_AGENTS = 8                               # agent-1 .. agent-8, each cpus:4;mem:8192
PACKING_BUSY = {"agent-3": 3, "agent-6": 2}      # 1-CPU tasks another framework ("tenant") already runs there
PACKING_TASK_CPUS = (2, 2, 1, 1, 1)              # your tasks: job-0 .. job-4, each with 1024 MB per CPU
PACKING_SEEDS = (0, 1, 2)                        # the judge runs every seed
_PACKING_SECONDS = 20


class NaiveFramework(mesos.Scheduler):
    """The baseline of q6: take offers in the order received and launch ONE task per offer.

    An offer whose CPUs or memory cannot hold the next task is declined (default filter, 5 s);
    what a launch leaves unused in an offer is declined the same way by the master.
    """

    def __init__(self, tasks: list[mesos.Task]) -> None:
        self.pending = list(tasks)

    def resource_offers(self, driver, offers):
        for offer in offers:
            if not self.pending:
                driver.decline([offer.id])
                continue
            task = self.pending[0]
            if (task.resources["cpus"] <= offer.resources.get("cpus", 0)
                    and task.resources["mem"] <= offer.resources.get("mem", 0)):
                driver.accept([offer.id], [self.pending.pop(0)])
            else:
                driver.decline([offer.id])


class _Tenant(mesos.Scheduler):
    """Another team's framework: it pins 1-CPU tasks on the agents of ``plan``, then suppresses its offers."""

    def __init__(self, plan: Mapping[str, int]) -> None:
        self.plan = dict(plan)

    def resource_offers(self, driver, offers):
        for offer in offers:
            n = self.plan.pop(offer.agent, 0)
            if n:
                driver.accept([offer.id], [mesos.Task(f"tenant-{offer.agent}-{i}", "cpus:1;mem:1024") for i in range(n)],
                              filters=mesos.Filters(refuse_seconds=0))
            else:
                driver.decline([offer.id], filters=mesos.Filters(refuse_seconds=0))
        if not self.plan:
            driver.suppress()


def packing_tasks() -> list[mesos.Task]:
    """Fresh Task objects for q6: ``job-i`` with ``PACKING_TASK_CPUS[i]`` cpus and 1024 MB per cpu, long-running."""
    return [mesos.Task(f"job-{i}", {"cpus": c, "mem": 1024 * c}) for i, c in enumerate(PACKING_TASK_CPUS)]


def packing_cluster(seed: int = 0) -> mesos.Cluster:
    """``PACKING_AGENTS`` agents of 4 cpus; after 1 s the tenant framework runs ``PACKING_BUSY`` and is suppressed."""
    cluster = mesos.Cluster(seed=seed)
    for i in range(1, PACKING_AGENTS + 1):
        cluster.add_agent(f"agent-{i}", resources="cpus:4;mem:8192")
    cluster.register(_Tenant(PACKING_BUSY), name="tenant")
    cluster.run(1)
    return cluster


def run_packing(framework_class: type, seed: int = 0, seconds: float = _PACKING_SECONDS) -> dict:
    """Register ``framework_class(packing_tasks())`` as ``packer`` on :func:`packing_cluster`, run, and measure.

    Returns ``{"cluster", "framework", "running", "idle_agents"}``: how many of the given tasks
    (same name and resources) are TASK_RUNNING, and how many agents run no task at all (of any framework).
    """
    cluster = packing_cluster(seed)
    framework = framework_class(packing_tasks())
    cluster.register(framework, name="packer")
    cluster.run(seconds)
    live = [t for t in cluster.tasks() if not t.state.is_terminal]
    wanted = {t.name: t.resources for t in packing_tasks()}
    running = [t for t in live if t.framework_name == "packer" and t.state == mesos.TaskState.TASK_RUNNING
               and t.name in wanted and t.resources == wanted[t.name]]
    busy = {t.agent for t in live}
    return {"cluster": cluster, "framework": framework, "running": len(running),
            "idle_agents": sum(1 for name in cluster.agents if name not in busy)}


def _best_idle_agents() -> int:
    """Idle agents under the best packing: fill the busy agents, then as few empty ones as possible."""
    free = sorted(4 - n for n in PACKING_BUSY.values())
    need = sum(PACKING_TASK_CPUS)
    for c in sorted(PACKING_TASK_CPUS, reverse=True):       # first-fit decreasing into the busy agents
        for i, f in enumerate(free):
            if c <= f:
                free[i] -= c
                need -= c
                break
    return PACKING_AGENTS - len(PACKING_BUSY) - -(-need // 4)


def _judge_packer(cls: type) -> tuple[bool, str]:
    """Run ``cls`` and :class:`NaiveFramework` on :func:`packing_cluster` for every seed of ``PACKING_SEEDS``."""
    if not issubclass(cls, mesos.Scheduler):
        return False, f"{cls.__name__} must subclass mesos.Scheduler (class {cls.__name__}(mesos.Scheduler): ...)."
    results = []
    for seed in PACKING_SEEDS:
        mine, naive = run_packing(cls, seed), run_packing(NaiveFramework, seed)
        if mine["running"] != len(PACKING_TASK_CPUS):
            return False, (f"seed {seed}: after {_PACKING_SECONDS} s only {mine['running']} of the "
                           f"{len(PACKING_TASK_CPUS)} tasks you were given are TASK_RUNNING; launch them all, "
                           "unchanged (the Task objects passed to __init__).")
        results.append((seed, mine["idle_agents"], naive["idle_agents"]))
    summary = "; ".join(f"seed {s}: {m} idle agents (naive: {n})" for s, m, n in results)
    if any(m <= n for _, m, n in results):
        return False, f"{summary}. Leave MORE agents completely idle than the naive framework on every seed."
    best = _best_idle_agents()
    extra = (" That is the best possible." if all(m == best for _, m, _ in results) else
             f" The best possible is {best}: try the fullest agents first, biggest tasks first.")
    return True, f"all tasks running; {summary}.{extra}"


class _BestFitPacker(mesos.Scheduler):
    """The reference answer: fullest offers first, biggest tasks first, as many as fit (best-fit decreasing)."""

    def __init__(self, tasks):
        self.pending = sorted(tasks, key=lambda t: -t.resources["cpus"])

    def resource_offers(self, driver, offers):
        for offer in sorted(offers, key=lambda o: (o.resources.get("cpus", 0), o.agent)):
            cpus, mem = offer.resources.get("cpus", 0), offer.resources.get("mem", 0)
            batch = []
            for task in list(self.pending):
                if task.resources["cpus"] <= cpus and task.resources["mem"] <= mem:
                    batch.append(task)
                    self.pending.remove(task)
                    cpus, mem = cpus - task.resources["cpus"], mem - task.resources["mem"]
            if batch:
                driver.accept([offer.id], batch)
            else:
                driver.decline([offer.id])
        if not self.pending:
            driver.suppress()


class _Spreader(mesos.Scheduler):
    """A wrong answer: one task on each of the emptiest agents (it spreads)."""

    def __init__(self, tasks):
        self.pending = list(tasks)

    def resource_offers(self, driver, offers):
        for offer in sorted(offers, key=lambda o: (-o.resources.get("cpus", 0), o.agent)):
            if self.pending and self.pending[0].resources["cpus"] <= offer.resources.get("cpus", 0):
                driver.accept([offer.id], [self.pending.pop(0)])
            else:
                driver.decline([offer.id])


class _GreedyFirstTaskOnly(mesos.Scheduler):
    """A wrong answer: packs the first offer full, then declines every later offer for good."""

    def __init__(self, tasks):
        self.pending, self.done = list(tasks), False

    def resource_offers(self, driver, offers):
        for offer in offers:
            if self.done:
                driver.decline([offer.id], filters=mesos.Filters(refuse_seconds=3600))
                continue
            self.done = True
            batch, cpus = [], offer.resources.get("cpus", 0)
            for task in list(self.pending):
                if task.resources["cpus"] <= cpus:
                    batch.append(task)
                    self.pending.remove(task)
                    cpus -= task.resources["cpus"]
            driver.accept([offer.id], batch)


_SOLUTION_Q6 = '''class Packer(mesos.Scheduler):
    """Best-fit decreasing: fullest offers first, biggest tasks first, as many tasks per offer as fit."""

    def __init__(self, tasks):
        self.pending = sorted(tasks, key=lambda t: -t.resources["cpus"])

    def resource_offers(self, driver, offers):
        for offer in sorted(offers, key=lambda o: o.resources.get("cpus", 0)):
            cpus, mem = offer.resources.get("cpus", 0), offer.resources.get("mem", 0)
            batch = []
            for task in list(self.pending):
                if task.resources["cpus"] <= cpus and task.resources["mem"] <= mem:
                    batch.append(task)
                    self.pending.remove(task)
                    cpus -= task.resources["cpus"]
                    mem -= task.resources["mem"]
            if batch:
                driver.accept([offer.id], batch)
            else:
                driver.decline([offer.id])
        if not self.pending:
            driver.suppress()'''

q6 = ClassQuestion(
    "q6", _judge_packer,
    prompt=("Stretch: write a mesos.Scheduler subclass, constructed as YourClass(tasks), that launches all the tasks "
            "and leaves more agents completely idle than NaiveFramework, on packing_cluster(seed) for seeds 0, 1, 2."),
    hints=["NaiveFramework launches one task per offer, so its tasks spread over many agents. Put several tasks into "
           "one accept: driver.accept([offer.id], [task1, task2, ...]).",
           "All offers of one allocation round arrive in ONE resource_offers call. Sorting them changes which agents "
           "you fill: which agents should you fill first to keep the others empty?",
           "Best-fit decreasing: offers with the fewest free CPUs first (the tenant's busy agents), biggest tasks first. "
           "Suppress once nothing is pending."],
    solution=_SOLUTION_Q6,
    insight=("Placement is the framework's business in Mesos: the master offered the same agents to both frameworks; "
             "only the framework's choice of offers and tasks per offer packed or spread them."),
    mistakes=[(lambda cls: isinstance(cls, type) and issubclass(cls, NaiveFramework),
               "This is still one task per offer. Launch as many tasks as fit into an offer."),
              (lambda cls: cls is _Spreader,
               "Launching one task on each of the emptiest agents spreads the tasks: the opposite of packing."),
              (lambda cls: cls is _GreedyFirstTaskOnly,
               "Do not decline offers for good while tasks are still pending: every task must run.")],
    nudge=("Launch several tasks per offer, and choose the offers: the ones with the fewest free CPUs first. "
           "`ex.run_packing(YourClass)['cluster'].get('agents')` shows where your tasks went."),
    wrong_examples=[NaiveFramework, _Spreader, _GreedyFirstTaskOnly],
    solution_value=_BestFitPacker,
)
