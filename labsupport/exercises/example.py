"""Example questions, one of every kind: the pattern a lesson module copies.

Each question names itself (``"q1"``), gives hints gentlest first, a worked
solution, one line of insight, and known mistakes with tailored nudges. The
plain keys of ``mistakes`` double as the plausible wrong answers the course tests
feed to the check; kinds whose answers are code or YAML list them in ``wrong_examples``
and give a ``solution_value`` the check must accept.

>>> from labsupport.exercises import example as ex
>>> print(ex.q2.check(1.5))
✘ Not yet -- q2: 1.5 is too low.
  Next: 1.5 CPUs is what the two Pods request together; the question asks what is left on the node.
>>> print(ex.q2.hint(3))
q2 has only 2 hints
  `ex.q2.hint(2)` was the last one. `ex.q2.solution()` shows a worked answer.
"""
from __future__ import annotations

from labsupport.checks import (
    ClassQuestion,
    FunctionQuestion,
    ManifestQuestion,
    MappingQuestion,
    NumberQuestion,
    SequenceQuestion,
    SetQuestion,
    TableQuestion,
    ValueQuestion,
)
from labsupport.core import Simulation, Table
from labsupport.quiz import MultipleChoice, ShortAnswer

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "quiz1", "quiz2"]

# --- values -------------------------------------------------------------------------
q1 = ValueQuestion(
    "q1", expected="TASK_RUNNING",
    prompt="Which Mesos task state does an executor report once the task's command has started?",
    hints=["Mesos task states are constants such as TASK_STAGING; look at the state list in the lesson.",
           "It is the state after TASK_STARTING."],
    solution='answer = "TASK_RUNNING"  # TASK_STAGING -> TASK_STARTING -> TASK_RUNNING (mesos.proto, TaskState)',
    insight="Kubernetes reports the same moment as Pod phase Running, with container state running.",
    mistakes={"TASK_STARTING": "TASK_STARTING means the executor is still launching the task.",
              "Running": "That is the Kubernetes Pod phase; Mesos states are TASK_... constants."},
)

q2 = NumberQuestion(
    "q2", expected=2.5, tolerance=0.01,
    prompt="node-a has 4 allocatable CPUs and runs web-1 (1 CPU requested). How many CPUs can still be requested after web-2 (0.5 CPU) lands there?",
    hints=["The scheduler counts requests, not what the containers use right now.",
           "Allocatable minus the sum of the requests of every Pod on the node."],
    solution="answer = 4 - (1 + 0.5)  # = 2.5 CPUs",
    insight="NodeResourcesFit compares requests with allocatable, so an idle but fully requested node is full.",
    mistakes={1.5: "1.5 CPUs is what the two Pods request together; the question asks what is left on the node.",
              3: "3 CPUs were free before web-2 arrived; subtract its request too."},
)

q3 = SetQuestion(
    "q3", expected={"kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"},
    prompt="Which components make up the Kubernetes control plane (ignore cloud-controller-manager)?",
    hints=["Four components; the kubelet runs on every node, not in the control plane.",
           "One stores state, one serves the API, one places Pods, one runs the controllers."],
    solution='answer = {"kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"}',
    insight="Only the API server talks to etcd; every other component watches the API server.",
    mistakes=[({"kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager", "kubelet"},
               "The kubelet is a node agent: it runs on every node, like a Mesos agent.")],
    wrong_examples=[{"kube-apiserver", "etcd", "kube-scheduler"}],
)

q4 = SequenceQuestion(
    "q4", expected=["TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"],
    prompt="In what order does a task that succeeds report its states?",
    hints=["The first state is set by the master before the agent has the task.", "It ends in a terminal state."],
    solution='answer = ["TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]',
    insight="Only the last state is terminal; a framework must keep tracking a task until it sees one.",
    mistakes=[(["TASK_STARTING", "TASK_STAGING", "TASK_RUNNING", "TASK_FINISHED"],
               "Staging comes first: the master stages the task before the agent starts it.")],
)

