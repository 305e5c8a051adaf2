"""Lesson 01 (architecture): the quick checks of the lesson and the questions of its exercise notebook.

The lesson shows ``quiz1`` .. ``quiz5`` and ``quiz_lease``, each bound to a variable of the same name (so the
printed hint ``quiz1.answer("a")`` can be typed as it is); ``exercises/01_architecture.ipynb`` checks
``q1`` .. ``q5``. ``q5`` is the stretch task: a controller-like function that reads the
API store's watch events, judged on a fresh simulated cluster (:func:`_judge_waiting_pods`).

>>> from labsupport.exercises import lesson01 as ex
>>> def fault_tolerance(n):
...     return n // 2
>>> print(ex.q1.check(fault_tolerance))
✘ Not yet -- q1: fault_tolerance(4) returned 2; expected 1.
  Next: n // 2 is right only for odd n: with 4 members the quorum is 3, so only 1 may fail.
>>> ex.q3.check("kube-scheduler").correct
True
"""
from __future__ import annotations

from typing import Any

from labsupport.checks import FunctionQuestion, JudgedQuestion, MappingQuestion, SequenceQuestion
from labsupport.quiz import MultipleChoice, ShortAnswer

__all__ = ["q1", "q2", "q3", "q4", "q5", "quiz1", "quiz2", "quiz3", "quiz4", "quiz5", "quiz_lease"]


