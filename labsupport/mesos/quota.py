"""Quota configurations: the checks of Mesos 1.11.0's ``UPDATE_QUOTA`` call, before the allocator sees them.

A quota is a role's *guarantees* and *limits*, each a map ``resource name -> quantity``
(``QuotaConfig`` in include/mesos/quota/quota.proto; https://mesos.apache.org/documentation/latest/quota/).
This module reproduces ``quota::validate`` (src/master/quota.cpp) and the checks of
``Master::QuotaHandler::update`` (src/master/quota_handler.cpp):

* the role must be valid; ``*`` is allowed; a nested role (``eng/web``) is refused: "Updating
  quota on nested role ... is not supported yet" (MESOS-7402, still so in 1.11.0);
* quantities are plain numbers for any resource name (``ports: 10`` is a quantity, a range is
  not), never negative, NaN or infinite, at most 1 exabyte in MB for ``mem``/``disk`` and 1
  trillion for anything else;
* a zero guarantee is no guarantee, but a zero *limit* stays a limit of zero
  (``ResourceQuantities`` drops zeros, ``ResourceLimits`` keeps them);
* every guarantee must be within the limit of the same resource (a resource may have either);
* unless ``force``: the new limits must cover what the role already consumes, and the sum of
  all guarantees must fit in the cluster's capacity.

:class:`QuotaRound` is the allocator's quota bookkeeping during one allocation round
(``rolesConsumedQuota``, required and available headroom in ``__generateOffers``).

Quantities may be given as ``"cpus:4;mem:4096"`` (``ResourceLimits::fromString``) or a mapping.

>>> parse_quantities("cpus:4;mem:4096", "limit")
{'cpus': 4.0, 'mem': 4096.0}
>>> check_quota("web", {"cpus": 2}, {"cpus": 1}, consumed={}, capacity={"cpus": 8}, others={})
Traceback (most recent call last):
...
labsupport.core.errors.LabError: limit: 'QuotaConfig.guarantees' { cpus: 2 } is not contained within the 'QuotaConfig.limits' { cpus: 1 }
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from labsupport.core import LabError
from labsupport.mesos.resources import UNRESERVED

__all__ = ["EXABYTE_IN_MB", "TRILLION", "QuotaRound", "ancestors", "check_quota", "parse_quantities", "quota_update"]

EXABYTE_IN_MB = 1024.0 ** 4        # exabyteInMegabytes in quota::validate
TRILLION = 1000.0 ** 4             # otherLimit in quota::validate


def _fmt(q: Mapping[str, float]) -> str:
    """Format quantities as upstream's ``stringify`` of a protobuf map: ``{ cpus: 20, mem: 40 }``."""
    return "{ " + ", ".join(f"{n}: {v:g}" for n, v in sorted(q.items())) + " }" if q else "{}"


def _scalar(name: str, value: Any, what: str) -> float:
    kind = "guarantee" if what == "guarantee" else "limit"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LabError(f"{what}: {name} must be a number (a quantity), got {value!r}")
    value = float(value)
    if math.isinf(value):
        problem = "Infinite values not supported"
    elif math.isnan(value):
        problem = "NaN not supported"
    elif value < 0:
        problem = "Negative values not supported"
    else:
        top = EXABYTE_IN_MB if name in ("mem", "disk") else TRILLION
        if value > top:
            unit = "1 exabyte (1099511627776)" if name in ("mem", "disk") else "1 trillion (1000000000000)"
            raise LabError(f"{what}: {{'{name}': {value:g}}} is invalid: values greater than {unit} are not supported")
        return value
    raise LabError(f"{what}: Invalid {kind} configuration {{'{name}': {value:g}}}: {problem}")


