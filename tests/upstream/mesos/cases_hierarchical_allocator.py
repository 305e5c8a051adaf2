"""Mesos 1.11.0 src/tests/hierarchical_allocator_tests.cpp, ported as data: allocator events and the allocations they must give.

A case is the test's sequence of allocator calls, transcribed in a small step language that
``run`` replays on :class:`labsupport.mesos.allocator.HierarchicalAllocator`, with upstream's
event-driven allocations (``HierarchicalAllocatorTest`` runs with the clock paused):

* ``["agent", name, resources, {framework: used}]``: ``addSlave``; allocates on that agent;
* ``["framework", id, role]``: ``addFramework``; allocates on every agent;
* ``["quota", role, guarantees, limits]``: ``updateQuota`` (``createQuota(x)`` is ``x, x``);
* ``["recover", agent, framework, resources, refuse_seconds]``: ``recoverResources``
  (``None``: no filter);
* ``["advance", seconds]``: ``Clock::advance``; a batch allocation at every 1 s boundary;
* ``["suppress"|"revive"|"deactivate"|"activate", id]`` (revive and activate allocate);
* ``["expect", framework, {agent: resources}]``: the next allocation for that framework
  (``AWAIT_EXPECT_EQ(expected, allocations.get())``; upstream pops allocations of one round
  in hashmap order, so the framework picks the entry);
* ``["pending"]``: no allocation is waiting (``EXPECT_TRUE(allocation.isPending())``).
"""
from __future__ import annotations

import random

from labsupport.mesos.allocator import HierarchicalAllocator
from labsupport.mesos.quota import parse_quantities
from labsupport.mesos.resources import parse_resources

UPSTREAM_FILE = "src/tests/hierarchical_allocator_tests.cpp"
INTERVAL = 1.0   # master::Flags allocation_interval default


def _suite(test: str) -> str:
    """The gtest suite of an upstream test (parameterized ones run for static and dynamic reservations alike)."""
    if test in ("ReservationUnallocated", "ReservationAllocated", "NonQuotaRoleReservationWithQuotaRole",
                "SharedAllocatedResourceQuotaAccounting", "QuotaHeadroomWhenReservationsExceedQuota"):
        return "HierarchicalAllocatorTestWithReservations"
    if test == "AllocateSharedResources":
        return "HierarchicalAllocatorTestWithParam"
    return "HierarchicalAllocatorTest"


def _case(test: str, id_: str, steps: list) -> dict:
    return {"upstream_file": UPSTREAM_FILE, "upstream_test": f"{_suite(test)}.{test}", "id": id_, "steps": steps}


