"""Requests made *as someone*: ``cluster.as_user("alice", groups=["dev"])`` and ``cluster.can_i(...)``.

Every call through a :class:`UserClient` is authorized by RBAC (:mod:`.rbac`) before it reaches the
API server, with the attributes kube-apiserver derives from the URL: ``kubectl apply`` first GETs
the object, then creates (POST) or patches (PATCH) it; ``get`` without a name is ``list`` (at the
cluster scope when ``namespace=None``); ``delete`` is ``delete``. A denial raises
:class:`~labsupport.k8s.auth.forbidden.ForbiddenError` with the API server's message, and nothing
is written (all documents are authorized before the first write).

Authorization mode: a new cluster behaves like ``--authorization-mode=AlwaysAllow`` (so the other
lessons' clusters have no RBAC objects and unchanged resourceVersions). The first ``as_user``,
``can_i`` or RBAC object switches it to RBAC: the bootstrap policy (:mod:`.bootstrap`) is written
then, as kube-apiserver writes it at start-up, and the admin (``kubernetes-admin`` in
``system:masters``) keeps full access through the ``cluster-admin`` binding.

Not simulated: RBAC's escalation check (creating a Role or RoleBinding that grants more than you
hold needs the ``escalate``/``bind`` verbs), impersonation rights for ``as_user`` (the notebook is
the cluster admin), and the Node authorizer.
"""
from __future__ import annotations

from typing import Any

from labsupport.core import LabError, Table
from labsupport.k8s.auth.bootstrap import bootstrap_objects
from labsupport.k8s.auth.forbidden import Attributes, ForbiddenError, forbidden_message
from labsupport.k8s.auth.identity import ADMIN, SERVICE_ACCOUNT_TOKEN_PATH, UserInfo, service_account_user, user_info
from labsupport.k8s.auth.rbac import RBAC_KINDS, Decision, authorize

__all__ = ["UserClient", "SecurityAPI", "resource_of", "RESOURCE_GROUPS"]

#: resource (plural) -> API group, for the resources a learner can name in can_i
RESOURCE_GROUPS = {
    "pods": "", "services": "", "namespaces": "", "nodes": "", "resourcequotas": "", "secrets": "", "configmaps": "",
    "serviceaccounts": "", "events": "", "endpoints": "", "persistentvolumeclaims": "",
    "deployments": "apps", "replicasets": "apps", "statefulsets": "apps", "daemonsets": "apps",
    "horizontalpodautoscalers": "autoscaling", "priorityclasses": "scheduling.k8s.io", "endpointslices": "discovery.k8s.io",
    "leases": "coordination.k8s.io", "roles": "rbac.authorization.k8s.io", "clusterroles": "rbac.authorization.k8s.io",
    "rolebindings": "rbac.authorization.k8s.io", "clusterrolebindings": "rbac.authorization.k8s.io",
    "networkpolicies": "networking.k8s.io", "jobs": "batch", "cronjobs": "batch",
    "selfsubjectaccessreviews": "authorization.k8s.io",
}
_CLUSTER_SCOPED = {"namespaces", "nodes", "priorityclasses", "clusterroles", "clusterrolebindings", "selfsubjectaccessreviews"}


def resource_of(kind_or_resource: str) -> tuple[str, str]:
    """``"Deployment"``/``"deploy"``/``"deployments.apps"`` -> ``("deployments", "apps")``.

    >>> resource_of("deploy"), resource_of("secrets"), resource_of("pods/log")
    (('deployments', 'apps'), ('secrets', ''), ('pods/log', ''))
    """
    from labsupport.k8s.apiserver import KIND_ALIASES
    from labsupport.k8s.store import RESOURCE_NAMES

    if not isinstance(kind_or_resource, str) or not kind_or_resource:
        raise LabError(f"resource: expected a resource name such as 'pods' or 'deployments', got {kind_or_resource!r}")
    base, _, sub = kind_or_resource.partition("/")
    if base in RESOURCE_GROUPS:
        return kind_or_resource, RESOURCE_GROUPS[base]
    kind = KIND_ALIASES.get(base) or KIND_ALIASES.get(base.lower())
    if kind is not None and kind in RESOURCE_NAMES:
        plural, _, group = RESOURCE_NAMES[kind].partition(".")
        return plural + (f"/{sub}" if sub else ""), group
    if "." in base:
        plural, _, group = base.partition(".")
        return plural + (f"/{sub}" if sub else ""), group
    raise LabError(f"resource: the server doesn't have a resource type \"{kind_or_resource}\" "
                   f"(known: {', '.join(sorted(RESOURCE_GROUPS))}; or name it with its group, e.g. 'widgets.example.com')")


