"""Exercises of lesson 02 (core concepts): the questions, their judges and the small clusters they run in.

Each judge runs the learner's answer in a *fresh*, seeded simulator: a manifest is applied to a
new ``k8s.Cluster``, a selector is matched against the Pods of :func:`labelled_cluster`, and a
Marathon app definition is posted to the Marathon framework on a new ``mesos.Cluster`` (:func:`run_app`).

>>> from labsupport.exercises import lesson02 as ex
>>> print(ex.q3.check("Checkout.Shop.svc.cluster.local."))  # doctest: +ELLIPSIS
✔ Correct -- q3: 'Checkout.Shop.svc.cluster.local.' names the Service checkout in namespace shop. The trailing dot ...
  Insight: A Pod in namespace shop can also say just `checkout`: its resolv.conf search list adds `shop.svc.cluster.local`.
>>> sorted(p.name for p in labelled_cluster().pods())[:2]
['api-canary', 'api-prod-1']
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labsupport import k8s, mesos
from labsupport.checks import JudgedQuestion, ManifestQuestion, MappingQuestion, ValueQuestion
from labsupport.core import LabError
from labsupport.k8s.objects import selector_matches
from labsupport.mesos.frameworks import Marathon

__all__ = [
    "BROKEN_DEPLOYMENT",
    "RESOURCES_Q5",
    "API_DEPLOYMENT",
    "labelled_cluster",
    "run_app",
    "q1", "q2", "q3", "q4", "q5", "q6",
]

# ----------------------------------------------------------------------------- q1: fix a manifest
BROKEN_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replica: 3
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: backend
    spec:
      containers:
      - name: api
        image: registry.example/api:2.1
        resources:
          requests: {cpu: 250m, memory: 128Mi}
"""

_FIXED_DEPLOYMENT = BROKEN_DEPLOYMENT.replace("replica: 3", "replicas: 3").replace("app: backend", "app: api")


def _judge_fixed_deployment(docs: list[dict]) -> tuple[bool, str]:
    """Apply the YAML to a fresh two-node cluster, run 15 s, and require 3 running, ready Pods of Deployment api."""
    cluster = k8s.Cluster(seed=0)
    cluster.add_node("node-1", cpu="2", memory="4Gi")
    cluster.add_node("node-2", cpu="2", memory="4Gi")
    try:
        cluster.apply(docs)
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    deployments = [d for d in docs if d.get("kind") == "Deployment"]
    if [d.get("metadata", {}).get("name") for d in deployments] != ["api"]:
        return False, f"expected one Deployment named api, got {[d.get('metadata', {}).get('name') for d in deployments]}."
    cluster.run(15)
    pods = [p for p in cluster.pods() if p.owner and p.owner.startswith("ReplicaSet/api-")]
    running = [p for p in pods if p.phase == "Running" and p.ready]
    if len(running) != 3:
        return False, (f"after 15 s the Deployment has {len(running)} running, ready Pod(s) "
                       f"({', '.join(p.status for p in pods) or 'none'}); it should have 3.")
    nodes = sorted({p.node for p in running})
    return True, f"the API server accepted it and 3 Pods run on {', '.join(nodes)}."


q1 = ManifestQuestion(
    "q1", _judge_fixed_deployment,
    prompt="Fix BROKEN_DEPLOYMENT so the API server accepts it and 3 Pods of api run.",
    hints=["Apply it to a cluster and read the error: it names the field. There are two problems.",
           "One key is misspelled under spec; and spec.selector.matchLabels must match spec.template.metadata.labels."],
    solution=_FIXED_DEPLOYMENT,
    insight=("The selector is how the ReplicaSet finds its own Pods, so apps/v1 refuses a Deployment whose "
             "template would create Pods the selector cannot see."),
    wrong_examples=[BROKEN_DEPLOYMENT,
                    BROKEN_DEPLOYMENT.replace("replica: 3", "replicas: 3"),
                    BROKEN_DEPLOYMENT.replace("app: backend", "app: api"),
                    _FIXED_DEPLOYMENT.replace("replicas: 3", "replicas: 2")],
    solution_value=_FIXED_DEPLOYMENT,
)


