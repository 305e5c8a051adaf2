"""Mesos offer timeline: which framework held which agent's resources, when, and how it answered.

In Mesos the master's allocator *offers* an agent's available resources to one framework
at a time; while the offer is outstanding nobody else can be offered them
(https://mesos.apache.org/documentation/latest/architecture/). One band per agent; each
offer is a bar from when it was made to when the framework accepted or declined it, or the
master rescinded it. Colour and hatch name the framework; the marker at the bar's end says
the outcome (filled circle: accepted, hollow square: declined, X: rescinded, triangle:
still outstanding). A long bar is a framework sitting on resources others may be waiting for.

>>> from labsupport.plots.data import OfferSpan
>>> fig = offer_timeline([OfferSpan("agent-1", "marathon", 1, 1, "accepted"), OfferSpan("agent-1", "spark", 2, 9, "declined")])
>>> fig.axes[0].get_xlabel()
'simulated time (s)'
"""
from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from labsupport.plots.adapt import offers_of
from labsupport.plots.data import Span
from labsupport.plots.style import OKABE_ITO, color_for, hatch_for, new_figure
from labsupport.plots.timeline import pack_rows

__all__ = ["offer_timeline", "OUTCOME_MARKERS"]

#: outcome -> (marker, face colour)
OUTCOME_MARKERS = {
    "accepted": ("o", OKABE_ITO["black"]),
    "declined": ("s", "white"),
    "rescinded": ("X", OKABE_ITO["vermillion"]),
    "outstanding": (">", "0.6"),
}


def offer_timeline(source: Any, *, title: str | None = None) -> Figure:
    """Draw offers per agent over time from a mesos ``Cluster`` or a list of :class:`OfferSpan`."""
    offers = sorted(offers_of(source), key=lambda o: (o.agent, o.start, o.framework))
    agents = sorted({o.agent for o in offers})
    frameworks = sorted({o.framework for o in offers})
    style = {f: (color_for(k), hatch_for(k)) for k, f in enumerate(frameworks)}
    end_time = max([o.end for o in offers] + [1.0])
    min_width = end_time * 0.004
    rows = {}
    for agent in agents:
        mine = [o for o in offers if o.agent == agent]
        # an instantly answered offer still occupies its drawn minimum width
        packed = pack_rows([Span(agent, "", "", o.start, max(o.end, o.start + min_width)) for o in mine], end_time)
        rows[agent] = list(zip(mine, packed, strict=True))
    n_rows = sum(max((r for _, r in v), default=0) + 1 for v in rows.values())
    fig = new_figure(1, width=9.0, height=max(2.4, min(9.0, 1.2 + 0.3 * n_rows + 0.2 * len(agents))))
    ax = fig.axes[0]
    base = 0.0
    ticks = []
    outcomes_seen = []
    for agent in reversed(agents):
        n = max((r for _, r in rows[agent]), default=0) + 1
        for o, r in rows[agent]:
            y = base + n - 1 - r
            color, hatch = style[o.framework]
            width = max(o.end - o.start, min_width)
            ax.broken_barh([(o.start, width)], (y + 0.15, 0.7), facecolors=color, hatch=hatch, edgecolor="black",
                           linewidth=0.5)
            marker, face = OUTCOME_MARKERS.get(o.outcome, ("d", "0.5"))
            ax.plot([o.start + width], [y + 0.5], marker=marker, markerfacecolor=face, markeredgecolor="black",
                    linestyle="none", markersize=6)
            if o.outcome not in outcomes_seen:
                outcomes_seen.append(o.outcome)
        ticks.append((base + n / 2, agent))
        base += n + 0.5
        ax.axhline(base - 0.25, color="0.8", linewidth=0.6)
    ax.set_yticks([t for t, _ in ticks], [a for _, a in ticks], fontsize=8)
    ax.set_ylim(-0.3, max(base - 0.2, 1))
    ax.set_xlim(0, end_time * 1.03)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("agent")
    handles = [Patch(facecolor=c, hatch=h, edgecolor="black", label=f) for f, (c, h) in style.items()]
    handles += [Line2D([], [], marker=OUTCOME_MARKERS[k][0], markerfacecolor=OUTCOME_MARKERS[k][1],
                       markeredgecolor="black", linestyle="none", label=k)
                for k in OUTCOME_MARKERS if k in outcomes_seen]
    if handles:
        fig.legend(handles=handles, loc="outside right center", fontsize=8, title="framework / outcome")
    counts = {k: sum(1 for o in offers if o.outcome == k) for k in OUTCOME_MARKERS}
    summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    ax.set_title(title or f"Offers per agent: {len(offers)} offers ({summary or 'none'})")
    return fig
