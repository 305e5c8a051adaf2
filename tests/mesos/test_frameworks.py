"""The built-in frameworks: Marathon constraints, ports, backoff, health checks; Chronos schedules; Batch locality."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labsupport import mesos
from labsupport.mesos.frameworks import (
    AppDefinitionError,
    Batch,
    Chronos,
    FrameworkError,
    JobDefinitionError,
    Marathon,
    launch_delay,
    parse_duration,
)


def cluster_with(agents, seed=0, res="cpus:4;mem:8192;disk:10240"):
    """``agents``: {name: attributes}."""
    c = mesos.Cluster(seed=seed)
    for name, attrs in agents.items():
        c.add_agent(name, res, attributes=attrs)
    return c


def marathon_on(agents, seed=0, partition_aware=False, **kw):
    c = cluster_with(agents, seed=seed, **kw)
    m = Marathon(c.sim)
    c.register(m, name="marathon", partition_aware=partition_aware)
    return c, m


def hosts(m, app="/web"):
    return [t["AGENT"] for t in m.tasks(app)]


RACKS = {"a0": "rack:r0;zone:a", "a1": "rack:r0;zone:a", "a2": "rack:r1;zone:b", "a3": "rack:r1;zone:b",
         "a4": "rack:r2;zone:b", "a5": "rack:r2;zone:b"}


# ----------------------------------------------------------------------------- Marathon constraints
@pytest.mark.parametrize("n_agents, instances, running", [(3, 3, 3), (3, 5, 3), (6, 4, 4)],
                         ids=["three instances fill three hosts", "five instances on three hosts run only three",
                              "four instances on six hosts all run"])
def test_unique_hostname_never_puts_two_instances_on_one_host(n_agents, instances, running):
    c, m = marathon_on({f"a{i}": None for i in range(n_agents)})
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": instances,
               "constraints": [["hostname", "UNIQUE"]]})
    for _ in range(10):
        c.run(1)
        h = hosts(m)
        assert len(h) == len(set(h))
    assert len(hosts(m)) == running
    assert m.apps().rows[0]["INSTANCES"] == f"{running}/{instances}"


@pytest.mark.parametrize("instances, constraint, expected", [
    (6, ["rack", "GROUP_BY", "3"], {"r0": 2, "r1": 2, "r2": 2}),
    (4, ["zone", "GROUP_BY", "2"], {"a": 2, "b": 2}),
    (3, ["rack", "GROUP_BY", "3"], {"r0": 1, "r1": 1, "r2": 1}),
    (5, ["rack", "GROUP_BY", "3"], {"r0": 2, "r1": 2, "r2": 1}),
], ids=["six instances GROUP_BY rack 3: two per rack", "four instances GROUP_BY zone 2: two per zone",
        "three instances GROUP_BY rack 3: one per rack", "five instances over three racks differ by at most one"])
def test_group_by_spreads_evenly(instances, constraint, expected):
    field = constraint[0]
    c, m = marathon_on(RACKS)
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": instances,
               "constraints": [constraint]})
    c.run(5)
    attrs = {n: dict(kv.split(":") for kv in a.split(";")) for n, a in RACKS.items()}
    counts = {}
    for h in hosts(m):
        counts[attrs[h][field]] = counts.get(attrs[h][field], 0) + 1
    assert sorted(counts.values()) == sorted(expected.values()) and set(counts) == set(expected)


def test_group_by_without_a_value_only_knows_groups_it_already_uses():
    """Marathon's checkGroupBy: with one rack offered, nothing tells it other racks exist."""
    c, m = marathon_on({"a0": "rack:r0", "a1": "rack:r0"})
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": 4, "constraints": [["rack", "GROUP_BY"]]})
    c.run(3)
    assert len(hosts(m)) == 4