q5 = MappingQuestion(
    "q5", expected={"cpus": 2.0, "mem": 3072.0},
    prompt="An agent started with --resources='cpus:4;mem:8192' runs tasks using cpus:2;mem:5120. What is left, as a dict?",
    hints=["Subtract per resource name.", "mem is in MB in Mesos resources."],
    solution='answer = {"cpus": 4 - 2, "mem": 8192 - 5120}',
    insight="Mesos offers exactly these leftovers to frameworks, as scalar resources.",
    mistakes=[({"cpus": 2, "mem": 3}, "Mesos counts mem in MB: 8192 - 5120 MB.")],
)

# --- a table --------------------------------------------------------------------------
q6 = TableQuestion(
    "q6",
    Table(["POD", "NODE"], [{"POD": "web-1", "NODE": "node-a"}, {"POD": "web-2", "NODE": "node-b"},
                            {"POD": "web-3", "NODE": "node-c"}]),
    columns=["POD", "NODE"], key="POD",
    prompt=("Three empty, identical nodes; LeastAllocated scoring; equal scores go to the first node by name "
            "(real kube-scheduler picks at random among equal scores). Where do web-1..3 land?"),
    hints=["After web-1 lands, its node has less free capacity than the others.",
           "Each Pod goes to the emptiest node; among equals, the first by name."],
    solution='answer = [{"POD": "web-1", "NODE": "node-a"}, {"POD": "web-2", "NODE": "node-b"}, {"POD": "web-3", "NODE": "node-c"}]',
    insight="LeastAllocated spreads Pods; MostAllocated would pack them onto node-a.",
    mistakes=[([{"POD": p, "NODE": "node-a"} for p in ("web-1", "web-2", "web-3")],
               "That is bin-packing (MostAllocated); LeastAllocated prefers the emptiest node.")],
)


# --- a function -----------------------------------------------------------------------
def _least_requested_score(requested: int, capacity: int) -> int:
    """kube-scheduler's leastRequestedScore (pkg/scheduler/framework/plugins/noderesources/least_allocated.go)."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * 100 // capacity


q7 = FunctionQuestion(
    "q7",
    [((1500, 4000), 62), ((0, 4000), 100), ((4000, 4000), 0), ((5000, 4000), 0), ((0, 0), 0)],
    prompt="Write least_requested_score(requested, capacity) in milli-CPU, as kube-scheduler computes it (0-100).",
    hints=["The score grows with the free share: (capacity - requested) / capacity, scaled to 0-100.",
           "kube-scheduler uses int64 arithmetic (so it rounds down), and scores 0 when capacity is 0 "
           "or the request exceeds it."],
    solution=("def least_requested_score(requested, capacity):\n"
              "    if capacity == 0 or requested > capacity:\n"
              "        return 0\n"
              "    return (capacity - requested) * 100 // capacity"),
    insight="Scores are 0-100 per resource and then averaged with weights: normalisation is a separate step.",
    mistakes={37: "37 is the requested share; LeastAllocated rewards the free share.",
              62.5: "kube-scheduler computes in int64, so the score is rounded down to a whole number."},
    wrong_examples=[lambda requested, capacity: requested * 100 // capacity,
                    lambda requested, capacity: (capacity - requested) * 100 / capacity],
    solution_value=_least_requested_score,
)


# --- a class, run in a small simulated cluster ------------------------------------------
def _run_framework(framework_class: type, wanted: int = 5) -> tuple[bool, str]:
    """Offer 2.5 CPUs on each of two agents every 5 s for 20 simulated seconds.

    The framework's ``resource_offers(offers)`` returns ``{offer_id: number of 1-CPU tasks}``.
    A real lesson uses labsupport.mesos instead of this toy offer loop.
    """
    sim = Simulation(seed=0)
    framework = framework_class(wanted)
    launched: list[tuple[float, str]] = []
    problems: list[str] = []

    def offer_round() -> None:
        offers = [{"id": f"o-{sim.now:g}-{agent}", "agent": agent, "cpus": 2.5} for agent in ("agent-1", "agent-2")]
        decisions = framework.resource_offers(offers) or {}
        for offer in offers:
            n = decisions.get(offer["id"], 0)
            if n > offer["cpus"]:
                problems.append(f"at t={sim.now:g}s your framework launched {n} 1-CPU tasks on an offer of {offer['cpus']} CPUs")
            launched.extend((sim.now, offer["agent"]) for _ in range(n))
        if sim.now < 20:
            sim.schedule(5, offer_round, label="offer round")

    sim.schedule(0, offer_round, label="offer round")
    sim.run(20)
    if problems:
        return False, problems[0] + "."
    if len(launched) != wanted:
        return False, f"your framework launched {len(launched)} tasks over 20 s; it wanted {wanted}."
    return True, f"your framework launched all {wanted} tasks by t={launched[-1][0]:g}s, then launched nothing more."


class _ExampleFramework:
    def __init__(self, wanted: int) -> None:
        self.remaining = wanted

    def resource_offers(self, offers: list[dict]) -> dict[str, int]:
        plan = {}
        for offer in offers:
            n = min(int(offer["cpus"]), self.remaining)
            plan[offer["id"]] = n
            self.remaining -= n
        return plan


class _GreedyFramework(_ExampleFramework):
    def resource_offers(self, offers: list[dict]) -> dict[str, int]:
        return {offer["id"]: int(offer["cpus"]) for offer in offers}  # never stops


q8 = ClassQuestion(
    "q8", _run_framework,
    prompt="Write a framework class whose resource_offers(offers) launches exactly `wanted` 1-CPU tasks in total.",
    hints=["Remember how many tasks are still to launch in an attribute set in __init__.",
           "For each offer launch min(whole CPUs offered, tasks remaining) tasks, and count them down."],
    solution=("class MyFramework:\n"
              "    def __init__(self, wanted):\n"
              "        self.remaining = wanted\n\n"
              "    def resource_offers(self, offers):\n"
              "        plan = {}\n"
              "        for offer in offers:\n"
              "            n = min(int(offer['cpus']), self.remaining)\n"
              "            plan[offer['id']] = n\n"
              "            self.remaining -= n\n"
              "        return plan"),
    insight="In Mesos the framework, not the master, decides what to launch: two-level scheduling.",
    wrong_examples=[_GreedyFramework],
    solution_value=_ExampleFramework,
)


# --- a manifest -----------------------------------------------------------------------
def _judge_deployment(docs: list[dict]) -> tuple[bool, str]:
    """A Deployment named web with 3 replicas whose selector matches its Pod template's labels."""
    deployments = [d for d in docs if d.get("kind") == "Deployment"]
    if not deployments:
        return False, f"there is no Deployment among your {len(docs)} document(s) (kinds: {[d.get('kind') for d in docs]})."
    spec = deployments[0].get("spec") or {}
    if spec.get("replicas") != 3:
        return False, f"spec.replicas is {spec.get('replicas')!r}; the task asks for 3."
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        return False, (f"spec.selector.matchLabels {selector} does not select the template's labels {labels}; "
                       "the API server rejects such a Deployment.")
    return True, "3 replicas, and the selector matches the Pod template's labels."


