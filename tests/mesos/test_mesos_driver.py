"""The scheduler API: accept/decline misuse, operations, task states, kills, callbacks that raise."""
import pytest

from labsupport import mesos
from labsupport.core import LabError
from tests.mesos.helpers import Recorder, launch_once


def one_agent(res="cpus:4;mem:4096;disk:1000", seed=0, **kw):
    c = mesos.Cluster(seed=seed, **kw)
    c.add_agent("a1", res)
    return c


def held(c, res="cpus:4;mem:4096;disk:1000"):
    """A cluster plus a framework holding one offer."""
    rec = Recorder()
    fid = c.register(rec, name="holder")
    c.run(0.5)
    return rec, c.driver(fid), next(iter(rec.offers.values()))


# ----------------------------------------------------------------------------- offer misuse
@pytest.mark.parametrize("misuse, fragment", [
    (lambda d, o: d.accept(["O99"], []), "unknown offer id 'O99'"),
    (lambda d, o: d.accept([], []), "offer_ids is empty"),
    (lambda d, o: d.accept([o.id, o.id], []), "the same offer twice"),
    (lambda d, o: d.accept([o.id], [mesos.Task("big", "cpus:5;mem:10")]), "asks for cpus:5 but the offers hold only cpus:4"),
    (lambda d, o: d.accept([o.id], [mesos.Task("p", "cpus:1;ports:[80-80]")]), "asks for ports [(80, 80)]"),
    (lambda d, o: d.accept([o.id], ["not a task"]), "item 0 is a str"),
    (lambda d, o: d.accept([o.id], mesos.Task("t", "cpus:1"), filters="soon"), "filters"),
    (lambda d, o: d.accept([o.id], [mesos.Reserve("cpus(other):1")]), "framework's role '*'"),
    (lambda d, o: d.accept([o.id], [mesos.Task("a", "cpus:3"), mesos.Task("b", "cpus:3")]), "task 'b' asks for cpus:3"),
    (lambda d, o: d.decline(["O99"]), "unknown offer id"),
    (lambda d, o: d.decline([[o.id]]), "decline: offer_ids must be offer ids (strings such as 'O1') or Offer objects, got [['O1']]"),
    (lambda d, o: d.kill(["t1"]), "kill: task_id must be a task id string, got ['t1']"),
    (lambda d, o: d.revive(-1), "revive: roles must be a role name or a list of role names, got -1"),
    (lambda d, o: d.suppress([1]), "suppress: roles must be a role name or a list of role names, got [1]"),
], ids=[
    "an unknown offer id",
    "an empty list of offers",
    "the same offer twice in one call",
    "a task larger than the offer",
    "ports outside the offer",
    "something that is not a task",
    "a malformed filter",
    "reserving for another role",
    "two tasks that together exceed the offer",
    "declining an unknown offer",
    "a list inside the list of offer ids (found by the fuzzer)",
    "killing a list instead of a task id (found by the fuzzer)",
    "reviving a number instead of roles (found by the fuzzer)",
    "suppressing a list of numbers instead of roles",
])
def test_offer_misuse_raises_and_changes_nothing(misuse, fragment):
    c = one_agent()
    rec, driver, offer = held(c)
    before = (c.offers_log().rows, [t.task_id for t in c.tasks()])
    with pytest.raises(LabError) as err:
        misuse(driver, offer)
    assert fragment in str(err.value)
    assert (c.offers_log().rows, [t.task_id for t in c.tasks()]) == before
    driver.accept([offer.id], [mesos.Task("ok", "cpus:1;mem:64")])     # the offer is still usable


def test_using_an_offer_twice_is_refused():
    c = one_agent()
    rec, driver, offer = held(c)
    driver.accept([offer.id], [mesos.Task("t1", "cpus:1;mem:64")])
    with pytest.raises(mesos.OfferError, match=f"offer {offer.id} is no longer valid: it was already accepted at t=0.5s"):
        driver.accept([offer.id], [mesos.Task("t2", "cpus:1;mem:64")])


def test_using_a_rescinded_offer_is_refused():
    c = one_agent()
    rec, driver, offer = held(c)
    c.fail_agent("a1")
    c.run(100)
    assert rec.rescinded == [offer.id]
    with pytest.raises(mesos.OfferError, match="already rescinded .*agent a1 unreachable"):
        driver.decline([offer.id])


def test_offer_of_another_framework_is_refused():
    c = one_agent()
    rec, driver, offer = held(c)
    other = c.register(Recorder(), name="other")
    with pytest.raises(mesos.OfferError, match="was made to framework 'holder', not 'other'"):
        c.driver(other).accept([offer.id], [])


