"""Issue 14, Mesos side: ZooKeeper quorum, the replicated log, agents coming and going, maintenance, Marathon upgrades."""
from __future__ import annotations

import pytest

from labsupport import mesos
from labsupport.core import LabError
from labsupport.mesos.frameworks.base import FrameworkError
from labsupport.mesos.frameworks.marathon import Marathon
from labsupport.mesos.frameworks.marathon_upgrade import restart_strategy
from labsupport.mesos.replicated_log import ReplicatedLog
from labsupport.mesos.zookeeper import ZooKeeperEnsemble


@pytest.mark.parametrize("servers, quorum", [(1, 1), (3, 2), (5, 3), (7, 4)], ids=lambda v: str(v))
def test_zookeeper_needs_a_majority(servers, quorum):
    zk = ZooKeeperEnsemble(servers)
    assert zk.quorum == quorum
    for i in range(1, servers - quorum + 1):
        zk.fail(f"zk-{i}")
    assert zk.has_quorum()
    zk.fail(f"zk-{servers}")
    assert not zk.has_quorum()


@pytest.mark.parametrize("masters, quorum, message", [
    (3, 1, "quorum: must be an integer above half the masters"),
    (3, 4, "quorum: must be an integer above half the masters"),
    (2, 1, "(2..2 for 2 masters)"),
], ids=["quorum 1 of 3 is not a majority", "quorum above the masters", "two masters need both"])
def test_replicated_log_quorum_must_be_a_majority(masters, quorum, message):
    with pytest.raises(LabError, match=message):
        ReplicatedLog([f"master-{i}" for i in range(1, masters + 1)], quorum)


def ha_cell(seed=0, agents=4):
    cell = mesos.Cluster(seed=seed, masters=3, zookeepers=3)
    for i in range(1, agents + 1):
        cell.add_agent(f"agent-{i}", "cpus:2;mem:4096")
    m = Marathon(cell.sim)
    cell.register(m, name="marathon")
    m.add_app({"id": "/web", "cmd": "sleep 1000", "cpus": 0.5, "mem": 256, "instances": agents,
               "constraints": [["hostname", "UNIQUE"]]})
    cell.run(10)
    return cell, m


def running(m):
    return sorted(t["AGENT"] for t in m.tasks() if t["STATE"] == "TASK_RUNNING")


def test_losing_the_zookeeper_majority_stops_the_leader_after_the_session_timeout_but_tasks_run_on():
    cell, m = ha_cell()
    before = running(m)
    cell.fail_zookeeper("zk-1")
    cell.run(20)
    assert cell.leader == "master-1", "one server down: the ensemble still has its quorum"
    cell.fail_zookeeper("zk-2")
    cell.run(9)
    assert cell.leader == "master-1"
    cell.run(2)
    assert cell.leader is None
    assert any("committing suicide" in e for e in cell.events("master-1").column("EVENT"))
    cell.run(60)
    assert cell.leader is None, "no election without a ZooKeeper quorum"
    assert running(m) == before, "running tasks keep running"
    with pytest.raises(LabError, match="no leading master"):
        cell.register(Marathon(cell.sim, name="late"), name="late")
    cell.restore_zookeeper("zk-1")
    cell.run(5)
    assert cell.leader is not None
    assert running(m) == before


def test_a_new_leader_needs_a_log_quorum_and_agents_wait_for_it():
    cell, m = ha_cell()
    cell.stop_master("master-2")
    cell.stop_master("master-3")
    cell.run(20)
    assert cell.leader == "master-1", "a leader keeps leading; only registry writes need the quorum"
    cell.add_agent("agent-9")
    cell.run(5)
    assert "agent-9" not in cell.master.allocator.agents
    assert any("registration pending" in e for e in cell.events("agent-9").column("EVENT"))
    cell.start_master("master-3")
    cell.run(5)
    assert "agent-9" in cell.master.allocator.agents
    assert "writable" in cell.masters_status().title


def test_election_waits_for_the_log_quorum():
    cell, m = ha_cell()
    cell.stop_master("master-3")
    cell.fail_master()                    # master-1 crashes; its supervisor restarts it after 20 s
    cell.run(15)
    assert cell.leader is None
    assert any("cannot recover the registry" in e for e in cell.events().column("EVENT"))
    cell.run(30)
    assert cell.leader is not None, "master-1 is back: 2 of 3 replicas"


def test_remove_agent_reports_tasks_lost_and_marathon_relaunches_them():
    cell, m = ha_cell(agents=4)
    cell.add_agent("agent-5", "cpus:2;mem:4096")
    cell.run(2)
    cell.remove_agent("agent-3")
    cell.run(10)
    assert "agent-3" not in {r["ID"] for r in cell.get("agents")}
    assert running(m) == ["agent-1", "agent-2", "agent-4", "agent-5"]
    assert any(r["STATE"] == "TASK_LOST" for r in cell.status_updates())


