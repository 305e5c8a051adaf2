"""Questions whose answer is a value: exact, a number with a tolerance, a set, a sequence, a mapping.

>>> q1 = NumberQuestion("q1", expected=2.5, tolerance=0.01,
...     hints=["Allocatable minus the requests of the Pods already on the node."],
...     solution="4 CPUs allocatable - 1.5 CPUs requested = 2.5 CPUs.",
...     insight="The scheduler subtracts requests, not measured usage.",
...     mistakes={4: "4 is the node's allocatable CPU: subtract what the Pods request."})
>>> print(q1.check(4))
✘ Not yet -- q1: 4 is too high.
  Next: 4 is the node's allocatable CPU: subtract what the Pods request.
>>> print(q1.check(2.5))
✔ Correct -- q1: 2.5 is right.
  Insight: The scheduler subtracts requests, not measured usage.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from labsupport.checks.compare import (
    describe,
    is_number,
    mapping_problem,
    number_problem,
    sequence_problem,
    set_problem,
    values_equal,
)
from labsupport.checks.question import Judgement, Question
from labsupport.core.errors import LabError

__all__ = ["MappingQuestion", "NumberQuestion", "SequenceQuestion", "SetQuestion", "ValueQuestion"]


class ValueQuestion(Question):
    """The answer must equal ``expected`` exactly (a name, a state such as ``"TASK_RUNNING"``, a bool)."""

    kind: ClassVar[str] = "value question"

    def __init__(self, name: str, expected: Any, **kwargs: Any) -> None:
        kwargs.setdefault("solution_value", expected)
        super().__init__(name, **kwargs)
        self.expected = expected

    def _judge(self, answer: Any) -> Judgement:
        if values_equal(answer, self.expected):
            return Judgement(True, f"{answer!r} is right.")
        if type(answer) is not type(self.expected) and not (is_number(answer) and is_number(self.expected)):
            want = "a number" if is_number(self.expected) else f"a {type(self.expected).__name__}"
            if isinstance(self.expected, str):
                want = "text (in quotes)"
            return Judgement(False, f"Expected {want}, got {describe(answer)}.")
        return Judgement(False, f"{answer!r} is not it.")


class NumberQuestion(Question):
    """The answer must be a number within ``tolerance`` (absolute) or ``rel_tol`` (relative) of ``expected``.

    Feedback says "too high" or "too low" and spots unit slips (x1000, x1024) and sign errors.
    """

    kind: ClassVar[str] = "number question"

    def __init__(self, name: str, expected: float, *, tolerance: float = 1e-9, rel_tol: float = 0.0, **kwargs: Any) -> None:
        if not is_number(expected):
            raise LabError(f"expected of {name}: must be a number, got {expected!r}")
        if not (is_number(tolerance) and tolerance >= 0 and is_number(rel_tol) and rel_tol >= 0):
            raise LabError(f"tolerance of {name}: tolerance and rel_tol must be numbers >= 0")
        kwargs.setdefault("solution_value", expected)
        super().__init__(name, **kwargs)
        self.expected, self.tolerance, self.rel_tol = expected, tolerance, rel_tol

    def _judge(self, answer: Any) -> Judgement:
        problem = number_problem(answer, self.expected, abs_tol=self.tolerance, rel_tol=self.rel_tol)
        if problem is None:
            shown = f"{answer:g}" if isinstance(answer, float) else str(answer)
            return Judgement(True, f"{shown} is right.")
        return Judgement(False, problem)

    def _matches(self, subject: Any, wrong: Any) -> bool:
        return is_number(subject) and values_equal(subject, wrong, abs_tol=self.tolerance, rel_tol=self.rel_tol)


class SetQuestion(Question):
    """The answer must hold the same items as ``expected``; order and repeats do not matter."""

    kind: ClassVar[str] = "set question"

    def __init__(self, name: str, expected: Iterable, **kwargs: Any) -> None:
        expected = frozenset(expected)
        kwargs.setdefault("solution_value", set(expected))
        super().__init__(name, **kwargs)
        self.expected = expected

    def _judge(self, answer: Any) -> Judgement:
        problem = set_problem(answer, self.expected)
        return Judgement(problem is None, problem or f"All {len(self.expected)} items, and nothing else.")

    def _matches(self, subject: Any, wrong: Any) -> bool:
        return set_problem(subject, wrong) is None


class SequenceQuestion(Question):
    """The answer must list ``expected``'s items in the same order (numbers within ``tolerance``)."""

    kind: ClassVar[str] = "sequence question"

    def __init__(self, name: str, expected: Iterable, *, tolerance: float = 1e-9, rel_tol: float = 0.0, **kwargs: Any) -> None:
        expected = list(expected)
        kwargs.setdefault("solution_value", expected)
        super().__init__(name, **kwargs)
        self.expected, self.tolerance, self.rel_tol = expected, tolerance, rel_tol

    def _judge(self, answer: Any) -> Judgement:
        problem = sequence_problem(answer, self.expected, abs_tol=self.tolerance, rel_tol=self.rel_tol)
        return Judgement(problem is None, problem or f"All {len(self.expected)} items, in the right order.")

    def _matches(self, subject: Any, wrong: Any) -> bool:
        return sequence_problem(subject, wrong, abs_tol=self.tolerance, rel_tol=self.rel_tol) is None


class MappingQuestion(Question):
    """The answer must be a dict with exactly ``expected``'s keys and equal values (numbers within ``tolerance``)."""

    kind: ClassVar[str] = "mapping question"

    def __init__(self, name: str, expected: Mapping, *, tolerance: float = 1e-9, rel_tol: float = 0.0, **kwargs: Any) -> None:
        expected = dict(expected)
        kwargs.setdefault("solution_value", expected)
        super().__init__(name, **kwargs)
        self.expected, self.tolerance, self.rel_tol = expected, tolerance, rel_tol

    def _judge(self, answer: Any) -> Judgement:
        problem = mapping_problem(answer, self.expected, abs_tol=self.tolerance, rel_tol=self.rel_tol)
        return Judgement(problem is None, problem or "Every key is there, with the right value.")

    def _matches(self, subject: Any, wrong: Any) -> bool:
        return mapping_problem(subject, wrong, abs_tol=self.tolerance, rel_tol=self.rel_tol) is None


