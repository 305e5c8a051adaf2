"""Mesos resources: the ``--resources`` / ``--attributes`` syntax and a small value type.

A resource string is a ``;``-separated list of ``name(role):value`` tokens, exactly as
``mesos-agent --resources`` takes it (https://mesos.apache.org/documentation/latest/attributes-resources/):

* scalars: ``cpus:4``, ``mem:8192``, ``disk:10240``, ``gpus:1`` (any other name is a custom scalar);
* ranges: ``ports:[31000-32000,40000-40010]``;
* a role in parentheses is a *static reservation*: ``cpus(analytics):2``; no role means ``*`` (unreserved);
* ``disk(role)[id]:size`` is a *persistent volume* with that id (created with a CREATE operation).

Scalars are kept with three decimal digits, as Mesos' fixed-point ``Value::Scalar`` does
(include/mesos/values.hpp). Internally a :class:`Resources` is a plain dict
``{(name, role, volume): float | ranges}`` so the allocator's hot loop does dict arithmetic only.

>>> r = parse_resources("cpus:4;mem:8192;cpus(analytics):2;ports:[31000-32000]")
>>> r["cpus"], r["ports"]
(6.0, [(31000, 32000)])
>>> str(r.allocatable_to("web"))
'cpus:4;mem:8192;ports:[31000-32000]'
"""
from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from labsupport.mesos.errors import ResourceError

__all__ = [
    "DEFAULT_PORTS",
    "UNRESERVED",
    "Resources",
    "as_resources",
    "parse_attributes",
    "parse_resources",
]

UNRESERVED = "*"
DEFAULT_PORTS = ((31000, 32000),)  # mesos-agent's default ``ports`` (src/slave/constants.hpp)
RANGE_NAMES = frozenset({"ports"})

Key = tuple  # (name, role, volume)
_TOKEN = re.compile(r"^\s*([A-Za-z_][\w.\-]*)\s*(?:\(\s*([^()\s]*)\s*\))?\s*(?:\[([\w.\-]+)\])?\s*$")
_ROLE = re.compile(r"^(\*|[A-Za-z0-9_][\w.\-]*(/[A-Za-z0-9_][\w.\-]*)*)$")  # hierarchical: eng/web


def _ranges_norm(ranges) -> tuple:
    """Sort and merge overlapping or adjacent ``(lo, hi)`` ranges (inclusive)."""
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def _ranges_sub(a: tuple, b: tuple) -> tuple:
    """``a`` minus ``b`` for inclusive range lists."""
    out = []
    for lo, hi in a:
        pieces = [(lo, hi)]
        for blo, bhi in b:
            nxt = []
            for plo, phi in pieces:
                if bhi < plo or blo > phi:
                    nxt.append((plo, phi))
                    continue
                if plo < blo:
                    nxt.append((plo, blo - 1))
                if bhi < phi:
                    nxt.append((bhi + 1, phi))
            pieces = nxt
        out.extend(pieces)
    return _ranges_norm(out)


def _ranges_contain(a: tuple, b: tuple) -> bool:
    """True if every port of ``b`` is in ``a``."""
    return not _ranges_sub(b, a)


def _ranges_size(a: tuple) -> int:
    return sum(hi - lo + 1 for lo, hi in a)


def _fmt_ranges(a: tuple) -> str:
    return "[" + ",".join(f"{lo}-{hi}" for lo, hi in a) + "]"


def _fmt_num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e15 else str(x)


def _parse_ranges(text: str, token: str, what: str) -> tuple:
    body = text.strip()
    if not (body.startswith("[") and body.endswith("]")):
        raise ResourceError(f"{what}: token {token!r}: ranges must look like [31000-32000]")
    ranges = []
    for part in filter(None, (p.strip() for p in body[1:-1].split(","))):
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part) or re.fullmatch(r"(\d+)", part)
        if not m:
            raise ResourceError(f"{what}: token {token!r}: range {part!r} must be lo-hi with whole numbers >= 0")
        lo, hi = int(m.group(1)), int(m.group(m.lastindex))
        if lo > hi:
            raise ResourceError(f"{what}: token {token!r}: range {part!r} has begin > end")
        ranges.append((lo, hi))
    return _ranges_norm(ranges)


