"""The :class:`Question` every check builds on: hints, a solution, known mistakes, and ``check``.

``check(answer)`` runs the same steps for every kind of question:

1. an answer that is or contains ``____`` -> "not attempted yet";
2. the kind's ``_judge`` decides right or wrong and says what is wrong;
3. an exception raised by the learner's own code -> an "Error" verdict naming the
   exception and the learner's function and line (never a traceback);
4. a wrong answer that matches a known mistake gets that mistake's tailored nudge,
   anything else a generic nudge towards ``hint()``.

Subclasses only implement ``_judge``; see :mod:`labsupport.checks.values` and friends.
"""
from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from labsupport.checks.compare import values_equal
from labsupport.checks.placeholder import PLACEHOLDER_NAME, contains_placeholder
from labsupport.checks.result import Note, Result, Verdict
from labsupport.core.errors import LabError
from labsupport.core.timelimit import TimeLimitExceeded, time_limit
from labsupport.progress import record as record_progress

__all__ = ["Judged", "Judgement", "LearnerCodeError", "NO_VALUE", "Question", "describe_exception", "learner_code_objects"]


class _NoValue:
    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()
"""Marks "no solution value given" (``None`` can be a real answer)."""


@dataclass(frozen=True)
class Judgement:
    """What a question's ``_judge`` decided: ``passed``, a one-line ``message``, the
    ``subject`` that known mistakes are matched against (the answer itself, unless the
    kind says otherwise), and optionally a ``nudge`` that overrides the known mistakes."""

    passed: bool
    message: str
    subject: Any = NO_VALUE
    nudge: str = ""


class LearnerCodeError(Exception):
    """Raised by a ``_judge`` when the learner's work failed to run; ``check`` turns it into an Error verdict.

    ``nudge`` (optional) replaces the generic advice shown under the message.
    """

    def __init__(self, message: str, nudge: str = "") -> None:
        super().__init__(message)
        self.nudge = nudge


def learner_code_objects(obj: Any) -> set[types.CodeType]:
    """Code objects of a function, or of every method of a class, including nested functions."""
    found: set[types.CodeType] = set()

    def add_code(code: types.CodeType) -> None:
        found.add(code)
        for c in code.co_consts:
            if isinstance(c, types.CodeType):
                add_code(c)

    def add(o: Any) -> None:
        if isinstance(o, (staticmethod, classmethod, types.MethodType)):
            o = o.__func__
        if isinstance(o, property):
            for f in (o.fget, o.fset, o.fdel):
                if f is not None:
                    add(f)
        elif isinstance(o, types.FunctionType):
            add_code(o.__code__)
        elif isinstance(o, type):
            for v in vars(o).values():
                if isinstance(v, (types.FunctionType, staticmethod, classmethod, property)):
                    add(v)

    add(obj)
    return found


def describe_exception(exc: BaseException, learner_codes: set[types.CodeType] = frozenset()) -> str:
    """``"ZeroDivisionError: division by zero (in `score`, line 3)"``: the exception and the
    innermost frame of the learner's own code it passed through, if any.

    >>> try:
    ...     1 / 0
    ... except ZeroDivisionError as e:
    ...     describe_exception(e)
    'ZeroDivisionError: division by zero'
    """
    where = ""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        if tb.tb_frame.f_code in learner_codes:
            last = tb
        tb = tb.tb_next
    if last is not None:
        where = f" (in `{last.tb_frame.f_code.co_name}`, line {last.tb_lineno})"
    text = str(exc)
    return f"{type(exc).__name__}: {text}{where}" if text else f"{type(exc).__name__}{where}"


def _pairs(mistakes: Mapping[Any, str] | Iterable[tuple[Any, str]]) -> list[tuple[Any, str]]:
    items = list(mistakes.items()) if isinstance(mistakes, Mapping) else list(mistakes)
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str) and item[1]):
            raise LabError(f"mistakes: each entry must be (wrong answer or predicate, message), got {item!r}")
    return items


