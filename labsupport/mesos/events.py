"""The Mesos cluster's event log: every registration, election, missed ping and executor, as structured records.

Each entry is a :class:`labsupport.core.EventRecord` -- the same record type as Kubernetes
Events -- with a ``reason`` from the table below and the ids of the objects it is about
(``Agent``, ``Framework``, ``Master``, ``Role``; frameworks by framework id, agents by agent id).
``Cluster.events()`` prints TIME, SOURCE and the message; plots read ``reason`` and the ids
(``Cluster.event_records()``), never the message, so a framework called ``bob's web`` or an agent
called ``zookeeper`` is drawn like any other.

Real Mesos has no event objects of this kind: the master and agents write log lines
(``LOG(INFO)`` in src/master/master.cpp, src/slave/slave.cpp) and the v1 operator API streams
typed events (``AGENT_ADDED``, ``FRAMEWORK_ADDED``, ``TASK_UPDATED`` ... in
include/mesos/v1/master/master.proto). The reasons here name those moments in the style of
Kubernetes Event reasons, so the two simulators read alike.

>>> log = EventLog(lambda: 3.0)
>>> log.record("master", AGENT_REGISTERED, "agent agent 1 registered with cpus:4", agent("agent 1"))
>>> [(e.time, e.reason, e.ids("Agent")) for e in log.records]
[(3.0, 'AgentRegistered', ['agent 1'])]
"""
from __future__ import annotations

from collections.abc import Callable

from labsupport.core.events import EventRecord, ObjectRef

__all__ = [
    "AGENT_FAILED", "AGENT_REGISTERED", "AGENT_REREGISTERED", "AGENT_RESTORED", "AGENT_STARTED", "AGENT_UNREACHABLE",
    "CALL_DROPPED", "EXECUTOR_EXITED", "EXECUTOR_LAUNCHED", "FRAMEWORK_DISCONNECTED", "FRAMEWORK_REGISTERED",
    "FRAMEWORK_REMOVED", "FRAMEWORK_RECONNECTED", "FRAMEWORK_REREGISTERED", "KILL_LOST", "LEADER_ELECTED",
    "LEADER_LOST", "MASTER_CRASHED", "MASTER_RECOVERING", "MASTER_STANDBY", "MASTER_STARTED", "NO_MASTER_CONTENDING",
    "OFFERS_REVIVED", "OFFERS_SUPPRESSED", "OPERATION_APPLIED", "PING_MISSED", "QUOTA_SET", "SESSION_EXPIRED",
    "EventLog", "agent", "framework", "master", "role",
    # issue 14: quorums, agents leaving, maintenance
    "ZK_SERVER_STOPPED", "ZK_SERVER_STARTED", "ZK_QUORUM_LOST", "ZK_QUORUM_RESTORED", "ELECTION_WAITING",
    "REGISTRY_UNAVAILABLE", "MASTER_STOPPED", "AGENT_REGISTRATION_PENDING", "AGENT_REMOVED", "MAINTENANCE_SCHEDULED",
    "INVERSE_OFFER_SENT", "MACHINE_DOWN",
]

