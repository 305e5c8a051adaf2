"""Fuzzing the Mesos simulator: resource and attribute strings, Task definitions, Marathon apps, driver calls.

Properties (issue 10): every bad input ends in ResourceError / OfferError / SchedulerError / LabError (never
another exception), the run goes on (strict mode: a component failure raises), and afterwards the invariants
hold: no agent hands out more than it has, and a fresh framework still gets offers and runs a task.
"""
from __future__ import annotations

from fuzz_settings import COUNTS, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from labsupport import mesos
from labsupport.core import LabError
from labsupport.mesos.frameworks.marathon import Marathon
from labsupport.mesos.resources import parse_attributes, parse_resources

_PIECES = ["cpus", "mem", "disk", "gpus", "ports", "foo", "cpus(web)", "cpus(*)", "cpus()", "cpus(a/b)", "cpus(-x)",
           "mem(...)", "disk(db)[v1]", "disk[v]", "cpus(web", ":", ";", "[", "]", "{", "}", "-", ",", "1", "0",
           "0.00001", "1e9", "nan", "inf", "-1", "[1-2]", "[2-1]", "[1-2,[3-4]]", "{a,b}", " ", "\n", "\t", "é", "1_0"]
JUNK = [None, -1, 0, 0.5, 1e308, float("nan"), float("inf"), "", "x", [], {}, [None], {"cpus": "x"}, True, 2**70,
        ["o1"], "cpus:1", ("a",)]
text = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join) | st.text(max_size=12)
junk = st.sampled_from(JUNK) | text


def _cluster():
    # --offer_timeout: a junk framework that raised holds its offers; real masters use this flag against hoarding
    c = mesos.Cluster(seed=0, masters=1, offer_timeout=10)
    c.add_agent("a1", "cpus:2;mem:2048;disk:1000;ports:[31000-31010]")
    c.add_agent("a2", "cpus:2;mem:2048;cpus(web):1")
    return c


class Junky(mesos.Scheduler):
    """A framework whose driver calls take fuzzed arguments (and sometimes good ones)."""

    def __init__(self, calls):
        self.calls = list(calls)

    def resource_offers(self, driver, offers):
        if not self.calls:
            driver.decline([o.id for o in offers])
            return
        call, args = self.calls.pop(0)
        args = [[o.id for o in offers] if a == "OFFERS" else a for a in args]
        args = [[mesos.Task("t", "cpus:0.1;mem:16", command="sleep 1", duration=1)] if a == "TASKS" else a for a in args]
        try:
            getattr(driver, call)(*args)
        except LabError:
            pass                       # refused with a labsupport error: fine (checked below for the held calls)


def _step(c, kind, value, counts):
    if kind == "resources":
        parse_resources(value)
    elif kind == "attributes":
        parse_attributes(value)
    elif kind == "agent":
        c.add_agent(f"f{counts['inputs']}", value[0], attributes=value[1])
    elif kind == "task":
        mesos.Task(*value[0], **value[1])
    elif kind == "marathon":
        c._fuzz_marathon.add_app(value)
    elif kind == "driver":
        c.register(Junky(value), name=f"junk{counts['inputs']}")
    elif kind == "admin" and value[0] == "register_role":
        c.register(mesos.Scheduler(), name="roled", role=value[1][0], weight=value[1][1])
    elif kind == "admin":
        getattr(c, value[0])(*value[1])


inputs = st.one_of(
    st.tuples(st.just("resources"), text | junk),
    st.tuples(st.just("attributes"), text | junk),
    st.tuples(st.just("agent"), st.tuples(text | junk, st.none() | text | junk)),
    st.tuples(st.just("task"), st.tuples(st.lists(junk | st.just("cpus:0.1;mem:8"), min_size=2, max_size=2),
                                         st.dictionaries(st.sampled_from(["command", "duration", "container",
                                                                          "task_id", "exit_code"]), junk, max_size=2))),
    st.tuples(st.just("marathon"), st.fixed_dictionaries(
        {"id": st.sampled_from(["/web", "web", "/a/b", "/Web", "", "/x//y"]) | junk},
        optional={"cmd": junk | st.just("sleep 100"), "cpus": junk | st.just(0.1), "mem": junk | st.just(32),
                  "instances": junk | st.integers(0, 3), "constraints": junk | st.just([["hostname", "UNIQUE"]]),
                  "portDefinitions": junk, "container": junk, "healthChecks": junk, "extra": junk})),
    st.tuples(st.just("driver"), st.lists(st.tuples(
        st.sampled_from(["accept", "decline", "kill", "revive", "suppress", "reconcile", "launch"]),
        st.lists(st.sampled_from(["OFFERS", "TASKS"]) | junk, max_size=3)), max_size=4)),
    st.tuples(st.just("admin"), st.one_of(
        st.tuples(st.sampled_from(["set_weight", "set_quota", "register_role"]), st.tuples(junk | st.just("web"), junk)),
        st.tuples(st.sampled_from(["run", "fail_agent", "restore_agent", "driver", "disconnect_framework",
                                   "reconnect_framework", "get"]), st.tuples(junk | st.sampled_from(["a1", "a2"]))))),
)

ALLOWED = (mesos.ResourceError, mesos.OfferError, mesos.SchedulerError, LabError)


def _invariants(c):
    for name, agent in sorted(c.agents.items()):
        used = None
        for t in agent.tasks.values():
            if not t.agent_state.is_terminal:
                used = t.resources if used is None else used + t.resources
        if used is not None:
            assert used.scalars().keys() <= agent.total.scalars().keys() or not used.scalars()
            for k, v in used.scalars().items():
                assert v <= agent.total.scalars().get(k, 0) + 1e-9, f"{name}: {k} {v} > {agent.total}"


class Probe(mesos.Scheduler):
    """Launches one small task on the first offer big enough for it, then suppresses."""

    def resource_offers(self, driver, offers):
        need = parse_resources("cpus:0.1;mem:16")
        fits = [o for o in offers if o.resources.scalars().get("cpus", 0) >= 0.1 and o.resources.scalars().get("mem", 0) >= 16]
        if fits:
            driver.accept([fits[0].id], [mesos.Task("probe", need, command="sleep 5", duration=5)])
            driver.suppress()
        rest = [o.id for o in offers if not fits or o.id != fits[0].id]
        if rest:
            driver.decline(rest)


@fuzz_settings("mesos")
@given(steps=st.lists(inputs, min_size=3, max_size=8))
def test_hostile_mesos_inputs_never_break_the_cluster(steps):
    counts = COUNTS["mesos"]
    c = _cluster()
    c._fuzz_marathon = Marathon(c.sim)
    c.register(c._fuzz_marathon, name="marathon")
    c.run(2)
    for kind, value in steps:
        counts["inputs"] += 1
        try:
            _step(c, kind, value, counts)
            counts["accepted"] += 1
        except ALLOWED:
            counts["rejected"] += 1
        try:
            c.run(3)
        except (mesos.SchedulerError, mesos.OfferError, LabError):
            counts["refused in run"] += 1       # a junk driver call, refused with its message: the learner sees it
        _invariants(c)
    # a fresh agent reserved to a fresh role: the check does not depend on how junk frameworks share the rest
    c.add_agent("fresh", "cpus(fuzz-probe):1;mem(fuzz-probe):256")
    c.register(Probe(), name="probe", role="fuzz-probe")
    for _ in range(12):
        try:
            c.run(5)
            break
        except (mesos.SchedulerError, mesos.OfferError, LabError):
            continue
    assert any(t.name == "probe" for t in c.tasks())
