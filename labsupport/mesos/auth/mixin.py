"""The security methods of :class:`labsupport.mesos.Cluster` (mixed in): flags, guarded registration, teardown.

``mesos.Cluster(seed, authenticate_frameworks=True, credentials={...}, acls={...})`` is the master started with
``--authenticate_frameworks --credentials=... --acls=...``; ``cluster.register(..., principal=, secret=, user=)``
authenticates and authorizes the framework first (:mod:`.guard`); ``cluster.teardown(fid, operator=, password=)``
is ``POST /master/teardown`` with HTTP Basic authentication and the ``teardown_frameworks`` ACLs.
"""
from __future__ import annotations

from typing import Any

from labsupport.core import LabError
from labsupport.mesos.auth.guard import SecurityGuard, teardown_framework

__all__ = ["SecurityMixin"]


class SecurityMixin:
    def _init_security(self, seed: int, authenticate_frameworks: bool, credentials: Any, acls: Any) -> None:
        #: the master's --authenticate_frameworks, --credentials and --acls, and every decision made
        self.security = self.master.security = SecurityGuard(seed, authenticate_frameworks, credentials, acls, self._log)

    def _register_secured(self, scheduler, name: str, role: str, weight, failover_timeout: float, partition_aware: bool,
                          principal: str | None, secret: str | None, user: str) -> str:
        if not isinstance(user, str) or not user:
            raise LabError(f"user: FrameworkInfo.user must be a non-empty Unix user name, got {user!r}")
        self.security.admit_framework(name, role, principal, secret)
        fid = self.master.register(scheduler, name, role, weight, failover_timeout, partition_aware)
        fw = self.master.framework(fid)
        fw.principal, fw.user = principal, user
        return fid

    def teardown(self, framework_id: str, *, operator: str | None = None, password: str | None = None) -> None:
        """``POST /master/teardown`` as ``operator``: authenticated (HTTP Basic) when the master has credentials,
        then authorized by the ``teardown_frameworks`` ACLs; the framework's tasks are killed."""
        fw = self.master.framework(framework_id)
        self.security.admit_teardown(fw, operator, password)
        teardown_framework(self.master, framework_id, f"operator {operator or 'anonymous'} POST /master/teardown")
