"""/metrics/snapshot, /monitor/statistics and sandboxes of the simulated Mesos cell (issue 16)."""
from __future__ import annotations

import pytest

from labsupport import mesos
from labsupport.core import LabError
from labsupport.mesos.frameworks.marathon import Marathon
from labsupport.mesos.sandbox import command_task

CRASH = 'echo orders: starting; sleep 2; : "${DATABASE_URL:?must be set}"; exec orders-server'


class Relauncher(mesos.Scheduler):
    """Keeps one copy of a command running: relaunches it whenever it ends."""

    def __init__(self, cmd, env=None):
        self.cmd, self.env, self.seq, self.live = cmd, env, 0, 0

    def resource_offers(self, driver, offers):
        for o in offers:
            if self.live < 1:
                self.seq += 1
                self.live += 1
                driver.accept([o.id], [command_task(f"orders.{self.seq}", "cpus:0.5;mem:128", self.cmd, self.env)])
            else:
                driver.decline([o.id])

    def status_update(self, driver, status):
        if status.state.is_terminal:
            self.live -= 1


def make_cell(cfs=True, env=None):
    cell = mesos.Cluster(seed=0)
    cell.add_agent("agent-1", resources="cpus:4;mem:8192;disk:1000")
    cell.add_agent("agent-2", resources="cpus:4;mem:8192;disk:1000")
    cell.register(Relauncher(CRASH, env), name="orders", role="shop")
    mar = Marathon(cell.sim)
    cell.register(mar, name="marathon", role="web")
    mar.add_app({"id": "web", "cmd": "serve", "cpus": 1, "instances": 2})
    cell.set_quota("web", guarantee="cpus:1")
    cell.set_load("web", cpus=1.6, cgroups_enable_cfs=cfs)
    cell.run(120)
    return cell


@pytest.fixture(scope="module")
def cell():
    return make_cell()


# names from docs/monitoring.md and src/master/allocator/mesos/metrics.cpp of Mesos 1.11.0
NAMES = ["master/cpus_total", "master/cpus_used", "master/cpus_percent", "master/mem_total", "master/elected", "master/uptime_secs",
         "master/tasks_running", "master/tasks_failed", "master/tasks_staging", "master/frameworks_active", "master/frameworks_connected",
         "master/outstanding_offers", "master/slaves_active", "allocator/mesos/resources/cpus/total",
         "allocator/mesos/resources/cpus/offered_or_allocated", "allocator/mesos/roles/web/shares/dominant",
         "allocator/mesos/offer_filters/roles/shop/active", "allocator/mesos/quota/roles/web/resources/cpus/guarantee",
         "allocator/mesos/quota/roles/web/resources/cpus/offered_or_allocated", "allocator/mesos/quota/roles/web/resources/cpus/consumed",
         "master/frameworks/marathon/0001-marathon/offers/sent", "master/frameworks/orders/0000-orders/tasks/terminal/task_failed"]


@pytest.mark.parametrize("name", NAMES, ids=lambda n: f"the snapshot has {n}")
def test_snapshot_has_upstream_names(cell, name):
    snap = cell.metrics_snapshot()
    assert isinstance(snap[name], float)


@pytest.mark.parametrize("name,expected", [
    ("master/cpus_total", 8.0), ("master/elected", 1.0), ("master/tasks_running", 2.0), ("master/frameworks_active", 2.0),
    ("allocator/mesos/quota/roles/web/resources/cpus/guarantee", 1.0),
    ("allocator/mesos/quota/roles/web/resources/cpus/consumed", 2.0),
    ("allocator/mesos/roles/web/shares/dominant", 0.25),
], ids=lambda v: str(v))
def test_snapshot_values(cell, name, expected):
    assert cell.metrics_snapshot()[name] == pytest.approx(expected)


def test_failed_tasks_are_counted_and_the_sandbox_tells_why(cell):
    snap = cell.metrics_snapshot()
    failed = [t for t in cell.tasks() if t.state.value == "TASK_FAILED"]
    last = failed[-1].task_id
    assert snap["master/tasks_failed"] == len(failed) > 3
    assert cell.sandbox(last, "stdout") == "orders: starting"
    err = cell.sandbox(last, "stderr").splitlines()
    assert "sh: DATABASE_URL: must be set" in err
    assert err[-1].endswith("executor.cpp:1041] Command exited with status 1 (pid: " + err[-1].split("pid: ")[1])
    assert "Starting task " + last in err[3]


