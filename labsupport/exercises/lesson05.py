"""Exercises of lesson 05 (networking): the questions, their judges and the small clusters they run in.

Every judge sends simulated requests through a *fresh*, seeded cluster: a Service or NetworkPolicy is applied
next to :data:`SHOP` (frontend, backend and database Pods, plus an ``app: frontend`` Pod in another namespace),
a Marathon app is posted to a new ``mesos.Cluster`` behind marathon-lb, and a resolver function is compared
with the search-path rule the simulator uses.

>>> from labsupport.exercises import lesson05 as ex
>>> print(ex.q1.check(30))
✔ Correct -- q1: 30 is right.
  Insight: Readiness decides which Pods a Service (and a Gateway behind it) uses; the weights only split between Services.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labsupport import k8s, mesos
from labsupport.checks import Case, FunctionQuestion, JudgedQuestion, ManifestQuestion, NumberQuestion
from labsupport.core import LabError
from labsupport.k8s.network.dns import candidates
from labsupport.mesos.frameworks import Marathon

__all__ = ["SHOP", "CANARY", "BROKEN_SERVICE", "shop_cluster", "canary_cluster", "run_behind_lb", "q1", "q2", "q3", "q4", "q5"]

# ----------------------------------------------------------------------------- q1: predict a traffic split
CANARY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-warming-up, labels: {app: web}}
spec:
  containers: [{name: web, image: "nginx:1.27", readinessProbe: {exec: {command: ["false"]}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v2}
spec:
  replicas: 1
  selector: {matchLabels: {app: web-v2}}
  template:
    metadata: {labels: {app: web-v2}}
    spec:
      containers: [{name: web, image: "nginx:1.28"}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-v2}
spec: {selector: {app: web-v2}, ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: example}
spec: {controllerName: example.net/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop}
spec:
  gatewayClassName: example
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: canary}
spec:
  parentRefs: [{name: shop}]
  hostnames: [shop.example.com]
  rules:
  - backendRefs: [{name: web, port: 80, weight: 90}, {name: web-v2, port: 80, weight: 10}]
"""


def canary_cluster(seed: int = 0) -> k8s.Cluster:
    """Two nodes running :data:`CANARY` for 30 s: 3 ready ``web`` Pods, one that never gets ready, one ``web-v2`` Pod."""
    cluster = k8s.Cluster(seed=seed)
    cluster.add_node("node-1", cpu="4", memory="8Gi")
    cluster.add_node("node-2", cpu="4", memory="8Gi")
    cluster.apply(CANARY)
    cluster.run(30)
    return cluster


q1 = NumberQuestion(
    "q1", expected=30, tolerance=0.5,
    prompt=("The HTTPRoute in CANARY sends weight 90 to Service web and 10 to web-v2. Service web selects 4 Pods, "
            "one of which is not ready. What percentage of all requests should each ready web Pod get?"),
    hints=["First split by weight: 90 % of requests go to Service web.",
           "Then only ready endpoints count: the Pod web-warming-up is in the EndpointSlice with ready: false."],
    solution="answer = 90 / 3   # 90 % to Service web, shared by its 3 ready Pods: 30 %",
    insight="Readiness decides which Pods a Service (and a Gateway behind it) uses; the weights only split between Services.",
    mistakes={22.5: "That counts web-warming-up: a Pod that is not ready gets no new traffic through the Service.",
              20: "That splits over all 5 Pods; the weights first split 90/10 between the two Services.",
              25: "That ignores the weights: 90 of every 100 requests go to Service web.",
              90: "90 % is the share of the whole Service web; it is spread over its ready Pods.",
              33.3: "That ignores the 10 % that go to web-v2."},
)

# ----------------------------------------------------------------------------- q2: fix a Service
SHOP = """
apiVersion: v1
kind: Namespace
metadata: {name: partner}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend}
spec:
  replicas: 3
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend, tier: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", ports: [{name: http, containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: backend, labels: {app: backend}}
spec:
  containers: [{name: api, image: "registry.example/api:2.1", ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: database, labels: {app: database}}
spec:
  containers: [{name: db, image: "postgres:17", ports: [{name: postgres, containerPort: 5432}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: partner-frontend, namespace: partner, labels: {app: frontend}}
spec:
  containers: [{name: web, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Service
metadata: {name: database}
spec: {selector: {app: database}, ports: [{name: postgres, port: 5432}]}
"""

BROKEN_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: frontend
spec:
  selector:
    app: front-end
  ports:
  - name: http
    port: 80
    targetPort: 8080
