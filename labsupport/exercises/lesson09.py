"""Exercises of lesson 09 (security): RBAC for a CI ServiceAccount, a surprising binding, Mesos ACLs, Pod hardening.

Every judge builds a fresh, seeded cluster and asks the simulated API server or master, so an answer is
checked by what the real authorizer would decide (:mod:`labsupport.k8s.auth`, :mod:`labsupport.mesos.auth`).
No answer is evaluated as code: manifests are YAML/dicts, ACLs a dict.

>>> from labsupport.exercises import lesson09 as ex
>>> print(ex.q2.check("oncall-edit"))  # doctest: +ELLIPSIS
✔ Correct -- q2: 'oncall-edit' is right.
...
"""
from __future__ import annotations

from typing import Any

from labsupport import k8s, mesos
from labsupport.checks import JudgedQuestion, ManifestQuestion, ValueQuestion
from labsupport.core import LabError

__all__ = ["CI_SETUP", "surprise_cluster", "WEB_POD", "q1", "q2", "q3", "q4"]

CI = "system:serviceaccount:shop:ci"
CI_SETUP = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ci, namespace: shop}
"""

_CI_SOLUTION = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: shop}
rules:
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update", "patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci-deployer, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
subjects:
- {kind: ServiceAccount, name: ci, namespace: shop}
"""

_APP = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}


def _judge_ci(docs: list[dict]) -> tuple[bool, str]:
    """Apply the RBAC objects as the admin, then act as the CI ServiceAccount."""
    cluster = k8s.Cluster(seed=0)
    cluster.apply(CI_SETUP)
    try:
        cluster.apply(docs)
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    kinds = sorted({d.get("kind") for d in docs})
    if "ClusterRoleBinding" in kinds:
        return False, "a ClusterRoleBinding grants its role in EVERY namespace; CI only deploys to shop: use a RoleBinding."
    ci = cluster.as_user(CI)
    try:
        ci.apply(_APP)
    except k8s.ForbiddenError as e:
        return False, f"the CI account still cannot deploy: {e}"
    for verb, resource in (("get", "secrets"), ("list", "secrets"), ("watch", "secrets")):
        d = cluster.can_i(verb, resource, namespace="shop", as_user=CI)
        if d.allowed:
            return False, f"CI can {verb} secrets ({d.reason}); drop that permission (the edit/admin ClusterRoles include secrets)."
    for verb, resource in (("create", "rolebindings"), ("create", "pods"), ("delete", "namespaces")):
        d = cluster.can_i(verb, resource, namespace="shop", as_user=CI)
        if d.allowed:
            return False, f"CI can also {verb} {resource} ({d.reason}): more than deploying needs."
    if cluster.can_i("create", "deployments", namespace="default", as_user=CI).allowed:
        return False, "CI may deploy in namespace default too: bind the role only in shop."
    return True, "CI deployed web in shop, and may not read Secrets, create Pods directly or bind roles."


q1 = ManifestQuestion(
    "q1", _judge_ci,
    prompt=("Write a Role and a RoleBinding (YAML) that let ServiceAccount ci in namespace shop deploy (apply a "
            "Deployment) but not read Secrets."),
    hints=["kubectl apply GETs the Deployment first, then creates or patches it: the Role needs get, create and patch (and update).",
           "Deployments live in API group apps, so the rule's apiGroups is [\"apps\"], not [\"\"].",
           "A ServiceAccount subject is {kind: ServiceAccount, name: ci, namespace: shop}; a RoleBinding keeps it in shop."],
    solution=_CI_SOLUTION,
    insight=("The built-in edit ClusterRole would also work for deploying, but it includes get/list on Secrets; a "
             "narrow Role is least privilege."),
    wrong_examples=[_CI_SOLUTION.replace('["apps"]', '[""]'),
                    _CI_SOLUTION.replace('"create", "update", "patch"', '"create"').replace('"get", "list", "watch", ', ""),
                    _CI_SOLUTION.replace("kind: Role, name: deployer", "kind: ClusterRole, name: edit"),
                    _CI_SOLUTION.replace("kind: RoleBinding\nmetadata: {name: ci-deployer, namespace: shop}",
                                         "kind: ClusterRoleBinding\nmetadata: {name: ci-deployer}")],
    solution_value=_CI_SOLUTION,
)

# ------------------------------------------------------------------- q2: which binding grants it?
_SURPRISE = """\
apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: interns-view, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: interns, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: oncall-edit}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: oncall, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dana-logs, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: log-reader}
subjects: [{kind: User, name: dana, apiGroup: rbac.authorization.k8s.io}]
"""


def surprise_cluster() -> k8s.Cluster:
    """A cluster where intern dana (groups interns and oncall) turns out to be able to read Secrets in prod."""
    cluster = k8s.Cluster(seed=0)
    cluster.apply(_SURPRISE)
    return cluster


q2 = ValueQuestion(
    "q2", expected="oncall-edit",
    prompt=("Intern dana is in groups interns and oncall. She can read Secrets in prod. Which binding (its name) "
            "grants that? Ask the cluster: surprise_cluster().can_i(...) with as_user and groups."),
    hints=["can_i's Decision has a reason naming the binding that allowed the request.",
           "cluster.can_i('get', 'secrets', namespace='prod', as_user='dana', groups=['interns', 'oncall']).reason"],
    solution='answer = "oncall-edit"   # RBAC: allowed by ClusterRoleBinding "oncall-edit" of ClusterRole "edit" to Group "oncall"',
    insight=("Group membership comes from the authenticator, not from the cluster: a ClusterRoleBinding to a broad "
             "group reaches every namespace, which is why audits start from `kubectl auth can-i --list` per user."),
    mistakes={"interns-view": "view never grants Secrets (it is left out on purpose); look at dana's other group.",
              "dana-logs": "That RoleBinding points at a Role log-reader that does not exist: it grants nothing.",
              "edit": "That is the ClusterRole; the question asks for the binding's name.",
              "cluster-admin": "cluster-admin is bound to system:masters only; dana is not in it."},
)

