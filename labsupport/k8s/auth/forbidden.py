"""The API server's 403: ``pods is forbidden: User "alice" cannot create resource "pods" ...``.

Reproduces ``forbiddenMessage`` and ``Forbidden`` of
staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go and
``apierrors.NewForbidden`` (``<resource>[.<group>] ["<name>"] is forbidden: <message>[: <reason>]``).

>>> attrs = Attributes("alice", "create", "pods", namespace="dev")
>>> forbidden_message(attrs, "")
'pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "dev"'
>>> forbidden_message(Attributes("bob", "list", "clusterroles", api_group="rbac.authorization.k8s.io"), "")
'clusterroles.rbac.authorization.k8s.io is forbidden: User "bob" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope'
"""
from __future__ import annotations

from dataclasses import dataclass

from labsupport.core import LabError

__all__ = ["Attributes", "ForbiddenError", "forbidden_message"]


@dataclass(frozen=True)
class Attributes:
    """authorizer.Attributes of one request: who, verb, and what (resource request or non-resource path)."""

    user: str
    verb: str
    resource: str = ""
    namespace: str = ""
    api_group: str = ""
    name: str = ""
    subresource: str = ""
    path: str = ""          # set for non-resource requests such as /healthz

    @property
    def is_resource_request(self) -> bool:
        return not self.path


def forbidden_message(a: Attributes, reason: str) -> str:
    """The Status message of a 403 for these attributes and the authorizer's reason ('' when it has none)."""
    if not a.is_resource_request:
        msg = f'User "{a.user}" cannot {a.verb} path "{a.path}"'
        head = "forbidden: "
        return f"{head}{msg}" + (f": {reason}" if reason else "")
    resource = a.resource + (f"/{a.subresource}" if a.subresource else "")
    if a.namespace:
        msg = f'User "{a.user}" cannot {a.verb} resource "{resource}" in API group "{a.api_group}" in the namespace "{a.namespace}"'
    else:
        msg = f'User "{a.user}" cannot {a.verb} resource "{resource}" in API group "{a.api_group}" at the cluster scope'
    if reason:
        msg = f"{msg}: {reason}"
    qualified = a.resource + (f".{a.api_group}" if a.api_group else "")
    if a.name:
        return f'{qualified} "{a.name}" is forbidden: {msg}'
    return f"{qualified} is forbidden: {msg}"


class ForbiddenError(LabError):
    """HTTP 403 Forbidden from the API server; ``.attributes`` and ``.reason`` say what was refused and why."""

    def __init__(self, message: str, attributes: Attributes | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.attributes = attributes
        self.reason = reason
