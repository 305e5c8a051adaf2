"""Marathon placement constraints: may one more instance of an app go on this agent?

``[field, OPERATOR, value?]`` as in https://mesosphere.github.io/marathon/docs/constraints.html, checked
like Marathon's Constraints.scala against the app's instances already placed. ``field`` is ``hostname``
or an agent attribute.

>>> from labsupport.mesos.frameworks.marathon_app import parse_app
>>> app = parse_app({"id": "web", "cmd": "serve", "constraints": [["hostname", "UNIQUE"]]}, set())
>>> meets_constraints(app, "agent-1", {}, placed=[("agent-2", {})]) is None
True
>>> meets_constraints(app, "agent-1", {}, placed=[("agent-1", {})])
'hostname:UNIQUE: an instance already runs with hostname=agent-1'
"""
from __future__ import annotations

import re

from labsupport.mesos.frameworks.marathon_app import App

__all__ = ["meets_constraints"]


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
