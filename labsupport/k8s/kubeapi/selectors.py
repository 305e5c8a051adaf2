"""Label and field selectors as they arrive in a list request (``?labelSelector=app=web,tier!=db``).

Label selector syntax (``k8s.io/apimachinery/pkg/labels/selector.go``): ``k=v``, ``k==v``, ``k!=v``,
``k in (a,b)``, ``k notin (a,b)``, ``k`` (exists), ``!k`` (does not exist), joined by commas.
Field selectors (``fields/selector.go``) take ``path=value``, ``path==value`` and ``path!=value``
on the fields each kind supports (``metadata.name``, ``metadata.namespace``, ``spec.nodeName``,
``status.phase``, ``involvedObject.*`` of Events ...).

>>> sel = parse_label_selector("app=web,tier notin (db),!canary")
>>> sel({"app": "web", "tier": "front"}), sel({"app": "web", "canary": "1"})
(True, False)
>>> parse_field_selector("spec.nodeName=node-1")({"spec": {"nodeName": "node-1"}})
True
"""
from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["parse_label_selector", "parse_field_selector", "SelectorError"]


class SelectorError(ValueError):
    """The selector text cannot be parsed (the API server answers 400 BadRequest)."""


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


_SET = re.compile(r"^([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^)]*)\)$")
_EQ = re.compile(r"^([A-Za-z0-9./_-]+)\s*(==|!=|=)\s*([A-Za-z0-9._-]*)$")
_KEY = re.compile(r"^(!?)([A-Za-z0-9./_-]+)$")


def parse_label_selector(text: str | None) -> Callable[[dict], bool]:
    """A predicate over a label dict; ``None``/empty selects everything."""
    tests: list[Callable[[dict], bool]] = []
    for part in _split_top(text or ""):
        m = _SET.match(part)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
            if op == "in":
                tests.append(lambda lab, k=key, vs=vals: lab.get(k) in vs)
            else:
                tests.append(lambda lab, k=key, vs=vals: lab.get(k) not in vs)
            continue
        m = _EQ.match(part)
        if m:
            key, op, val = m.groups()
            if op == "!=":
                tests.append(lambda lab, k=key, v=val: lab.get(k) != v)
            else:
                tests.append(lambda lab, k=key, v=val: lab.get(k) == v)
            continue
        m = _KEY.match(part)
        if m:
            neg, key = m.groups()
            tests.append((lambda lab, k=key: k not in lab) if neg else (lambda lab, k=key: k in lab))
            continue
        raise SelectorError(f"unable to parse requirement: {part!r}")
    return lambda labels: all(t(labels or {}) for t in tests)


def _dig(obj: dict, path: str):
    cur = obj
    for p in path.split("."):
        cur = cur.get(p) if isinstance(cur, dict) else None
    return cur


def parse_field_selector(text: str | None) -> Callable[[dict], bool]:
    """A predicate over an object (wire or store form); unset fields compare as ``""``."""
    tests: list[Callable[[dict], bool]] = []
    for part in _split_top(text or ""):
        m = re.match(r"^([A-Za-z0-9.]+)\s*(==|!=|=)\s*(.*)$", part)
        if not m:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        path, op, val = m.groups()

        def value(obj, path=path):
            v = _dig(obj, path)
            return "" if v is None else str(v)
        if op == "!=":
            tests.append(lambda o, f=value, v=val: f(o) != v)
        else:
            tests.append(lambda o, f=value, v=val: f(o) == v)
    return lambda obj: all(t(obj) for t in tests)
