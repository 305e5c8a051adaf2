"""A question whose answer is a function: it is called on test cases and the first failing case is reported.

Each case is ``(args, expected)`` -- ``args`` a tuple of positional arguments (anything
else is the single argument) -- or a :class:`Case` with keyword arguments and a label.
Arguments are deep-copied for every call, so a function that mutates its input cannot
spoil the next case. ``mistakes`` keys are matched against the learner's *output* on
the first failing case.

>>> q2 = FunctionQuestion("q2", [((4, 1), 75.0), ((4, 4), 0.0)],
...     solution="def free_percent(capacity, requested):\\n    return (capacity - requested) / capacity * 100",
...     mistakes={25.0: "That is the used share; LeastAllocated scores the free share."})
>>> print(q2.check(lambda capacity, requested: requested / capacity * 100))
✘ Not yet -- q2: your_function(4, 1) returned 25.0; expected 75.0.
  Next: That is the used share; LeastAllocated scores the free share.
>>> print(q2.check(lambda capacity, requested: 1 / 0))
⚠ Error -- q2: your_function(4, 1) raised ZeroDivisionError: division by zero (in `<lambda>`, line 1).
  Next: Fix the error and run the check again; `q2.hint()` gives a hint.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from labsupport.checks.compare import describe, values_equal
from labsupport.checks.question import Judgement, LearnerCodeError, Question, describe_exception, learner_code_objects
from labsupport.core.errors import LabError

__all__ = ["Case", "FunctionQuestion"]


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: ``f(*args, **kwargs)`` should return ``expected``."""

    args: tuple
    expected: Any
    kwargs: dict = field(default_factory=dict)
    label: str = ""

    def call_text(self, function_name: str = "f") -> str:
        """How the call reads in feedback, e.g. ``score(4, 1)`` or ``score(4, requested=1)``, or the label."""
        if self.label:
            return self.label
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{function_name}(" + ", ".join(parts) + ")"


def _as_case(item: Any) -> Case:
    if isinstance(item, Case):
        return item
    if isinstance(item, tuple) and len(item) == 2:
        args, expected = item
        return Case(args if isinstance(args, tuple) else (args,), expected)
    raise LabError(f"cases: each case must be (args, expected) or a Case, got {item!r}")


class FunctionQuestion(Question):
    """The learner's function must return each case's expected value (numbers within ``tolerance``)."""

    kind: ClassVar[str] = "function question"
    mistakes_are_answers: ClassVar[bool] = False

    def __init__(self, name: str, cases: Iterable[Any], *, tolerance: float = 1e-9, rel_tol: float = 0.0, **kwargs: Any) -> None:
        cases = [_as_case(c) for c in cases]
        if not cases:
            raise LabError(f"cases of {name}: give at least one test case")
        super().__init__(name, **kwargs)
        self.cases, self.tolerance, self.rel_tol = tuple(cases), tolerance, rel_tol

    def _judge(self, answer: Any) -> Judgement:
        if isinstance(answer, type) or not callable(answer):
            return Judgement(
                False,
                f"Expected a function, got {describe(answer)}.",
                nudge=f"Pass the function itself, `{self.call}.check(my_function)`, not the result of calling it.",
            )
        codes = learner_code_objects(answer)
        fname = getattr(answer, "__name__", "")
        fname = fname if fname.isidentifier() else "your_function"
        for case in self.cases:
            try:
                got = answer(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            except Exception as e:
                raise LearnerCodeError(
                    f"{case.call_text(fname)} raised {describe_exception(e, codes)}."
                ) from None
            if not values_equal(got, case.expected, abs_tol=self.tolerance, rel_tol=self.rel_tol):
                return Judgement(
                    False, f"{case.call_text(fname)} returned {got!r}; expected {case.expected!r}.", subject=got
                )
        n = len(self.cases)
        return Judgement(True, f"your function passes all {n} test case{'s' if n > 1 else ''}.")

    def _matches(self, subject: Any, wrong: Any) -> bool:
        return values_equal(subject, wrong, abs_tol=self.tolerance, rel_tol=self.rel_tol)

