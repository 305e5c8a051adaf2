"""HorizontalPodAutoscaler over time: load in, utilization against target, replicas out.

The HPA controller (every 15 s by default) computes
``desiredReplicas = ceil(currentReplicas * currentUtilization / targetUtilization)``,
does nothing while the ratio is within the 0.1 tolerance, and scales down only to the
highest recommendation of the last 300 s (stabilization window)
(https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details).
Three panels share the time axis: the offered load, the average utilization with the
target as a dashed line (and the tolerance band hatched), and the desired and actual
replica counts as step lines with different styles and markers.

>>> from labsupport.plots.data import HPASample
>>> fig = hpa([HPASample(0, 1.0, 50, 50, 2, 2), HPASample(15, 3.0, 150, 50, 6, 2), HPASample(30, 3.0, 75, 50, 6, 6)])
>>> [ax.get_ylabel() for ax in fig.axes]
['load (cores)', 'utilization (%)', 'replicas']
"""
from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from labsupport.plots.adapt import hpa_samples_of
from labsupport.plots.style import OKABE_ITO, new_figure

__all__ = ["hpa"]


def hpa(history: Any, *, title: str | None = None, load_label: str = "load (cores)",
        tolerance: float = 0.1) -> Figure:
    """Draw an HPA run from a list of :class:`HPASample` (or ``labsupport.plots.adapt.sample_hpa`` output)."""
    samples = hpa_samples_of(history)
    t = [s.time for s in samples]
    fig = new_figure(1, 3, width=8.0, height=1.9, sharex=True)
    ax_load, ax_util, ax_rep = fig.axes
    loads = [s.load for s in samples]
    if any(v is not None for v in loads):
        ax_load.step(t, [float("nan") if v is None else v for v in loads], where="post", color=OKABE_ITO["blue"],
                     linewidth=1.8, label="load")
    ax_load.set_ylabel(load_label)
    ax_load.set_ylim(bottom=0)
    util = [float("nan") if s.utilization is None else s.utilization for s in samples]
    target = [s.target for s in samples]
    ax_util.fill_between(t, [x * (1 - tolerance) for x in target], [x * (1 + tolerance) for x in target], step="post",
                         facecolor="white", hatch="..", edgecolor="0.6", linewidth=0,
                         label=f"target \u00b1 {tolerance:.0%} (no change)")
    ax_util.step(t, target, where="post", color="black", linestyle="--", linewidth=1.2, label="target")
    ax_util.plot(t, util, color=OKABE_ITO["vermillion"], marker="o", markersize=3.5, linewidth=1.6,
                 label="current utilization")
    ax_util.set_ylabel("utilization (%)")
    ax_util.set_ylim(bottom=0)
    ax_util.legend(loc="upper right", fontsize=7)
    ax_rep.step(t, [s.desired for s in samples], where="post", color=OKABE_ITO["orange"], linestyle="--",
                marker="^", markersize=4, linewidth=1.6, label="desired")
    ax_rep.step(t, [s.actual for s in samples], where="post", color=OKABE_ITO["bluish green"], linestyle="-",
                marker="s", markersize=3.5, linewidth=1.6, label="actual (current)")
    ax_rep.set_ylabel("replicas")
    ax_rep.set_ylim(bottom=0)
    ax_rep.yaxis.get_major_locator().set_params(integer=True)
    ax_rep.legend(loc="upper right", fontsize=7)
    ax_rep.set_xlabel("simulated time (s)")
    for ax in fig.axes:
        ax.grid(True, color="0.9")
    ax_util.set_title("average CPU utilization, percent of the Pods' requests", fontsize=9)
    fig.suptitle(title or "HorizontalPodAutoscaler: load, utilization and replicas")
    return fig
