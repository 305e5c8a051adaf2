"""Every Mesos fast path gives what the reference path gives (issue 20, part 3).

The allocator's fast paths (:mod:`labsupport.mesos.allocator_fast`, switched by
:mod:`labsupport.core.fast`) must not change a single decision. Hypothesis draws small random
clusters (agents with and without reservations, frameworks in flat and nested roles, weights,
quota, DRF or random sorters) and random histories (frameworks that accept with tasks that run
and finish, decline with filters of various lengths, hold offers, kill tasks; suppress and
revive; agents failing and coming back; weights and quota changing). Each history is run with
every fast path on and again with one of them (or all) off; the offers log, the status updates
and the events must be identical.

The profile is derandomized (a fixed seed), so a run is reproducible; ``MESOS_FAST_EXAMPLES``
sets the number of examples (default 12), e.g. ``MESOS_FAST_EXAMPLES=500`` to hunt.
"""
from __future__ import annotations

import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labsupport import mesos
from labsupport.core import fast
from labsupport.mesos.allocator import HierarchicalAllocator

EXAMPLES = int(os.environ.get("MESOS_FAST_EXAMPLES", "12"))
FIXED = settings(derandomize=True, max_examples=EXAMPLES, deadline=None, database=None)
MESOS_PATHS = sorted(name for name in fast.PATHS if name.startswith("mesos."))
ROLES = ["*", "web", "eng/api", "eng/db", "batch"]
SWITCHED_OFF = [(name,) for name in MESOS_PATHS] + [()]


def _ids(names: tuple[str, ...]) -> str:
    return f"{names[0]} off gives the same trace" if names else "every fast path off gives the same trace"


class Chaotic(mesos.Scheduler):
    """Accepts (launching tasks that finish or fail), declines with filters, holds, kills; its own seeded RNG."""

    def __init__(self, seed: int, name: str) -> None:
        self.rng, self.name, self.n, self.live = random.Random(seed), name, 0, []

    def resource_offers(self, driver, offers):
        for o in offers:
            choice = self.rng.random()
            if choice < 0.5:
                free = {k[0]: v for k, v in o.resources.entries.items() if k[1] == "*"}   # tasks use unreserved only
                cpus, mem, tasks = free.get("cpus", 0), free.get("mem", 0), []
                while cpus >= 0.5 and mem >= 64 and len(tasks) < 3 and self.rng.random() < 0.8:
                    self.n += 1
                    tasks.append(mesos.Task(f"{self.name}-{self.n}", {"cpus": 0.5, "mem": 64},
                                            duration=self.rng.choice([None, 1, 3, 7]), exit_code=self.rng.choice([0, 0, 1])))
                    cpus, mem = cpus - 0.5, mem - 64
                    self.live.append(tasks[-1].task_id)
                driver.accept([o.id], tasks, filters={"refuse_seconds": self.rng.choice([0, 1, 5])})
            elif choice < 0.85:
                driver.decline([o.id], filters={"refuse_seconds": self.rng.choice([0, 0.5, 1, 2, 5, 30])})
            # else: hold the offer
        if self.live and self.rng.random() < 0.2:
            driver.kill(self.live.pop(self.rng.randrange(len(self.live))))


CLUSTERS = st.fixed_dictionaries({
    "seed": st.integers(0, 10_000),
    "agents": st.lists(st.sampled_from(["cpus:2;mem:512", "cpus:4;mem:1024;ports:[31000-31009]",
                                        "cpus:1;mem:256;cpus(web):1;mem(web):256", "cpus:2;mem:512;cpus(eng):1"]),
                       min_size=1, max_size=6),
    "roles": st.lists(st.sampled_from(ROLES), min_size=1, max_size=5),
    "sorter": st.sampled_from(["drf", "drf", "random"]),
    "weights": st.dictionaries(st.sampled_from(["web", "eng", "batch"]), st.sampled_from([0.5, 2.0, 3.0]), max_size=2),
    "quota": st.sampled_from([None, ("web", "cpus:1", None), ("batch", None, "cpus:2"), ("eng", "cpus:1;mem:128", "cpus:3")]),
})
HISTORY = st.lists(st.tuples(
    st.sampled_from(["run", "run", "run", "fail_agent", "restore_agent", "suppress", "revive", "weight", "quota_off"]),
    st.integers(0, 5), st.floats(0.2, 12)), min_size=1, max_size=12)