# --- q1: etcd quorum ------------------------------------------------------------------------------
def _fault_tolerance(n: int) -> int:
    """Members an n-member etcd (Raft) cluster can lose and still commit: n - (n // 2 + 1).

    https://etcd.io/docs/v3.6/faq/#why-an-odd-number-of-cluster-members
    """
    return n - (n // 2 + 1)


q1 = FunctionQuestion(
    "q1",
    [((n,), _fault_tolerance(n)) for n in (4, 3, 1, 2, 5, 6, 7, 8, 9)],
    prompt=("Write fault_tolerance(n): how many members of an n-member etcd cluster may fail "
            "while it still commits writes? (The quorum is a majority: n // 2 + 1.)"),
    hints=["A write commits when a majority (the quorum) of members has it. How many members are left over?",
           "fault_tolerance(n) = n - quorum(n), with quorum(n) = n // 2 + 1. Try n = 3 and n = 4 by hand."],
    solution=("def fault_tolerance(n):\n"
              "    quorum = n // 2 + 1\n"
              "    return n - quorum"),
    insight="3 and 4 members both survive one failure: the 4th member only raises the quorum, which is why etcd recommends odd sizes.",
    # the first case is n = 4, so these keys are what the two classic slips return for it
    mistakes={2: "n // 2 is right only for odd n: with 4 members the quorum is 3, so only 1 may fail.",
              3: ("3 is the quorum of 4 (or n - 1): if 3 of 4 members fail, one is left, and one of four is not "
                  "a majority. Subtract the quorum from n.")},
    wrong_examples=[lambda n: n // 2, lambda n: n - 1, lambda n: n // 2 + 1],
    solution_value=_fault_tolerance,
)


# --- q2: the ripple of one apply ---------------------------------------------------------------------
q2 = SequenceQuestion(
    "q2", expected=["kubectl", "deployment-controller", "replicaset-controller", "default-scheduler", "kubelet/node-1"],
    prompt=("You apply a Deployment with 1 replica to a one-node cluster. List the ACTORs of the watch log in the "
            "order in which each one writes to the API store for the first time."),
    hints=["Nobody calls anybody: each component reacts to an object the previous one wrote. What has to exist "
           "before the scheduler has something to place?",
           "Deployment -> ReplicaSet -> Pod -> binding -> Pod status. Verify with `cluster.watch_log(result)` and keep "
           "the first row of each ACTOR."],
    solution=("log = cluster.watch_log(result)\n"
              "answer = []\n"
              "for row in log.rows:\n"
              "    if row['ACTOR'] not in answer:\n"
              "        answer.append(row['ACTOR'])"),
    insight="Each step is a controller reacting to a watch event: no component ever calls another one directly.",
    mistakes=[(["kubectl", "default-scheduler", "deployment-controller", "replicaset-controller", "kubelet/node-1"],
               "The scheduler places Pods, and no Pod exists until the ReplicaSet controller creates one."),
              (["kubectl", "deployment-controller", "replicaset-controller", "kubelet/node-1", "default-scheduler"],
               "The kubelet only runs Pods bound to its node, so the binding has to come first."),
              (lambda a: isinstance(a, (list, tuple)) and "kube-apiserver" in a,
               "The API server stores every write but is not an ACTOR in the log: it writes nothing of its own here."),
              (lambda a: isinstance(a, (list, tuple)) and "kube-scheduler" in a,
               "Right component, wrong spelling for this log: kube-scheduler writes under its profile's name, "
               "default-scheduler. Copy the ACTOR names exactly as the log prints them."),
              (lambda a: isinstance(a, (list, tuple)) and "kubelet" in a,
               "The log names each kubelet after its node: write kubelet/node-1, exactly as the ACTOR column shows it.")],
)


# --- q3: who writes spec.nodeName -------------------------------------------------------------------
_SCHEDULER_NAMES = {"kube-scheduler", "default-scheduler", "scheduler"}


def _norm(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def _component(text: Any) -> str:
    """'The Kube Scheduler' -> 'kube-scheduler': case, a leading 'the', spaces and underscores do not matter."""
    words = _norm(text).replace("_", " ").replace("-", " ").split()
    if words[:1] == ["the"]:
        words = words[1:]
    return "-".join(words)


def _judge_node_name_writer(answer: Any) -> tuple[bool, str]:
    if not isinstance(answer, str):
        return False, f"Expected a component's name as text (in quotes), got {type(answer).__name__}."
    if _component(answer) in _SCHEDULER_NAMES:
        return True, (f"{answer!r} is right: kube-scheduler (profile default-scheduler) chooses the node and sends a "
                      "Binding (the pods/binding subresource); the API server then sets spec.nodeName.")
    return False, f"{answer!r} does not choose the node of a Pod created by a Deployment."


q3 = JudgedQuestion(
    "q3", _judge_node_name_writer,
    prompt=("Which component chooses spec.nodeName of a Pod that a Deployment created (it sends the binding that "
            "sets the field)? Answer with its name."),
    hints=["spec.nodeName is the node the Pod is assigned to. Which component decides that?",
           "Look for the row with VERB 'bind' in `cluster.watch_log(result, kind='Pod')`."],
    solution='answer = "kube-scheduler"  # the watch log names it by its profile, default-scheduler (VERB bind)',
    insight="The scheduler only writes a Binding; the kubelet of that node sees the change through its watch and starts the Pod.",
    mistakes=[(lambda a: _component(a).startswith("kubelet"), "The kubelet reads spec.nodeName (to find its Pods); it never sets it."),
              (lambda a: "controller" in _component(a), "The ReplicaSet controller creates the Pod without a node; someone else chooses it."),
              (lambda a: _component(a) in {"kube-apiserver", "apiserver", "api-server", "etcd"},
               "The API server applies the binding and stores it (in etcd), but it does not choose the node: "
               "which component sends the binding?"),
              (lambda a: _component(a) == "kubectl", "kubectl sent the Deployment; the Pods and their nodes come later."),
              (lambda a: _component(a) == "my-scheduler",
               "my-scheduler only handles Pods that name it in spec.schedulerName; a Deployment's Pods leave the "
               "field empty, so the default scheduler takes them.")],
    wrong_examples=["kubelet", "replicaset-controller", "kube-apiserver", "my-scheduler"],
    solution_value="kube-scheduler",
)


# --- q4: a Mesos master failover --------------------------------------------------------------------
q4 = MappingQuestion(
    "q4", expected={"running_tasks": 3, "seconds_without_leader": 10, "new_leader": "master-2"},
    prompt=("Three masters, three running tasks; the leading master crashes at t = 10 s. At t = 40 s: how many tasks "
            "are TASK_RUNNING, how many seconds passed between the crash and the next election, and which master leads?"),
    hints=["Agents and executors do not need a master to keep running tasks. The election waits for ZooKeeper "
           "to notice that the leader's session is gone.",
           "Read `cell.events()`: the crash row and the 'elected leading master' row give the two times. "
           "`cell.leader` names the leader; count the tasks whose state is TASK_RUNNING in `cell.tasks()`."],
    solution=('answer = {"running_tasks": 3,            # tasks run on agents, not on the master\n'
              '          "seconds_without_leader": 10,  # --zk_session_timeout (10 s) until the znode goes\n'
              '          "new_leader": "master-2"}      # owner of the next lowest znode'),
    insight="Running tasks never noticed the failover; only new offers and launches waited for the 10 s ZooKeeper session timeout.",
    mistakes=[(lambda a: a.get("running_tasks") == 0, "Tasks run under executors on the agents; a master crash does not stop them."),
              (lambda a: a.get("seconds_without_leader") == 20,
               "20 s is when the crashed master process comes back (as a standby). The election happens earlier."),
              (lambda a: a.get("new_leader") == "master-1", "master-1 crashed; when it restarts it joins as a standby."),
              (lambda a: a.get("new_leader") == "master-3",
               "ZooKeeper picks the owner of the lowest remaining znode: after master-1's is deleted, that is master-2's."),
              (lambda a: a.get("seconds_without_leader") == 0,
               "A standby cannot take over until ZooKeeper expires the old leader's session.")],
    wrong_examples=[{"running_tasks": 0, "seconds_without_leader": 10, "new_leader": "master-2"},
                    {"running_tasks": 3, "seconds_without_leader": 20, "new_leader": "master-2"}],
)


# --- q5 (stretch): a controller-like function over watch events -------------------------------------
_DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "big"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "big"}},
             "template": {"metadata": {"labels": {"app": "big"}},
                          "spec": {"containers": [{"name": "c", "image": "busybox:1.36",
                                                   "resources": {"requests": {"cpu": "600m"}}}]}}},
}
_OTHER_SCHEDULER_POD = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "custom"},
    "spec": {"schedulerName": "my-scheduler", "containers": [{"name": "c", "image": "busybox:1.36"}]},
}
#: (time to check, threshold in seconds)
_CHECKPOINTS = ((25, 10), (35, 10), (50, 15), (50, 25))


