"""A question whose answer is a table: a :class:`labsupport.core.Table` or a list of dicts.

Only the named ``columns`` are compared, so a learner's extra columns do no harm.
With ``key`` (a column that names each row, such as ``"NAME"``) rows are matched by
that column and feedback names the row and column that differ.

>>> q = TableQuestion("q3", [{"POD": "web-1", "NODE": "node-a"}, {"POD": "web-2", "NODE": "node-b"}],
...     columns=["POD", "NODE"], key="POD", solution="Spread: one Pod per node.")
>>> print(q.check([{"POD": "web-1", "NODE": "node-a"}, {"POD": "web-2", "NODE": "node-a"}]))
✘ Not yet -- q3: Row POD='web-2': NODE ('node-a') is wrong.
  Next: Stuck? `q3.hint()` gives a hint.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from labsupport.checks.compare import describe, values_equal
from labsupport.checks.question import Judgement, Question
from labsupport.core.errors import LabError

__all__ = ["TableQuestion", "table_problem", "table_rows"]


def table_rows(answer: Any) -> list[dict] | None:
    """The rows of a Table (anything with a ``.rows`` list) or a list of dicts; None for anything else."""
    rows = getattr(answer, "rows", answer)
    if isinstance(rows, (list, tuple)) and all(isinstance(r, Mapping) for r in rows):
        return [dict(r) for r in rows]
    return None


def _row_text(row: Mapping, columns: Sequence[str]) -> str:
    return ", ".join(f"{c}={row.get(c)!r}" for c in columns)


def table_problem(
    got_rows: list[dict], want_rows: list[dict], columns: Sequence[str], *, key: str | None = None,
    ordered: bool = False, abs_tol: float = 0.0, rel_tol: float = 0.0,
) -> str | None:
    """None if the two row lists agree on ``columns``; else what differs (in the learner's terms).

    >>> table_problem([{"A": 1}], [{"A": 1}, {"A": 2}], ["A"])
    '1 row is missing (your table has 1 rows, the answer 2).'
    """
    have = set().union(*(r.keys() for r in got_rows)) if got_rows else set()
    missing_cols = [c for c in columns if c not in have]
    if got_rows and missing_cols:
        return f"Your table has no column {', '.join(map(repr, missing_cols))} (it has {', '.join(sorted(have))})."

    def same(g: Mapping, w: Mapping) -> bool:
        return all(values_equal(g.get(c), w.get(c), abs_tol=abs_tol, rel_tol=rel_tol) for c in columns)

    if key is not None:
        got_by = {r.get(key): r for r in got_rows}
        want_by = {r[key]: r for r in want_rows}
        if len(got_by) != len(got_rows):
            dup = next(k for k, n in Counter(r.get(key) for r in got_rows).items() if n > 1)
            return f"{key}={dup!r} appears in more than one row."
        parts = [f"There is no row with {key}={k!r}." for k in want_by if k not in got_by]
        parts += [f"Row {key}={k!r} should not be there." for k in got_by if k not in want_by]
        for k, w in want_by.items():
            if k in got_by:
                bad = [c for c in columns if not values_equal(got_by[k].get(c), w.get(c), abs_tol=abs_tol, rel_tol=rel_tol)]
                parts += [f"Row {key}={k!r}: {c} ({got_by[k].get(c)!r}) is wrong." for c in bad]
        if ordered and not parts and [r.get(key) for r in got_rows] != list(want_by):
            parts.append("The right rows, in the wrong order.")
        return " ".join(parts[:3]) or None
    if ordered:
        for i, (g, w) in enumerate(zip(got_rows, want_rows, strict=False), start=1):
            if not same(g, w):
                return f"Row {i} ({_row_text(g, columns)}) is wrong."
    else:
        unmatched = list(want_rows)
        extra = []
        for g in got_rows:
            j = next((j for j, w in enumerate(unmatched) if same(g, w)), None)
            if j is None:
                extra.append(g)
            else:
                unmatched.pop(j)
        if extra:
            return f"Row ({_row_text(extra[0], columns)}) should not be there" + (
                f", and {len(extra) - 1} more rows are wrong." if len(extra) > 1 else "."
            )
        if unmatched:
            n = len(unmatched)
            return f"{n} row{'s are' if n > 1 else ' is'} missing (your table has {len(got_rows)} rows, the answer {len(want_rows)})."
    if len(got_rows) != len(want_rows):
        return f"Your table has {len(got_rows)} rows, the answer {len(want_rows)}."
    return None


class TableQuestion(Question):
    """The answer's rows must match ``expected`` on ``columns`` (in order only if ``ordered``)."""

    kind: ClassVar[str] = "table question"

    def __init__(
        self, name: str, expected: Any, *, columns: Iterable[str], key: str | None = None, ordered: bool = False,
        tolerance: float = 1e-9, rel_tol: float = 0.0, **kwargs: Any,
    ) -> None:
        rows = table_rows(expected)
        columns = list(columns)
        if rows is None:
            raise LabError(f"expected of {name}: must be a Table or a list of dicts, got {expected!r}")
        if not columns:
            raise LabError(f"columns of {name}: name at least one column to compare")
        if key is not None and key not in columns:
            raise LabError(f"key of {name}: {key!r} must be one of the columns {columns}")
        kwargs.setdefault("solution_value", expected)
        super().__init__(name, **kwargs)
        self.expected_rows, self.columns, self.key, self.ordered = rows, columns, key, ordered
        self.tolerance, self.rel_tol = tolerance, rel_tol

    def _problem(self, answer: Any) -> str | None:
        rows = table_rows(answer)
        if rows is None:
            return f"Expected a Table or a list of dicts (one per row), got {describe(answer)}."
        return table_problem(rows, self.expected_rows, self.columns, key=self.key, ordered=self.ordered,
                             abs_tol=self.tolerance, rel_tol=self.rel_tol)

    def _judge(self, answer: Any) -> Judgement:
        problem = self._problem(answer)
        return Judgement(problem is None, problem or f"All {len(self.expected_rows)} rows match on {', '.join(self.columns)}.")

    def _matches(self, subject: Any, wrong: Any) -> bool:
        wrong_rows = table_rows(wrong)
        rows = table_rows(subject)
        return wrong_rows is not None and rows is not None and table_problem(
            rows, wrong_rows, self.columns, key=self.key, ordered=self.ordered,
            abs_tol=self.tolerance, rel_tol=self.rel_tol) is None
