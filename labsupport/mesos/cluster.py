"""``mesos.Cluster``: agents, masters with leader election, frameworks, and tables like the Mesos UI.

The cluster owns the one :class:`labsupport.core.Simulation` (clock, event queue, seeded RNG), the agents,
a small ZooKeeper and the :class:`~labsupport.mesos.master.Master` logic. Failures are injected here: ``fail_agent``
/ ``restore_agent``, ``fail_master``, ``disconnect_framework`` / ``reconnect_framework``; security: :mod:`.auth`.

What to look at afterwards:

* ``offers_log()``: every offer, who got it and what became of it (accepted, declined, ...);
* ``calls_log()``: every scheduler call (ACCEPT, DECLINE, SUPPRESS, REVIVE, KILL, RECONCILE, the ``Call.Type``
  names of include/mesos/v1/scheduler/scheduler.proto) with time, framework and what it did -- including calls
  the driver dropped while not registered with a leader. SUPPRESS and REVIVE change no offer, so they are not in
  ``offers_log()``; they are also in ``events("master")`` ("framework 'x' suppressed offers");
* ``status_updates()``: every task status update the master sent;
* ``events(source)``: registrations, elections, missed pings, executors, dropped calls.

>>> from labsupport import mesos
>>> class Sleeper(mesos.Scheduler):
...     def resource_offers(self, driver, offers):
...         for o in offers:
...             driver.accept([o.id], [mesos.Task(f"sleep-{o.id}", "cpus:1;mem:128", duration=5)])
>>> cluster = mesos.Cluster(seed=0)
>>> cluster.add_agent("agent-1", resources="cpus:4;mem:8192")
>>> fid = cluster.register(Sleeper(), name="sleeper")
>>> cluster.run(3)
>>> [(t.task_id, t.state.value) for t in cluster.tasks()]
[('sleep-O1', 'TASK_RUNNING')]
>>> cluster.run(5)
>>> cluster.tasks()[0].state.value
'TASK_FINISHED'
"""
from __future__ import annotations

import functools
import math
from typing import Any

from labsupport.core import EventRecord, LabError, Simulation, Table
from labsupport.core.failures import Failures
from labsupport.core.sim import check_run_seconds
from labsupport.mesos import events as ev
from labsupport.mesos.agent import Agent, AgentState
from labsupport.mesos.auth.mixin import SecurityMixin
from labsupport.mesos.election import MASTER_RESTART_SECONDS, ZK_SESSION_TIMEOUT, ZooKeeper
from labsupport.mesos.events import EventLog
from labsupport.mesos.ha import HAMixin
from labsupport.mesos.master import Master, OfferRecord
from labsupport.mesos.metrics import ObservabilityMixin
from labsupport.mesos.network.api import ClusterNetworking
from labsupport.mesos.quota import quota_update
from labsupport.mesos.resources import Resources, parse_attributes, parse_resources
from labsupport.mesos.roles import is_valid_role, validate_role
from labsupport.mesos.scheduler import Scheduler, offer_number
from labsupport.mesos.sorter import DRFSorter, RandomSorter
from labsupport.mesos.tasks import TaskInfo
from labsupport.mesos.volumes import VolumesMixin

__all__ = ["Cluster", "SORTER_FLAGS", "TABLES", "sorter_flag"]

TABLES = ("agents", "frameworks", "tasks", "roles", "volumes")  # volumes: issue 15
DEFAULT_AGENT_RESOURCES = "cpus:4;mem:8192;disk:10240"