def _attrs(user: UserInfo, verb: str, resource: str, namespace: str | None, name: str | None = None) -> Attributes:
    res, group = resource_of(resource)
    base, _, sub = res.partition("/")
    ns = "" if base in _CLUSTER_SCOPED else (namespace or "")
    return Attributes(user.name, verb, base, ns, group, name or "", sub)


def resolve_kind_checked(kind: str) -> str:
    from labsupport.k8s.apiserver import resolve_kind

    k = resolve_kind(kind)
    if k not in ("Secret", "ConfigMap"):
        raise LabError(f"kind: only secrets and configmaps are covered by encryption at rest here, got {kind!r}")
    return k


class UserClient:
    """The cluster's API as one identity: ``apply``, ``get``, ``delete``, ``object``, ``can_i``."""

    def __init__(self, cluster, user: UserInfo) -> None:
        self.cluster = cluster
        self.user = user

    def __repr__(self) -> str:
        return f"<UserClient {self.user.name} groups={list(self.user.groups)}>"

    def _check(self, a: Attributes) -> None:
        d = self.cluster._authorize(self.user, a)
        if not d.allowed:
            raise ForbiddenError(forbidden_message(a, d.reason), a, d.reason)

    def can_i(self, verb: str, resource: str, namespace: str | None = "default", name: str | None = None) -> Decision:
        """``kubectl auth can-i`` as this identity."""
        return self.cluster.can_i(verb, resource, namespace=namespace, as_user=self.user.name, groups=self._own_groups(), name=name)

    def _own_groups(self) -> list[str]:
        return [g for g in self.user.groups if g != "system:authenticated" and not g.startswith("system:serviceaccounts")]

    def apply(self, manifest: Any):
        """``kubectl apply`` as this identity: GET, then create or patch each object; 403 -> ForbiddenError."""
        from labsupport.k8s.apiserver import resolve_kind
        from labsupport.k8s.store import CLUSTER_SCOPED_KINDS
        from labsupport.k8s.validation import load_manifests

        objs = load_manifests(manifest)
        checks = []
        for obj in objs:
            if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict) or not obj.get("kind"):
                continue  # the API server's validation reports it
            kind = resolve_kind(obj["kind"])
            name = obj["metadata"].get("name")
            ns = None if kind in CLUSTER_SCOPED_KINDS else (obj["metadata"].get("namespace") or "default")
            checks.append(_attrs(self.user, "get", kind, ns, name))
            exists = self.cluster.store.get(kind, ns, name) is not None
            checks.append(_attrs(self.user, "patch" if exists else "create", kind, ns, name if exists else None))
        for a in checks:
            self._check(a)
        try:
            with self.cluster.api_lock:
                return self.cluster.apiserver.apply(manifest, actor=self.user.name)
        except LabError as e:
            raise type(e)(str(e)) from None

    def get(self, kind: str, name: str | None = None, namespace: str | None = "default") -> Table:
        """``kubectl get`` as this identity (``list`` without a name; ``namespace=None``: all namespaces)."""
        if str(kind).lower() in ("events", "event", "ev"):
            self._check(_attrs(self.user, "list", "events", namespace))
        else:
            self._check(_attrs(self.user, "get" if name else "list", kind, namespace, name))
        return self.cluster.get(kind, name, namespace)

    def object(self, kind: str, name: str, namespace: str = "default") -> dict:
        """``kubectl get -o json`` as this identity (a Secret comes back with its base64 ``data``)."""
        self._check(_attrs(self.user, "get", kind, namespace, name))
        return self.cluster.object(kind, name, namespace)

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        """``kubectl delete`` as this identity."""
        self._check(_attrs(self.user, "delete", kind, namespace, name))
        self.cluster.delete(kind, name, namespace)


