"""``Marathon``: long-running apps kept at their instance count, with constraints, health checks and backoff.

Apps are dicts shaped like Marathon's app JSON (https://mesosphere.github.io/marathon/docs/rest-api.html,
``POST /v2/apps``), validated by :mod:`~labsupport.mesos.frameworks.marathon_app`; placement constraints are
checked by :mod:`~labsupport.mesos.frameworks.constraints`. What this framework reproduces, and where it
comes from:

* **constraints** ``[field, OPERATOR, value?]`` (https://mesosphere.github.io/marathon/docs/constraints.html):
  ``UNIQUE``, ``CLUSTER``, ``GROUP_BY``, ``LIKE``, ``UNLIKE``, ``MAX_PER``; ``field`` is ``hostname`` or an
  agent attribute. ``GROUP_BY`` (Constraints.scala ``checkGroupBy``) accepts an offer from a group it has
  no instance in yet, or from a group holding the fewest instances -- but only once at least ``value``
  groups are in use. Marathon only knows the groups its instances run in, so without a value it may pile
  every instance into the first group it is offered: write ``["rack", "GROUP_BY", "3"]`` to spread over 3;
* **ports**: every ``portDefinitions`` entry gets a *service port* from 10000-20000 (``--local_port_min`` /
  ``--local_port_max``) when ``port`` is 0, and each task takes one *host port* per definition from the
  offer's ``ports`` resource (Marathon picks randomly; we take the lowest so the tables read easily);
* **relaunch with backoff**: an instance that ends TASK_FAILED / KILLED / LOST / ERROR / GONE / DROPPED or becomes
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

import math
from dataclasses import dataclass

from labsupport.core import Simulation, Table
from labsupport.mesos.dns import dns_name
from labsupport.mesos.frameworks.base import DECLINE_SECONDS, FrameworkError, OfferHygiene
from labsupport.mesos.frameworks.constraints import meets_constraints
from labsupport.mesos.frameworks.marathon_app import (
    App,
    AppDefinitionError,
    launch_delay,
    parse_app,
    parse_upgrade_strategy,
    take_host_ports,
)
from labsupport.mesos.frameworks.marathon_upgrade import Deployment
from labsupport.mesos.scheduler import Offer, SchedulerDriver
from labsupport.mesos.tasks import Task, TaskState, TaskStatus
from labsupport.mesos.values import subtract_ranges

__all__ = ["Marathon"]

_GONE = (TaskState.TASK_FAILED, TaskState.TASK_KILLED, TaskState.TASK_LOST, TaskState.TASK_ERROR,
         TaskState.TASK_GONE, TaskState.TASK_DROPPED, TaskState.TASK_UNREACHABLE, TaskState.TASK_FINISHED)



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
    version: int = 1


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

    def update_app(self, app_id: str, changes: dict) -> None:
        """``PUT /v2/apps/<id>``: change ``cmd``, ``env``, ``labels`` or ``upgradeStrategy`` and roll every instance
        to the new version, as the app's ``upgradeStrategy`` allows (:mod:`.marathon_upgrade`)."""
        app = self._app(app_id)
        if not isinstance(changes, dict) or not changes:
            raise AppDefinitionError(f"changes: must be a non-empty dict of app fields, got {changes!r}")
        allowed = {"cmd", "env", "labels", "upgradeStrategy"}
        for k in changes:
            if k not in allowed:
                raise AppDefinitionError(f"{k}: only {', '.join(sorted(allowed))} can be changed by update_app here")
        if app.deployment is not None:
            raise AppDefinitionError(f"id: app {app.id!r} is locked by a deployment in progress (HTTP 409)")
        if app.instances < 1:
            raise AppDefinitionError(f"instances: app {app.id!r} has no instances to restart")
        strategy = parse_upgrade_strategy(changes["upgradeStrategy"]) if "upgradeStrategy" in changes else app.upgrade_strategy
        app.upgrade_strategy = strategy
        if "cmd" in changes:
            app.cmd = changes["cmd"]
        app.version += 1
        old = [i.task_id for i in sorted(app.tasks.values(), key=lambda i: (i.launched_at, i.task_id)) if not i.killing]
        d = app.deployment = Deployment(app.instances, old, strategy)
        app.failures, app.delay_until = 0, 0.0
        self._note(app, "", f"deployment to version {app.version}: keep >= {math.ceil(app.instances * strategy['minimumHealthCapacity'])} "
                            f"healthy, at most {d.max_capacity} instances, kill {d.kill_now} old now")
        for _ in range(d.kill_now):
            self._kill_next_old(app)
        d.launch_instances()
        self._check_deployment(app)
        self.revive()

    def _kill_next_old(self, app: App) -> None:
        tid = app.deployment.next_old()
        if tid is not None and tid in app.tasks:
            self._kill(app, app.tasks[tid], f"upgrade to version {app.version}")

    def _new_ready(self, app: App, inst: _Instance) -> None:
        d = app.deployment
        if d is None or inst.version != app.version or inst.task_id in d.ready:
            return
        d.ready.add(inst.task_id)
        self._kill_next_old(app)
        self._check_deployment(app)

    def _deployment_gone(self, app: App, inst: _Instance) -> None:
        d = app.deployment
        if d is None:
            return
        if inst.task_id in d.old:
            d.old.discard(inst.task_id)
        elif inst.version == app.version:
            d.ready.discard(inst.task_id)
            d.started -= 1
        if d.launch_instances():
            self.revive()
        self._check_deployment(app)

    def _check_deployment(self, app: App) -> None:
        if app.deployment is not None and app.deployment.finished():
            app.deployment = None
            self._note(app, "", f"deployment to version {app.version} finished")

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
        if app.deployment is not None:
            return app.deployment.queued
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
                host_ports = take_host_ports(app, ports)   # portDefinitions / requirePorts / portMappings (issue 13)
                if host_ports is None or any(free.get(k, 0.0) + 1e-9 < v for k, v in want.items()):
                    break
                for k, v in want.items():
                    free[k] = free.get(k, 0.0) - v
                if host_ports:
                    want["ports"] = [(p, p) for p in host_ports]
                    ports = list(subtract_ranges(tuple(ports), tuple((p, p) for p in host_ports)))
                app.launched += 1
                task_id = f"{app.id.strip('/').replace('/', '_')}.instance-{app.launched}"
                env = " ".join(f"PORT{i}={p}" for i, p in enumerate(host_ports))
                task = Task(app.name, want, command=f"{env} {app.cmd or ''}".strip(), container=app.container, task_id=task_id)
                tasks.append(task)
                inst = _Instance(task_id, offer.agent, offer.hostname, dict(offer.attributes), host_ports, now, version=app.version)
                if app.deployment is not None:
                    app.deployment.queued -= 1
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
            else:
                self._new_ready(app, inst)
        elif status.state in _GONE:
            del app.tasks[status.task_id]
            self._deployment_gone(app, inst)
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
            self._new_ready(app, inst)
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
