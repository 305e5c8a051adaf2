"""Mesos persistent volumes: a framework that remembers its volume, and what a dead agent takes along."""
import pytest

from labsupport import mesos
from labsupport.core import LabError
from labsupport.mesos.frameworks.stateful import StatefulDatabase


def cell(agents=2, seed=0):
    c = mesos.Cluster(seed=seed)
    for i in range(agents):
        c.add_agent(f"agent-{i + 1}", "cpus:4;mem:4096;disk:10000")
    return c


def test_the_volume_comes_back_to_the_same_framework_on_the_same_agent():
    c = cell()
    db = StatefulDatabase(task_seconds=20)
    c.register(db, name="db", role="db")
    c.run(120)
    assert len(db.launched) >= 3
    agents = {t.agent for t in c.tasks() if t.framework_name == "db"}
    assert agents == {db.agent}  # every incarnation on the agent holding the volume
    rows = c.get("volumes").rows
    assert [(r["AGENT"], r["ROLE"], r["FRAMEWORK"], r["PATH"]) for r in rows] == [(db.agent, "db", "db", "data")]


def test_the_volume_is_only_offered_to_its_role():
    c = cell(agents=1)
    c.register(StatefulDatabase(task_seconds=5), name="db", role="db")
    other = StatefulDatabase(role="web", volume="cache", task_seconds=None)
    c.register(other, name="web", role="web")
    c.run(60)
    vols = {(r["ROLE"], r["PATH"]) for r in c.get("volumes").rows}
    assert vols == {("db", "data"), ("web", "cache")}


def test_in_use_by_names_the_live_task():
    c = cell(agents=1)
    db = StatefulDatabase(task_seconds=None)
    c.register(db, name="db", role="db")
    c.run(5)
    assert c.get("volumes").rows[0]["IN USE BY"] == "db-1"


def test_without_relaunch_the_framework_never_comes_back():
    class Forgetful(StatefulDatabase):
        def relaunch(self, offer):
            return None
    c = cell(agents=1)
    db = Forgetful(task_seconds=5)
    c.register(db, name="db", role="db")
    c.run(60)
    assert db.launched == ["db-1"]
    assert c.get("volumes").rows[0]["IN USE BY"] == "-"


def test_a_failed_agent_shows_its_volume_as_unreachable_and_nothing_moves_it():
    c = cell()
    db = StatefulDatabase(task_seconds=None)
    c.register(db, name="db", role="db")
    c.run(5)
    home = db.agent
    c.fail_agent(home)
    c.run(300)
    rows = c.get("volumes").rows
    assert [r["AGENT"] for r in rows] == [home]
    assert rows[0]["AGENT STATE"] == "failed"
    assert all(t.agent == home for t in c.tasks() if t.framework_name == "db")


def test_unknown_table_is_named():
    with pytest.raises(LabError, match="volumes"):
        cell().get("volume")