@pytest.mark.parametrize("constraint, allowed", [
    (["zone", "CLUSTER", "a"], {"a0", "a1"}),
    (["rack", "LIKE", "r[12]"], {"a2", "a3", "a4", "a5"}),
    (["rack", "UNLIKE", "r0"], {"a2", "a3", "a4", "a5"}),
    (["hostname", "CLUSTER", "a3"], {"a3"}),
], ids=["CLUSTER zone a keeps to zone a", "LIKE a regex", "UNLIKE a regex", "CLUSTER on hostname pins one host"])
def test_placement_constraints_restrict_hosts(constraint, allowed):
    c, m = marathon_on(RACKS)
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": 4, "constraints": [constraint]})
    c.run(5)
    assert hosts(m) and set(hosts(m)) <= allowed


def test_max_per_caps_instances_per_value():
    c, m = marathon_on(RACKS)
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": 6, "constraints": [["zone", "MAX_PER", "1"]]})
    c.run(5)
    assert len(hosts(m)) == 2


# ----------------------------------------------------------------------------- ports, DNS
def test_service_ports_from_10000_and_host_ports_from_the_offer():
    c, m = marathon_on({"a0": None})
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "portDefinitions": [{"port": 0}, {"port": 0}]})
    m.add_app({"id": "api", "cmd": "serve", "cpus": 0.1, "mem": 32})
    m.add_app({"id": "db", "cmd": "serve", "cpus": 0.1, "mem": 32, "portDefinitions": [{"port": 15432}]})
    c.run(3)
    ports = {r["ID"]: r["SERVICE PORTS"] for r in m.apps()}
    assert ports == {"/api": "10002", "/db": "15432", "/web": "10000,10001"}
    used = [p for t in c.tasks() for lo, hi in t.resources["ports"] for p in range(lo, hi + 1)]
    assert sorted(used) == [31000, 31001, 31002, 31003]
    assert {t["DNS"] for t in m.tasks()} == {"web.marathon.mesos", "api.marathon.mesos", "db.marathon.mesos"}


def test_nested_app_id_gives_a_dns_safe_name():
    c, m = marathon_on({"a0": None})
    m.add_app({"id": "/prod/web", "cmd": "serve", "cpus": 0.1, "mem": 32})
    c.run(3)
    assert m.tasks()[0]["DNS"] == mesos.dns_name("web.prod", "marathon") == "web-prod.marathon.mesos"
    assert m.tasks()[0]["ID"] == "prod_web.instance-1"


# ----------------------------------------------------------------------------- relaunch and backoff
@pytest.mark.parametrize("failures, delay", [(0, 0.0), (1, 1.0), (2, 1.15), (3, 1.3225), (100, 3600.0)],
                         ids=["no failure: no delay", "first failure waits backoffSeconds",
                              "second failure multiplies by 1.15", "third failure by 1.15 squared",
                              "many failures are capped at maxLaunchDelaySeconds"])
def test_launch_delay_follows_marathon_defaults(failures, delay):
    assert launch_delay(failures) == pytest.approx(delay)


@pytest.mark.parametrize("partition_aware, state", [(False, "TASK_LOST"), (True, "TASK_UNREACHABLE")],
                         ids=["an old framework hears TASK_LOST", "a partition-aware one hears TASK_UNREACHABLE"])
def test_agent_loss_relaunches_the_instance_elsewhere_after_backoff(partition_aware, state):
    c, m = marathon_on({"a0": None, "a1": None, "a2": None}, partition_aware=partition_aware)
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": 2, "constraints": [["hostname", "UNIQUE"]]})
    c.run(3)
    victim = hosts(m)[0]
    c.fail_agent(victim)
    c.run(mesos.AGENT_PING_TIMEOUT * (mesos.MAX_AGENT_PING_TIMEOUTS + 1) + 5)
    events = [e["EVENT"] for e in m.events()]
    assert any(e.startswith(state) and "relaunch in 1s (backoff, failure 1)" in e for e in events)
    assert sorted(hosts(m)) == sorted({"a0", "a1", "a2"} - {victim})
    assert m.apps().rows[0]["INSTANCES"] == "2/2"


