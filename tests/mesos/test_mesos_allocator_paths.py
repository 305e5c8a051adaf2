"""The allocator's shortcuts give exactly what the readable path gives.

Two shortcuts are not in the C++ allocator: skipping *settled* agents (whose last visit offered
nothing and nothing changed since) and the hand-inlined Fisher-Yates ``_shuffle``. This replays
seeded random scenarios (offers kept, declined with filters of various lengths, tasks ending,
suppress/revive, nested roles, weights, sometimes quota) twice: once as shipped, once visiting
every agent and shuffling with ``random.Random.shuffle``, and requires identical rounds.
"""
import random

import pytest

from labsupport.mesos import allocator as allocator_module
from labsupport.mesos.allocator import HierarchicalAllocator

ROLES = ["*", "web", "eng/api", "eng/db", "batch"]


def scenario(seed: int, readable: bool, quota: bool) -> list:
    rng = random.Random(seed)
    a = HierarchicalAllocator(random.Random(seed), allocation_interval=1.0)
    for i in range(12):
        res = {("cpus", "*", ""): float(rng.choice([1, 2, 4])), ("mem", "*", ""): float(rng.choice([256, 1024]))}
        if i % 4 == 0:
            res[("cpus", "web", "")] = 1.0
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
        if readable:
            a._unsettled.update(a.agents)          # visit every agent, as upstream does
        got = a.allocate(now)
        rounds.append(sorted((f, g, tuple(sorted(e.items()))) for f, g, e in got))
        held.extend(got)
        rng.shuffle(held)
        for _ in range(min(len(held), rng.randint(0, 3))):
            fid, agent, entries = held.pop()
            a.recover(agent, fid, entries, now=now, refuse_seconds=rng.choice([0.0, 0.5, 1.0, 2.0, 5.0]))
        if rng.random() < 0.1:
            fid = f"fw{rng.randrange(6)}"
            (a.suppress if rng.random() < 0.5 else a.revive)(fid)
    return rounds


@pytest.mark.parametrize("seed", range(6), ids=lambda s: f"seed {s}")
@pytest.mark.parametrize("quota", [False, True], ids=["without quota", "with quota"])
def test_settled_agents_and_inlined_shuffle_change_no_decision(seed, quota, monkeypatch):
    fast = scenario(seed, readable=False, quota=quota)
    monkeypatch.setattr(allocator_module, "_shuffle", lambda rng, items: rng.shuffle(items))
    slow = scenario(seed, readable=True, quota=quota)
    assert fast == slow
    assert sum(map(len, fast)) > 12                    # the scenario really makes offers round after round
