"""What Mesos itself reports: the master's ``/metrics/snapshot``, ``/state`` summaries and the agent's ``/monitor/statistics``.

Names and types follow docs/monitoring.md of Mesos 1.11.0 and src/master/allocator/mesos/metrics.cpp:

* resources (gauges): ``master/{cpus,mem,disk,gpus}_{total,used,percent}``; ``used`` is what tasks hold;
* master: ``master/elected`` (1 on the leader), ``master/uptime_secs``;
* agents: ``master/slaves_{active,connected,disconnected,inactive,unreachable}``;
* frameworks: ``master/frameworks_{active,connected,disconnected,inactive}``, ``master/outstanding_offers``;
* tasks: gauges ``master/tasks_{staging,starting,running,killing,unreachable}``, counters
  ``master/tasks_{finished,failed,killed,lost,error}`` (counted since this master was elected: the doc
  says metrics are not persisted and reset when a new leader takes over);
* per framework (``--publish_per_framework_metrics``, default true): ``master/frameworks/<name>/<id>/subscribed``,
  ``.../offers/{sent,accepted,declined,rescinded}``, ``.../calls/<CALL>``, ``.../tasks/active/<STATE>``,
  ``.../tasks/terminal/<STATE>``;
* allocator: ``allocator/mesos/resources/<r>/{total,offered_or_allocated}``, ``allocator/mesos/roles/<role>/shares/dominant``
  (0-1), ``allocator/mesos/offer_filters/roles/<role>/active``, ``allocator/mesos/quota/roles/<role>/resources/<r>/{guarantee,limit,consumed,offered_or_allocated}``.

Not simulated (left out rather than faked): ``system/*`` (the master host), ``master/messages_*``,
``registrar/*``, ``allocator/mesos/allocation_run*`` timers, ``master/event_queue_*``.

The agent's ``/monitor/statistics`` lists one entry per executor (a command task's executor id is the task
id) with a ``ResourceStatistics`` message (include/mesos/mesos.proto): ``cpus_limit``,
``cpus_user_time_secs``, ``cpus_system_time_secs``, ``mem_limit_bytes``, ``mem_rss_bytes`` and, only
when the agent runs with ``--cgroups_enable_cfs`` (default false: CPU shares, no hard cap),
``cpus_nr_periods``, ``cpus_nr_throttled``, ``cpus_throttled_time_secs``. Usage is driven by
``set_load`` like the Kubernetes load driver and integrated every :data:`ACCOUNTING_SECONDS`.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from urllib.parse import quote

from labsupport.core import LabError, Table, priorities
from labsupport.core.sim import BASELINE_MEMORY_BYTES, SIM_EPOCH
from labsupport.mesos import events
from labsupport.mesos.agent import AgentState
from labsupport.mesos.sandbox import sandbox_files
from labsupport.mesos.tasks import TaskState

__all__ = ["MesosObservability", "ObservabilityMixin", "ACCOUNTING_SECONDS", "snapshot"]

ACCOUNTING_SECONDS = 10.0
_RES = ("cpus", "mem", "disk", "gpus")
_ACTIVE = {TaskState.TASK_STAGING: "staging", TaskState.TASK_STARTING: "starting", TaskState.TASK_RUNNING: "running",
           TaskState.TASK_KILLING: "killing", TaskState.TASK_UNREACHABLE: "unreachable"}
_TERMINAL = {TaskState.TASK_FINISHED: "finished", TaskState.TASK_FAILED: "failed", TaskState.TASK_KILLED: "killed",
             TaskState.TASK_LOST: "lost", TaskState.TASK_ERROR: "error"}


def _elected_at(cell) -> float:
    times = [r.first_time for r in cell.event_log.records if r.reason == events.LEADER_ELECTED]
    return times[-1] if times else 0.0


def snapshot(cell) -> dict[str, float]:
    """The leading master's ``/metrics/snapshot`` now: a flat dict of metric name -> number, keys sorted."""
    m = cell.master
    out: dict[str, float] = {}
    if m.leader is None:
        return {"master/elected": 0.0}
    now, since = cell.now, _elected_at(cell)
    out["master/elected"] = 1.0
    out["master/uptime_secs"] = now - since
    active_agents = [a for a in cell.agents.values() if a.state == AgentState.ACTIVE and a.reregistered]
    total = Counter()
    for a in active_agents:
        total.update(a.total.scalars())
    used = Counter()
    live = [t for t in m.tasks.values() if not t.state.is_terminal]
    for t in live:
        if t.agent in {a.name for a in active_agents}:
            used.update(t.resources.scalars())
    for r in _RES:
        out[f"master/{r}_total"] = float(total.get(r, 0.0))
        out[f"master/{r}_used"] = float(used.get(r, 0.0))
        out[f"master/{r}_percent"] = used.get(r, 0.0) / total[r] if total.get(r) else 0.0
    states = Counter(a.state for a in cell.agents.values())
    out["master/slaves_active"] = float(len(active_agents))
    out["master/slaves_connected"] = float(sum(1 for a in cell.agents.values() if a.state == AgentState.ACTIVE and a.reregistered and not a.failed))
    out["master/slaves_disconnected"] = float(sum(1 for a in cell.agents.values() if a.state == AgentState.ACTIVE and (a.failed or not a.reregistered)))
    out["master/slaves_inactive"] = 0.0
    out["master/slaves_unreachable"] = float(states.get(AgentState.UNREACHABLE, 0))
    fws = [f for f in m.frameworks.values() if not f.removed]
    out["master/frameworks_connected"] = out["master/frameworks_active"] = float(sum(1 for f in fws if f.connected))
    out["master/frameworks_disconnected"] = out["master/frameworks_inactive"] = float(sum(1 for f in fws if not f.connected))
    out["master/outstanding_offers"] = float(len(m.offers))
    by_state = Counter(t.state for t in live)
    for state, name in _ACTIVE.items():
        out[f"master/tasks_{name}"] = float(by_state.get(state, 0))
    ended = Counter(s for t, _, _, s, _ in m.updates_log if t >= since)
    for state, name in _TERMINAL.items():
        out[f"master/tasks_{name}"] = float(ended.get(state, 0))
    _framework_metrics(cell, out, since)
    _allocator_metrics(cell, out, total)
    return dict(sorted(out.items()))


