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
import re
from collections.abc import Iterator, Mapping
from typing import Any

from labsupport.mesos.errors import ResourceError
from labsupport.mesos.roles import _RoleMatcher, validate_role
from labsupport.mesos.values import (
    add_ranges,
    add_scalars,
    format_ranges,
    format_scalar,
    normalize_ranges,
    parse_value,
    ranges_contain,
    ranges_size,
    subtract_ranges,
    subtract_scalars,
    to_fixed,
)

__all__ = [
    "Attributes",
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
_NAME = re.compile(r"[^\s()\[\]{}:;]+")
_VOLUME = re.compile(r"\[([\w.\-]+)\]")
_ROLE = _RoleMatcher()  # kept for callers of the old regex; follows roles.cpp now

# The range and scalar arithmetic lives in labsupport.mesos.values; these names stay for old callers.
_ranges_norm = normalize_ranges
_ranges_sub = subtract_ranges
_ranges_contain = ranges_contain
_ranges_size = ranges_size
_fmt_ranges = format_ranges
_fmt_num = format_scalar


def _parse_key(name_part: str, token: str, what: str) -> Key:
    """``fromSimpleString``'s name and role split, plus the simulator's ``disk(role)[id]`` volumes."""
    open_paren = name_part.find("(")
    volume = ""
    if open_paren == -1:
        name, role = name_part.strip(), UNRESERVED
        if name.endswith("]") and "[" in name:
            raise ResourceError(f"{what}: token {token!r}: a persistent volume [id] needs reserved disk, e.g. disk(db)[data]:100")
    else:
        close_paren = name_part.find(")")
        if close_paren == -1 or close_paren < open_paren:
            raise ResourceError(f"{what}: token {token!r}: mismatched parentheses")
        name = name_part[:open_paren].strip()
        role = name_part[open_paren + 1:close_paren].strip()
        rest = name_part[close_paren + 1:].strip()
        if rest:
            m = _VOLUME.fullmatch(rest)
            if not m:
                raise ResourceError(f"{what}: token {token!r}: unexpected {rest!r} after the role")
            volume = m.group(1)
    if not name:
        raise ResourceError(f"{what}: token {token!r}: empty resource name")
    if not _NAME.fullmatch(name):
        raise ResourceError(f"{what}: token {token!r}: bad resource name {name!r}")
    problem = validate_role(role)
    if problem:
        raise ResourceError(f"{what}: token {token!r}: {problem}")
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
            elif to_fixed(v) > 0:  # empty or negative resources are dropped (Resources::add/subtract)
                clean[k] = v
        self.entries: dict[Key, Any] = clean

    # -- Mapping view: totals per name ---------------------------------------------------------
    def __getitem__(self, name: str):
        found = [v for (n, _, _), v in self.entries.items() if n == name]
        if name in RANGE_NAMES or any(isinstance(v, tuple) for v in found):
            if not found:
                raise KeyError(name)
            return list(normalize_ranges([r for v in found for r in v]))
        total, seen = 0.0, False
        for (n, _, _), v in self.entries.items():
            if n == name:
                total = add_scalars(total, v)
                seen = True
        if not seen:
            raise KeyError(name)
        return total

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
                out[k] = add_ranges(out.get(k, ()), v)
            else:
                out[k] = add_scalars(out.get(k, 0.0), v)
        return Resources(out)

    def __sub__(self, other: Resources) -> Resources:
        """Subtract leniently, as ``Resources::subtract``: ranges by set difference, a scalar that
        becomes zero or negative is dropped, and entries ``self`` lacks are ignored
        (resources_tests.cpp, RangesSubtraction*). Use ``<=`` first to check that it fits."""
        out = dict(self.entries)
        for k, v in other.entries.items():
            have = out.get(k)
            if have is None or isinstance(have, tuple) != isinstance(v, tuple):
                continue
            out[k] = subtract_ranges(have, v) if isinstance(v, tuple) else subtract_scalars(have, v)
        return Resources(out)

    def __le__(self, other: Resources) -> bool:
        """True if ``other`` contains every entry of ``self``."""
        for k, v in self.entries.items():
            have = other.entries.get(k)
            if have is None:
                return False
            if isinstance(v, tuple):
                if not ranges_contain(have, v):
                    return False
            elif to_fixed(v) > to_fixed(have):
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
                out[n] = add_scalars(out.get(n, 0.0), v)
        return out

    def volumes(self) -> list[str]:
        """Ids of the persistent volumes in these resources."""
        return sorted({k[2] for k in self.entries if k[2]})

    def __str__(self) -> str:
        parts = []
        for (name, role, vol), v in sorted(self.entries.items(), key=lambda kv: (kv[0][1] != UNRESERVED, kv[0])):
            label = name + (f"({role})" if role != UNRESERVED else "") + (f"[{vol}]" if vol else "")
            parts.append(f"{label}:{format_ranges(v) if isinstance(v, tuple) else format_scalar(v)}")
        return ";".join(parts)

    def __repr__(self) -> str:
        return f"Resources({str(self)!r})"


def parse_resources(text: str, *, what: str = "resources", default_ports: bool = False) -> Resources:
    """Parse a ``mesos-agent --resources`` string; raise :class:`ResourceError` naming the bad token.

    Follows ``Resources::parse`` (resources.cpp): ``;``-separated ``name(role):value`` tokens, the
    value parsed by ``values::parse``; text values, ``value <= 0`` after rounding to three digits
    (``cpus:0.00001``, VerySmallValue) and one name with two types are errors; ``gpus:0`` is
    simply absent (AbsentResources). With ``default_ports`` the agent default
    ``ports:[31000-32000]`` is added if no ports are given.

    >>> parse_resources("cpus:4;mem:8192", default_ports=True)["ports"]
    [(31000, 32000)]
    >>> parse_resources("cpus:4;mem=8192")
    Traceback (most recent call last):
    ...
    labsupport.mesos.errors.ResourceError: resources: token 'mem=8192': expected name:value, e.g. mem:8192
    """
    if not isinstance(text, str):
        raise ResourceError(f"{what}: expected a string like 'cpus:4;mem:8192', got {type(text).__name__}")
    if text.lstrip().startswith("[") or text.lstrip().startswith("{"):
        raise ResourceError(f"{what}: JSON resources are not simulated; write them like 'cpus:4;mem:8192'")
    entries: dict[Key, Any] = {}
    types: dict[str, str] = {}
    for token in text.split(";"):
        if not token:
            continue
        pair = [p for p in token.split(":") if p]
        if not token.strip():   # Mesos refuses it too (tokenize(" ", ":") has no name:value pair)
            raise ResourceError(f"{what}: a token of only spaces between ';' separators; remove it (or the trailing ';')")
        if len(pair) != 2 or not pair[0].strip():
            raise ResourceError(f"{what}: token {token.strip()!r}: expected name:value, e.g. mem:8192")
        token = token.strip()
        key = _parse_key(pair[0], token, what)
        try:
            kind, value = parse_value(pair[1])
        except ResourceError as exc:
            raise ResourceError(f"{what}: token {token!r}: {exc}") from None
        if kind == "set":
            raise ResourceError(f"{what}: token {token!r}: set values {{a,b}} are not simulated")
        if kind == "text":
            raise ResourceError(f"{what}: token {token!r}: {value!r} is not a number or ranges like [31000-32000]")
        if key[0] in RANGE_NAMES and kind != "ranges":
            raise ResourceError(f"{what}: token {token!r}: {key[0]} takes ranges like [31000-32000]")
        if types.setdefault(key[0], kind) != kind:
            raise ResourceError(f"{what}: token {token!r}: resources with the same name ({key[0]!r}) "
                                f"but different types are not allowed")
        if kind == "ranges":
            entries[key] = add_ranges(entries.get(key, ()), value)
        else:
            if value != 0 and to_fixed(value) <= 0:
                raise ResourceError(f"{what}: token {token!r}: invalid scalar resource: value <= 0 "
                                    f"(Mesos keeps three decimal digits)")
            entries[key] = add_scalars(entries.get(key, 0.0), value)
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


# Attributes moved to labsupport.mesos.attributes (attributes.cpp); re-exported for old imports.
from labsupport.mesos.attributes import Attributes, parse_attributes  # noqa: E402
