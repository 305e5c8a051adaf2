"""The Mesos master: frameworks, offers and the task states frameworks are told.

The master runs the allocator every ``allocation_interval``, turns its decisions into offers,
validates what frameworks do with them (``Master::accept`` in src/master/master.cpp), and
relays the task status updates its agents send. The master is split by responsibility, one
module each, so each part reads on its own:

* this module: the allocation loop, offers (made, accepted, declined, rescinded, expired),
  framework registration, weights and quota, recording task states and delivering messages to
  schedulers (one function, :func:`labsupport.mesos.messages.deliver`);
* :mod:`labsupport.mesos.calls`: the scheduler driver's calls (accept, decline, suppress,
  revive, kill, reconcile) and their validation;
* :mod:`labsupport.mesos.health`: agent registration, pings, unreachable agents, re-registration;
* :mod:`labsupport.mesos.failover`: framework failover (``failover_timeout``) and master
  failover (a new leader recovers from re-registering frameworks and agents);
* the agent's own work (executors, images, task timers, held updates) is in
  :mod:`labsupport.mesos.agent`, as the kubelet's is in :mod:`labsupport.k8s.kubelet`.

Things to notice when reading it:

* an accepted offer's unused resources go back to the allocator *with a decline filter*
  (``refuse_seconds``, default 5 s), exactly like a decline;
* a misused offer raises :class:`OfferError` before anything changes; an invalid task in a valid
  accept (duplicate task ID, no resources) is not launched: the framework gets ``TASK_ERROR``
  with reason ``REASON_TASK_INVALID`` and the validation message (src/master/validation.cpp),
  which the offer's DETAIL in the offers log repeats;
* agents are health-checked with pings every ``agent_ping_timeout`` (15 s); after
  ``max_agent_ping_timeouts`` (5) missed pongs the agent is marked unreachable
  (src/master/constants.hpp; flags in https://mesos.apache.org/documentation/latest/configuration/master/);
  its tasks become ``TASK_UNREACHABLE`` for partition-aware frameworks, ``TASK_LOST`` otherwise
  (https://mesos.apache.org/documentation/latest/high-availability-framework-guide/);
* a framework that disconnects has ``failover_timeout`` seconds to come back, else its tasks
  are killed and it is removed (default 0: at once).

The master holds no pointer back to the cluster: it gets the simulation, the agents and a log
function ``log(source, reason, message, *involved)`` (:mod:`labsupport.mesos.events`) when it is built.

Simplifications (kept on purpose, so the code stays readable):

* one executor per framework per agent runs all that framework's tasks there; real Mesos gives
  each *command* task its own command executor. Executor overhead resources are not modelled;
* ``TASK_KILLING`` is always sent (real Mesos only sends it to frameworks that declared the
  ``TASK_KILLING_STATE`` capability);
* updates an agent could not deliver (partition, election) are replayed in order when it
  re-registers after a short blip; after the master gave the agent up, the framework gets the
  task's *current* state once (reason ``REASON_SLAVE_REREGISTERED``);
* after an election every framework and agent re-registers ``REREGISTER_DELAY`` (1 s) later;
  an agent that is still down is marked unreachable after ``agent_reregister_timeout`` (10 min);
* while a framework is not registered with the leader (no leader, the framework is
  disconnected, or a new leader -- even the same master restarted -- has not re-registered it
  yet), every driver call is dropped and logged, as the scheduler driver drops calls while
  disconnected (``SchedulerProcess`` in src/sched/sched.cpp): a dropped ``accept`` answers each
  task with ``TASK_DROPPED`` (``TASK_LOST`` for frameworks that are not partition-aware),
  reason ``REASON_MASTER_DISCONNECTED``.

>>> from labsupport.mesos.resources import parse_resources
>>> sim, log = Simulation(seed=0), []
>>> agents = {"a1": Agent("a1", parse_resources("cpus:2;mem:512"), {})}
>>> master = Master(sim, agents, lambda source, reason, message, *about: log.append(reason))
>>> master.start("master-1"); master.add_agent(agents["a1"])
>>> fid = master.register(Scheduler(), "idle", "*", None, 0.0, False)
>>> sim.run(0)                      # the allocation triggered by the registration
>>> [(o.id, str(o.resources)) for o in master.offers.values()]
[('O1', 'cpus:2;mem:512')]
>>> log
['AgentRegistered', 'FrameworkRegistered']
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from labsupport.core import LabError, Simulation, priorities
from labsupport.mesos import events as ev
from labsupport.mesos.agent import Agent
from labsupport.mesos.allocator import HierarchicalAllocator
from labsupport.mesos.calls import DriverCalls
from labsupport.mesos.failover import Failover
from labsupport.mesos.health import AGENT_PING_TIMEOUT, AGENT_REREGISTER_TIMEOUT, MAX_AGENT_PING_TIMEOUTS, AgentHealth
from labsupport.mesos.messages import (
    Message,
    OfferRescinded,
    Registered,
    ResourceOffers,
    StatusUpdate,
    deliver,
)
from labsupport.mesos.resources import Resources
from labsupport.mesos.scheduler import Offer, Scheduler, SchedulerDriver, offer_number
from labsupport.mesos.tasks import TaskInfo, TaskState, TaskStatus

__all__ = [
    "AGENT_PING_TIMEOUT", "AGENT_REREGISTER_TIMEOUT", "MAX_AGENT_PING_TIMEOUTS",
    "Framework", "Master", "OfferRecord",
]


@dataclass
class Framework:
    """The master's record of a registered framework."""

    id: str
    name: str
    role: str
    scheduler: Scheduler
    driver: SchedulerDriver
    failover_timeout: float
    partition_aware: bool
    registered_at: float
    connected: bool = True
    leader: str | None = None                     # the leader it is registered with (None after a failover)
    suppressed: bool = False
    removed: bool = False
    offers: set = field(default_factory=set)
    pending: list = field(default_factory=list)   # status updates waiting for a connection
    told: dict = field(default_factory=dict)      # task_id -> last state delivered
    epoch: int = 0

    @property
    def label(self) -> str:
        """How errors name it: ``'web' (0000-web)``."""
        return f"{self.name!r} ({self.id})"


