"""Dominant shares over time: watch DRF even out the roles or frameworks.

A client's dominant share is ``max over resources of allocated / total``, divided by its
weight (Ghodsi et al., NSDI 2011; ``DRFSorter::calculateShare`` in
src/master/allocator/sorter/drf/sorter.cpp). The allocator always offers next to the
client with the lowest share, so the lines converge (or settle in the ratio of the
weights). Each client is a step line with its own colour, line style and marker, and its
name and final share are written at the line's right end; clients that end at the same
share get one label ("a, b 0.67"), and labels closer than a line of text are spread apart.

>>> fig = drf_shares([(0, {"A": 0.0, "B": 0.0}), (1, {"A": 0.33, "B": 0.0}), (2, {"A": 0.33, "B": 0.33})])
>>> fig.axes[0].get_ylabel()
'dominant share (fraction of the cluster)'
"""
from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from labsupport.plots.adapt import shares_of
from labsupport.plots.style import color_for, new_figure

__all__ = ["drf_shares", "spread", "LINESTYLES", "LINE_MARKERS"]

LINESTYLES = ("-", "--", "-.", ":")
LINE_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def drf_shares(history: Any, *, by: str = "role", title: str | None = None, weighted: bool = True,
               position: Any = None) -> Figure:
    """Draw dominant shares from a mesos ``Cluster`` or a list of ``(time, {name: share})`` / :class:`ShareSample`.

    For a cluster, ``by`` is ``"role"`` (what the role sorter compares) or ``"framework"``.
    ``weighted`` only changes the axis label (a list of samples carries whatever shares you computed).
    ``position``: the axes' position from an earlier drawing of the same figure (a widget's
    redraw); it is used instead of laying the figure out again (same picture, a fraction of the time).
    """
    samples = shares_of(history, by=by)
    names = sorted({n for s in samples for n in s.shares})
    fig = new_figure(1, width=8.0, height=4.0)
    ax = fig.axes[0]
    times = [s.time for s in samples]
    end = max(times + [1.0])
    ends: dict[str, list[str]] = {}     # printed final share -> clients ending there
    for k, name in enumerate(names):
        ys = [s.shares.get(name, 0.0) for s in samples]
        ax.step(times, ys, where="post", color=color_for(k), linestyle=LINESTYLES[k % len(LINESTYLES)],
                marker=LINE_MARKERS[k % len(LINE_MARKERS)], markevery=max(1, len(times) // 12), markersize=5,
                linewidth=1.8, label=name)
        if ys:
            ends.setdefault(f"{ys[-1]:.2f}", []).append(name)
    top = max([v for s in samples for v in s.shares.values()] + [0.1])
    ax.set_ylim(0, min(1.05, top * 1.15) if top <= 1 else top * 1.15)
    ax.set_xlim(min(times + [0.0]), end * 1.15)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("dominant share (fraction of the cluster)" + ("" if weighted else ", unweighted"))
    ax.grid(True, color="0.9")
    if names:
        ax.legend(loc="upper left", fontsize=8, title="role / framework")
    ax.set_title(title or "DRF: dominant share per client over time")
    _label_ends(fig, ax, times[-1] if times else 0.0, ends, position)
    return fig


def spread(ys: list[float], gap: float) -> list[float]:
    """Move sorted positions ``ys`` apart so neighbours are at least ``gap`` apart, keeping each group centred.

    Clusters of too-close positions are pushed apart symmetrically around their mean
    (the usual end-of-line label layout; no label moves further than its cluster needs).

    >>> spread([0.0, 0.1, 5.0], gap=1.0)
    [-0.45, 0.55, 5.0]
    """
    groups: list[list[float]] = []     # each: [mean of the originals, count]
    for y in ys:
        groups.append([y, 1])
        while len(groups) > 1:
            (m0, n0), (m1, n1) = groups[-2], groups[-1]
            if (m0 + (n0 - 1) * gap / 2) + gap <= m1 - (n1 - 1) * gap / 2:
                break
            groups[-2:] = [[(m0 * n0 + m1 * n1) / (n0 + n1), n0 + n1]]
    out = []
    for mean, n in groups:
        out.extend(round(mean + (i - (n - 1) / 2) * gap, 9) for i in range(n))
    return out


def _label_ends(fig: Figure, ax, t_end: float, ends: dict[str, list[str]], position: Any = None) -> None:
    """Write "name share" at the lines' right end: equal shares share one label ("a, b 0.67"), close ones are spread."""
    if not ends:
        return
    if position is None:
        fig.draw_without_rendering()                     # fixes the layout, so data -> pixels is final
    else:
        fig.set_layout_engine(None)                      # the layout is known already
        ax.set_position(position)
    to_pt = 72.0 / fig.dpi
    rows = sorted((float(share), ", ".join(names)) for share, names in ends.items())
    at = [ax.transData.transform((t_end, y))[1] * to_pt for y, _ in rows]
    for (y, text), want, got in zip(rows, at, spread(at, gap=10.0), strict=True):
        label = ax.annotate(f"{text} {y:.2f}", (t_end, y), xytext=(4, got - want), textcoords="offset points",
                            va="center", fontsize=8, color="black")
        label.set_in_layout(False)