def _truly_waiting(cluster: Any, now: float, threshold: float) -> list[str]:
    """Ground truth from the store itself (not from events): unbound Pods older than ``threshold``."""
    return sorted(p["metadata"]["name"] for p in cluster.store.list("Pod", "default")
                  if not p["spec"].get("nodeName") and now - p["metadata"]["creationTimestamp"] > threshold)


def _judge_waiting_pods(fn: Any) -> tuple[bool, str]:
    """Run a fresh cluster and call ``fn(events, now, threshold)`` at each checkpoint.

    Story: one 1-CPU node; a Deployment of three 600m Pods (one fits, two wait); at 20 s a
    Pod for a scheduler that does not exist; at 30 s one waiting Pod is deleted (its
    ReplicaSet makes a new one); at 40 s a second node arrives and one waiting Pod is bound.
    """
    from labsupport import k8s

    if not callable(fn) or isinstance(fn, type):
        return False, f"Expected a function waiting_pods(events, now, threshold), got {type(fn).__name__}."
    cluster = k8s.Cluster(seed=0)
    events: list = []
    cluster.store.watch("Pod", events.append)
    cluster.add_node("node-1", cpu="1", memory="2Gi")
    cluster.apply(_DEPLOYMENT)
    story: dict[float, str] = {}

    def at(t: float) -> None:
        cluster.run(t - cluster.now)

    passed = []
    for now, threshold in _CHECKPOINTS:
        if cluster.now < 20 <= now:
            at(20)
            cluster.apply(_OTHER_SCHEDULER_POD)
        if cluster.now < 30 <= now:
            at(30)
            victim = _truly_waiting(cluster, 30, -1)[0]
            cluster.delete("pod", victim)
            story[30] = f"{victim} was deleted at t=30 s"
        if cluster.now < 40 <= now:
            at(40)
            cluster.add_node("node-2", cpu="1", memory="2Gi")
            cluster.run(0)
            bound = [e.object["metadata"]["name"] for e in events if e.verb == "bind" and e.time == 40]
            story[40] = f"{', '.join(bound)} was bound to node-2 at t=40 s"
        at(now)
        want = _truly_waiting(cluster, now, threshold)
        got = fn(list(events), cluster.now, threshold)
        if isinstance(got, (set, tuple)):
            got = sorted(got)
        if got != want:
            why = [s for t, s in sorted(story.items()) if t <= now]
            context = f" (so far: {'; '.join(why)})" if why else ""
            return False, (f"at t={now} s with threshold={threshold} s your function returned {got!r}; the Pods waiting "
                           f"longer than {threshold} s are {want!r}{context}.")
        passed.append(f"t={now}s/{threshold}s: {len(want)}")
    return True, "right at every checkpoint (" + ", ".join(passed) + " Pods waiting)."