def test_a_dropped_launch_is_relaunched_after_backoff():
    c, m = marathon_on({"a0": None}, partition_aware=True)
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": 1})
    c.run(3)
    (fid,) = c.master.frameworks
    task_id = m.tasks("/web")[0]["ID"]
    # what the driver answers for an accept it dropped while disconnected (sched.cpp acceptOffers)
    m.status_update(c.driver(fid), mesos.TaskStatus(task_id, mesos.TaskState.TASK_DROPPED, "REASON_MASTER_DISCONNECTED",
                                                    "Master disconnected", None, fid, c.now))
    assert any(e["EVENT"].startswith("TASK_DROPPED (REASON_MASTER_DISCONNECTED); relaunch in 1s") for e in m.events())


def test_consecutive_failures_grow_the_delay_and_suppress_meanwhile():
    c, m = marathon_on({"a0": None, "a1": None, "a2": None})
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": 1, "backoffSeconds": 10, "backoffFactor": 2})
    c.run(3)
    delays = []
    for _ in range(3):
        c.fail_agent(hosts(m)[0])
        c.run(200)
        delays.append(m.app("web").delay_until)
    events = [e["EVENT"] for e in m.events() if "relaunch" in e["EVENT"]]
    assert [e.split("relaunch in ")[1].split("s ")[0] for e in events] == ["10", "20", "40"]


def test_health_check_failures_kill_and_replace_the_task():
    c, m = marathon_on({"a0": None, "a1": None})
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32,
               "healthChecks": [{"gracePeriodSeconds": 5, "intervalSeconds": 2, "maxConsecutiveFailures": 3}]})
    c.run(4)
    assert m.apps().rows[0]["HEALTH"] == "1 healthy"
    sick = m.tasks().rows[0]["ID"]
    m.fail_health(sick)
    c.run(30)
    assert sick not in [t["ID"] for t in m.tasks()]
    assert any("failed 3 health checks in a row" in e["EVENT"] for e in m.events())
    assert m.apps().rows[0]["INSTANCES"] == "1/1" and m.apps().rows[0]["HEALTH"] == "1 healthy"


def test_scale_down_kills_the_newest_without_backoff():
    c, m = marathon_on({"a0": None, "a1": None})
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": 4})
    c.run(3)
    m.scale("web", 1)
    c.run(3)
    assert [t["ID"] for t in m.tasks()] == ["web.instance-1"]
    assert m.app("web").failures == 0


# ----------------------------------------------------------------------------- offer hygiene
def test_marathon_declines_for_120s_suppresses_when_done_and_revives_on_scale():
    c, m = marathon_on({"a0": None, "a1": None})
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": 1})
    c.run(3)
    outcomes = {(r["OUTCOME"], r["DETAIL"]) for r in c.offers_log()}
    assert ("declined", "refuse_seconds=120") in outcomes
    assert m.suppressed
    assert "framework 'marathon' suppressed offers" in [e["EVENT"] for e in c.events("master")]
    m.scale("web", 2)
    assert not m.suppressed
    c.run(3)
    assert "framework 'marathon' revived offers (filters cleared)" in [e["EVENT"] for e in c.events("master")]
    assert len(hosts(m)) == 2 and m.suppressed


# ----------------------------------------------------------------------------- bad app definitions
GOOD = {"id": "web", "cmd": "serve", "cpus": 0.5, "mem": 64}


@pytest.mark.parametrize("change, field", [
    ({"id": "Web App"}, "id"),
    ({"id": None}, "id"),
    ({"cpus": 0}, "cpus"),
    ({"mem": "lots"}, "mem"),
    ({"instances": -1}, "instances"),
    ({"instances": 1.5}, "instances"),
    ({"cmd": None}, "cmd"),
    ({"constraints": [["hostname", "UNIQ"]]}, "constraints[0]"),
    ({"constraints": [["zone", "CLUSTER"]]}, "constraints[0]"),
    ({"constraints": "hostname:UNIQUE"}, "constraints"),
    ({"constraints": [["rack", "MAX_PER", "two"]]}, "constraints[0]"),
    ({"healthChecks": [{"intervalSeconds": 0}]}, "intervalSeconds"),
    ({"healthChecks": [{"graceSeconds": 10}]}, "healthChecks[0].graceSeconds"),
    ({"portDefinitions": [{"port": 70000}]}, "portDefinitions[0].port"),
    ({"backoffFactor": 0.5}, "backoffFactor"),
    ({"replicas": 3}, "replicas"),
], ids=["an id with capitals and a space", "no id", "zero cpus", "mem that is not a number", "negative instances",
        "fractional instances", "no cmd", "an unknown constraint operator", "CLUSTER without a value",
        "constraints as a string", "MAX_PER with a word", "a zero health-check interval",
        "a misspelt health-check field", "a port above 65535", "a backoff factor below 1",
        "a Kubernetes field (replicas)"])
