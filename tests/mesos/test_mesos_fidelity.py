"""Issue 11 (Mesos allocator/master half): each test names the Mesos 1.11.0 test it mirrors."""
import random

import pytest

from labsupport import mesos
from labsupport.core import LabError
from labsupport.mesos.allocator import HierarchicalAllocator
from labsupport.mesos.sorter import DRFSorter
from tests.mesos.helpers import Recorder

CPU_MEM = {("cpus", "*", ""): 1.0, ("mem", "*", ""): 512.0}


def agent(cpus, mem, ports=False, role="*"):
    e = {("cpus", role, ""): float(cpus), ("mem", role, ""): float(mem)}
    if ports:
        e[("ports", "*", "")] = ((31000, 32000),)
    return e


def cluster_with(agents, **kw):
    c = mesos.Cluster(seed=kw.pop("seed", 0), **kw)
    for name, res in agents.items():
        c.add_agent(name, res)
    return c


# ---------------------------------------------------------------- item 8: decline filter duration
@pytest.mark.parametrize("interval, refuse, offered_again_at", [
    (60.0, 1.0, 120.0),
    (1.0, 5.0, 5.0),
    (1.0, 2.0, 2.0),
    (1.0, 0.5, 2.0),
], ids=[
    "a 1 s filter with a 60 s allocation interval still holds at the next batch allocation (SmallOfferFilterTimeout)",
    "a 5 s filter with a 1 s interval is gone at the allocation at its expiry",
    "a filter two intervals long is gone at the allocation at its expiry (OfferFilter)",
    "a filter shorter than the interval lasts one interval and still holds at its expiry",
])
def test_decline_filter_lasts_max_of_interval_and_refuse_seconds(interval, refuse, offered_again_at):
    """hierarchical_allocator_tests.cpp HierarchicalAllocatorTest.SmallOfferFilterTimeout; MESOS-4302."""
    a = HierarchicalAllocator(random.Random(0), allocation_interval=interval)
    a.add_framework("f1", "role")
    a.add_agent("agent1", {})
    a.add_agent("agent2", CPU_MEM)
    ((fid, ag, entries),) = a.allocate(now=0.0)
    a.recover(ag, fid, entries, now=0.0, refuse_seconds=refuse)
    t = interval
    while not a.allocate(now=t):
        t += interval
    assert t == offered_again_at


def test_small_offer_filter_timeout_gives_the_agent_to_the_other_framework():
    """HierarchicalAllocatorTest.SmallOfferFilterTimeout, step by step."""
    a = HierarchicalAllocator(random.Random(0), allocation_interval=60.0)
    a.add_framework("framework1", "role")
    a.add_framework("framework2", "role")
    a.add_agent("agent1", {}, used={"framework1": CPU_MEM})
    a.add_agent("agent2", CPU_MEM)
    assert [(f, g) for f, g, _ in a.allocate(now=0.0)] == [("framework2", "agent2")]
    a.recover("agent2", "framework2", CPU_MEM, now=0.0, refuse_seconds=1.0)
    assert [(f, g) for f, g, _ in a.allocate(now=60.0)] == [("framework1", "agent2")]


# ---------------------------------------------------------------- item 9: stage 1 honours headroom
def test_quota_role_gets_non_quota_resources_only_beyond_other_roles_headroom():
    """HierarchicalAllocatorTest.QuotaRoleAllocateNonQuotaResource."""
    a = HierarchicalAllocator(random.Random(0))
    a.set_quota("quota-role-1", {"cpus": 2}, {"cpus": 2})
    a.add_agent("agent1", agent(1, 1024, ports=True))
    a.add_framework("framework", "quota-role-1")
    (first,) = a.allocate(now=0.0)
    assert first[2] == agent(1, 1024, ports=True)               # all of agent1
    a.set_quota("quota-role-2", {"mem": 1024}, {"mem": 1024})
    a.add_agent("agent2", agent(1, 1024, ports=True))
    (second,) = a.allocate(now=1.0, agents=["agent2"])
    assert second[2] == {("cpus", "*", ""): 1.0, ("ports", "*", ""): ((31000, 32000),)}   # mem kept for role 2
    a.add_agent("agent3", agent(1, 1024, ports=True))
    (third,) = a.allocate(now=2.0, agents=["agent3"])
    assert third[2] == {("mem", "*", ""): 1024.0, ("ports", "*", ""): ((31000, 32000),)}  # quota reached: non-quota only


