"""Plots identify frameworks, agents and masters by id and event reason, never by display name or message text.

Each case reproduces a silent failure found in review (issue 20): the figure used to lose an arrow,
merge two lines or refuse the cluster, without any error.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from labsupport import k8s, mesos, plots  # noqa: E402
from labsupport.core import EventRecord  # noqa: E402
from labsupport.mesos import events as ev  # noqa: E402
from labsupport.plots import adapt, mesos_data  # noqa: E402


class _OnePerOffer(mesos.Scheduler):
    def __init__(self, cpus: float, mem: float) -> None:
        self.cpus, self.mem, self.n = cpus, mem, 0

    def resource_offers(self, driver, offers):
        for o in offers:
            have = o.resources.scalars()
            if have.get("cpus", 0) >= self.cpus and have.get("mem", 0) >= self.mem:
                self.n += 1
                driver.accept([o.id], [mesos.Task(f"t{self.n}", {"cpus": self.cpus, "mem": self.mem})])
            else:
                driver.decline([o.id], filters=0)


def _flows(c) -> dict:
    return {(f.src, f.dst, f.label): f.count for f in mesos_data.architecture(c).flows}


def _cluster(agent: str = "agent-1", framework: str = "web", masters: int = 1):
    c = mesos.Cluster(seed=0, masters=masters)
    c.add_agent(agent, resources="cpus:4;mem:4096")
    c.register(_OnePerOffer(1, 512), name=framework)
    c.run(3)
    return c


@pytest.mark.parametrize("framework", ["bob's web", 'say "hi"', "web 2"],
                         ids=lambda n: f"a framework named {n} keeps its register arrow")
def test_framework_names_with_quotes_or_spaces_keep_their_register_arrow(framework):
    c = _cluster(framework=framework)
    assert _flows(c)[(framework, "master-1", "register")] == 1


@pytest.mark.parametrize("agent", ["agent 1", "rack-a agent"], ids=lambda n: f"an agent named {n} keeps its arrow and marks")
def test_agent_names_with_spaces_keep_their_arrow_and_timeline_marks(agent):
    c = _cluster(agent=agent)
    flows = _flows(c)
    assert flows[(agent, "master-1", "register (resources)")] == 1
    assert flows[("master-1", agent, "launch")] >= 1
    c.fail_agent(agent)
    c.run(5)
    c.restore_agent(agent)
    kinds = [m.kind for m in mesos_data.timeline(c).marks if m.lane == agent]
    assert kinds == ["failure", "recovery"]


def test_an_agent_named_zookeeper_does_not_collide_with_the_zookeeper_box():
    c = _cluster(agent="zookeeper", masters=2)
    arch = mesos_data.architecture(c)
    kinds = {comp.name: comp.kind for comp in arch.components}
    assert kinds["zookeeper"] == "coordination" and kinds["zookeeper (agent)"] == "agent"
    assert len(kinds) == len(arch.components), "every box has its own name"
    flows = _flows(c)
    assert flows[("zookeeper (agent)", "master-1", "register (resources)")] == 1
    assert flows[("zookeeper", "master-1", "elected")] == 1
    assert not any(src == "zookeeper" and label != "elected" for src, _, label in flows)
    plots.architecture(c)   # draws


def _same_name_two_roles():
    c = mesos.Cluster(seed=0)
    c.add_agent("agent-1", resources="cpus:9;mem:18432")
    a = c.register(_OnePerOffer(1, 4096), name="web", role="a")
    b = c.register(_OnePerOffer(3, 1024), name="web", role="b")
    c.run(12)
    return c, a, b


def test_two_frameworks_with_one_name_in_two_roles_stay_apart_in_the_drf_plot():
    c, a, b = _same_name_two_roles()
    by_role = mesos_data.shares(c)[-1].shares
    assert by_role["a"] == pytest.approx(12 / 18) and by_role["b"] == pytest.approx(6 / 9)
    by_framework = mesos_data.shares(c, by="framework")[-1].shares
    assert by_framework == {f"web ({a})": pytest.approx(12 / 18), f"web ({b})": pytest.approx(6 / 9)}
    groups = {o.framework for o in mesos_data.offers(c)}
    assert groups == {f"web ({a})", f"web ({b})"}
    plots.drf_shares(c, by="framework")


class _MyMesos(mesos.Cluster):
    """A learner's own cluster class (e.g. with a helper method)."""


class _MyK8s(k8s.Cluster):
    pass


def _my_mesos():
    c = _MyMesos(seed=0)
    c.add_agent("agent-1", resources="cpus:4;mem:4096")
    c.register(_OnePerOffer(1, 512), name="web")
    c.run(3)
    return c


def _my_k8s():
    c = _MyK8s(seed=0)
    c.add_node("node-1", cpu="2", memory="4Gi")
    return c


@pytest.mark.parametrize("make, system, draw", [
    (_my_mesos, "mesos", plots.architecture), (_my_mesos, "mesos", plots.timeline), (_my_mesos, "mesos", plots.placement),
    (_my_k8s, "k8s", plots.architecture), (_my_k8s, "k8s", plots.placement),
], ids=["a mesos Cluster subclass draws its architecture", "a mesos Cluster subclass draws its timeline",
        "a mesos Cluster subclass draws its placement", "a k8s Cluster subclass draws its architecture",
        "a k8s Cluster subclass draws its placement"])
def test_a_subclass_of_a_cluster_is_accepted_by_the_plots(make, system, draw):
    c = make()
    assert adapt.system_of(c) == system
    draw(c)


def test_both_simulators_record_the_same_event_type():
    m = _cluster(masters=2)
    kc = k8s.Cluster(seed=0)
    kc.add_node("node-1", cpu="2", memory="4Gi")
    kc.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: c, image: nginx}]}")
    kc.run(5)
    k_events, m_events = kc.event_records(), m.event_records()
    assert k_events and m_events
    assert all(type(e) is EventRecord for e in k_events + m_events)
    scheduled = next(e for e in k_events if e.reason == "Scheduled")
    assert scheduled.ids("Pod") == ["web"] and scheduled.ids("Node") == ["node-1"]
    assert [e.reason for e in m_events if e.source == "zookeeper"][:3] == [ev.MASTER_STARTED, ev.MASTER_STARTED, ev.LEADER_ELECTED]
    known = {getattr(ev, n) for n in ev.__all__ if n.isupper()}
    assert {e.reason for e in m_events} <= known


@pytest.mark.parametrize("reason, rows", [
    (ev.AGENT_REGISTERED, 1), (ev.FRAMEWORK_REGISTERED, 1), (ev.LEADER_ELECTED, 1), (ev.AGENT_FAILED, 0),
], ids=lambda x: str(x))
def test_mesos_events_table_filters_on_reason(reason, rows):
    c = _cluster()
    assert len(c.events(reason=reason)) == rows
