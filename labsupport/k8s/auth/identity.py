"""Who is asking: users, groups and ServiceAccounts as an authenticator asserts them.

Kubernetes has no User objects: an authenticator (client certificate, OIDC token, ...) asserts a
user name and groups, and kube-apiserver adds ``system:authenticated`` to every authenticated
request (``AuthenticatedGroupAdder`` in staging/src/k8s.io/apiserver/pkg/authentication/group).
A ServiceAccount token authenticates as ``system:serviceaccount:<namespace>:<name>`` in the groups
``system:serviceaccounts`` and ``system:serviceaccounts:<namespace>``
(staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount/util.go, ``MakeUsername`` and
``MakeGroupNames``). The cluster's administrator (``cluster.apply`` without ``as_user``, and the
kubeconfig of ``cluster.serve()``) is ``kubernetes-admin`` in ``system:masters``, as kubeadm's
admin.conf is (kubeadm >= 1.29 binds ``kubeadm:cluster-admins`` instead; simplified to the group
every cluster has).

>>> user_info("system:serviceaccount:dev:ci").groups
('system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated')
>>> user_info("alice", ["dev"])
UserInfo(name='alice', groups=('dev', 'system:authenticated'))
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from labsupport.core import LabError

__all__ = ["UserInfo", "user_info", "service_account_user", "parse_service_account", "ADMIN", "SA_PREFIX",
           "AUTHENTICATED", "SERVICE_ACCOUNT_TOKEN_PATH"]

SA_PREFIX = "system:serviceaccount:"
AUTHENTICATED = "system:authenticated"
#: where the kubelet mounts a Pod's projected ServiceAccount token (plus ca.crt and namespace)
SERVICE_ACCOUNT_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token"
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class UserInfo:
    """An authenticated identity: ``name`` and ``groups`` (``system:authenticated`` included)."""

    name: str
    groups: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return "system:masters" in self.groups


def parse_service_account(name: str) -> tuple[str, str] | None:
    """``"system:serviceaccount:dev:ci"`` -> ``("dev", "ci")``; other names -> None.

    >>> parse_service_account("system:serviceaccount:dev:ci"), parse_service_account("alice")
    (('dev', 'ci'), None)
    """
    if not name.startswith(SA_PREFIX):
        return None
    parts = name[len(SA_PREFIX):].split(":")
    if len(parts) != 2 or not all(_DNS_LABEL.match(p) for p in parts):
        raise LabError(f"user: {name!r} is not a ServiceAccount user name (system:serviceaccount:<namespace>:<name>)")
    return parts[0], parts[1]


def service_account_user(namespace: str, name: str) -> str:
    """``MakeUsername``: the user name a ServiceAccount's token authenticates as."""
    return f"{SA_PREFIX}{namespace}:{name}"


def user_info(name: str, groups=None) -> UserInfo:
    """The identity the API server sees for ``name`` (ServiceAccounts get their groups automatically)."""
    if not isinstance(name, str) or not name.strip():
        raise LabError(f"user: a user name must be a non-empty string, got {name!r}")
    if groups is None:
        groups = []
    if isinstance(groups, str) or not all(isinstance(g, str) and g for g in groups):
        raise LabError(f"groups: expected a list of group names such as ['dev'], got {groups!r}")
    out = list(groups)
    sa = parse_service_account(name)
    if sa is not None:
        out += ["system:serviceaccounts", f"system:serviceaccounts:{sa[0]}"]
    if AUTHENTICATED not in out:
        out.append(AUTHENTICATED)
    return UserInfo(name, tuple(dict.fromkeys(out)))


#: the cluster administrator (kubeadm's admin.conf identity)
ADMIN = UserInfo("kubernetes-admin", ("system:masters", AUTHENTICATED))
