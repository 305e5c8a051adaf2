"""Exercises of lesson 03 (scheduling I, Kubernetes): the questions, their judges and the clusters they run in.

``exercises/03_scheduling_kubernetes.ipynb`` checks ``q1`` .. ``q3``:

* ``q1`` predict-then-verify: where does :data:`REPORT_POD` land in :func:`placement_cluster`, and
  which nodes are filtered out and why? Judged against ``scheduler.explain`` on a fresh cluster.
* ``q2`` the LeastAllocated score by hand, checked against :mod:`labsupport.k8s.scheduler.scoring`.
* ``q3`` fix :data:`BROKEN_TRAINER` so that the scheduler places it on the GPU node, and only there;
  judged by what the scheduler does with the learner's Pod (a ``nodeName`` that skips the scheduler fails).

The Mesos exercises that were ``q3``, ``q5`` and ``q6`` here before lesson 03 was split are
``lesson04.q1`` .. ``q3``; their helpers (:func:`count_offers`, :func:`run_packing`, ...) are
re-exported here under their old names so older notebooks keep importing them.

>>> from labsupport.exercises import lesson03 as ex
>>> print(ex.q1.check({"node": "gpu-1", "filtered_out": {}}))  # doctest: +ELLIPSIS
✘ Not yet -- q1: you predicted 'gpu-1'; the scheduler picks another node.
  Next: gpu-1 is the emptiest node, but its taint ...
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np

from labsupport import k8s
from labsupport.checks import FunctionQuestion, JudgedQuestion, ManifestQuestion
from labsupport.core import LabError
from labsupport.exercises.lesson04 import (  # noqa: F401  (old names, kept importable)
    DRF_DEMANDS,
    DRF_TOTAL,
    PACKING_AGENTS,
    PACKING_BUSY,
    PACKING_SEEDS,
    PACKING_TASK_CPUS,
    DeclineEverything,
    NaiveFramework,
    count_offers,
    packing_cluster,
    packing_tasks,
    run_packing,
)
from labsupport.k8s.quantity import parse_cpu, parse_memory
from labsupport.k8s.scheduler.scoring import least_allocated_score

__all__ = [
    "PLACEMENT_NODES", "REPORT_POD", "REASON_WORDS", "placement_cluster",
    "BROKEN_TRAINER", "gpu_cluster",
    "q1", "q2", "q3",
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
           "NodeResourcesBalancedAllocation = int((1 - |cpu_fraction - memory_fraction| / 2) * 100), where each "
           "fraction is requested / allocatable on the node after placing the Pod (the pinned Pod's requests plus "
           "this one's). Compute it for both survivors."],
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


# ----------------------------------------------------------------------------- q3: a Pod for the GPU node
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
      requests: {cpu: "2", memory: 8Gi, nvidia.com/gpu: 1}
      limits: {nvidia.com/gpu: 1}
"""

_FIXED_TRAINER = BROKEN_TRAINER.replace(
    "  containers:\n",
    "  tolerations:\n  - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}\n  containers:\n")


