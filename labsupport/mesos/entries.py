"""Arithmetic on the allocator's resource *entries*: plain dicts ``{(name, role, volume): amount}``.

An amount is a float for a scalar (``cpus``, ``mem``, ``disk``) kept with three decimal digits
as Mesos' fixed-point ``Value::Scalar``, or a tuple of inclusive ranges for ``ports``
(:mod:`labsupport.mesos.values`). ``role`` is ``*`` for unreserved resources. These helpers
are the few ``Resources`` operations the allocator needs (include/mesos/resources.hpp):
``+=``, ``-=``, ``contains``, ``allocatableTo`` and the ``--min_allocatable_resources`` check.

>>> agent = {("cpus", "*", ""): 4.0, ("cpus", "web", ""): 1.0, ("ports", "*", ""): ((31000, 31009),)}
>>> offer = allocatable_to(agent, "batch")
>>> sorted(offer)
[('cpus', '*', ''), ('ports', '*', '')]
>>> subtract_into(agent, offer); agent
{('cpus', 'web', ''): 1.0}
>>> scalars_of(offer), allocatable(offer)
({'cpus': 4.0}, True)
"""
from __future__ import annotations

from collections.abc import Mapping

from labsupport.mesos.quota import ancestors
from labsupport.mesos.resources import UNRESERVED
from labsupport.mesos.values import normalize_ranges, ranges_contain, subtract_ranges

__all__ = ["MIN_CPUS", "MIN_MEM", "add_into", "allocatable", "allocatable_to", "contains", "release_scalars", "scalars_of",
           "subtract_into"]

MIN_CPUS = 0.01      # src/master/constants.hpp: the default --min_allocatable_resources
MIN_MEM = 32.0       # (cpus:0.01|mem:32): an offer must hold at least one of the two


def scalars_of(entries: Mapping) -> dict[str, float]:
    """Sum the scalar entries per resource name (what the sorters compare)."""
    out: dict[str, float] = {}
    for k, v in entries.items():
        if v.__class__ is not tuple:
            n = k[0]
            out[n] = out.get(n, 0.0) + v
    return out


def add_into(dst: dict, src: Mapping) -> None:
    """``dst += src``."""
    for k, v in src.items():
        if v.__class__ is tuple:
            dst[k] = normalize_ranges(dst.get(k, ()) + v)
        else:
            dst[k] = round(dst.get(k, 0.0) + v, 3)


def subtract_into(dst: dict, src: Mapping) -> None:
    """``dst -= src`` (``src`` is contained in ``dst``); entries that reach zero are dropped."""
    for k, v in src.items():
        left = subtract_ranges(dst[k], v) if v.__class__ is tuple else round(dst[k] - v, 3)
        if left:
            dst[k] = left
        else:
            del dst[k]


def release_scalars(held: dict, scalars: Mapping[str, float]) -> None:
    """``held -= scalars`` for bookkeeping of what someone holds: a name not held counts as 0, and an amount
    that falls to 1e-9 or below is dropped (a sorter's or an agent's record of a framework's allocation).

    >>> held = {"cpus": 2.0, "mem": 512.0}
    >>> release_scalars(held, {"cpus": 2.0, "mem": 256.0}); held
    {'mem': 256.0}
    """
    for name, amount in scalars.items():
        left = held.get(name, 0.0) - amount
        if left > 1e-9:
            held[name] = left
        else:
            held.pop(name, None)


def contains(big: Mapping, small: Mapping) -> bool:
    """``big.contains(small)``: every entry of ``small`` is in ``big``."""
    for k, v in small.items():
        have = big.get(k)
        if have is None:
            return False
        if v.__class__ is tuple:
            if not ranges_contain(have, v):
                return False
        elif v > have + 1e-9:
            return False
    return True


def allocatable_to(entries: Mapping, role: str) -> dict:
    """``Resources::allocatableTo(role)``: unreserved entries and those reserved to ``role`` or an ancestor."""
    visible = {UNRESERVED, role, *ancestors(role)}
    return {k: v for k, v in entries.items() if k[1] in visible}


def allocatable(entries: Mapping) -> bool:
    """``HierarchicalAllocatorProcess::allocatable``: at least ``MIN_CPUS`` cpus or ``MIN_MEM`` MB of mem."""
    cpus = mem = 0.0
    for k, v in entries.items():
        if k[0] == "cpus":
            cpus += v
        elif k[0] == "mem":
            mem += v
    return cpus >= MIN_CPUS or mem >= MIN_MEM
