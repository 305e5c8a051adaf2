"""The master's checks: authenticate a registering framework, authorize it and its tasks by ACLs.

The refusal texts are Mesos 1.11.0's (src/master/master.cpp, src/master/authorization.cpp):

* unauthenticated: ``Framework at <pid> is not authenticated``;
* wrong secret: the driver's ``Master refused authentication``;
* ``register_frameworks`` denied: ``Not authorized to register framework  with roles { prod }``
  (the framework id is still empty while it subscribes, hence the two spaces);
* ``run_tasks`` denied: the task ends in ``TASK_ERROR`` / ``REASON_TASK_UNAUTHORIZED`` with
  ``Principal 'dev' no authorized to launch task web-1 of framework 0000-web under user 'root'``
  (sic: "no authorized" is in the 1.11 source);
* ``teardown_frameworks`` denied: ``403 Forbidden`` from ``/master/teardown``.

>>> from labsupport import mesos
>>> cell = mesos.Cluster(seed=0, authenticate_frameworks=True, credentials={"ops": "s3cret"})
>>> try:
...     cell.register(mesos.Scheduler(), name="web")
... except mesos.AuthenticationError as e:
...     print(e)
Framework at scheduler-1@10.0.0.100:40001 is not authenticated
"""
from __future__ import annotations

import hashlib
import hmac

from labsupport.core import LabError
from labsupport.mesos import events as ev
from labsupport.mesos.auth.acls import ACLs
from labsupport.mesos.auth.authentication import (
    AuthenticationError,
    cram_md5_response,
    http_basic,
    parse_credentials,
    verify_cram_md5,
)

__all__ = ["SecurityGuard", "AuthorizationError", "teardown_framework"]


class AuthorizationError(LabError):
    """The local authorizer's ACLs refused the request."""


def teardown_framework(master, fid: str, why: str) -> None:
    """Remove a framework now: rescind its offers, kill its tasks (REASON_FRAMEWORK_REMOVED)."""
    from labsupport.mesos.scheduler import offer_number
    from labsupport.mesos.tasks import TaskState as S

    fw = master.live_framework(fid)
    for oid in sorted(fw.offers, key=offer_number):
        master.rescind(oid, "framework removed", notify=False)
    fw.removed = True
    fw.connected = False
    master.log("master", ev.FRAMEWORK_REMOVED, f"framework {fw.name!r} torn down: {why}", ev.framework(fid))
    for agent in master.sorted_agents():
        for task in agent.live_tasks():
            if task.framework == fid:
                agent.end(task, S.TASK_KILLED, "REASON_FRAMEWORK_REMOVED", report=False)
                master.status_update(task, S.TASK_KILLED, "REASON_FRAMEWORK_REMOVED", notify=False)
    master.allocator.remove_framework(fid)