def _framework_metrics(cell, out: dict, since: float) -> None:
    m = cell.master
    for fid in sorted(m.frameworks):
        fw = m.frameworks[fid]
        if fw.removed:
            continue
        p = f"master/frameworks/{quote(fw.name, safe='')}/{fid}/"
        out[p + "subscribed"] = 1.0 if fw.connected else 0.0
        recs = [r for r in m.offers_log if r.framework_id == fid and r.time >= since]
        out[p + "offers/sent"] = float(len(recs))
        for outcome in ("accepted", "declined", "rescinded"):
            out[p + f"offers/{outcome}"] = float(sum(1 for r in recs if r.outcome == outcome))
        calls = Counter(c["CALL"] for c in m.calls_log if c["FRAMEWORK"] in (fw.name, fid) and c["TIME"] >= since)
        out[p + "calls"] = float(sum(calls.values()))
        for call, n in sorted(calls.items()):
            out[p + f"calls/{str(call).lower()}"] = float(n)
        tasks = [t for t in m.tasks.values() if t.framework == fid]
        for state, n in sorted(Counter(t.state.value for t in tasks if not t.state.is_terminal).items()):
            out[p + f"tasks/active/{state.lower()}"] = float(n)
        ended = Counter(s for t, f, _, s, _ in m.updates_log if f == fid and t >= since)
        for state, n in sorted(ended.items()):
            st = TaskState(state) if not isinstance(state, TaskState) else state
            if st.is_terminal:
                out[p + f"tasks/terminal/{st.value.lower()}"] = float(n)
        if m.framework_suppressed(fid):
            out[p + f"roles/{fw.role}/suppressed"] = 1.0


def _allocator_metrics(cell, out: dict, total: Counter) -> None:
    m = cell.master
    alloc = m.allocator
    offered_or_allocated = Counter()
    for name in sorted(alloc.agents):
        ag = alloc.agents[name]
        idle = m.idle(name).scalars()
        for r, v in ag.total.items():
            offered_or_allocated[r] += max(v - idle.get(r, 0.0), 0.0)
    for r in ("cpus", "mem", "disk"):
        out[f"allocator/mesos/resources/{r}/total"] = float(total.get(r, 0.0))
        out[f"allocator/mesos/resources/{r}/offered_or_allocated"] = float(offered_or_allocated.get(r, 0.0))
    roles = sorted({f.role for f in m.frameworks.values() if not f.removed})
    for role in roles:
        _, share = m.role_allocation(role)
        out[f"allocator/mesos/roles/{role}/shares/dominant"] = float(share)
        n = 0
        for fid, f in m.frameworks.items():
            if f.role == role:
                for flts in alloc.filters.get(fid, {}).values():
                    n += sum(1 for f in flts if f[1] > cell.now)   # (entries, expires, sticky)
        out[f"allocator/mesos/offer_filters/roles/{role}/active"] = float(n)
    for role in sorted(m.quotas):
        guarantee, limit = m.quotas[role]
        consumed = alloc.quota_consumed(role)
        names = sorted(set(guarantee or {}) | set(limit or {}))
        q = f"allocator/mesos/quota/roles/{role}/resources/"
        for r, v in sorted((guarantee or {}).items()):
            out[q + f"{r}/guarantee"] = float(v)
        for r, v in sorted((limit or {}).items()):
            if v != float("inf"):
                out[q + f"{r}/limit"] = float(v)
        for r, v in sorted(consumed.items()):
            if v:
                out[q + f"{r}/consumed"] = float(v)
        held = alloc.consumed(role)
        for r in names:
            out[q + f"{r}/offered_or_allocated"] = float(held.get(r, 0.0))


