"""marathon-lb: HAProxy configured from Marathon's apps and tasks, reachable as host ``marathon-lb``.

From https://github.com/mesosphere/marathon-lb (README and Longhelp.md; part of the DC/OS ecosystem, unmaintained
since DC/OS reached end of life on 31 October 2021):

* marathon-lb runs with ``--group external`` by default and exposes only apps whose label ``HAPROXY_GROUP``
  names that group (an app without the label is not exposed);
* each service port of an exposed app becomes an HAProxy frontend ``bind *:<servicePort>``; its backend lists
  the app's tasks as ``server <agent-ip>:<hostPort>`` (or the task's own IP and container port on a container
  network); ``balance roundrobin`` is the default (``HAPROXY_{n}_BALANCE``);
* an app with health checks only gets its *healthy* tasks as servers; one without health checks gets all
  running tasks;
* ``HAPROXY_{n}_VHOST`` puts the app behind the shared HTTP frontend on port 80, chosen by the ``Host`` header;
* marathon-lb follows Marathon's event stream and reloads HAProxy when tasks change; here the frontends are
  rebuilt from Marathon's current task list on every request (a reload that takes no time).

>>> exposed({"HAPROXY_GROUP": "external"}), exposed({}), exposed({"HAPROXY_GROUP": "internal"})
(True, False, False)
"""
from __future__ import annotations

from collections.abc import Callable

from labsupport.core import Table
from labsupport.mesos.tasks import TaskState

__all__ = ["DEFAULT_GROUP", "MARATHON_LB_IP", "MarathonLB", "exposed", "Backend"]

DEFAULT_GROUP = "external"
MARATHON_LB_IP = "10.0.0.2"


def exposed(labels: dict, group: str = DEFAULT_GROUP) -> bool:
    """Is an app with these labels in marathon-lb's ``--group``?"""
    return group in [g.strip() for g in labels.get("HAPROXY_GROUP", "").split(",") if g.strip()]


class Backend(tuple):
    """(task id, agent, ip, port) of one HAProxy server line."""

    __slots__ = ()

    def __new__(cls, task_id: str, agent: str, ip: str, port: int):
        return super().__new__(cls, (task_id, agent, ip, port))

    task_id = property(lambda self: self[0])
    agent = property(lambda self: self[1])
    ip = property(lambda self: self[2])
    port = property(lambda self: self[3])


class MarathonLB:
    """HAProxy frontends built from the Marathon frameworks ``marathons()`` returns; round robin per frontend."""

    def __init__(self, marathons: Callable[[], list], agent_ip: Callable[[str], str], task_ip: Callable[[str, str], str | None],
                 group: str = DEFAULT_GROUP) -> None:
        self._marathons, self._agent_ip, self._task_ip, self.group = marathons, agent_ip, task_ip, group
        self._rr: dict[str, int] = {}

    def frontends(self) -> list[dict]:
        """One entry per exposed service port: ``port``, ``app``, ``vhost``, ``backends`` (in task order), ``skipped`` reasons."""
        out = []
        for marathon in self._marathons():
            for app in (marathon._apps[k] for k in sorted(marathon._apps)):
                if not exposed(app.labels, self.group):
                    continue
                for i, sport in enumerate(app.service_ports):
                    backends, skipped = [], []
                    for inst in sorted(app.tasks.values(), key=lambda x: (x.launched_at, x.task_id)):
                        if inst.state != TaskState.TASK_RUNNING or inst.killing:
                            skipped.append(f"{inst.task_id} ({inst.state.value})")
                            continue
                        if app.health_checks and inst.healthy is not True:
                            skipped.append(f"{inst.task_id} ({'unhealthy' if inst.healthy is False else 'no health check passed yet'})")
                            continue
                        ip = self._task_ip(app.network, inst.task_id) if app.network else None
                        if ip is not None and (not app.port_mappings or app.port_mappings[i]["hostPort"] is None):
                            backends.append(Backend(inst.task_id, inst.agent, ip, app.port_mappings[i]["containerPort"]))
                        elif i < len(inst.host_ports):
                            backends.append(Backend(inst.task_id, inst.agent, self._agent_ip(inst.agent), inst.host_ports[i]))
                    out.append({"port": sport, "app": app.id, "framework": marathon.name, "vhost": app.labels.get(f"HAPROXY_{i}_VHOST"),
                                "backends": backends, "skipped": skipped})
        return out

    def pick(self, frontend: dict) -> tuple[Backend, int, int]:
        """``balance roundrobin``: the next server of this frontend; returns it, its position and the server count."""
        key = f"{frontend['app']}:{frontend['port']}"
        n = len(frontend["backends"])
        i = (self._rr.get(key, -1) + 1) % n
        self._rr[key] = i
        return frontend["backends"][i], i, n

    def config(self) -> Table:
        """The HAProxy configuration marathon-lb would write, one row per line that matters."""
        rows = []
        vhosts = [f for f in self.frontends() if f["vhost"]]
        if vhosts:
            rows.append({"SECTION": "frontend marathon_http_in", "LINE": "bind *:80"})
            for f in vhosts:
                rows.append({"SECTION": "frontend marathon_http_in", "LINE": f"use_backend {f['app'].strip('/').replace('/', '_')}_{f['port']} if {{ hdr(host) -i {f['vhost']} }}"})
        for f in self.frontends():
            name = f"{f['app'].strip('/').replace('/', '_')}_{f['port']}"
            rows.append({"SECTION": f"frontend {name}", "LINE": f"bind *:{f['port']}"})
            rows.append({"SECTION": f"backend {name}", "LINE": "balance roundrobin"})
            for b in f["backends"]:
                rows.append({"SECTION": f"backend {name}", "LINE": f"server {b.agent}_{b.ip.replace('.', '_')}_{b.port} {b.ip}:{b.port}"})
        return Table(["SECTION", "LINE"], rows, title=f"marathon-lb (HAProxy, --group {self.group}) at {MARATHON_LB_IP}")