def test_quota_provides_guarantee_before_other_roles():
    """HierarchicalAllocatorTest.QuotaProvidesGuarantee (first allocation): the quota'd role is offered first."""
    a = HierarchicalAllocator(random.Random(0))
    a.add_framework("framework1", "quota-role")
    a.add_framework("framework2", "no-quota-role")
    a.set_quota("quota-role", {"cpus": 2, "mem": 1024}, {"cpus": 2, "mem": 1024})
    a.add_agent("agent1", agent(1, 512))
    a.add_agent("agent2", agent(1, 512))
    got = a.allocate(now=0.0)
    assert sorted(f for f, _, _ in got) == ["framework1", "framework1"]


# ---------------------------------------------------------------- item 10: set_quota as UPDATE_QUOTA
@pytest.mark.parametrize("kwargs", [
    {"role": "*", "limit": "cpus:1"},
    {"role": "role"},
    {"role": "role", "guarantee": {"cpus": 1, "ports": 3, "foobars": 2}, "limit": {"gpus": 1}, "force": True},
    {"role": "r", "guarantee": {"cpus": 10, "mem": 20, "disk": 10}, "limit": {"cpus": 10, "mem": 20, "gpu": 1},
     "force": True},
    {"role": "r", "limit": {"disk": 1024.0 ** 4, "mem": 1024.0 ** 4, "cpus": 1e12, "ports": 1e12}},
], ids=[
    "quota on the * role is allowed",
    "a role with no guarantee and no limit is valid",
    "any resource name is a quantity, ports included",
    "guarantees and limits are compared per resource",
    "the largest values are accepted",
])
def test_update_quota_accepts(kwargs):
    """master_validation_tests.cpp MasterCallValidationTest.UpdateQuota (the accepted configs)."""
    c = cluster_with({"a1": "cpus:4;mem:4096"})
    c.set_quota(**kwargs)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"role": "", "limit": "cpus:1"}, "Invalid 'QuotaConfig.role'"),
    ({"role": "eng/web", "limit": "cpus:1"}, "Updating quota on nested role 'eng/web' is not supported yet"),
    ({"role": "r", "limit": {"disk": 1024.0 ** 4 + 1}}, "values greater than 1 exabyte (1099511627776) are not supported"),
    ({"role": "r", "limit": {"mem": 1024.0 ** 4 + 1}}, "values greater than 1 exabyte (1099511627776) are not supported"),
    ({"role": "r", "guarantee": {"cpus": 1e12 + 1}}, "values greater than 1 trillion (1000000000000) are not supported"),
    ({"role": "r", "guarantee": {"foobars": 1e12 + 1}}, "values greater than 1 trillion (1000000000000) are not supported"),
    ({"role": "r", "guarantee": {"cpus": 20, "mem": 40}, "limit": {"cpus": 10, "mem": 20}, "force": True},
     "'QuotaConfig.guarantees' { cpus: 20, mem: 40 } is not contained within the 'QuotaConfig.limits' { cpus: 10, mem: 20 }"),
    ({"role": "r", "limit": {"cpus": -1}}, "Negative values not supported"),
    ({"role": "r", "limit": {"cpus": float("nan")}}, "NaN not supported"),
    ({"role": "r", "limit": "ports:[31000-32000]"}, "only scalar values are allowed"),
    ({"role": "r", "limit": "cpus:1;cpus:2"}, "duplicate names are not allowed"),
    ({"role": "r", "limit": "cpus(r):1"}, "quota has no roles or reservations"),
    ({"role": "r", "guarantee": "cpus:5"}, "exceed cluster capacity"),
], ids=[
    "an empty role", "a nested role", "disk above one exabyte", "mem above one exabyte", "cpus above a trillion",
    "any other resource above a trillion", "guarantees above limits", "a negative limit", "a NaN limit",
    "a range is not a quantity", "a name twice", "a reserved resource", "guarantees above the cluster's capacity",
])
def test_update_quota_rejects(kwargs, fragment):
    """MasterCallValidationTest.UpdateQuota and the checks of QuotaHandler::update (overcommit)."""
    c = cluster_with({"a1": "cpus:4;mem:4096"})
    with pytest.raises(LabError) as err:
        c.set_quota(**kwargs)
    assert fragment in str(err.value)
    assert c.master.quotas == {}


