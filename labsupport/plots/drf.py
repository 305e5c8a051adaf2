"""Dominant shares over time: watch DRF even out the roles or frameworks.

A client's dominant share is ``max over resources of allocated / total``, divided by its
weight (Ghodsi et al., NSDI 2011; ``DRFSorter::calculateShare`` in
src/master/allocator/sorter/drf/sorter.cpp). The allocator always offers next to the
client with the lowest share, so the lines converge (or settle in the ratio of the
weights). Each client is a step line with its own colour, line style and marker, and its
name is written at the line's right end.

>>> fig = drf_shares([(0, {"A": 0.0, "B": 0.0}), (1, {"A": 0.33, "B": 0.0}), (2, {"A": 0.33, "B": 0.33})])
>>> fig.axes[0].get_ylabel()
'dominant share (fraction of the cluster)'
"""
from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from labsupport.plots.adapt import shares_of
from labsupport.plots.style import color_for, new_figure

__all__ = ["drf_shares", "LINESTYLES", "LINE_MARKERS"]

LINESTYLES = ("-", "--", "-.", ":")
LINE_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def drf_shares(history: Any, *, by: str = "role", title: str | None = None, weighted: bool = True) -> Figure:
    """Draw dominant shares from a mesos ``Cluster`` or a list of ``(time, {name: share})`` / :class:`ShareSample`.

    For a cluster, ``by`` is ``"role"`` (what the role sorter compares) or ``"framework"``.
    ``weighted`` only changes the axis label (a list of samples carries whatever shares you computed).
    """
    samples = shares_of(history, by=by)
    names = sorted({n for s in samples for n in s.shares})
    fig = new_figure(1, width=8.0, height=4.0)
    ax = fig.axes[0]
    times = [s.time for s in samples]
    end = max(times + [1.0])
    for k, name in enumerate(names):
        ys = [s.shares.get(name, 0.0) for s in samples]
        ax.step(times, ys, where="post", color=color_for(k), linestyle=LINESTYLES[k % len(LINESTYLES)],
                marker=LINE_MARKERS[k % len(LINE_MARKERS)], markevery=max(1, len(times) // 12), markersize=5,
                linewidth=1.8, label=name)
        if ys:
            ax.annotate(f"{name} {ys[-1]:.2f}", (times[-1], ys[-1]), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=8, color="black")
    top = max([v for s in samples for v in s.shares.values()] + [0.1])
    ax.set_ylim(0, min(1.05, top * 1.15) if top <= 1 else top * 1.15)
    ax.set_xlim(min(times + [0.0]), end * 1.15)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("dominant share (fraction of the cluster)" + ("" if weighted else ", unweighted"))
    ax.grid(True, color="0.9")
    if names:
        ax.legend(loc="upper left", fontsize=8, title="role / framework")
    ax.set_title(title or "DRF: dominant share per client over time")
    return fig