def test_bad_app_definition_names_the_field_and_changes_nothing(change, field):
    c, m = marathon_on({"a0": None})
    with pytest.raises(AppDefinitionError, match=field.replace("[", r"\[").replace("]", r"\]")):
        m.add_app({**GOOD, **change})
    assert len(m.apps()) == 0


def test_duplicate_app_and_service_port_are_refused():
    c, m = marathon_on({"a0": None})
    m.add_app({**GOOD, "portDefinitions": [{"port": 12000}]})
    with pytest.raises(AppDefinitionError, match="already exists"):
        m.add_app(GOOD)
    with pytest.raises(AppDefinitionError, match=r"portDefinitions\[0\].port: service port 12000"):
        m.add_app({**GOOD, "id": "other", "portDefinitions": [{"port": 12000}]})
    with pytest.raises(FrameworkError, match="app_id"):
        m.scale("nope", 2)
    with pytest.raises(FrameworkError, match="sim"):
        Marathon(c)


# ----------------------------------------------------------------------------- Chronos
def chronos_on(n_agents=2, start="2026-01-01T00:00:00Z"):
    c = cluster_with({f"a{i}": None for i in range(n_agents)})
    ch = Chronos(c.sim, start=start)
    c.register(ch, name="chronos")
    return c, ch


@pytest.mark.parametrize("schedule, seconds, runs", [
    ("R5/2026-01-01T00:00:00Z/PT1H", 6 * 3600, 5),
    ("R5/2026-01-01T00:00:00Z/PT1H", 2.5 * 3600, 3),
    ("R3//PT10M", 3600, 3),
    ("R/2026-01-01T00:30:00Z/PT15M", 3600, 2),
    ("R2/2025-12-31T23:00:00Z/PT30M", 3600, 0),
    ("R4/2025-12-31T23:30:00Z/PT30M", 3600, 2),
], ids=["R5 hourly runs five times", "after 2.5 hours three runs are done", "an empty start means now",
        "R repeats forever from its start", "runs before the start of time are skipped",
        "only the runs after time 0 happen"])
def test_chronos_runs_the_right_number_of_times(schedule, seconds, runs):
    c, ch = chronos_on()
    ch.add_job({"name": "job", "command": "true", "schedule": schedule, "duration": 5})
    c.run(seconds)
    assert ch.jobs().rows[0]["SUCCESSES"] == runs


@pytest.mark.parametrize("failures, retries, successes, errors, launches", [
    (1, 2, 1, 0, 2), (2, 2, 1, 0, 3), (3, 2, 0, 1, 3), (1, 0, 0, 1, 1),
], ids=["one failure is retried", "two failures use both retries", "three failures exhaust two retries",
        "no retries: the first failure is an error"])
def test_chronos_retries_failed_runs(failures, retries, successes, errors, launches):
    c, ch = chronos_on()
    ch.add_job({"name": "flaky", "command": "false", "schedule": "R1//PT1H", "duration": 5,
                "failures": failures, "retries": retries})
    c.run(300)
    row = ch.jobs().rows[0]
    assert (row["SUCCESSES"], row["ERRORS"]) == (successes, errors)
    assert sum(1 for r in ch.runs() if r["EVENT"].startswith("launched")) == launches
    assert all(r["TASK"].startswith("ct:1767225600000:") for r in ch.runs())


