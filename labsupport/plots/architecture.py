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
['\u25bc request \u00d73']
"""
from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from labsupport.plots.adapt import architecture_of
from labsupport.plots.data import Architecture
from labsupport.plots.style import color_for, hatch_for, new_figure

__all__ = ["architecture", "arc_point", "route", "route_pair", "lane"]

_BOX_W, _BOX_H = 0.8, 0.3
_CLEAR = 0.06            # data units kept free around a box an arrow passes
#: Curvatures tried for an arrow, in order: straight first, then ever rounder arcs on either side
#: (positive bows to the right of the direction of travel).
_RADS = (0.0, 0.25, -0.25, 0.4, -0.4, 0.55, -0.55, 0.7, -0.7)
#: Curvatures tried for each of two opposite arrows between the same boxes. They bow at least
#: ``_PAIR_GAP[0]`` apart, ``_PAIR_GAP[1]`` if that crosses no more boxes (0.3 each way when nothing is in the way).
_PAIR_RADS = (-0.75, -0.6, -0.45, -0.3, -0.15, 0.0, 0.15, 0.3, 0.45, 0.6, 0.75)
_PAIR_GAP = (0.3, 0.6)
#: Last resort for a pair whose arcs would cross boxes: two straight lanes, each this far right of its way.
_LANE = 0.07

Point = tuple[float, float]
#: An arrow as drawn: from, to, arc3 curvature.
Route = tuple[Point, Point, float]
#: Where along its arrow a label may sit (fraction of the way), nearest the middle first.
_LABEL_TS = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82)


def arc_point(p0: Point, p1: Point, rad: float, t: float) -> Point:
    """The point a fraction ``t`` along matplotlib's ``arc3,rad=rad`` curve from ``p0`` to ``p1``.

    arc3 is a quadratic Bezier curve whose control point sits ``rad`` times the chord
    length to the right of the chord's middle: ``c = m + rad * (dy, -dx)``, and
    ``B(t) = (1-t)^2 p0 + 2t(1-t) c + t^2 p1`` (``ConnectionStyle.Arc3`` in
    matplotlib/patches.py). Valid in data units on an equal-aspect axes.

    >>> arc_point((0, 0), (2, 0), 0.0, 0.5), arc_point((0, 0), (2, 0), -0.5, 0.5)
    ((1.0, 0.0), (1.0, 0.5))
    """
    (x0, y0), (x1, y1) = p0, p1
    cx, cy = (x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0)
    a, b, c = (1 - t) ** 2, 2 * t * (1 - t), t ** 2
    return a * x0 + b * cx + c * x1, a * y0 + b * cy + c * y1


def _crossed_boxes(p0, p1, rad: float, others: list[tuple[float, float]]) -> int:
    """How many of the boxes centred at ``others`` the arc passes through (sampled every 2.5%)."""
    hit = set()
    for i in range(1, 40):
        x, y = arc_point(p0, p1, rad, i / 40)
        for j, (bx, by) in enumerate(others):
            if abs(x - bx) <= _BOX_W / 2 + _CLEAR and abs(y - by) <= _BOX_H / 2 + _CLEAR:
                hit.add(j)
    return len(hit)


def route(p0: Point, p1: Point, others: list[Point]) -> float:
    """The first curvature in ``_RADS`` whose arc from ``p0`` to ``p1`` misses every box centred at ``others``.

    If every curvature crosses some box, the one crossing the fewest.

    >>> route((0, 0), (3, 0), others=[(1, 0), (2, 0)])     # two boxes in the way: bow out
    0.25
    >>> route((0, 0), (0, 1.2), others=[(1, 0)])
    0.0
    """
    return min(_RADS, key=lambda r: (_crossed_boxes(p0, p1, r, others), _RADS.index(r)))


def lane(p0: Point, p1: Point, shift: float) -> tuple[Point, Point]:
    """``p0`` and ``p1`` moved ``shift`` to the right of the way from ``p0`` to ``p1``.

    >>> lane((0, 0), (0, 2), 0.1)
    ((0.1, 0.0), (0.1, 2.0))
    """
    (x0, y0), (x1, y1) = p0, p1
    n = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 or 1.0
    dx, dy = shift * (y1 - y0) / n, -shift * (x1 - x0) / n
    return (x0 + dx, y0 + dy), (x1 + dx, y1 + dy)


def route_pair(p0: Point, p1: Point, others: list[Point]) -> tuple[Route, Route]:
    """How to draw ``p0 -> p1`` and ``p1 -> p0`` apart from each other, crossing the fewest boxes centred at ``others``.

    A curvature ``r`` on the way back bows like ``-r`` on the way there, so ``there + back``
    is how far apart the two arcs bow: at least ``_PAIR_GAP[0]``, preferably ``_PAIR_GAP[1]``;
    ties go to the most even pair, then the gentlest. Two straight parallel lanes
    (:func:`lane`) are used only if every pair of arcs crosses more boxes.

    >>> route_pair((0, 0), (0, 1.2), others=[])
    (((0, 0), (0, 1.2), 0.3), ((0, 1.2), (0, 0), 0.3))
    >>> [rad for _, _, rad in route_pair((1, 1.2), (2.5, 2.4), others=[(2, 1.2)])]   # a box right of the way there
    [0.15, 0.45]
    >>> route_pair((0, 0), (2, 1.2), others=[(0, 1.2), (1, 1.2), (1, 0)])[0]        # boxes on both sides: lanes
    ((0.036..., -0.060...), (2.036..., 1.139...), 0.0)
    """
    options: list[tuple[Route, Route]] = [((p0, p1, there), (p1, p0, back)) for there in _PAIR_RADS for back in _PAIR_RADS
                                        if there + back >= _PAIR_GAP[0] - 1e-9]
    options.append(((*lane(p0, p1, _LANE), 0.0), (*lane(p1, p0, _LANE), 0.0)))

    def cost(option: tuple[Route, Route]):
        (a0, a1, there), (b0, b1, back) = option
        lanes = a0 != p0
        return (_crossed_boxes(a0, a1, there, others) + _crossed_boxes(b0, b1, back, others), lanes,
                there + back < _PAIR_GAP[1] - 1e-9, abs(there - back), abs(there) + abs(back), -there)

    return min(options, key=cost)


def _overlap(a, b) -> float:
    """Area shared by two display-space boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def architecture(source: Any, *, title: str | None = None) -> Figure:
    """Draw the components of a k8s or mesos ``Cluster`` (or an :class:`Architecture`) and the traffic between them.

    Arrows bow around boxes they would cross (:func:`route`); two-way traffic between two boxes
    gets one label with a line per direction (glyphs such as a down-pointing triangle say which
    way), and labels slide along their arrows until they overlap no other label and no box name.
    """
    arch: Architecture = architecture_of(source)
    layers: dict[int, list] = {}
    for c in sorted(arch.components, key=lambda c: (c.layer, c.order, c.name)):
        layers.setdefault(c.layer, []).append(c)
    layers = {layer: _leader_in_the_middle(comps) for layer, comps in layers.items()}
    width = max((len(v) for v in layers.values()), default=1)
    kinds = sorted({c.kind for c in arch.components})
    kind_style = {k: (color_for(i + 1), hatch_for(i)) for i, k in enumerate(kinds)}
    n_layers = max(layers, default=0) + 1
    row_gap = _row_gap(arch, layers)
    fig_w = max(6.0, 1.9 * width)
    inches_per_unit = min(fig_w / (width + 0.2), 1.9)      # equal aspect: narrow diagrams must not grow tall
    fig = new_figure(1, width=fig_w, height=inches_per_unit * row_gap * n_layers + 1.0)
    ax = fig.axes[0]
    ax.set_aspect("equal")
    pos: dict[str, Point] = {}
    names = []
    for layer, comps in layers.items():
        y = (n_layers - 1 - layer) * row_gap
        for i, c in enumerate(comps):
            x = width / 2 + (i - (len(comps) - 1) / 2)      # one unit per box, each row centred
            pos[c.name] = (x, y)
            color, hatch = kind_style[c.kind]
            ax.add_patch(FancyBboxPatch((x - _BOX_W / 2, y - _BOX_H / 2), _BOX_W, _BOX_H,
                                        boxstyle="round,pad=0.03", facecolor=color, hatch=hatch, alpha=0.9,
                                        edgecolor="black", linewidth=3.0 if c.highlight else 1.0, gid=c.name))
            names.append(ax.text(x, y, c.name + ("\n(leader)" if c.highlight else ""), ha="center", va="center", fontsize=8,
                                 fontweight="bold" if c.highlight else "normal",
                                 bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}))
    # one arrow per (src, dst) pair; its label lists every kind of traffic on it
    labels: dict[tuple[str, str], list[str]] = {}
    for f in sorted(arch.flows, key=lambda f: (f.src, f.dst, f.label)):
        if f.src in pos and f.dst in pos and f.count > 0:
            labels.setdefault((f.src, f.dst), []).append(f"{f.label} \u00d7{f.count}")
    arcs: dict[tuple[str, str], Route] = {}
    for src, dst in labels:
        others = [p for n, p in pos.items() if n not in (src, dst)]
        if (dst, src) not in labels:
            arcs[src, dst] = (pos[src], pos[dst], route(pos[src], pos[dst], others))
        elif src < dst:
            arcs[src, dst], arcs[dst, src] = route_pair(pos[src], pos[dst], others)
    for (src, dst), (p0, p1, rad) in sorted(arcs.items()):
        ax.add_patch(FancyArrowPatch(p0, p1, arrowstyle="-|>", mutation_scale=12, linewidth=1.1,
                                     connectionstyle=f"arc3,rad={rad}", shrinkA=14, shrinkB=14, color="black",
                                     gid=f"{src}->{dst}"))
    xs = [x for p in pos.values() for x in (p[0] - 0.6, p[0] + 0.6)] or [0.0, 1.0]
    ys = [y for p in pos.values() for y in (p[1] - 0.6, p[1] + 0.6)] or [0.0, 1.0]
    for p0, p1, rad in arcs.values():
        mid = arc_point(p0, p1, rad, 0.5)
        xs.append(mid[0]), ys.extend((mid[1] - 0.2, mid[1] + 0.2))
    ax.set_xlim(min(xs), max(xs))
    ax.set_ylim(min(ys), max(ys))
    ax.set_axis_off()
    handles = [Patch(facecolor=c, hatch=h, edgecolor="black", label=k or "component") for k, (c, h) in kind_style.items()]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(4, len(handles)), fontsize=8)
    ax.set_title(title or arch.title)
    _place_labels(fig, ax, _merged_labels(arcs, labels, pos), names)
    return fig


