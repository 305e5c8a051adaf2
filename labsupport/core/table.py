"""Tables that print like ``kubectl get`` or the Mesos web UI, as text and as HTML."""
from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

__all__ = ["Table"]


def _cell(value: Any) -> str:
    if value is None:
        return "<none>"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class Table:
    """Rows of named columns; iterates as dicts, renders as aligned text and an HTML table.

    >>> t = Table(["NAME", "READY"], [{"NAME": "web", "READY": "1/1"}])
    >>> print(t)
    NAME   READY
    web    1/1
    >>> t.rows[0]["READY"], len(t)
    ('1/1', 1)
    """

    def __init__(self, columns: Sequence[str], rows: Iterable[Mapping[str, Any]], title: str | None = None) -> None:
        self.columns = list(columns)
        self.rows = [dict(r) for r in rows]
        self.title = title

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict]:
        return iter(self.rows)

    def __getitem__(self, i: int) -> dict:
        return self.rows[i]

    def column(self, name: str) -> list:
        """All values of one column, top to bottom."""
        return [r.get(name) for r in self.rows]

    def __str__(self) -> str:
        cells = [self.columns] + [[_cell(r.get(c)) for c in self.columns] for r in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = ["   ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
        if not self.rows:
            lines.append("(no rows)")
        if self.title:
            lines.insert(0, self.title)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(_cell(r.get(c)))}</td>" for c in self.columns) + "</tr>"
            for r in self.rows
        )
        cap = f"<caption style='text-align:left'><b>{html.escape(self.title)}</b></caption>" if self.title else ""
        return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