def _constant(v: float) -> Callable[[float], float]:
    return lambda t: v


class MesosObservability:
    """Per-task CPU accounting (for ``/monitor/statistics``), loads, sandboxes and snapshots of one cell."""

    def __init__(self, cell) -> None:
        self.cell = cell
        self.loads: list[tuple[re.Pattern, Callable[[float], float]]] = []
        self.cfs = False
        self.stats: dict[tuple[str, str], dict] = {}
        self.history: list[tuple[float, dict[str, float]]] = []   # (time, snapshot) every accounting step
        self.keep_history = False
        self.usage_history: dict[str, list[tuple[float, float, float]]] = {}   # task id -> (t, demand m, usage m)
        cell.sim.schedule(0, self._tick, priority=priorities.HOUSEKEEPING, label="mesos accounting")

    def set_load(self, task_pattern: str, cpus, cgroups_enable_cfs: bool | None = None) -> None:
        """Tasks whose id matches ``task_pattern`` (a regular expression, searched) want ``cpus`` (a number or f(t)) each."""
        try:
            pat = re.compile(task_pattern)
        except (re.error, TypeError) as e:
            raise LabError(f"task_pattern: not a regular expression: {task_pattern!r} ({e})") from None
        if not callable(cpus):
            if isinstance(cpus, bool) or not isinstance(cpus, (int, float)) or cpus < 0:
                raise LabError(f"cpus: must be a number >= 0 or a function of simulated time, got {cpus!r}")
            cpus = _constant(float(cpus))
        self.loads = [(p, f) for p, f in self.loads if p.pattern != task_pattern] + [(pat, cpus)]
        if cgroups_enable_cfs is not None:
            self.cfs = bool(cgroups_enable_cfs)

    def _demand(self, task_id: str, now: float) -> float:
        for pat, fn in reversed(self.loads):
            if pat.search(task_id):
                return max(float(fn(now)), 0.0)
        return 0.0

    def _tick(self) -> None:
        now = self.cell.now
        live = set()
        for name in sorted(self.cell.agents):
            agent = self.cell.agents[name]
            if agent.failed:
                continue
            for task in agent.live_tasks():
                if task.agent_state != TaskState.TASK_RUNNING:
                    continue
                key = (name, task.task_id)
                live.add(key)
                limit = task.resources.scalars().get("cpus", 0.0)
                st = self.stats.get(key)
                if st is None:
                    st = self.stats[key] = {"cpus_user_time_secs": 0.0, "cpus_nr_periods": 0, "cpus_nr_throttled": 0,
                                            "cpus_throttled_time_secs": 0.0, "_usage": 0.0, "_demand": 0.0, "_t": now,
                                            "_task": task}
                dt = now - st["_t"]
                st["cpus_user_time_secs"] += st["_usage"] * dt
                if self.cfs:
                    st["cpus_nr_periods"] += round(dt / 0.1)
                    if st["_demand"] > limit:
                        st["cpus_nr_throttled"] += round(dt / 0.1)
                        st["cpus_throttled_time_secs"] += dt * (1 - limit / st["_demand"])
                demand = self._demand(task.task_id, now)
                st["_demand"], st["_usage"], st["_t"] = demand, (min(demand, limit) if self.cfs else demand), now
                self.usage_history.setdefault(task.task_id, []).append((now, demand * 1000, st["_usage"] * 1000))
                st["_limit"] = limit
                st["_mem_limit"] = task.resources.scalars().get("mem", 0.0) * 2**20
        for key in [k for k in self.stats if k not in live]:
            del self.stats[key]
        if self.keep_history:
            self.history.append((now, snapshot(self.cell)))
        self.cell.sim.schedule(ACCOUNTING_SECONDS, self._tick, priority=priorities.HOUSEKEEPING, label="mesos accounting")

    def monitor_statistics(self, agent: str) -> list[dict]:
        """The agent's ``/monitor/statistics`` JSON: one entry per running executor."""
        if agent not in self.cell.agents:
            raise LabError(f'agent: no agent named "{agent}" (agents: {", ".join(sorted(self.cell.agents)) or "none"})')
        out = []
        for (name, tid), st in sorted(self.stats.items()):
            if name != agent:
                continue
            task = st["_task"]
            now = self.cell.now
            dt = max(now - st["_t"], 0.0)      # cgroup counters run on between accounting passes
            throttling = self.cfs and st["_demand"] > st["_limit"]
            stats = {"timestamp": SIM_EPOCH + now, "cpus_limit": st["_limit"],
                     "cpus_user_time_secs": round(st["cpus_user_time_secs"] + st["_usage"] * dt, 6),
                     "cpus_system_time_secs": 0.0, "mem_limit_bytes": int(st["_mem_limit"]),
                     "mem_rss_bytes": min(BASELINE_MEMORY_BYTES, int(st["_mem_limit"]) or BASELINE_MEMORY_BYTES)}
            if self.cfs:
                stats["cpus_nr_periods"] = st["cpus_nr_periods"] + round(dt / 0.1)
                stats["cpus_nr_throttled"] = st["cpus_nr_throttled"] + (round(dt / 0.1) if throttling else 0)
                extra = dt * (1 - st["_limit"] / st["_demand"]) if throttling else 0.0
                stats["cpus_throttled_time_secs"] = round(st["cpus_throttled_time_secs"] + extra, 6)
            out.append({"executor_id": tid, "executor_name": f"Command Executor (Task: {tid}) (Command: sh -c '{(task.command or '')[:15]}...')",
                        "framework_id": task.framework, "source": tid, "statistics": stats})
        return out

    def sandbox(self, task_id: str, file: str) -> str:
        """The text of a task's sandbox file, ``"stdout"`` or ``"stderr"`` (newest run of that task id)."""
        if file not in ("stdout", "stderr"):
            raise LabError(f"file: a sandbox has 'stdout' and 'stderr', got {file!r}")
        tasks = [t for t in self.cell.master.tasks.values() if t.task_id == task_id]
        if not tasks:
            known = sorted({t.task_id for t in self.cell.master.tasks.values()})
            raise LabError(f"task_id: no task {task_id!r} (tasks: {', '.join(known[:8]) or 'none'}{' ...' if len(known) > 8 else ''})")
        task = max(tasks, key=lambda t: t.launched_at)
        pid = 1000 + sorted(self.cell.master.tasks).index((task.framework, task.task_id)) * 7
        files = sandbox_files(task, self.cell.now, pid, self.usage_history.get(task.task_id))
        return "\n".join(line for _, line in files[file])

    def state_summary(self) -> Table:
        """``/state-summary`` in brief: per agent its resources, used resources and task counts."""
        rows = []
        for name in sorted(self.cell.agents):
            a = self.cell.agents[name]
            used = Counter()
            states = Counter()
            for t in a.tasks.values():
                states[t.state.value] += 1
                if not t.state.is_terminal:
                    used.update(t.resources.scalars())
            tot = a.total.scalars()
            rows.append({"AGENT": name, "ACTIVE": a.state == AgentState.ACTIVE and not a.failed,
                         "CPUS": f"{used.get('cpus', 0):g}/{tot.get('cpus', 0):g}", "MEM": f"{used.get('mem', 0):g}/{tot.get('mem', 0):g}",
                         "TASK_RUNNING": states.get("TASK_RUNNING", 0), "TASK_FAILED": states.get("TASK_FAILED", 0),
                         "TASK_FINISHED": states.get("TASK_FINISHED", 0)})
        return Table(["AGENT", "ACTIVE", "CPUS", "MEM", "TASK_RUNNING", "TASK_FAILED", "TASK_FINISHED"], rows, title="state-summary")