def test_offer_timeout_expires_held_offers():
    c = one_agent(offer_timeout=10)
    rec, driver, offer = held(c)
    c.run(10)
    assert rec.rescinded == [offer.id]
    assert c.offers_log()[0]["OUTCOME"] == "expired"


def test_unknown_driver_call_lists_the_real_ones():
    c = one_agent()
    rec, driver, offer = held(c)
    with pytest.raises(mesos.DriverCallError, match="no call 'launchTasks'; the calls are: accept, decline"):
        driver.launchTasks([offer.id], [])


# ----------------------------------------------------------------------------- task life cycle
def test_command_task_states_and_timings():
    rec = Recorder(launch_once(lambda o: [mesos.Task("job", "cpus:1;mem:64", duration=10)]))
    c = one_agent()
    c.register(rec, name="f")
    c.run(20)
    task = c.tasks()[0]
    assert rec.states("job") == ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]   # STAGING is never sent
    assert [(round(t, 3), s.value) for t, s in task.history] == [
        (0.0, "TASK_STAGING"), (0.1, "TASK_STARTING"), (0.5, "TASK_RUNNING"), (10.5, "TASK_FINISHED")]
    assert task.kind == "command"


def test_container_task_pulls_its_image_once_per_agent():
    tasks = [mesos.Task("c1", "cpus:1;mem:64", container="nginx:1.25"), mesos.Task("c2", "cpus:1;mem:64", container="nginx:1.25")]
    rec = Recorder(launch_once(lambda o: tasks))
    c = one_agent()
    c.register(rec, name="f")
    c.run(5)
    (t1, t2) = c.tasks()
    assert t1.kind == "container"
    assert t1.history[1][0] == pytest.approx(2.1)    # staging + image pull
    assert t2.history[1][0] == pytest.approx(0.1)    # image already on the agent


def test_nonzero_exit_code_fails_the_task():
    rec = Recorder(launch_once(lambda o: [mesos.Task("bad", "cpus:1;mem:64", duration=1, exit_code=2)]))
    c = one_agent()
    c.register(rec, name="f")
    c.run(5)
    assert rec.updates[-1] == ("bad", "TASK_FAILED", "REASON_COMMAND_EXECUTOR_FAILED")


def test_duplicate_task_id_is_a_task_error():
    rec = Recorder(launch_once(lambda o: [mesos.Task("x", "cpus:1;mem:64"), mesos.Task("x", "cpus:1;mem:64")]))
    c = one_agent()
    c.register(rec, name="f")
    c.run(2)
    assert ("x", "TASK_ERROR", "REASON_TASK_INVALID") in rec.updates
    assert c.get("agents")[0]["CPUS"] == "1 / 4"        # the invalid task took nothing


def test_kill_goes_through_killing_to_killed_and_frees_resources():
    rec = Recorder(launch_once(lambda o: [mesos.Task("svc", "cpus:2;mem:64")]))
    c = one_agent()
    fid = c.register(rec, name="f")
    c.run(2)
    c.driver(fid).kill("svc")
    c.run(2)
    assert rec.states("svc")[-2:] == ["TASK_KILLING", "TASK_KILLED"]
    assert c.agent_accounting("a1")["used"] == mesos.Resources()


def test_one_executor_per_framework_per_agent():
    rec = Recorder(launch_once(lambda o: [mesos.Task(f"t{i}", "cpus:1;mem:64", duration=3) for i in range(3)]))
    c = one_agent()
    c.register(rec, name="f")
    c.run(1)
    assert len({t.executor for t in c.tasks()}) == 1
    c.run(5)
    launched = [e for e in c.events().column("EVENT") if "executor" in e]
    assert launched == ["launched executor f-executor@a1 for framework 'f'", "executor f-executor@a1 exited"]


def test_reconcile_resends_live_task_states():
    rec = Recorder(launch_once(lambda o: [mesos.Task("svc", "cpus:1;mem:64")]))
    c = one_agent()
    fid = c.register(rec, name="f")
    c.run(2)
    c.driver(fid).reconcile()
    c.run(0)
    assert rec.updates[-1] == ("svc", "TASK_RUNNING", "REASON_RECONCILIATION")


