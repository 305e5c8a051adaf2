"""Failures: agent ping timeouts, partition-aware tasks, reboots, framework failover, master election."""
import pytest

from labsupport import mesos
from labsupport.core import LabError
from tests.mesos.helpers import Recorder, launch_once


def keep_running(rec, driver, offers):
    for o in offers:
        if o.resources.get("cpus", 0) >= 1 and not any(t.startswith(o.agent) for t in rec.launched):
            name = f"{o.agent}-svc"
            rec.launched.append(name)
            driver.accept([o.id], [mesos.Task(name, "cpus:1;mem:64")])
        else:
            driver.decline([o.id], filters={"refuse_seconds": 1000})


def setup(partition_aware, masters=1, failover_timeout=0):
    c = mesos.Cluster(seed=0, masters=masters)
    for name in ("a1", "a2"):
        c.add_agent(name, "cpus:2;mem:512")
    rec = Recorder(keep_running)
    rec.launched = []
    fid = c.register(rec, name="svc", partition_aware=partition_aware, failover_timeout=failover_timeout)
    c.run(5)
    return c, rec, fid


def test_defaults_match_the_master_flags():
    assert (mesos.AGENT_PING_TIMEOUT, mesos.MAX_AGENT_PING_TIMEOUTS) == (15.0, 5)


@pytest.mark.parametrize("partition_aware, state", [(True, "TASK_UNREACHABLE"), (False, "TASK_LOST")],
                         ids=["a partition-aware framework is told TASK_UNREACHABLE",
                              "an old framework is told TASK_LOST"])
def test_agent_is_unreachable_after_five_missed_pings(partition_aware, state):
    c, rec, fid = setup(partition_aware)
    c.fail_agent("a1")                    # at t=5; pings at 15, 30, ... go unanswered
    c.run(84.9)
    assert rec.states("a1-svc")[-1] == "TASK_RUNNING"
    c.run(0.2)
    assert rec.states("a1-svc")[-1] == state
    missed = [e for e in c.events("master").column("EVENT") if "missed ping" in e]
    assert missed == [f"agent a1 missed ping {n}/5" for n in range(1, 6)]
    assert c.get("agents")[0]["STATE"] == "UNREACHABLE"


def test_partition_aware_task_survives_the_partition():
    c, rec, fid = setup(True)
    c.fail_agent("a1")
    c.run(100)
    c.restore_agent("a1")
    c.run(1)
    assert rec.updates[-1] == ("a1-svc", "TASK_RUNNING", "REASON_SLAVE_REREGISTERED")
    assert c.master.tasks[(fid, "a1-svc")].state == mesos.TaskState.TASK_RUNNING


def test_old_framework_task_is_killed_when_the_agent_returns():
    c, rec, fid = setup(False)
    c.fail_agent("a1")
    c.run(100)
    c.restore_agent("a1")
    c.run(1)
    task = c.master.tasks[(fid, "a1-svc")]
    assert (task.state.value, task.agent_state.value) == ("TASK_LOST", "TASK_KILLED")
    assert rec.states("a1-svc")[-1] == "TASK_LOST"


def test_rebooted_agent_reports_its_tasks_gone():
    c, rec, fid = setup(True)
    c.fail_agent("a1")
    c.run(100)
    c.restore_agent("a1", rebooted=True)
    c.run(1)
    assert rec.states("a1-svc")[-2:] == ["TASK_UNREACHABLE", "TASK_GONE"]


def test_short_blip_is_not_noticed():
    c, rec, fid = setup(False)
    c.fail_agent("a1")
    c.run(20)
    c.restore_agent("a1")
    c.run(200)
    assert rec.states("a1-svc") == ["TASK_STARTING", "TASK_RUNNING"]


@pytest.mark.parametrize("timeout, reconnect_after, killed", [
    (0, 1, True), (60, 30, False), (60, 61, True)],
    ids=["failover_timeout 0 kills at once", "reconnecting in time keeps the tasks",
         "reconnecting too late finds the tasks killed"])