def _leader_in_the_middle(comps: list) -> list:
    """A row with a highlighted box (the leading master): standbys split around it, other kinds right beside it.

    Arrows to the leader from the rows above and below then fan out from the middle and never pass
    through a standby master (issue 12: readable at 3 masters x 4 agents x 2 frameworks).
    """
    leader = next((c for c in comps if c.highlight), None)
    if leader is None:
        return comps
    peers = [c for c in comps if c.kind == leader.kind and c is not leader]
    others = [c for c in comps if c.kind != leader.kind]
    half = len(peers) // 2
    return peers[:half] + [leader] + others + peers[half:]


def _row_gap(arch: Architecture, layers: dict[int, list]) -> float:
    """Vertical distance between rows: 1.2 units, more when many arrows run between two rows (room for labels)."""
    layer_of = {c.name: layer for layer, comps in layers.items() for c in comps}
    pairs: dict[tuple[int, int], set] = {}
    for f in arch.flows:
        if f.src in layer_of and f.dst in layer_of and f.count > 0 and layer_of[f.src] != layer_of[f.dst]:
            band = tuple(sorted((layer_of[f.src], layer_of[f.dst])))
            pairs.setdefault(band, set()).add(frozenset((f.src, f.dst)))
    busiest = max((len(v) for v in pairs.values()), default=0)
    return 1.2 + 0.15 * max(0, min(busiest, 8) - 2)