"""
_FIXED_SERVICE = BROKEN_SERVICE.replace("app: front-end", "app: frontend").replace("targetPort: 8080", "targetPort: 80")


def shop_cluster(seed: int = 0, extra: Any = None) -> k8s.Cluster:
    """Two nodes running :data:`SHOP` (and ``extra`` manifests, applied after it) for 20 s."""
    cluster = k8s.Cluster(seed=seed)
    cluster.add_node("node-1", cpu="4", memory="8Gi")
    cluster.add_node("node-2", cpu="4", memory="8Gi")
    cluster.apply(SHOP)
    if extra:
        cluster.apply(extra)
    cluster.run(20)
    return cluster


def _judge_service(docs: list[dict]) -> tuple[bool, str]:
    services = [d for d in docs if isinstance(d, dict) and d.get("kind") == "Service"]
    if [(d.get("metadata") or {}).get("name") for d in services] != ["frontend"]:
        return False, "give exactly one Service named frontend."
    try:
        cluster = shop_cluster(extra=docs)
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    t = cluster.request("backend", "http://frontend/", count=90)
    if t.dropped:
        reason = next(iter(t.drop_reasons))
        return False, f"{t.dropped} of 90 requests from backend to http://frontend/ failed: {reason}."
    if len(t.by_backend) != 3:
        return False, f"the requests reached {sorted(t.by_backend)}; all 3 frontend Pods should share them."
    return True, f"90 requests spread over the 3 frontend Pods ({', '.join(map(str, t.by_backend.values()))})."


q2 = ManifestQuestion(
    "q2", _judge_service,
    prompt="Fix BROKEN_SERVICE so that http://frontend/ from any Pod reaches the 3 frontend Pods.",
    hints=["Send a request with cluster.trace('backend', 'http://frontend/') and read where it stops.",
           "Compare spec.selector with the Pods' labels (cluster.get('pods') and the manifest), and targetPort with the container's port.",
           "Two things are wrong: the selector's value and the targetPort."],
    solution=_FIXED_SERVICE,
    insight=("A Service never complains about a selector that matches nothing: it just has no endpoints, and "
             "kube-proxy rejects its traffic. targetPort may also be the port's name (targetPort: http)."),
    wrong_examples=[BROKEN_SERVICE,
                    BROKEN_SERVICE.replace("app: front-end", "app: frontend"),
                    BROKEN_SERVICE.replace("targetPort: 8080", "targetPort: 80"),
                    _FIXED_SERVICE.replace("name: frontend", "name: web", 1)],
    mistakes=[(lambda docs: any((d.get("spec") or {}).get("selector", {}).get("app") == "frontend" and
                                any(p.get("targetPort") == 8080 for p in (d.get("spec") or {}).get("ports") or ())
                                for d in docs if isinstance(d, dict)),
               "The selector is right now; the Pods listen on containerPort 80, not 8080."),
              (lambda docs: any((d.get("spec") or {}).get("selector", {}).get("app") == "front-end" for d in docs if isinstance(d, dict)),
               "The Pods are labelled app: frontend (no dash): the selector matches nothing, so the Service has no endpoints.")],
    solution_value=_FIXED_SERVICE,
)

# ----------------------------------------------------------------------------- q3: a NetworkPolicy
_GOOD_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: database-from-frontend
spec:
  podSelector:
    matchLabels: {app: database}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector:
        matchLabels: {app: frontend}
    ports:
    - port: 5432
"""


def _frontend_pod(cluster: k8s.Cluster) -> str:
    return next(p.name for p in cluster.pods("default") if p.labels.get("app") == "frontend")


def _judge_policy(docs: list[dict]) -> tuple[bool, str]:
    if not any(isinstance(d, dict) and d.get("kind") == "NetworkPolicy" for d in docs):
        return False, "give at least one NetworkPolicy (kind: NetworkPolicy, apiVersion: networking.k8s.io/v1)."
    try:
        cluster = shop_cluster(extra=docs)
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    front = _frontend_pod(cluster)
    ip = {p.name: p.ip for p in cluster.pods()}
    probes = [  # (source, namespace, url, should work, what)
        (front, "default", "http://database:5432/", True, "a frontend Pod -> database:5432"),
        ("backend", "default", "http://database:5432/", False, "backend -> database:5432"),
        ("partner-frontend", "partner", "http://database.default:5432/", False,
         "partner/partner-frontend (app: frontend in another namespace) -> database"),
        ("backend", "default", f"http://{ip[front]}:80/", True, "backend -> a frontend Pod (must stay open)"),
        (front, "default", f"http://{ip['backend']}:8080/", True, "a frontend Pod -> backend (must stay open)"),
    ]
    for source, ns, url, want, what in probes:
        tr = cluster.trace(source, url, namespace=ns)
        ok = tr.dropped is None
        if ok != want:
            verdict = "is allowed" if ok else f"is blocked ({tr.dropped})"
            return False, f"{what} {verdict}; it should {'work' if want else 'be blocked'}."
    return True, "only frontend Pods of namespace default reach the database on 5432; everything else is unchanged."