def test_framework_failover_timeout(timeout, reconnect_after, killed):
    c, rec, fid = setup(False, failover_timeout=timeout)
    c.disconnect_framework(fid)
    c.run(reconnect_after)
    if killed:
        assert all(t.state == mesos.TaskState.TASK_KILLED for t in c.tasks())
        with pytest.raises(LabError, match="was removed"):
            c.reconnect_framework(fid)
        assert c.get("frameworks")[0]["STATE"] == "removed"
    else:
        c.reconnect_framework(fid)
        c.run(1)
        assert all(t.state == mesos.TaskState.TASK_RUNNING for t in c.tasks())
        assert ("reregistered", c.leader) in rec.calls


def test_master_failover_elects_lowest_znode_and_tasks_keep_running():
    c, rec, fid = setup(True, masters=3)
    assert c.leader == "master-1"
    c.fail_master()
    c.run(9.9)
    assert c.leader is None
    c.run(0.2)
    assert c.leader == "master-2"
    c.run(2)
    events = c.events().column("EVENT")
    assert "session of master-1 expired after 10s: deleted /mesos/json.info_0000000000" in events
    assert "master-2 owns the lowest znode /mesos/json.info_0000000001: elected leading master" in events
    assert "agent a1 re-registered (new leader master-2)" in events
    assert ("disconnected",) in rec.calls and ("reregistered", "master-2") in rec.calls
    assert all(t.state == mesos.TaskState.TASK_RUNNING for t in c.tasks())
    c.run(20)
    assert "standing by: master-2 leads" in c.events("master-1").column("EVENT")


def test_single_master_restarts_and_wins_again():
    c, rec, fid = setup(False)
    c.fail_master()
    with pytest.raises(LabError, match="no leading master"):
        c.register(Recorder(), name="late")
    c.run(25)
    assert c.leader == "master-1"
    assert all(t.state == mesos.TaskState.TASK_RUNNING for t in c.tasks())


def test_offers_held_during_failover_become_invalid():
    c = mesos.Cluster(seed=0, masters=2)
    c.add_agent("a1", "cpus:1;mem:128")
    rec = Recorder()
    fid = c.register(rec, name="holder")
    c.run(1)
    oid = next(iter(rec.offers))
    c.fail_master()
    c.driver(fid).accept([oid], [])       # no leader: the driver drops the call
    assert "accept dropped: not registered with a leading master right now" in c.events("holder").column("EVENT")
    c.run(12)                              # master-2 elected at 11 s, the framework re-registered at 12 s
    with pytest.raises(mesos.OfferError, match="rescinded .*master failed over"):
        c.driver(fid).accept([oid], [])


DRIVER_CALLS = {
    "revive": lambda d: d.revive(),
    "suppress": lambda d: d.suppress(),
    "reconcile": lambda d: d.reconcile(),
    "kill": lambda d: d.kill("job"),
    "decline": lambda d: d.decline(["O1"]),
    "accept": lambda d: d.accept(["O1"], [mesos.Task("late", "cpus:1;mem:64")]),
}


@pytest.mark.parametrize("masters", [1, 2], ids=["the same master re-elected", "a standby elected"])
@pytest.mark.parametrize("call", sorted(DRIVER_CALLS), ids=lambda c: f"{c} before re-registering is dropped")
def test_driver_calls_before_reregistration_with_the_new_leader_are_dropped(call, masters):
    c = mesos.Cluster(seed=0, masters=masters)
    c.add_agent("a1", "cpus:2;mem:1024")
    rec = Recorder(launch_once(lambda o: [mesos.Task("job", "cpus:1;mem:64")]))
    fid = c.register(rec, name="f0")
    c.run(1)
    c.fail_master()
    c.run(20.5 if masters == 1 else 10.5)   # a leader is elected; re-registration comes 1 s later
    assert c.leader is not None and fid not in c.master.allocator.frameworks
    DRIVER_CALLS[call](c.driver(fid))       # used to raise KeyError in HierarchicalAllocator.revive
    assert f"{call} dropped: not registered with a leading master right now" in c.events("f0").column("EVENT")
    c.run(2)
    assert ("reregistered", c.leader) in rec.calls
    assert c.get("frameworks")[0]["STATE"] == "active"
    if call == "accept":   # the driver answers the dropped launch itself (sched.cpp acceptOffers)
        assert ("late", "TASK_LOST", "REASON_MASTER_DISCONNECTED") in rec.updates


