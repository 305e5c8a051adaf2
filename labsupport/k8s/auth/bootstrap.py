"""The default ClusterRoles and ClusterRoleBindings that kube-apiserver writes at start-up.

From plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (``ClusterRoles()``,
``ClusterRoleBindings()``), limited to the resources the simulator serves plus the ones a lesson
talks about (secrets, serviceaccounts, pods/exec, ...). Verbs: ``Read`` = get, list, watch;
``Write`` = create, delete, deletecollection, patch, update.

* ``cluster-admin``: every verb on every resource and URL; bound to the group ``system:masters``.
* ``admin`` / ``edit`` / ``view`` are *aggregated*: their rules are those of the ClusterRoles
  labelled ``rbac.authorization.k8s.io/aggregate-to-{admin,edit,view}: "true"``
  (``system:aggregate-to-*``); ``view`` is labelled aggregate-to-edit and ``edit`` aggregate-to-admin,
  so admin >= edit >= view. ``view`` cannot read Secrets (reading them would allow escalation via
  ServiceAccount tokens); ``edit`` can, and cannot touch Roles/RoleBindings; ``admin`` can.
* ``system:basic-user`` (SelfSubjectAccessReview, SelfSubjectRulesReview) and ``system:discovery``
  (``/api``, ``/apis``, ``/healthz``, ``/version``, ...) for every authenticated user.

Simplified: the rules for kinds that the simulator does not serve are left out (batch, ingresses,
statefulsets, ... are listed by upstream too); ``kubectl get clusterroles`` therefore shows 9 roles, not 70.

>>> sorted(r["metadata"]["name"] for r in bootstrap_objects() if r["kind"] == "ClusterRole")[:4]
['admin', 'cluster-admin', 'edit', 'system:aggregate-to-admin']
"""
from __future__ import annotations

__all__ = ["bootstrap_objects", "READ", "WRITE", "READ_WRITE"]

READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
READ_WRITE = READ + WRITE
_RBAC = "rbac.authorization.k8s.io"
_AGG = "rbac.authorization.k8s.io/aggregate-to-"


def _rule(verbs, groups, resources) -> dict:
    return {"verbs": list(verbs), "apiGroups": list(groups), "resources": list(resources)}


def _cluster_role(name: str, rules: list, labels: dict | None = None, aggregate_from: str | None = None) -> dict:
    labels = {"kubernetes.io/bootstrapping": "rbac-defaults", **(labels or {})}
    obj = {"apiVersion": f"{_RBAC}/v1", "kind": "ClusterRole",
           "metadata": {"name": name, "labels": labels, "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}}}
    if aggregate_from:
        obj["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {_AGG + aggregate_from: "true"}}]}
        obj["rules"] = []
    else:
        obj["rules"] = rules
    return obj


def _binding(name: str, role: str, group: str) -> dict:
    return {"apiVersion": f"{_RBAC}/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
                         "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
            "roleRef": {"apiGroup": _RBAC, "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": _RBAC, "kind": "Group", "name": group}]}


def bootstrap_objects() -> list[dict]:
    """The bootstrap ClusterRoles and ClusterRoleBindings, in the order they are written."""
    view = [
        _rule(READ, [""], ["configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                           "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"]),
        _rule(READ, [""], ["bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
                           "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"]),
        _rule(READ, [""], ["namespaces"]),
        _rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
        _rule(READ, ["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                               "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
                               "statefulsets/scale", "statefulsets/status"]),
        _rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
        _rule(READ, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
    ]
    edit = [
        _rule(["impersonate"], [""], ["serviceaccounts"]),
        _rule(WRITE, [""], ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
        _rule(["create"], [""], ["pods/eviction"]),
        _rule(WRITE, [""], ["replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
                            "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"]),
        _rule(["create"], [""], ["serviceaccounts/token"]),
        _rule(WRITE, ["apps"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
                                "replicasets/scale", "statefulsets", "statefulsets/scale"]),
        _rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
        _rule(WRITE, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
        _rule(READ, [""], ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"]),
    ]
    admin = [
        _rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
        _rule(READ_WRITE, [_RBAC], ["rolebindings", "roles"]),
    ]
    return [
        _cluster_role("cluster-admin", [_rule(["*"], ["*"], ["*"]), {"verbs": ["*"], "nonResourceURLs": ["*"]}]),
        _cluster_role("admin", [], aggregate_from="admin"),
        _cluster_role("edit", [], {_AGG + "admin": "true"}, aggregate_from="edit"),
        _cluster_role("view", [], {_AGG + "edit": "true"}, aggregate_from="view"),
        _cluster_role("system:aggregate-to-admin", admin, {_AGG + "admin": "true"}),
        _cluster_role("system:aggregate-to-edit", edit, {_AGG + "edit": "true"}),
        _cluster_role("system:aggregate-to-view", view, {_AGG + "view": "true"}),
        _cluster_role("system:basic-user", [_rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"])]),
        _cluster_role("system:discovery", [{"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                                                                                  "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]}]),
        _binding("cluster-admin", "cluster-admin", "system:masters"),
        _binding("system:basic-user", "system:basic-user", "system:authenticated"),
        _binding("system:discovery", "system:discovery", "system:authenticated"),
    ]