# ------------------------------------------------------------------- q3: Mesos ACLs for role prod
_ACL_SOLUTION = {"register_frameworks": [
    {"principals": {"values": ["ops"]}, "roles": {"values": ["prod"]}},
    {"principals": {"type": "NONE"}, "roles": {"values": ["prod"]}}]}


def _judge_acls(acls: Any) -> tuple[bool, str]:
    try:
        creds = {"ops": "ops-secret", "dev": "dev-secret", "ci": "ci-secret"}
        results = {}
        for principal, role in (("ops", "prod"), ("dev", "prod"), ("ci", "prod"), ("dev", "web"), ("ops", "web")):
            cell = mesos.Cluster(seed=0, authenticate_frameworks=True, credentials=creds, acls=acls)
            try:
                cell.register(mesos.Scheduler(), name="fw", role=role, principal=principal, secret=creds[principal])
                results[(principal, role)] = True
            except mesos.AuthorizationError:
                results[(principal, role)] = False
    except LabError as e:
        return False, f"the master refused the ACLs: {e}"
    if not results[("ops", "prod")]:
        return False, "ops cannot register in prod: an earlier ACL refuses it, or permissive is false with no ACL allowing it."
    for p in ("dev", "ci"):
        if results[(p, "prod")]:
            return False, f"{p} can still register in prod: with permissive true, a principal no ACL matches is allowed. Add an ACL with principals NONE for role prod."
    if not results[("dev", "web")] or not results[("ops", "web")]:
        return False, "other roles are now closed too: only prod should be restricted (keep permissive true, or allow ANY for other roles)."
    return True, "only ops registers in prod; dev and ci are refused; other roles stay open."


q3 = JudgedQuestion(
    "q3", _judge_acls,
    prompt="Write Mesos ACLs (a dict like the --acls JSON) so that only principal ops may register frameworks in role prod.",
    hints=["The first ACL whose principals and roles match decides; if none matches, permissive (default true) allows.",
           "Allow ops on prod first, then a second ACL for prod whose principals are {'type': 'NONE'}: it matches every other principal and allows none."],
    solution=("answer = {'register_frameworks': [\n"
              "    {'principals': {'values': ['ops']}, 'roles': {'values': ['prod']}},\n"
              "    {'principals': {'type': 'NONE'}, 'roles': {'values': ['prod']}}]}"),
    insight=("This is docs/authorization.md's own pattern. The order matters: put the NONE line first and ops is "
             "refused too. Kubernetes' RBAC has no deny rules at all; it only adds permissions."),
    wrong_examples=[{"register_frameworks": [{"principals": {"values": ["ops"]}, "roles": {"values": ["prod"]}}]},
                    {"register_frameworks": list(reversed(_ACL_SOLUTION["register_frameworks"]))},
                    {"permissive": False, "register_frameworks": [{"principals": {"values": ["ops"]}, "roles": {"values": ["prod"]}}]}],
    solution_value=_ACL_SOLUTION,
)

# ------------------------------------------------------------------- q4 (stretch): harden a Pod
WEB_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: secure}
spec:
  containers:
  - name: web
    image: nginxinc/nginx-unprivileged:1.27
    ports: [{containerPort: 8080}]
"""

_HARDENED = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: secure}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: web
    image: nginxinc/nginx-unprivileged:1.27
    ports: [{containerPort: 8080}]
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: ["ALL"]}
"""


def _judge_hardened(docs: list[dict]) -> tuple[bool, str]:
    cluster = k8s.Cluster(seed=0)
    cluster.add_node("node-1")
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "secure", "labels": {
        "pod-security.kubernetes.io/enforce": "restricted"}}})
    pods = [d for d in docs if isinstance(d, dict) and d.get("kind") == "Pod"]
    if len(pods) != 1 or (pods[0].get("metadata") or {}).get("name") != "web":
        return False, "expected one Pod named web."
    containers = (pods[0].get("spec") or {}).get("containers") or []
    if [c.get("image") for c in containers] != ["nginxinc/nginx-unprivileged:1.27"]:
        return False, "keep the one container and its image: the task is to harden it, not to replace it."
    try:
        cluster.apply(docs)
    except LabError as e:
        return False, f"namespace secure enforces restricted and refused it: {e}"
    cluster.run(5)
    if [p.phase for p in cluster.pods("secure")] != ["Running"]:
        return False, "the Pod was admitted but is not running."
    return True, "restricted admitted the Pod and it runs as a non-root user with no extra privileges."


q4 = ManifestQuestion(
    "q4", _judge_hardened,
    prompt=("Stretch: namespace secure enforces the restricted Pod Security level. Change WEB_POD (add securityContext "
            "fields only) so the API server admits it."),
    hints=["Apply WEB_POD to a namespace labelled pod-security.kubernetes.io/enforce: restricted and read the message: it lists every check.",
           "Four checks fail: allowPrivilegeEscalation, capabilities, runAsNonRoot and seccompProfile; runAsNonRoot and seccompProfile may be set for the whole Pod."],
    solution=_HARDENED,
    insight=("restricted does not make an image run as non-root: it refuses to start one that would. That is why "
             "the exercise uses an image built to run unprivileged."),
    wrong_examples=[WEB_POD,
                    _HARDENED.replace("      capabilities: {drop: [\"ALL\"]}\n", ""),
                    _HARDENED.replace("    seccompProfile: {type: RuntimeDefault}\n", "")],
    solution_value=_HARDENED,
)