def _direction(p0: Point, p1: Point) -> str:
    """An arrow glyph for the way from p0 to p1 on the page: down, up, right or left."""
    (x0, y0), (x1, y1) = p0, p1
    if abs(y1 - y0) > 1e-9:
        return "\u25bc" if y1 < y0 else "\u25b2"
    return "\u25b6" if x1 > x0 else "\u25c0"


def _merged_labels(arcs: dict, labels: dict, pos: dict) -> list:
    """One label per pair of boxes: ``(points_along(t), text)``; two-way traffic gets one line per way, each
    opened by an arrow glyph for its direction, so a diagram has half as many labels to place."""
    out = []
    degree: dict[str, int] = {}
    for src, dst in labels:
        degree[src] = degree.get(src, 0) + 1
        degree[dst] = degree.get(dst, 0) + 1
    busy = len({frozenset(k) for k in labels}) > 6

    def named(src: str, dst: str, text: str) -> str:
        """In a busy diagram, say whose traffic a label counts: the end that is not the hub."""
        if not busy:
            return text
        other = src if degree[src] <= degree[dst] else dst
        return f"{other}:\n{text}"

    for (src, dst), lines in sorted(labels.items()):
        if (dst, src) in labels and dst < src:
            continue                                          # drawn with its partner
        if (dst, src) in labels:
            there, back = arcs[src, dst], arcs[dst, src]
            text = "\n".join([f"{_direction(pos[src], pos[dst])} {', '.join(lines)}",
                              f"{_direction(pos[dst], pos[src])} {', '.join(labels[dst, src])}"])
            out.append((lambda t, a=there, b=back: _middle(arc_point(*a, t), arc_point(*b, 1 - t)),
                        named(src, dst, text)))
        else:
            text = f"{_direction(pos[src], pos[dst])} " + ", ".join(lines)
            out.append((lambda t, a=arcs[src, dst]: arc_point(*a, t), named(src, dst, text)))
    return out


