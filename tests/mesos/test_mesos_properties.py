"""Hypothesis properties of the simulated Mesos cluster, checked after every simulated event.

* a resource is never in two outstanding offers, and on every agent the master tracks
  offered + used + idle = total;
* every launched task ends in a state its framework was told about;
* the same seed and inputs give the same trace (offers log and status updates).

Driver calls (suppress, revive, reconcile) come at any moment, also while the framework is not
registered with a leader (they must be dropped, not crash). ``MESOS_MAX_EXAMPLES`` sets the number
of examples (default 25), e.g. ``MESOS_MAX_EXAMPLES=2000`` to hunt for rare bugs.
"""
import os
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from labsupport import mesos
from labsupport.mesos.resources import _ranges_norm


class Chaotic(mesos.Scheduler):
    """Accepts, declines, holds and kills at random (its own seeded RNG), never misusing an offer."""

    def __init__(self, seed, name):
        self.rng = random.Random(seed)
        self.name = name
        self.n = 0
        self.live = []
        self.driver = None

    def registered(self, driver, framework_id):
        self.driver = driver

    def resource_offers(self, driver, offers):
        for o in offers:
            choice = self.rng.random()
            if choice < 0.6:
                cpus, mem = o.resources.get("cpus", 0), o.resources.get("mem", 0)
                tasks = []
                while cpus >= 0.5 and mem >= 32 and len(tasks) < 3 and self.rng.random() < 0.8:
                    self.n += 1
                    dur = self.rng.choice([None, 1, 5, 20])
                    tasks.append(mesos.Task(f"{self.name}-{self.n}", {"cpus": 0.5, "mem": 32}, duration=dur,
                                            exit_code=self.rng.choice([0, 0, 1]),
                                            container=self.rng.choice([None, "img:1"])))
                    cpus -= 0.5
                    mem -= 32
                    self.live.append(tasks[-1].task_id)
                driver.accept([o.id], tasks, filters={"refuse_seconds": self.rng.choice([0, 1, 5])})
            elif choice < 0.85:
                driver.decline([o.id], filters={"refuse_seconds": self.rng.choice([0, 2, 5])})
            # else: hold the offer
        if self.live and self.rng.random() < 0.2:
            driver.kill(self.live.pop(self.rng.randrange(len(self.live))))


MAX = int(os.environ.get("MESOS_MAX_EXAMPLES", "25"))

ACTIONS = st.lists(st.tuples(
    st.sampled_from(["run", "fail_agent", "restore_agent", "reboot_agent", "fail_master",
                     "disconnect", "reconnect", "revive", "suppress", "reconcile"]),
    st.integers(0, 3),
    st.floats(0.5, 40),
), min_size=1, max_size=10)


def _eq(a, b):
    keys = set(a.entries) | set(b.entries)
    for k in keys:
        x, y = a.entries.get(k, 0.0), b.entries.get(k, 0.0)
        if isinstance(x, tuple) or isinstance(y, tuple):
            if _ranges_norm(x or ()) != _ranges_norm(y or ()):
                return False
        elif abs(x - y) > 1e-6:
            return False
    return True


def check_accounting(c):
    if c.leader is None:
        assert not c.master.offers
        return
    for name in c.agents:
        if name not in c.master.allocator.agents:
            assert not any(o.agent == name for o in c.master.offers.values())
            continue
        acc = c.agent_accounting(name)
        assert acc["offered"] <= acc["total"], f"{name}: offers overlap: {acc['offered']} > {acc['total']}"
        total = acc["offered"] + acc["used"] + acc["idle"]
        assert _eq(total, acc["total"]), f"{name}: offered+used+idle {total} != total {acc['total']}"


def scenario(seed, actions, check=True):
    c = mesos.Cluster(seed=seed, masters=2)
    for i in range(4):
        c.add_agent(f"a{i}", "cpus:2;mem:256;disk:100", attributes=f"rack:r{i % 2}")
    scheds = [Chaotic(seed * 10 + i, f"f{i}") for i in range(3)]
    fids = [c.register(s, name=f"f{i}", role=["*", "web", "web"][i], partition_aware=bool(i % 2),
                       failover_timeout=[0, 30, 1e9][i]) for i, s in enumerate(scheds)]

    def run(seconds):
        end = c.now + seconds
        while c.sim.peek() <= end:
            c.sim.step()
            if check:
                check_accounting(c)
        c.sim.run_until(end)

    for kind, i, dt in actions:
        agent = f"a{i}"
        fid = fids[i % 3]
        fw = c.master.frameworks[fid]
        if kind == "run":
            run(dt)
        elif kind == "fail_agent":
            c.fail_agent(agent)
        elif kind in ("restore_agent", "reboot_agent"):
            c.restore_agent(agent, rebooted=kind == "reboot_agent")
        elif kind == "fail_master" and c.leader is not None:
            c.fail_master()
        elif kind == "disconnect" and not fw.removed:
            c.disconnect_framework(fid)
        elif kind == "reconnect" and not fw.removed:
            c.reconnect_framework(fid)
        elif kind in ("revive", "suppress", "reconcile") and not fw.removed:
            getattr(c.driver(fid), kind)()      # dropped while not registered with a leader
        run(1)
    # quiesce: everything comes back, then long enough for every timer to fire
    for name in sorted(c.agents):
        c.restore_agent(name)
    for fid in fids:
        if not c.master.frameworks[fid].removed:
            c.reconnect_framework(fid)
    run(700)
    return c


@settings(max_examples=MAX, deadline=None)
@given(seed=st.integers(0, 10_000), actions=ACTIONS)
def test_offers_never_overlap_and_agents_add_up(seed, actions):
    c = scenario(seed, actions)
    assert c.leader is not None
    assert sorted(c.master.allocator.agents) == sorted(c.agents)   # every agent re-admitted in the end


@settings(max_examples=MAX, deadline=None)
@given(seed=st.integers(0, 10_000), actions=ACTIONS)
def test_every_task_ends_in_a_state_its_framework_was_told(seed, actions):
    c = scenario(seed, actions, check=False)
    for task in c.tasks():
        fw = c.master.frameworks[task.framework]
        if fw.removed:
            continue
        assert fw.told.get(task.task_id) == task.state, (task.task_id, task.state, fw.told.get(task.task_id))


@settings(max_examples=max(10, MAX // 3), deadline=None)
@given(seed=st.integers(0, 10_000), actions=ACTIONS)
def test_same_seed_same_trace(seed, actions):
    a = scenario(seed, actions, check=False)
    b = scenario(seed, actions, check=False)
    assert a.offers_log().rows == b.offers_log().rows
    assert a.master.updates_log == b.master.updates_log
    assert a.events().rows == b.events().rows