class Question:
    """One exercise question: ``check(answer)``, ``hint(n)``, ``solution()``.

    Parameters shared by every kind (all keyword-only after ``name``):

    * ``name`` -- the variable the lesson module binds it to (``"q1"``), used in messages;
    * ``prompt`` -- one sentence restating the task (shown when the question is displayed);
    * ``hints`` -- hints in the order they should be read, gentlest first;
    * ``solution`` -- a worked answer (text or code) shown by ``solution()``;
    * ``insight`` -- the one line added to a correct verdict;
    * ``mistakes`` -- known wrong answers and the tailored nudge for each, as a dict
      ``{wrong: "message"}`` or a list of pairs (for unhashable answers). A callable key is a
      predicate called with the judged subject; a plain key is compared with it;
    * ``nudge`` -- the fallback nudge for a wrong answer that matches no known mistake;
    * ``wrong_examples`` -- plausible wrong answers the course tests feed to ``check`` to
      prove it rejects them (kinds whose mistakes are answers add those automatically);
    * ``solution_value`` -- an answer the tests expect ``check`` to accept.
    """

    kind: ClassVar[str] = "question"
    #: True when plain keys of ``mistakes`` are whole answers (so they double as wrong examples).
    mistakes_are_answers: ClassVar[bool] = True

    @property
    def call(self) -> str:
        """How a learner types this question: ``ex.q1`` for a question of an exercise module (every exercise
        notebook imports ``labsupport.exercises.lessonNN as ex``), else its plain name ``q1``."""
        return f"ex.{self.name}" if self.defined_in.startswith("labsupport.exercises.") else self.name

    def __init__(
        self,
        name: str,
        *,
        prompt: str = "",
        hints: Iterable[str] = (),
        solution: str,
        insight: str = "",
        mistakes: Mapping[Any, str] | Iterable[tuple[Any, str]] = (),
        nudge: str = "",
        wrong_examples: Iterable[Any] = (),
        solution_value: Any = NO_VALUE,
    ) -> None:
        if not (isinstance(name, str) and name.isidentifier()):
            raise LabError(f"name: must be the question's variable name such as 'q1', got {name!r}")
        hints = list(hints) if not isinstance(hints, str) else [hints]
        for i, h in enumerate(hints, start=1):
            if not (isinstance(h, str) and h.strip()):
                raise LabError(f"hints[{i}] of {name}: must be non-empty text, got {h!r}")
        if not (isinstance(solution, str) and solution.strip()):
            raise LabError(f"solution of {name}: must be non-empty text, got {solution!r}")
        self.name = name
        #: how a learner types this question in code (see :attr:`call`)
        self.defined_in = _defining_module()
        self.prompt = prompt
        self.hints = tuple(hints)
        self.solution_text = solution
        self.insight = insight
        self.mistakes = tuple(_pairs(mistakes))
        self.nudge = nudge
        self._wrong_examples = tuple(wrong_examples)
        self.solution_value = solution_value

    # -- what kinds implement ------------------------------------------------------------
    def _judge(self, answer: Any) -> Judgement:
        raise NotImplementedError

    def _matches(self, subject: Any, wrong: Any) -> bool:
        """Does the judged subject equal a known wrong answer? Kinds override for sets, tolerances..."""
        return values_equal(subject, wrong)

    def _not_attempted(self, answer: Any) -> bool:
        return contains_placeholder(answer)

    # -- the public surface --------------------------------------------------------------
    @property
    def wrong_examples(self) -> tuple:
        """Plausible wrong answers: the ``wrong_examples`` given, then the plain ``mistakes`` keys."""
        derived = tuple(k for k, _ in self.mistakes if not callable(k)) if self.mistakes_are_answers else ()
        return self._wrong_examples + derived

    def check(self, answer: Any) -> Result:
        """Judge ``answer``: Correct, Not yet (with what is wrong and a nudge), Not attempted yet, or Error.

        The verdict of a lesson's question is also recorded locally (:mod:`labsupport.progress`).
        """
        result = self._check(answer)
        record_progress(self, result)
        return result

    def _check(self, answer: Any) -> Result:
        if self._not_attempted(answer):
            return Result(
                Verdict.NOT_ATTEMPTED,
                f"{self.name}: replace `{PLACEHOLDER_NAME}` with your answer, then run this cell again.",
                nudge=f"`{self.call}.hint()` gives a hint if you are unsure where to start.",
            )
        try:
            with time_limit(_learner_name(answer)):
                judgement = self._judge(answer)
        except TimeLimitExceeded as e:
            return Result(
                Verdict.ERROR,
                f"{self.name}: {e} Your code never returned; look for a loop that does not end.",
                nudge=f"Fix the loop and run the check again; `{self.call}.hint()` gives a hint.",
            )
        except LearnerCodeError as e:
            return Result(
                Verdict.ERROR,
                f"{self.name}: {e}",
                nudge=e.nudge or f"Fix the error and run the check again; `{self.call}.hint()` gives a hint.",
            )
        if judgement.passed:
            return Result(Verdict.CORRECT, f"{self.name}: {judgement.message}", insight=self.insight)
        subject = answer if judgement.subject is NO_VALUE else judgement.subject
        nudge = judgement.nudge or self._nudge_for(subject)
        return Result(Verdict.INCORRECT, f"{self.name}: {judgement.message}", nudge=nudge)

    def _nudge_for(self, subject: Any) -> str:
        for wrong, message in self.mistakes:
            try:
                hit = wrong(subject) if callable(wrong) else self._matches(subject, wrong)
            except Exception:  # a predicate that cannot handle this answer does not match it
                hit = False
            if hit:
                return message
        return self.nudge or f"Stuck? `{self.call}.hint()` gives a hint."

    def hint(self, n: int = 1) -> Note:
        """Hint number ``n`` (1 = the gentlest); asking past the last one says so."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise LabError(f"hint: n must be a whole number 1 or more, got {n!r}") from None
        total = len(self.hints)
        if total == 0:
            return Note(f"{self.name} has no hints", f"`{self.call}.solution()` shows a worked answer.")
        if n > total:
            return Note(
                f"{self.name} has only {total} hint{'s' if total > 1 else ''}",
                f"`{self.call}.hint({total})` was the last one. `{self.call}.solution()` shows a worked answer.",
            )
        return Note(f"Hint {n} of {total} for {self.name}", self.hints[n - 1])

    def solution(self) -> Note:
        """A worked answer. Try the hints first: the struggle is where the learning happens."""
        return Note(f"Solution to {self.name}", self.solution_text)

    def _describe(self) -> Note:
        hints = f"`{self.call}.hint()` .. `{self.call}.hint({len(self.hints)})`, " if self.hints else ""
        body = (self.prompt + "\n" if self.prompt else "") + (
            f"Check with `{self.call}.check(answer)`; {hints}`{self.call}.solution()`."
        )
        return Note(f"{self.name} ({self.kind})", body)

    def __repr__(self) -> str:
        return str(self._describe())

    def _repr_html_(self) -> str:
        return self._describe()._repr_html_()


class Judged(Question):
    """Helper base for kinds whose verdict comes from an author-supplied ``judge`` callable."""

    mistakes_are_answers: ClassVar[bool] = False

    @staticmethod
    def _call_judge(judge: Callable[..., Any], subject: Any, learner: Any, what: str) -> Judgement:
        """Run ``judge(subject)``; turn an exception into LearnerCodeError naming the learner's frame."""
        try:
            verdict = judge(subject)
        except Exception as e:
            codes = learner_code_objects(learner)
            raise LearnerCodeError(f"{what} raised {describe_exception(e, codes)}") from None
        if not (isinstance(verdict, tuple) and len(verdict) == 2 and isinstance(verdict[1], str)):
            raise TypeError(f"judge must return (passed: bool, message: str), got {verdict!r}")
        return Judgement(bool(verdict[0]), verdict[1], subject)


def _learner_name(answer: Any) -> str:
    """How a check names the learner's work in a time-limit message: ``pack`` for a function or class."""
    name = getattr(answer, "__name__", "")
    return name if isinstance(name, str) and name.isidentifier() else "your answer"


def _defining_module() -> str:
    """The module that built a question (the first caller outside labsupport.checks)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("labsupport.checks"):
        frame = frame.f_back
    return frame.f_globals.get("__name__", "") if frame is not None else ""
