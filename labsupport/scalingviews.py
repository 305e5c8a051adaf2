"""Figures and samplers for lesson 06 (scaling and HA): counts over time, and event timelines side by side.

* :func:`sample_k8s` records, every ``step`` simulated seconds, a Deployment's desired replicas, its
  running and pending Pods and the number of nodes; :func:`autoscaling_figure` draws them under the load curve;
* :func:`timeline_figure` draws one row of labelled events per system on a shared time axis, with
  shaded spans (for a gap in service), so Kubernetes and Mesos can be compared in one picture.

Both use the course palette (Okabe-Ito) and never carry meaning by colour alone: every series has
its own line style or marker and a label.

>>> fig = timeline_figure({"A": [(0, "start"), (10, "end")]}, {"A": [(0, 10, "gap")]}, title="demo")
>>> len(fig.axes)
1
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from matplotlib.figure import Figure

from labsupport.plots.style import OKABE_ITO, new_figure

__all__ = ["sample_k8s", "autoscaling_figure", "timeline_figure"]


def sample_k8s(cluster, deployment: str, seconds: float, step: float = 15.0) -> list[dict]:
    """Run ``cluster`` for ``seconds``, sampling every ``step``: t, desired, running, pending, nodes."""
    out = []
    end = cluster.now + seconds
    while cluster.now < end - 1e-9:
        cluster.run(min(step, end - cluster.now))
        pods = [p for p in cluster.pods() if p.owner and p.owner.startswith(f"ReplicaSet/{deployment}-")]
        out.append({"t": cluster.now, "desired": cluster.object("deployment", deployment)["spec"]["replicas"],
                    "running": sum(1 for p in pods if p.phase == "Running"),
                    "pending": sum(1 for p in pods if p.phase == "Pending" and not p.node),
                    "nodes": len(cluster.store.list("Node"))})
    return out


def autoscaling_figure(samples: Sequence[dict], load: Callable[[float], float], title: str = "") -> Figure:
    """Load on top; desired replicas, running and pending Pods and nodes below, on one time axis."""
    fig = new_figure(1, 2, width=9, height=2.6, sharex=True)
    ax_load, ax = fig.axes
    t = [s["t"] for s in samples]
    ax_load.step(t, [load(x) for x in t], where="post", color=OKABE_ITO["blue"], label="load (millicores)")
    ax_load.set_ylabel("CPU load (m)")
    ax_load.legend(loc="upper right", fontsize=8)
    ax.step(t, [s["desired"] for s in samples], where="post", color=OKABE_ITO["orange"], linestyle="--", label="desired replicas (HPA)")
    ax.step(t, [s["running"] for s in samples], where="post", color=OKABE_ITO["bluish green"], linestyle="-", label="Pods running")
    ax.step(t, [s["pending"] for s in samples], where="post", color=OKABE_ITO["vermillion"], linestyle=":", label="Pods pending")
    ax.plot(t, [s["nodes"] for s in samples], color=OKABE_ITO["black"], marker="s", markersize=3, linestyle="none", label="nodes")
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("count")
    ax.legend(loc="upper right", fontsize=8, ncols=2)
    if title:
        fig.suptitle(title)
    return fig


def timeline_figure(rows: Mapping[str, Sequence[tuple[float, str]]], spans: Mapping[str, Sequence[tuple[float, float, str]]] | None = None,
                    title: str = "", xlabel: str = "simulated time (s)") -> Figure:
    """One row per system: a marker and a label for each ``(time, text)``; shaded ``(start, end, text)`` spans."""
    names = list(rows)
    fig = new_figure(1, 1, width=10, height=0.9 + 1.3 * len(names))
    ax = fig.axes[0]
    markers = ("o", "s", "^", "D", "v", "P")
    for y, name in enumerate(reversed(names)):
        for (t0, t1, text) in (spans or {}).get(name, ()):
            ax.axvspan(t0, t1, ymin=(y + 0.1) / len(names), ymax=(y + 0.9) / len(names), color=OKABE_ITO["vermillion"],
                       alpha=0.18, hatch="//", linewidth=0)
            ax.text((t0 + t1) / 2, y - 0.36, f"{text}: {round(t1 - t0, 1):g} s", ha="center", va="center", fontsize=8)
        events = sorted(rows[name])
        ax.plot([e[0] for e in events], [y] * len(events), color=OKABE_ITO["blue"], linewidth=0.8)
        for i, (t, text) in enumerate(events):
            ax.plot([t], [y], marker=markers[i % len(markers)], color=OKABE_ITO["blue"], linestyle="none")
            ax.annotate(text, (t, y), xytext=(0, (10, -14, 22, -26)[i % 4]), textcoords="offset points", ha="center", fontsize=7.5)
    ax.set_yticks(range(len(names)), list(reversed(names)))
    ax.set_ylim(-0.75, len(names) - 0.25)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return fig
