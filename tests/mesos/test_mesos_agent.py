"""The Mesos agent on its own: it runs tasks and reports their states, with a stand-in master."""
from __future__ import annotations

import pytest

from labsupport import mesos
from labsupport.core import Simulation
from labsupport.mesos.agent import Agent, AgentState
from labsupport.mesos.resources import parse_resources
from labsupport.mesos.tasks import IMAGE_PULL_SECONDS, KILL_GRACE_SECONDS, STAGING_SECONDS, STARTING_SECONDS

S = mesos.TaskState


class FakeMaster:
    """Just what an agent needs from its master: a clock, a log, who leads, and an inbox for updates."""

    def __init__(self) -> None:
        self.sim = Simulation(seed=0)
        self.leader = "master-1"
        self.updates: list[tuple[float, str, str, str | None]] = []
        self.events: list[tuple[str, str]] = []

    def log(self, source, reason, message, *involved):
        self.events.append((reason, message))

    def status_update(self, task, state, reason):
        self.updates.append((self.sim.now, task.task_id, state.value, reason))


def _agent():
    master = FakeMaster()
    agent = Agent("agent-1", parse_resources("cpus:4;mem:4096"), {})
    agent.attach(master)
    return master, agent


def _launch(agent, name, **kw):
    info = agent.launch("0000-fw", "fw", mesos.Task(name, "cpus:1;mem:128", **kw), parse_resources("cpus:1;mem:128"))
    agent.start(info)
    return info


RUN = STAGING_SECONDS + STARTING_SECONDS


@pytest.mark.parametrize("task, updates", [
    ({"duration": 5}, [(STAGING_SECONDS, "TASK_STARTING"), (RUN, "TASK_RUNNING"), (RUN + 5, "TASK_FINISHED")]),
    ({"duration": 2, "exit_code": 1}, [(STAGING_SECONDS, "TASK_STARTING"), (RUN, "TASK_RUNNING"), (RUN + 2, "TASK_FAILED")]),
    ({"duration": None, "container": "nginx:1.27"},
     [(STAGING_SECONDS + IMAGE_PULL_SECONDS, "TASK_STARTING"), (RUN + IMAGE_PULL_SECONDS, "TASK_RUNNING")]),
], ids=["a command task starts, runs and finishes", "a task with exit code 1 fails",
        "a container task first pulls its image"])
def test_the_agent_moves_a_task_through_its_states_and_reports_each(task, updates):
    master, agent = _agent()
    _launch(agent, "t", **task)
    master.sim.run(30)
    assert [(round(t, 3), s) for t, _, s, _ in master.updates] == [(round(t, 3), s) for t, s in updates]


def test_the_executor_starts_with_the_first_task_and_exits_with_the_last():
    master, agent = _agent()
    _launch(agent, "a", duration=1)
    _launch(agent, "b", duration=3)
    master.sim.run(10)
    assert [r for r, _ in master.events] == ["ExecutorLaunched", "ExecutorExited"]
    assert agent.executors == {} and agent.live_tasks() == []


def test_a_kill_sends_killing_then_killed_after_the_grace_period():
    master, agent = _agent()
    info = _launch(agent, "t")
    master.sim.run(1)
    agent.kill(info)
    master.sim.run(KILL_GRACE_SECONDS)
    assert [s for _, _, s, _ in master.updates][-2:] == ["TASK_KILLING", "TASK_KILLED"]


def test_updates_wait_while_no_master_hears_the_agent_and_go_out_in_order_on_flush():
    master, agent = _agent()
    agent.failed = True
    _launch(agent, "t", duration=1)
    master.sim.run(5)
    assert master.updates == [] and [s.value for _, s, _ in agent.pending] == ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]
    agent.failed = False
    agent.flush()
    assert [s for _, _, s, _ in master.updates] == ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]


def test_a_reboot_ends_every_task_as_gone_and_forgets_the_images():
    master, agent = _agent()
    info = _launch(agent, "t", container="img:1")
    master.sim.run(5)
    agent.state = AgentState.UNREACHABLE
    agent.reboot()
    assert info.agent_state == S.TASK_GONE and agent.images == set() and agent.allocated() == {}


def test_allocated_sums_each_frameworks_live_tasks():
    master, agent = _agent()
    _launch(agent, "a")
    _launch(agent, "b")
    assert agent.allocated() == {"0000-fw": {("cpus", "*", ""): 2.0, ("mem", "*", ""): 256.0}}
