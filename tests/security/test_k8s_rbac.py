"""RBAC rule matching (evaluation_helpers.go cases, RBAC docs' examples), reasons and 403 messages."""
import pytest

from labsupport import k8s
from labsupport.k8s.auth.forbidden import Attributes, forbidden_message
from labsupport.k8s.auth.rbac import rule_allows

A = Attributes
POD_READER = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"]}           # docs: Role example
SECRET_READER = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "watch", "list"]}     # docs: ClusterRole example
POD_AND_LOG = {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]}       # docs: subresources
MY_CONFIGMAP = {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["my-configmap"], "verbs": ["update", "get"]}
HEALTHZ = {"nonResourceURLs": ["/healthz", "/healthz/*"], "verbs": ["get", "post"]}                  # docs: non-resource


@pytest.mark.parametrize("attrs, rule, allowed", [
    (A("u", "get", "pods", "default"), POD_READER, True),
    (A("u", "create", "pods", "default"), POD_READER, False),
    (A("u", "get", "pods", "default", subresource="log"), POD_READER, False),
    (A("u", "get", "pods", "default", subresource="log"), POD_AND_LOG, True),
    (A("u", "get", "deployments", "default", "apps"), POD_READER, False),
    (A("u", "get", "secrets", "dev"), SECRET_READER, True),
    (A("u", "get", "configmaps", "dev", name="my-configmap"), MY_CONFIGMAP, True),
    (A("u", "get", "configmaps", "dev", name="other"), MY_CONFIGMAP, False),
    (A("u", "list", "configmaps", "dev"), {**MY_CONFIGMAP, "verbs": ["list"]}, False),
    (A("u", "get", path="/healthz/ready"), HEALTHZ, True),
    (A("u", "get", path="/metrics"), HEALTHZ, False),
    (A("u", "delete", "nodes"), {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, True),
    (A("u", "get", "pods", "dev", subresource="log"), {"apiGroups": [""], "resources": ["*/log"], "verbs": ["get"]}, True),
], ids=[
    "pod-reader allows get pods", "pod-reader does not allow create", "pods does not cover the pods/log subresource",
    "pods/log listed allows get pods/log", "the core group does not cover apps", "secret-reader allows get secrets",
    "resourceNames allow the named object", "resourceNames refuse another name", "resourceNames cannot restrict list",
    "a trailing star matches a sub-path", "an unlisted path is refused", "star everything allows anything",
    "star/log matches every resource's log"])
def test_rule_allows(attrs, rule, allowed):
    assert rule_allows(attrs, rule) is allowed


@pytest.mark.parametrize("attrs, reason, message", [
    (A("alice", "create", "pods", "dev"), "",
     'pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "dev"'),
    (A("alice", "get", "deployments", "dev", "apps", name="web"), "",
     'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "dev"'),
    (A("bob", "list", "nodes"), "",
     'nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope'),
    (A("bob", "get", "pods", "dev", subresource="log", name="web"), 'RBAC: role.rbac.authorization.k8s.io "gone" not found',
     'pods "web" is forbidden: User "bob" cannot get resource "pods/log" in API group "" in the namespace "dev": '
     'RBAC: role.rbac.authorization.k8s.io "gone" not found'),
    (A("bob", "get", path="/metrics"), "", 'forbidden: User "bob" cannot get path "/metrics"'),
], ids=["namespaced create", "named object in a group", "cluster scope", "subresource with a reason", "non-resource path"])
def test_forbidden_message(attrs, reason, message):
    assert forbidden_message(attrs, reason) == message


SETUP = """
apiVersion: v1
kind: Namespace
metadata: {name: dev}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: dev}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects: [{kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-edit, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci-view, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-sa-secret-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
subjects: [{kind: Group, name: "system:serviceaccounts:dev", apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dangling, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: gone}
subjects: [{kind: User, name: eve, apiGroup: rbac.authorization.k8s.io}]
"""


@pytest.fixture(scope="module")
def cluster():
    c = k8s.Cluster(seed=0)
    c.apply(SETUP)
    return c


@pytest.mark.parametrize("verb, resource, ns, user, groups, allowed, reason", [
    ("list", "pods", "dev", "jane", None, True, 'RBAC: allowed by RoleBinding "read-pods/dev" of Role "pod-reader" to User "jane"'),
    ("list", "pods", "default", "jane", None, False, ""),
    ("create", "deployments", "dev", "alice", ["dev"], True, 'RBAC: allowed by RoleBinding "dev-edit/dev" of ClusterRole "edit" to Group "dev"'),
    ("create", "rolebindings", "dev", "alice", ["dev"], False, ""),
    ("list", "deployments", "dev", "system:serviceaccount:dev:ci", None, True,
     'RBAC: allowed by RoleBinding "ci-view/dev" of ClusterRole "view" to ServiceAccount "ci/dev"'),
    ("get", "secrets", "dev", "system:serviceaccount:dev:default", None, False,
     'RBAC: clusterrole.rbac.authorization.k8s.io "secret-reader" not found'),
    ("delete", "nodes", None, "kubernetes-admin", ["system:masters"], True,
     'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"'),
    ("get", "pods", "dev", "eve", None, False, 'RBAC: role.rbac.authorization.k8s.io "gone" not found'),
    ("create", "selfsubjectaccessreviews", None, "eve", None, True,
     'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"'),
], ids=["a Role bound in its namespace allows", "a RoleBinding does not reach another namespace",
        "a group bound to edit may create deployments", "edit cannot bind roles (admin can)",
        "a ServiceAccount subject defaults to the binding's namespace", "a missing ClusterRole is the denial's reason",
        "the admin is allowed by cluster-admin", "a dangling RoleBinding names the missing Role",
        "every authenticated user may ask can-i"])
def test_can_i_reasons(cluster, verb, resource, ns, user, groups, allowed, reason):
    d = cluster.can_i(verb, resource, namespace=ns, as_user=user, groups=groups)
    assert (d.allowed, d.reason) == (allowed, reason)


@pytest.mark.parametrize("role, verb, resource, allowed", [
    ("view", "get", "pods", True), ("view", "get", "secrets", False), ("view", "create", "pods", False),
    ("edit", "get", "secrets", True), ("edit", "create", "deployments", True), ("edit", "create", "roles", False),
    ("admin", "create", "roles", True), ("admin", "delete", "deployments", True),
], ids=["view reads pods", "view cannot read secrets", "view cannot write", "edit reads secrets",
        "edit deploys", "edit cannot write roles", "admin writes roles (aggregated)", "admin includes edit (aggregated)"])
def test_default_cluster_roles(role, verb, resource, allowed):
    c = k8s.Cluster(seed=0)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t"}})
    c.apply({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b", "namespace": "t"},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
             "subjects": [{"kind": "User", "name": "u", "apiGroup": "rbac.authorization.k8s.io"}]})
    assert c.can_i(verb, resource, namespace="t", as_user="u").allowed is allowed


def test_as_user_denial_raises_forbidden_and_writes_nothing(cluster):
    rv = cluster.store.resource_version
    with pytest.raises(k8s.ForbiddenError) as e:
        cluster.as_user("alice").apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "dev"}})
    assert str(e.value) == 'configmaps "x" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "dev"'
    assert cluster.store.resource_version == rv
    with pytest.raises(k8s.ForbiddenError, match='pods is forbidden: User "alice" cannot list resource "pods"'):
        cluster.as_user("alice").get("pods", namespace="dev")


