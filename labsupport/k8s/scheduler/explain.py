"""``Explanation``: the per-node story of one scheduling decision, as rows and a kubectl-style table.

Like kube-scheduler-simulator's result view: for every node, whether it passed the
Filters (and the first failing plugin's reason), each Score plugin's normalised
0-100 score *before* weighting, and the weighted total.

>>> e = Explanation("default/web", [
...     {"node": "n1", "feasible": True, "reason": None, "scores": {"NodeResourcesFit": 75}, "total": 75},
...     {"node": "n2", "feasible": False, "reason": "Insufficient cpu", "scores": {}, "total": None}], "n1")
>>> print(e)
Pod default/web -> n1
NODE   FEASIBLE   REASON             NodeResourcesFit   TOTAL
n1     true       <none>             75                 75
n2     false      Insufficient cpu   <none>             <none>
"""
from __future__ import annotations

from labsupport.core import Table

__all__ = ["Explanation"]


class Explanation:
    """``.rows`` (one mapping per node: node, feasible, reason, scores, total), ``.chosen`` and table reprs."""

    def __init__(self, pod: str, rows: list[dict], chosen: str | None, weights: dict | None = None,
                 message: str | None = None) -> None:
        self.pod = pod
        self.rows = rows
        self.chosen = chosen
        self.weights = dict(weights or {})
        #: the FailedScheduling message when no node fits
        self.message = message

    def plugins(self) -> list[str]:
        """Score plugins that took part, in profile order."""
        seen: list[str] = []
        for r in self.rows:
            for name in r["scores"]:
                if name not in seen:
                    seen.append(name)
        return seen

    def table(self) -> Table:
        """The rows as a :class:`~labsupport.core.Table` (one column per Score plugin)."""
        plugins = self.plugins()
        rows = []
        for r in self.rows:
            row = {"NODE": r["node"], "FEASIBLE": r["feasible"], "REASON": r["reason"], "TOTAL": r["total"]}
            for p in plugins:
                row[p] = r["scores"].get(p)
            rows.append(row)
        title = f"Pod {self.pod} -> {self.chosen}" if self.chosen else f"Pod {self.pod}: {self.message}"
        return Table(["NODE", "FEASIBLE", "REASON", *plugins, "TOTAL"], rows, title=title)

    def __str__(self) -> str:
        return str(self.table())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()