@pytest.mark.parametrize("partition_aware, state", [(True, "TASK_DROPPED"), (False, "TASK_LOST")],
                         ids=["partition-aware frameworks get TASK_DROPPED", "older frameworks get TASK_LOST"])
def test_accept_while_disconnected_answers_each_task(partition_aware, state):
    c = mesos.Cluster(seed=0)
    c.add_agent("a1", "cpus:2;mem:1024")
    rec = Recorder()
    fid = c.register(rec, name="f0", partition_aware=partition_aware, failover_timeout=60)
    c.run(1)
    c.disconnect_framework(fid)
    c.driver(fid).accept(["O1"], [mesos.Task("t1", "cpus:1;mem:64")])
    c.reconnect_framework(fid)
    c.run(1)
    assert rec.updates == [("t1", state, "REASON_MASTER_DISCONNECTED")]
    assert c.tasks() == []


def test_framework_registered_during_recovery_is_not_reregistered_twice():
    c = mesos.Cluster(seed=0, masters=2)
    c.add_agent("a1", "cpus:2;mem:1024")
    c.register(Recorder(), name="old")
    c.fail_master()
    c.run(10.5)                       # master-2 leads; "old" re-registers at 11 s
    rec = Recorder()
    c.register(rec, name="new")
    c.run(2)
    assert rec.calls[0][0] == "registered" and not any(call[0] == "reregistered" for call in rec.calls)


def test_updates_during_election_are_delivered_after_reregistration():
    c = mesos.Cluster(seed=0, masters=2)
    c.add_agent("a1", "cpus:1;mem:128")
    rec = Recorder(launch_once(lambda o: [mesos.Task("job", "cpus:1;mem:64", duration=3)]))
    c.register(rec, name="f")
    c.run(1)
    c.fail_master()            # the job finishes at t=3.5, during the election
    c.run(15)
    assert rec.states("job")[-1] == "TASK_FINISHED"
    assert c.tasks()[0].history[-1][0] == pytest.approx(12.0)   # election at 11 s, re-registration 1 s later


def test_agent_that_never_reregisters_is_marked_unreachable():
    c, rec, fid = setup(True, masters=2)
    c.fail_agent("a1")
    c.fail_master()
    c.run(10 + 599)
    assert rec.states("a1-svc")[-1] == "TASK_RUNNING"
    c.run(2)
    assert rec.states("a1-svc")[-1] == "TASK_UNREACHABLE"


def test_infinite_failover_timeout_waits_forever():
    c, rec, fid = setup(False, failover_timeout=float("inf"))
    c.disconnect_framework(fid)
    c.run(10_000)
    assert all(t.state == mesos.TaskState.TASK_RUNNING for t in c.tasks())
    c.reconnect_framework(fid)
    assert c.get("frameworks")[0]["STATE"] == "active"


@pytest.mark.parametrize("partition_aware, message", [
    (True, "Task reuses the ID of an unreachable task: a1-svc"),
    (False, None),
], ids=["reusing the ID of an unreachable task is refused with validation.cpp's message",
        "after TASK_LOST the ID is free again"])
def test_reusing_the_id_of_an_unreachable_task(partition_aware, message):
    c, rec, fid = setup(partition_aware)
    c.fail_agent("a1")
    c.run(100)                               # a1 is unreachable now
    rec.on_offers = launch_once(lambda offer: [mesos.Task("a1-svc", "cpus:0.5;mem:64")])
    c.driver(fid).revive()
    c.run(2)
    errors = [u for u in rec.updates if u[:2] == ("a1-svc", "TASK_ERROR")]
    if message is None:
        assert errors == [] and rec.states("a1-svc")[-1] == "TASK_RUNNING"
    else:
        assert errors and c.master.tasks[(fid, "a1-svc")].state.value == "TASK_UNREACHABLE"
        assert any(message in r["DETAIL"] for r in c.offers_log().rows)
