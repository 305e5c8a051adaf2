"""Exercises answered with the real kubectl: the learner writes a command, the judge runs it on a fresh cluster.

The answer is the text after ``kubectl`` (``"get pods -l app=web -o wide"``). The judge builds a
new seeded cluster (:func:`shop_cluster`), serves it on loopback, runs the command with the real
kubectl binary (no shell; only read-only subcommands are accepted) and compares what it printed
with the truth computed from the simulator. A second cluster with the Pods placed differently
makes sure the command asks the cluster rather than printing a remembered answer.

>>> from labsupport.exercises import kubectl_exercises as ex
>>> print(ex.q_nodes.check("get pods -l app=web -o jsonpath={.items[*].spec.nodeName}"))  # doctest: +ELLIPSIS
✔ Correct -- q_nodes: ...
"""
from __future__ import annotations

import shlex

from labsupport import k8s
from labsupport.checks import JudgedQuestion

__all__ = ["READ_ONLY", "shop_cluster", "web_nodes", "q_nodes"]

#: kubectl subcommands a judge will run (they only read).
READ_ONLY = ("get", "describe", "top", "logs", "explain", "api-resources", "version", "auth")


def shop_cluster(seed: int = 0, nodes: int = 3) -> k8s.Cluster:
    """A cluster with Deployments ``web`` (3 replicas, ``app=web``) and ``api`` (2 replicas, ``app=api``), run for 20 s."""
    cluster = k8s.Cluster(seed=seed)
    for i in range(nodes):
        cluster.add_node(f"node-{i + 1}", cpu="2", memory="4Gi")
    for name, replicas, cpu in (("web", 3, "600m"), ("api", 2, "300m")):
        cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                       "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                                "template": {"metadata": {"labels": {"app": name}},
                                             "spec": {"containers": [{"name": name, "image": "nginx:1.27",
                                                                      "resources": {"requests": {"cpu": cpu}}}]}}}})
    cluster.run(20)
    return cluster


def web_nodes(cluster: k8s.Cluster) -> list[str]:
    """The node of every ``app=web`` Pod, sorted (a node appears once per Pod it runs)."""
    return sorted(p.node for p in cluster.pods("default") if p.labels.get("app") == "web" and p.node)


def _judge_nodes(answer) -> tuple[bool, str]:
    if not isinstance(answer, str) or not answer.strip():
        return False, f"write the kubectl command as a string, such as \"get pods\", got {answer!r}."
    try:
        words = shlex.split(answer)
    except ValueError as e:
        return False, f"the command cannot be split into words: {e}."
    if words and words[0] == "kubectl":
        words = words[1:]
    if not words or words[0] not in READ_ONLY:
        return False, f"use a read-only command ({', '.join(READ_ONLY)}); got {' '.join(words[:1]) or 'nothing'}."
    for seed, nodes in ((0, 3), (7, 4)):
        cluster = shop_cluster(seed, nodes)
        try:
            out = cluster.kubectl(words)
        finally:
            cluster.serve().stop()
        if out.returncode != 0:
            return False, f"kubectl failed: {out.stderr.strip()}"
        got = sorted(out.split())
        want = web_nodes(cluster)
        if got != want:
            return False, (f"on a cluster whose web Pods run on {want}, your command printed {out.strip()!r}: "
                           "print only the node names, one per web Pod.")
    return True, "your command printed exactly the nodes of the web Pods, on two different clusters."


q_nodes = JudgedQuestion(
    "q_nodes", _judge_nodes,
    prompt=("Write one kubectl command (without the word kubectl) that prints only the names of the nodes running the Pods "
            "of Deployment web (label app=web), one name per Pod, and nothing else."),
    hints=["Select the Pods with -l app=web.", "The node is in each Pod's spec.nodeName.",
           "-o jsonpath='{.items[*].spec.nodeName}' prints one field of every item; "
           "-o custom-columns=NODE:.spec.nodeName --no-headers works too."],
    solution="answer = \"get pods -l app=web -o jsonpath='{.items[*].spec.nodeName}'\"",
    insight=("kubectl get -o jsonpath reads the same API objects the scheduler wrote (the binding sets spec.nodeName); "
             "-o wide shows it in the NODE column, but only jsonpath or custom-columns give you just the field."),
    wrong_examples=["get pods -o wide", "get pods -o jsonpath={.items[*].spec.nodeName}", "delete pods -l app=web",
                    "get pods -l app=web -o name"],
    mistakes=[(lambda a: isinstance(a, str) and "-o wide" in a, "-o wide prints whole rows; ask for the one field with -o jsonpath.")],
    solution_value="get pods -l app=web -o jsonpath='{.items[*].spec.nodeName}'",
)
