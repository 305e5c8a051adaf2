"""``Marathon``: long-running apps kept at their instance count, with constraints, health checks and backoff.

Apps are dicts shaped like Marathon's app JSON (https://mesosphere.github.io/marathon/docs/rest-api.html,
``POST /v2/apps``). What this framework reproduces, and where it comes from:

* **constraints** ``[field, OPERATOR, value?]`` (https://mesosphere.github.io/marathon/docs/constraints.html):
  ``UNIQUE``, ``CLUSTER``, ``GROUP_BY``, ``LIKE``, ``UNLIKE``, ``MAX_PER``; ``field`` is ``hostname`` or an
  agent attribute. ``GROUP_BY`` (Constraints.scala ``checkGroupBy``) accepts an offer from a group it has
  no instance in yet, or from a group holding the fewest instances -- but only once at least ``value``
  groups are in use. Marathon only knows the groups its instances run in, so without a value it may pile
  every instance into the first group it is offered: write ``["rack", "GROUP_BY", "3"]`` to spread over 3;
* **ports**: every ``portDefinitions`` entry gets a *service port* from 10000-20000 (``--local_port_min`` /
  ``--local_port_max``) when ``port`` is 0, and each task takes one *host port* per definition from the
  offer's ``ports`` resource (Marathon picks randomly; we take the lowest so the tables read easily);
* **relaunch with backoff**: an instance that ends TASK_FAILED / KILLED / LOST / ERROR / GONE or becomes
  TASK_UNREACHABLE is replaced after a launch delay of ``backoffSeconds`` (1), multiplied by
  ``backoffFactor`` (1.15) for each consecutive failure, at most ``maxLaunchDelaySeconds`` (3600)
  (AppDefinition.scala: DefaultBackoff, DefaultBackoffFactor, DefaultMaxLaunchDelay). The delay is reset
  when the app is updated (``scale``) or one of its tasks passes a health check (our reading of
  "consecutive" failures);
* **health checks** (https://mesosphere.github.io/marathon/docs/health-checks.html), simplified: every
  ``intervalSeconds`` a running task is checked; it passes unless you called ``fail_health(task_id)``
  (the app stops answering). Failures within ``gracePeriodSeconds`` of the launch are ignored; after
  ``maxConsecutiveFailures`` failures in a row Marathon kills the task, and it is replaced with backoff;
* **Mesos-DNS**: every task is reachable as ``<app>.marathon.mesos`` (:func:`labsupport.mesos.dns_name`);
  Marathon names the Mesos task after the app id with its path reversed (``/prod/web`` -> ``web.prod``),
  which Mesos-DNS turns into ``web-prod.marathon.mesos``;
* ``labels`` and ``env`` are accepted and not used; any other unknown field is refused with its name;
* offers it cannot use are declined for 120 s; it suppresses when every app is at its count and revives
  for a new app, a scale-up or a relaunch (:mod:`labsupport.mesos.frameworks.base`).

>>> from labsupport import mesos
>>> cluster = mesos.Cluster(seed=0)
>>> for i in range(3):
...     cluster.add_agent(f"agent-{i}", "cpus:2;mem:4096", attributes=f"rack:r{i % 2}")
>>> marathon = Marathon(cluster.sim)
>>> fid = cluster.register(marathon, name="marathon")
>>> app = marathon.add_app({"id": "/web", "cmd": "python3 -m http.server $PORT0", "cpus": 0.5, "mem": 256,
...                         "instances": 3, "constraints": [["hostname", "UNIQUE"]]})
>>> cluster.run(5)
>>> print(marathon.apps())
Marathon apps
ID     INSTANCES   HEALTH   CPUS   MEM   SERVICE PORTS   CONSTRAINTS       DELAY
/web   3/3         -        0.5    256   10000           hostname:UNIQUE   -
>>> sorted(t["AGENT"] for t in marathon.tasks())
['agent-0', 'agent-1', 'agent-2']
>>> marathon.tasks()[0]["DNS"]
'web.marathon.mesos'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from labsupport.core import Simulation, Table
from labsupport.mesos.dns import dns_name
from labsupport.mesos.frameworks.base import DECLINE_SECONDS, FrameworkError, OfferHygiene
from labsupport.mesos.resources import _ranges_sub
from labsupport.mesos.scheduler import Offer, SchedulerDriver
from labsupport.mesos.tasks import Task, TaskState, TaskStatus

__all__ = [
    "AppDefinitionError",
    "BACKOFF_FACTOR",
    "BACKOFF_SECONDS",
    "MAX_LAUNCH_DELAY_SECONDS",
    "Marathon",
    "SERVICE_PORTS",
    "launch_delay",
]

BACKOFF_SECONDS = 1.0          # AppDefinition.DefaultBackoff
BACKOFF_FACTOR = 1.15          # AppDefinition.DefaultBackoffFactor
MAX_LAUNCH_DELAY_SECONDS = 3600.0   # AppDefinition.DefaultMaxLaunchDelay (1 hour)
SERVICE_PORTS = (10000, 20000)      # --local_port_min / --local_port_max
OPERATORS = ("UNIQUE", "CLUSTER", "GROUP_BY", "LIKE", "UNLIKE", "MAX_PER")
HEALTH_DEFAULTS = {"gracePeriodSeconds": 300.0, "intervalSeconds": 60.0, "maxConsecutiveFailures": 3,
                   "timeoutSeconds": 20.0, "protocol": "MESOS_HTTP", "path": "/", "portIndex": 0}
APP_FIELDS = {"id", "cmd", "cpus", "mem", "disk", "instances", "constraints", "healthChecks", "portDefinitions",
              "backoffSeconds", "backoffFactor", "maxLaunchDelaySeconds", "container", "labels", "env"}
_APP_ID = re.compile(r"^/?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)*$")
_GONE = (TaskState.TASK_FAILED, TaskState.TASK_KILLED, TaskState.TASK_LOST, TaskState.TASK_ERROR,
         TaskState.TASK_GONE, TaskState.TASK_UNREACHABLE, TaskState.TASK_FINISHED)


class AppDefinitionError(FrameworkError):
    """An app definition Marathon would reject (HTTP 422); the message names the field."""


def launch_delay(failures: int, backoff: float = BACKOFF_SECONDS, factor: float = BACKOFF_FACTOR,
                 max_delay: float = MAX_LAUNCH_DELAY_SECONDS) -> float:
    """Marathon's launch delay after ``failures`` consecutive failures: ``min(backoff * factor**(failures-1), max)``.

    >>> [round(launch_delay(n), 3) for n in (0, 1, 2, 3)]
    [0.0, 1.0, 1.15, 1.322]
    >>> launch_delay(200)
    3600.0
    """
    if failures <= 0:
        return 0.0
    return min(backoff * factor ** min(failures - 1, 10_000), max_delay)


# ---------------------------------------------------------------------------------------- validation
def _num(app: dict, key: str, default: float, minimum: float = 0.0, strict: bool = False) -> float:
    v = app.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
        raise AppDefinitionError(f"{key}: must be a number, got {v!r}")
    if v < minimum or (strict and v == minimum):
        raise AppDefinitionError(f"{key}: must be {'>' if strict else '>='} {minimum:g}, got {v!r}")
    return float(v)


def _constraints(raw: Any) -> list[tuple]:
    if not isinstance(raw, list):
        raise AppDefinitionError(f"constraints: must be a list like [['hostname', 'UNIQUE']], got {raw!r}")
    out = []
    for i, c in enumerate(raw):
        where = f"constraints[{i}]"
        if not isinstance(c, (list, tuple)) or not 2 <= len(c) <= 3 or not all(isinstance(x, str) for x in c):
            raise AppDefinitionError(f"{where}: must be [field, OPERATOR] or [field, OPERATOR, value] of strings, got {c!r}")
        fld, op, *val = c
        if op not in OPERATORS:
            raise AppDefinitionError(f"{where}: unknown operator {op!r}; Marathon knows {', '.join(OPERATORS)}")
        if op in ("CLUSTER", "LIKE", "UNLIKE", "MAX_PER") and not val:
            raise AppDefinitionError(f"{where}: {op} needs a value, e.g. [{fld!r}, {op!r}, ...]")
        if op == "MAX_PER" or (op == "GROUP_BY" and val):
            if not val[0].isdigit() or int(val[0]) < 1:
                raise AppDefinitionError(f"{where}: {op} value must be a whole number >= 1, got {val[0]!r}")
        if op in ("LIKE", "UNLIKE"):
            try:
                re.compile(val[0])
            except re.error as exc:
                raise AppDefinitionError(f"{where}: {val[0]!r} is not a regular expression ({exc})") from None
        out.append((fld, op, val[0] if val else None))
    return out


def _health_checks(raw: Any) -> list[dict]:
    if not isinstance(raw, list):
        raise AppDefinitionError(f"healthChecks: must be a list of dicts, got {raw!r}")
    out = []
    for i, hc in enumerate(raw):
        if not isinstance(hc, dict):
            raise AppDefinitionError(f"healthChecks[{i}]: must be a dict, got {hc!r}")
        unknown = sorted(set(hc) - set(HEALTH_DEFAULTS) - {"command", "port", "ignoreHttp1xx", "delaySeconds"})
        if unknown:
            raise AppDefinitionError(f"healthChecks[{i}].{unknown[0]}: unknown field; known: {', '.join(sorted(HEALTH_DEFAULTS))}")
        full = {**HEALTH_DEFAULTS, **hc}
        for key in ("gracePeriodSeconds", "intervalSeconds", "timeoutSeconds"):
            _num(full, key, 0, strict=(key == "intervalSeconds"))
        m = full["maxConsecutiveFailures"]
        if isinstance(m, bool) or not isinstance(m, int) or m < 0:
            raise AppDefinitionError(f"healthChecks[{i}].maxConsecutiveFailures: must be a whole number >= 0, got {m!r}")
        out.append(full)
    return out


def _port_definitions(raw: Any) -> list[dict]:
    if not isinstance(raw, list):
        raise AppDefinitionError(f"portDefinitions: must be a list like [{{'port': 0, 'name': 'http'}}], got {raw!r}")
    out = []
    for i, pd in enumerate(raw):
        if not isinstance(pd, dict):
            raise AppDefinitionError(f"portDefinitions[{i}]: must be a dict, got {pd!r}")
        port = pd.get("port", 0)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise AppDefinitionError(f"portDefinitions[{i}].port: must be 0 (assign one) or a port 1-65535, got {port!r}")
        out.append({"port": port, "name": pd.get("name"), "protocol": pd.get("protocol", "tcp")})
    return out


@dataclass
class App:
    """Marathon's record of one app: the validated definition and its instances."""

    id: str
    cmd: str | None
    cpus: float
    mem: float
    disk: float
    instances: int
    constraints: list
    health_checks: list
    port_definitions: list
    service_ports: list
    backoff: float
    backoff_factor: float
    max_launch_delay: float
    container: str | None
    tasks: dict = field(default_factory=dict)      # task_id -> _Instance (live or starting)
    failures: int = 0                              # consecutive failures (drives the backoff)
    delay_until: float = 0.0
    launched: int = 0

    @property
    def name(self) -> str:
        """The Mesos task name: the app id's path segments reversed, joined by dots (``/prod/web`` -> ``web.prod``).

        Mesos-DNS then turns the dots into dashes: ``web-prod.marathon.mesos``.
        """
        return ".".join(reversed(self.id.strip("/").split("/")))


