"""Questions judged by running the learner's work: :class:`JudgedQuestion` and :class:`ClassQuestion`.

The lesson author supplies ``judge``, a callable that takes the learner's answer,
runs it (for example a Mesos framework class in a fresh simulated cluster) and
returns ``(passed, message)``. Any exception escaping the judge -- usually raised
by the learner's own code -- becomes an Error verdict that names the exception and
the learner's method and line, so the learner never sees the judge's traceback.

>>> class Greedy:
...     def tasks_for(self, cpus):
...         return int(cpus)          # one 1-CPU task per offered CPU
>>> def judge(cls):
...     launched = cls().tasks_for(2.5)
...     return launched == 2, f"offered 2.5 CPUs, it launched {launched} tasks"
>>> print(ClassQuestion("q4", judge, solution="return int(cpus // 1)").check(Greedy))
✔ Correct -- q4: offered 2.5 CPUs, it launched 2 tasks
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from labsupport.checks.compare import describe
from labsupport.checks.question import Judged, Judgement

__all__ = ["ClassQuestion", "JudgedQuestion"]

Judge = Callable[[Any], "tuple[bool, str]"]


class JudgedQuestion(Judged):
    """Any answer, judged by ``judge(answer) -> (passed, message)``."""

    kind: ClassVar[str] = "judged question"

    def __init__(self, name: str, judge: Judge, **kwargs: Any) -> None:
        if not callable(judge):
            raise TypeError(f"judge of {name}: must be a callable returning (passed, message), got {judge!r}")
        super().__init__(name, **kwargs)
        self.judge = judge

    def _judge(self, answer: Any) -> Judgement:
        return self._call_judge(self.judge, answer, answer, "judging your answer")


class ClassQuestion(JudgedQuestion):
    """The answer must be a class; ``judge(cls)`` instantiates and runs it and returns ``(passed, message)``."""

    kind: ClassVar[str] = "class question"

    def _judge(self, answer: Any) -> Judgement:
        if not isinstance(answer, type):
            instance = not callable(answer) and type(answer).__module__ not in ("builtins",)
            return Judgement(
                False,
                f"Expected a class, got {describe(answer)}.",
                nudge=(f"Pass the class itself, `{self.call}.check(MyClass)`, not an instance `MyClass()`."
                       if instance else f"Define a class with `class ...:` and pass it to `{self.call}.check`."),
            )
        return self._call_judge(self.judge, answer, answer, f"running your class {answer.__name__}")
