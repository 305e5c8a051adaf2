"""Turn what a lesson holds (a live cluster, or plain lists and dicts) into the records the plots draw.

Each ``*_of`` function accepts either a ``labsupport.k8s.Cluster``, a
``labsupport.mesos.Cluster`` (where the picture makes sense for it) or the plain records
of :mod:`labsupport.plots.data`, and returns plain records. The plots call these, so the
dispatch between the two systems lives here and nowhere else.

>>> bins_of([{"name": "node-1", "cpu": 4, "memory": 8192, "items": [("web-1", "web", 0.5, 256)]}])[0].used("cpu")
0.5
>>> shares_of([(0, {"a": 0.1})])[0].shares
{'a': 0.1}
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from labsupport.core import LabError
from labsupport.plots import k8s_data, mesos_data
from labsupport.plots.data import (
    Architecture,
    Bin,
    HPASample,
    Item,
    OfferSpan,
    ShareSample,
    Timeline,
)

__all__ = [
    "system_of",
    "bins_of",
    "timeline_of",
    "offers_of",
    "explanation_of",
    "shares_of",
    "hpa_samples_of",
    "architecture_of",
]


def system_of(source: Any) -> str | None:
    """``"k8s"`` or ``"mesos"`` for a cluster of either simulator (or a subclass of one), else None (plain data)."""
    for cls in type(source).__mro__:
        module = cls.__module__
        if module.startswith("labsupport.k8s"):
            return "k8s"
        if module.startswith("labsupport.mesos"):
            return "mesos"
    return None


def _reader(system: str):
    """The module that reads records out of a cluster of ``system`` (``"k8s"`` or ``"mesos"``)."""
    return k8s_data if system == "k8s" else mesos_data


def _not_supported(what: str, source: Any, expected: str) -> LabError:
    return LabError(f"{what}: cannot draw a {type(source).__name__}; pass {expected}")


# ------------------------------------------------------------------ placement
def _as_item(x: Any) -> Item:
    if isinstance(x, Item):
        return x
    if isinstance(x, Mapping):
        return Item(str(x["name"]), str(x.get("group", x["name"])), float(x["cpu"]), float(x["memory"]))
    name, group, cpu, memory = x
    return Item(str(name), str(group), float(cpu), float(memory))


def _as_bin(x: Any) -> Bin:
    if isinstance(x, Bin):
        return x
    if isinstance(x, Mapping):
        return Bin(str(x["name"]), float(x["cpu"]), float(x["memory"]), tuple(_as_item(i) for i in x.get("items", ())),
                   bool(x.get("down", False)))
    raise LabError(f"placement: each node must be a Bin or a dict with name, cpu, memory, items; got {x!r}")


def bins_of(source: Any) -> list[Bin]:
    """Nodes (k8s) or agents (Mesos) with what is placed on them, or a list of :class:`Bin` / dicts."""
    system = system_of(source)
    if system:
        return _reader(system).bins(source)
    if isinstance(source, Sequence) and not isinstance(source, str):
        return [_as_bin(b) for b in source]
    raise _not_supported("placement", source, "a k8s or mesos Cluster, or a list of Bin")


# ------------------------------------------------------------------- timeline
def timeline_of(source: Any) -> Timeline:
    """A :class:`Timeline` from a k8s or mesos cluster (or one given as is)."""
    system = system_of(source)
    if system:
        return _reader(system).timeline(source)
    if isinstance(source, Timeline):
        return source
    raise _not_supported("timeline", source, "a k8s or mesos Cluster, or a Timeline")


# --------------------------------------------------------------------- offers
def offers_of(source: Any) -> list[OfferSpan]:
    """Offer spans from a mesos cluster's ``offers_log()``, or a list of :class:`OfferSpan`."""
    if system_of(source) == "mesos":
        return mesos_data.offers(source)
    if isinstance(source, Sequence) and all(isinstance(o, OfferSpan) for o in source):
        return list(source)
    raise _not_supported("offer_timeline", source, "a mesos Cluster or a list of OfferSpan")


# -------------------------------------------------------------------- explain
def _field(row: Any, name: str, default: Any = None) -> Any:
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


def explanation_of(explanation: Any) -> tuple[list[dict], str | None, dict[str, float] | None]:
    """``(rows, chosen, weights)`` from ``scheduler.explain(pod)`` or a ``{"rows": ..., "chosen": ...}`` dict.

    Weights come from the explanation's ``weights`` (or ``scheduler.weights``) when it has them.
    """
    rows_in = _field(explanation, "rows")
    if rows_in is None:
        raise LabError("explain_chart: expected cluster.scheduler.explain(pod) or a dict with 'rows' and 'chosen'")
    rows = []
    for r in rows_in:
        scores = _field(r, "scores") or {}
        rows.append({
            "node": str(_field(r, "node")),
            "feasible": bool(_field(r, "feasible")),
            "reason": _field(r, "reason"),
            "scores": {str(k): float(v) for k, v in sorted(dict(scores).items())},
            "total": float(_field(r, "total", 0) or 0),
        })
    weights = _field(explanation, "weights")
    return rows, _field(explanation, "chosen"), ({str(k): float(v) for k, v in dict(weights).items()} if weights else None)


# ----------------------------------------------------------------------- DRF
def shares_of(history: Any, by: str = "role") -> list[ShareSample]:
    """Share samples from a mesos cluster (per role or per framework, ``by``), or from
    ``[(time, {name: share}), ...]`` / :class:`ShareSample` s."""
    if system_of(history) == "mesos":
        return mesos_data.shares(history, by=by)
    out = []
    for s in history:
        if isinstance(s, ShareSample):
            out.append(s)
        else:
            t, shares = s
            out.append(ShareSample(float(t), {str(k): float(v) for k, v in dict(shares).items()}))
    return sorted(out, key=lambda s: s.time)


# ----------------------------------------------------------------------- HPA
def hpa_samples_of(history: Any) -> list[HPASample]:
    """HPA samples from a list of :class:`HPASample` or of dicts with the same keys."""
    if system_of(history) is not None:
        raise LabError("hpa: a cluster keeps no HPA history; record one with "
                       "plots.sample_hpa(cluster, 'web', seconds=600) and pass that list")
    out = []
    for s in history:
        if isinstance(s, HPASample):
            out.append(s)
        elif isinstance(s, Mapping):
            out.append(HPASample(float(s["time"]), s.get("load"), s.get("utilization"), float(s["target"]),
                                 int(s["desired"]), int(s["actual"])))
        else:
            raise LabError(f"hpa: each sample must be an HPASample or a dict, got {s!r}")
    return sorted(out, key=lambda s: s.time)


# -------------------------------------------------------------- architecture
def architecture_of(source: Any) -> Architecture:
    """Components and flows counted from a k8s or mesos cluster (or an :class:`Architecture` as is)."""
    system = system_of(source)
    if system:
        return _reader(system).architecture(source)
    if isinstance(source, Architecture):
        return source
    raise _not_supported("architecture", source, "a k8s or mesos Cluster, or an Architecture")