def _number(value: Any, field: str, minimum: float = 0.0, allow_inf: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise LabError(f"{field}: must be a number, got {value!r}")
    if value < minimum or (math.isinf(value) and not allow_inf):
        raise LabError(f"{field}: must be a finite number >= {minimum:g}, got {value!r}")
    return float(value)


#: The sorter classes and the master flag value each stands for (``--role_sorter`` / ``--framework_sorter``).
SORTER_FLAGS = {DRFSorter: "drf", RandomSorter: "random"}


def sorter_flag(kind: Any, field: str) -> str:
    """``mesos.DRFSorter`` or ``mesos.RandomSorter`` (or the flag strings ``"drf"`` / ``"random"``) -> the flag.

    >>> sorter_flag(RandomSorter, "framework_sorter"), sorter_flag("drf", "role_sorter")
    ('random', 'drf')
    """
    if isinstance(kind, str) and kind in SORTER_FLAGS.values():
        return kind
    if isinstance(kind, type) and kind in SORTER_FLAGS:
        return SORTER_FLAGS[kind]
    raise LabError(f"{field}: must be mesos.DRFSorter or mesos.RandomSorter (or the flag value 'drf' or 'random'), got {kind!r}")


def _fmt(used: float, total: float) -> str:
    return f"{used:g} / {total:g}"


class Cluster(HAMixin, ObservabilityMixin, ClusterNetworking, SecurityMixin, VolumesMixin):  # see the mixins' modules
    """A simulated Mesos cluster; ``masters`` > 1: standby masters, election (``zookeepers``, ``quorum``: :mod:`.ha`)."""

    def __init__(
        self, seed: int = 0,
        allocation_interval: float = 1.0,
        masters: int = 1,
        *,
        offer_timeout: float | None = None,
        role_sorter: type[DRFSorter] | type[RandomSorter] | str = DRFSorter,
        framework_sorter: type[DRFSorter] | type[RandomSorter] | str = DRFSorter,
        zookeepers: int | None = None, quorum: int | None = None, authenticate_frameworks: bool = False, credentials: Any = None, acls: Any = None,
    ) -> None:
        _number(allocation_interval, "allocation_interval")
        if allocation_interval <= 0:
            raise LabError(f"allocation_interval: must be > 0 seconds, got {allocation_interval!r}")
        if isinstance(masters, bool) or not isinstance(masters, int) or masters < 1:
            raise LabError(f"masters: must be a whole number >= 1, got {masters!r}")
        if offer_timeout is not None and _number(offer_timeout, "offer_timeout") <= 0:
            raise LabError(f"offer_timeout: must be > 0 seconds or None, got {offer_timeout!r}")
        role_sorter, framework_sorter = sorter_flag(role_sorter, "role_sorter"), sorter_flag(framework_sorter, "framework_sorter")
        self.sim = Simulation(seed)
        self.agents: dict[str, Agent] = {}
        self.failures = Failures()                       # defence in depth (labsupport.core.failures)
        self.event_log = EventLog(lambda: self.sim.now)
        self._log = self.event_log.record
        self.sim.on_error = functools.partial(ev.record_failure, self.failures, self.event_log)
        self.zk = ZooKeeper()
        self.master = Master(self.sim, self.agents, self._log, allocation_interval=allocation_interval,
                             offer_timeout=offer_timeout, role_sorter=role_sorter, framework_sorter=framework_sorter)
        self.masters: dict[str, dict] = {}
        for i in range(1, masters + 1):
            self._start_master(f"master-{i}")
        znode, leader = self.zk.leader()
        self._log("zookeeper", ev.LEADER_ELECTED, f"{leader} owns the lowest znode {znode}: elected leading master", ev.master(leader))
        self.master.start(leader)
        self._init_ha(zookeepers, quorum)
        self._init_security(seed, authenticate_frameworks, credentials, acls)

    # ---------------------------------------------------------------- basics
    @property
    def now(self) -> float:
        """Simulated seconds since the cluster started."""
        return self.sim.now

    @property
    def leader(self) -> str | None:
        """Name of the leading master, or None during an election."""
        return self.master.leader

    def run(self, seconds: float) -> None:
        """Advance simulated time by ``seconds``."""
        self.sim.run(check_run_seconds(seconds))
        self.failures.raise_new()

    def events(self, source: str | None = None, reason: str | None = None) -> Table:
        """Everything that happened (registrations, elections, missed pings, executors...).

        ``source`` keeps one component's rows (``"master"``, ``"zookeeper"``, an agent, a framework);
        ``reason`` keeps one kind of event (``"AgentFailed"``, see :mod:`labsupport.mesos.events`).
        """
        return Table(["TIME", "SOURCE", "EVENT"], self.event_log.rows(source, reason), title="Events")

    # ---------------------------------------------------------------- agents
    def add_agent(self, name: str, resources: str = DEFAULT_AGENT_RESOURCES, attributes: str | None = None) -> None:
        """Start ``mesos-agent --resources=... --attributes=...``; ports default to [31000-32000]."""
        if not isinstance(name, str) or not name.strip():
            raise LabError(f"name: an agent needs a non-empty name, got {name!r}")
        if name in self.agents:
            raise LabError(f"name: agent {name!r} already exists")
        total = parse_resources(resources, default_ports=True)
        attrs = parse_attributes(attributes)
        for (n, _role, vol) in total.entries:
            if vol:
                raise LabError(f"resources: persistent volumes are created with a CREATE operation, not in --resources ({n}[{vol}])")
        agent = Agent(name, total, attrs, registered_at=self.sim.now)
        agent.attach(self.master)
        self.agents[name] = agent
        if self.master.leader is None:
            agent.reregistered = False
            self._log(name, ev.AGENT_STARTED, "agent started; waiting for a leading master", ev.agent(name))
        else:
            self.master.add_agent(agent)

    def _agent(self, name: str) -> Agent:
        if not isinstance(name, str) or name not in self.agents:
            raise LabError(f"agent: unknown agent {name!r}; agents: {sorted(self.agents)}")
        return self.agents[name]

    def fail_agent(self, name: str) -> None:
        """The agent stops answering (crash or partition). Its tasks keep running if it is only partitioned."""
        agent = self._agent(name)
        if agent.failed:
            return
        self._log(name, ev.AGENT_FAILED, "agent stopped answering the master (crash or network partition)", ev.agent(name))
        self.master.agent_failed(agent)

    def restore_agent(self, name: str, rebooted: bool = False) -> None:
        """The agent answers again; with ``rebooted=True`` its tasks died with the machine (TASK_GONE)."""
        agent = self._agent(name)
        if not agent.failed:
            return
        self._log(name, ev.AGENT_RESTORED, "agent is back" + (" after a reboot: its tasks are gone" if rebooted else ""), ev.agent(name))
        self.master.agent_restored(agent, rebooted)

    def agent_accounting(self, name: str) -> dict[str, Resources]:
        """``total``, ``offered``, ``used`` and ``idle`` resources of an agent; offered + used + idle = total."""
        agent = self._agent(name)
        return self._accounting(agent, [o for o in self.master.offers.values() if o.agent == name])

    def _accounting(self, agent: Agent, offers: list) -> dict[str, Resources]:
        name = agent.name
        offered = Resources()
        for o in offers:
            offered = offered + o.resources
        used = Resources()
        for t in agent.tasks.values():      # the master's view: tasks it has not seen end
            if not t.state.is_terminal:
                used = used + t.resources
        idle = self.master.idle(name)
        return {"total": agent.total, "offered": offered, "used": used, "idle": idle}

    # ---------------------------------------------------------------- frameworks
    def register(self, scheduler: Scheduler, name: str = "my-fw", role: str = "*", weight: float | None = None,
                 failover_timeout: float = 0, partition_aware: bool = False, *, principal=None, secret=None, user="root") -> str:
        """Register a framework; returns its id. ``weight``: the role's weight; ``principal``, ``secret``, ``user``: :mod:`.auth`."""
        if not isinstance(scheduler, Scheduler):
            raise LabError(f"scheduler: must be an instance of a mesos.Scheduler subclass, got {type(scheduler).__name__}")
        if not isinstance(name, str) or not name.strip():
            raise LabError(f"name: a framework needs a non-empty name, got {name!r}")
        if not is_valid_role(role):
            raise LabError(f"role: {role!r} is not a valid role name: {validate_role(role)}")
        if weight is not None and _number(weight, "weight") <= 0:
            raise LabError(f"weight: must be > 0, got {weight!r}")
        _number(failover_timeout, "failover_timeout", allow_inf=True)
        if self.master.leader is None:
            raise LabError("register: no leading master right now (an election is under way); run the cluster a little and retry")
        return self._register_secured(scheduler, name, role, weight, float(failover_timeout), bool(partition_aware), principal, secret, user)

    def disconnect_framework(self, framework_id: str) -> None:
        """The scheduler process dies; after its ``failover_timeout`` its tasks are killed."""
        self.master.disconnect_framework(framework_id)

    def reconnect_framework(self, framework_id: str) -> None:
        """The scheduler fails over in time and re-registers with the same framework id."""
        self.master.reconnect_framework(framework_id)

    def driver(self, framework_id: str):
        """The :class:`SchedulerDriver` of a framework (to call ``revive`` etc. from a notebook cell)."""
        return self.master.framework(framework_id).driver

    def set_weight(self, role: str, weight: float) -> None:
        """Set a role's weight (``/weights`` operator endpoint); rescinds outstanding offers if the role has frameworks."""
        if not is_valid_role(role):
            raise LabError(f"role: {role!r} is not a valid role name")
        if _number(weight, "weight") <= 0:
            raise LabError(f"weight: must be > 0, got {weight!r}")
        self.master.update_weight(role, float(weight))

    def set_quota(self, role: str, guarantee: Any = None, limit: Any = None, force: bool = False) -> None:
        """Set a role's quota (``UPDATE_QUOTA``): ``guarantee`` and/or ``limit`` as ``"cpus:4;mem:4096"`` or a mapping.

        Checked as Mesos 1.11.0 does (see :mod:`labsupport.mesos.quota`); ``force`` skips the
        consumption and cluster-capacity checks, like the call's ``force`` flag.
        """
        if not is_valid_role(role):
            raise LabError(f"role: Invalid 'QuotaConfig.role': {role!r} is not a valid role name")
        g, lim = quota_update(role, guarantee, limit, self.agents, self.master, force=bool(force))
        self.master.set_quota(role, g, lim)
        self._log("master", ev.QUOTA_SET, f"quota for role {role!r}: guarantee {g or {}} limit {lim or {}}", ev.role(role))

    # ---------------------------------------------------------------- masters
    def _start_master(self, name: str) -> None:
        znode = self.zk.create_ephemeral_sequential(name)
        self.masters[name] = {"alive": True, "znode": znode}
        self._log("zookeeper", ev.MASTER_STARTED, f"{name} started and created ephemeral sequential znode {znode}", ev.master(name))

    def fail_master(self) -> None:
        """Crash the leading master. Its ZooKeeper session expires, the next master is elected, all re-register."""
        leader = self.master.leader
        if leader is None:
            raise LabError("fail_master: there is no leading master right now (an election is under way)")
        info = self.masters[leader]
        info["alive"] = False
        self._log(leader, ev.MASTER_CRASHED, "leading master crashed", ev.master(leader))
        self.master.lose_leadership("crashed")
        self.sim.schedule(ZK_SESSION_TIMEOUT, lambda: self._session_expired(leader, info["znode"]), label="zk session")
        self.sim.schedule(MASTER_RESTART_SECONDS, lambda: self._restart_master(leader), label="master restart")

    def _session_expired(self, name: str, znode: str) -> None:
        self.zk.delete(znode)
        self._log("zookeeper", ev.SESSION_EXPIRED, f"session of {name} expired after {ZK_SESSION_TIMEOUT:g}s: deleted {znode}", ev.master(name))
        self._elect()

    def _restart_master(self, name: str) -> None:
        self.masters[name]["alive"] = True
        self._start_master(name)
        if self.master.leader is None and name not in self.zk.nodes.values():
            return
        if self.master.leader is None:
            self._elect()
        else:
            self._log(name, ev.MASTER_STANDBY, f"standing by: {self.master.leader} leads", ev.master(name))

    def _elect(self) -> None:
        if self.master.leader is not None:
            return
        found = self.zk.leader()
        if found is None:
            self._log("zookeeper", ev.NO_MASTER_CONTENDING, "no master is contending; waiting for one to start")
            return
        znode, name = found
        self._log("zookeeper", ev.LEADER_ELECTED, f"{name} owns the lowest znode {znode}: elected leading master", ev.master(name))
        self._log(name, ev.MASTER_RECOVERING, "recovering the registry; agents and frameworks will re-register", ev.master(name))
        self.master.take_leadership(name)

    # ---------------------------------------------------------------- read-outs
    def tasks(self) -> list[TaskInfo]:
        """Every task ever launched (newest per id), in launch order."""
        return sorted(self.master.tasks.values(), key=lambda t: (t.launched_at, t.framework, t.task_id))

    def offers(self) -> list:
        """Offers still outstanding."""
        return sorted(self.master.offers.values(), key=lambda o: offer_number(o.id))

    def offers_log(self) -> Table:
        """Who was offered what, when, and what they did with it (accepted/declined/rescinded/expired)."""
        return Table(OfferRecord.COLUMNS, [r.row() for r in self.master.offers_log], title="Offers")

    def calls_log(self) -> Table:
        """Every scheduler driver call, in order: TIME, FRAMEWORK, CALL (ACCEPT, SUPPRESS, ...), DETAIL."""
        return Table(["TIME", "FRAMEWORK", "CALL", "DETAIL"], self.master.calls_log, title="Scheduler calls")

    def status_updates(self) -> Table:
        """Every status update the master sent, in order."""
        rows = [{"TIME": t, "FRAMEWORK": f, "TASK": tid, "STATE": s, "REASON": r}
                for t, f, tid, s, r in self.master.updates_log]
        return Table(["TIME", "FRAMEWORK", "TASK", "STATE", "REASON"], rows, title="Status updates")

    def get(self, what: str) -> Table:
        """A table like the Mesos UI: ``"agents"``, ``"frameworks"``, ``"tasks"``, ``"roles"`` or ``"volumes"``."""
        if what not in TABLES:
            raise LabError(f"get: unknown table {what!r}; valid: {', '.join(TABLES)}")
        return getattr(self, f"_table_{what}")()

    def _table_agents(self) -> Table:
        rows = []
        by_agent: dict[str, list] = {}
        for o in self.master.offers.values():
            by_agent.setdefault(o.agent, []).append(o)
        for name in sorted(self.agents):
            a = self.agents[name]
            acc = self._accounting(a, by_agent.get(name, []))
            tot, used = acc["total"], acc["used"].scalars()
            rows.append({
                "ID": name, "STATE": str(a.state) + (" (not answering)" if a.failed and a.state == AgentState.ACTIVE else ""),
                "CPUS": _fmt(used.get("cpus", 0), tot.get("cpus", 0)), "MEM": _fmt(used.get("mem", 0), tot.get("mem", 0)),
                "DISK": _fmt(used.get("disk", 0), tot.get("disk", 0)), "OFFERED": str(Resources({k: v for k, v in acc["offered"].entries.items() if k[0] != "ports"})) or "-",
                "RESERVED": str(a.total.reserved()) or "-",
                "ATTRIBUTES": ";".join(f"{k}:{v:g}" if isinstance(v, float) else f"{k}:{v}" for k, v in a.attributes.items()) or "-",
                "TASKS": sum(1 for t in a.tasks.values() if not t.state.is_terminal),
            })
        return Table(["ID", "STATE", "CPUS", "MEM", "DISK", "OFFERED", "RESERVED", "ATTRIBUTES", "TASKS"], rows, title="Agents")

    def _table_frameworks(self) -> Table:
        rows = []
        for fid in sorted(self.master.frameworks):
            fw = self.master.frameworks[fid]
            held, share = self.master.framework_allocation(fid)
            live = [t for t in self.master.tasks.values() if t.framework == fid and not t.state.is_terminal]
            suppressed = self.master.framework_suppressed(fid)
            state = "removed" if fw.removed else ("disconnected" if not fw.connected else ("suppressed" if suppressed else "active"))
            rows.append({"ID": fid, "NAME": fw.name, "ROLE": fw.role, "STATE": state, "TASKS": len(live),
                         "CPUS": round(held.get("cpus", 0.0), 3), "MEM": round(held.get("mem", 0.0), 3),
                         "OFFERS": len(fw.offers), "SHARE": round(share, 4)})
        return Table(["ID", "NAME", "ROLE", "STATE", "TASKS", "CPUS", "MEM", "OFFERS", "SHARE"], rows, title="Frameworks")

    def _table_tasks(self) -> Table:
        rows = [{"ID": t.task_id, "NAME": t.name, "FRAMEWORK": t.framework_name, "AGENT": t.agent, "STATE": t.state.value,
                 "KIND": t.kind, "RESOURCES": str(t.resources) or "-"} for t in self.tasks()]
        return Table(["ID", "NAME", "FRAMEWORK", "AGENT", "STATE", "KIND", "RESOURCES"], rows, title="Tasks")

    def _table_roles(self) -> Table:
        roles = sorted({fw.role for fw in self.master.frameworks.values()} | set(self.master.weights) | set(self.master.quotas))
        rows = []
        for role in roles:
            held, share = self.master.role_allocation(role)
            g, lim = self.master.quotas.get(role, (None, None))
            rows.append({"ROLE": role, "WEIGHT": self.master.weights.get(role, 1.0),
                         "FRAMEWORKS": sum(1 for fw in self.master.frameworks.values() if fw.role == role and not fw.removed),
                         "CPUS": round(held.get("cpus", 0.0), 3), "MEM": round(held.get("mem", 0.0), 3),
                         "SHARE": round(share, 4),
                         "GUARANTEE": ";".join(f"{k}:{v:g}" for k, v in sorted((g or {}).items())) or "-",
                         "LIMIT": ";".join(f"{k}:{v:g}" for k, v in sorted((lim or {}).items())) or "-"})
        return Table(["ROLE", "WEIGHT", "FRAMEWORKS", "CPUS", "MEM", "SHARE", "GUARANTEE", "LIMIT"], rows, title="Roles")

    # ---------------------------------------------------------------- structured read-outs (for plots and checks)
    def event_records(self) -> list[EventRecord]:
        """The events behind ``events()`` as :class:`~labsupport.core.EventRecord` s: reason and involved ids, not prose."""
        return list(self.event_log.records)

    def offer_records(self) -> list[OfferRecord]:
        """The offers behind ``offers_log()``, each with the framework's id as well as its name."""
        return list(self.master.offers_log)

    def __repr__(self) -> str:
        return (f"<mesos.Cluster t={self.now:g}s leader={self.leader} agents={len(self.agents)} "
                f"frameworks={len(self.master.frameworks)} tasks={len(self.master.tasks)}>")