def test_fixing_the_command_environment_stops_the_crashes():
    cell = make_cell(env={"DATABASE_URL": "postgres://db:5432/shop"})
    assert cell.metrics_snapshot()["master/tasks_failed"] == 0
    assert cell.metrics_snapshot()["master/tasks_running"] == 3


@pytest.mark.parametrize("cfs,keys,user", [
    (True, {"cpus_nr_periods", "cpus_nr_throttled", "cpus_throttled_time_secs"}, 1.0),
    (False, set(), 1.6),
], ids=["with --cgroups_enable_cfs the task is capped and throttled", "without CFS (the default) a task may use more than it asked for"])
def test_monitor_statistics(cfs, keys, user):
    cell = make_cell(cfs=cfs)
    stats = cell.monitor_statistics("agent-2") + cell.monitor_statistics("agent-1")
    web = [s for s in stats if s["executor_id"].startswith("web")]
    s0 = web[0]["statistics"]
    cell.run(60)
    s1 = next(s for s in cell.monitor_statistics(_agent_of(cell, web[0]["executor_id"])) if s["executor_id"] == web[0]["executor_id"])["statistics"]
    rate = (s1["cpus_user_time_secs"] - s0["cpus_user_time_secs"]) / (s1["timestamp"] - s0["timestamp"])
    assert keys <= set(s0) and (keys or not {"cpus_nr_periods"} & set(s0))
    assert rate == pytest.approx(user)
    assert s0["cpus_limit"] == 1.0


def _agent_of(cell, task_id):
    return next(t.agent for t in cell.tasks() if t.task_id == task_id)


def test_server_sandbox_has_request_lines(cell):
    out = cell.sandbox("web.instance-1", "stdout").splitlines()
    assert out[-1] == "served 5000 requests in the last 10s, mean latency 32 ms"


@pytest.mark.parametrize("call,message", [
    (lambda c: c.sandbox("nope", "stdout"), "task_id: no task 'nope'"),
    (lambda c: c.sandbox("web.instance-1", "log"), "a sandbox has 'stdout' and 'stderr'"),
    (lambda c: c.monitor_statistics("agent-9"), 'no agent named "agent-9"'),
    (lambda c: c.set_load("(", cpus=1), "not a regular expression"),
    (lambda c: c.set_load("web", cpus=-1), "cpus: must be a number >= 0"),
], ids=["an unknown task is named", "only stdout and stderr exist", "an unknown agent is named",
        "a bad task pattern is refused", "a negative load is refused"])
def test_learner_errors(cell, call, message):
    with pytest.raises(LabError, match=message.replace("(", r"\(")):
        call(cell)


def test_standby_view_during_election():
    cell = mesos.Cluster(seed=0, masters=3)
    cell.run(5)
    cell.fail_master()
    assert cell.metrics_snapshot() == {"master/elected": 0.0}


def test_counters_reset_on_failover():
    cell = make_cell()
    before = cell.metrics_snapshot()["master/tasks_failed"]
    cell2 = mesos.Cluster(seed=0, masters=3)
    cell2.add_agent("agent-1")
    cell2.register(Relauncher(CRASH), name="orders")
    cell2.run(60)
    n = cell2.metrics_snapshot()["master/tasks_failed"]
    cell2.fail_master()
    cell2.run(30)
    after = cell2.metrics_snapshot()
    assert before > 0 and n > 0
    assert after["master/tasks_failed"] < n and after["master/uptime_secs"] < 30


def test_command_task_reads_the_command():
    t = command_task("x", "cpus:1", "echo hi; sleep 3; exit 2")
    assert (t.duration, t.exit_code) == (3.0, 2)
    with pytest.raises(LabError, match="command: must be a non-empty shell command"):
        command_task("x", "cpus:1", "  ")


def test_state_summary_counts_tasks_per_agent(cell):
    rows = {r["AGENT"]: r for r in cell.observability.state_summary()}
    assert sum(r["TASK_RUNNING"] for r in rows.values()) == cell.metrics_snapshot()["master/tasks_running"]
    assert sum(r["TASK_FAILED"] for r in rows.values()) == cell.metrics_snapshot()["master/tasks_failed"]