_GOOD_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""

q9 = ManifestQuestion(
    "q9", _judge_deployment,
    prompt="Fix the Deployment so it runs 3 replicas of web and its selector matches its Pods.",
    hints=["Two fields are wrong: one number and one label.",
           "spec.selector.matchLabels must be a subset of spec.template.metadata.labels."],
    solution=_GOOD_DEPLOYMENT,
    insight="The selector is how the ReplicaSet finds its Pods; Kubernetes validates that it matches the template.",
    wrong_examples=[_GOOD_DEPLOYMENT.replace("{app: web}\n    spec", "{app: frontend}\n    spec"),
                    _GOOD_DEPLOYMENT.replace("replicas: 3", "replicas 3")],
    solution_value=_GOOD_DEPLOYMENT,
)

# --- quick checks (quizzes) -------------------------------------------------------------
quiz1 = MultipleChoice(
    "Who decides which task runs on an offered agent in Mesos?",
    choices={"a": "the Mesos master", "b": "the framework's scheduler", "c": "the agent"},
    answer="b",
    explanations={"a": "The master decides which framework gets an offer, not what runs on it.",
                  "b": "Right: two-level scheduling; the master offers, the framework picks tasks.",
                  "c": "The agent advertises resources and runs what it is told."},
    name="quiz1",
)

quiz2 = ShortAnswer(
    "Which Kubernetes component is the only one that reads and writes etcd?",
    accept=["kube-apiserver", "apiserver", "api server", "the api server"],
    explanation="Everything else watches the API server, which keeps etcd behind one validated interface.",
    mistakes={"kube-scheduler": "The scheduler binds Pods through the API server; it never touches etcd."},
    name="quiz2",
)