@dataclass
class _Instance:
    task_id: str
    agent: str
    hostname: str
    attributes: dict
    host_ports: list
    launched_at: float
    state: TaskState = TaskState.TASK_STAGING
    healthy: bool | None = None
    consecutive_failures: int = 0
    answers_health_checks: bool = True
    killing: bool = False


def parse_app(app: Any, taken_ports: set[int]) -> App:
    """Validate a Marathon app dict (nothing changes if it raises) and build the :class:`App`."""
    if not isinstance(app, dict):
        raise AppDefinitionError(f"app: must be a dict like Marathon's app JSON, got {type(app).__name__}")
    unknown = sorted(set(app) - APP_FIELDS)
    if unknown:
        raise AppDefinitionError(f"{unknown[0]}: unknown field; Marathon apps here take {', '.join(sorted(APP_FIELDS))}")
    app_id = app.get("id")
    if not isinstance(app_id, str) or not _APP_ID.match(app_id):
        raise AppDefinitionError(f"id: {app_id!r} is not a valid app id (lower-case letters, digits, '-' and '.', "
                                 f"path segments separated by '/', e.g. '/prod/web')")
    app_id = "/" + app_id.strip("/")
    cmd, container = app.get("cmd"), app.get("container")
    if cmd is not None and not isinstance(cmd, str):
        raise AppDefinitionError(f"cmd: must be a string, got {cmd!r}")
    if isinstance(container, dict):
        container = (container.get("docker") or {}).get("image")
    if container is not None and not isinstance(container, str):
        raise AppDefinitionError(f"container: give an image name or {{'docker': {{'image': ...}}}}, got {app.get('container')!r}")
    if cmd is None and container is None:
        raise AppDefinitionError("cmd: an app needs a cmd (or a container image)")
    instances = app.get("instances", 1)
    if isinstance(instances, bool) or not isinstance(instances, int) or instances < 0:
        raise AppDefinitionError(f"instances: must be a whole number >= 0, got {instances!r}")
    ports = _port_definitions(app.get("portDefinitions", [{"port": 0}]))
    service, free = [], SERVICE_PORTS[0]
    for i, pd in enumerate(ports):
        if pd["port"]:
            if pd["port"] in taken_ports or pd["port"] in service:
                raise AppDefinitionError(f"portDefinitions[{i}].port: service port {pd['port']} is already used by another app")
            service.append(pd["port"])
            continue
        while free in taken_ports or free in service:
            free += 1
        if free > SERVICE_PORTS[1]:
            raise AppDefinitionError(f"portDefinitions[{i}].port: no free service port left in {SERVICE_PORTS[0]}-{SERVICE_PORTS[1]}")
        service.append(free)
    return App(
        id=app_id, cmd=cmd, cpus=_num(app, "cpus", 1.0, strict=True), mem=_num(app, "mem", 128.0),
        disk=_num(app, "disk", 0.0), instances=instances, constraints=_constraints(app.get("constraints", [])),
        health_checks=_health_checks(app.get("healthChecks", [])), port_definitions=ports, service_ports=service,
        backoff=_num(app, "backoffSeconds", BACKOFF_SECONDS), backoff_factor=_num(app, "backoffFactor", BACKOFF_FACTOR, 1.0),
        max_launch_delay=_num(app, "maxLaunchDelaySeconds", MAX_LAUNCH_DELAY_SECONDS), container=container,
    )


