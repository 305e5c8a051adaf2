"""Bin-packing view: nodes or agents as bars, pods or tasks stacked by what they request.

Two panels, CPU (cores) and memory (MiB). Each bar is one node's allocatable capacity;
the stacked segments are the requests of the pods bound to it (Kubernetes schedules on
*requests*, not on live usage: https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/),
or the resources of the tasks an agent runs (Mesos). The top, white hatched segment is
what is still free. A node that is down has a dashed outline and "(down)" under its name.

Copies that exist but have no machine are drawn too, in a last column "waiting" with dotted
outlines: for a Kubernetes cluster its Pending Pods without a node (found automatically); for
Mesos the master does not know what a framework still wants, so pass them as ``waiting=``
(for example Marathon's instances not yet launched).

>>> from labsupport.plots.data import Bin, Item
>>> fig = placement([Bin("node-1", 4, 8192, [Item("web-1", "web", 1, 512)]), Bin("node-2", 4, 8192)])
>>> [ax.get_ylabel() for ax in fig.axes]
['CPU requested (cores)', 'memory requested (MiB)']
>>> fig = placement([Bin("node-1", 2, 4096)], waiting=[Item("web-2", "web", 0.25, 128)])
>>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
['node-1', 'waiting\\n(1, no node)']
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from labsupport.core import LabError
from labsupport.plots.adapt import bins_of, system_of
from labsupport.plots.data import Bin, Item
from labsupport.plots.style import FREE_COLOR, FREE_HATCH, color_for, hatch_for, label_segment, new_figure

__all__ = ["placement", "short_name"]

_RESOURCES = {"cpu": "CPU requested (cores)", "memory": "memory requested (MiB)"}


def short_name(name: str, group: str, width: int = 9) -> str:
    """A label that fits in a bar: a generated name loses its owner prefix (the legend names the owner).

    >>> short_name("web-7df579b56f-x2k4q", "web"), short_name("probe", "probe"), short_name("t12", "fw-a")
    ('x2k4q', 'probe', 't12')
    """
    if name != group and name.startswith(group + "-"):
        name = name.rsplit("-", 1)[-1]
    return name if len(name) <= width else name[: width - 1] + "\u2026"


def _pending_pods(cluster: Any) -> list[Item]:
    """The Pending Pods of a k8s cluster that have no node yet, with their requests (cores, MiB)."""
    from labsupport.k8s.quantity import pod_requests
    from labsupport.plots.k8s_data import owner_group

    items = []
    for pod in cluster.store.list("Pod"):
        if pod["spec"].get("nodeName") or (pod.get("status") or {}).get("phase") not in (None, "Pending"):
            continue
        req = pod_requests(pod)
        items.append(Item(pod["metadata"]["name"], owner_group(cluster.store, pod), req.get("cpu", 0) / 1000.0,
                          req.get("memory", 0) / 2**20))
    return sorted(items, key=lambda i: i.name)


def placement(source: Any, *, resources: Sequence[str] = ("cpu", "memory"), title: str | None = None,
              waiting: Sequence[Item] | None = None) -> Figure:
    """Draw where pods (k8s) or tasks (Mesos) sit: a k8s or mesos ``Cluster``, or a list of :class:`Bin`.

    ``resources`` picks the panels: ``("cpu", "memory")`` (default), ``("cpu",)`` or ``("memory",)``.
    ``waiting``: copies without a machine, drawn in a last "waiting" column (default: a k8s cluster's
    Pending Pods without a node; nothing for Mesos or for a list of bins).
    """
    if not resources or any(r not in _RESOURCES for r in resources):
        raise LabError(f"resources: must be a non-empty selection of {tuple(_RESOURCES)}, got {resources!r}")
    bins: Sequence[Bin] = bins_of(source)
    system = system_of(source)
    noun, item_noun = ("agent", "tasks") if system == "mesos" else ("node", "pods")
    if waiting is None:
        waiting = _pending_pods(source) if system == "k8s" and hasattr(source, "store") else []
    if not all(isinstance(w, Item) for w in waiting):
        raise LabError(f"waiting: must be a list of plots.Item (name, group, cpu, memory), got {waiting!r}")
    waiting = list(waiting)
    groups = sorted({i.group for b in bins for i in b.items} | {w.group for w in waiting})
    style = {g: (color_for(k), hatch_for(k)) for k, g in enumerate(groups)}
    fig = new_figure(len(resources), width=max(3.5, 0.9 * len(bins) + 1.5), height=4.2)
    for ax, res in zip(fig.axes, resources, strict=True):
        ylabel = _RESOURCES[res]
        top = max((getattr(b, res) for b in bins), default=1.0) or 1.0
        for x, b in enumerate(bins):
            y = 0.0
            for item in b.items:
                h = getattr(item, res)
                color, hatch = style[item.group]
                ax.bar(x, h, bottom=y, width=0.7, color=color, hatch=hatch, edgecolor="black", linewidth=0.6)
                label_segment(ax, x, y, h, short_name(item.name, item.group), min_height=0.07 * top)
                y += h
            free = max(0.0, getattr(b, res) - y)
            ax.bar(x, free, bottom=y, width=0.7, color=FREE_COLOR, hatch=FREE_HATCH, edgecolor="0.55",
                   linewidth=1.2, linestyle="--" if b.down else "-")
            label_segment(ax, x, y, free, "free", min_height=0.07 * top)
            if y > getattr(b, res) + 1e-9:   # over-committed (e.g. usage beyond requests): say so
                ax.text(x, y, "over", ha="center", va="bottom", fontsize=7)
        labels = [b.name + ("\n(down)" if b.down else "") for b in bins]
        if waiting:                      # copies that exist but have no machine: dotted, in their own column
            x, y = len(bins), 0.0
            for item in waiting:
                h = getattr(item, res)
                color, hatch = style[item.group]
                ax.bar(x, h, bottom=y, width=0.7, color=color, hatch=hatch, edgecolor="black", linewidth=1.0,
                       linestyle=":", alpha=0.55)
                label_segment(ax, x, y, h, short_name(item.name, item.group), min_height=0.07 * top)
                y += h
            top = max(top, y)
            labels.append(f"waiting\n({len(waiting)}, no {noun})")
        ax.set_xticks(range(len(labels)), labels, rotation=30 if len(labels) > 6 else 0, fontsize=8)
        ax.set_xlabel(noun)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, top * 1.05)
        ax.set_xlim(-0.6, max(len(labels), 1) - 0.4)
        ax.set_title(f"{res.upper() if res == 'cpu' else res} by {noun}")
    handles = [Patch(facecolor=c, hatch=h, edgecolor="black", label=g) for g, (c, h) in style.items()]
    handles.append(Patch(facecolor=FREE_COLOR, hatch=FREE_HATCH, edgecolor="0.55", label="free"))
    fig.legend(handles=handles, loc="outside right center", fontsize=8, title=item_noun)
    n_items = sum(len(b.items) for b in bins)
    wait_note = f", {len(waiting)} waiting" if waiting else ""
    fig.suptitle(title or f"Placement: {n_items} {item_noun} on {len(bins)} {noun}s{wait_note}")
    return fig
