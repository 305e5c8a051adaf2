"""The mesos.Cluster methods for issue 14: ZooKeeper quorum, the replicated log, agents coming and going, maintenance.

Mixed into :class:`labsupport.mesos.Cluster`. The pieces:

* :class:`~labsupport.mesos.zookeeper.ZooKeeperEnsemble` (``zookeepers=3`` -> ``zk-1``..``zk-3``):
  an election needs a ZooKeeper quorum; the leader that loses ZooKeeper for the session timeout exits;
* :class:`~labsupport.mesos.replicated_log.ReplicatedLog` (one replica per master, ``quorum``
  defaults to a majority): a new leader must recover the registry from a quorum of replicas
  before it serves, and admitting an agent or storing a schedule is a registry write;
* ``stop_master`` / ``start_master`` for any master (``fail_master`` crashes the leader, which
  its supervisor restarts), ``remove_agent`` (the operator decommissions a machine) and the
  maintenance primitives (:mod:`labsupport.mesos.maintenance`).

What still works without quorum: tasks keep running on their agents and their executors keep
them alive; what stops: elections, new registrations (frameworks and agents), offers.

>>> from labsupport import mesos
>>> cell = mesos.Cluster(seed=0, masters=3, zookeepers=3)
>>> cell.fail_zookeeper("zk-1"); cell.fail_zookeeper("zk-2"); cell.run(15)
>>> cell.leader is None
True
>>> cell.restore_zookeeper("zk-2"); cell.run(5); cell.leader
'master-2'
"""
from __future__ import annotations

from labsupport.core import LabError, Table
from labsupport.mesos import events as ev
from labsupport.mesos.election import MASTER_RESTART_SECONDS, ZK_SESSION_TIMEOUT
from labsupport.mesos.maintenance import DOWN, DRAINING, UP, Maintenance, Window
from labsupport.mesos.replicated_log import REGISTRY_FETCH_TIMEOUT, ReplicatedLog
from labsupport.mesos.scheduler import offer_number
from labsupport.mesos.zookeeper import ZooKeeperEnsemble

__all__ = ["HAMixin"]