# ---------------------------------------------------------------------------------------- constraints
def _value(fld: str, hostname: str, attributes: dict) -> str | None:
    if fld == "hostname":
        return hostname
    v = attributes.get(fld)
    if v is None:
        return None
    return f"{v:g}" if isinstance(v, float) else str(v)


def meets_constraints(app: App, hostname: str, attributes: dict, placed: list[tuple[str, dict]]) -> str | None:
    """None if an instance of ``app`` may go on this host, else why not (as Marathon's Constraints.meetsConstraint).

    ``placed`` lists ``(hostname, attributes)`` of the app's live instances, including those placed this round.
    """
    for fld, op, val in app.constraints:
        mine = _value(fld, hostname, attributes)
        others = [_value(fld, h, a) for h, a in placed]
        if op == "UNIQUE" and mine in others:
            return f"{fld}:UNIQUE: an instance already runs with {fld}={mine}"
        if op == "CLUSTER" and mine != val:
            return f"{fld}:CLUSTER:{val}: offer has {fld}={mine}"
        if op == "LIKE" and (mine is None or not re.fullmatch(val, mine)):
            return f"{fld}:LIKE:{val}: offer has {fld}={mine}"
        if op == "UNLIKE" and mine is not None and re.fullmatch(val, mine):
            return f"{fld}:UNLIKE:{val}: offer has {fld}={mine}"
        if op == "MAX_PER" and others.count(mine) >= int(val):
            return f"{fld}:MAX_PER:{val}: {others.count(mine)} instances already have {fld}={mine}"
        if op == "GROUP_BY":
            if mine is None:
                return f"{fld}:GROUP_BY: offer has no {fld}"
            counts: dict[str, int] = {}
            for o in others:
                if o is not None:
                    counts[o] = counts.get(o, 0) + 1
            minimum = int(val) if val else 0
            if mine in counts and (len(counts) < minimum or counts[mine] != min(counts.values())):
                return (f"{fld}:GROUP_BY{':' + val if val else ''}: {fld}={mine} already holds "
                        + (f"instances and fewer than {minimum} groups are in use" if len(counts) < minimum
                           else "more instances than another group"))
    return None


