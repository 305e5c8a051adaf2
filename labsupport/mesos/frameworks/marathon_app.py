"""A Marathon app definition: validation, defaults and the launch-delay (backoff) formula.

``parse_app`` checks a dict shaped like Marathon's app JSON (https://mesosphere.github.io/marathon/docs/rest-api.html,
``POST /v2/apps``) the way Marathon answers HTTP 422: the message names the field, and nothing changes.
Defaults are Marathon's (AppDefinition.scala): ``cpus`` 1, ``mem`` 128, ``disk`` 0, ``instances`` 1, one
port definition with ``port`` 0, ``backoffSeconds`` 1, ``backoffFactor`` 1.15, ``maxLaunchDelaySeconds``
3600; health checks default to ``gracePeriodSeconds`` 300, ``intervalSeconds`` 60, ``maxConsecutiveFailures``
3 (https://mesosphere.github.io/marathon/docs/health-checks.html). Service ports for ``port: 0`` come from
10000-20000 (``--local_port_min`` / ``--local_port_max``).

>>> app = parse_app({"id": "/prod/web", "cmd": "serve", "instances": 2}, taken_ports=set())
>>> app.name, app.cpus, app.service_ports
('web.prod', 1.0, [10000])
>>> parse_app({"id": "web", "cmd": "serve", "replicas": 2}, taken_ports=set())
Traceback (most recent call last):
...
labsupport.mesos.frameworks.marathon_app.AppDefinitionError: replicas: unknown field; ...
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from labsupport.mesos.frameworks.base import FrameworkError

__all__ = [
    "APP_FIELDS", "AppDefinitionError", "App", "BACKOFF_FACTOR", "BACKOFF_SECONDS", "HEALTH_DEFAULTS",
    "MAX_LAUNCH_DELAY_SECONDS", "OPERATORS", "SERVICE_PORTS", "launch_delay", "parse_app",
]

BACKOFF_SECONDS = 1.0          # AppDefinition.DefaultBackoff
BACKOFF_FACTOR = 1.15          # AppDefinition.DefaultBackoffFactor
MAX_LAUNCH_DELAY_SECONDS = 3600.0   # AppDefinition.DefaultMaxLaunchDelay (1 hour)
SERVICE_PORTS = (10000, 20000)      # --local_port_min / --local_port_max
OPERATORS = ("UNIQUE", "CLUSTER", "GROUP_BY", "LIKE", "UNLIKE", "MAX_PER")
HEALTH_DEFAULTS = {"gracePeriodSeconds": 300.0, "intervalSeconds": 60.0, "maxConsecutiveFailures": 3,
                   "timeoutSeconds": 20.0, "protocol": "MESOS_HTTP", "path": "/", "portIndex": 0}
APP_FIELDS = {"id", "cmd", "cpus", "mem", "disk", "instances", "constraints", "healthChecks", "portDefinitions",
              "backoffSeconds", "backoffFactor", "maxLaunchDelaySeconds", "container", "labels", "env", "upgradeStrategy"}
_APP_ID = re.compile(r"^/?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)*$")


def parse_upgrade_strategy(value):
    from labsupport.mesos.frameworks.marathon_upgrade import parse_upgrade_strategy as parse
    try:
        return parse(value)
    except FrameworkError as e:
        raise AppDefinitionError(str(e)) from None


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
    # issue 14: rolling restarts (see marathon_upgrade)
    upgrade_strategy: dict = field(default_factory=lambda: {"minimumHealthCapacity": 1.0, "maximumOverCapacity": 1.0})
    version: int = 1
    deployment: object = None

    @property
    def name(self) -> str:
        """The Mesos task name: the app id's path segments reversed, joined by dots (``/prod/web`` -> ``web.prod``).

        Mesos-DNS then turns the dots into dashes: ``web-prod.marathon.mesos``.
        """
        return ".".join(reversed(self.id.strip("/").split("/")))

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
        upgrade_strategy=parse_upgrade_strategy(app.get("upgradeStrategy")),
    )