def _waiting_pods(events: list, now: float, threshold: float) -> list[str]:
    created: dict[str, float] = {}
    for ev in events:
        name = ev.object["metadata"]["name"]
        if ev.type == "ADDED":
            created[name] = ev.time
        if ev.type == "DELETED" or ev.verb == "bind":
            created.pop(name, None)
    return sorted(name for name, t in created.items() if now - t > threshold)


def _ignores_deletes(events: list, now: float, threshold: float) -> list[str]:
    created = {ev.object["metadata"]["name"]: ev.time for ev in events if ev.type == "ADDED"}
    bound = {ev.object["metadata"]["name"] for ev in events if ev.verb == "bind"}
    return sorted(n for n, t in created.items() if n not in bound and now - t > threshold)


def _ignores_threshold(events: list, now: float, threshold: float) -> list[str]:
    return _waiting_pods(events, now, -1)


def _any_modified_is_bound(events: list, now: float, threshold: float) -> list[str]:
    created: dict[str, float] = {}
    for ev in events:
        name = ev.object["metadata"]["name"]
        if ev.type == "ADDED":
            created[name] = ev.time
        else:
            created.pop(name, None)
    return sorted(n for n, t in created.items() if now - t > threshold)



q5 = JudgedQuestion(
    "q5", _judge_waiting_pods,
    prompt=("Stretch: write waiting_pods(events, now, threshold) -> sorted list of the names of Pods that exist, "
            "have no node yet, and were created more than `threshold` seconds before `now`. `events` are the "
            "WatchEvents a Pod watch received (ev.type, ev.verb, ev.time, ev.object)."),
    hints=["Keep a dict name -> creation time. ADDED puts a Pod in; which events take it out again?",
           "A Pod stops waiting when it is bound (ev.verb == 'bind') or deleted (ev.type == 'DELETED'). "
           "Careful: the scheduler also MODIFIES Pods it could not place (a PodScheduled=False status).",
           "Finally keep the names with now - created > threshold, sorted."],
    solution=("def waiting_pods(events, now, threshold):\n"
              "    created = {}\n"
              "    for ev in events:\n"
              "        name = ev.object['metadata']['name']\n"
              "        if ev.type == 'ADDED':\n"
              "            created[name] = ev.time\n"
              "        if ev.type == 'DELETED' or ev.verb == 'bind':\n"
              "            created.pop(name, None)\n"
              "    return sorted(n for n, t in created.items() if now - t > threshold)"),
    insight=("This is how controllers work: rebuild the state you care about from a stream of events, "
             "then act on it (client-go informers keep such a cache for every real controller)."),
    wrong_examples=[_ignores_deletes, _ignores_threshold, _any_modified_is_bound],
    solution_value=_waiting_pods,
)


# --- quick checks shown in the lesson -------------------------------------------------------------------
quiz1 = MultipleChoice(
    "A new Pod has just been bound to node-1. How does the kubelet on node-1 find out?",
    choices={"a": "kube-scheduler sends it a message", "b": "it watches the API server for Pods bound to its node",
             "c": "it reads etcd directly", "d": "the ReplicaSet controller calls it"},
    answer="b",
    explanations={"a": "The scheduler only writes the binding to the API server; it never contacts a node.",
                  "b": "Right: every component learns about changes by watching the API server (hub and spoke).",
                  "c": "Only the API server talks to etcd.",
                  "d": "Controllers write objects; they never call kubelets."},
    name="quiz1",
)