def test_as_user_allowed_writes_as_that_user(cluster):
    out = cluster.as_user("alice", groups=["dev"]).apply(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "dev"}, "data": {"a": "1"}})
    assert repr(out) == "configmap/cfg created"
    assert cluster.writes()[-1].actor == "alice"


def test_no_rbac_objects_means_always_allow_and_unchanged_versions():
    c = k8s.Cluster(seed=0)
    rv = c.store.resource_version
    assert not c.rbac_enabled and c.store.resource_version == rv
    c.enable_rbac()
    assert c.rbac_enabled and c.store.count("ClusterRole") == 9


@pytest.mark.parametrize("bad, message", [
    (dict(name=""), "user: a user name must be a non-empty string, got ''"),
    (dict(name="alice", groups="dev"), "groups: expected a list of group names such as ['dev'], got 'dev'"),
    (dict(name="system:serviceaccount:dev"), "user: 'system:serviceaccount:dev' is not a ServiceAccount user name"),
], ids=["empty user", "groups as a string", "malformed ServiceAccount name"])
def test_bad_identity_is_a_lab_error(bad, message):
    with pytest.raises(k8s.ForbiddenError.__mro__[1], match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        k8s.Cluster(seed=0).as_user(**bad)


def test_unknown_resource_in_can_i():
    with pytest.raises(Exception, match='resource: the server doesn\'t have a resource type "widgets"'):
        k8s.Cluster(seed=0).can_i("get", "widgets")