# ----------------------------------------------------------------------------- q2: a label selector
_PODS = (
    # name, labels
    ("web-prod-1", {"app": "web", "env": "prod", "track": "stable"}),
    ("web-prod-2", {"app": "web", "env": "prod", "track": "stable"}),
    ("web-canary", {"app": "web", "env": "prod", "track": "canary"}),
    ("web-staging", {"app": "web", "env": "staging", "track": "stable"}),
    ("web-debug", {"app": "web", "env": "prod"}),
    ("api-prod-1", {"app": "api", "env": "prod", "track": "stable"}),
    ("api-canary", {"app": "api", "env": "prod", "track": "canary"}),
    ("db-prod", {"app": "db", "env": "prod", "track": "stable"}),
)
_WANTED = {"web-prod-1", "web-prod-2", "web-debug"}


def labelled_cluster(seed: int = 0) -> k8s.Cluster:
    """A one-node cluster running the eight labelled Pods of question q2 (names and labels in ``_PODS``)."""
    cluster = k8s.Cluster(seed=seed)
    cluster.add_node("node-1", cpu="4", memory="8Gi")
    cluster.apply([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
                    "spec": {"containers": [{"name": "main", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}}
                   for name, labels in _PODS])
    cluster.run(5)
    return cluster


def _judge_selector(selector: Any) -> tuple[bool, str]:
    if not isinstance(selector, Mapping) or not selector or set(selector) - {"matchLabels", "matchExpressions"}:
        return False, ("a selector is a dict with matchLabels and/or matchExpressions, "
                       f"got {selector!r}")
    for i, req in enumerate(selector.get("matchExpressions") or ()):
        if not isinstance(req, Mapping) or req.get("operator") not in ("In", "NotIn", "Exists", "DoesNotExist") or "key" not in req:
            return False, (f"matchExpressions[{i}]: needs a key and an operator In, NotIn, Exists or DoesNotExist, got {req!r}")
        if req["operator"] in ("In", "NotIn") and not req.get("values"):
            return False, f"matchExpressions[{i}]: operator {req['operator']} needs a non-empty values list"
    picked = {p.name for p in labelled_cluster().pods() if selector_matches(selector, p.labels)}
    extra, missing = sorted(picked - _WANTED), sorted(_WANTED - picked)
    if extra or missing:
        parts = ([f"it also picks {', '.join(extra)}"] if extra else []) + ([f"it misses {', '.join(missing)}"] if missing else [])
        return False, f"your selector picks {sorted(picked)}: {'; '.join(parts)}."
    return True, f"it picks exactly {sorted(picked)}."


q2 = JudgedQuestion(
    "q2", _judge_selector,
    prompt=("Write a label selector (a dict with matchLabels / matchExpressions) that picks every production "
            "web Pod except canaries: web-prod-1, web-prod-2 and web-debug."),
    hints=["matchLabels can pin app and env. What tells the canary apart?",
           "web-debug has no track label at all, so `track In [stable]` would miss it; use NotIn.",
           "NotIn matches Pods whose label is missing, too."],
    solution=('answer = {"matchLabels": {"app": "web", "env": "prod"},\n'
              '          "matchExpressions": [{"key": "track", "operator": "NotIn", "values": ["canary"]}]}'),
    insight=("A Service's spec.selector is a plain map of equality pairs; Deployments, ReplicaSets and Jobs also "
             "take set-based matchExpressions. Marathon has no selectors: an app owns its tasks by id."),
    wrong_examples=[{"matchLabels": {"app": "web"}},
                    {"matchLabels": {"app": "web", "env": "prod", "track": "stable"}},
                    {"matchLabels": {"app": "web", "env": "prod"},
                     "matchExpressions": [{"key": "track", "operator": "In", "values": ["stable"]}]},
                    "app=web,env=prod,track!=canary"],
    mistakes=[(lambda s: isinstance(s, str),
               "That is kubectl's -l syntax; here write the YAML form as a dict, e.g. {'matchLabels': {...}}.")],
    solution_value={"matchLabels": {"app": "web", "env": "prod"},
                    "matchExpressions": [{"key": "track", "operator": "NotIn", "values": ["canary"]}]},
)


# ----------------------------------------------------------------------------- q3, q4: DNS names
_Q3_NAME = k8s.service_dns_name("checkout", "shop")
_Q3_MISTAKES = {
    "checkout.svc.cluster.local": "The namespace is part of the name: Services in two namespaces may share a name.",
    "shop.checkout.svc.cluster.local": "Service first, then namespace.",
    "checkout.shop.cluster.local": "Service records sit under the svc subdomain.",
    "checkout.default.svc.cluster.local": "This Service is in namespace shop, not default.",
}


def _judge_dns_name(answer: Any) -> tuple[bool, str]:
    """Accept what DNS accepts: any letter case (RFC 4343) and one trailing dot (an absolute name); say what differs."""
    if not isinstance(answer, str):
        return False, f"expected the name as text (in quotes), got {type(answer).__name__} {answer!r}."
    if answer != answer.strip():
        return False, f"{answer!r} has spaces around it; a DNS name has none."
    name, notes = answer, []
    if name.endswith(".") and not name.endswith(".."):
        name = name[:-1]
        notes.append("The trailing dot marks an absolute name: a resolver uses it as is, without trying the search "
                     "list first, so it is the same record.")
    if name != name.lower():
        notes.append("DNS compares names without regard to letter case (RFC 4343), so this resolves to the same "
                     "record; Kubernetes writes Service names in lower case, and so do its DNS records.")
    name = name.lower()
    if name == _Q3_NAME:
        return True, " ".join([f"{answer!r} names the Service checkout in namespace shop."] + notes)
    if name in ("checkout", "checkout.shop", "checkout.shop.svc"):
        return False, (f"{answer!r} resolves only from inside a Pod, through its resolv.conf search list; the question "
                       "asks for the fully qualified name, which works from any namespace.")
    if name in _Q3_MISTAKES:
        return False, f"{answer!r} is not it. {_Q3_MISTAKES[name]}"
    return False, f"{answer!r} is not it."


q3 = JudgedQuestion(
    "q3", _judge_dns_name,
    prompt="What is the fully qualified DNS name of Service checkout in namespace shop (default cluster domain)?",
    hints=["The pattern is <service>.<namespace>.svc.<cluster domain>.", "The default cluster domain is cluster.local."],
    solution='answer = "checkout.shop.svc.cluster.local"   # k8s.service_dns_name("checkout", "shop")',
    insight="A Pod in namespace shop can also say just `checkout`: its resolv.conf search list adds `shop.svc.cluster.local`.",
    nudge="Build it from the pattern <service>.<namespace>.svc.cluster.local, then compare with k8s.service_dns_name.",
    wrong_examples=list(_Q3_MISTAKES) + ["checkout", "checkout.shop.svc.cluster.local..", 42],
    solution_value=_Q3_NAME,
)

# Marathon names an app's Mesos tasks after its id, path reversed and joined by dots (/shop/checkout ->
# checkout.shop; PathId.toHostname, https://github.com/mesosphere/marathon/issues/3163).
_Q4_TASK = "checkout.shop"

q4 = ValueQuestion(
    "q4", expected=mesos.dns_name(_Q4_TASK, "marathon"),
    prompt=("Marathon runs app /shop/checkout, so its Mesos tasks are named checkout.shop. Which name does "
            "Mesos-DNS give those tasks?"),
    hints=["The pattern is <task>.<framework>.mesos.",
           "A task name must become one DNS label: Mesos-DNS turns the '.' inside it into '-'. Check with mesos.dns_name."],
    solution='answer = "checkout-shop.marathon.mesos"   # mesos.dns_name("checkout.shop", "marathon")',
    insight=("All instances share the task name, so this one name resolves to the agents of every instance; the "
             "ports come from an SRV record (_checkout-shop._tcp.marathon.mesos)."),
    mistakes={"checkout.shop.marathon.mesos": "Then 'checkout' and 'shop' would be two labels: Mesos-DNS turns the dot inside the task name into '-'.",
              "shop-checkout.marathon.mesos": "Marathon reverses the path: /shop/checkout gives the task name checkout.shop.",
              "checkout.marathon.mesos": "The group is part of the task name too: /shop/checkout -> checkout.shop.",
              "checkout-shop.marathon.svc.cluster.local": "That is the Kubernetes pattern; Mesos-DNS names end in .mesos.",
              "checkout-shop.mesos": "The framework's name sits between the task and the domain."},
)

# ----------------------------------------------------------------------------- q5: a --resources string
RESOURCES_Q5 = "cpus:8;mem:16384;cpus(analytics):4;disk:102400;ports:[31000-31099,8080-8080]"
_r5 = mesos.parse_resources(RESOURCES_Q5)
_ports5 = sum(hi - lo + 1 for lo, hi in _r5["ports"])

q5 = MappingQuestion(
    "q5",
    expected={"cpus": _r5["cpus"], "reserved_cpus": _r5.reserved()["cpus"], "ports": _ports5},
    prompt=(f"An agent starts with --resources='{RESOURCES_Q5}'. Give a dict with its total cpus, the cpus "
            "reserved for a role, and how many ports it offers."),
    hints=["Tokens are separated by ';'. A role in parentheses is a static reservation: it still counts in the total.",
           "Port ranges are inclusive at both ends: [31000-31099] holds 100 ports.",
           "Check with mesos.parse_resources(ex.RESOURCES_Q5): r['cpus'], r.reserved(), r['ports']."],
    solution='answer = {"cpus": 8 + 4, "reserved_cpus": 4, "ports": (31099 - 31000 + 1) + (8080 - 8080 + 1)}',
    insight=("Only frameworks subscribed to role analytics are offered the 4 reserved cpus; everyone may be offered "
             "the 8 unreserved ones."),
    mistakes=[({"cpus": 8, "reserved_cpus": 4, "ports": 101}, "cpus(analytics):4 are cpus too: reserved, but part of the agent's total."),
              ({"cpus": 12, "reserved_cpus": 4, "ports": 100}, "Count 8080-8080 too: a range of one port."),
              ({"cpus": 12, "reserved_cpus": 4, "ports": 99}, "Both ends of a range are included: 31000..31099 is 100 ports."),
              ({"cpus": 12, "reserved_cpus": 0, "ports": 101}, "cpus(analytics):4 is a static reservation for role analytics.")],
)


# ----------------------------------------------------------------------------- q6: Deployment -> Marathon app
API_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 3
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      affinity:
        podAntiAffinity:              # at most one api Pod per node
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: api}}
            topologyKey: kubernetes.io/hostname
      containers:
      - name: api
        image: registry.example/api:2.1
        command: ["./api", "--port", "8080"]
        resources:
          requests: {cpu: 500m, memory: 256Mi}