q3 = ManifestQuestion(
    "q3", _judge_policy,
    prompt=("Write a NetworkPolicy so that only the frontend Pods (namespace default) can reach the database Pod on "
            "port 5432; backend and partner/partner-frontend must not, and no other traffic may change."),
    hints=["A policy applies to the Pods its spec.podSelector selects: select the database, not the frontend.",
           "Once a policy selects the database for Ingress, only what its rules allow gets in.",
           "A bare podSelector in `from` means Pods of the policy's own namespace; namespaceSelector: {} would let the partner in."],
    solution=_GOOD_POLICY,
    insight=("Selecting the database isolates it for ingress; the one rule then opens exactly one door. Mesos has "
             "nothing like it built in: with Calico as the CNI plugin, Calico's own policies do this job."),
    wrong_examples=[
        _GOOD_POLICY.replace("matchLabels: {app: database}", "matchLabels: {app: frontend}"),
        _GOOD_POLICY.replace("    - podSelector:\n        matchLabels: {app: frontend}",
                             "    - namespaceSelector: {}\n      podSelector:\n        matchLabels: {app: frontend}"),
        _GOOD_POLICY.replace("  podSelector:\n    matchLabels: {app: database}", "  podSelector: {}"),
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {matchLabels: {app: database}}}\n",
    ],
    mistakes=[(lambda docs: any(isinstance(d, dict) and ((d.get("spec") or {}).get("podSelector") or {}) == {} for d in docs),
               "An empty podSelector selects every Pod in the namespace: the frontend and backend get isolated too."),
              (lambda docs: any(isinstance(d, dict) and (((d.get("spec") or {}).get("podSelector") or {}).get("matchLabels") or {}).get("app") == "frontend"
                                for d in docs),
               "spec.podSelector picks the Pods the policy protects: that is the database, not the frontend."),
              (lambda docs: "namespaceSelector: {}" in str(docs) or "'namespaceSelector': {}" in str(docs),
               "namespaceSelector: {} matches every namespace, so partner/partner-frontend gets in too.")],
    solution_value=_GOOD_POLICY,
)

# ----------------------------------------------------------------------------- q4: marathon-lb
def run_behind_lb(app: Mapping[str, Any], seconds: float = 40, seed: int = 0) -> tuple[mesos.Cluster, Marathon]:
    """Post ``app`` to Marathon on 3 agents (ports 31000-31099) and run ``seconds``; marathon-lb is built in."""
    cell = mesos.Cluster(seed=seed)
    for i in (1, 2, 3):
        cell.add_agent(f"agent-{i}", "cpus:4;mem:8192;ports:[31000-31099]")
    marathon = Marathon(cell.sim)
    cell.register(marathon, name="marathon")
    marathon.add_app(dict(app))
    cell.run(seconds)
    return cell, marathon


_GOOD_APP = {"id": "/shop", "cmd": "./shop --port $PORT0", "cpus": 0.5, "mem": 256, "instances": 2,
             "portDefinitions": [{"port": 10080, "name": "http"}], "labels": {"HAPROXY_GROUP": "external"},
             "healthChecks": [{"protocol": "MESOS_HTTP", "path": "/health", "gracePeriodSeconds": 10, "intervalSeconds": 5}]}


def _judge_lb_app(app: Any) -> tuple[bool, str]:
    if not isinstance(app, Mapping):
        return False, f"an app definition is a dict like {{'id': '/shop', 'cmd': ...}}, got {type(app).__name__}"
    try:
        cell, marathon = run_behind_lb(app)
    except LabError as e:
        return False, f"Marathon rejects it: {e}"
    t = cell.request("http://marathon-lb:10080/", count=40)
    if t.dropped:
        return False, f"{t.dropped} of 40 requests to http://marathon-lb:10080/ failed: {next(iter(t.drop_reasons))}."
    if len(t.by_backend) != 2:
        return False, f"marathon-lb sent the requests to {sorted(t.by_backend)}; both instances should share them."
    if not marathon.app(app["id"]).health_checks:
        return False, "it works, but without a health check marathon-lb also sends traffic to a task that hangs; add one."
    return True, f"40 requests through marathon-lb:10080 went round robin to {', '.join(f'{k} ({v})' for k, v in t.by_backend.items())}."


