"""Gantt chart: which pod or task ran on which node or agent, when, and what interrupted it.

One band per node (Kubernetes) or agent (Mesos); inside a band each pod or task is a bar
from the moment it was bound/launched to the moment it ended (or "now"). Pods that
overlap in time get their own row in the band. Bars of one Deployment or framework share
a colour *and* a hatch; how a bar ended is written at its right end ("evicted", "lost", ...).
Events are markers with a dotted line across the band: node/agent failure (X),
recovery (P), eviction (v), container restart (o), new leading master (*).

>>> from labsupport.plots.data import Mark, Span, Timeline
>>> t = Timeline(["node-1"], [Span("node-1", "web-1", "web", 0, 40, "evicted")], [Mark("node-1", 10, "failure")], now=60)
>>> fig = timeline(t)
>>> fig.axes[0].get_xlabel()
'simulated time (s)'
"""
from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from labsupport.plots.adapt import timeline_of
from labsupport.plots.data import Span, Timeline
from labsupport.plots.style import MARKERS, color_for, hatch_for, new_figure

__all__ = ["timeline", "pack_rows"]


def pack_rows(spans: list[Span], now: float) -> list[int]:
    """Row index for each span so spans in one row never overlap (first fit, in the given order).

    >>> pack_rows([Span("n", "a", "g", 0, 10), Span("n", "b", "g", 5, 15), Span("n", "c", "g", 12, None)], now=20)
    [0, 1, 0]
    """
    ends: list[float] = []
    rows = []
    for s in spans:
        for r, end in enumerate(ends):
            if s.start >= end:
                ends[r] = s.finish(now)
                rows.append(r)
                break
        else:
            ends.append(s.finish(now))
            rows.append(len(ends) - 1)
    return rows


def timeline(source: Any, *, title: str | None = None) -> Figure:
    """Draw a Gantt chart from a k8s or mesos ``Cluster`` or a :class:`Timeline`."""
    tl: Timeline = timeline_of(source)
    groups = sorted({s.group for s in tl.spans})
    style = {g: (color_for(k), hatch_for(k)) for k, g in enumerate(groups)}
    by_lane: dict[str, list[Span]] = {lane: [] for lane in tl.lanes}
    for s in sorted(tl.spans, key=lambda s: (s.start, s.name)):
        by_lane.setdefault(s.lane, []).append(s)
    lanes = list(by_lane)
    rows_per_lane = {lane: max(pack_rows(spans, tl.now), default=0) + 1 for lane, spans in by_lane.items()}
    height = min(9.0, 1.2 + 0.32 * sum(rows_per_lane.values()) + 0.25 * len(lanes))
    fig = new_figure(1, width=9.0, height=max(2.6, height))
    ax = fig.axes[0]
    end_time = max([tl.now] + [s.finish(tl.now) for s in tl.spans] + [m.time for m in tl.marks]) or 1.0
    base = 0.0
    band: dict[str, tuple[float, float]] = {}
    ticks = []
    for lane in reversed(lanes):      # first lane on top
        spans = by_lane[lane]
        rows = pack_rows(spans, tl.now)
        n = rows_per_lane[lane]
        band[lane] = (base, base + n)
        for s, r in zip(spans, rows, strict=True):
            y = base + n - 1 - r
            color, hatch = style[s.group]
            width = max(s.finish(tl.now) - s.start, end_time * 0.002)
            ax.broken_barh([(s.start, width)], (y + 0.12, 0.76), facecolors=color, hatch=hatch,
                           edgecolor="black", linewidth=0.5)
            label = s.name if s.outcome is None else f"{s.name} ({s.outcome})"
            if width > end_time * 0.12:
                ax.text(s.start + end_time * 0.005, y + 0.5, label, va="center", ha="left", fontsize=7, clip_on=True,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75})
            elif s.outcome is not None:
                ax.text(s.finish(tl.now) + end_time * 0.004, y + 0.5, s.outcome, va="center", ha="left", fontsize=6)
        ticks.append((base + n / 2, lane))
        base += n + 0.5
        ax.axhline(base - 0.25, color="0.8", linewidth=0.6)
    kinds_seen = []
    for m in sorted(tl.marks, key=lambda m: (m.time, m.lane, m.kind)):
        if m.lane not in band:
            continue
        lo, hi = band[m.lane]
        marker, color = MARKERS.get(m.kind, ("d", "black"))
        ax.plot([m.time, m.time], [lo, hi], linestyle=":", color=color, linewidth=1.2)
        ax.plot([m.time], [hi], marker=marker, color=color, markeredgecolor="black", markersize=9, linestyle="none",
                clip_on=False)
        if m.kind not in kinds_seen:
            kinds_seen.append(m.kind)
    ax.set_yticks([t for t, _ in ticks], [name for _, name in ticks], fontsize=8)
    ax.set_ylim(-0.3, max(base - 0.2, 1))
    ax.set_xlim(0, end_time * 1.02)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel(tl.lane_title)
    ax.axvline(tl.now, color="0.4", linewidth=0.8, linestyle="--")
    handles = [Patch(facecolor=c, hatch=h, edgecolor="black", label=g) for g, (c, h) in style.items()]
    handles += [Line2D([], [], marker=MARKERS.get(k, ("d", "black"))[0], color=MARKERS.get(k, ("d", "black"))[1],
                       markeredgecolor="black", linestyle="none", markersize=8, label=k) for k in kinds_seen]
    if handles:
        fig.legend(handles=handles, loc="outside right center", fontsize=8)
    noun = "tasks" if tl.lane_title == "agent" else "pods"
    ax.set_title(title or f"Timeline of {noun} per {tl.lane_title} (now = {tl.now:g} s)")
    return fig