CASES = [
    _case("UnreservedDRF", "unreserved resources go to the role and framework with the lowest share", [
        ["agent", "slave1", "cpus:2;mem:1024;disk:0", {}],
        ["framework", "framework1", "role1"],
        ["expect", "framework1", {"slave1": "cpus:2;mem:1024"}],
        ["framework", "framework2", "role2"],
        ["agent", "slave2", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework2", {"slave2": "cpus:1;mem:512"}],
        ["agent", "slave3", "cpus:3;mem:2048;disk:0", {}],
        ["expect", "framework2", {"slave3": "cpus:3;mem:2048"}],
        ["framework", "framework3", "role1"],
        ["agent", "slave4", "cpus:4;mem:4096;disk:0", {}],
        ["expect", "framework3", {"slave4": "cpus:4;mem:4096"}],
        ["framework", "framework4", "role1"],
        ["agent", "slave5", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework2", {"slave5": "cpus:1;mem:512"}],
    ]),
    _case("ReservedDRF", "reserved resources count in the reserving role's share", [
        ["agent", "slave1", "cpus:1;mem:512;disk:0;cpus(role1):100;mem(role1):1024;disk(role1):0", {}],
        ["framework", "framework1", "role1"],
        ["expect", "framework1", {"slave1": "cpus:1;mem:512;cpus(role1):100;mem(role1):1024"}],
        ["framework", "framework2", "role2"],
        ["agent", "slave2", "cpus:2;mem:512;disk:0", {}],
        ["expect", "framework2", {"slave2": "cpus:2;mem:512"}],
        ["agent", "slave3", "cpus:2;mem:512;disk:0", {}],
        ["expect", "framework2", {"slave3": "cpus:2;mem:512"}],
        ["framework", "framework3", "role1"],
        ["agent", "slave4", "cpus(role1):2;mem(role1):1024;disk(role1):0", {}],
        ["expect", "framework3", {"slave4": "cpus(role1):2;mem(role1):1024"}],
    ]),
    _case("NestedRoleDRF", "nested roles share among siblings, then subtrees among theirs", [
        ["agent", "slave1", "cpus:2;mem:1024;disk:0", {}],
        ["framework", "framework1", "a/b"],
        ["expect", "framework1", {"slave1": "cpus:2;mem:1024"}],
        ["framework", "framework2", "a/c"],
        ["framework", "framework3", "d/e"],
        ["agent", "slave2", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework3", {"slave2": "cpus:1;mem:512"}],
        ["framework", "framework4", "d/f"],
        ["agent", "slave3", "cpus:2;mem:1024;disk:0", {}],
        ["expect", "framework4", {"slave3": "cpus:2;mem:1024"}],
    ]),
    _case("OfferFilter", "a declined agent is not re-offered while the filter lasts", [
        ["framework", "framework", "role"],
        ["agent", "agent", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework", {"agent": "cpus:1;mem:512"}],
        ["recover", "agent", "framework", "cpus:1;mem:512", 2.0],
        ["advance", 1.0],
        ["pending"],
        ["advance", 1.0],
        ["expect", "framework", {"agent": "cpus:1;mem:512"}],
    ]),
    _case("SmallOfferFilterTimeout", "a filter shorter than the allocation interval survives the next batch allocation", [
        ["interval", 60.0],
        ["framework", "framework1", "role"],
        ["framework", "framework2", "role"],
        ["agent", "agent1", "cpus:1;mem:512;disk:0", {"framework1": "cpus:1;mem:512"}],
        ["agent", "agent2", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework2", {"agent2": "cpus:1;mem:512"}],
        ["recover", "agent2", "framework2", "cpus:1;mem:512", 1.0],
        ["advance", 1.0],
        ["advance", 60.0],
        ["expect", "framework1", {"agent2": "cpus:1;mem:512"}],
    ]),
    _case("CoarseGrained", "each agent goes whole to one framework", [
        ["agent", "slave1", "cpus:2;mem:1024;disk:0", {}],
        ["agent", "slave2", "cpus:2;mem:1024;disk:0", {}],
        ["framework", "framework1", "role1"],
        ["expect", "framework1", {"slave1": "cpus:2;mem:1024", "slave2": "cpus:2;mem:1024"}],
        ["recover", "slave1", "framework1", "cpus:2;mem:1024", None],
        ["recover", "slave2", "framework1", "cpus:2;mem:1024", None],
        ["framework", "framework2", "role2"],
        ["expect_one_agent_each", ["framework1", "framework2"], "cpus:2;mem:1024"],
    ]),
    _case("SameShareFairness", "two frameworks with equal shares take turns on one agent", [
        ["framework", "framework1", "*"],
        ["framework", "framework2", "*"],
        ["agent", "slave", "cpus:2;mem:1024;disk:0", {}],
        ["take_turns", "slave", "cpus:2;mem:1024", 10, {"framework1": 5, "framework2": 5}],
    ]),
    _case("RecoverResources", "recovered reserved and unreserved parts are re-offered separately", [
        ["agent", "slave", "cpus(role1):1;mem(role1):200;cpus:1;mem:200;disk:0", {}],
        ["framework", "framework", "role1"],
        ["expect", "framework", {"slave": "cpus(role1):1;mem(role1):200;cpus:1;mem:200"}],
        ["recover", "slave", "framework", "cpus(role1):1;mem(role1):200", None],
        ["advance", 1.0],
        ["expect", "framework", {"slave": "cpus(role1):1;mem(role1):200"}],
        ["recover", "slave", "framework", "cpus:1;mem:200", None],
        ["advance", 1.0],
        ["expect", "framework", {"slave": "cpus:1;mem:200"}],
    ]),
    _case("QuotaProvidesGuarantee", "a role below its guarantee is served first", [
        ["framework", "framework1", "quota-role"],
        ["quota", "quota-role", "cpus:2;mem:1024", "cpus:2;mem:1024"],
        ["framework", "framework2", "no-quota-role"],
        ["agent", "agent1", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework1", {"agent1": "cpus:1;mem:512"}],
        ["agent", "agent2", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework1", {"agent2": "cpus:1;mem:512"}],
        ["recover", "agent2", "framework1", "cpus:1;mem:512", 2.0],
        ["advance", 1.0],
        ["pending"],
        ["advance", 1.0],
        ["expect", "framework1", {"agent2": "cpus:1;mem:512"}],
    ]),
    _case("QuotaProvidesLimit", "a zero limit keeps a role from every offer; a limit chops the agent", [
        ["framework", "framework1", "*"],
        ["quota", "*", "", "cpus:0;mem:0;disk:0"],
        ["agent", "agent1", "cpus:2;mem:1024;disk:1024", {}],
        ["pending"],
        ["framework", "framework2", "no-quota-role"],
        ["expect", "framework2", {"agent1": "cpus:2;mem:1024;disk:1024"}],
        ["quota", "*", "", "cpus:1;mem:512;disk:512"],
        ["agent", "agent2", "cpus:2;mem:1024;disk:1024", {}],
        ["expect", "framework1", {"agent2": "cpus:1;mem:512;disk:512"}],
        ["expect", "framework2", {"agent2": "cpus:1;mem:512;disk:512"}],
    ]),
    _case("RemoveQuota", "after its quota is removed a role no longer blocks others", [
        ["quota", "quota-role", "cpus:2;mem:1024", "cpus:2;mem:1024"],
        ["framework", "framework1", "quota-role"],
        ["framework", "framework2", "no-quota-role"],
        ["agent", "agent1", "cpus:1;mem:512;disk:0", {"framework1": "cpus:1;mem:512"}],
        ["agent", "agent2", "cpus:1;mem:512;disk:0", {"framework1": "cpus:1;mem:512"}],
        ["quota", "quota-role", "", ""],
        ["recover", "agent1", "framework1", "cpus:1;mem:512", None],
        ["advance", 1.0],
        ["expect", "framework2", {"agent1": "cpus:1;mem:512"}],
    ]),
    _case("MultipleFrameworksInRoleWithQuota", "frameworks of a quota role share its guarantee by DRF", [
        ["framework", "framework1a", "quota-role"],
        ["quota", "quota-role", "cpus:4;mem:2048", "cpus:4;mem:2048"],
        ["framework", "framework2", "no-quota-role"],
        ["agent", "agent1", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework1a", {"agent1": "cpus:1;mem:512"}],
        ["framework", "framework1b", "quota-role"],
        ["agent", "agent2", "cpus:2;mem:1024;disk:0", {}],
        ["expect", "framework1b", {"agent2": "cpus:2;mem:1024"}],
        ["agent", "agent3", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework1a", {"agent3": "cpus:1;mem:512"}],
        ["recover", "agent3", "framework1a", "cpus:1;mem:512", 5.0],
        ["advance", 1.0],
        ["expect", "framework1b", {"agent3": "cpus:1;mem:512"}],
    ]),
    _case("QuotaRoleAllocateNonQuotaResource", "stage 1 keeps other roles' headroom for non-guaranteed resources", [
        ["quota", "quota-role-1", "cpus:2", "cpus:2"],
        ["agent", "agent1", "cpus:1;mem:1024;ports:[31000-32000]", {}],
        ["framework", "framework", "quota-role-1"],
        ["expect", "framework", {"agent1": "cpus:1;mem:1024;ports:[31000-32000]"}],
        ["quota", "quota-role-2", "mem:1024", "mem:1024"],
        ["agent", "agent2", "cpus:1;mem:1024;ports:[31000-32000]", {}],
        ["expect", "framework", {"agent2": "cpus:1;ports:[31000-32000]"}],
        ["agent", "agent3", "cpus:1;mem:1024;ports:[31000-32000]", {}],
        ["expect", "framework", {"agent3": "mem:1024;ports:[31000-32000]"}],
    ]),
    _case("DRFWithQuota", "what is left after quota goes to the other roles by DRF", [
        ["quota", "quota-role", "cpus:0.25;mem:128", "cpus:0.25;mem:128"],
        ["framework", "framework1", "quota-role"],
        ["framework", "framework2", "no-quota-role"],
        ["agent", "agent1", "cpus:1;mem:512;disk:0", {"framework1": "cpus:0.25;mem:128"}],
        ["expect", "framework2", {"agent1": "cpus:0.75;mem:384"}],
        ["agent", "agent2", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework2", {"agent2": "cpus:1;mem:512"}],
    ]),
    _case("QuotaAgainstStarvation", "a new guarantee wins resources back from a greedy role", [
        ["framework", "framework1", "quota-role"],
        ["framework", "framework2", "no-quota-role"],
        ["agent", "agent1", "cpus:1;mem:512;disk:0", {"framework1": "cpus:1;mem:512"}],
        ["agent", "agent2", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework2", {"agent2": "cpus:1;mem:512"}],
        ["recover", "agent2", "framework2", "cpus:1;mem:512", 0.0],
        ["advance", 1.0],
        ["expect", "framework2", {"agent2": "cpus:1;mem:512"}],
        ["recover", "agent2", "framework2", "cpus:1;mem:512", 0.0],
        ["quota", "quota-role", "cpus:2;mem:1024", "cpus:2;mem:1024"],
        ["advance", 1.0],
        ["expect", "framework1", {"agent2": "cpus:1;mem:512"}],
    ]),
    _case("QuotaAbsentFrameworkWholeAgent", "headroom for a role without frameworks is kept back", [
        ["quota", "quota-role", "cpus:2;mem:1024", "cpus:2;mem:1024"],
        ["framework", "framework", "no-quota-role"],
        ["agent", "agent1", "cpus:2;mem:1024", {}],
        ["pending"],
        ["agent", "agent2", "cpus:2;mem:1024", {}],
        ["expect_total", "framework", "cpus:2;mem:1024"],
    ]),
    _case("MultiQuotaAbsentFrameworks", "a role's guarantee is served even if guarantees exceed the cluster", [
        ["agent", "agent", "cpus:2;mem:2048;disk:0", {}],
        ["quota", "quota-role-1", "cpus:1;mem:1024", "cpus:1;mem:1024"],
        ["quota", "quota-role-2", "cpus:2;mem:2048", "cpus:2;mem:2048"],
        ["framework", "framework", "quota-role-2"],
        ["expect", "framework", {"agent": "cpus:2;mem:2048"}],
    ]),
    _case("DeactivateAndReactivateFramework", "a deactivated framework is offered nothing until reactivated", [
        ["agent", "agent", "cpus:2;mem:1024;disk:0", {}],
        ["framework", "framework", "role1"],
        ["expect", "framework", {"agent": "cpus:2;mem:1024"}],
        ["recover", "agent", "framework", "cpus:2;mem:1024", None],
        ["suppress", "framework"],
        ["deactivate", "framework"],
        ["advance", 1.0],
        ["pending"],
        ["activate", "framework"],
        ["revive", "framework"],
        ["expect", "framework", {"agent": "cpus:2;mem:1024"}],
    ]),
    _case("SuppressAndReviveOffers", "a suppressed framework gets offers again after revive", [
        ["agent", "agent", "cpus:2;mem:1024;disk:0", {}],
        ["framework", "framework", "role1"],
        ["expect", "framework", {"agent": "cpus:2;mem:1024"}],
        ["revive", "framework"],
        ["pending"],
        ["recover", "agent", "framework", "cpus:2;mem:1024", None],
        ["suppress", "framework"],
        ["advance", 1.0],
        ["pending"],
        ["revive", "framework"],
        ["expect", "framework", {"agent": "cpus:2;mem:1024"}],
    ]),
    _case("ReviveOffers", "revive clears decline filters", [
        ["agent", "agent", "cpus:2;mem:1024;disk:0", {}],
        ["framework", "framework", "role1"],
        ["expect", "framework", {"agent": "cpus:2;mem:1024"}],
        ["recover", "agent", "framework", "cpus:2;mem:1024", 1000.0],
        ["advance", 1.0],
        ["pending"],
        ["revive", "framework"],
        ["expect", "framework", {"agent": "cpus:2;mem:1024"}],
    ]),
    _case("OfferAncestorReservationsToDescendantChild", "a nested role is offered its ancestors' reservations", [
        ["framework", "framework", "a/b/c"],
        ["agent", "agent1", "cpus(a):1;mem(a):512;disk(a):0", {}],
        ["expect", "framework", {"agent1": "cpus(a):1;mem(a):512"}],
        ["agent", "agent2", "cpus:2;mem:1024;disk:0;cpus(a/b):4;mem(a/b):2048;disk(a/b):0", {}],
        ["expect", "framework", {"agent2": "cpus:2;mem:1024;cpus(a/b):4;mem(a/b):2048"}],
    ]),
    _case("QuotaWithNestedRoleAllocation", "a subrole is not bound by its parent's quota (tracked post factum in 1.11.0)", [
        ["framework", "framework1", "a/b"],
        ["agent", "agent1", "cpus:1;mem:1024", {}],
        ["expect", "framework1", {"agent1": "cpus:1;mem:1024"}],
        ["quota", "a", "cpus:1;mem:1024", "cpus:1;mem:1024"],
        ["framework", "framework2", "a"],
        ["agent", "agent2", "cpus:1;mem:1024", {}],
        ["expect", "framework1", {"agent2": "cpus:1;mem:1024"}],
    ]),
    _case("QuotaHeadroomWithNestedRoleAllocation", "only the headroom a quota role still needs is held back", [
        ["framework", "framework1", "a/b"],
        ["agent", "agent1", "cpus:1;mem:100", {}],
        ["expect", "framework1", {"agent1": "cpus:1;mem:100"}],
        ["framework", "framework2", "a"],
        ["agent", "agent2", "cpus:1;mem:100", {}],
        ["expect", "framework2", {"agent2": "cpus:1;mem:100"}],
        ["quota", "quota-role", "cpus:1;mem:100", "cpus:1;mem:100"],
        ["agent", "agent3", "cpus:1;mem:100", {}],
        ["pending"],
        ["agent", "agent4", "cpus:1;mem:100", {}],
        ["count", 1],
        ["pending"],
    ]),
    _case("ReservationUnallocated", "unallocated reservations count against the quota (static reservation)", [
        ["agent", "agent1", "cpus(quota-role):1;mem(quota-role):1024", {}],
        ["quota", "quota-role", "cpus:1;mem:1024", "cpus:1;mem:1024"],
        ["framework", "framework1", "quota-role"],
        ["expect", "framework1", {"agent1": "cpus(quota-role):1;mem(quota-role):1024"}],
        ["recover", "agent1", "framework1", "cpus(quota-role):1;mem(quota-role):1024", 86400.0],
        ["agent", "agent2", "cpus:1;mem:1024", {}],
        ["pending"],
    ]),
    _case("ReservationAllocated", "allocated reservations count against the quota (static reservation)", [
        ["agent", "agent1", "cpus(quota-role):1;mem(quota-role):1024", {}],
        ["quota", "quota-role", "cpus:2;mem:2048", "cpus:2;mem:2048"],
        ["framework", "framework1", "quota-role"],
        ["expect", "framework1", {"agent1": "cpus(quota-role):1;mem(quota-role):1024"}],
        ["agent", "agent2", "cpus:1;mem:1024", {}],
        ["expect", "framework1", {"agent2": "cpus:1;mem:1024"}],
        ["agent", "agent3", "cpus:1;mem:1024", {}],
        ["pending"],
    ]),
    _case("Reservations", "reserved resources go only to their role, unreserved ones to anyone", [
        ["agent", "slave1", "cpus(role1):2;mem(role1):1024;disk(role1):0", {}],
        ["agent", "slave2", "cpus(role2):2;mem(role2):1024;cpus:1;mem:1024;disk:0", {}],
        ["agent", "slave3", "cpus(role3):1;mem(role3):1024;disk(role3):0", {}],
        ["framework", "framework1", "role1"],
        ["expect", "framework1", {"slave1": "cpus(role1):2;mem(role1):1024", "slave2": "cpus:1;mem:1024"}],
        ["framework", "framework2", "role2"],
        ["expect", "framework2", {"slave2": "cpus(role2):2;mem(role2):1024"}],
    ]),
    _case("RemoveSlaveRecoverResources", "removing an agent gives its holder's share back", [
        ["agent", "slave1", "cpus:2;mem:200", {}],
        ["framework", "framework1", "role"],
        ["expect", "framework1", {"slave1": "cpus:2;mem:200"}],
        ["framework", "framework2", "role"],
        ["agent", "slave2", "cpus:1;mem:100", {}],
        ["expect", "framework2", {"slave2": "cpus:1;mem:100"}],
        ["remove_agent", "slave1"],
        ["agent", "slave3", "cpus:1;mem:100", {}],
        ["expect", "framework1", {"slave3": "cpus:1;mem:100"}],
    ]),
    _case("NonScalarReservationTrackingMESOS_9555", "agents with reserved ports can be added and removed", [
        ["agent", "agent1", "cpus:1;mem:1;disk:1;ports(role):[1-2]", {}],
        ["agent", "agent2", "cpus:1;mem:1;disk:1;ports(role):[1-2]", {}],
        ["remove_agent", "agent1"],
        ["remove_agent", "agent2"],
        ["pending"],
    ]),
    _case("QuotaAllocationGranularity", "a quota role is offered no more than its limit of an agent", [
        ["framework", "framework1", "quota-role"],
        ["quota", "quota-role", "cpus:0.5;mem:200", "cpus:0.5;mem:200"],
        ["agent", "agent", "cpus:1;mem:512;disk:0", {}],
        ["expect", "framework1", {"agent": "cpus:0.5;mem:200"}],
        ["framework", "framework2", "no-quota-role"],
        ["expect", "framework2", {"agent": "cpus:0.5;mem:312"}],
    ]),
    _case("MultiQuotaWithFrameworks", "each quota role is topped up to its own guarantee", [
        ["quota", "quota-role-1", "cpus:1;mem:200", "cpus:1;mem:200"],
        ["quota", "quota-role-2", "cpus:2;mem:2000", "cpus:2;mem:2000"],
        ["framework", "framework1", "quota-role-1"],
        ["framework", "framework2", "quota-role-2"],
        ["agent", "agent1", "cpus:1;mem:1024;disk:0", {"framework1": "cpus:1;mem:1024"}],
        ["agent", "agent2", "cpus:1;mem:1024;disk:0", {"framework2": "cpus:1;mem:1024"}],
        ["agent", "agent3", "cpus:2;mem:2048", {}],
        ["expect", "framework2", {"agent3": "cpus:1;mem:976"}],
    ]),
    _case("ReservationWithinQuota", "a reservation inside the guarantee leaves the rest to other roles", [
        ["quota", "quota-role", "cpus:2;mem:256", "cpus:2;mem:256"],
        ["framework", "framework1", "quota-role"],
        ["framework", "framework2", "non-quota-role"],
        ["agent", "agent1", "cpus:8;mem(quota-role):256", {"framework1": "cpus:2;mem(quota-role):256"}],
        ["expect", "framework2", {"agent1": "cpus:6"}],
        ["agent", "agent2", "cpus:4", {}],
        ["expect", "framework2", {"agent2": "cpus:4"}],
    ]),
    _case("DisproportionateQuotaVsAllocation", "the guarantee is topped up exactly, even from a second agent", [
        ["quota", "quota-role", "cpus:4;mem:1024", "cpus:4;mem:1024"],
        ["framework", "framework", "quota-role"],
        ["agent", "agent1", "cpus:2;mem:1024", {}],
        ["expect", "framework", {"agent1": "cpus:2;mem:1024"}],
        ["agent", "agent2", "cpus:2;mem:1024", {}],
        ["expect", "framework", {"agent2": "cpus:2"}],
    ]),
    _case("QuotaWithAncestorReservations", "a subrole using its parent's reservation leaves headroom rules intact", [
        ["quota", "quota-role", "cpus:1;mem:1024", "cpus:1;mem:1024"],
        ["agent", "agent1", "cpus(a):1;mem(a):1024", {}],
        ["framework", "framework1", "a/b"],
        ["expect", "framework1", {"agent1": "cpus(a):1;mem(a):1024"}],
        ["framework", "framework2", "no-quota-role"],
        ["pending"],
        ["agent", "agent2", "cpus:1;mem:1024", {}],
        ["agent", "agent3", "cpus:1;mem:1024", {}],
        ["expect_total", "framework2", "cpus:1;mem:1024"],
        ["pending"],
    ]),
    _case("QuotaWithNestedRoleReservation", "a subrole's reservation counts towards its parent's guarantee", [
        ["quota", "a", "cpus:2;mem:200", "cpus:2;mem:200"],
        ["agent", "agent1", "cpus(a/b):1;mem(a/b):100", {}],
        ["agent", "agent2", "cpus:10;mem:1000", {}],
        ["framework", "framework1", "a"],
        ["expect", "framework1", {"agent2": "cpus:1;mem:100"}],
    ]),
    _case("UpdateWeight", "offers follow the weights: 3:3, then 2:4 after a weight of 2, then 1:2:3", [
        *[["agent", f"agent{i}", "cpus:2;mem:1024", {}] for i in range(6)],
        ["framework", "framework1", "role1"],
        ["framework", "framework2", "role2"],
        ["take_all", {"framework1": "cpus:12;mem:6144"}, True],
        ["advance", 1.0],
        ["take_all", {"framework1": "cpus:6;mem:3072", "framework2": "cpus:6;mem:3072"}, True],
        ["weight", "role2", 2.0],
        ["advance", 1.0],
        ["take_all", {"framework1": "cpus:4;mem:2048", "framework2": "cpus:8;mem:4096"}, True],
        ["weight", "role3", 3.0],
        ["framework", "framework3", "role3"],
        ["take_all", {"framework1": "cpus:2;mem:1024", "framework2": "cpus:4;mem:2048",
                      "framework3": "cpus:6;mem:3072"}, False],
    ]),
    _case("NonQuotaRoleReservationWithQuotaRole", "another role's reservation is not offered to a quota role", [
        ["agent", "agent1", "cpus:2;mem:2048;cpus(non-quota-role):2;mem(non-quota-role):2048", {}],
        ["quota", "quota-role", "cpus:2;mem:2048", "cpus:2;mem:2048"],
        ["framework", "framework1", "quota-role"],
        ["expect", "framework1", {"agent1": "cpus:2;mem:2048"}],
        ["recover", "agent1", "framework1", "cpus:2;mem:2048", 86400.0],
        ["framework", "framework2", "non-quota-role"],
        ["expect", "framework2", {"agent1": "cpus(non-quota-role):2;mem(non-quota-role):2048"}],
    ]),
    _case("QuotaHeadroomWhenReservationsExceedQuota", "reservations above a guarantee do not free headroom for others", [
        ["quota", "quota-role-w-reservation", "cpus:1;mem:1024", "cpus:1;mem:1024"],
        ["quota", "quota-role-no-reservation", "cpus:1;mem:1024", "cpus:1;mem:1024"],
        ["agent", "agent1", "cpus(quota-role-w-reservation):2;mem(quota-role-w-reservation):2048", {}],
        ["agent", "agent2", "cpus:1;mem:1024", {}],
        ["framework", "framework", "non-quota-role"],
        ["pending"],
        ["agent", "agent3", "cpus:1;mem:1024", {}],
        ["expect", "framework", {"agent3": "cpus:1;mem:1024"}],
    ]),
]

_METRICS = "allocator metrics (/metrics/snapshot) are not modelled; the simulator exposes tables and logs instead"
_MULTI_ROLE = "a framework has exactly one role in the simulator (MULTI_ROLE frameworks are not modelled)"
_REVOCABLE = "revocable (oversubscribed) resources are not modelled"
_SHARED = "shared persistent volumes are not modelled"
_UPDATE = ("the allocator's updateAllocation/updateAvailable/updateSlave API (operations applied inside the allocator) "
           "is not modelled; operations are applied by the master on an accepted offer")
_MIN_ALLOC = "--min_allocatable_resources other than the default and per-framework minimums are not modelled"
_BENCH = "a benchmark, not a behaviour (bench/mesos_allocation.py times the simulator)"
_DISABLED = "disabled upstream in 1.11.0 (hierarchical quota is not implemented there)"
_MAINT = "maintenance schedules and inverse offers are not modelled by the allocator"
_PROVIDER = "resource providers are not modelled"
_RESERVED_QUOTA = ("reservations made through operations while allocated (quota accounting of RESERVE/UNRESERVE on an "
                   "allocation) go through updateAllocation, which is not modelled")


def _ne(test: str, reason: str) -> dict:
    name = test[:-2] if test.endswith(" (") else f"{_suite(test)}.{test}"
    return {"upstream_file": UPSTREAM_FILE, "upstream_test": name, "reason": reason}


NOT_EXPRESSIBLE = [
    _ne("DRFWithFairnessExclusion", "--fair_sharing_excluded_resource_names is not modelled"),
    _ne("AddAgentWithUnknownFrameworkAndMaintenance", _MAINT),
    _ne("MaintenanceInverseOffers", _MAINT),
    _ne("QuotaAccountingReserveAllocatedResources", _RESERVED_QUOTA),
    _ne("QuotaAccountingUnreserveAllocatedResources", _RESERVED_QUOTA),
    _ne("AddResourceProvider", _PROVIDER),
    _ne("AddResourceProviderOverallocated", _PROVIDER),
    _ne("Allocatable", _MIN_ALLOC),
    _ne("FrameworkMinAllocatable", _MIN_ALLOC),
    _ne("FrameworkEmptyMinAllocatable", _MIN_ALLOC),
    _ne("UpdateAllocation", _UPDATE),
    _ne("UpdateAllocationRemoveResources", _UPDATE),
    _ne("UpdateAllocationSharedPersistentVolume", _SHARED),
    _ne("SharedResourcesCapability", _SHARED),
    _ne("UpdateAvailableSuccess", _UPDATE),
    _ne("UpdateAvailableFail", _UPDATE),
    _ne("UpdateSlaveOversubscribedResources", _REVOCABLE),
    _ne("UpdateSlaveTotalResources", _UPDATE),
    _ne("UpdateSlaveCapabilities", "agent and framework capabilities (MULTI_ROLE, HIERARCHICAL_ROLE, ...) are not modelled"),
    _ne("OversubscribedNotAllocated", _REVOCABLE),
    _ne("RecoverOversubscribedResources", _REVOCABLE),
    _ne("Whitelist", "the agent whitelist (--whitelist) is not modelled"),
    _ne("NoDoubleAccounting", _METRICS),
    _ne("QuotaMetrics", _METRICS),
    _ne("ResourceMetrics", _METRICS),
    _ne("ResourceMetricsUninitialized", _METRICS),
    _ne("AllocationRunsMetric", _METRICS),
    _ne("AllocationRunTimerMetrics", _METRICS),
    _ne("AllocationRunLatencyMetrics", _METRICS),
    _ne("ActiveOfferFiltersMetrics", _METRICS),
    _ne("DominantShareMetrics", _METRICS),
    _ne("DominantShareMetricsWithFairnessExclusion", _METRICS),
    _ne("SuppressAndReviveOffersWithMultiRole", _MULTI_ROLE),
    _ne("DontOfferOldAgentToMultiRoleFramework", _MULTI_ROLE),
    _ne("RemoveFilters", "the operator's per-agent removeFilters call is not modelled"),
    _ne("DISABLED_NestedRoleQuota", _DISABLED),
    _ne("DISABLED_NestedRoleQuotaAllocateToParent", _DISABLED),
    _ne("DISABLED_NestedQuotaAccounting", _DISABLED),
    _ne("AllocateSharedResources", _SHARED),
    _ne("SharedAllocatedResourceQuotaAccounting", _SHARED),
    _ne("HierarchicalAllocations_BENCHMARK_Test.PersistentVolumes (", _BENCH),
    _ne("HierarchicalAllocator_BENCHMARK_Test.AddAndUpdateSlave (", _BENCH),
    _ne("HierarchicalAllocator_BENCHMARK_Test.DeclineOffers (", _BENCH),
    _ne("HierarchicalAllocator_BENCHMARK_Test.ResourceLabels (", _BENCH),
    _ne("HierarchicalAllocator_BENCHMARK_Test.SuppressOffers (", _BENCH),
    _ne("HierarchicalAllocator_BENCHMARK_Test.ExtremeSuppressOffers (", _BENCH),
    _ne("HierarchicalAllocator_BENCHMARK_Test.Metrics (", _BENCH),
    _ne("HierarchicalAllocator_BENCHMARK_Test.AllocatorBacklog (", _BENCH),
    _ne("HierarchicalAllocator__BENCHMARK_WithResourceParam.UpdateAllocation (", _BENCH),
    _ne("QuotaAllocationGranularityUnchoppableResource", "MOUNT disks (offered whole, never chopped) are not modelled"),
    _ne("QuotaAllocationMultipleDisk", "MOUNT disks (offered whole, never chopped) are not modelled"),
    _ne("QuotaSetAsideReservedResources", _UPDATE),
    _ne("FrameworkLoopMESOS_9554", "refined (multi-level) reservations and the RESERVATION_REFINEMENT capability are "
                                   "not modelled"),
]



def _entries(text: str) -> dict:
    return dict(parse_resources(text).entries)


def _q(text: str) -> dict[str, float] | None:
    return parse_quantities(text, "quota") if text else {}


class _Replay:
    def __init__(self) -> None:
        self.alloc = HierarchicalAllocator(random.Random(0), allocation_interval=INTERVAL)
        self.now = 0.0
        self.next_batch = INTERVAL
        self.queue: list[tuple[str, dict]] = []

    def allocate(self, agents: list[str] | None = None) -> None:
        per_fw: dict[str, dict] = {}
        for fid, agent, entries in self.alloc.allocate(self.now, agents):
            per_fw.setdefault(fid, {})[agent] = entries
        self.queue.extend(per_fw.items())

    def advance(self, seconds: float) -> None:
        end = self.now + seconds
        while self.next_batch <= end + 1e-9:
            self.now = self.next_batch
            self.allocate()
            self.next_batch += self.alloc.allocation_interval
        self.now = end

    def pop(self, fid: str, where: str) -> dict:
        for i, (f, got) in enumerate(self.queue):
            if f == fid:
                del self.queue[i]
                return got
        raise AssertionError(f"{where}: no allocation for {fid}; waiting: {self.queue}")


def run(case: dict) -> None:
    """Replay the upstream events; raise ``AssertionError`` at the first expectation that differs."""
    r = _Replay()
    a = r.alloc
    for i, (op, *args) in enumerate(case["steps"]):
        where = f"step {i} {[op, *args]}"
        if op == "interval":
            a.allocation_interval = r.next_batch = args[0]
        elif op == "agent":
            name, res, used = args
            used_entries = {fid: _entries(u) for fid, u in used.items()}
            idle = _entries(res)
            for entries in used_entries.values():
                for k, v in entries.items():
                    idle[k] = round(idle[k] - v, 3)
            a.add_agent(name, {k: v for k, v in idle.items() if v}, used_entries)
            r.allocate([name])
        elif op == "remove_agent":
            a.remove_agent(args[0])
        elif op == "weight":
            a.set_weight(args[0], args[1])
        elif op == "framework":
            a.add_framework(args[0], args[1])
            r.allocate()
        elif op == "quota":
            a.set_quota(args[0], _q(args[1]), _q(args[2]))
        elif op == "recover":
            agent, fid, res, refuse = args
            a.recover(agent, fid, _entries(res), now=r.now, refuse_seconds=refuse or 0.0)
        elif op == "advance":
            r.advance(args[0])
        elif op == "suppress":
            a.suppress(args[0])
        elif op == "revive":
            a.revive(args[0])
            r.allocate()
        elif op == "deactivate":
            a.set_active(args[0], False)
        elif op == "activate":
            a.set_active(args[0], True)
            r.allocate()
        elif op == "expect":
            got = r.pop(args[0], where)
            want = {agent: _entries(res) for agent, res in args[1].items()}
            assert got == want, f"{where}: got {got}"
        elif op == "expect_total":
            got = r.pop(args[0], where)
            total: dict = {}
            for entries in got.values():
                for k, v in entries.items():
                    total[k] = total.get(k, 0.0) + v
            assert total == _entries(args[1]), f"{where}: got {got}"
        elif op == "expect_one_agent_each":
            agents = set()
            for fid in args[0]:
                got = r.pop(fid, where)
                assert len(got) == 1 and list(got.values())[0] == _entries(args[1]), f"{where}: got {got}"
                agents |= set(got)
            assert len(agents) == len(args[0]), f"{where}: the same agent twice"
        elif op == "take_turns":
            agent, res, n, counts = args
            seen: dict[str, int] = {}
            for _ in range(n):
                assert r.queue, f"{where}: no allocation waiting"
                fid, got = r.queue.pop(0)
                assert got == {agent: _entries(res)}, f"{where}: got {got}"
                seen[fid] = seen.get(fid, 0) + 1
                a.recover(agent, fid, got[agent], now=r.now)
                r.advance(a.allocation_interval)
            assert seen == counts, f"{where}: got {seen}"
        elif op == "take_all":
            want, recover = args
            got_all = dict(r.queue)
            assert len(got_all) == len(r.queue) and set(got_all) == set(want), f"{where}: got {r.queue}"
            r.queue.clear()
            for fid, per_agent in sorted(got_all.items()):
                total: dict = {}
                for entries in per_agent.values():
                    for k, v in entries.items():
                        total[k] = round(total.get(k, 0.0) + v, 3)
                assert total == _entries(want[fid]), f"{where}: {fid} got {total}"
                if recover:
                    for agent, entries in sorted(per_agent.items()):
                        a.recover(agent, fid, entries, now=r.now)
        elif op == "count":
            assert len(r.queue) == args[0], f"{where}: got {r.queue}"
            r.queue.clear()
        elif op == "pending":
            assert not r.queue, f"{where}: got {r.queue}"
        else:
            raise AssertionError(f"{where}: unknown step")
