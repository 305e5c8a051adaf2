"""Why the scheduler picked that node: filter verdicts and weighted plugin scores, node by node.

kube-scheduler first *filters* (a node that fails any Filter plugin is out, with a reason),
then *scores* the nodes left: every Score plugin gives 0-100 after NormalizeScore, the
framework multiplies by the plugin's weight and adds up
(https://kubernetes.io/docs/concepts/scheduling-eviction/scheduling-framework/ ,
pkg/scheduler/schedule_one.go ``prioritizeNodes``). This chart draws exactly that from
``cluster.scheduler.explain(pod)``: one horizontal bar per feasible node made of
``weight x score`` segments (colour and hatch per plugin, the segment's value written in it
when there is room), the total at the end of the bar; a filtered-out node shows its reason
instead of a bar (no bar at all: a node that failed a filter has no score). The chosen node has a thick
outline and a star.

>>> rows = [{"node": "node-1", "feasible": True, "reason": None, "scores": {"NodeResourcesFit": 80}, "total": 80},
...         {"node": "node-2", "feasible": False, "reason": "Insufficient cpu", "scores": {}, "total": 0}]
>>> fig = explain_chart({"rows": rows, "chosen": "node-1"}, weights={"NodeResourcesFit": 1})
>>> fig.axes[0].get_xlabel()
'weighted score (weight x normalized score, points)'
>>> len(fig.axes[0].patches)      # one segment for node-1 and its chosen outline; nothing for node-2
2
"""
from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from labsupport.plots.adapt import explanation_of
from labsupport.plots.style import CHOSEN_COLOR, color_for, hatch_for, label_segment, new_figure

__all__ = ["explain_chart"]


def explain_chart(explanation: Any, *, weights: Mapping[str, float] | None = None, title: str | None = None) -> Figure:
    """Draw a scheduler explanation (``cluster.scheduler.explain(pod)`` or ``{"rows": [...], "chosen": ...}``).

    ``weights`` (plugin -> weight) defaults to the weights the explanation or its scheduler
    carries; without any, the chart draws the unweighted scores and says so in its title.
    """
    rows, chosen, found_weights = explanation_of(explanation)
    weights = dict(weights) if weights is not None else found_weights
    plugins = sorted({p for r in rows for p in r["scores"]})
    style = {p: (color_for(k), hatch_for(k)) for k, p in enumerate(plugins)}
    fig = new_figure(1, width=9.0, height=max(2.4, min(9.0, 1.0 + 0.45 * len(rows))))
    ax = fig.axes[0]
    totals = []
    for r in rows:
        if r["feasible"]:
            totals.append(sum(r["scores"][p] * (weights or {}).get(p, 1) for p in r["scores"]))
    top = max(totals + [1.0])
    names = []
    for y, r in enumerate(reversed(rows)):
        is_chosen = r["node"] == chosen
        names.append(("\u2605 " if is_chosen else "") + r["node"])
        if not r["feasible"]:
            # no bar: a filtered-out node is never scored, so nothing may look like a score (issue 12)
            reason = textwrap.shorten(str(r["reason"] or "filtered out"), 70)
            ax.text(top * 0.01, y, f"\u2715 filtered out: {reason} (not scored)", va="center", ha="left", fontsize=7,
                    color="0.25", style="italic")
            continue
        x = 0.0
        for p in plugins:
            if p not in r["scores"]:
                continue
            v = r["scores"][p] * ((weights or {}).get(p, 1))
            color, hatch = style[p]
            ax.barh(y, v, left=x, color=color, hatch=hatch, edgecolor="black", linewidth=0.5, height=0.6)
            label_segment(ax, x, y, 0, f"{v:g}", min_height=top * 0.06, horizontal=True, length=v)
            x += v
        if is_chosen:
            ax.barh(y, x, color="none", edgecolor=CHOSEN_COLOR, linewidth=2.5, height=0.72)
        total = r.get("total", x)
        ax.text(x + top * 0.01, y, f"{total:g}" + ("  \u2190 chosen" if is_chosen else ""), va="center", ha="left",
                fontsize=8, fontweight="bold" if is_chosen else "normal")
    ax.set_yticks(range(len(rows)), names, fontsize=8)
    for label in ax.get_yticklabels():
        if label.get_text().startswith("\u2605"):
            label.set_fontweight("bold")
    ax.set_xlim(0, top * 1.25)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("weighted score (weight x normalized score, points)" if weights else "normalized score (points)")
    ax.set_ylabel("node")
    handles = [Patch(facecolor=c, hatch=h, edgecolor="black",
                     label=f"{p} (x{weights[p]:g})" if weights and p in weights else p) for p, (c, h) in style.items()]
    fig.legend(handles=handles, loc="outside right center", fontsize=8, title="Score plugin (weight)")
    feasible = sum(1 for r in rows if r["feasible"])
    default = f"Scheduling: {feasible}/{len(rows)} nodes feasible, chosen: {chosen or 'none'}"
    if not weights:
        default += " (weights unknown: unweighted)"
    ax.set_title(title or default)
    return fig