class HAMixin:
    """Methods of :class:`~labsupport.mesos.Cluster` for ZooKeeper/log quorum, agent removal and maintenance."""

    def _init_ha(self, zookeepers: int | None, quorum: int | None) -> None:
        #: quorums are simulated only when asked for (zookeepers= or quorum= given)
        self.quorums_simulated = zookeepers is not None or quorum is not None
        self.ensemble = ZooKeeperEnsemble(1 if zookeepers is None else zookeepers)
        self.replicated_log = ReplicatedLog(list(self.masters), quorum)
        self.maintenance = Maintenance()
        self._waiting_masters: list[str] = []        # restarted while ZooKeeper had no quorum
        self._waiting_agents: list = []              # not admitted while the log had no quorum
        self._zk_lost_at: float | None = None
        # the election and agent admission go through the quorum checks below
        elect, start_master, add_agent = self._elect, self._start_master, self.master.add_agent

        def gated_elect() -> None:
            if self.master.leader is not None:
                return
            if not self.ensemble.has_quorum():
                self._log("zookeeper", ev.ELECTION_WAITING, "no quorum: the election waits for a majority of ZooKeeper servers")
                return
            if not self._log_writable():
                found = self.zk.leader()
                who = found[1] if found else "the next master"
                self._log(who, ev.REGISTRY_UNAVAILABLE, f"cannot recover the registry: the replicated log needs {self.replicated_log.quorum} of "
                               f"{len(self.replicated_log.replicas)} replicas, {len(self._running_masters())} running "
                               f"(a real master exits after --registry_fetch_timeout={REGISTRY_FETCH_TIMEOUT:g}s and is restarted)")
                return
            elect()

        def gated_start_master(name: str) -> None:
            if not self.ensemble.has_quorum():
                self.masters.setdefault(name, {"alive": True, "znode": None})["alive"] = True
                self.masters[name]["znode"] = None
                if name not in self._waiting_masters:
                    self._waiting_masters.append(name)
                self._log(name, ev.MASTER_STARTED, "started; waiting for a ZooKeeper quorum to create its znode", ev.master(name))
                return
            start_master(name)

        def gated_add_agent(agent) -> None:
            if not self._log_writable():
                self._waiting_agents.append(agent)
                self._log(agent.name, ev.AGENT_REGISTRATION_PENDING, "registration pending: the registrar cannot write to the replicated log without a quorum",
                          ev.agent(agent.name))
                return
            self.replicated_log.append(self.sim.now, f"admit agent {agent.name}")
            add_agent(agent)

        self._elect, self._start_master, self.master.add_agent = gated_elect, gated_start_master, gated_add_agent

    def _running_masters(self) -> set[str]:
        return {n for n, m in self.masters.items() if m["alive"]}

    def _log_writable(self) -> bool:
        return not self.quorums_simulated or self.replicated_log.writable(self._running_masters())

    # ------------------------------------------------------------- ZooKeeper
    def fail_zookeeper(self, server: str) -> None:
        """Stop one ZooKeeper server (``zk-1``..). Losing the majority stops elections; the leader exits after 10 s."""
        had = self.ensemble.has_quorum()
        self.ensemble.fail(server)
        self._log("zookeeper", ev.ZK_SERVER_STOPPED, f"{server} stopped ({len(self.ensemble.running())}/{self.ensemble.size} servers running)")
        if had and not self.ensemble.has_quorum():
            self._zk_lost_at = lost = self.sim.now
            self._log("zookeeper", ev.ZK_QUORUM_LOST, f"ensemble lost its quorum (needs {self.ensemble.quorum}): no znode can be created or deleted")
            self.sim.schedule(ZK_SESSION_TIMEOUT, lambda: self._zk_session_timeout(lost), label="zk session timeout")

    def _zk_session_timeout(self, lost: float) -> None:
        if self.ensemble.has_quorum() or self._zk_lost_at != lost:
            return
        leader = self.master.leader
        if leader is None:
            return
        self._log(leader, ev.MASTER_STOPPED, f"disconnected from ZooKeeper for {ZK_SESSION_TIMEOUT:g}s: session expired, "
                          "lost leadership, committing suicide (its supervisor restarts it)")
        self.master.lose_leadership("ZooKeeper session expired")
        info = self.masters[leader]
        info["alive"] = False
        if info.get("znode"):
            self.zk.delete(info["znode"])
        info["znode"] = None
        self.sim.schedule(MASTER_RESTART_SECONDS, lambda: self._restart_master(leader), label="master restart")

    def restore_zookeeper(self, server: str) -> None:
        """Restart a ZooKeeper server; once a majority runs again, waiting masters contend and one is elected."""
        had = self.ensemble.has_quorum()
        self.ensemble.restore(server)
        self._log("zookeeper", ev.ZK_SERVER_STARTED, f"{server} restarted ({len(self.ensemble.running())}/{self.ensemble.size} servers running)")
        if not had and self.ensemble.has_quorum():
            self._zk_lost_at = None
            self._log("zookeeper", ev.ZK_QUORUM_RESTORED, "ensemble has its quorum back")
            waiting, self._waiting_masters = self._waiting_masters, []
            for name in waiting:
                if self.masters[name]["alive"]:
                    self._start_master(name)
            self._elect()

    def zookeeper_status(self) -> Table:
        """One row per ZooKeeper server: SERVER, RUNNING, QUORUM."""
        return self.ensemble.status()

    # --------------------------------------------------------------- masters
    def _master_name(self, name: str) -> str:
        if name not in self.masters:
            raise LabError(f"master: no master {name!r} (masters: {', '.join(sorted(self.masters))})")
        return name

    def stop_master(self, name: str) -> None:
        """Stop any master process (no supervisor restart); its log replica goes with it. A leader is replaced after 10 s."""
        info = self.masters[self._master_name(name)]
        if not info["alive"]:
            return
        info["alive"] = False
        self._log(name, ev.MASTER_STOPPED, "master process stopped by the operator", ev.master(name))
        if self.master.leader == name:
            self.master.lose_leadership("stopped")
        znode = info.get("znode")
        if znode:
            self.sim.schedule(ZK_SESSION_TIMEOUT, lambda: self._expire_if_stopped(name, znode), label="zk session")

    def _expire_if_stopped(self, name: str, znode: str) -> None:
        if self.masters[name]["alive"] or not self.ensemble.has_quorum():
            return
        self._session_expired(name, znode)

    def start_master(self, name: str) -> None:
        """Start a stopped master again: it contends in the election and its log replica rejoins."""
        info = self.masters[self._master_name(name)]
        if info["alive"]:
            return
        info["alive"] = True
        self._start_master(name)
        if self.master.leader is None:
            self._elect()
        self._admit_waiting_agents()

    def _admit_waiting_agents(self) -> None:
        if self.master.leader is None or not self._log_writable():
            return
        waiting, self._waiting_agents = self._waiting_agents, []
        for agent in waiting:
            if agent.name in self.agents:
                self.master.add_agent(agent)

    def masters_status(self) -> Table:
        """One row per master: MASTER, RUNNING, ROLE (leading/standby/down), ZNODE, and the log replica."""
        rows = []
        for name in sorted(self.masters):
            m = self.masters[name]
            role = "leading" if self.master.leader == name else ("standby" if m["alive"] else "down")
            znode = m.get("znode") if m.get("znode") in self.zk.nodes else None
            rows.append({"MASTER": name, "RUNNING": m["alive"], "ROLE": role, "ZNODE": znode,
                         "LOG REPLICA": "up" if m["alive"] else "down"})
        q = self.replicated_log
        title = f"masters (replicated log: {len(self._running_masters())}/{len(q.replicas)} replicas, --quorum={q.quorum}: " + \
                ("writable" if self._log_writable() else "NOT WRITABLE") + ")"
        return Table(["MASTER", "RUNNING", "ROLE", "ZNODE", "LOG REPLICA"], rows, title=title)

    # ---------------------------------------------------------------- agents
    def remove_agent(self, name: str) -> None:
        """Decommission an agent: it shuts down and is removed; its tasks are reported ``TASK_LOST``
        (``TASK_GONE`` to partition-aware frameworks), and frameworks such as Marathon relaunch them elsewhere."""
        agent = self._agent(name)
        self._shutdown_agent(agent, "removed by the operator")
        del self.agents[name]

    def _shutdown_agent(self, agent, why: str) -> None:
        m = self.master
        self._log(agent.name, ev.AGENT_REMOVED, f"agent shut down ({why})", ev.agent(agent.name))
        for oid in sorted((o.id for o in m.offers.values() if o.agent == agent.name), key=offer_number):
            m.rescind(oid, f"agent {agent.name} removed", recover=False)
        for task in list(agent.live_tasks()):
            agent.end(task, task.agent_state, None, report=False)
        if agent.name in m.allocator.agents:
            m.allocator.remove_agent(agent.name)
        for task in list(agent.tasks.values()):
            if not task.state.is_terminal:
                m.status_update(task, m.gone_state(task), "REASON_SLAVE_REMOVED")
        if m.leader is not None and self._log_writable():
            self.replicated_log.append(self.sim.now, f"remove agent {agent.name}")
        m.trigger_allocation()

    # ----------------------------------------------------------- maintenance
    def schedule_maintenance(self, agents: list[str], start: float, duration: float) -> None:
        """Post a maintenance window: ``agents`` go DRAINING now; frameworks running tasks there get inverse offers.

        ``start`` is seconds from now, ``duration`` the expected downtime in seconds. Mesos changes no mode by
        itself: bring the machines down with :meth:`machine_down` and back with :meth:`machine_up`.
        """
        machines = self.maintenance.validate_schedule(agents, start, duration, set(self.agents))
        if self.master.leader is None or not self._log_writable():
            raise LabError("schedule_maintenance: the master cannot store the schedule (no leader or no replicated-log quorum)")
        window = Window(machines, self.sim.now + float(start), float(duration))
        self.maintenance.add_window(window)
        self.replicated_log.append(self.sim.now, f"update maintenance schedule: {', '.join(machines)}")
        self._log("master", ev.MAINTENANCE_SCHEDULED, f"maintenance scheduled for {', '.join(machines)} at t={window.start:g}s for {window.duration:g}s: DRAINING")
        for name in machines:
            fids = sorted({t.framework for t in self.agents[name].live_tasks()})
            for fid in fids:
                fw = self.master.frameworks.get(fid)
                if fw is None or fw.removed:
                    continue
                io = self.maintenance.new_inverse_offer(name, fid, window, lambda: self.sim.now)
                self._log("master", ev.INVERSE_OFFER_SENT, f"sent inverse offer {io.id} for agent {name} to framework {fw.name}",
                          ev.agent(name), ev.framework(fid))
                callback = getattr(fw.scheduler, "inverse_offers", None)
                if callback is not None:
                    self.sim.schedule(0, lambda cb=callback, fw=fw, io=io: cb(fw.driver, [io]), label=f"{fw.name}.inverse_offers")

    def machine_down(self, agents: list[str]) -> None:
        """``/machine/down``: draining machines go DOWN; their agents shut down, their tasks become TASK_LOST."""
        self.maintenance.check_mode(agents, DRAINING, "machine_down")
        for name in agents:
            self.maintenance.modes[name] = DOWN
            agent = self.agents.get(name)
            if agent is not None:
                self._shutdown_agent(agent, "machine DOWN for maintenance")
                self._down_agents = getattr(self, "_down_agents", {})
                self._down_agents[name] = agent
                del self.agents[name]
        self.replicated_log.append(self.sim.now, f"start maintenance: {', '.join(agents)}")

    def machine_up(self, agents: list[str]) -> None:
        """``/machine/up``: DOWN machines leave the schedule and their agents register again (empty)."""
        self.maintenance.check_mode(agents, DOWN, "machine_up")
        for name in agents:
            self.maintenance.remove(name)
            agent = getattr(self, "_down_agents", {}).pop(name, None)
            self.replicated_log.append(self.sim.now, f"stop maintenance: {name}")
            if agent is not None:
                self.add_agent(name, resources=str(agent.total), attributes=None)
                self.agents[name].attributes = agent.attributes

    def maintenance_status(self) -> Table:
        """Each scheduled machine's MODE, its WINDOW, and the answers to the inverse offers."""
        return self.maintenance.status()


__all__ += ["UP", "DRAINING", "DOWN"]