def test_dependent_job_waits_for_all_parents():
    c, ch = chronos_on()
    ch.add_job({"name": "extract", "command": "e", "schedule": "R2//PT30M", "duration": 60})
    ch.add_job({"name": "load", "command": "l", "schedule": "R2/2026-01-01T00:05:00Z/PT30M", "duration": 60})
    ch.add_job({"name": "report", "command": "r", "parents": ["extract", "load"]})
    c.run(3600)
    assert {r["NAME"]: r["SUCCESSES"] for r in ch.jobs()} == {"extract": 2, "load": 2, "report": 2}
    first_report = next(r["TIME"] for r in ch.runs() if r["JOB"] == "report")
    assert first_report > 300 + 60


def test_chronos_suppresses_between_runs():
    c, ch = chronos_on()
    ch.add_job({"name": "job", "command": "true", "schedule": "R2//PT10M", "duration": 5})
    c.run(60)
    assert ch.suppressed
    assert ch.jobs().rows[0]["NEXT RUN"] == "2026-01-01T00:10:00Z"


@pytest.mark.parametrize("job, field", [
    ({"name": "j", "command": "x", "schedule": "every hour"}, "schedule"),
    ({"name": "j", "command": "x", "schedule": "R5/2026-01-01T00:00:00Z/P1M"}, "schedule period"),
    ({"name": "j", "command": "x", "schedule": "X5/2026-01-01T00:00:00Z/PT1H"}, "schedule"),
    ({"name": "j", "command": "x", "schedule": "R5/2026-01-01 00:00/PT1H"}, "schedule start"),
    ({"name": "j", "command": "x", "schedule": "R5/2026-01-01T00:00:00/PT1H"}, "schedule start"),
    ({"name": "j", "command": "x", "schedule": "R5//PT0S"}, "schedule period"),
    ({"name": "j", "command": "x"}, "schedule"),
    ({"name": "j", "command": "x", "parents": ["ghost"]}, "parents"),
    ({"name": "j", "command": "x", "schedule": "R//PT1H", "retries": -1}, "retries"),
    ({"name": "j", "command": "x", "schedule": "R//PT1H", "cpus": "1"}, "cpus"),
    ({"name": "j", "schedule": "R//PT1H"}, "command"),
    ({"name": "bad name!", "command": "x", "schedule": "R//PT1H"}, "name"),
    ({"name": "j", "command": "x", "schedule": "R//PT1H", "cron": "* * * * *"}, "cron"),
], ids=["a schedule in words", "a period in months", "repetitions without R", "a start that is not ISO 8601",
        "a start without a time zone", "a zero period", "neither schedule nor parents", "an unknown parent",
        "negative retries", "cpus as a string", "no command", "a name with spaces", "an unknown field"])
def test_bad_chronos_job_names_the_field(job, field):
    c, ch = chronos_on()
    with pytest.raises(JobDefinitionError, match=field):
        ch.add_job(job)
    assert len(ch.jobs()) == 0


def test_iso_durations():
    assert [parse_duration(d) for d in ("PT1H", "P1D", "P1W", "PT1M30S")] == [3600, 86400, 604800, 90]


# ----------------------------------------------------------------------------- Batch
def batch_run(locality_wait, seed=0):
    c = cluster_with({f"a{i}": None for i in range(6)}, seed=seed, res="cpus:2;mem:4096")
    b = Batch(c.sim)
    c.register(b, name="spark")
    b.submit("etl", n_tasks=24, resources="cpus:1;mem:256", duration=1,
             preferred=[["a0", "a1"]] * 24, locality_wait=locality_wait)
    c.run(120)
    return b.job("etl"), b.stats().rows[0]


def test_delay_scheduling_improves_locality_at_a_small_wait_cost():
    no_wait, row0 = batch_run(0.0)
    wait, row3 = batch_run(3.0)
    local = [sum(1 for t in j.tasks if t.local) for j in (no_wait, wait)]
    assert row0["DONE"] == row3["DONE"] == "24/24"
    assert local[1] > local[0]
    assert row3["LOCAL"] == "24/24"
    assert len(wait.wait_times()) == 24 and max(wait.wait_times()) < 60