# ---- reasons: (source that records it) what happened
AGENT_STARTED = "AgentStarted"                  # (agent) started while no master leads
AGENT_REGISTERED = "AgentRegistered"            # (master) a new agent registered with its resources
AGENT_REREGISTERED = "AgentReregistered"        # (master) an agent registered again (came back, new leader)
AGENT_FAILED = "AgentFailed"                    # (agent) stopped answering: crash or partition
AGENT_RESTORED = "AgentRestored"                # (agent) answers again, maybe after a reboot
PING_MISSED = "PingMissed"                      # (master) one unanswered health-check ping
AGENT_UNREACHABLE = "AgentUnreachable"          # (master) agent given up
EXECUTOR_LAUNCHED = "ExecutorLaunched"          # (agent) a framework's executor started
EXECUTOR_EXITED = "ExecutorExited"              # (agent) ... exited with its last task
OPERATION_APPLIED = "OperationApplied"          # (agent) RESERVE/UNRESERVE/CREATE/DESTROY changed its resources
FRAMEWORK_REGISTERED = "FrameworkRegistered"    # (master) a new framework, with its id and role
FRAMEWORK_REREGISTERED = "FrameworkReregistered"  # (master or framework) registered again with a leader
FRAMEWORK_DISCONNECTED = "FrameworkDisconnected"  # (master) the scheduler went away
FRAMEWORK_RECONNECTED = "FrameworkReconnected"  # (master) the scheduler is back, waiting for a leader
FRAMEWORK_REMOVED = "FrameworkRemoved"          # (master) failover_timeout passed
CALL_DROPPED = "CallDropped"                    # (framework) a driver call made while not registered
OFFERS_SUPPRESSED = "OffersSuppressed"          # (master) SUPPRESS
OFFERS_REVIVED = "OffersRevived"                # (master) REVIVE
KILL_LOST = "KillLost"                          # (master) KILL for a task on an unreachable agent
QUOTA_SET = "QuotaSet"                          # (master) a role's quota changed
MASTER_STARTED = "MasterStarted"                # (zookeeper) a master created its znode
LEADER_ELECTED = "LeaderElected"                # (zookeeper) lowest znode: the leading master
MASTER_CRASHED = "MasterCrashed"                # (the master) the leading master crashed
LEADER_LOST = "LeaderLost"                      # (master) the leader is gone; offers void
SESSION_EXPIRED = "SessionExpired"              # (zookeeper) a crashed master's znode is deleted
MASTER_STANDBY = "MasterStandby"                # (a master) restarted as a standby
NO_MASTER_CONTENDING = "NoMasterContending"     # (zookeeper) nobody to elect
MASTER_RECOVERING = "MasterRecovering"          # (the new leader) waits for re-registrations
# issue 14 (labsupport.mesos.ha, .maintenance)
ZK_SERVER_STOPPED = "ZooKeeperServerStopped"    # (zookeeper) one server of the ensemble stopped
ZK_SERVER_STARTED = "ZooKeeperServerStarted"    # (zookeeper) ... restarted
ZK_QUORUM_LOST = "ZooKeeperQuorumLost"          # (zookeeper) fewer than a majority run: no writes, no elections
ZK_QUORUM_RESTORED = "ZooKeeperQuorumRestored"  # (zookeeper) a majority runs again
ELECTION_WAITING = "ElectionWaiting"            # (zookeeper) an election waits for the ZooKeeper quorum
REGISTRY_UNAVAILABLE = "RegistryUnavailable"    # (a master) cannot recover/write the registry: no log quorum
MASTER_STOPPED = "MasterStopped"                # (a master) stopped by the operator, or exited on a lost session
AGENT_REGISTRATION_PENDING = "AgentRegistrationPending"  # (agent) not admitted while the log has no quorum
AGENT_REMOVED = "AgentRemoved"                  # (agent) shut down and removed (decommissioned or machine DOWN)
MAINTENANCE_SCHEDULED = "MaintenanceScheduled"  # (master) machines put in DRAINING mode
INVERSE_OFFER_SENT = "InverseOfferSent"         # (master) a framework asked to give an agent back
MACHINE_DOWN = "MachineDown"                    # (master) the operator started maintenance


def agent(name: str) -> ObjectRef:
    """The agent with id ``name``."""
    return ObjectRef("Agent", name)


def framework(framework_id: str) -> ObjectRef:
    """The framework with id ``framework_id`` (not its name: two frameworks may share a name)."""
    return ObjectRef("Framework", framework_id)


def master(name: str) -> ObjectRef:
    """The master process ``name`` (``master-1`` ...)."""
    return ObjectRef("Master", name)


def role(name: str) -> ObjectRef:
    """The role ``name``."""
    return ObjectRef("Role", name)


class EventLog:
    """The cluster's events in the order they happened. ``now`` reads the simulated clock."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.records: list[EventRecord] = []

    def record(self, source: str, reason: str, message: str, *involved: ObjectRef) -> None:
        """Append one event: ``source`` is the component that saw it (as ``events()`` prints it)."""
        self.records.append(EventRecord(self.now(), source, reason, tuple(involved), message, seq=len(self.records)))

    def rows(self, source: str | None = None, reason: str | None = None) -> list[dict]:
        """``{"TIME", "SOURCE", "EVENT"}`` rows, optionally only of one source and/or one reason."""
        return [{"TIME": e.time, "SOURCE": e.source, "EVENT": e.message} for e in self.records
                if (source is None or e.source == source) and (reason is None or e.reason == reason)]
