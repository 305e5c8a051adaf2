"""Architecture diagram drawn from a live cluster: components as boxes, what flowed between them as arrows.

Kubernetes is hub and spoke: every component writes to the API server and *watches* it,
nobody talks to anybody else (https://kubernetes.io/docs/concepts/architecture/). Mesos is
a message exchange: the leading master offers agents' resources to frameworks, frameworks
answer, the master tells agents to launch, agents report status back
(https://mesos.apache.org/documentation/latest/architecture/). The boxes are the
components that exist in the cluster you pass; each arrow is labelled with what flowed
and how many times, counted from the cluster's own logs, so running more cells makes the
numbers grow. Box kinds differ by hatch as well as colour; a highlighted box (the leading
master) has a thick outline.

>>> from labsupport.plots.data import Architecture, Component, Flow
>>> a = Architecture("toy", [Component("client", 0), Component("server", 1)], [Flow("client", "server", "request", 3)])
>>> fig = architecture(a)
>>> [t.get_text() for t in fig.axes[0].texts if "request" in t.get_text()]
['request \u00d73']
"""
from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from labsupport.plots.adapt import architecture_of
from labsupport.plots.data import Architecture
from labsupport.plots.style import color_for, hatch_for, new_figure

__all__ = ["architecture"]

_BOX_W, _BOX_H = 0.8, 0.3


def architecture(source: Any, *, title: str | None = None) -> Figure:
    """Draw the components of a k8s or mesos ``Cluster`` (or an :class:`Architecture`) and the traffic between them."""
    arch: Architecture = architecture_of(source)
    layers: dict[int, list] = {}
    for c in sorted(arch.components, key=lambda c: (c.layer, c.order, c.name)):
        layers.setdefault(c.layer, []).append(c)
    width = max((len(v) for v in layers.values()), default=1)
    kinds = sorted({c.kind for c in arch.components})
    kind_style = {k: (color_for(i + 1), hatch_for(i)) for i, k in enumerate(kinds)}
    n_layers = max(layers, default=0) + 1
    fig_w = max(6.0, 1.9 * width)
    inches_per_unit = min(fig_w / (width + 0.2), 1.9)      # equal aspect: narrow diagrams must not grow tall
    fig = new_figure(1, width=fig_w, height=inches_per_unit * 1.2 * n_layers + 1.0)
    ax = fig.axes[0]
    ax.set_aspect("equal")
    pos: dict[str, tuple[float, float]] = {}
    for layer, comps in layers.items():
        y = (n_layers - 1 - layer) * 1.2
        for i, c in enumerate(comps):
            x = width / 2 + (i - (len(comps) - 1) / 2)      # one unit per box, each row centred
            pos[c.name] = (x, y)
            color, hatch = kind_style[c.kind]
            ax.add_patch(FancyBboxPatch((x - _BOX_W / 2, y - _BOX_H / 2), _BOX_W, _BOX_H,
                                        boxstyle="round,pad=0.03", facecolor=color, hatch=hatch, alpha=0.9,
                                        edgecolor="black", linewidth=3.0 if c.highlight else 1.0))
            ax.text(x, y, c.name + ("\n(leader)" if c.highlight else ""), ha="center", va="center", fontsize=8,
                    fontweight="bold" if c.highlight else "normal",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    # one arrow per (src, dst) pair; its label lists every kind of traffic on it
    labels: dict[tuple[str, str], list[str]] = {}
    for f in sorted(arch.flows, key=lambda f: (f.src, f.dst, f.label)):
        if f.src in pos and f.dst in pos and f.count > 0:
            labels.setdefault((f.src, f.dst), []).append(f"{f.label} \u00d7{f.count}")
    for (src, dst), lines in labels.items():
        (x0, y0), (x1, y1) = pos[src], pos[dst]
        rad = 0.3 if (dst, src) in labels else 0.0
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12, linewidth=1.1,
                                     connectionstyle=f"arc3,rad={rad}", shrinkA=14, shrinkB=14, color="black"))
        # the middle of an arc3 curve sits rad/2 of the chord length off the chord, to the right of travel
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        lx, ly = mx + rad * (y1 - y0) / 2, my - rad * (x1 - x0) / 2
        ax.text(lx, ly, "\n".join(lines) if len(labels) <= 12 else ", ".join(lines), ha="center", va="center", fontsize=7 if len(labels) <= 12 else 6,
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "0.7"})
    ax.set_xlim(-0.1, width + 0.1)
    ax.set_ylim(-0.6, (n_layers - 1) * 1.2 + 0.6)
    ax.set_axis_off()
    handles = [Patch(facecolor=c, hatch=h, edgecolor="black", label=k or "component") for k, (c, h) in kind_style.items()]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(4, len(handles)), fontsize=8)
    ax.set_title(title or arch.title)
    return fig