def trace(cluster: dict, history: list) -> tuple:
    """Run one history; the offers log, status updates and events as plain text rows."""
    c = mesos.Cluster(seed=cluster["seed"], role_sorter=cluster["sorter"], framework_sorter=cluster["sorter"])
    for i, res in enumerate(cluster["agents"]):
        c.add_agent(f"a{i}", res)
    for role, w in sorted(cluster["weights"].items()):
        c.set_weight(role, w)
    if cluster["quota"]:
        role, guarantee, limit = cluster["quota"]
        c.set_quota(role, guarantee, limit, force=True)
    fids = [c.register(Chaotic(cluster["seed"] * 10 + i, f"f{i}"), name=f"f{i}", role=role)
            for i, role in enumerate(cluster["roles"])]
    for kind, i, dt in history:
        agent, fid = f"a{i % len(cluster['agents'])}", fids[i % len(fids)]
        if kind == "run":
            c.run(dt)
        elif kind == "fail_agent":
            c.fail_agent(agent)
        elif kind == "restore_agent":
            c.restore_agent(agent, rebooted=i % 2 == 0)
        elif kind in ("suppress", "revive"):
            getattr(c.driver(fid), kind)()
        elif kind == "weight":
            c.set_weight(["web", "eng", "batch"][i % 3], 1.0 + i)
        elif kind == "quota_off" and cluster["quota"]:
            c.set_quota(cluster["quota"][0], None, None)
        c.run(1)
    c.run(40)
    return tuple(tuple(tuple(str(v) for v in row.values()) for row in table)
                 for table in (c.offers_log(), c.status_updates(), c.events()))


@pytest.mark.parametrize("names", SWITCHED_OFF, ids=_ids)
@FIXED
@given(cluster=CLUSTERS, history=HISTORY)
def test_a_mesos_fast_path_switched_off_changes_no_offer_status_update_or_event(names, cluster, history):
    with fast.on():
        fast_trace = trace(cluster, history)
    with fast.on(), fast.off(*names):
        reference = trace(cluster, history)
    assert fast_trace == reference


def allocator_rounds(seed: int, quota: bool) -> list:
    """The allocator alone, 40 rounds: offers kept, declined with filters of various lengths, suppress/revive."""
    rng = random.Random(seed)
    a = HierarchicalAllocator(random.Random(seed), allocation_interval=1.0)
    for i in range(12):
        res = {("cpus", "*", ""): float(rng.choice([1, 2, 4])), ("mem", "*", ""): float(rng.choice([256, 1024]))}
        if i % 4 == 0:
            res[("cpus", "web", "")] = 1.0
        if i % 5 == 0:
            res[("ports", "*", "")] = ((31000, 31000 + i),)
        a.add_agent(f"agent{i:02d}", res)
    for i in range(6):
        a.add_framework(f"fw{i}", ROLES[i % len(ROLES)])
    a.set_weight("eng", 2.0)
    if quota:
        a.set_quota("web", {"cpus": 3.0}, {"cpus": 6.0})
    held: list = []
    rounds = []
    for t in range(40):
        now = float(t)
        got = a.allocate(now)
        rounds.append([(f, g, tuple(sorted(e.items()))) for f, g, e in got])
        held.extend(got)
        rng.shuffle(held)
        for _ in range(min(len(held), rng.randint(0, 3))):
            fid, agent, entries = held.pop()
            a.recover(agent, fid, entries, now=now, refuse_seconds=rng.choice([0.0, 0.5, 1.0, 2.0, 5.0]))
        if rng.random() < 0.1:
            fid = f"fw{rng.randrange(6)}"
            (a.suppress if rng.random() < 0.5 else a.revive)(fid)
    return rounds


@pytest.mark.parametrize("names", SWITCHED_OFF, ids=_ids)
@pytest.mark.parametrize("quota", [False, True], ids=["without quota", "with quota"])
@FIXED
@given(seed=st.integers(0, 10_000))
def test_the_allocator_alone_makes_the_same_rounds_with_a_fast_path_off(names, quota, seed):
    with fast.on():
        fast_rounds = allocator_rounds(seed, quota)
    with fast.on(), fast.off(*names):
        reference = allocator_rounds(seed, quota)
    assert fast_rounds == reference
    assert sum(map(len, fast_rounds)) > 12                 # the scenario really makes offers round after round


def test_the_switch_names_every_mesos_fast_path_this_file_tests():
    assert MESOS_PATHS == ["mesos.agent_visit", "mesos.settled_agents", "mesos.shuffle"]


def test_the_histories_really_exercise_the_cluster():
    """A fixed history makes offers, launches and finishes tasks, and records events (the test above is not vacuous)."""
    cluster = {"seed": 3, "agents": ["cpus:2;mem:512", "cpus:1;mem:256;cpus(web):1;mem(web):256"],
               "roles": ["*", "web", "eng/api"], "sorter": "drf", "weights": {"web": 2.0}, "quota": ("web", "cpus:1", None)}
    offers, updates, events = trace(cluster, [("run", 0, 5.0), ("fail_agent", 0, 1.0), ("run", 0, 3.0),
                                              ("restore_agent", 1, 1.0), ("suppress", 1, 1.0), ("revive", 1, 1.0)])
    assert len(offers) > 10 and len(events) > 3
    states = {row[3] for row in updates}
    assert "TASK_RUNNING" in states and states & {"TASK_FINISHED", "TASK_FAILED"}