quiz2 = ShortAnswer(
    "An etcd cluster has 4 members. How many of them can fail while the cluster still commits writes? (a number)",
    accept=["1", "one"],
    explanation="The quorum of 4 is 3, so only 1 member may fail: the same as with 3 members. Odd sizes are the better buy.",
    mistakes={"2": "With 2 failed, 2 of 4 remain: that is half, not a majority (quorum = 4 // 2 + 1 = 3).",
              "3": "One member alone is never a majority of four.",
              "0": "After one failure 3 of 4 members remain, and 3 is a majority of 4: the cluster still commits."},
    nudge="Count the members left after the failures and compare with the quorum, 4 // 2 + 1 = 3.",
    name="quiz2",
)

quiz3 = MultipleChoice(
    "In Mesos, who turns an agent's free resources into an offer to a framework?",
    choices={"a": "the agent, which sends its offer to the master", "b": "the master's allocator",
             "c": "ZooKeeper", "d": "the framework's executor"},
    answer="b",
    explanations={"a": "Agents report what they have; they never make offers. This is a common mistake in articles.",
                  "b": "Right: the allocator (Dominant Resource Fairness, DRF, by default) decides which framework is offered which agent's resources.",
                  "c": "ZooKeeper only elects and finds the leading master.",
                  "d": "The executor runs tasks on the agent; it is not involved in offers."},
    name="quiz3",
)

quiz4 = MultipleChoice(
    "Two schedulers in one Kubernetes cluster both try to bind the same Pod. What happens?",
    choices={"a": "the API server accepts the first binding and rejects the second with a conflict",
             "b": "the Pod runs on both nodes", "c": "etcd locks the Pod while a scheduler decides",
             "d": "the second binding overwrites the first"},
    answer="a",
    explanations={"a": "Right: optimistic concurrency. Nothing is locked in advance; the loser gets 409 Conflict and moves on.",
                  "b": "A Pod has exactly one spec.nodeName.",
                  "c": "Nothing is locked: schedulers decide on their own copy of the state and the write decides.",
                  "d": "A Pod that already has a node cannot be bound again."},
    name="quiz4",
)

quiz5 = MultipleChoice(
    "The leading Mesos master has crashed and no new leader is elected yet. What happens to tasks already running?",
    choices={"a": "they are killed", "b": "they keep running; only new offers and launches wait",
             "c": "they move to another agent", "d": "they pause until a leader is back"},
    answer="b",
    explanations={"a": "Nothing kills them: the agents and executors keep going without a master.",
                  "b": "Right: the Mesos docs say running tasks continue while no master is available.",
                  "c": "Mesos never moves tasks; a framework would have to launch new ones.",
                  "d": "Tasks are ordinary processes under the agent; they do not wait for the master."},
    name="quiz5",
)

quiz_lease = MultipleChoice(
    "The leading kube-scheduler crashes; two standbys run with the default leader election (Lease 15 s, renew "
    "deadline 10 s, retry 2 s). A new Pod is created 3 s after the crash. What happens to it?",
    choices={"a": "a standby schedules it at once: every copy of kube-scheduler is active",
             "b": "it stays Pending until a standby takes the Lease, 15 s or a few seconds more after the leader's last renewal",
             "c": "the API server schedules it while no scheduler leads",
             "d": "it is rejected and must be created again"},
    answer="b",
    explanations={"a": "Only the Lease holder acts; the standbys only try to take the Lease every retry period (plus jitter).",
                  "b": "Right: like a Mesos standby waiting for ZooKeeper's session timeout, the standby waits until the "
                       "Lease has not changed for 15 s in its own view, then takes it at its next try. Running Pods "
                       "are not affected.",
                  "c": "The API server stores the Pod; it never picks a node.",
                  "d": "The Pod is stored like any other; it simply waits for a scheduler."},
    name="quiz_lease",
)