def gpu_cluster(seed: int = 0) -> k8s.Cluster:
    """``node-1`` (no GPU), ``gpu-2`` (2 GPUs, shared: no taint, label gpu-pool=shared) and ``gpu-1`` (2 GPUs,
    label accelerator=gpu, taint dedicated=gpu:NoSchedule); all empty."""
    cluster = k8s.Cluster(seed=seed)
    cluster.add_node("node-1", cpu="8", memory="32Gi", labels={"disktype": "ssd"})
    cluster.add_node("gpu-2", cpu="8", memory="32Gi", labels={"gpu-pool": "shared"}, extended={"nvidia.com/gpu": 2})
    cluster.add_node("gpu-1", cpu="8", memory="32Gi", labels={"accelerator": "gpu"}, extended={"nvidia.com/gpu": 2},
                     taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    return cluster


def _judge_trainer(docs: list) -> tuple[bool, str]:
    """Judge by what the scheduler does with the Pod in a fresh :func:`gpu_cluster`.

    ``explain()`` must show gpu-1 as the only feasible node, and after 10 s the Pod must run there,
    bound by kube-scheduler. A ``spec.nodeName`` skips the scheduler (and with it the taint and
    selector filters), so it fails even though the Pod would end up on gpu-1.
    """
    pods = [d for d in docs if isinstance(d, Mapping) and d.get("kind") == "Pod"]
    if len(docs) != 1 or len(pods) != 1 or (pods[0].get("metadata") or {}).get("name") != "trainer":
        return False, "expected exactly one document: the Pod named trainer."
    spec = pods[0].get("spec") or {}
    requests = (((spec.get("containers") or [{}])[0].get("resources") or {}).get("requests") or {})
    if str(requests.get("cpu")) != "2" or requests.get("memory") != "8Gi" or str(requests.get("nvidia.com/gpu")) != "1":
        return False, f"keep the container's requests (cpu 2, memory 8Gi, nvidia.com/gpu 1); yours are {requests}."
    if spec.get("nodeName"):
        return False, (f"spec.nodeName: {spec['nodeName']} skips the scheduler, so no filter runs: neither the taint "
                       "nor the selector is checked, and explain() of this Pod finds no feasible node. Let the "
                       "scheduler place it.")
    cluster = gpu_cluster()
    try:
        decision = cluster.scheduler.explain(pods[0])
        cluster.apply(docs)
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    feasible = sorted(r["node"] for r in decision.rows if r["feasible"])
    if "gpu-1" not in feasible:
        why = next(r["reason"] for r in decision.rows if r["node"] == "gpu-1")
        return False, f"the scheduler filters gpu-1 out: {why}."
    others = [n for n in feasible if n != "gpu-1"]
    if others:
        return False, (f"gpu-1 is feasible, but {', '.join(others)} {'is' if len(others) == 1 else 'are'} feasible "
                       "too, so the scheduler may place it there (a tie is broken at random).")
    cluster.run(10)
    pod = next(p for p in cluster.pods() if p.name == "trainer")
    binders = {r["ACTOR"] for r in cluster.watch_log(kind="Pod").rows if r["VERB"] == "bind" and r["NAME"] == "trainer"}
    if pod.node != "gpu-1" or not binders:
        return False, f"after 10 s trainer is {pod.status} on {pod.node or 'no node'}."
    return True, (f"explain() shows gpu-1 as the only feasible node, and {sorted(binders)[0]} bound trainer there; "
                  "it is running.")


q3 = ManifestQuestion(
    "q3", _judge_trainer,
    prompt=("BROKEN_TRAINER stays Pending in gpu_cluster(). Fix it so that the scheduler places it on gpu-1 and "
            "could never place it on another node."),
    hints=["Apply it to gpu_cluster() and read explain() or the FailedScheduling event: which filter rejects gpu-1?",
           "gpu-1 carries the taint dedicated=gpu:NoSchedule. A Pod needs a toleration with the same key, value and "
           "effect (operator Equal), under spec.tolerations.",
           "Keep the nodeSelector: a toleration only permits gpu-1, it does not attract the Pod to it, and gpu-2 "
           "has GPUs too (and no taint)."],
    solution=_FIXED_TRAINER,
    insight=("Dedicated nodes need both halves: the taint keeps other Pods off, and a selector or required node "
             "affinity keeps this Pod on."),
    mistakes=[(lambda docs: bool(((docs[0] or {}).get("spec") or {}).get("nodeName")),
               "nodeName is not a placement rule: it bypasses the scheduler. Use a toleration for the taint and keep "
               "the nodeSelector."),
              (lambda docs: "tolerations" not in ((docs[0] or {}).get("spec") or {}),
               "gpu-1 has a taint: without a matching toleration the TaintToleration filter rejects it."),
              (lambda docs: "nodeSelector" not in ((docs[0] or {}).get("spec") or {})
               and "affinity" not in ((docs[0] or {}).get("spec") or {}),
               "A toleration permits gpu-1 but does not attract the Pod: keep the nodeSelector (or required node affinity)."),
              (lambda docs: any(t.get("effect") not in (None, "NoSchedule") for t in docs[0]["spec"]["tolerations"]),
               "The toleration's effect must match the taint's: NoSchedule."),
              (lambda docs: any(t.get("value") not in (None, "gpu") for t in docs[0]["spec"]["tolerations"]),
               "With operator Equal the toleration's value must equal the taint's value, gpu.")],
    wrong_examples=[BROKEN_TRAINER,
                    BROKEN_TRAINER.replace("  nodeSelector:\n    accelerator: gpu\n", "  nodeName: gpu-1\n"),
                    _FIXED_TRAINER.replace("  nodeSelector:\n    accelerator: gpu\n", ""),
                    _FIXED_TRAINER.replace("effect: NoSchedule", "effect: NoExecute"),
                    _FIXED_TRAINER.replace("value: gpu,", "value: nvidia,")],
    solution_value=_FIXED_TRAINER,
)