q4 = JudgedQuestion(
    "q4", _judge_lb_app,
    prompt=("Write a Marathon app `/shop` (2 instances, cmd './shop --port $PORT0') that marathon-lb serves on "
            "service port 10080, with a health check so only healthy tasks get traffic."),
    hints=["marathon-lb only exposes apps whose label HAPROXY_GROUP names its group, 'external' by default.",
           "The service port is portDefinitions[0].port; 0 would let Marathon pick one from 10000 up.",
           "healthChecks: [{'protocol': 'MESOS_HTTP', 'path': '/health', 'gracePeriodSeconds': 10, 'intervalSeconds': 5}]"],
    solution=("answer = " + repr(_GOOD_APP)),
    insight=("The service port is marathon-lb's stable address for the app, as a ClusterIP is a Service's; but it is a "
             "convention between Marathon and the load balancer, not something Mesos knows about."),
    wrong_examples=[{k: v for k, v in _GOOD_APP.items() if k != "labels"},
                    {**_GOOD_APP, "labels": {"HAPROXY_GROUP": "internal"}},
                    {**_GOOD_APP, "portDefinitions": [{"port": 0}]},
                    {k: v for k, v in _GOOD_APP.items() if k != "healthChecks"}],
    mistakes=[(lambda a: isinstance(a, Mapping) and "HAPROXY_GROUP" not in (a.get("labels") or {}),
               "Without the label HAPROXY_GROUP=external marathon-lb ignores the app (an app opts in)."),
              (lambda a: isinstance(a, Mapping) and (a.get("labels") or {}).get("HAPROXY_GROUP") not in (None, "external"),
               "marathon-lb runs with --group external by default: the label must name that group.")],
    solution_value=_GOOD_APP,
)

# ----------------------------------------------------------------------------- q5 (stretch): a resolver
_Q5_CASES = [
    Case(("web", "shop"), candidates("web", "shop"), label="search_order('web', 'shop')"),
    Case(("web.other", "shop"), candidates("web.other", "shop"), label="search_order('web.other', 'shop')"),
    Case(("web.other.svc.cluster.local", "shop"), candidates("web.other.svc.cluster.local", "shop"),
         label="search_order('web.other.svc.cluster.local', 'shop')"),
    Case(("a.b.c.d.e.f", "shop"), candidates("a.b.c.d.e.f", "shop"), label="search_order('a.b.c.d.e.f', 'shop')"),
    Case(("web.other.svc.cluster.local.", "shop"), candidates("web.other.svc.cluster.local.", "shop"),
         label="search_order('web.other.svc.cluster.local.', 'shop')"),
]

q5 = FunctionQuestion(
    "q5", _Q5_CASES,
    prompt=("Stretch: write search_order(name, namespace) returning the names a Pod's resolver asks for, in order "
            "(search <ns>.svc.cluster.local svc.cluster.local cluster.local, options ndots:5)."),
    hints=["A name ending in '.' is absolute: only itself (without the dot).",
           "Count the dots: with fewer than ndots (5), the search suffixes come first and the name as written last.",
           "With 5 dots or more, the name as written comes first, then the search suffixes."],
    solution=('def search_order(name, namespace):\n'
              '    if name.endswith("."):\n'
              '        return [name[:-1]]\n'
              '    search = [f"{namespace}.svc.cluster.local", "svc.cluster.local", "cluster.local"]\n'
              '    searched = [f"{name}.{s}" for s in search]\n'
              '    return [name] + searched if name.count(".") >= 5 else searched + [name]'),
    insight=("A Service FQDN has only 4 dots, so every lookup of it first tries three wrong names: that is why some "
             "clusters lower ndots, or why people write the name with a trailing dot."),
    mistakes={("web.shop.svc.cluster.local",): "Return a list of every name tried, in order, not just the one that answers."},
    wrong_examples=[lambda name, namespace: [f"{name}.{namespace}.svc.cluster.local"],
                    lambda name, namespace: [name] + [f"{name}.{s}" for s in (f"{namespace}.svc.cluster.local", "svc.cluster.local", "cluster.local")]],
    solution_value=lambda name, namespace: candidates(name, namespace),
)