# ---------------------------------------------------------------------------------------- the framework
class Marathon(OfferHygiene):
    """The Marathon framework: ``add_app``, ``scale``, ``remove_app``, ``apps()``, ``tasks()``, ``fail_health``."""

    def __init__(self, sim: Simulation, *, name: str = "marathon", decline_seconds: float = DECLINE_SECONDS) -> None:
        super().__init__(sim, decline_seconds=decline_seconds)
        if not isinstance(name, str) or not name:
            raise FrameworkError(f"name: must be the framework name you register with, got {name!r}")
        self.name = name
        self._apps: dict[str, App] = {}
        self._by_task: dict[str, App] = {}
        self.history: list[dict] = []       # (time, app, task, event) for the lesson's timeline

    # -- the REST API, as methods ----------------------------------------------------------------
    def add_app(self, app: dict) -> App:
        """``POST /v2/apps``: validate and start deploying; returns the app record."""
        parsed = parse_app(app, self._taken_ports())
        if parsed.id in self._apps:
            raise AppDefinitionError(f"id: app {parsed.id!r} already exists; use scale() or remove_app() first")
        self._apps[parsed.id] = parsed
        self._note(parsed, "", f"app created with {parsed.instances} instance(s)")
        if parsed.instances:
            self.revive()
        return parsed

    def scale(self, app_id: str, instances: int) -> None:
        """``PUT /v2/apps/<id> {"instances": n}``: launch more, or kill the newest extra instances."""
        app = self._app(app_id)
        if isinstance(instances, bool) or not isinstance(instances, int) or instances < 0:
            raise AppDefinitionError(f"instances: must be a whole number >= 0, got {instances!r}")
        app.instances = instances
        app.failures, app.delay_until = 0, 0.0      # an app update resets the launch delay
        self._note(app, "", f"scaled to {instances}")
        live = [i for i in app.tasks.values() if not i.killing]
        for inst in sorted(live, key=lambda i: (i.launched_at, i.task_id))[instances:][::-1]:
            self._kill(app, inst, "scaled down")
        if len(live) < instances:
            self.revive()

    def remove_app(self, app_id: str) -> None:
        """``DELETE /v2/apps/<id>``: kill every instance and forget the app."""
        app = self._app(app_id)
        app.instances = 0
        for inst in sorted(app.tasks.values(), key=lambda i: i.task_id):
            self._kill(app, inst, "app removed")
        del self._apps[app.id]

    def fail_health(self, task_id: str) -> None:
        """Make a task stop answering its health checks (a hung process), to watch Marathon replace it."""
        app = self._by_task.get(task_id)
        if app is None or task_id not in app.tasks:
            raise FrameworkError(f"task_id: Marathon runs no live task {task_id!r}")
        app.tasks[task_id].answers_health_checks = False

    def app(self, app_id: str) -> App:
        """The record of one app (``GET /v2/apps/<id>``)."""
        return self._app(app_id)

    # -- read-outs ---------------------------------------------------------------------------------
    def apps(self) -> Table:
        """Like Marathon's UI: ID, INSTANCES running/desired, HEALTH healthy/unhealthy, resources, ports, delay."""
        rows = []
        for app in (self._apps[k] for k in sorted(self._apps)):
            running = sum(1 for i in app.tasks.values() if i.state == TaskState.TASK_RUNNING and not i.killing)
            health = "-"
            if app.health_checks:
                ok = sum(1 for i in app.tasks.values() if i.healthy is True)
                bad = sum(1 for i in app.tasks.values() if i.healthy is False)
                health = f"{ok} healthy" + (f", {bad} unhealthy" if bad else "")
            delay = app.delay_until - self.sim.now
            rows.append({"ID": app.id, "INSTANCES": f"{running}/{app.instances}", "HEALTH": health,
                         "CPUS": app.cpus, "MEM": app.mem, "SERVICE PORTS": ",".join(map(str, app.service_ports)) or "-",
                         "CONSTRAINTS": ";".join(":".join(x for x in c if x) for c in app.constraints) or "-",
                         "DELAY": f"{delay:.3g}s" if delay > 0 else "-"})
        return Table(["ID", "INSTANCES", "HEALTH", "CPUS", "MEM", "SERVICE PORTS", "CONSTRAINTS", "DELAY"], rows,
                     title="Marathon apps")

    def tasks(self, app_id: str | None = None) -> Table:
        """Live instances: task id, app, agent, state, host ports, health and Mesos-DNS name."""
        apps = [self._app(app_id)] if app_id is not None else [self._apps[k] for k in sorted(self._apps)]
        rows = []
        for app in apps:
            for inst in sorted(app.tasks.values(), key=lambda i: (i.launched_at, i.task_id)):
                rows.append({"ID": inst.task_id, "APP": app.id, "AGENT": inst.agent, "STATE": inst.state.value,
                             "HOST PORTS": ",".join(map(str, inst.host_ports)) or "-",
                             "HEALTH": {True: "healthy", False: "unhealthy", None: "-"}[inst.healthy],
                             "DNS": dns_name(app.name, self.name)})
        return Table(["ID", "APP", "AGENT", "STATE", "HOST PORTS", "HEALTH", "DNS"], rows, title="Marathon tasks")

    # -- offers -----------------------------------------------------------------------------------
    def resource_offers(self, driver: SchedulerDriver, offers: list[Offer]) -> None:
        now = self.sim.now
        for offer in offers:
            tasks = self._match(offer, now)
            if tasks:
                driver.accept([offer.id], tasks, {"refuse_seconds": self.decline_seconds})
            else:
                self.decline([offer.id])
        self._update_interest()

    def _needs(self, app: App, now: float) -> int:
        if app.delay_until > now:
            return 0
        return max(0, app.instances - sum(1 for i in app.tasks.values() if not i.killing))

    def _match(self, offer: Offer, now: float) -> list[Task]:
        """Marathon's offer matcher: fill the offer with instances of apps that need them, by app id."""
        free = offer.resources.scalars()
        ports = list(offer.resources.get("ports", []) or [])
        tasks: list[Task] = []
        for app in (self._apps[k] for k in sorted(self._apps)):
            for _ in range(self._needs(app, now)):
                placed = [(i.hostname, i.attributes) for i in app.tasks.values() if not i.killing]
                if meets_constraints(app, offer.hostname, dict(offer.attributes), placed) is not None:
                    break
                want = {"cpus": app.cpus, "mem": app.mem, **({"disk": app.disk} if app.disk else {})}
                host_ports = _take_ports(ports, len(app.port_definitions))
                if host_ports is None or any(free.get(k, 0.0) + 1e-9 < v for k, v in want.items()):
                    break
                for k, v in want.items():
                    free[k] = free.get(k, 0.0) - v
                if host_ports:
                    want["ports"] = [(p, p) for p in host_ports]
                    ports = list(_ranges_sub(tuple(ports), tuple((p, p) for p in host_ports)))
                app.launched += 1
                task_id = f"{app.id.strip('/').replace('/', '_')}.instance-{app.launched}"
                env = " ".join(f"PORT{i}={p}" for i, p in enumerate(host_ports))
                task = Task(app.name, want, command=f"{env} {app.cmd or ''}".strip(), container=app.container, task_id=task_id)
                tasks.append(task)
                inst = _Instance(task_id, offer.agent, offer.hostname, dict(offer.attributes), host_ports, now)
                app.tasks[task_id] = inst
                self._by_task[task_id] = app
                self._note(app, task_id, f"launching on {offer.agent}" + (f" host ports {host_ports}" if host_ports else ""))
        return tasks

    def _update_interest(self) -> None:
        now = self.sim.now
        self.wants_offers(any(self._needs(a, now) for a in self._apps.values()))

    # -- status updates ---------------------------------------------------------------------------
    def status_update(self, driver: SchedulerDriver, status: TaskStatus) -> None:
        app = self._by_task.get(status.task_id)
        if app is None or status.task_id not in app.tasks:
            if status.state == TaskState.TASK_RUNNING and app is not None:   # came back after we replaced it
                self._note(app, status.task_id, "reappeared after being replaced: killing it (expunged)")
                driver.kill(status.task_id)
            return
        inst = app.tasks[status.task_id]
        inst.state = status.state
        if status.state == TaskState.TASK_RUNNING:
            if app.health_checks:
                hc = app.health_checks[0]
                self.sim.schedule(hc["intervalSeconds"], lambda: self._health_check(app, inst), label="marathon health check")
        elif status.state in _GONE:
            del app.tasks[status.task_id]
            if inst.killing:
                self._note(app, status.task_id, f"{status.state.value} (killed by Marathon)")
                return
            app.failures += 1
            delay = launch_delay(app.failures, app.backoff, app.backoff_factor, app.max_launch_delay)
            app.delay_until = self.sim.now + delay
            self._note(app, status.task_id, f"{status.state.value} ({status.reason or 'no reason'}); "
                                            f"relaunch in {delay:.3g}s (backoff, failure {app.failures})")
            self.sim.schedule(delay, self._backoff_over, label="marathon backoff")

    def _backoff_over(self) -> None:
        if any(self._needs(a, self.sim.now) for a in self._apps.values()):
            self.revive()

    # -- health checks ----------------------------------------------------------------------------
    def _health_check(self, app: App, inst: _Instance) -> None:
        if app.tasks.get(inst.task_id) is not inst or inst.killing or inst.state != TaskState.TASK_RUNNING:
            return
        hc = app.health_checks[0]
        if inst.answers_health_checks:
            if inst.healthy is not True:
                app.failures = 0
            inst.healthy, inst.consecutive_failures = True, 0
        elif self.sim.now - inst.launched_at >= hc["gracePeriodSeconds"]:
            inst.consecutive_failures += 1
            inst.healthy = False
            if inst.consecutive_failures >= hc["maxConsecutiveFailures"]:
                self._note(app, inst.task_id, f"failed {inst.consecutive_failures} health checks in a row: killing it")
                self.driver.kill(inst.task_id)     # TASK_KILLED counts as a failure: replaced with backoff
                return
        self.sim.schedule(hc["intervalSeconds"], lambda: self._health_check(app, inst), label="marathon health check")

    # -- helpers ------------------------------------------------------------------------------------
    def _kill(self, app: App, inst: _Instance, why: str) -> None:
        inst.killing = True
        self._note(app, inst.task_id, f"killing ({why})")
        if self.driver is not None:
            self.driver.kill(inst.task_id)

    def _app(self, app_id: str) -> App:
        key = "/" + app_id.strip("/") if isinstance(app_id, str) else app_id
        if key not in self._apps:
            raise FrameworkError(f"app_id: no app {app_id!r}; apps: {sorted(self._apps)}")
        return self._apps[key]

    def _taken_ports(self) -> set[int]:
        return {p for a in self._apps.values() for p in a.service_ports}

    def _note(self, app: App, task_id: str, event: str) -> None:
        self.history.append({"TIME": self.sim.now, "APP": app.id, "TASK": task_id or "-", "EVENT": event})

    def events(self) -> Table:
        """What Marathon did, in order (launches, failures, backoff, health kills, scaling)."""
        return Table(["TIME", "APP", "TASK", "EVENT"], self.history, title="Marathon events")


def _take_ports(ranges: list, n: int) -> list[int] | None:
    """The ``n`` lowest ports of ``ranges`` (None if there are fewer)."""
    out: list[int] = []
    for lo, hi in ranges:
        p = lo
        while p <= hi and len(out) < n:
            out.append(p)
            p += 1
        if len(out) == n:
            break
    return out if len(out) == n else None
