"""Mesos 1.11 framework authentication, local-authorizer ACL semantics and the master's refusals."""
import pytest

from labsupport import mesos
from labsupport.core import LabError
from labsupport.mesos.auth.acls import ACLs, Entity, allows, matches

ANY, NONE = Entity("ANY"), Entity("NONE")
SOME = Entity("SOME", ("a",))


@pytest.mark.parametrize("request_, acl, match, allow", [
    (SOME, Entity("SOME", ("a", "b")), True, True), (SOME, Entity("SOME", ("b",)), False, False),
    (SOME, NONE, True, False), (SOME, ANY, True, True),
    (NONE, SOME, False, False), (NONE, NONE, True, True), (NONE, ANY, False, False),
    (ANY, SOME, False, False), (ANY, NONE, True, False), (ANY, ANY, True, True),
], ids=["a value in the list", "a value not in the list", "a value against NONE", "a value against ANY",
        "NONE against values", "NONE against NONE", "NONE against ANY", "ANY against values", "ANY against NONE", "ANY against ANY"])
def test_allow_matrix_of_authorizer_cpp(request_, acl, match, allow):
    assert (matches(request_, acl), allows(request_, acl)) == (match, allow)


ONLY_OPS_PROD = {"register_frameworks": [
    {"principals": {"values": ["ops"]}, "roles": {"values": ["prod"]}},
    {"principals": {"type": "NONE"}, "roles": {"values": ["prod"]}}]}


@pytest.mark.parametrize("acls, principal, role, allowed", [
    (ONLY_OPS_PROD, "ops", "prod", True), (ONLY_OPS_PROD, "dev", "prod", False), (ONLY_OPS_PROD, "dev", "web", True),
    (ONLY_OPS_PROD, None, "prod", False),
    ({**ONLY_OPS_PROD, "permissive": False}, "dev", "web", False),
    ({"register_frameworks": [{"principals": {"values": ["ops"]}, "roles": {"values": ["eng/%"]}},
                              {"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}], "permissive": False}, "ops", "eng/web", True),
    ({"register_frameworks": [{"principals": {"type": "ANY"}, "roles": {"type": "NONE"}},
                              {"principals": {"values": ["ops"]}, "roles": {"values": ["prod"]}}]}, "ops", "prod", False),
], ids=["ops may use prod", "another principal may not", "other roles stay open (permissive)", "no principal is ANY, refused",
        "permissive false refuses what no ACL matches", "a/% covers nested roles", "the first matching ACL wins"])
def test_register_frameworks_acls(acls, principal, role, allowed):
    assert ACLs.parse(acls).authorized("register_frameworks", principal, role) is allowed


@pytest.mark.parametrize("acls, message", [
    ({"register_framework": []}, "acls: unknown action 'register_framework'"),
    ({"run_tasks": [{"principals": {"values": ["a"]}, "roles": {"type": "ANY"}}]}, "acls.run_tasks[0]: unknown field 'roles' (expected principals, users)"),
    ({"run_tasks": [{"principals": {"type": "SOME"}, "users": {"type": "ANY"}}]}, "acls.run_tasks[0].principals.type: expected 'ANY' or 'NONE'"),
    ({"permissive": "no"}, "acls.permissive: expected true or false"),
], ids=["misspelt action", "wrong object field", "bad entity type", "permissive not a boolean"])
def test_bad_acls(acls, message):
    with pytest.raises(LabError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        mesos.Cluster(seed=0, acls=acls)


class Runner(mesos.Scheduler):
    def __init__(self, user=None):
        self.user, self.updates = user, []

    def resource_offers(self, driver, offers):
        for o in offers:
            driver.accept([o.id], [mesos.Task("web-1", "cpus:1;mem:128", duration=5, user=self.user)])

    def status_update(self, driver, status):
        self.updates.append((status.state.value, status.reason, status.message))


def _cell(**kw):
    cell = mesos.Cluster(seed=0, authenticate_frameworks=True, credentials={"ops": "s3cret", "dev": "d3v"}, acls={**ONLY_OPS_PROD, "run_tasks": [
        {"principals": {"values": ["ops"]}, "users": {"values": ["web"]}},
        {"principals": {"type": "NONE"}, "users": {"type": "ANY"}}]}, **kw)
    cell.add_agent("a1", resources="cpus:4;mem:8192")
    return cell


@pytest.mark.parametrize("kw, error, message", [
    (dict(), mesos.AuthenticationError, "Framework at scheduler-1@10.0.0.100:40001 is not authenticated"),
    (dict(principal="ops", secret="wrong"), mesos.AuthenticationError, "Master refused authentication"),
    (dict(principal="dev", secret="d3v"), mesos.AuthorizationError, "Not authorized to register framework  with roles { prod }"),
], ids=["no credentials", "a wrong secret", "an authenticated principal without the role"])
def test_registration_refusals(kw, error, message):
    cell = _cell()
    with pytest.raises(error) as e:
        cell.register(Runner("web"), name="web", role="prod", **kw)
    assert str(e.value) == message
    assert cell.get("frameworks").rows == []


@pytest.mark.parametrize("user, outcome", [
    ("web", ("TASK_RUNNING", None, "")),
    (None, ("TASK_ERROR", "REASON_TASK_UNAUTHORIZED", "Principal 'ops' no authorized to launch task web-1 of framework 0000-web under user 'root'")),
], ids=["ops may run tasks as web", "ops may not run tasks as root"])
def test_run_tasks_acl(user, outcome):
    cell = _cell()
    r = Runner(user)
    cell.register(r, name="web", role="prod", principal="ops", secret="s3cret")
    cell.run(2)
    if outcome[1]:
        assert r.updates[0] == outcome
    else:
        assert outcome[0] in [u[0] for u in r.updates] and all(u[1] != "REASON_TASK_UNAUTHORIZED" for u in r.updates)


def test_teardown_needs_operator_credentials():
    cell = _cell()
    fid = cell.register(Runner("web"), name="web", role="prod", principal="ops", secret="s3cret")
    with pytest.raises(mesos.AuthenticationError, match="401 Unauthorized"):
        cell.teardown(fid)
    cell.teardown(fid, operator="ops", password="s3cret")
    assert "torn down" in str(cell.events("master"))


class Reserver(mesos.Scheduler):
    def resource_offers(self, driver, offers):
        for o in offers:
            driver.accept([o.id], [mesos.Reserve("cpus(prod):1")])
            driver.suppress()


@pytest.mark.parametrize("principal, reserved", [("ops", True), ("dev", False)],
                         ids=["ops may reserve for prod", "dev's RESERVE is dropped by reserve_resources"])
def test_reserve_resources_acl(principal, reserved):
    acls = {"reserve_resources": [{"principals": {"values": ["ops"]}, "roles": {"values": ["prod"]}},
                                  {"principals": {"type": "NONE"}, "roles": {"type": "ANY"}}]}
    cell = mesos.Cluster(seed=0, authenticate_frameworks=True, credentials={"ops": "a", "dev": "b"}, acls=acls)
    cell.add_agent("a1", resources="cpus:4;mem:8192")
    cell.register(Reserver(), name="r", role="prod", principal=principal, secret={"ops": "a", "dev": "b"}[principal])
    cell.run(2)
    assert ("cpus(prod):1" in str(cell.agent_accounting("a1")["total"])) is reserved
    if not reserved:
        assert "RESERVE dropped: Principal 'dev' no authorized to perform action RESERVE_RESOURCES on object prod" in str(cell.calls_log())