def _parse_scalar(text: str, token: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ResourceError(f"{what}: token {token!r}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ResourceError(f"{what}: token {token!r}: amount must be finite")
    if value < 0:
        raise ResourceError(f"{what}: token {token!r}: negative amount {value:g}")
    return round(value, 3)


def _parse_key(name_part: str, token: str, what: str) -> Key:
    m = _TOKEN.match(name_part)
    if not m:
        raise ResourceError(f"{what}: token {token!r}: bad resource name {name_part.strip()!r}")
    name, role, volume = m.group(1), m.group(2), m.group(3) or ""
    if role is None:
        role = UNRESERVED
    if not _ROLE.match(role):
        raise ResourceError(f"{what}: token {token!r}: bad role {role!r}")
    if volume and (name != "disk" or role == UNRESERVED):
        raise ResourceError(f"{what}: token {token!r}: a persistent volume [id] needs reserved disk, e.g. disk(db)[data]:100")
    return (name, role, volume)


class Resources(Mapping):
    """An immutable bag of Mesos resources; as a mapping it gives the total per resource name.

    ``r["cpus"]`` sums every role; ``r["ports"]`` is a list of ``(begin, end)`` ranges.
    ``+``, ``-`` and ``<=`` (contains) work per ``(name, role, volume)`` entry, as in
    Mesos' ``Resources`` class (include/mesos/resources.hpp).

    >>> a = parse_resources("cpus:2;mem:1024;ports:[31000-31009]")
    >>> b = parse_resources("cpus:0.5;ports:[31000-31000]")
    >>> str(a - b), b <= a, a <= b
    ('cpus:1.5;mem:1024;ports:[31001-31009]', True, False)
    """

    __slots__ = ("entries",)

    def __init__(self, entries: Mapping[Key, Any] | None = None) -> None:
        clean = {}
        for k, v in (entries or {}).items():
            if isinstance(v, tuple):
                if v:
                    clean[k] = v
            elif v > 0:
                clean[k] = v
        self.entries: dict[Key, Any] = clean

    # -- Mapping view: totals per name ---------------------------------------------------------
    def __getitem__(self, name: str):
        if name in RANGE_NAMES:
            found = [v for (n, _, _), v in self.entries.items() if n == name]
            if not found:
                raise KeyError(name)
            return list(_ranges_norm([r for v in found for r in v]))
        total, seen = 0.0, False
        for (n, _, _), v in self.entries.items():
            if n == name:
                total += v
                seen = True
        if not seen:
            raise KeyError(name)
        return round(total, 3)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({k[0] for k in self.entries}))

    def __len__(self) -> int:
        return len({k[0] for k in self.entries})

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Resources):
            return self.entries == other.entries
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.entries.items())))

    def __bool__(self) -> bool:
        return bool(self.entries)

    # -- arithmetic -------------------------------------------------------------------------------
    def __add__(self, other: Resources) -> Resources:
        out = dict(self.entries)
        for k, v in other.entries.items():
            if isinstance(v, tuple):
                out[k] = _ranges_norm(out.get(k, ()) + v)
            else:
                out[k] = round(out.get(k, 0.0) + v, 3)
        return Resources(out)

    def __sub__(self, other: Resources) -> Resources:
        if not other <= self:
            raise ResourceError(f"resources: cannot subtract {other} from {self}: not enough")
        out = dict(self.entries)
        for k, v in other.entries.items():
            out[k] = _ranges_sub(out[k], v) if isinstance(v, tuple) else round(out[k] - v, 3)
        return Resources(out)

    def __le__(self, other: Resources) -> bool:
        """True if ``other`` contains every entry of ``self``."""
        for k, v in self.entries.items():
            have = other.entries.get(k)
            if have is None:
                return False
            if isinstance(v, tuple):
                if not _ranges_contain(have, v):
                    return False
            elif v > have + 1e-9:
                return False
        return True

    # -- views ------------------------------------------------------------------------------------
    def allocatable_to(self, role: str) -> Resources:
        """Unreserved resources plus those reserved to ``role`` (what the allocator may offer it)."""
        return Resources({k: v for k, v in self.entries.items() if k[1] == UNRESERVED or k[1] == role})

    def reserved(self, role: str | None = None) -> Resources:
        """Resources reserved to ``role`` (to any role if ``None``)."""
        return Resources({k: v for k, v in self.entries.items() if k[1] != UNRESERVED and (role is None or k[1] == role)})

    def unreserved(self) -> Resources:
        """Resources of role ``*``."""
        return Resources({k: v for k, v in self.entries.items() if k[1] == UNRESERVED})

    def scalars(self) -> dict[str, float]:
        """``{name: amount}`` summed over roles, for scalar resources (what DRF compares)."""
        out: dict[str, float] = {}
        for (n, _, _), v in self.entries.items():
            if not isinstance(v, tuple):
                out[n] = round(out.get(n, 0.0) + v, 3)
        return out

    def volumes(self) -> list[str]:
        """Ids of the persistent volumes in these resources."""
        return sorted({k[2] for k in self.entries if k[2]})

    def __str__(self) -> str:
        parts = []
        for (name, role, vol), v in sorted(self.entries.items(), key=lambda kv: (kv[0][1] != UNRESERVED, kv[0])):
            label = name + (f"({role})" if role != UNRESERVED else "") + (f"[{vol}]" if vol else "")
            parts.append(f"{label}:{_fmt_ranges(v) if isinstance(v, tuple) else _fmt_num(v)}")
        return ";".join(parts)

    def __repr__(self) -> str:
        return f"Resources({str(self)!r})"


