"""The HTTP API: AlwaysAllow until RBAC objects exist, then RBAC with kubectl's impersonation headers."""
import json

import pytest

from labsupport import k8s
from labsupport.k8s.kubeapi.rest import Request, RestAPI
from labsupport.k8s.kubeapi.server import WatchCache
from labsupport.k8s.kubeapi.wire import EPOCH

ROLE = """
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
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
"""


def _api(with_rbac: bool):
    cluster = k8s.Cluster(seed=0)
    if with_rbac:
        cluster.apply(ROLE)
    return RestAPI(cluster, WatchCache(cluster), "127.0.0.1:6443", EPOCH)


def _ssar(api, verb, resource, ns, headers):
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": verb, "resource": resource, "namespace": ns}}}
    return api.handle(Request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {},
                              {"content-type": "application/json", **headers}, json.dumps(body).encode())).body["status"]


ALICE = {"impersonate-user": "alice"}


@pytest.mark.parametrize("with_rbac, verb, headers, status", [
    (False, "create", ALICE, {"allowed": True}),
    (True, "list", ALICE, {"allowed": True, "reason": 'RBAC: allowed by RoleBinding "read-pods/dev" of Role "pod-reader" to User "alice"'}),
    (True, "create", ALICE, {"allowed": False}),
    (True, "create", {}, {"allowed": True, "reason": 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"'}),
], ids=["without RBAC objects everything is allowed (AlwaysAllow)", "alice may list pods by her RoleBinding",
        "alice may not create pods", "the kubeconfig's admin is allowed by cluster-admin"])
def test_self_subject_access_review(with_rbac, verb, headers, status):
    assert _ssar(_api(with_rbac), verb, "pods", "dev", headers) == status


def test_impersonated_request_is_refused_with_the_api_servers_status():
    api = _api(True)
    resp = api.handle(Request("GET", "/api/v1/namespaces/dev/secrets", {}, ALICE))
    assert resp.code == 403 and resp.body["reason"] == "Forbidden"
    assert resp.body["message"] == 'secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "dev"'
    assert api.handle(Request("GET", "/api/v1/namespaces/dev/pods", {}, ALICE)).code == 200
