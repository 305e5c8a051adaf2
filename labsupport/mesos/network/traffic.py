"""The Mesos side of the data plane: simulated requests to agents' host ports, marathon-lb, and CNI addresses.

Mesos itself moves no traffic: a task listens on the host ports it was given (port *resources* of the agent,
``ports:[31000-32000]`` by default) or, on a CNI network, on its own IP. Finding it is left to add-ons, each
simulated here as its real counterpart works:

* names: Mesos-DNS (:mod:`.mesosdns`) for ``*.mesos``, lagging up to ``refresh_seconds`` behind the master;
  ``marathon-lb`` and agent host names come from the datacenter's own DNS (fixed addresses);
* ``marathon-lb:<servicePort>`` and virtual hosts on port 80: HAProxy (:mod:`.marathonlb`);
* ``<agent>:<hostPort>``: straight to the task holding that port on that agent;
* a CNI address: straight to the task that holds it (:mod:`.cni`).

A request succeeds only if the task it reaches is really running on a live agent and answering: a stale
Mesos-DNS answer shows up as a refused connection, a task that hangs (``Marathon.fail_health``) as a timeout. Agents get the addresses
``10.0.1.10``, ``10.0.1.11``, ... in the order they were added; marathon-lb is ``10.0.0.2``. Mesos has no
network policy of its own: nothing here can drop a request for policy reasons.
"""
from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from labsupport.core import LabError, Table
from labsupport.core.traffic import Hop, Outcome, Trace, Traffic, check_count, parse_url
from labsupport.mesos.network.cni import CNINetworks
from labsupport.mesos.network.marathonlb import MARATHON_LB_IP, MarathonLB
from labsupport.mesos.network.mesosdns import MesosDNS, MesosDNSError, last_refresh
from labsupport.mesos.tasks import TaskState

if TYPE_CHECKING:
    from labsupport.mesos.cluster import Cluster

__all__ = ["CellNetwork", "AGENT_NET"]

AGENT_NET = "10.0.1.0/24"


