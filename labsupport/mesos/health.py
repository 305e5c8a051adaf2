"""Agent health as the master sees it: registration, pings, unreachable agents, re-registration.

Part of :class:`labsupport.mesos.master.Master` (it mixes this class in). The master pings every
registered agent every ``agent_ping_timeout`` (15 s); after ``max_agent_ping_timeouts`` (5)
unanswered pings it marks the agent unreachable (``SlaveObserver`` in src/master/master.cpp,
defaults in src/master/constants.hpp), rescinds its offers and tells each framework that its
tasks there are ``TASK_UNREACHABLE`` (partition-aware) or ``TASK_LOST``. When the agent comes
back it re-registers: partition-aware frameworks' tasks carry on, the others' are killed
(https://mesos.apache.org/documentation/latest/high-availability-framework-guide/).

>>> from labsupport import mesos
>>> c = mesos.Cluster(seed=0)
>>> c.add_agent("agent-1")
>>> c.fail_agent("agent-1"); c.run(AGENT_PING_TIMEOUT * (MAX_AGENT_PING_TIMEOUTS + 1))
>>> str(c.agents["agent-1"].state)
'UNREACHABLE'
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from labsupport.mesos import events as ev
from labsupport.mesos.agent import Agent, AgentState
from labsupport.mesos.resources import Resources
from labsupport.mesos.scheduler import offer_number
from labsupport.mesos.tasks import TaskInfo, TaskState

if TYPE_CHECKING:
    from labsupport.mesos.master import Master

__all__ = ["AGENT_PING_TIMEOUT", "AGENT_REREGISTER_TIMEOUT", "MAX_AGENT_PING_TIMEOUTS", "AgentHealth"]

AGENT_PING_TIMEOUT = 15.0           # DEFAULT_AGENT_PING_TIMEOUT, src/master/constants.hpp
MAX_AGENT_PING_TIMEOUTS = 5         # DEFAULT_MAX_AGENT_PING_TIMEOUTS
AGENT_REREGISTER_TIMEOUT = 600.0    # --agent_reregister_timeout default 10 mins

S = TaskState



class AgentHealth:
    """The master's view of its agents (mixed into :class:`~labsupport.mesos.master.Master`)."""

    def add_agent(self: Master, agent: Agent) -> None:
        """A new agent registers and reports its resources; the allocator may offer them at once."""
        agent.attach(self)
        agent.registered_at = self.sim.now
        self.allocator.add_agent(agent.name, agent.total.entries)
        self.log("master", ev.AGENT_REGISTERED, f"agent {agent.name} registered with {agent.total}", ev.agent(agent.name), ev.master(self.leader))
        self.trigger_allocation()

    def agent_failed(self: Master, agent: Agent) -> None:
        """Start missing pings: the master pings every 15 s; 5 missed pongs mark the agent unreachable."""
        agent.failed = True
        agent.epoch += 1
        agent.missed_pings = 0
        if agent.state != AgentState.ACTIVE or self.leader is None:
            return
        phase = (self.sim.now - agent.registered_at) % AGENT_PING_TIMEOUT
        first_ping = self.sim.now + ((AGENT_PING_TIMEOUT - phase) % AGENT_PING_TIMEOUT)
        epoch, leader = agent.epoch, self.leader
        for n in range(1, MAX_AGENT_PING_TIMEOUTS + 1):
            self.sim.schedule_at(first_ping + n * AGENT_PING_TIMEOUT,
                                 lambda n=n: self._ping_timeout(agent, epoch, leader, n), label="ping")

    def _ping_timeout(self: Master, agent: Agent, epoch: int, leader: str, n: int) -> None:
        """One unanswered ping; only the master that sent it counts it."""
        if agent.epoch != epoch or not agent.failed or agent.state != AgentState.ACTIVE or self.leader != leader:
            return
        agent.missed_pings = n
        self.log("master", ev.PING_MISSED, f"agent {agent.name} missed ping {n}/{MAX_AGENT_PING_TIMEOUTS}", ev.agent(agent.name))
        if n == MAX_AGENT_PING_TIMEOUTS:
            self.mark_unreachable(agent, "health check timed out")

    def mark_unreachable(self: Master, agent: Agent, why: str) -> None:
        """Give the agent up: rescind its offers, remove it from the allocator, tell frameworks about its tasks."""
        agent.state = AgentState.UNREACHABLE
        self.log("master", ev.AGENT_UNREACHABLE, f"marked agent {agent.name} unreachable ({why})", ev.agent(agent.name))
        for oid in sorted((o.id for o in self.offers.values() if o.agent == agent.name), key=offer_number):
            self.rescind(oid, f"agent {agent.name} unreachable", recover=False)
        self.allocator.remove_agent(agent.name)
        for task in list(agent.tasks.values()):
            if task.state.is_terminal:
                continue
            fw = self.frameworks.get(task.framework)
            if fw is not None and fw.partition_aware:
                self.status_update(task, S.TASK_UNREACHABLE, "REASON_SLAVE_REMOVED")
            else:
                self.status_update(task, S.TASK_LOST, "REASON_SLAVE_REMOVED")

    def agent_restored(self: Master, agent: Agent, rebooted: bool) -> None:
        """The agent is back. If the master already gave it up, it re-registers (and may have rebooted)."""
        agent.failed = False
        agent.epoch += 1
        agent.missed_pings = 0
        if rebooted:
            agent.reboot()
        if self.leader is None:
            return
        if rebooted and agent.state == AgentState.ACTIVE and agent.reregistered:
            # the master had not given the agent up yet: the new incarnation tells it the old tasks are gone
            for oid in sorted((o.id for o in self.offers.values() if o.agent == agent.name), key=offer_number):
                self.rescind(oid, f"agent {agent.name} restarted")
            for task in list(agent.tasks.values()):
                if not task.state.is_terminal:
                    self.status_update(task, self.gone_state(task), "REASON_SLAVE_RESTARTED")
        if agent.state == AgentState.UNREACHABLE:
            self.reregister_agent(agent, "agent came back")
        elif not agent.reregistered:
            self.reregister_agent(agent, f"found the new leader {self.leader}")
        else:
            agent.flush()

    def reregister_agent(self: Master, agent: Agent, why: str) -> None:
        """Re-admit an agent: partition-aware tasks carry on, others' tasks are killed."""
        agent.state = AgentState.ACTIVE
        agent.reregistered = True
        agent.registered_at = self.sim.now
        agent.pending = []
        self.log("master", ev.AGENT_REREGISTERED, f"agent {agent.name} re-registered ({why})", ev.agent(agent.name), ev.master(self.leader))
        for task in list(agent.tasks.values()):
            fw = self.frameworks.get(task.framework)
            if task.agent_state.is_terminal:
                if not task.state.is_terminal:
                    state = self.gone_state(task) if task.agent_state == S.TASK_GONE else task.agent_state
                    self.status_update(task, state, "REASON_SLAVE_RESTARTED" if task.agent_state == S.TASK_GONE else None)
                continue
            if fw is None or fw.removed or (task.state.is_terminal and not fw.partition_aware):
                # non-partition-aware: already told TASK_LOST; the master now shuts the task down
                agent.end(task, S.TASK_KILLED, "REASON_SLAVE_REMOVED", report=False)
                continue
            if task.state != task.agent_state:
                self.status_update(task, task.agent_state, "REASON_SLAVE_REREGISTERED")
        used = agent.allocated()
        idle = agent.total
        for entries in used.values():
            idle = idle - Resources(entries)
        self.allocator.add_agent(agent.name, idle.entries, used)
        self.trigger_allocation()

    def gone_state(self: Master, task: TaskInfo) -> TaskState:
        """TASK_GONE for partition-aware frameworks; older frameworks only know TASK_LOST."""
        fw = self.frameworks.get(task.framework)
        return S.TASK_GONE if fw is not None and fw.partition_aware else S.TASK_LOST