def test_maintenance_drains_with_inverse_offers_and_down_loses_tasks():
    cell, m = ha_cell(agents=3)
    answers = []

    class Polite(Marathon):
        def inverse_offers(self, driver, inverse_offers):
            for io in inverse_offers:
                answers.append(io.id)
                io.accept()
    polite = Polite(cell.sim, name="polite")
    cell.register(polite, name="polite")
    polite.add_app({"id": "/db", "cmd": "sleep 1000", "cpus": 0.25, "mem": 128, "instances": 3,
                    "constraints": [["hostname", "UNIQUE"]]})
    cell.run(10)
    cell.schedule_maintenance(["agent-2"], start=60, duration=600)
    cell.run(1)
    st = {r["MACHINE"]: r for r in cell.maintenance_status()}
    assert st["agent-2"]["MODE"] == "DRAINING"
    assert "accepted" in st["agent-2"]["INVERSE OFFERS"] and "outstanding" in st["agent-2"]["INVERSE OFFERS"]
    cell.run(120)
    assert "agent-2" in running(m), "Mesos never acts on the schedule by itself"
    cell.machine_down(["agent-2"])
    cell.run(5)
    assert "agent-2" not in running(m)
    cell.machine_up(["agent-2"])
    cell.run(30)
    assert running(m) == ["agent-1", "agent-2", "agent-3"]


@pytest.mark.parametrize("call, message", [
    (lambda c: c.fail_zookeeper("zk-7"), "server: no ZooKeeper server 'zk-7'"),
    (lambda c: c.stop_master("master-9"), "master: no master 'master-9'"),
    (lambda c: c.remove_agent("agent-99"), "agent: unknown agent 'agent-99'"),
    (lambda c: c.schedule_maintenance("agent-1", 0, 60), "agents: must be a non-empty list"),
    (lambda c: c.schedule_maintenance(["agent-1", "agent-1"], 0, 60), "agents: each machine may appear only once"),
    (lambda c: c.schedule_maintenance(["agent-1"], -1, 60), "start: must be a number of seconds >= 0"),
    (lambda c: c.machine_down(["agent-1"]), "agents: 'agent-1' is UP; machine_down needs machines in DRAINING mode"),
    (lambda c: c.machine_up(["agent-1"]), "agents: 'agent-1' is UP; machine_up needs machines in DOWN mode"),
    (lambda c: mesos.Cluster(seed=0, zookeepers=0), "zookeepers: must be an integer number of servers between 1 and 9"),
    (lambda c: mesos.Cluster(seed=0, masters=3, quorum=1), "quorum: must be an integer above half the masters"),
], ids=["unknown zookeeper", "unknown master", "unknown agent", "agents as a string", "duplicate machine", "negative start",
        "down before draining", "up before down", "no zookeepers", "minority quorum"])
def test_errors_name_the_field(call, message):
    cell, _ = ha_cell(agents=1)
    with pytest.raises(LabError, match=message):
        call(cell)


@pytest.mark.parametrize("instances, running_, mhc, moc, expected", [
    (4, 4, 1.0, 1.0, (0, 8)),     # defaults: a full new set first
    (4, 4, 0.5, 0.0, (2, 4)),
    (4, 4, 0.0, 0.0, (4, 4)),     # stop everything, then start
    (4, 4, 1.0, 0.0, (0, 5)),     # no room: one extra instance is allowed
    (3, 3, 0.5, 0.5, (1, 4)),     # ceil(1.5) = 2 kept, int(4.5) = 4
], ids=["defaults", "half healthy no surge", "zero health", "full health no surge gets one extra", "rounding"])
def test_marathon_restart_strategy_matches_task_replace_actor(instances, running_, mhc, moc, expected):
    assert restart_strategy(instances, running_, mhc, moc) == expected


@pytest.mark.parametrize("strategy, min_running", [(None, 4), ({"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.0}, 2)],
                         ids=["defaults never drop below 4", "half capacity drops to 2"])
def test_marathon_rolling_restart_keeps_the_minimum_health_capacity(strategy, min_running):
    cell = mesos.Cluster(seed=0)
    for i in range(1, 5):
        cell.add_agent(f"agent-{i}", "cpus:2;mem:4096")
    m = Marathon(cell.sim)
    cell.register(m, name="marathon")
    m.add_app({"id": "/web", "cmd": "v1", "cpus": 0.5, "mem": 256, "instances": 4,
               "healthChecks": [{"protocol": "COMMAND", "intervalSeconds": 5, "gracePeriodSeconds": 10, "maxConsecutiveFailures": 3}]})
    cell.run(20)
    m.update_app("/web", {"cmd": "v2", **({"upgradeStrategy": strategy} if strategy else {})})
    lowest, highest = 4, 4
    for _ in range(40):
        cell.run(0.5)
        live = [i for i in m.app("/web").tasks.values() if i.state.value == "TASK_RUNNING" and not i.killing]
        lowest, highest = min(lowest, len(live)), max(highest, len(live))
    assert lowest == min_running
    assert m.app("/web").deployment is None
    assert all(i.version == 2 for i in m.app("/web").tasks.values())
    with pytest.raises(FrameworkError, match="upgradeStrategy.minimumHealthCapacity: must be a number between 0 and 1"):
        m.update_app("/web", {"upgradeStrategy": {"minimumHealthCapacity": 2}})
