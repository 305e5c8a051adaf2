"""Authentication stand-ins and RBAC authorization for the simulated API server.

>>> from labsupport import k8s
>>> cluster = k8s.Cluster(seed=0)
>>> cluster.can_i("create", "deployments", namespace="dev", as_user="alice")
Decision(allowed=False, reason='')
>>> cluster.can_i("delete", "nodes").reason
'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"'
"""
from labsupport.k8s.auth.client import SecurityAPI, UserClient, resource_of
from labsupport.k8s.auth.forbidden import Attributes, ForbiddenError, forbidden_message
from labsupport.k8s.auth.identity import ADMIN, UserInfo, service_account_user, user_info
from labsupport.k8s.auth.rbac import Decision, authorize, rule_allows

__all__ = ["SecurityAPI", "UserClient", "Attributes", "ForbiddenError", "forbidden_message", "ADMIN", "UserInfo",
           "service_account_user", "user_info", "Decision", "authorize", "rule_allows", "resource_of"]