def test_a_zero_limit_stays_a_zero_limit():
    """ResourceLimits keeps zeros (resource_quantities.cpp); a role limited to 0 cpus is offered no cpus."""
    c = cluster_with({"a1": "cpus:4;mem:4096"})
    c.set_quota("r", limit={"cpus": 0})
    rec = Recorder()
    c.register(rec, name="f", role="r")
    c.run(2)
    assert rec.seen and all(o.resources.get("cpus", 0) == 0 for o in rec.seen)
    assert c.get("roles").rows[0]["LIMIT"] == "cpus:0"


def test_a_limit_below_consumption_needs_force():
    """QuotaHandler::update: 'is already consuming ... (use 'force' flag to bypass this check)'."""
    c = cluster_with({"a1": "cpus:4;mem:4096"})
    c.register(Recorder(), name="f", role="r")
    c.run(1)
    with pytest.raises(LabError, match="is already consuming"):
        c.set_quota("r", limit="cpus:1")
    c.set_quota("r", limit="cpus:1", force=True)
    assert c.master.quotas["r"] == (None, {"cpus": 1.0})


# ---------------------------------------------------------------- item 11: weights rescind offers
def test_changing_a_weight_rescinds_outstanding_offers():
    """master_allocator_tests.cpp MasterAllocatorTest.RebalancedForUpdatedWeights."""
    c = cluster_with({f"a{i}": "cpus:2;mem:1024;disk:4096" for i in range(3)})
    r1, r2 = Recorder(), Recorder()
    c.register(r1, name="f1", role="role1")
    c.run(0.5)
    assert len(r1.offers) == 3
    c.register(r2, name="f2", role="role2")
    c.run(0.2)
    assert r2.seen == []                       # everything is offered to f1
    c.set_weight("role2", 2.0)
    c.run(0.1)                                 # the rescind messages arrive; the next allocation is at t=1
    assert len(r1.rescinded) == 3 and r1.offers == {}
    c.run(1)
    # role2 (weight 2) ends with two agents, role1 with one, as upstream expects
    assert (len(r1.seen) - 3, len(r2.seen)) == (1, 2)


def test_a_weight_for_a_role_without_frameworks_rescinds_nothing():
    """WeightsHandler::rescindOffers only rescinds if an updated role has registered frameworks."""
    c = cluster_with({"a1": "cpus:2;mem:1024"})
    r1 = Recorder()
    c.register(r1, name="f1", role="role1")
    c.run(0.5)
    c.set_weight("nobody", 3.0)
    c.run(0.1)
    assert r1.rescinded == [] and len(r1.offers) == 1


# ---------------------------------------------------------------- item 16: killing an unknown task
@pytest.mark.parametrize("partition_aware, state", [(False, "TASK_LOST"), (True, "TASK_UNKNOWN")],
                         ids=["an old framework hears TASK_LOST", "a partition-aware framework hears TASK_UNKNOWN"])
def test_killing_an_unknown_task_answers_by_reconciliation(partition_aware, state):
    """master_tests.cpp MasterTest.KillUnknownTask; reconciliation_tests.cpp ReconciliationTest.UnknownKillTask."""
    c = cluster_with({"a1": "cpus:2;mem:1024"})
    rec = Recorder()
    fid = c.register(rec, name="f", partition_aware=partition_aware)
    c.run(1)
    c.driver(fid).kill("2")
    c.run(0.1)
    assert rec.updates == [("2", state, "REASON_RECONCILIATION")]
    assert c.tasks() == []


def test_killing_an_unknown_task_while_agents_reregister_is_dropped():
    """MasterTest.KillUnknownTaskSlaveInTransition: no answer while an agent has not re-registered."""
    c = cluster_with({"a1": "cpus:2;mem:1024"}, masters=2)
    rec = Recorder()
    fid = c.register(rec, name="f")
    c.run(1)
    c.master.agents["a1"].reregistered = False      # as right after a failover, before the agent is back
    c.driver(fid).kill("2")
    c.run(0.1)
    assert rec.updates == []


# ---------------------------------------------------------------- build item 4: hierarchical roles
def test_nested_role_drf_shares_are_compared_among_siblings():
    """HierarchicalAllocatorTest.NestedRoleDRF (the sorter part) and sorter_tests.cpp DRFSorterTest.HierarchicalAllocation."""
    s = DRFSorter()
    s.set_total({"cpus": 100, "mem": 100})
    for name in ("a", "b/c", "b/d"):
        s.add(name)
    s.allocated("a", {"cpus": 5})
    s.allocated("b/c", {"cpus": 3})
    s.allocated("b/d", {"cpus": 3})
    assert s.sort() == ["a", "b/c", "b/d"]        # b's subtree holds 6 > a's 5
    s.unallocated("b/c", {"cpus": 3})
    assert s.sort() == ["b/c", "b/d", "a"]        # b now 3 < 5; inside b: c (0) before d
    assert s.subtree_allocation("b") == {"cpus": 3.0}


