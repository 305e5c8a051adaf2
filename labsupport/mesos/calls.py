"""The scheduler driver's calls as the master handles them: accept, decline, suppress, revive, kill, reconcile.

Part of :class:`labsupport.mesos.master.Master` (it mixes this class in): the master's side of
``Call.Type`` in include/mesos/v1/scheduler/scheduler.proto. ``accept`` follows
``Master::accept`` in src/master/master.cpp: validate everything first (offers, operations, task
resources; src/master/validation.cpp), then commit, so a misused offer raises
:class:`~labsupport.mesos.OfferError` and changes nothing. Every call is one row of
``Cluster.calls_log()``; while the framework is not registered with a leader the call is dropped
and logged, as the driver drops it.

Task rules of validation.cpp ``task::internal::validateTask`` reproduced (a broken task ends
``TASK_ERROR`` / ``REASON_TASK_INVALID`` with upstream's message; the rest of the accept goes on):
``validateTaskID`` (in :class:`~labsupport.mesos.tasks.Task`, at once), ``validateUniqueTaskID``
(duplicate of a live task; reuse of an unreachable task's ID), "Task uses no resources", and
resources the offers do not hold (:class:`OfferError`, nothing changes). Rules on fields the
simulated ``Task`` does not have are not reproduced: ExecutorInfo (every simulated task carries
a CommandInfo, so "at least one (but not both) of CommandInfo or ExecutorInfo" always holds),
``kill_policy``, ``max_completion_time``, checks and health checks (Marathon's are validated in
:mod:`labsupport.mesos.frameworks.marathon_app`), environment variables, container volumes and
Docker parameters, task resource limits and ``share_cgroups``.

>>> from labsupport import mesos
>>> c = mesos.Cluster(seed=0)
>>> c.add_agent("agent-1", resources="cpus:2;mem:512")
>>> fid = c.register(mesos.Scheduler(), name="holder"); c.run(0.5)
>>> c.driver(fid).decline(c.offers()[0].id)
>>> c.calls_log().rows[-1]["DETAIL"]
'O1 (refuse_seconds=5)'
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labsupport.core import LabError
from labsupport.mesos import events as ev
from labsupport.mesos.agent import AgentState
from labsupport.mesos.errors import OfferError, SchedulerError
from labsupport.mesos.messages import StatusUpdate
from labsupport.mesos.operations import Operation
from labsupport.mesos.resources import UNRESERVED, Resources
from labsupport.mesos.scheduler import Filters, Offer
from labsupport.mesos.tasks import Task, TaskState, TaskStatus
from labsupport.mesos.values import normalize_ranges, subtract_ranges

if TYPE_CHECKING:
    from labsupport.mesos.master import Framework

__all__ = ["DriverCalls", "match_resources"]

S = TaskState


class DriverCalls:
    """The master's handling of driver calls (mixed into :class:`~labsupport.mesos.master.Master`)."""

    def _check_offers(self, fw: Framework, offer_ids: Any, call: str, one_agent: bool = True) -> list[Offer]:
        if isinstance(offer_ids, (str, Offer)):
            offer_ids = [offer_ids]
        try:
            ids = [o.id if isinstance(o, Offer) else o for o in offer_ids]
        except TypeError:
            raise OfferError(f"{call}: offer_ids must be a list of offer ids, got {offer_ids!r}") from None
        if not ids:
            raise OfferError(f"{call}: offer_ids is empty")
        if any(not isinstance(i, str) for i in ids):
            raise OfferError(f"{call}: offer_ids must be offer ids (strings such as 'O1') or Offer objects, got {offer_ids!r}")
        if len(set(ids)) != len(ids):
            raise OfferError(f"{call}: offer_ids lists the same offer twice: {ids}")
        offers = []
        for oid in ids:
            offer = self.offers.get(oid)
            if offer is None or offer.framework_id != fw.id:
                record = self.offer_records.get(oid)
                if record is None:
                    raise OfferError(f"{call}: unknown offer id {oid!r}")
                if record.framework_id != fw.id:
                    raise OfferError(f"{call}: offer {oid} was made to framework {record.framework!r}, not {fw.name!r}")
                when = f" at t={record.at:g}s" if record.at is not None else ""
                extra = f" ({record.detail})" if record.detail else ""
                raise OfferError(f"{call}: offer {oid} is no longer valid: it was already {record.outcome}{when}{extra}")
            offers.append(offer)
        agents = sorted({o.agent for o in offers})
        if one_agent and len(agents) > 1:
            raise OfferError(f"{call}: offers {ids} come from several agents {agents}; one accept uses offers of one agent")
        return offers

    def accept(self, fid: str, offer_ids: Any, items: Any, filters: Any = None) -> None:
        """Validate everything first, then commit: operations, task launches, leftovers declined."""
        fw = self.live_framework(fid)
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
        used = Resources()
        launches: list[tuple[Task, Resources | None, str]] = []
        live_ids = set()
        has_ops = False
        dropped: dict[int, str] = {}   # operations the ACLs refuse are dropped (labsupport.mesos.auth)
        for item in items:
            if isinstance(item, Operation):
                refusal = self.security.operation_refusal(fw, item) if getattr(self, "security", None) else None
                if refusal:
                    dropped[id(item)] = refusal
                    continue
                avail = dict(item.apply(Resources(avail), fw.role).entries)
                has_ops = True
            elif isinstance(item, Task):
                problem = None
                old = self.tasks.get((fid, item.task_id))
                security = getattr(self, "security", None)
                refusal = security.task_refusal(fw, item) if security is not None else None
                if refusal:   # run_tasks ACLs (labsupport.mesos.auth): REASON_TASK_UNAUTHORIZED
                    problem = refusal
                elif old is not None and old.state == S.TASK_UNREACHABLE:
                    problem = f"Task reuses the ID of an unreachable task: {item.task_id}"   # validateUniqueTaskID
                elif item.task_id in live_ids or (old is not None and not old.state.is_terminal):
                    problem = f"Task has duplicate ID: {item.task_id}"   # validation.cpp validateUniqueTaskID
                elif not item.resources.scalars():
                    problem = "Task uses no resources"                    # validation.cpp validateResources
                if problem:
                    launches.append((item, None, problem))
                    continue
                take = match_resources(item, avail, pool, fw.role)
                used = used + take
                live_ids.add(item.task_id)
                launches.append((item, take, ""))
        # ---- commit (nothing above changed any state)
        now = self.sim.now
        names = [t.task_id for t, take, _ in launches if take is not None]
        ops = [it.kind for it in items if isinstance(it, Operation) and id(it) not in dropped]
        done = ", ".join(ops + ([f"launched {', '.join(names)}"] if names else []))
        invalid = [f"task {t.task_id} invalid ({problem})" for t, take, problem in launches if take is None] + list(dropped.values())
        detail = "; ".join(([done] if done else []) + invalid)
        for o in offers:
            self.resolve(o.id, "accepted", detail)
        self._record(fw, "accept", ", ".join(o.id for o in offers) + (f": {detail}" if detail else ""))
        work = Resources(avail)
        if has_ops:
            agent.total = agent.total - pool + work + used
        for op in ops:
            self.log(agent.name, ev.OPERATION_APPLIED, f"{op} applied for framework {fw.name!r}; agent resources now {agent.total}",
                     ev.agent(agent.name), ev.framework(fid))
        self.allocator.recover(agent.name, fid, work.entries, now=now, refuse_seconds=flt.refuse_seconds)
        for task, take, problem in launches:
            if take is None:   # invalid: rejected by the master, never reaches the agent (no task record)
                reason = "REASON_TASK_UNAUTHORIZED" if " no authorized to launch task " in problem else "REASON_TASK_INVALID"
                self.send_status(fw, TaskStatus(task.task_id, S.TASK_ERROR, reason, problem, agent.name, fid, now))
            else:
                self.launch(fw, agent, task, take)

    def _drop_launches(self, fw: Framework, tasks: list[Task]) -> None:
        """The driver answers the tasks of a dropped accept itself (sched.cpp ``acceptOffers``)."""
        state = S.TASK_DROPPED if fw.partition_aware else S.TASK_LOST
        for task in tasks:
            status = TaskStatus(task.task_id, state, "REASON_MASTER_DISCONNECTED", "Master disconnected",
                                None, fw.id, self.sim.now)
            self.send(fw, StatusUpdate(status))

    def decline(self, fid: str, offer_ids: Any, filters: Any = None) -> None:
        fw = self.live_framework(fid)
        flt = Filters.coerce(filters)
        if not self._reachable(fw, "decline"):
            return
        offers = self._check_offers(fw, offer_ids, "decline", one_agent=False)
        self._record(fw, "decline", f"{', '.join(o.id for o in offers)} (refuse_seconds={flt.refuse_seconds:g})")
        for o in offers:
            self.resolve(o.id, "declined", f"refuse_seconds={flt.refuse_seconds:g}")
            self.allocator.recover(o.agent, fid, o.resources.entries, now=self.sim.now, refuse_seconds=flt.refuse_seconds)

    def _check_roles(self, fw: Framework, roles: Any, call: str) -> None:
        if roles is None:
            return
        if isinstance(roles, str):
            roles = [roles]
        elif not isinstance(roles, (list, tuple, set, frozenset)) or not all(isinstance(r, str) for r in roles):
            raise LabError(f"{call}: roles must be a role name or a list of role names, got {roles!r}")
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
        self.log(fw.name, ev.CALL_DROPPED, f"{call} dropped: not registered with a leading master right now", ev.framework(fw.id))
        self._record(fw, call, "dropped: not registered with a leading master")
        return False

    def suppress(self, fid: str, roles: Any = None) -> None:
        fw = self.live_framework(fid)
        self._check_roles(fw, roles, "suppress")
        if not self._reachable(fw, "suppress"):
            return
        fw.suppressed = True
        self.allocator.suppress(fid)
        self.log("master", ev.OFFERS_SUPPRESSED, f"framework {fw.name!r} suppressed offers", ev.framework(fid))
        self._record(fw, "suppress", "no offers until REVIVE")

    def revive(self, fid: str, roles: Any = None) -> None:
        fw = self.live_framework(fid)
        self._check_roles(fw, roles, "revive")
        if not self._reachable(fw, "revive"):
            return
        fw.suppressed = False
        self.allocator.revive(fid)
        self.log("master", ev.OFFERS_REVIVED, f"framework {fw.name!r} revived offers (filters cleared)", ev.framework(fid))
        self._record(fw, "revive", "offers resume; decline filters cleared")
        self.trigger_allocation()

    def kill(self, fid: str, task_id: str) -> None:
        fw = self.live_framework(fid)
        if not isinstance(task_id, str):
            raise SchedulerError(f"kill: task_id must be a task id string, got {task_id!r}")
        task = self.tasks.get((fid, task_id))
        if task is None:
            if self._reachable(fw, "kill"):
                self._kill_unknown(fw, task_id)
            return
        agent = self.agents[task.agent]
        if not self._reachable(fw, "kill"):
            return
        if task.agent_state.is_terminal or task.agent_state == S.TASK_KILLING:
            self._record(fw, "kill", f"{task_id}: already {task.agent_state.value}, nothing to do")
            return
        if agent.failed or agent.state != AgentState.ACTIVE:
            self.log("master", ev.KILL_LOST, f"kill {task_id!r}: agent {agent.name} is not reachable; the kill is lost",
                     ev.framework(fid), ev.agent(agent.name))
            self._record(fw, "kill", f"{task_id}: agent {agent.name} not reachable, the kill is lost")
            return
        self._record(fw, "kill", task_id)
        agent.kill(task)

    def _kill_unknown(self, fw: Framework, task_id: str) -> None:
        """``Master::kill`` of an unknown task performs an explicit reconciliation for it:
        ``TASK_LOST`` (``TASK_UNKNOWN`` if partition-aware), reason ``REASON_RECONCILIATION``
        (MasterTest.KillUnknownTask); dropped while some agent has not re-registered after a
        failover (KillUnknownTaskSlaveInTransition)."""
        if any(a.state == AgentState.ACTIVE and not a.reregistered for a in self.sorted_agents()):
            self._record(fw, "kill", f"{task_id}: unknown task; reconciliation dropped, agents still re-registering")
            return
        state = S.TASK_UNKNOWN if fw.partition_aware else S.TASK_LOST
        self._record(fw, "kill", f"{task_id}: unknown task, answered by reconciliation ({state.value})")
        self.send_status(fw, TaskStatus(task_id, state, "REASON_RECONCILIATION", "Reconciliation: Task is unknown",
                                        None, fw.id, self.sim.now))

    def reconcile(self, fid: str) -> None:
        fw = self.live_framework(fid)
        if not self._reachable(fw, "reconcile"):
            return
        found = [task for agent in self.sorted_agents() for task in agent.tasks.values()
                 if task.framework == fid and (not task.state.is_terminal or task.state == S.TASK_UNREACHABLE)]
        self._record(fw, "reconcile", f"implicit: latest state of {len(found)} task(s) re-sent")
        for task in found:
            self.send_status(fw, TaskStatus(task.task_id, task.state, "REASON_RECONCILIATION", "", task.agent, fid, self.sim.now))


def match_resources(task: Task, avail: dict, pool: Resources, role: str) -> Resources:
    """Take a task's resources out of ``avail`` (changed only on success); role-less amounts use the role's reservation first."""
    take: dict = {}
    scratch = dict(avail)
    for (name, r, vol), amount in sorted(task.resources.entries.items()):
        keys = [(name, r, vol)] if (r != UNRESERVED or vol) else [(name, role, ""), (name, UNRESERVED, "")]
        if isinstance(amount, tuple):
            need = amount
            for k in keys:
                have = scratch.get(k, ())
                got = subtract_ranges(need, subtract_ranges(need, have))   # need & have
                if got:
                    take[k] = normalize_ranges(take.get(k, ()) + got)
                    scratch[k] = subtract_ranges(have, got)
                    need = subtract_ranges(need, got)
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
