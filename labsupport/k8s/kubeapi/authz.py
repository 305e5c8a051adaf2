"""Identity and RBAC for HTTP requests: kubectl's ``--as``/``--as-group`` and ``kubectl auth can-i``.

The kubeconfig of ``cluster.serve()`` authenticates as the admin (``kubernetes-admin`` in
``system:masters``). ``kubectl --as=alice --as-group=dev`` sends ``Impersonate-User`` and
``Impersonate-Group`` headers; the request then runs as that user
(https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation, v1.37;
the admin may impersonate anyone, so the impersonation check itself is not simulated).

Request attributes follow staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go: GET on a
collection is ``list`` (``watch`` with ``?watch=true``), on an object ``get``; POST ``create``; PUT
``update``; PATCH ``patch``; DELETE ``delete`` (``deletecollection`` on a collection). Paths that are
not resources (``/api``, ``/version``, ``/openapi/...``) are ``get`` of that path.

While the cluster has no RBAC object every request is allowed, as ``--authorization-mode=AlwaysAllow``
would (``cluster.rbac_enabled``); after that every request is authorized by RBAC and a denial is the
API server's 403 Status.

>>> attributes_of("GET", "/api/v1/namespaces/dev/pods", {}, "alice")
Attributes(user='alice', verb='list', resource='pods', namespace='dev', api_group='', name='', subresource='', path='')
>>> attributes_of("PATCH", "/apis/apps/v1/namespaces/dev/deployments/web/scale", {}, "bob").subresource
'scale'
"""
from __future__ import annotations

import urllib.parse

from labsupport.k8s.auth.forbidden import Attributes, forbidden_message
from labsupport.k8s.auth.identity import ADMIN, UserInfo, user_info

__all__ = ["identity", "attributes_of", "check_request"]


def identity(headers: dict) -> UserInfo:
    """The admin, or the impersonated user and groups."""
    user = headers.get("impersonate-user")
    if not user:
        return ADMIN
    groups = [g for g in (headers.get("impersonate-group") or "").split(",") if g]
    return user_info(user, groups)


def attributes_of(method: str, path: str, query: dict, user: str) -> Attributes:
    segs = [urllib.parse.unquote(s) for s in path.strip("/").split("/") if s]
    if segs[:1] == ["api"] and len(segs) >= 3:
        group, rest = "", segs[2:]
    elif segs[:1] == ["apis"] and len(segs) >= 4:
        group, rest = segs[1], segs[3:]
    else:
        return Attributes(user, {"GET": "get", "POST": "post", "PUT": "put", "DELETE": "delete"}.get(method, method.lower()),
                          path="/" + "/".join(segs))
    ns = ""
    if rest[0] == "namespaces" and len(rest) >= 3:
        ns, rest = rest[1], rest[2:]
    elif rest[0] == "namespaces" and len(rest) == 2:
        ns = rest[1]
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    watch = (query.get("watch") or [""])[0] in ("1", "true")
    verb = {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method)
    if verb is None:
        if method == "GET":
            verb = "watch" if watch else ("get" if name else "list")
        elif method == "DELETE":
            verb = "delete" if name else "deletecollection"
        else:
            verb = method.lower()
    return Attributes(user, verb, resource, ns, group, name, sub)


def check_request(cluster, method: str, path: str, query: dict, headers: dict) -> str | None:
    """None if allowed, else the 403 message."""
    if not cluster.rbac_enabled:
        return None
    who = identity(headers)
    a = attributes_of(method, path, query, who.name)
    if a.resource == "selfsubjectaccessreviews" or (not a.is_resource_request and who.groups):
        return None   # system:basic-user / system:discovery for every authenticated user
    d = cluster._authorize(who, a)
    return None if d.allowed else forbidden_message(a, d.reason)