class ObservabilityMixin:
    """The observability read-outs of ``mesos.Cluster`` (issue 16, lesson 08): snapshot, sandboxes, statistics, load."""

    # ------------------------------------------------------ observability (issue 16, lesson 08)
    @property
    def observability(self):
        """Snapshots, per-task CPU accounting and sandboxes of this cell (:mod:`labsupport.mesos.metrics`); created on first use."""
        obs = self.__dict__.get("_observability")
        if obs is None:
                obs = self.__dict__["_observability"] = MesosObservability(self)
        return obs

    def metrics_snapshot(self) -> dict[str, float]:
        """The leading master's ``/metrics/snapshot`` JSON as a dict (real Mesos 1.11 metric names)."""
        return snapshot(self)

    def sandbox(self, task_id: str, file: str = "stdout") -> str:
        """A task's sandbox file (``"stdout"`` or ``"stderr"``), as the agent's ``/files/read`` serves it."""
        return self.observability.sandbox(task_id, file)

    def monitor_statistics(self, agent: str) -> list[dict]:
        """The agent's ``/monitor/statistics``: per executor CPU time, limits and memory."""
        return self.observability.monitor_statistics(agent)

    def set_load(self, task_pattern: str, cpus, cgroups_enable_cfs: bool | None = None) -> None:
        """Tasks whose id matches ``task_pattern`` (regex) each want ``cpus`` (number or f(t)); ``cgroups_enable_cfs``
        is the agents' ``--cgroups_enable_cfs`` flag (default false: no hard CPU cap)."""
        self.observability.set_load(task_pattern, cpus, cgroups_enable_cfs)