class SecurityAPI:
    """The security methods of :class:`~labsupport.k8s.cluster.Cluster` (mixed in)."""

    _rbac_bootstrapped = False

    def _init_security(self, seed: int) -> None:
        from labsupport.k8s.podsecurity import PodSecurity
        from labsupport.k8s.secrets import EncryptionAtRest

        #: the PodSecurity admission plugin (namespace labels pod-security.kubernetes.io/*)
        self.pod_security = PodSecurity(self.store)
        self.admission.validators.append(self.pod_security.admit)
        #: encryption at rest of Secrets and ConfigMaps (kube-apiserver --encryption-provider-config)
        self.encryption = EncryptionAtRest(self.store, seed)

    # ------------------------------------------------------------- Secrets
    def set_encryption_config(self, config) -> None:
        """Restart the API server with ``--encryption-provider-config`` = this EncryptionConfiguration
        (YAML or dict). Only writes from now on use it; rewrite old Secrets to encrypt them."""
        self.encryption.set_config(config)

    def etcd_value(self, kind: str, name: str, namespace: str = "default") -> bytes:
        """The bytes "etcd" stores for a Secret or ConfigMap (``etcdctl get /registry/secrets/<ns>/<name>``)."""
        k = resolve_kind_checked(kind)
        return self.encryption.stored(k, namespace, name)

    def secret_data(self, name: str, namespace: str = "default") -> dict:
        """A Secret's values decoded from base64: what anyone allowed to ``get`` it can read."""
        from labsupport.k8s.secrets import decoded

        return decoded(self.object("Secret", name, namespace))

    def container_env(self, pod: str, container: str | None = None, namespace: str = "default") -> dict:
        """The environment variables the kubelet sets in a container (Secrets and ConfigMaps resolved)."""
        from labsupport.k8s.secrets import container_env

        return container_env(self.store, self.object("Pod", pod, namespace), container)

    def mounted_files(self, pod: str, container: str | None = None, namespace: str = "default") -> dict:
        """Files from ``secret``/``configMap`` volumes as the container sees them (path -> text)."""
        from labsupport.k8s.secrets import volume_files

        return volume_files(self.store, self.object("Pod", pod, namespace), container)

    def pod_security_warnings(self, manifest) -> list[str]:
        """The ``Warning: would violate PodSecurity ...`` lines kubectl would print when applying ``manifest``."""
        from labsupport.k8s.validation import load_manifests

        out = []
        for obj in load_manifests(manifest):
            if isinstance(obj, dict):
                out += self.pod_security.warnings(obj)
        return out

    # ---------------------------------------------------------------- RBAC
    @property
    def rbac_enabled(self) -> bool:
        """True once any Role, ClusterRole or binding exists: requests are then authorized by RBAC."""
        return self._rbac_bootstrapped or any(self.store.count(k) for k in RBAC_KINDS)

    def enable_rbac(self) -> None:
        """Switch to RBAC: write the bootstrap ClusterRoles and ClusterRoleBindings (once)."""
        if self._rbac_bootstrapped:
            return
        with self.api_lock:
            for obj in bootstrap_objects():
                if self.store.get(obj["kind"], None, obj["metadata"]["name"]) is None:
                    obj["metadata"]["creationTimestamp"] = self.sim.now
                    self.store.create(obj, actor="kube-apiserver")
            self._rbac_bootstrapped = True

    def _authorize(self, user: UserInfo, a: Attributes) -> Decision:
        if not self.rbac_enabled:
            return Decision(True, "")   # AlwaysAllow: no reason
        self.enable_rbac()
        return authorize(self.store, user, a)

    def as_user(self, name: str, groups=None) -> UserClient:
        """The API as user ``name`` in ``groups`` (``system:serviceaccount:<ns>:<sa>`` names a ServiceAccount)."""
        info = user_info(name, groups)
        self.enable_rbac()
        return UserClient(self, info)

    def as_pod(self, pod: str, namespace: str = "default") -> UserClient:
        """The API as the ServiceAccount whose token is mounted in Pod ``pod`` (what a compromised Pod can do)."""
        p = self.store.get("Pod", namespace, pod)
        if p is None:
            raise LabError(f'pod: pods "{pod}" not found in namespace "{namespace}"')
        sa = p["spec"].get("serviceAccountName") or "default"
        if not self.service_account_files(pod, namespace):
            raise LabError(f'pod: pod "{pod}" has no ServiceAccount token mounted (automountServiceAccountToken: false); '
                           "code in it cannot call the API server as its ServiceAccount")
        return self.as_user(service_account_user(namespace, sa))

    def service_account_files(self, pod: str, namespace: str = "default") -> dict:
        """The files of the ``kube-api-access`` projected volume the kubelet mounts in every container of ``pod``
        at ``/var/run/secrets/kubernetes.io/serviceaccount`` (``{}`` when ``automountServiceAccountToken`` is false).

        The Pod's ``automountServiceAccountToken`` wins over its ServiceAccount's (ServiceAccount admission,
        plugin/pkg/admission/serviceaccount/admission.go). The token's text stands for the signed, expiring JWT.
        """
        p = self.store.get("Pod", namespace, pod)
        if p is None:
            raise LabError(f'pod: pods "{pod}" not found in namespace "{namespace}"')
        sa = p["spec"].get("serviceAccountName") or "default"
        mount = p["spec"].get("automountServiceAccountToken")
        if mount is None:
            account = self.store.get("ServiceAccount", namespace, sa) or {}
            mount = account.get("automountServiceAccountToken", True)
        if mount is False:
            return {}
        base = SERVICE_ACCOUNT_TOKEN_PATH.rsplit("/", 1)[0]
        return {f"{base}/ca.crt": "<the cluster's CA certificate>", f"{base}/namespace": namespace,
                f"{base}/token": f"<signed token of {service_account_user(namespace, sa)}, expires in 1 h, renewed by the kubelet>"}

    def can_i(self, verb: str, resource: str, namespace: str | None = "default", as_user: str | None = None,
              groups=None, name: str | None = None) -> Decision:
        """``kubectl auth can-i VERB RESOURCE [-n NS] [--as USER --as-group G]`` -> Decision(allowed, reason).

        ``resource`` may carry a subresource (``pods/log``) or a group (``deployments.apps``).
        """
        if not isinstance(verb, str) or not verb:
            raise LabError(f"verb: expected a verb such as 'get', 'create' or '*', got {verb!r}")
        user = ADMIN if as_user is None else user_info(as_user, groups)
        self.enable_rbac()
        return self._authorize(user, _attrs(user, verb, resource, namespace, name))

    def access_matrix(self, subjects, checks, namespace: str = "default") -> Table:
        """Who can do what: one row per subject (a user name or ``(name, [groups])``), one column per
        ``"verb resource"`` check, each cell ``yes``/``no``."""
        cols = ["WHO"] + list(checks)
        rows = []
        for s in subjects:
            name, groups = (s, None) if isinstance(s, str) else (s[0], list(s[1]))
            row = {"WHO": name if not groups else f"{name} ({', '.join(groups)})"}
            for c in checks:
                verb, _, res = str(c).partition(" ")
                row[c] = "yes" if self.can_i(verb, res, namespace=namespace, as_user=name, groups=groups).allowed else "no"
            rows.append(row)
        return Table(cols, rows)

    def who_can(self, verb: str, resource: str, namespace: str = "default") -> Table:
        """``kubectl who-can``-style: every binding whose rules allow ``verb resource`` in ``namespace``."""
        from labsupport.k8s.auth.rbac import role_ref_rules, rule_allows

        a = _attrs(ADMIN, verb, resource, namespace)
        self.enable_rbac()
        rows = []
        bindings = sorted(self.store.list("ClusterRoleBinding"), key=lambda b: b["metadata"]["name"])
        if a.namespace:
            bindings += sorted(self.store.list("RoleBinding", a.namespace), key=lambda b: b["metadata"]["name"])
        for b in bindings:
            rules, _ = role_ref_rules(self.store, b.get("roleRef") or {}, b["metadata"].get("namespace", ""))
            if any(rule_allows(a, r) for r in rules):
                kind = b["kind"]
                ref = b["roleRef"]
                for s in b.get("subjects") or ():
                    who = s["name"] if s["kind"] != "ServiceAccount" else service_account_user(s.get("namespace") or b["metadata"].get("namespace", ""), s["name"])
                    rows.append({"BINDING": f'{kind}/{b["metadata"]["name"]}', "ROLE": f'{ref["kind"]}/{ref["name"]}',
                                 "SUBJECT": f'{s["kind"]} {who}'})
        return Table(["BINDING", "ROLE", "SUBJECT"], rows)