class SecurityGuard:
    """``--authenticate_frameworks``, ``--credentials`` and ``--acls`` of one simulated master."""

    def __init__(self, seed: int, authenticate_frameworks: bool, credentials, acls, log) -> None:
        if not isinstance(authenticate_frameworks, bool):
            raise LabError(f"authenticate_frameworks: expected True or False, got {authenticate_frameworks!r}")
        self.authenticate_frameworks = authenticate_frameworks
        self.credentials = parse_credentials(credentials)
        if authenticate_frameworks and not self.credentials:
            raise LabError("credentials: --authenticate_frameworks needs --credentials (principals and secrets), e.g. {'ops': 's3cret'}")
        self.acls = ACLs.parse(acls)
        self._seed = str(seed).encode()
        self._log = log
        self._pids = 0
        #: every decision: (who, action, object, allowed, ACL index or None)
        self.decisions: list[tuple] = []

    def _record(self, decision: tuple) -> None:
        if self.acls.rules:   # without ACLs every answer is "permissive": nothing worth keeping (long runs stay lean)
            self.decisions.append(decision)

    def _challenge(self, n: int) -> bytes:
        return b"<" + hmac.new(self._seed, str(n).encode(), hashlib.sha256).hexdigest()[:16].encode() + b"@master>"

    def admit_framework(self, name: str, role: str, principal: str | None, secret: str | None) -> None:
        self._pids += 1
        pid = f"scheduler-{self._pids}@10.0.0.100:{40000 + self._pids}"
        authenticated = None
        if principal is not None and secret is not None and self.credentials:
            challenge = self._challenge(self._pids)
            authenticated = verify_cram_md5(self.credentials, challenge, cram_md5_response(principal, secret, challenge))
            if authenticated is None:
                self._log("master", "AUTHENTICATION_FAILED", f"Failed to authenticate principal '{principal}' at {pid}: "
                          "authentication failure")
                raise AuthenticationError("Master refused authentication")
        if self.authenticate_frameworks and authenticated is None:
            self._log("master", "REGISTRATION_REFUSED", f"Refusing subscription of framework '{name}' at {pid}: "
                      f"Framework at {pid} is not authenticated")
            raise AuthenticationError(f"Framework at {pid} is not authenticated")
        ok, idx = self.acls.decide("register_frameworks", principal, role)
        self._record((principal, "register_frameworks", role, ok, idx))
        if not ok:
            msg = f"Not authorized to register framework  with roles {{ {role} }}"
            self._log("master", "REGISTRATION_REFUSED", f"Refusing subscription of framework '{name}': {msg}")
            raise AuthorizationError(msg)

    def task_refusal(self, fw, task) -> str | None:
        """None if ``run_tasks`` allows the task, else the TASK_ERROR message."""
        principal = getattr(fw, "principal", None)
        user = getattr(task, "user", None) or getattr(fw, "user", "root")
        ok, idx = self.acls.decide("run_tasks", principal, user)
        self._record((principal, "run_tasks", user, ok, idx))
        if ok:
            return None
        return f"Principal '{principal or ''}' no authorized to launch task {task.task_id} of framework {fw.id} under user '{user}'"

    #: offer operation -> (ACL action, authorization::Action name)
    OPERATION_ACTIONS = {"RESERVE": ("reserve_resources", "RESERVE_RESOURCES"), "UNRESERVE": ("unreserve_resources", "UNRESERVE_RESOURCES"),
                         "CREATE": ("create_volumes", "CREATE_VOLUME"), "DESTROY": ("destroy_volumes", "DESTROY_VOLUME")}

    def operation_refusal(self, fw, op) -> str | None:
        """None if the ACLs allow this offer operation, else why it is dropped (master.cpp ``_accept``).

        The object is the framework's role for RESERVE/CREATE and its principal (as reserver or creator)
        for UNRESERVE/DESTROY; the JSON object Mesos prints after "on object" is shortened to that value.
        """
        action, name = self.OPERATION_ACTIONS[op.kind]
        principal = getattr(fw, "principal", None)
        obj = fw.role if op.kind in ("RESERVE", "CREATE") else principal
        ok, idx = self.acls.decide(action, principal, obj)
        self._record((principal, action, obj, ok, idx))
        if ok:
            return None
        return f"{op.kind} dropped: Principal '{principal or ''}' no authorized to perform action {name} on object {obj or 'ANY'}"

    def admit_teardown(self, fw, operator: str | None, password: str | None) -> None:
        if self.credentials:
            header = None
            if operator is not None:
                import base64

                header = "Basic " + base64.b64encode(f"{operator}:{password or ''}".encode()).decode()
            if http_basic(self.credentials, header) is None:
                raise AuthenticationError('401 Unauthorized (WWW-Authenticate: Basic realm="mesos"): /master/teardown needs valid operator credentials')
        target = getattr(fw, "principal", None)
        ok, idx = self.acls.decide("teardown_frameworks", operator, target)
        self._record((operator, "teardown_frameworks", target, ok, idx))
        if not ok:
            raise AuthorizationError(f"403 Forbidden: operator '{operator}' is not authorized to tear down framework {fw.id}")
