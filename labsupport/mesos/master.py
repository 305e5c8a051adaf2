"""The Mesos master: frameworks, offers, tasks, agent health checks and failover recovery.

The master runs the allocator every ``allocation_interval``, turns its decisions into offers,
validates what frameworks do with them (``Master::accept`` in src/master/master.cpp), and
relays task status updates. Things to notice when reading it:

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
function when it is built.

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
>>> master = Master(sim, agents, lambda source, message: log.append(message))
>>> master.start("master-1"); master.add_agent(agents["a1"])
>>> fid = master.register(Scheduler(), "idle", "*", None, 0.0, False)
>>> sim.run(0)                      # the allocation triggered by the registration
>>> [(o.id, str(o.resources)) for o in master.offers.values()]
[('O1', 'cpus:2;mem:512')]
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from labsupport.core import LabError, Simulation
from labsupport.core.timelimit import TimeLimitExceeded, call_with_time_limit
from labsupport.mesos.agent import Agent, AgentState
from labsupport.mesos.allocator import HierarchicalAllocator, _add_into
from labsupport.mesos.errors import OfferError, SchedulerError
from labsupport.mesos.operations import Operation
from labsupport.mesos.resources import UNRESERVED, Resources, _ranges_norm, _ranges_sub
from labsupport.mesos.scheduler import Filters, Offer, Scheduler, SchedulerDriver
from labsupport.mesos.tasks import (
    IMAGE_PULL_SECONDS,
    KILL_GRACE_SECONDS,
    STAGING_SECONDS,
    STARTING_SECONDS,
    Task,
    TaskInfo,
    TaskState,
    TaskStatus,
)

__all__ = ["AGENT_PING_TIMEOUT", "AGENT_REREGISTER_TIMEOUT", "MAX_AGENT_PING_TIMEOUTS", "Framework", "Master"]

AGENT_PING_TIMEOUT = 15.0           # DEFAULT_AGENT_PING_TIMEOUT, src/master/constants.hpp
MAX_AGENT_PING_TIMEOUTS = 5         # DEFAULT_MAX_AGENT_PING_TIMEOUTS
AGENT_REREGISTER_TIMEOUT = 600.0    # --agent_reregister_timeout default 10 mins
REREGISTER_DELAY = 1.0              # our choice: agents/frameworks notice a new leader and re-register

S = TaskState


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


class Master:
    """The leading master's logic. ``leader`` is None while an election is under way."""

    def __init__(
        self,
        sim: Simulation,
        agents: dict[str, Agent],
        log: Callable[[str, str], None],
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
        self._sorters = (role_sorter, framework_sorter)
        self.allocator = HierarchicalAllocator(sim.rng, role_sorter, framework_sorter)
        self.frameworks: dict[str, Framework] = {}
        self.offers: dict[str, Offer] = {}
        self.offer_rows: dict[str, dict] = {}      # offer id -> its offers_log row
        self.offers_log: list[dict] = []
        self.leader: str | None = None
        self.weights: dict[str, float] = {}
        self.quotas: dict[str, tuple] = {}
        self._offer_seq = 0
        self._fw_seq = 0
        self._alloc_pending = False
        self.updates_log: list[tuple] = []        # (time, framework id, task id, state, reason)
        self.calls_log: list[dict] = []           # every driver call: TIME, FRAMEWORK, CALL, DETAIL
        self.tasks: dict[tuple, TaskInfo] = {}     # (framework id, task id) -> newest task with that id

    # ================================================================== allocation loop
    def start(self, leader: str) -> None:
        """Become the leader and start the periodic allocation (``--allocation_interval``)."""
        self.leader = leader
        self.sim.schedule(self.allocation_interval, self._tick, priority=1, label="allocation")

    def _tick(self) -> None:
        if self.leader is not None:
            self.allocate()
        self.sim.schedule(self.allocation_interval, self._tick, priority=1, label="allocation")

    def trigger_allocation(self) -> None:
        """Run an allocation now (batched), as the allocator does on new agents, frameworks and revives."""
        if self._alloc_pending or self.leader is None:
            return
        self._alloc_pending = True

        def run() -> None:
            self._alloc_pending = False
            if self.leader is not None:
                self.allocate()

        self.sim.schedule(0, run, priority=1, label="allocation(triggered)")

    def allocate(self) -> list[Offer]:
        """One allocation round: ask the allocator, make offers, send them (one callback per framework)."""
        now = self.sim.now
        made: dict[str, list[Offer]] = {}
        for fid, agent_name, entries in self.allocator.allocate(now):
            self._offer_seq += 1
            agent = self.agents[agent_name]
            offer = Offer(f"O{self._offer_seq}", fid, agent_name, agent.hostname, Resources(entries), agent.attributes)
            self.offers[offer.id] = offer
            fw = self.frameworks[fid]
            fw.offers.add(offer.id)
            row = {"TIME": now, "OFFER": offer.id, "FRAMEWORK": fw.name, "AGENT": agent_name,
                   "RESOURCES": offer.resources, "OUTCOME": "outstanding", "AT": None, "DETAIL": "", "_fid": fid}
            self.offers_log.append(row)
            self.offer_rows[offer.id] = row
            made.setdefault(fid, []).append(offer)
            if self.offer_timeout is not None:
                self.sim.schedule(self.offer_timeout, lambda o=offer.id: self._expire(o), label="offer_timeout")
        for fid, offers in made.items():
            fw = self.frameworks[fid]
            self._deliver(fw, "resource_offers", offers)
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
        self.log("master", f"registered framework {name!r} as {fid} in role {role!r}")
        self._deliver(fw, "registered", fid)
        self.trigger_allocation()
        return fid

    def set_weight(self, role: str, weight: float) -> None:
        self.weights[role] = weight
        self.allocator.set_weight(role, weight)

    def set_quota(self, role: str, guarantee: dict | None, limit: dict | None) -> None:
        self.quotas[role] = (guarantee, limit)
        self.allocator.set_quota(role, guarantee, limit)

    def framework(self, fid: str) -> Framework:
        fw = self.frameworks.get(fid) if isinstance(fid, str) else None
        if fw is None:
            raise LabError(f"framework_id: unknown framework {fid!r}; known: {sorted(self.frameworks)}")
        return fw

    def _live_framework(self, fid: str) -> Framework:
        fw = self.framework(fid)
        if fw.removed:
            raise LabError(f"framework {fw.name!r} ({fid}) was removed (failover_timeout passed); register it again")
        return fw

    def disconnect_framework(self, fid: str) -> None:
        """The scheduler process goes away. After ``failover_timeout`` its tasks are killed."""
        fw = self._live_framework(fid)
        if not fw.connected:
            return
        fw.connected = False
        fw.epoch += 1
        if fid in self.allocator.frameworks:
            self.allocator.set_active(fid, False)
        for oid in sorted(fw.offers, key=_offer_num):
            self._rescind(oid, "framework disconnected", notify=False)
        self.log("master", f"framework {fw.name!r} disconnected; failover_timeout {fw.failover_timeout:g}s")
        epoch = fw.epoch
        if not math.isinf(fw.failover_timeout):   # an infinite timeout waits forever
            self.sim.schedule(fw.failover_timeout, lambda: self._failover_expired(fid, epoch), label="failover_timeout")

    def _failover_expired(self, fid: str, epoch: int) -> None:
        fw = self.frameworks[fid]
        if fw.connected or fw.removed or fw.epoch != epoch:
            return
        self.log("master", f"framework {fw.name!r} did not reconnect within failover_timeout: removing it and killing its tasks")
        fw.removed = True
        for agent in self._sorted_agents():
            for task in agent.live_tasks():
                if task.framework == fid:
                    self._end_on_agent(agent, task, S.TASK_KILLED, "REASON_FRAMEWORK_REMOVED", report=False)
                    self._master_state(task, S.TASK_KILLED, "REASON_FRAMEWORK_REMOVED", notify=False)
        self.allocator.remove_framework(fid)

    def reconnect_framework(self, fid: str) -> None:
        fw = self._live_framework(fid)
        if fw.connected:
            return
        fw.connected = True
        fw.epoch += 1
        if self.leader is None or fid not in self.allocator.frameworks:
            self.log("master", f"framework {fw.name!r} is back; it re-registers once a leader has recovered")
            return
        fw.leader = self.leader
        self.allocator.set_active(fid, True)
        self.log("master", f"framework {fw.name!r} re-registered")
        self._deliver(fw, "reregistered", self.leader)
        self._flush_framework(fw)
        self.trigger_allocation()

    # ================================================================== driver calls
    def _check_offers(self, fw: Framework, offer_ids: Any, call: str, one_agent: bool = True) -> list[Offer]:
        if isinstance(offer_ids, (str, Offer)):
            offer_ids = [offer_ids]
        try:
            ids = [o.id if isinstance(o, Offer) else o for o in offer_ids]
        except TypeError:
            raise OfferError(f"{call}: offer_ids must be a list of offer ids, got {offer_ids!r}") from None
        if not ids:
            raise OfferError(f"{call}: offer_ids is empty")
        if len(set(ids)) != len(ids):
            raise OfferError(f"{call}: offer_ids lists the same offer twice: {ids}")
        offers = []
        for oid in ids:
            offer = self.offers.get(oid)
            if offer is None or offer.framework_id != fw.id:
                row = self.offer_rows.get(oid)
                if row is None:
                    raise OfferError(f"{call}: unknown offer id {oid!r}")
                if row["_fid"] != fw.id:
                    raise OfferError(f"{call}: offer {oid} was made to framework {row['FRAMEWORK']!r}, not {fw.name!r}")
                when = f" at t={row['AT']:g}s" if row["AT"] is not None else ""
                extra = f" ({row['DETAIL']})" if row["DETAIL"] else ""
                raise OfferError(f"{call}: offer {oid} is no longer valid: it was already {row['OUTCOME']}{when}{extra}")
            offers.append(offer)
        agents = sorted({o.agent for o in offers})
        if one_agent and len(agents) > 1:
            raise OfferError(f"{call}: offers {ids} come from several agents {agents}; one accept uses offers of one agent")
        return offers

    def accept(self, fid: str, offer_ids: Any, items: Any, filters: Any = None) -> None:
        """Validate everything first, then commit: operations, task launches, leftovers declined."""
        fw = self._live_framework(fid)
        flt = Filters.coerce(filters)
        if isinstance(items, (Task, Operation)):
            items = [items]
        if not isinstance(items, (list, tuple)):
            raise OfferError(f"accept: tasks_or_operations must be a list of mesos.Task / Reserve / Unreserve / Create / Destroy, got {type(items).__name__}")
        for i, item in enumerate(items):
            if not isinstance(item, (Task, Operation)):
                raise OfferError(f"accept: item {i} is a {type(item).__name__}; expected mesos.Task or an operation (Reserve, Unreserve, Create, Destroy)")
        if not self._reachable(fw, "accept"):
            self._drop_launches(fw, [it for it in items if isinstance(it, Task)])
            return
        offers = self._check_offers(fw, offer_ids, "accept")
        agent = self.agents[offers[0].agent]
        pool = offers[0].resources
        for o in offers[1:]:
            pool = pool + o.resources
        avail = dict(pool.entries)          # what is left of the pool, mutated as tasks take from it
        used: dict = {}
        launches: list[tuple[Task, Resources | None, str]] = []
        live_ids = set()
        has_ops = False
        for item in items:
            if isinstance(item, Operation):
                avail = dict(item.apply(Resources(avail), fw.role).entries)
                has_ops = True
            elif isinstance(item, Task):
                problem = None
                old = self.tasks.get((fid, item.task_id))
                if item.task_id in live_ids or (old is not None and not old.state.is_terminal):
                    problem = f"Task has duplicate ID: {item.task_id}"   # validation.cpp validateUniqueTaskID
                elif not item.resources.scalars():
                    problem = "Task uses no resources"                    # validation.cpp validateResources
                if problem:
                    launches.append((item, None, problem))
                    continue
                take = _match(item, avail, pool, fw.role)
                _add_into(used, take.entries)
                live_ids.add(item.task_id)
                launches.append((item, take, ""))
        # ---- commit (nothing above changed any state)
        now = self.sim.now
        names = [t.task_id for t, take, _ in launches if take is not None]
        ops = [it.kind for it in items if isinstance(it, Operation)]
        done = ", ".join(ops + ([f"launched {', '.join(names)}"] if names else []))
        invalid = [f"task {t.task_id} invalid ({problem})" for t, take, problem in launches if take is None]
        detail = "; ".join(([done] if done else []) + invalid)
        for o in offers:
            self._resolve(o.id, "accepted", detail)
        self._record(fw, "accept", ", ".join(o.id for o in offers) + (f": {detail}" if detail else ""))
        work = Resources(avail)
        if has_ops:
            agent.total = agent.total - pool + work + Resources(used)
        for op in ops:
            self.log(agent.name, f"{op} applied for framework {fw.name!r}; agent resources now {agent.total}")
        self.allocator.recover(agent.name, fid, work.entries, now=now, refuse_seconds=flt.refuse_seconds)
        for task, take, problem in launches:
            if take is None:   # invalid: rejected by the master, never reaches the agent (no task record)
                self._send(fw, TaskStatus(task.task_id, S.TASK_ERROR, "REASON_TASK_INVALID", problem, agent.name, fid, now))
            else:
                self._launch(fw, agent, task, take)

    def _drop_launches(self, fw: Framework, tasks: list[Task]) -> None:
        """The driver answers the tasks of a dropped accept itself (sched.cpp ``acceptOffers``)."""
        state = S.TASK_DROPPED if fw.partition_aware else S.TASK_LOST
        for task in tasks:
            status = TaskStatus(task.task_id, state, "REASON_MASTER_DISCONNECTED", "Master disconnected",
                                None, fw.id, self.sim.now)
            self._deliver(fw, "status_update", status)

    def decline(self, fid: str, offer_ids: Any, filters: Any = None) -> None:
        fw = self._live_framework(fid)
        flt = Filters.coerce(filters)
        if not self._reachable(fw, "decline"):
            return
        offers = self._check_offers(fw, offer_ids, "decline", one_agent=False)
        self._record(fw, "decline", f"{', '.join(o.id for o in offers)} (refuse_seconds={flt.refuse_seconds:g})")
        for o in offers:
            self._resolve(o.id, "declined", f"refuse_seconds={flt.refuse_seconds:g}")
            self.allocator.recover(o.agent, fid, o.resources.entries, now=self.sim.now, refuse_seconds=flt.refuse_seconds)

    def _check_roles(self, fw: Framework, roles: Any, call: str) -> None:
        if roles is None:
            return
        roles = [roles] if isinstance(roles, str) else list(roles)
        wrong = [r for r in roles if r != fw.role]
        if wrong:
            raise LabError(f"{call}: roles {wrong} are not the framework's role {fw.role!r}")

    def _record(self, fw: Framework, call: str, detail: str = "") -> None:
        """One row of ``calls_log``: the scheduler API call (``Call.Type`` in scheduler.proto) and what it did."""
        self.calls_log.append({"TIME": self.sim.now, "FRAMEWORK": fw.name, "CALL": call.upper(), "DETAIL": detail})

    def _reachable(self, fw: Framework, call: str) -> bool:
        """False (and the call is dropped, as the driver drops messages) while not registered with the leader."""
        if fw.connected and self.leader is not None and fw.leader == self.leader:
            return True
        self.log(fw.name, f"{call} dropped: not registered with a leading master right now")
        self._record(fw, call, "dropped: not registered with a leading master")
        return False

    def suppress(self, fid: str, roles: Any = None) -> None:
        fw = self._live_framework(fid)
        self._check_roles(fw, roles, "suppress")
        if not self._reachable(fw, "suppress"):
            return
        fw.suppressed = True
        self.allocator.suppress(fid)
        self.log("master", f"framework {fw.name!r} suppressed offers")
        self._record(fw, "suppress", "no offers until REVIVE")

    def revive(self, fid: str, roles: Any = None) -> None:
        fw = self._live_framework(fid)
        self._check_roles(fw, roles, "revive")
        if not self._reachable(fw, "revive"):
            return
        fw.suppressed = False
        self.allocator.revive(fid)
        self.log("master", f"framework {fw.name!r} revived offers (filters cleared)")
        self._record(fw, "revive", "offers resume; decline filters cleared")
        self.trigger_allocation()

    def kill(self, fid: str, task_id: str) -> None:
        fw = self._live_framework(fid)
        task = self.tasks.get((fid, task_id))
        if task is None:
            raise LabError(f"kill: framework {fw.name!r} has no task {task_id!r}")
        agent = self.agents[task.agent]
        if not self._reachable(fw, "kill"):
            return
        if task.agent_state.is_terminal or task.agent_state == S.TASK_KILLING:
            self._record(fw, "kill", f"{task_id}: already {task.agent_state.value}, nothing to do")
            return
        if agent.failed or agent.state != AgentState.ACTIVE:
            self.log("master", f"kill {task_id!r}: agent {agent.name} is not reachable; the kill is lost")
            self._record(fw, "kill", f"{task_id}: agent {agent.name} not reachable, the kill is lost")
            return
        self._record(fw, "kill", task_id)
        self._cancel(task)
        self._agent_state(agent, task, S.TASK_KILLING, "REASON_TASK_KILLED_DURING_LAUNCH" if task.agent_state == S.TASK_STAGING else None)
        task.timers.append(self.sim.schedule(KILL_GRACE_SECONDS, lambda: self._finish(agent, task, S.TASK_KILLED, None), label="kill"))

    def reconcile(self, fid: str) -> None:
        fw = self._live_framework(fid)
        if not self._reachable(fw, "reconcile"):
            return
        found = [task for agent in self._sorted_agents() for task in agent.tasks.values()
                 if task.framework == fid and (not task.state.is_terminal or task.state == S.TASK_UNREACHABLE)]
        self._record(fw, "reconcile", f"implicit: latest state of {len(found)} task(s) re-sent")
        for task in found:
            self._send(fw, TaskStatus(task.task_id, task.state, "REASON_RECONCILIATION", "", task.agent, fid, self.sim.now))

    # ================================================================== tasks on agents
    def _new_task(self, fw: Framework, agent: Agent, task: Task, res: Resources) -> TaskInfo:
        if fw.id not in agent.executors and res:
            agent.executors[fw.id] = f"{fw.name}-executor@{agent.name}"
            self.log(agent.name, f"launched executor {agent.executors[fw.id]} for framework {fw.name!r}")
        info = TaskInfo(task.task_id, task.name, fw.id, fw.name, agent.name, res, agent.executors.get(fw.id, ""),
                        task.container, task.command, task.duration, task.exit_code, launched_at=self.sim.now)
        info.history.append((self.sim.now, S.TASK_STAGING))
        key = (fw.id, task.task_id)
        if key in agent.tasks:   # an old terminal task with the same id: keep the newest
            del agent.tasks[key]
        agent.tasks[key] = info
        agent.live[key] = info
        if res:
            agent.running[fw.id] = agent.running.get(fw.id, 0) + 1
        old = self.tasks.get(key)
        if old is not None and old.agent != agent.name and old.agent_state.is_terminal:
            self.agents[old.agent].tasks.pop(key, None)
        self.tasks[key] = info
        return info

    def _launch(self, fw: Framework, agent: Agent, task: Task, res: Resources) -> None:
        info = self._new_task(fw, agent, task, res)
        pull = 0.0
        if task.container and task.container not in agent.images:
            pull = IMAGE_PULL_SECONDS
            agent.images.add(task.container)
        t_start = STAGING_SECONDS + pull
        t_run = t_start + STARTING_SECONDS
        sched = self.sim.schedule
        info.timers.append(sched(t_start, lambda: self._agent_state(agent, info, S.TASK_STARTING, None), label="task"))
        info.timers.append(sched(t_run, lambda: self._agent_state(agent, info, S.TASK_RUNNING, None), label="task"))
        if task.duration is not None:
            end = S.TASK_FINISHED if task.exit_code == 0 else S.TASK_FAILED
            reason = None if task.exit_code == 0 else "REASON_COMMAND_EXECUTOR_FAILED"
            info.timers.append(sched(t_run + task.duration, lambda: self._finish(agent, info, end, reason), label="task"))

    def _cancel(self, task: TaskInfo) -> None:
        for ev in task.timers:
            ev.cancel()
        task.timers.clear()

    def _finish(self, agent: Agent, task: TaskInfo, state: TaskState, reason: str | None) -> None:
        self._end_on_agent(agent, task, state, reason, report=True)

    def _end_on_agent(self, agent: Agent, task: TaskInfo, state: TaskState, reason: str | None, *, report: bool) -> None:
        """The task's process ends on the agent; the executor exits with the framework's last task."""
        self._cancel(task)
        if agent.live.pop((task.framework, task.task_id), None) is not None and task.resources:
            agent.running[task.framework] -= 1
        if report:
            self._agent_state(agent, task, state, reason)
        else:
            task.agent_state = state
        if not agent.running.get(task.framework) and task.framework in agent.executors:
            agent.running.pop(task.framework, None)
            self.log(agent.name, f"executor {agent.executors.pop(task.framework)} exited")

    def _agent_state(self, agent: Agent, task: TaskInfo, state: TaskState, reason: str | None) -> None:
        """The agent sees a new task state and sends an update (held while no master hears it)."""
        task.agent_state = state
        if agent.failed or agent.state != AgentState.ACTIVE or self.leader is None or not agent_registered(agent):
            agent.pending.append((task, state, reason))
            return
        self._master_state(task, state, reason)

    def _master_state(self, task: TaskInfo, state: TaskState, reason: str | None, *, message: str = "", notify: bool = True) -> None:
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
            self._send(fw, TaskStatus(task.task_id, state, reason, message, task.agent, fw.id, self.sim.now))

    # ================================================================== delivery to schedulers
    def _send(self, fw: Framework, status: TaskStatus) -> None:
        self.updates_log.append((status.timestamp, fw.id, status.task_id, status.state.value, status.reason))
        if not fw.connected or self.leader is None:
            fw.pending.append(status)
            return
        self._deliver(fw, "status_update", status)

    def _flush_framework(self, fw: Framework) -> None:
        pending, fw.pending = fw.pending, []
        for status in pending:
            self._deliver(fw, "status_update", status)

    def _deliver(self, fw: Framework, callback: str, *args: Any) -> None:
        epoch = fw.epoch
        self.sim.schedule(0, lambda: self._call(fw, epoch, callback, args), label=f"{fw.name}.{callback}")

    def _call(self, fw: Framework, epoch: int, callback: str, args: tuple) -> None:
        if fw.removed:
            return
        if callback == "status_update" and (not fw.connected or self.leader is None):
            fw.pending.append(args[0])
            return
        if callback in ("resource_offers", "offer_rescinded") and (fw.epoch != epoch or not fw.connected):
            return
        if callback == "resource_offers":
            args = ([o for o in args[0] if o.id in self.offers],)
            if not args[0]:
                return
        if callback == "status_update":
            fw.told[args[0].task_id] = args[0].state
        try:
            _call_learner_callback(fw, callback, args)
        except TimeLimitExceeded as exc:  # an endless loop: stopped, its driver calls discarded
            raise SchedulerError(f"framework {fw.name!r} ({fw.id}): {exc} The cluster is exactly as before the "
                                 f"call (its driver calls were discarded); fix the scheduler and run again.") from None
        except Exception as exc:  # a learner's bug: name the framework and the callback
            raise SchedulerError(
                f"framework {fw.name!r} ({fw.id}) raised in {type(fw.scheduler).__name__}.{callback}(): "
                f"{type(exc).__name__}: {exc}. The cluster state is unchanged by the failed call; "
                f"fix the scheduler and run again."
            ) from exc

    # ================================================================== offers ending
    def _resolve(self, oid: str, outcome: str, detail: str = "") -> Offer:
        offer = self.offers.pop(oid)
        fw = self.frameworks.get(offer.framework_id)
        if fw is not None:
            fw.offers.discard(oid)
        row = self.offer_rows[oid]
        row["OUTCOME"], row["AT"], row["DETAIL"] = outcome, self.sim.now, detail
        return offer

    def _rescind(self, oid: str, why: str, *, notify: bool = True, recover: bool = True) -> None:
        offer = self._resolve(oid, "rescinded", why)
        if recover:
            self.allocator.recover(offer.agent, offer.framework_id, offer.resources.entries)
        fw = self.frameworks.get(offer.framework_id)
        if notify and fw is not None:
            self._deliver(fw, "offer_rescinded", oid)

    def _expire(self, oid: str) -> None:
        if oid in self.offers:
            offer = self._resolve(oid, "expired", "offer_timeout")
            self.allocator.recover(offer.agent, offer.framework_id, offer.resources.entries)
            self._deliver(self.frameworks[offer.framework_id], "offer_rescinded", oid)

    # ================================================================== agents
    def _sorted_agents(self) -> list[Agent]:
        return [self.agents[n] for n in sorted(self.agents)]

    def add_agent(self, agent: Agent) -> None:
        agent.registered_at = self.sim.now
        self.allocator.add_agent(agent.name, agent.total.entries)
        self.log("master", f"agent {agent.name} registered with {agent.total}")
        self.trigger_allocation()

    def agent_failed(self, agent: Agent) -> None:
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

    def _ping_timeout(self, agent: Agent, epoch: int, leader: str, n: int) -> None:
        """One unanswered ping; only the master that sent it counts it."""
        if agent.epoch != epoch or not agent.failed or agent.state != AgentState.ACTIVE or self.leader != leader:
            return
        agent.missed_pings = n
        self.log("master", f"agent {agent.name} missed ping {n}/{MAX_AGENT_PING_TIMEOUTS}")
        if n == MAX_AGENT_PING_TIMEOUTS:
            self.mark_unreachable(agent, "health check timed out")

    def mark_unreachable(self, agent: Agent, why: str) -> None:
        agent.state = AgentState.UNREACHABLE
        self.log("master", f"marked agent {agent.name} unreachable ({why})")
        for oid in sorted((o.id for o in self.offers.values() if o.agent == agent.name), key=_offer_num):
            self._rescind(oid, f"agent {agent.name} unreachable", recover=False)
        self.allocator.remove_agent(agent.name)
        for task in list(agent.tasks.values()):
            if task.state.is_terminal:
                continue
            fw = self.frameworks.get(task.framework)
            if fw is not None and fw.partition_aware:
                self._master_state(task, S.TASK_UNREACHABLE, "REASON_SLAVE_REMOVED")
            else:
                self._master_state(task, S.TASK_LOST, "REASON_SLAVE_REMOVED")

    def agent_restored(self, agent: Agent, rebooted: bool) -> None:
        """The agent is back. If the master already gave it up, it re-registers (and may have rebooted)."""
        agent.failed = False
        agent.epoch += 1
        agent.missed_pings = 0
        if rebooted:
            for task in agent.live_tasks():
                self._end_on_agent(agent, task, S.TASK_GONE, "REASON_SLAVE_RESTARTED", report=False)
            agent.pending = [p for p in agent.pending if not p[0].agent_state == S.TASK_GONE]
            agent.images.clear()
        if self.leader is None:
            return
        if rebooted and agent.state == AgentState.ACTIVE and agent.reregistered:
            # the master had not given the agent up yet: the new incarnation tells it the old tasks are gone
            for oid in sorted((o.id for o in self.offers.values() if o.agent == agent.name), key=_offer_num):
                self._rescind(oid, f"agent {agent.name} restarted")
            for task in list(agent.tasks.values()):
                if not task.state.is_terminal:
                    self._master_state(task, self._gone_state(task), "REASON_SLAVE_RESTARTED")
        if agent.state == AgentState.UNREACHABLE:
            self.reregister_agent(agent, "agent came back")
        elif not agent.reregistered:
            self.reregister_agent(agent, f"found the new leader {self.leader}")
        else:
            self._flush_agent(agent)

    def reregister_agent(self, agent: Agent, why: str) -> None:
        """Re-admit an agent: partition-aware tasks carry on, others' tasks are killed."""
        agent.state = AgentState.ACTIVE
        agent.reregistered = True
        agent.registered_at = self.sim.now
        agent.pending = []
        self.log("master", f"agent {agent.name} re-registered ({why})")
        for task in list(agent.tasks.values()):
            fw = self.frameworks.get(task.framework)
            if task.agent_state.is_terminal:
                if not task.state.is_terminal:
                    state = self._gone_state(task) if task.agent_state == S.TASK_GONE else task.agent_state
                    self._master_state(task, state, "REASON_SLAVE_RESTARTED" if task.agent_state == S.TASK_GONE else None)
                continue
            if fw is None or fw.removed or (task.state.is_terminal and not fw.partition_aware):
                # non-partition-aware: already told TASK_LOST; the master now shuts the task down
                self._end_on_agent(agent, task, S.TASK_KILLED, "REASON_SLAVE_REMOVED", report=False)
                continue
            if task.state != task.agent_state:
                self._master_state(task, task.agent_state, "REASON_SLAVE_REREGISTERED")
        used: dict[str, dict] = {}
        for task in agent.live_tasks():
            acc = used.setdefault(task.framework, {})
            for k, v in task.resources.entries.items():
                acc[k] = _ranges_norm(acc.get(k, ()) + v) if isinstance(v, tuple) else acc.get(k, 0.0) + v
        idle = agent.total
        for entries in used.values():
            idle = idle - Resources(entries)
        self.allocator.add_agent(agent.name, idle.entries, used)
        self.trigger_allocation()

    def _gone_state(self, task: TaskInfo) -> TaskState:
        """TASK_GONE for partition-aware frameworks; older frameworks only know TASK_LOST."""
        fw = self.frameworks.get(task.framework)
        return S.TASK_GONE if fw is not None and fw.partition_aware else S.TASK_LOST

    def _flush_agent(self, agent: Agent) -> None:
        pending, agent.pending = agent.pending, []
        for task, state, reason in pending:
            self._master_state(task, state, reason)

    # ================================================================== master failover
    def lose_leadership(self, why: str) -> None:
        """The leader is gone: every offer vanishes, frameworks are told ``disconnected``."""
        self.log("master", f"leader {self.leader} lost ({why}); offers are void until a new leader is elected")
        for oid in sorted(self.offers, key=_offer_num):
            self._rescind(oid, "master failed over", notify=False, recover=False)
        self.leader = None
        for fw in self.frameworks.values():
            fw.leader = None          # it must re-register, even if the same master is re-elected
            if not fw.removed and fw.connected:
                self._deliver(fw, "disconnected")

    def take_leadership(self, leader: str) -> None:
        """A newly elected master recovers: empty allocator; frameworks and agents re-register."""
        self.leader = leader
        self.allocator = HierarchicalAllocator(self.sim.rng, *self._sorters)
        for role, w in sorted(self.weights.items()):
            self.allocator.set_weight(role, w)
        for role, (g, lim) in sorted(self.quotas.items()):
            self.allocator.set_quota(role, g, lim)
        for agent in self._sorted_agents():
            agent.reregistered = False
        self.sim.schedule(REREGISTER_DELAY, lambda: self._recover(leader), label="reregister")
        self.sim.schedule(AGENT_REREGISTER_TIMEOUT, lambda: self._reregister_timeout(leader), label="agent_reregister_timeout")

    def _recover(self, leader: str) -> None:
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
                self.log(fw.name, f"re-registered with new leader {leader}")
                self._deliver(fw, "reregistered", leader)
                self._flush_framework(fw)
        for agent in self._sorted_agents():
            if agent.failed:
                continue
            self.reregister_agent(agent, f"new leader {leader}")

    def _reregister_timeout(self, leader: str) -> None:
        if self.leader != leader:
            return
        for agent in self._sorted_agents():
            if agent.state == AgentState.ACTIVE and not agent_registered(agent):
                self.mark_unreachable(agent, "did not re-register within agent_reregister_timeout")


def agent_registered(agent: Agent) -> bool:
    return agent.reregistered


def _offer_num(oid: str) -> int:
    return int(oid[1:])


def _match(task: Task, avail: dict, pool: Resources, role: str) -> Resources:
    """Take a task's resources out of ``avail`` (changed only on success); role-less amounts use the role's reservation first."""
    take: dict = {}
    scratch = dict(avail)
    for (name, r, vol), amount in sorted(task.resources.entries.items()):
        keys = [(name, r, vol)] if (r != UNRESERVED or vol) else [(name, role, ""), (name, UNRESERVED, "")]
        if isinstance(amount, tuple):
            need = amount
            for k in keys:
                have = scratch.get(k, ())
                got = _ranges_sub(need, _ranges_sub(need, have))   # need & have
                if got:
                    take[k] = _ranges_norm(take.get(k, ()) + got)
                    scratch[k] = _ranges_sub(have, got)
                    need = _ranges_sub(need, got)
            if need:
                raise OfferError(f"accept: task {task.task_id!r} asks for {name} {list(amount)} but the offers hold {list(pool.get(name, []) or [])}")
        else:
            need = amount
            for k in keys:
                got = min(need, scratch.get(k, 0.0))
                if got > 0:
                    take[k] = round(take.get(k, 0.0) + got, 3)
                    scratch[k] = round(scratch[k] - got, 3)
                    need = round(need - got, 3)
            if need > 1e-9:
                label = name + (f"({r})" if r != UNRESERVED else "") + (f"[{vol}]" if vol else "")
                have = pool.get(name, 0)
                raise OfferError(
                    f"accept: task {task.task_id!r} asks for {label}:{amount:g} but the offers hold only "
                    f"{name}:{have:g} (less what earlier tasks in this accept took) -- beyond the offer"
                )
    avail.clear()
    avail.update((k, v) for k, v in scratch.items() if v)
    return Resources(take)


class _HeldCalls:
    """Stands in for the master while a learner's callback runs: driver calls are recorded, not applied."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name: str):
        def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))
        return record


def _call_learner_callback(fw: Framework, callback: str, args: tuple) -> None:
    """Run ``fw.scheduler.<callback>`` under the learner time limit (labsupport.core.timelimit).

    The framework's driver calls are held until the callback returns and then applied in order,
    so a callback that is stopped (or raises) leaves the cluster exactly as it was.
    """
    driver, master = fw.driver, fw.driver._master
    held = _HeldCalls()
    driver._master = held
    try:
        call_with_time_limit(getattr(fw.scheduler, callback), driver, *args,
                             name=f"{type(fw.scheduler).__name__}.{callback}")
    finally:
        driver._master = master
    for name, call_args, kwargs in held.calls:
        getattr(master, name)(*call_args, **kwargs)