def parse_resources(text: str, *, what: str = "resources", default_ports: bool = False) -> Resources:
    """Parse a ``mesos-agent --resources`` string; raise :class:`ResourceError` naming the bad token.

    With ``default_ports`` the agent default ``ports:[31000-32000]`` is added if no ports are given.

    >>> parse_resources("cpus:4;mem:8192", default_ports=True)["ports"]
    [(31000, 32000)]
    >>> parse_resources("cpus:4;mem=8192")
    Traceback (most recent call last):
    ...
    labsupport.mesos.errors.ResourceError: resources: token 'mem=8192': expected name:value, e.g. mem:8192
    """
    if not isinstance(text, str):
        raise ResourceError(f"{what}: expected a string like 'cpus:4;mem:8192', got {type(text).__name__}")
    entries: dict[Key, Any] = {}
    for raw in text.split(";"):
        token = raw.strip()
        if not token:
            continue
        name_part, sep, value = token.rpartition(":")
        if not sep or not name_part.strip() or not value.strip():
            raise ResourceError(f"{what}: token {token!r}: expected name:value, e.g. mem:8192")
        if value.strip().startswith("{"):
            raise ResourceError(f"{what}: token {token!r}: set values {{a,b}} are not simulated")
        key = _parse_key(name_part, token, what)
        if key[0] in RANGE_NAMES or value.strip().startswith("["):
            entries[key] = _ranges_norm(entries.get(key, ()) + _parse_ranges(value, token, what))
        else:
            if key[0] in RANGE_NAMES:
                raise ResourceError(f"{what}: token {token!r}: {key[0]} takes ranges like [31000-32000]")
            entries[key] = round(entries.get(key, 0.0) + _parse_scalar(value, token, what), 3)
    if default_ports and not any(k[0] == "ports" for k in entries):
        entries[("ports", UNRESERVED, "")] = DEFAULT_PORTS
    return Resources(entries)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str, what: str) -> Resources:
    """Frameworks build many tasks from the same few strings; a Resources is never mutated, so share it."""
    return parse_resources(text, what=what)


def as_resources(value: Any, *, what: str = "resources") -> Resources:
    """Accept a :class:`Resources`, a resource string, or a mapping like ``{"cpus": 1, "mem(web)": 128}``.

    >>> str(as_resources({"cpus": 0.5, "mem": 64, "ports": [(31000, 31001)]}))
    'cpus:0.5;mem:64;ports:[31000-31001]'
    """
    if isinstance(value, Resources):
        return value
    if isinstance(value, str):
        return _parse_cached(value, what)
    if isinstance(value, Mapping):
        parts = []
        for k, v in value.items():
            if isinstance(v, (list, tuple)):
                try:
                    rng = [(int(x), int(x)) if isinstance(x, int) else (int(x[0]), int(x[1])) for x in v]
                except (TypeError, ValueError, IndexError):
                    raise ResourceError(f"{what}: {k!r}: ranges must be a list of (begin, end) pairs") from None
                parts.append(f"{k}:[" + ",".join(f"{lo}-{hi}" for lo, hi in rng) + "]")
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                if v < 0:
                    raise ResourceError(f"{what}: {k!r}: negative amount {v:g}")
                parts.append(f"{k}:{v!r}")
            else:
                raise ResourceError(f"{what}: {k!r}: amount must be a number, got {v!r}")
        return parse_resources(";".join(parts), what=what)
    raise ResourceError(f"{what}: expected a string or a mapping, got {type(value).__name__}")


def parse_attributes(text: str | None) -> dict[str, Any]:
    """Parse ``mesos-agent --attributes`` (``rack:r1;zone:a``): text, scalar or range values.

    >>> parse_attributes("rack:r1;zone:a;level:2")
    {'rack': 'r1', 'zone': 'a', 'level': 2.0}
    """
    if text is None:
        return {}
    if not isinstance(text, str):
        raise ResourceError(f"attributes: expected a string like 'rack:r1;zone:a', got {type(text).__name__}")
    out: dict[str, Any] = {}
    for raw in text.split(";"):
        token = raw.strip()
        if not token:
            continue
        name, sep, value = token.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise ResourceError(f"attributes: token {token!r}: expected name:value, e.g. rack:r1")
        if not re.fullmatch(r"[A-Za-z_][\w.\-]*", name):
            raise ResourceError(f"attributes: token {token!r}: bad attribute name {name!r}")
        if value.startswith("["):
            out[name] = list(_parse_ranges(value, token, "attributes"))
        else:
            try:
                out[name] = float(value)
            except ValueError:
                out[name] = value
    return out
