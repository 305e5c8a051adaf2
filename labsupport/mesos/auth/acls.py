"""The Mesos local authorizer: JSON ACLs, first match wins, ``permissive`` when nothing matches.

From Mesos 1.11.0 docs/authorization.md, include/mesos/authorizer/acls.proto and
src/authorizer/local/authorizer.cpp. Each action holds a list of ACLs; each ACL has ``principals``
(the subject) and one object entity (``roles``, ``users``, ``framework_principals``, ...). An entity
is ``{"values": [...]}`` or ``{"type": "ANY"}`` / ``{"type": "NONE"}``. The ACLs of an action are
tried in order; the FIRST whose subject and object both *match* decides, by whether both *allow*:

* ``matches``: request NONE only matches NONE; request ANY matches ANY or NONE; a request with a
  value matches ANY, NONE, or a values list containing it;
* ``allows``: NONE only by NONE, ANY only by ANY; a value by ANY or by a list containing it (not by NONE).

A request without a principal (an unauthenticated framework) is the subject ANY. If no ACL matches,
the answer is ``permissive`` (default true). A role ``a/%`` in ``register_frameworks`` also covers
nested roles ``a/b`` (the recursive ACLs of 1.11).

>>> acls = ACLs.parse({"register_frameworks": [
...     {"principals": {"values": ["ops"]}, "roles": {"values": ["prod"]}},
...     {"principals": {"type": "ANY"}, "roles": {"values": ["prod"]}, "_comment": "nobody else"}]})
Traceback (most recent call last):
...
labsupport.core.errors.LabError: acls.register_frameworks[1]: unknown field '_comment' (expected principals, roles)
>>> acls = ACLs.parse({"register_frameworks": [
...     {"principals": {"values": ["ops"]}, "roles": {"values": ["prod"]}},
...     {"principals": {"type": "NONE"}, "roles": {"values": ["prod"]}}]})
>>> acls.authorized("register_frameworks", "ops", "prod"), acls.authorized("register_frameworks", "dev", "prod")
(True, False)
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labsupport.core import LabError

__all__ = ["ACLs", "ACTIONS", "Entity"]

#: action -> its object field (acls.proto)
ACTIONS = {
    "register_frameworks": "roles",
    "run_tasks": "users",
    "teardown_frameworks": "framework_principals",
    "reserve_resources": "roles",
    "unreserve_resources": "reserver_principals",
    "create_volumes": "roles",
    "destroy_volumes": "creator_principals",
    "resize_volume": "roles",
    "get_quotas": "roles",
    "update_quotas": "roles",
    "view_roles": "roles",
    "update_weights": "roles",
    "get_endpoints": "paths",
    "view_frameworks": "users",
    "view_tasks": "users",
}


@dataclass(frozen=True)
class Entity:
    """``SOME`` (with ``values``), ``ANY`` or ``NONE``."""

    type: str
    values: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Any, where: str) -> Entity:
        if not isinstance(raw, Mapping):
            raise LabError(f"{where}: expected {{'values': [...]}} or {{'type': 'ANY'|'NONE'}}, got {raw!r}")
        if "values" in raw:
            vals = raw["values"]
            if not isinstance(vals, list) or not all(isinstance(v, str) for v in vals):
                raise LabError(f"{where}.values: expected a list of strings, got {vals!r}")
            return cls("SOME", tuple(vals))
        t = raw.get("type")
        if t not in ("ANY", "NONE"):
            raise LabError(f"{where}.type: expected 'ANY' or 'NONE', got {t!r}")
        return cls(t)

    @classmethod
    def request(cls, value: str | None) -> Entity:
        return cls("ANY") if value is None else cls("SOME", (value,))


def matches(request: Entity, acl: Entity) -> bool:
    if request.type == "NONE":
        return acl.type == "NONE"
    if request.type == "ANY":
        return acl.type in ("ANY", "NONE")
    if acl.type in ("ANY", "NONE"):
        return True
    return all(v in acl.values for v in request.values)


def allows(request: Entity, acl: Entity) -> bool:
    if request.type == "NONE":
        return acl.type == "NONE"
    if request.type == "ANY":
        return acl.type == "ANY"
    if acl.type == "ANY":
        return True
    if acl.type == "NONE":
        return False
    return all(v in acl.values for v in request.values)


class ACLs:
    """Parsed ``--acls``: ``authorized(action, principal, object_value)`` -> bool."""

    def __init__(self, permissive: bool, rules: dict[str, list[tuple[Entity, Entity]]]) -> None:
        self.permissive = permissive
        self.rules = rules

    @classmethod
    def parse(cls, acls: Any) -> ACLs:
        if acls is None:
            return cls(True, {})
        if not isinstance(acls, Mapping):
            raise LabError(f"acls: expected a dict like the --acls JSON, got {type(acls).__name__}")
        permissive = acls.get("permissive", True)
        if not isinstance(permissive, bool):
            raise LabError(f"acls.permissive: expected true or false, got {permissive!r}")
        rules = {}
        for action, items in acls.items():
            if action == "permissive":
                continue
            if action not in ACTIONS:
                raise LabError(f"acls: unknown action {action!r} (known: {', '.join(sorted(ACTIONS))})")
            if not isinstance(items, list):
                raise LabError(f"acls.{action}: expected a list of ACLs")
            obj_field = ACTIONS[action]
            parsed = []
            for i, acl in enumerate(items):
                where = f"acls.{action}[{i}]"
                if not isinstance(acl, Mapping):
                    raise LabError(f"{where}: expected {{'principals': ..., '{obj_field}': ...}}")
                extra = sorted(set(acl) - {"principals", obj_field})
                if extra:
                    raise LabError(f"{where}: unknown field {extra[0]!r} (expected principals, {obj_field})")
                for f in ("principals", obj_field):
                    if f not in acl:
                        raise LabError(f"{where}: missing required field {f!r}")
                parsed.append((Entity.parse(acl["principals"], f"{where}.principals"), Entity.parse(acl[obj_field], f"{where}.{obj_field}")))
            rules[action] = parsed
        return cls(permissive, rules)

    def decide(self, action: str, principal: str | None, obj: str | None) -> tuple[bool, int | None]:
        """(authorized, index of the deciding ACL or None when ``permissive`` decided)."""
        if action not in ACTIONS:
            raise LabError(f"action: unknown action {action!r} (known: {', '.join(sorted(ACTIONS))})")
        subject, target = Entity.request(principal), Entity.request(obj)
        for i, (subj, objs) in enumerate(self.rules.get(action, ())):
            if action == "register_frameworks" and len(objs.values) == 1 and objs.values[0].endswith("/%"):
                if target.type == "SOME" and target.values[0].startswith(objs.values[0][:-1]):
                    any_ = Entity("ANY")
                    if matches(subject, subj) and matches(target, any_):
                        return allows(subject, subj) and allows(target, any_), i
                continue
            if matches(subject, subj) and matches(target, objs):
                return allows(subject, subj) and allows(target, objs), i
        return self.permissive, None

    def authorized(self, action: str, principal: str | None, obj: str | None) -> bool:
        return self.decide(action, principal, obj)[0]