@dataclass
class OfferRecord:
    """One offer and what became of it: a row of ``Cluster.offers_log()`` (plus the framework's id)."""

    time: float
    offer: str
    framework_id: str
    framework: str
    agent: str
    resources: Resources
    outcome: str = "outstanding"
    at: float | None = None
    detail: str = ""

    COLUMNS = ("TIME", "OFFER", "FRAMEWORK", "AGENT", "RESOURCES", "OUTCOME", "AT", "DETAIL")

    def row(self) -> dict:
        """The table row, as the Mesos UI's offers page shows it."""
        return {"TIME": self.time, "OFFER": self.offer, "FRAMEWORK": self.framework, "AGENT": self.agent,
                "RESOURCES": self.resources, "OUTCOME": self.outcome, "AT": self.at, "DETAIL": self.detail}


class Master(DriverCalls, AgentHealth, Failover):
    """The leading master's logic. ``leader`` is None while an election is under way."""

    def __init__(
        self,
        sim: Simulation,
        agents: dict[str, Agent],
        log: Callable[..., None],
        *,
        allocation_interval: float = 1.0,
        offer_timeout: float | None = None,
        role_sorter: str = "drf",
        framework_sorter: str = "drf",
    ) -> None:
        self.sim = sim
        self.agents = agents
        self.log = log
        self.allocation_interval = allocation_interval
        self.offer_timeout = offer_timeout
        self.sorters = (role_sorter, framework_sorter)
        self.allocator = HierarchicalAllocator(sim.rng, role_sorter, framework_sorter, allocation_interval)
        self.frameworks: dict[str, Framework] = {}
        self.offers: dict[str, Offer] = {}
        self.offer_records: dict[str, OfferRecord] = {}   # offer id -> its record
        self.offers_log: list[OfferRecord] = []
        self.leader: str | None = None
        self.weights: dict[str, float] = {}
        self.quotas: dict[str, tuple] = {}
        self._offer_seq = 0
        self._fw_seq = 0
        self._alloc_pending = False
        self.updates_log: list[tuple] = []        # (time, framework id, task id, state, reason)
        self.calls_log: list[dict] = []           # every driver call: TIME, FRAMEWORK, CALL, DETAIL
        self.tasks: dict[tuple, TaskInfo] = {}     # (framework id, task id) -> newest task with that id
        for agent in agents.values():
            agent.attach(self)

    # ================================================================== allocation loop
    def start(self, leader: str) -> None:
        """Become the leader and start the periodic allocation (``--allocation_interval``)."""
        self.leader = leader
        self.sim.schedule(self.allocation_interval, self._tick, priority=priorities.ALLOCATION, label="allocation")

    def _tick(self) -> None:
        if self.leader is not None:
            self.allocate()
        self.sim.schedule(self.allocation_interval, self._tick, priority=priorities.ALLOCATION, label="allocation")

    def trigger_allocation(self) -> None:
        """Run an allocation now (batched), as the allocator does on new agents, frameworks and revives."""
        if self._alloc_pending or self.leader is None:
            return
        self._alloc_pending = True

        def run() -> None:
            self._alloc_pending = False
            if self.leader is not None:
                self.allocate()

        self.sim.schedule(0, run, priority=priorities.ALLOCATION, label="allocation(triggered)")

    def allocate(self) -> list[Offer]:
        """One allocation round: ask the allocator, make offers, send them (one message per framework)."""
        now = self.sim.now
        made: dict[str, list[Offer]] = {}
        for fid, agent_name, entries in self.allocator.allocate(now):
            self._offer_seq += 1
            agent = self.agents[agent_name]
            offer = Offer(f"O{self._offer_seq}", fid, agent_name, agent.hostname, Resources(entries), agent.attributes)
            self.offers[offer.id] = offer
            fw = self.frameworks[fid]
            fw.offers.add(offer.id)
            record = OfferRecord(now, offer.id, fid, fw.name, agent_name, offer.resources)
            self.offers_log.append(record)
            self.offer_records[offer.id] = record
            made.setdefault(fid, []).append(offer)
            if self.offer_timeout is not None:
                self.sim.schedule(self.offer_timeout, lambda o=offer.id: self._expire(o), label="offer_timeout")
        for fid, offers in made.items():
            self.send(self.frameworks[fid], ResourceOffers(tuple(offers)))
        return [o for offers in made.values() for o in offers]

    # ================================================================== frameworks
    def register(self, scheduler: Scheduler, name: str, role: str, weight: float | None,
                 failover_timeout: float, partition_aware: bool) -> str:
        self._fw_seq += 1
        fid = f"{self._fw_seq - 1:04d}-{name}"
        fw = Framework(fid, name, role, scheduler, SchedulerDriver(self, fid), failover_timeout,
                       partition_aware, self.sim.now)
        fw.leader = self.leader
        self.frameworks[fid] = fw
        if weight is not None:
            self.set_weight(role, weight)
        self.allocator.add_framework(fid, role)
        self.log("master", ev.FRAMEWORK_REGISTERED, f"registered framework {name!r} as {fid} in role {role!r}",
                 ev.framework(fid), ev.role(role), *([ev.master(self.leader)] if self.leader else []))
        self.send(fw, Registered(fid))
        self.trigger_allocation()
        return fid

    def set_weight(self, role: str, weight: float) -> None:
        self.weights[role] = weight
        self.allocator.set_weight(role, weight)

    def update_weight(self, role: str, weight: float) -> None:
        """The ``/weights`` endpoint: set the weight, then rescind every outstanding offer if the
        role has a registered framework (``WeightsHandler::rescindOffers``, RebalancedForUpdatedWeights)."""
        self.set_weight(role, weight)
        if any(fw.role == role and not fw.removed for fw in self.frameworks.values()):
            for oid in sorted(self.offers, key=offer_number):
                self.rescind(oid, f"weight of role {role!r} changed")

    def set_quota(self, role: str, guarantee: dict | None, limit: dict | None) -> None:
        self.quotas[role] = (guarantee, limit)
        self.allocator.set_quota(role, guarantee, limit)

    def framework(self, fid: str) -> Framework:
        fw = self.frameworks.get(fid) if isinstance(fid, str) else None
        if fw is None:
            raise LabError(f"framework_id: unknown framework {fid!r}; known: {sorted(self.frameworks)}")
        return fw

    def live_framework(self, fid: str) -> Framework:
        """The framework, or a LabError if ``failover_timeout`` passed and it was removed."""
        fw = self.framework(fid)
        if fw.removed:
            raise LabError(f"framework {fw.name!r} ({fid}) was removed (failover_timeout passed); register it again")
        return fw

    # ================================================================== read-outs (for the cluster's tables)
    def idle(self, agent: str) -> Resources:
        """What the allocator holds free on ``agent`` (neither offered nor used); empty if it is not registered."""
        ag = self.allocator.agents.get(agent)
        return Resources(ag.available) if ag is not None else Resources()

    def framework_allocation(self, fid: str) -> tuple[dict[str, float], float]:
        """``(scalars held, dominant share)`` of a framework within its role, as the framework sorter counts it."""
        fw = self.frameworks[fid]
        sorter = self.allocator.framework_sorters.get(fw.role)
        if sorter is None or fid not in sorter:
            return {}, 0.0
        return sorter.allocation(fid), sorter.share(fid)

    def framework_suppressed(self, fid: str) -> bool:
        """True if the allocator skips the framework (``SUPPRESS`` without a ``REVIVE`` since)."""
        f = self.allocator.frameworks.get(fid)
        return bool(f and f.suppressed)

    def role_allocation(self, role: str) -> tuple[dict[str, float], float]:
        """``(scalars the role consumes, its weighted dominant share)`` as the role sorter counts it."""
        alloc = self.allocator
        share = alloc.role_sorter.share(role) if role in alloc.framework_sorters else 0.0
        return alloc.consumed(role), share

    # ================================================================== task states
    def launch(self, fw: Framework, agent: Agent, task, resources: Resources) -> TaskInfo:
        """Send a task to its agent; the master's task table keeps the newest task per id."""
        info = agent.launch(fw.id, fw.name, task, resources)
        key = (fw.id, task.task_id)
        old = self.tasks.get(key)
        if old is not None and old.agent != agent.name and old.agent_state.is_terminal:
            self.agents[old.agent].tasks.pop(key, None)
        self.tasks[key] = info
        agent.start(info)
        return info

    def status_update(self, task: TaskInfo, state: TaskState, reason: str | None, *, message: str = "", notify: bool = True) -> None:
        """The master records a task state, frees resources of finished tasks and tells the framework.

        A terminal state is final: late updates for a task the master already gave up are dropped.
        """
        was_terminal = task.state.is_terminal
        if was_terminal:
            return
        task.state = state
        task.history.append((self.sim.now, state))
        if state.is_terminal and not was_terminal and task.resources:
            self.allocator.recover(task.agent, task.framework, task.resources.entries, now=self.sim.now)
        fw = self.frameworks.get(task.framework)
        if notify and fw is not None and not fw.removed:
            self.send_status(fw, TaskStatus(task.task_id, state, reason, message, task.agent, fw.id, self.sim.now))

    # ================================================================== delivery to schedulers
    def send_status(self, fw: Framework, status: TaskStatus) -> None:
        """Log a status update and send it, or hold it while the framework has no leader to hear from."""
        self.updates_log.append((status.timestamp, fw.id, status.task_id, status.state.value, status.reason))
        if not fw.connected or self.leader is None:
            fw.pending.append(status)
            return
        self.send(fw, StatusUpdate(status))

    def flush_framework(self, fw: Framework) -> None:
        """Send the status updates held for a framework while it was away, oldest first."""
        pending, fw.pending = fw.pending, []
        for status in pending:
            self.send(fw, StatusUpdate(status))

    def send(self, fw: Framework, message: Message) -> None:
        """Queue ``message`` for the framework's scheduler (delivered at the same simulated time, in order)."""
        epoch = fw.epoch
        self.sim.schedule(0, lambda: self._receive(fw, epoch, message), label=f"{fw.name}.{message.callback}")

    def _receive(self, fw: Framework, epoch: int, message: Message) -> None:
        """The driver gets the message: drop stale offers, hold updates while disconnected, then call back."""
        if fw.removed:
            return
        if isinstance(message, StatusUpdate) and (not fw.connected or self.leader is None):
            fw.pending.append(message.status)
            return
        if isinstance(message, (ResourceOffers, OfferRescinded)) and (fw.epoch != epoch or not fw.connected):
            return
        if isinstance(message, ResourceOffers):
            message = ResourceOffers(tuple(o for o in message.offers if o.id in self.offers))
            if not message.offers:
                return
        if isinstance(message, StatusUpdate):
            fw.told[message.status.task_id] = message.status.state
        deliver(fw.scheduler, fw.driver, message, framework=fw.label)

    # ================================================================== offers ending
    def resolve(self, oid: str, outcome: str, detail: str = "") -> Offer:
        """The offer is answered (accepted, declined, rescinded, expired); its record says how and when."""
        offer = self.offers.pop(oid)
        fw = self.frameworks.get(offer.framework_id)
        if fw is not None:
            fw.offers.discard(oid)
        record = self.offer_records[oid]
        record.outcome, record.at, record.detail = outcome, self.sim.now, detail
        return offer

    def rescind(self, oid: str, why: str, *, notify: bool = True, recover: bool = True) -> None:
        """Take an offer back (its agent is gone, the framework disconnected, the master failed over)."""
        offer = self.resolve(oid, "rescinded", why)
        if recover:
            self.allocator.recover(offer.agent, offer.framework_id, offer.resources.entries)
        fw = self.frameworks.get(offer.framework_id)
        if notify and fw is not None:
            self.send(fw, OfferRescinded(oid))

    def _expire(self, oid: str) -> None:
        if oid in self.offers:
            offer = self.resolve(oid, "expired", "offer_timeout")
            self.allocator.recover(offer.agent, offer.framework_id, offer.resources.entries)
            self.send(self.frameworks[offer.framework_id], OfferRescinded(oid))

    def sorted_agents(self) -> list[Agent]:
        """The agents in name order (every walk over agents is in this order: deterministic)."""
        return [self.agents[n] for n in sorted(self.agents)]
