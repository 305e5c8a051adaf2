"""One look for every course figure: the Okabe-Ito palette, hatches, and a pyplot-free Figure.

Colour is never the only carrier of meaning: every series also gets a hatch pattern
(:data:`HATCHES`) or a text label, so the figures read in greyscale and for the ~8% of
men with a colour-vision deficiency. The palette is Okabe & Ito's "Color Universal
Design" set (https://jfly.uni-koeln.de/color/), the one Wong recommends in
*Nature Methods* 8, 441 (2011).

Figures are built with :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: pyplot keeps a registry of open figures that the inline backend shows at the
end of every cell, so a pyplot figure returned as a cell's last expression would appear
twice. A bare ``Figure`` shows exactly once (through its PNG representation) and is
freed when the last reference goes.

>>> fig = new_figure(2)
>>> len(fig.axes), fig.get_size_inches().tolist()
(2, [9.0, 4.5])
>>> png_bytes(new_figure(2)) == png_bytes(new_figure(2))   # same input, same bytes: no dates, no random ids
True
>>> color_for(0), hatch_for(1)
('#E69F00', '//')
"""
from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.figure import Figure

__all__ = [
    "OKABE_ITO",
    "SERIES_COLORS",
    "HATCHES",
    "FREE_COLOR",
    "FREE_HATCH",
    "CHOSEN_COLOR",
    "MARKERS",
    "PNG_METADATA",
    "color_for",
    "hatch_for",
    "new_figure",
    "png_bytes",
    "label_segment",
]

#: The eight Okabe-Ito colours, by name.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "black": "#000000",
}

#: Series colours in the order they are handed out (black is kept for text, outlines and markers).
SERIES_COLORS: tuple[str, ...] = tuple(OKABE_ITO[n] for n in (
    "orange", "sky blue", "bluish green", "blue", "vermillion", "reddish purple", "yellow"))

#: Hatch patterns handed out with the colours, so a series is told apart without colour.
HATCHES: tuple[str, ...] = ("", "//", "..", "xx", "\\\\", "oo", "--", "++")

#: Free (unused) capacity: white with a grey diagonal hatch and the word "free".
FREE_COLOR = "#FFFFFF"
FREE_HATCH = "///"

#: Outline of the element a figure wants the eye on (the chosen node, the leading master).
CHOSEN_COLOR = OKABE_ITO["black"]

#: Marker per event kind on timelines; shape carries the meaning, colour only repeats it.
MARKERS = {
    "failure": ("X", OKABE_ITO["vermillion"]),
    "recovery": ("P", OKABE_ITO["bluish green"]),
    "eviction": ("v", OKABE_ITO["reddish purple"]),
    "restart": ("o", OKABE_ITO["orange"]),
    "rescinded": ("x", OKABE_ITO["vermillion"]),
    "leader": ("*", OKABE_ITO["blue"]),
}

#: Passed to ``savefig``: drop the "Software" entry (it names the matplotlib version), keep PNG free of dates.
PNG_METADATA = {"Software": None}


def color_for(i: int) -> str:
    """The ``i``-th series colour (cycles after seven)."""
    return SERIES_COLORS[i % len(SERIES_COLORS)]


def hatch_for(i: int) -> str:
    """The ``i``-th hatch pattern (cycles after eight); series 0 is solid."""
    return HATCHES[i % len(HATCHES)]


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 4.5, height: float = 4.5,
               sharex: bool = False, sharey: bool = False, width_ratios: Sequence[float] | None = None) -> Figure:
    """A pyplot-free :class:`Figure` with ``nrows x ncols`` axes, constrained layout, 100 dpi.

    ``width`` and ``height`` are per panel, in inches.
    """
    fig = Figure(figsize=(width * ncols, height * nrows), dpi=100, layout="constrained")
    fig.subplots(nrows, ncols, sharex=sharex, sharey=sharey, squeeze=False,
                 gridspec_kw={"width_ratios": width_ratios} if width_ratios else None)
    return fig


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes, identical for identical figures (no timestamps, no version string)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=PNG_METADATA)
    return buf.getvalue()


def label_segment(ax, x: float, y: float, height: float, text: str, *, min_height: float, horizontal: bool = False,
                  length: float | None = None) -> None:
    """Write ``text`` in the middle of a bar segment when the segment is tall enough to hold it.

    For vertical bars the segment spans ``y .. y + height`` at ``x``; for horizontal bars
    (``horizontal=True``) it spans ``x .. x + length`` at row ``y``.
    """
    if horizontal:
        if length is not None and length >= min_height:
            ax.text(x + length / 2, y, text, ha="center", va="center", fontsize=7, clip_on=True,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})
        return
    if height >= min_height:
        ax.text(x, y + height / 2, text, ha="center", va="center", fontsize=7, clip_on=True,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})