# ----------------------------------------------------------------------------- reservations and volumes
def test_reserve_create_volume_outlives_its_task():
    def plan(o):
        return [mesos.Reserve("cpus(db):1;mem(db):256;disk(db):500"), mesos.Create("disk(db)[data]:500"),
                mesos.Task("db-1", "cpus(db):1;mem(db):256;disk(db)[data]:500", duration=5)]
    rec = Recorder(launch_once(plan))
    c = one_agent()
    c.register(rec, name="db", role="db")
    c.run(10)
    assert rec.states("db-1")[-1] == "TASK_FINISHED"
    assert str(c.agents["a1"].total.reserved()) == "cpus(db):1;disk(db)[data]:500;mem(db):256"
    # the volume comes back in the next offers of role db only
    later = [o for o in rec.seen[1:] if "data" in o.resources.volumes()]
    assert later and all(o.framework_id.endswith("-db") for o in later)
    other = Recorder()
    c.register(other, name="web", role="web")
    c.run(10)
    assert not any(o.resources.volumes() for o in other.seen)


def test_destroy_and_unreserve_give_the_disk_back():
    steps = iter([
        lambda o: [mesos.Reserve("disk(db):100"), mesos.Create("disk(db)[v]:100")],
        lambda o: [mesos.Destroy("disk(db)[v]:100"), mesos.Unreserve("disk(db):100")],
    ])

    def on_offers(rec, driver, offers):
        for o in offers:
            step = next(steps, None)
            if step:
                driver.accept([o.id], step(o), filters={"refuse_seconds": 0})
    c = one_agent()
    c.register(Recorder(on_offers), name="db", role="db")
    c.run(3)
    assert str(c.agents["a1"].total) == "cpus:4;disk:1000;mem:4096;ports:[31000-32000]"


# ----------------------------------------------------------------------------- learner bugs
def test_a_raising_callback_names_framework_and_callback_and_leaves_cluster_usable():
    class Buggy(mesos.Scheduler):
        def resource_offers(self, driver, offers):
            return 1 / 0
    c = one_agent()
    c.register(Buggy(), name="buggy")
    with pytest.raises(mesos.SchedulerError, match=r"framework 'buggy' \(0000-buggy\) raised in Buggy.resource_offers\(\): ZeroDivisionError"):
        c.run(1)
    ok = Recorder()
    c.register(ok, name="ok")
    c.run(30)     # the cluster keeps running; the buggy framework still holds its offer
    assert c.offers_log()[0]["OUTCOME"] == "outstanding"


@pytest.mark.parametrize("kwargs, fragment", [
    ({"scheduler": object()}, "mesos.Scheduler subclass"),
    ({"name": ""}, "non-empty name"),
    ({"role": "a b"}, "not a valid role"),
    ({"weight": 0}, "weight: must be > 0"),
    ({"failover_timeout": -1}, "failover_timeout"),
], ids=["not a scheduler", "an empty name", "a role with a space", "a zero weight", "a negative failover timeout"])
def test_bad_registration(kwargs, fragment):
    c = one_agent()
    args = {"scheduler": Recorder(), "name": "f"} | kwargs
    with pytest.raises(LabError, match=fragment):
        c.register(**args)


@pytest.mark.parametrize("call, fragment", [
    (lambda c: c.add_agent("a1", "cpus:1"), "already exists"),
    (lambda c: c.add_agent("a2", "cpus:1;mem=3"), "token 'mem=3'"),
    (lambda c: c.add_agent("a2", "cpus:1", attributes="rack"), "token 'rack'"),
    (lambda c: c.fail_agent("zz"), "unknown agent 'zz'"),
    (lambda c: c.get("pods"), "valid: agents, frameworks, tasks, roles"),
    (lambda c: c.set_quota("eng/web", limit="cpus:1"), "Updating quota on nested role 'eng/web' is not supported yet"),
    (lambda c: c.set_quota("r", guarantee="cpus:2", limit="cpus:1"), "is not contained within the 'QuotaConfig.limits'"),
    (lambda c: c.run(-1), "seconds"),
], ids=["a duplicate agent", "a malformed resource string", "a malformed attribute string", "an unknown agent",
        "an unknown table", "quota on a nested role", "a limit below the guarantee", "running backwards"])
def test_bad_cluster_calls(call, fragment):
    c = one_agent()
    with pytest.raises(LabError) as err:
        call(c)
    assert fragment in str(err.value)