"""

def run_app(app: Mapping[str, Any], agents: int = 4, seconds: float = 10, seed: int = 0) -> tuple[mesos.Cluster, Marathon]:
    """Post ``app`` to a fresh Marathon (framework ``marathon``) on ``agents`` agents of 4 cpus; run ``seconds``.

    Raises :class:`labsupport.core.LabError` (Marathon's ``AppDefinitionError``) for an app Marathon would reject.
    """
    cluster = mesos.Cluster(seed=seed)
    for i in range(1, agents + 1):
        cluster.add_agent(f"agent-{i}", resources="cpus:4;mem:8192;disk:10240")
    marathon = Marathon(cluster.sim)
    cluster.register(marathon, name="marathon")
    marathon.add_app(dict(app))
    cluster.run(seconds)
    return cluster, marathon


def _judge_app(app: Any) -> tuple[bool, str]:
    if not isinstance(app, Mapping):
        return False, f"an app definition is a dict like {{'id': '/web', 'cmd': ..., 'cpus': ...}}, got {type(app).__name__}"
    try:
        cluster, marathon = run_app(app)
    except LabError as e:
        return False, f"Marathon rejects it: {e}"
    running = [t for t in cluster.tasks() if t.state == mesos.TaskState.TASK_RUNNING]
    if len(running) != 3:
        return False, f"Marathon runs {len(running)} instance(s) of your app; the Deployment asks for 3 replicas."
    res = running[0].resources
    if abs(res["cpus"] - 0.5) > 1e-9 or abs(res["mem"] - 256) > 1e-9:
        return False, (f"each instance has cpus:{res['cpus']:g};mem:{res['mem']:g}; the Deployment requests 500m CPU "
                       "(cpus 0.5) and 256Mi (mem 256, in MiB).")
    agents = sorted(t.agent for t in running)
    if len(set(agents)) != len(agents):
        return False, (f"instances share agents ({', '.join(agents)}); the Deployment's anti-affinity allows at "
                       "most one per node. Which Marathon constraint says that?")
    if str(app.get("cmd", "")).split()[:1] != ["./api"]:
        return False, f"cmd {app.get('cmd')!r} does not run ./api as the container's command does."
    name = marathon.tasks().rows[0]["DNS"]
    return True, f"3 instances of cpus:0.5;mem:256 run on {', '.join(agents)}, reachable as {name}."


_GOOD_APP = {"id": "/api", "cmd": "./api --port 8080", "cpus": 0.5, "mem": 256, "instances": 3,
             "constraints": [["hostname", "UNIQUE"]]}

q6 = JudgedQuestion(
    "q6", _judge_app,
    prompt=("Stretch: translate API_DEPLOYMENT into a Marathon app definition (a dict with id, cmd, cpus, mem, "
            "instances, constraints). It is judged by posting it to Marathon on four agents of 4 cpus each."),
    hints=["replicas -> instances; requests.cpu 500m -> cpus 0.5; requests.memory 256Mi -> mem 256 (MiB: Marathon's "
           "docs say MB, but Mesos counts 1 MB as 1024 x 1024 bytes).",
           "The command list becomes one shell string in cmd.",
           "Required anti-affinity on kubernetes.io/hostname is Marathon's ['hostname', 'UNIQUE']."],
    solution=('answer = {"id": "/api", "cmd": "./api --port 8080", "cpus": 0.5, "mem": 256, "instances": 3,\n'
              '          "constraints": [["hostname", "UNIQUE"]]}'),
    insight=("Without the constraint Marathon packs all three instances into the first offer it gets (it launches "
             "up to 5 per offer by default): it spreads only when told to, and that placement logic lives in the "
             "framework, not in the Mesos master."),
    wrong_examples=[{k: v for k, v in _GOOD_APP.items() if k != "constraints"},
                    {**_GOOD_APP, "cpus": 500},
                    {**_GOOD_APP, "replicas": 3},
                    {**_GOOD_APP, "instances": 1}],
    mistakes=[(lambda a: isinstance(a, Mapping) and "replicas" in a, "Marathon calls the count `instances`."),
              (lambda a: isinstance(a, Mapping) and isinstance(a.get("cpus"), (int, float)) and a["cpus"] >= 100,
               "500m is 500 millicores, half a CPU: Marathon's cpus is in whole CPUs, so 0.5.")],
    solution_value=_GOOD_APP,
)
