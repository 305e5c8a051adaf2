"""Failover on both sides of the master: a framework that goes away, and a master that goes away.

Part of :class:`labsupport.mesos.master.Master` (it mixes this class in).

* Framework failover: a scheduler that disconnects has ``failover_timeout`` seconds
  (``FrameworkInfo.failover_timeout``, default 0) to re-register with the same framework id;
  until then its tasks keep running, after that the master kills them and removes the framework
  (``Master::failoverFramework`` / ``removeFramework`` in src/master/master.cpp).
* Master failover: the new leader starts with an empty allocator and learns the cluster from
  the frameworks and agents that re-register (the registry holds only the agent list,
  https://mesos.apache.org/documentation/latest/high-availability/); an agent that does not
  re-register within ``agent_reregister_timeout`` (10 min) is marked unreachable.

>>> from labsupport import mesos
>>> c = mesos.Cluster(seed=0)
>>> fid = c.register(mesos.Scheduler(), name="batch", failover_timeout=60)
>>> c.disconnect_framework(fid); c.run(30); c.reconnect_framework(fid)
>>> c.get("frameworks").rows[0]["STATE"]
'active'
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from labsupport.mesos import events as ev
from labsupport.mesos.agent import AgentState
from labsupport.mesos.allocator import HierarchicalAllocator
from labsupport.mesos.health import AGENT_REREGISTER_TIMEOUT
from labsupport.mesos.messages import Disconnected, Reregistered
from labsupport.mesos.scheduler import offer_number
from labsupport.mesos.tasks import TaskState

if TYPE_CHECKING:
    from labsupport.mesos.master import Master

__all__ = ["REREGISTER_DELAY", "Failover"]

REREGISTER_DELAY = 1.0              # our choice: agents/frameworks notice a new leader and re-register

S = TaskState



class Failover:
    """Framework and master failover (mixed into :class:`~labsupport.mesos.master.Master`)."""

    # ================================================================== framework failover
    def disconnect_framework(self: Master, fid: str) -> None:
        """The scheduler process goes away. After ``failover_timeout`` its tasks are killed."""
        fw = self.live_framework(fid)
        if not fw.connected:
            return
        fw.connected = False
        fw.epoch += 1
        if fid in self.allocator.frameworks:
            self.allocator.set_active(fid, False)
        for oid in sorted(fw.offers, key=offer_number):
            self.rescind(oid, "framework disconnected", notify=False)
        self.log("master", ev.FRAMEWORK_DISCONNECTED, f"framework {fw.name!r} disconnected; failover_timeout {fw.failover_timeout:g}s",
                 ev.framework(fid))
        epoch = fw.epoch
        if not math.isinf(fw.failover_timeout):   # an infinite timeout waits forever
            self.sim.schedule(fw.failover_timeout, lambda: self._failover_expired(fid, epoch), label="failover_timeout")

    def _failover_expired(self: Master, fid: str, epoch: int) -> None:
        fw = self.frameworks[fid]
        if fw.connected or fw.removed or fw.epoch != epoch:
            return
        self.log("master", ev.FRAMEWORK_REMOVED,
                 f"framework {fw.name!r} did not reconnect within failover_timeout: removing it and killing its tasks", ev.framework(fid))
        fw.removed = True
        for agent in self.sorted_agents():
            for task in agent.live_tasks():
                if task.framework == fid:
                    agent.end(task, S.TASK_KILLED, "REASON_FRAMEWORK_REMOVED", report=False)
                    self.status_update(task, S.TASK_KILLED, "REASON_FRAMEWORK_REMOVED", notify=False)
        self.allocator.remove_framework(fid)

    def reconnect_framework(self: Master, fid: str) -> None:
        """The scheduler came back in time and re-registers with its framework id."""
        fw = self.live_framework(fid)
        if fw.connected:
            return
        fw.connected = True
        fw.epoch += 1
        if self.leader is None or fid not in self.allocator.frameworks:
            self.log("master", ev.FRAMEWORK_RECONNECTED, f"framework {fw.name!r} is back; it re-registers once a leader has recovered",
                     ev.framework(fid))
            return
        fw.leader = self.leader
        self.allocator.set_active(fid, True)
        self.log("master", ev.FRAMEWORK_REREGISTERED, f"framework {fw.name!r} re-registered", ev.framework(fid), ev.master(self.leader))
        self.send(fw, Reregistered(self.leader))
        self.flush_framework(fw)
        self.trigger_allocation()

    # ================================================================== master failover
    def lose_leadership(self: Master, why: str) -> None:
        """The leader is gone: every offer vanishes, frameworks are told ``disconnected``."""
        self.log("master", ev.LEADER_LOST, f"leader {self.leader} lost ({why}); offers are void until a new leader is elected",
                 *([ev.master(self.leader)] if self.leader else []))
        for oid in sorted(self.offers, key=offer_number):
            self.rescind(oid, "master failed over", notify=False, recover=False)
        self.leader = None
        for fw in self.frameworks.values():
            fw.leader = None          # it must re-register, even if the same master is re-elected
            if not fw.removed and fw.connected:
                self.send(fw, Disconnected())

    def take_leadership(self: Master, leader: str) -> None:
        """A newly elected master recovers: empty allocator; frameworks and agents re-register."""
        self.leader = leader
        self.allocator = HierarchicalAllocator(self.sim.rng, *self.sorters, self.allocation_interval)
        for role, w in sorted(self.weights.items()):
            self.allocator.set_weight(role, w)
        for role, (g, lim) in sorted(self.quotas.items()):
            self.allocator.set_quota(role, g, lim)
        for agent in self.sorted_agents():
            agent.reregistered = False
        self.sim.schedule(REREGISTER_DELAY, lambda: self._recover(leader), label="reregister")
        self.sim.schedule(AGENT_REREGISTER_TIMEOUT, lambda: self._reregister_timeout(leader), label="agent_reregister_timeout")

    def _recover(self: Master, leader: str) -> None:
        if self.leader != leader:
            return
        for fid in sorted(self.frameworks):
            fw = self.frameworks[fid]
            if fw.removed or fw.leader == leader:   # removed, or registered with this leader meanwhile
                continue
            self.allocator.add_framework(fid, fw.role)
            self.allocator.set_active(fid, fw.connected)
            if fw.suppressed:
                self.allocator.suppress(fid)
            if fw.connected:
                fw.leader = leader
                fw.epoch += 1
                self.log(fw.name, ev.FRAMEWORK_REREGISTERED, f"re-registered with new leader {leader}", ev.framework(fid), ev.master(leader))
                self.send(fw, Reregistered(leader))
                self.flush_framework(fw)
        for agent in self.sorted_agents():
            if agent.failed:
                continue
            self.reregister_agent(agent, f"new leader {leader}")

    def _reregister_timeout(self: Master, leader: str) -> None:
        if self.leader != leader:
            return
        for agent in self.sorted_agents():
            if agent.state == AgentState.ACTIVE and not agent.reregistered:
                self.mark_unreachable(agent, "did not re-register within agent_reregister_timeout")