def _middle(a: Point, b: Point) -> Point:
    return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2


def _place_labels(fig: Figure, ax, placed: list, names) -> None:
    """Write each label at the first point along its arrow(s) (see ``_LABEL_TS``) clear of labels and box names.

    ``placed`` holds ``(points_along, text)``: ``points_along(t)`` is the point a fraction ``t``
    along the arrow, or midway between a pair of arrows. Sizes are measured in pixels after
    the layout is fixed; labels are kept out of the layout so that placing them cannot move
    the axes they were measured on.
    """
    if not placed:
        return
    texts = []
    for along, text in placed:
        t = ax.text(*along(0.5), text, ha="center", va="center", fontsize=6.5 if len(placed) > 6 else 7,
                    bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "0.7"})
        t.set_in_layout(False)
        texts.append((along, t))
    fig.draw_without_rendering()
    pad = 3.0    # pixels: the label's bbox patch plus a gap
    taken = [tuple(n.get_window_extent().padded(pad).extents) for n in names]
    boxes = [tuple(p.get_window_extent().extents) for p in ax.patches if isinstance(p, FancyBboxPatch)]
    for along, t in texts:
        ext = t.get_window_extent()
        w, h = ext.width / 2 + pad, ext.height / 2 + pad
        best = None
        for i, frac in enumerate(_LABEL_TS):
            point = along(frac)
            cx, cy = ax.transData.transform(point)
            rect = (cx - w, cy - h, cx + w, cy + h)
            score = (sum(_overlap(rect, o) for o in taken), sum(_overlap(rect, b) for b in boxes) > 0, i)
            if best is None or score < best[0]:
                best = (score, point, rect)
        t.set_position(best[1])
        taken.append(best[2])