class CellNetwork:
    """Mesos-DNS, marathon-lb and CNI networks of one :class:`~labsupport.mesos.Cluster`."""

    def __init__(self, cell: Cluster) -> None:
        self.sim = cell.sim
        self.agents = cell.agents
        self.master = cell.master
        self.cni = CNINetworks()
        self.dns = MesosDNS(self._all_tasks, self.agent_ip, self._taskinfo_ip)
        self.lb = MarathonLB(self._marathons, self.agent_ip, self._task_ip)

    # ------------------------------------------------------------------ addresses
    def agent_ip(self, name: str) -> str:
        """An agent's address: ``10.0.1.10`` for the first agent added, then ``.11``, ..."""
        return str(ipaddress.ip_network(AGENT_NET).network_address + 10 + list(self.agents).index(name))

    def _marathons(self) -> list:
        from labsupport.mesos.frameworks.marathon import Marathon

        fws = self.master.frameworks
        return [fws[k].scheduler for k in sorted(fws) if isinstance(fws[k].scheduler, Marathon)]

    def _all_tasks(self):
        self._assign_ips()
        return list(self.master.tasks.values())

    def _assign_ips(self) -> None:
        """Give every Marathon task on a CNI network its address, in launch order (the IPAM plugin at container start)."""
        insts = []
        for m in self._marathons():
            for app in m._apps.values():
                if app.network:
                    insts += [(i.launched_at, i.task_id, app.network) for i in app.tasks.values()]
        for _, task_id, net in sorted(insts):
            self.cni.address(net, task_id)

    def _task_ip(self, network: str | None, task_id: str) -> str | None:
        self._assign_ips()
        return self.cni.address(network, task_id) if network else None

    def _taskinfo_ip(self, task) -> str | None:
        hit = self.cni.assigned.get(task.task_id)
        return hit[1] if hit else None

    # ------------------------------------------------------------------ DNS
    def resolve(self, name: str, record: str = "A") -> list[str]:
        """Mesos-DNS's answer as of its last refresh; raises :class:`MesosDNSError` (a LabError) for NXDOMAIN."""
        self._assign_ips()
        return self.dns.resolve(name, record, self.sim.now)

    def _lookup(self, host: str, hops: list[Hop]) -> str | None:
        if host == "marathon-lb":
            hops.append(Hop("client", f"DNS marathon-lb -> {MARATHON_LB_IP} (a fixed host)"))
            return MARATHON_LB_IP
        if host in self.agents:
            ip = self.agent_ip(host)
            hops.append(Hop("client", f"DNS {host} -> {ip} (agent host name)"))
            return ip
        for f in self.lb.frontends():
            if f["vhost"] == host:
                hops.append(Hop("client", f"DNS {host} -> {MARATHON_LB_IP} (virtual host published for marathon-lb)"))
                return MARATHON_LB_IP
        if host.endswith(".mesos"):
            try:
                answers = self.dns.resolve(host, "A", self.sim.now)
            except MesosDNSError as e:
                hops.append(Hop("Mesos-DNS", str(e)))
                return None
            ip = answers[0] if len(answers) == 1 else self.sim.rng.choice(answers)
            age = self.sim.now - last_refresh(self.sim.now, self.dns.refresh_seconds)
            hops.append(Hop("Mesos-DNS", f"{host} -> {ip} (answer: {', '.join(answers)}; records {age:g} s old)"))
            return ip
        hops.append(Hop("client", f"DNS {host}: NXDOMAIN"))
        return None

    # ------------------------------------------------------------------ requests
    def request(self, url: str, count: int = 1, headers: dict | None = None) -> Traffic:
        """Send ``count`` simulated requests from a host in the datacenter -> Traffic (backends are task ids)."""
        count = check_count(count)
        u = parse_url(url)
        hdrs = _headers(headers)
        return Traffic((self._one(u, hdrs) for _ in range(count)), title=f"GET {url}")

    def trace(self, url: str, headers: dict | None = None) -> Trace:
        """One simulated request, hop by hop."""
        u = parse_url(url)
        return Trace(f"GET {url}", self._one(u, _headers(headers)))

    def _one(self, u, headers: dict) -> Outcome:
        hops: list[Hop] = []
        self._assign_ips()
        ip = u.host if _is_ip(u.host) else self._lookup(u.host, hops)
        if ip is None:
            return Outcome(None, None, f"DNS: NXDOMAIN for {u.host}", hops)
        if ip == MARATHON_LB_IP:
            return self._via_lb(u, headers, hops)
        agent = next((a for a in self.agents if self.agent_ip(a) == ip), None)
        if agent is not None:
            return self._to_host_port(agent, u.port, hops)
        hit = next((t for t, (_, a) in sorted(self.cni.assigned.items()) if a == ip), None)
        if hit is not None:
            return self._deliver(hit, u.port, hops, f"container IP {ip} (CNI network {self.cni.assigned[hit][0]}), no host port")
        hops.append(Hop("client", f"no agent, marathon-lb or container has address {ip}"))
        return Outcome(None, None, f"no route to host {ip}", hops)

    def _via_lb(self, u, headers: dict, hops: list[Hop]) -> Outcome:
        fronts = self.lb.frontends()
        host = next((v for k, v in headers.items() if k.lower() == "host"), u.host).split(":")[0]
        if u.port == 80 and any(f["vhost"] for f in fronts):
            f = next((f for f in fronts if f["vhost"] == host), None)
            if f is None:
                hops.append(Hop("marathon-lb", f"port 80: no HAPROXY_n_VHOST matches host {host}"))
                return Outcome(None, None, "HTTP 503: no virtual host matches", hops)
            hops.append(Hop("marathon-lb", f"port 80, Host {host}: virtual host of app {f['app']}"))
        else:
            f = next((f for f in fronts if f["port"] == u.port), None)
            if f is None:
                hops.append(Hop("marathon-lb", f"no frontend on port {u.port} (apps are exposed with the label HAPROXY_GROUP=external)"))
                return Outcome(None, None, f"connection refused: marathon-lb has no frontend on port {u.port}", hops)
        if not f["backends"]:
            why = "; ".join(f["skipped"]) or "no tasks"
            hops.append(Hop("marathon-lb", f"frontend {f['port']} of {f['app']}: no server ({why})"))
            return Outcome(None, None, f"HTTP 503: no server available for {f['app']}", hops)
        b, i, n = self.lb.pick(f)
        hops.append(Hop("marathon-lb", f"frontend {f['port']} ({f['app']}): roundrobin server {i + 1} of {n} -> {b.ip}:{b.port}"))
        if b.ip == self.agent_ip(b.agent):
            return self._to_host_port(b.agent, b.port, hops)
        return self._deliver(b.task_id, b.port, hops, f"container IP {b.ip}")

    def _to_host_port(self, agent_name: str, port: int, hops: list[Hop]) -> Outcome:
        agent = self.agents[agent_name]
        if agent.failed:
            hops.append(Hop(f"agent {agent_name}", "the agent is down"))
            return Outcome(None, None, f"no route to host: agent {agent_name} is down", hops)
        for info in agent.live_tasks():
            for lo, hi in info.resources.get("ports", ()) or ():
                if lo <= port <= hi:
                    return self._deliver(info.task_id, port, hops, f"host port {port} on {agent_name} belongs to task {info.task_id}")
        hops.append(Hop(f"agent {agent_name}", f"no task holds host port {port}"))
        return Outcome(None, None, f"connection refused: nothing listens on {agent_name}:{port}", hops)

    def _deliver(self, task_id: str, port: int, hops: list[Hop], how: str) -> Outcome:
        task = next((t for t in self.master.tasks.values() if t.task_id == task_id), None)
        agent = self.agents.get(task.agent) if task else None
        alive = task is not None and agent is not None and not agent.failed and \
            any(t.task_id == task_id for t in agent.live_tasks()) and task.agent_state == TaskState.TASK_RUNNING
        if not alive:
            where = f"agent {task.agent}" if task else "network"
            hops.append(Hop(where, f"{how}, but task {task_id} is not running there any more -> connection refused"))
            return Outcome(None, None, f"connection refused: task {task_id} is gone (stale address)", hops)
        if self._hangs(task_id):
            hops.append(Hop(f"agent {task.agent}", f"{how}, but {task_id} hangs (it fails its health checks) -> timed out"))
            return Outcome(None, None, f"timed out: task {task_id} hangs", hops)
        hops.append(Hop(f"agent {task.agent}", f"{how}: answered by {task_id}"))
        return Outcome(task_id, task.agent, None, hops)

    def _hangs(self, task_id: str) -> bool:
        """A Marathon task told to stop answering (``Marathon.fail_health``) answers no request either."""
        for m in self._marathons():
            for app in m._apps.values():
                inst = app.tasks.get(task_id)
                if inst is not None:
                    return not inst.answers_health_checks
        return False

    def ports_table(self) -> Table:
        """Every live task's host ports and container IP, per agent (who holds which port)."""
        self._assign_ips()
        rows = []
        for name, agent in self.agents.items():
            for t in agent.live_tasks():
                ports = ",".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in t.resources.get("ports", ()) or ())
                ip = self._taskinfo_ip(t)
                rows.append({"AGENT": name, "AGENT IP": self.agent_ip(name), "TASK": t.task_id, "HOST PORTS": ports or "-",
                             "CONTAINER IP": ip or "-"})
        return Table(["AGENT", "AGENT IP", "TASK", "HOST PORTS", "CONTAINER IP"], rows, title="Ports and addresses")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def _headers(headers) -> dict:
    if headers is None:
        return {}
    if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise LabError(f"headers: must be a dict of strings such as {{'Host': 'web.example.com'}}, got {headers!r}")
    return dict(headers)