def test_locality_declines_are_short_and_visible_in_offers_log():
    c = cluster_with({f"a{i}": None for i in range(3)}, res="cpus:1;mem:1024")
    b = Batch(c.sim)
    c.register(b, name="spark")
    b.submit("j", n_tasks=3, resources="cpus:1;mem:128", duration=5, preferred=["a0"] * 3, locality_wait=3.0)
    c.run(30)
    details = [r["DETAIL"] for r in c.offers_log() if r["OUTCOME"] == "declined"]
    assert details and all(float(d.split("=")[1]) <= 3.0 for d in details)
    assert b.stats().rows[0]["DONE"] == "3/3" and b.suppressed


def test_batch_without_preferences_records_waits():
    c = cluster_with({"a0": None}, res="cpus:2;mem:4096")
    b = Batch(c.sim)
    c.register(b, name="spark")
    b.submit("j", n_tasks=4, resources="cpus:1;mem:128", duration=10)
    c.run(60)
    row = b.stats().rows[0]
    assert row["DONE"] == "4/4" and row["LOCAL"] == "-"
    assert sorted(b.job("j").wait_times()) == pytest.approx([0.0, 0.0, 11.0, 11.0])


@pytest.mark.parametrize("kwargs, field", [
    ({"n_tasks": 0}, "n_tasks"),
    ({"n_tasks": 2, "duration": -1}, "duration"),
    ({"n_tasks": 2, "locality_wait": "3s"}, "locality_wait"),
    ({"n_tasks": 2, "preferred": ["a0"]}, "preferred"),
    ({"n_tasks": 2, "preferred": ["a0", 7]}, r"preferred\[1\]"),
    ({"n_tasks": 2, "resources": "cpus=1"}, "resources"),
], ids=["no tasks", "a negative duration", "a wait given as text", "too few preferences",
        "a preference that is not an agent name", "a malformed resource string"])
def test_bad_batch_job_names_the_field(kwargs, field):
    c = cluster_with({"a0": None})
    b = Batch(c.sim)
    with pytest.raises(mesos.ResourceError if field == "resources" else FrameworkError, match=field):
        b.submit("j", **kwargs)
    assert len(b.stats()) == 0


# ----------------------------------------------------------------------------- determinism
def everything(seed):
    c = cluster_with({f"a{i}": f"rack:r{i % 3}" for i in range(6)}, seed=seed)
    m, ch, b = Marathon(c.sim), Chronos(c.sim), Batch(c.sim)
    c.register(m, name="marathon")
    c.register(ch, name="chronos")
    c.register(b, name="spark")
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.5, "mem": 128, "instances": 4, "constraints": [["rack", "GROUP_BY"]]})
    ch.add_job({"name": "tick", "command": "date", "schedule": "R//PT2M", "duration": 20})
    b.submit("etl", n_tasks=20, duration=3, preferred=[f"a{i % 6}" for i in range(20)])
    c.run(120)
    c.fail_agent("a1")
    c.run(200)
    return [(r["TIME"], r["OFFER"], r["FRAMEWORK"], r["AGENT"], r["RESOURCES"], r["OUTCOME"], r["DETAIL"]) for r in c.offers_log()]


def test_same_seed_same_offers_log():
    assert everything(3) == everything(3)


# ----------------------------------------------------------------------------- property: UNIQUE under failures
STEPS = st.lists(st.tuples(st.sampled_from(["fail", "restore", "scale", "run"]), st.integers(0, 4), st.integers(1, 6)),
                 min_size=1, max_size=8)


@settings(max_examples=15, deadline=None)
@given(steps=STEPS)
def test_unique_holds_through_failures_restores_and_scaling(steps):
    c, m = marathon_on({f"a{i}": None for i in range(5)})
    m.add_app({"id": "web", "cmd": "serve", "cpus": 0.1, "mem": 32, "instances": 3, "constraints": [["hostname", "UNIQUE"]]})
    for op, agent, n in steps:
        if op == "fail":
            c.fail_agent(f"a{agent}")
        elif op == "restore":
            c.restore_agent(f"a{agent}")
        elif op == "scale":
            m.scale("web", n)
        c.run(40)
        h = hosts(m)
        assert len(h) == len(set(h)) <= 5
        running = [t.agent for t in c.tasks() if t.state == mesos.TaskState.TASK_RUNNING]
        assert len(running) == len(set(running))