def parse_quantities(value: Any, what: str) -> dict[str, float] | None:
    """``"cpus:4;mem:4096"`` or ``{"cpus": 4}`` -> ``{"cpus": 4.0}``; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        out: dict[str, float] = {}
        for token in (t for t in value.split(";") if t.strip()):
            pair = token.split(":")
            if len(pair) != 2:
                raise LabError(f"{what}: Failed to parse '{token}': missing or extra ':'")
            name, text = pair[0].strip(), pair[1].strip()
            if not name or any(c in name for c in "()[]{} "):
                raise LabError(f"{what}: {name!r} is not a resource name (quota has no roles or reservations)")
            try:
                number = float(text)
            except ValueError:
                raise LabError(f"{what}: Failed to parse '{text}' to {what}: only scalar values are allowed") from None
            if name in out:
                raise LabError(f"{what}: Failed to parse '{text}' to {what}: duplicate names are not allowed")
            out[name] = _scalar(name, number, what)
        return out
    if isinstance(value, Mapping):
        out = {}
        for name, number in value.items():
            if not isinstance(name, str) or not name:
                raise LabError(f"{what}: resource names must be non-empty strings, got {name!r}")
            out[name] = _scalar(name, number, what)
        return out
    raise LabError(f"{what}: expected 'cpus:4;mem:4096' or a mapping of resource name to quantity, got {value!r}")


def check_quota(role: str, guarantee: Mapping[str, float] | None, limit: Mapping[str, float] | None, *,
                consumed: Mapping[str, float], capacity: Mapping[str, float],
                others: Mapping[str, Mapping[str, float]], force: bool = False) -> None:
    """Raise :class:`LabError` as ``UPDATE_QUOTA`` would answer 400 Bad Request.

    ``consumed``: what the role consumes now; ``capacity``: the cluster's total scalars;
    ``others``: the guarantees of every other role with quota.
    """
    if "/" in role:
        raise LabError(f"role: Updating quota on nested role '{role}' is not supported yet")
    g = {n: v for n, v in (guarantee or {}).items() if v > 0}
    lim = dict(limit or {})
    missing = {n: v for n, v in g.items() if n in lim and lim[n] < v}
    if missing:
        raise LabError(f"limit: 'QuotaConfig.guarantees' {_fmt(g)} is not contained within the "
                       f"'QuotaConfig.limits' {_fmt(lim)}")
    if force:
        return
    over = {n: v for n, v in consumed.items() if n in lim and v > lim[n] + 1e-9}
    if over:
        raise LabError(f"limit: Role '{role}' is already consuming '{_fmt(consumed)}'; this is more than the "
                       f"requested limits '{_fmt(lim)}' (use 'force' flag to bypass this check)")
    total: dict[str, float] = dict(g)
    for other, og in sorted(others.items()):
        if other != role:
            for n, v in og.items():
                total[n] = total.get(n, 0.0) + v
    if any(v > capacity.get(n, 0.0) + 1e-9 for n, v in total.items()):
        raise LabError(f"guarantee: total quota guarantees '{_fmt(total)}' exceed cluster capacity "
                       f"'{_fmt(capacity)}' (use 'force' flag to bypass this check)")


def quota_update(role: str, guarantee: Any, limit: Any, agents: Mapping, master: Any, force: bool = False):
    """``(guarantee, limit)`` parsed and checked as ``UPDATE_QUOTA`` is, against the cluster's agents and the
    master's quotas and consumption (``force`` skips the consumption and capacity checks)."""
    g = parse_quantities(guarantee, "guarantee")
    lim = parse_quantities(limit, "limit")
    capacity: dict[str, float] = {}
    for name in sorted(agents):
        for n, v in agents[name].total.scalars().items():
            capacity[n] = capacity.get(n, 0.0) + v
    others = {r: q[0] or {} for r, q in master.quotas.items()}
    check_quota(role, g, lim, consumed=master.allocator.quota_consumed(role), capacity=capacity,
                others=others, force=force)
    return g, lim


def ancestors(role: str) -> list[str]:
    """``roles::ancestors`` (src/common/roles.cpp): ``"a/b/c"`` -> ``["a/b", "a"]``.

    >>> ancestors("eng/web/canary"), ancestors("eng")
    (['eng/web', 'eng'], [])
    """
    parts = role.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def _shrink(entries: Mapping, room: Mapping[str, float], unlimited: bool) -> dict:
    """``shrinkResources``: cut scalars down to ``room`` per name; names not in ``room`` are
    kept whole if ``unlimited`` (a ``ResourceLimits``) or dropped (a ``ResourceQuantities``)."""
    left = dict(room)
    out = {}
    for k, v in entries.items():
        n = k[0]
        if n not in left:
            if unlimited:
                out[k] = v
            continue
        take = round(min(v, left[n]), 3)
        if take > 0:
            out[k] = take
            left[n] -= take
    return out