def test_a_parent_and_its_child_can_both_be_clients():
    """DRFSorterTest.HierarchicalIterationOrder: the parent's own share lives in the virtual leaf 'a/.'."""
    s = DRFSorter()
    s.set_total({"cpus": 10})
    s.add("a/b")
    s.add("a")
    s.allocated("a", {"cpus": 2})
    assert s.sort() == ["a/b", "a"]
    s.remove("a/b")
    assert s.sort() == ["a"] and s.allocation("a") == {"cpus": 2.0}


def test_weight_of_a_parent_weighs_its_whole_subtree():
    """DRFSorterTest.UpdateWeight on an internal node: 'eng' with weight 2 counts half."""
    s = DRFSorter()
    s.set_total({"cpus": 10})
    for name in ("eng/web", "eng/db", "ops"):
        s.add(name)
    s.allocated("eng/web", {"cpus": 3})
    s.allocated("ops", {"cpus": 2})
    assert s.sort()[0] == "ops"
    s.set_weight("eng", 2.0)
    assert s.sort() == ["eng/db", "eng/web", "ops"]


def test_nested_roles_in_a_cluster_share_by_the_tree():
    """Frameworks in eng/web and eng/db together get what ops alone gets (1.11 hierarchical DRF)."""
    c = cluster_with({f"a{i}": "cpus:1;mem:128" for i in range(8)})
    web, db, ops = Recorder(), Recorder(), Recorder()
    c.register(web, name="web", role="eng/web")
    c.register(db, name="db", role="eng/db")
    c.register(ops, name="ops", role="ops")
    c.run(0.5)
    assert (len(web.seen), len(db.seen), len(ops.seen)) == (2, 2, 4)
    roles = {r["ROLE"]: r for r in c.get("roles").rows}
    assert roles["eng/web"]["CPUS"] == 2.0


def test_a_nested_role_is_offered_its_parents_reservations():
    """HierarchicalAllocatorTest.OfferAncestorReservationsToDescendantChild."""
    c = cluster_with({"a1": "cpus(eng):2;mem(eng):256"})
    web = Recorder()
    c.register(web, name="web", role="eng/web")
    c.run(0.5)
    assert str(web.seen[0].resources) == "ports:[31000-32000];cpus(eng):2;mem(eng):256"


def test_subrole_allocation_counts_towards_the_parents_quota_but_is_not_bound_by_it():
    """HierarchicalAllocatorTest.QuotaWithNestedRoleAllocation (1.11.0: the child is tracked post factum)."""
    a = HierarchicalAllocator(random.Random(0))
    a.add_framework("framework1", "a/b")
    a.add_agent("agent1", agent(1, 1024))
    assert [f for f, _, _ in a.allocate(now=0.0)] == ["framework1"]
    a.set_quota("a", {"cpus": 1, "mem": 1024}, {"cpus": 1, "mem": 1024})
    a.add_framework("framework2", "a")
    a.add_agent("agent2", agent(1, 1024))
    assert [(f, g) for f, g, _ in a.allocate(now=1.0)] == [("framework1", "agent2")]


def test_headroom_with_nested_role_allocation():
    """HierarchicalAllocatorTest.QuotaHeadroomWithNestedRoleAllocation."""
    a = HierarchicalAllocator(random.Random(0))
    a.add_framework("framework1", "a/b")
    a.add_agent("agent1", agent(1, 100))
    assert [f for f, _, _ in a.allocate(now=0.0)] == ["framework1"]
    a.add_framework("framework2", "a")
    a.add_agent("agent2", agent(1, 100))
    assert [f for f, _, _ in a.allocate(now=1.0)] == ["framework2"]
    a.set_quota("quota-role", {"cpus": 1, "mem": 100}, {"cpus": 1, "mem": 100})
    a.add_agent("agent3", agent(1, 100))
    assert a.allocate(now=2.0) == []                 # agent3 is held back for quota-role
    a.add_agent("agent4", agent(1, 100))
    got = a.allocate(now=3.0)
    assert len(got) == 1 and got[0][0] in ("framework1", "framework2")   # the other agent stays headroom