def test_one_accept_uses_offers_of_one_agent_but_decline_takes_any():
    c = mesos.Cluster(seed=0)
    c.add_agent("a1", "cpus:1;mem:128")
    c.add_agent("a2", "cpus:1;mem:128")
    rec = Recorder()
    fid = c.register(rec, name="f")
    c.run(0.5)
    ids = sorted(rec.offers)
    with pytest.raises(mesos.OfferError, match="come from several agents"):
        c.driver(fid).accept(ids, [])
    c.driver(fid).decline(ids)
    assert [r["OUTCOME"] for r in c.offers_log()] == ["declined", "declined"]


CALLS = [
    ("decline", lambda d, o: d.decline([o.id], filters=2), "DECLINE", "O1 (refuse_seconds=2)"),
    ("accept", lambda d, o: d.accept([o.id], [mesos.Task("t1", "cpus:1;mem:64")]), "ACCEPT", "O1: launched t1"),
    ("suppress", lambda d, o: d.suppress(), "SUPPRESS", "no offers until REVIVE"),
    ("revive", lambda d, o: d.revive(), "REVIVE", "offers resume; decline filters cleared"),
    ("reconcile", lambda d, o: d.reconcile(), "RECONCILE", "implicit: latest state of 0 task(s) re-sent"),
]


@pytest.mark.parametrize("call, make, name, detail", CALLS, ids=[f"{c[0]} is listed in calls_log" for c in CALLS])
def test_calls_log_lists_every_driver_call_with_time_and_framework(call, make, name, detail):
    c = one_agent()
    rec, driver, offer = held(c)
    make(driver, offer)
    assert c.calls_log().rows[-1] == {"TIME": 0.5, "FRAMEWORK": "holder", "CALL": name, "DETAIL": detail}


@pytest.mark.parametrize("call, event", [("suppress", "framework 'holder' suppressed offers"),
                                         ("revive", "framework 'holder' revived offers (filters cleared)")],
                         ids=["suppress shows in the master's events", "revive shows in the master's events"])
def test_suppress_and_revive_show_in_master_events(call, event):
    c = one_agent()
    rec, driver, offer = held(c)
    getattr(driver, call)()
    assert {"TIME": 0.5, "SOURCE": "master", "EVENT": event} in c.events("master").rows


def test_calls_log_shows_kills_and_dropped_calls():
    c = one_agent()
    rec, driver, offer = held(c)
    driver.accept([offer.id], [mesos.Task("t1", "cpus:1;mem:64")])
    c.run(1)
    driver.kill("t1")
    c.run(10)
    driver.kill("t1")
    c.disconnect_framework(driver.framework_id)
    driver.revive()
    rows = [(r["CALL"], r["DETAIL"]) for r in c.calls_log().rows]
    assert rows[-3:] == [("KILL", "t1"), ("KILL", "t1: already TASK_KILLED, nothing to do"),
                         ("REVIVE", "dropped: not registered with a leading master")]


class Messages(Recorder):
    """A Recorder that also keeps each update's message."""

    def status_update(self, driver, status):
        super().status_update(driver, status)
        self.messages = getattr(self, "messages", []) + [(status.task_id, status.state.value, status.message)]


INVALID = [
    ("two tasks named hello in one accept",
     lambda: [[mesos.Task("hello", "cpus:1;mem:64"), mesos.Task("hello", "cpus:1;mem:64")]],
     "Task has duplicate ID: hello", "launched hello; task hello invalid (Task has duplicate ID: hello)"),
    ("hello reused while the first hello runs",
     lambda: [[mesos.Task("hello", "cpus:1;mem:64")], [mesos.Task("hello", "cpus:1;mem:64")]],
     "Task has duplicate ID: hello", "task hello invalid (Task has duplicate ID: hello)"),
    ("a task without resources",
     lambda: [[mesos.Task("hello", {})]],
     "Task uses no resources", "task hello invalid (Task uses no resources)"),
]


@pytest.mark.parametrize("batches, message, detail", [case[1:] for case in INVALID],
                         ids=[f"{case[0]}: TASK_ERROR and the offer's DETAIL say why" for case in INVALID])
def test_invalid_task_gets_task_error_and_the_offer_detail_says_why(batches, message, detail):
    plan = batches()

    def on_offers(rec, driver, offers):
        for o in offers:
            rec.offers.pop(o.id, None)
            driver.accept([o.id], plan.pop(0) if plan else [], filters=0)

    rec = Messages(on_offers)
    c = one_agent()
    c.register(rec, name="f")
    c.run(3)
    assert ("hello", "TASK_ERROR", message) in rec.messages
    accepted = [r for r in c.offers_log().rows if r["OUTCOME"] == "accepted"]
    assert accepted[len(batches()) - 1]["DETAIL"] == detail