def _minus(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    """``ResourceQuantities`` subtraction: ``a - b`` per name, non-positive results dropped."""
    out = {}
    for n, v in a.items():
        d = v - b.get(n, 0.0)
        if d > 1e-9:
            out[n] = d
    return out


def _scalars(entries: Mapping) -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in entries.items():
        if v.__class__ is not tuple:
            out[k[0]] = out.get(k[0], 0.0) + v
    return out


class QuotaRound:
    """The quota bookkeeping of one allocation round (``rolesConsumedQuota`` and the headroom)."""

    def __init__(self, alloc: Any) -> None:
        self.alloc = alloc
        quota_roles = sorted(set(alloc.guarantees) | set(alloc.limits))
        self.consumed = {r: alloc.quota_consumed(r) for r in quota_roles}
        self.required: dict[str, float] = {}
        for r, g in sorted(alloc.guarantees.items()):
            for n, v in _minus(g, self.consumed[r]).items():
                self.required[n] = self.required.get(n, 0.0) + v
        self.available: dict[str, float] = {}
        for ag in alloc.agents.values():
            for k, v in ag.available.items():
                if k[1] == UNRESERVED and v.__class__ is not tuple:
                    self.available[k[0]] = self.available.get(k[0], 0.0) + v
        self._guar: dict = {}

    def unsatisfied(self, role: str) -> dict[str, float]:
        g = self.alloc.guarantees.get(role)
        return _minus(g, self.consumed[role]) if g else {}

    def offerable(self, role: str, cand: dict, stage1: bool) -> dict:
        """Cut ``cand`` to what the role may get now (``toOffer`` of either stage)."""
        unreserved = {k: v for k, v in cand.items() if k[1] == UNRESERVED and v.__class__ is not tuple}
        if stage1:
            guar = _shrink(unreserved, self.unsatisfied(role), unlimited=False)
            if not guar:
                return {}
            out = dict(guar)
            out.update((k, v) for k, v in cand.items() if k[1] == role or v.__class__ is tuple)
            extra = {k: round(v - guar.get(k, 0.0), 3) for k, v in unreserved.items()}
            extra = {k: v for k, v in extra.items() if v > 0}
        else:
            guar = {}
            out = {k: v for k, v in cand.items() if k[1] != UNRESERVED or v.__class__ is tuple}
            extra = unreserved
        limit = self.alloc.limits.get(role)
        if limit and extra:
            used = dict(self.consumed[role])
            for n, v in _scalars(guar).items():
                used[n] = used.get(n, 0.0) + v
            room = {n: max(0.0, lim - used.get(n, 0.0)) for n, lim in limit.items()}
            extra = _shrink(extra, room, unlimited=True)
        if self.required and extra:
            extra = _shrink(extra, _minus(self.available, self.required), unlimited=False)
        for k, v in extra.items():
            out[k] = round(out.get(k, 0.0) + v, 3)
        self._guar = guar
        return out

    def offered(self, role: str, entries: Mapping, stage1: bool) -> None:
        """Book an offer made with the last ``offerable`` answer.

        As upstream, stage 2 books consumption only for a role that has quota itself (a nested
        role's offer reaches its top-level role's consumption in the next round).
        """
        gained = _scalars({k: v for k, v in entries.items() if k[1] == UNRESERVED and v.__class__ is not tuple})
        if stage1 or role in self.consumed:
            for r in (role, *ancestors(role)):
                mine = self.consumed.setdefault(r, {})
                for n, v in gained.items():
                    mine[n] = mine.get(n, 0.0) + v
        self.required = _minus(self.required, _scalars(self._guar))
        self.available = _minus(self.available, gained)
