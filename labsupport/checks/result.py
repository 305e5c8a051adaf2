"""What a check says back: a :class:`Result` (verdict, message, insight or nudge) and a :class:`Note`.

Both print as plain text (words and symbols, so nothing depends on colour) and
render as HTML in JupyterLab. The first line of the text always starts with the
verdict's symbol and label, e.g. ``✔ Correct`` or ``✘ Not yet``, so a test that
reads a notebook's text outputs can recover the verdict with :meth:`Verdict.from_text`.

>>> r = Result(Verdict.CORRECT, "q1: 2.5 CPUs are left on node-a.", insight="The scheduler subtracts requests, not usage.")
>>> print(r)
✔ Correct -- q1: 2.5 CPUs are left on node-a.
  Insight: The scheduler subtracts requests, not usage.
>>> r.correct, Verdict.from_text(str(r))
(True, <Verdict.CORRECT: 'correct'>)
"""
from __future__ import annotations

import enum
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Note", "Result", "Verdict", "verdicts_in_outputs"]


class Verdict(enum.Enum):
    """The four outcomes of a check."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    NOT_ATTEMPTED = "not attempted"
    ERROR = "error"

    @property
    def label(self) -> str:
        """Symbol and words shown to the learner, e.g. ``"✘ Not yet"``."""
        return _LABELS[self]

    @classmethod
    def from_text(cls, text: str) -> Verdict | None:
        """The verdict whose label starts ``text`` (a Result's printed form), or None.

        >>> Verdict.from_text("○ Not attempted yet -- q2: ...")
        <Verdict.NOT_ATTEMPTED: 'not attempted'>
        """
        for verdict, label in _LABELS.items():
            if text.lstrip().startswith(label):
                return verdict
        return None


_LABELS = {
    Verdict.CORRECT: "✔ Correct",
    Verdict.INCORRECT: "✘ Not yet",
    Verdict.NOT_ATTEMPTED: "○ Not attempted yet",
    Verdict.ERROR: "⚠ Error",
}
# Border colours are decoration only: the label words carry the meaning (Okabe-Ito palette).
_BORDER = {
    Verdict.CORRECT: "#009E73",
    Verdict.INCORRECT: "#D55E00",
    Verdict.NOT_ATTEMPTED: "#999999",
    Verdict.ERROR: "#E69F00",
}


def _inline_html(text: str) -> str:
    """Escape ``text`` for HTML and turn ```code``` spans into ``<code>``."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


@dataclass(frozen=True)
class Result:
    """The outcome of ``question.check(answer)`` or ``quiz.answer(choice)``.

    ``message`` says what was judged; ``insight`` (when correct) adds one line on
    why it matters; ``nudge`` (when not correct) points the way without giving the
    answer away.
    """

    verdict: Verdict
    message: str
    insight: str = ""
    nudge: str = ""

    @property
    def correct(self) -> bool:
        """True only for :attr:`Verdict.CORRECT`."""
        return self.verdict is Verdict.CORRECT

    def _extra_lines(self) -> list[tuple[str, str]]:
        lines = []
        if self.insight:
            lines.append(("Insight", self.insight))
        if self.nudge:
            lines.append(("Next", self.nudge))
        return lines

    def __str__(self) -> str:
        head = f"{self.verdict.label} -- {self.message}"
        return "\n".join([head] + [f"  {k}: {v}" for k, v in self._extra_lines()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        extra = "".join(f"<div><b>{k}:</b> {_inline_html(v)}</div>" for k, v in self._extra_lines())
        return (
            f"<div role='status' class='labsupport-result' data-verdict='{self.verdict.value}' "
            f"style='border-left:6px solid {_BORDER[self.verdict]};padding:4px 10px;margin:2px 0'>"
            f"<div><b>{html.escape(self.verdict.label)}</b> &mdash; {_inline_html(self.message)}</div>{extra}</div>"
        )


@dataclass(frozen=True)
class Note:
    """A titled block of text: a hint, a solution, a question's description.

    >>> print(Note("Hint 1 of 2 for q1", "Requests, not usage."))
    Hint 1 of 2 for q1
      Requests, not usage.
    """

    title: str
    body: str

    def __str__(self) -> str:
        body = "\n".join(("  " + line).rstrip() for line in self.body.splitlines())
        return f"{self.title}\n{body}" if body else self.title

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return (
            "<div class='labsupport-note' style='border-left:6px solid #56B4E9;padding:4px 10px;margin:2px 0'>"
            f"<div><b>{html.escape(self.title)}</b></div>"
            f"<div style='white-space:pre-wrap'>{_inline_html(self.body)}</div></div>"
        )


def verdicts_in_outputs(outputs: Iterable[Mapping]) -> list[tuple[Verdict, str]]:
    """Every verdict shown in a notebook cell's outputs, with its line: for testing notebooks both ways.

    Reads the ``text/plain`` of results and displays and the text of printed streams.

    >>> verdicts_in_outputs([{"output_type": "execute_result", "data": {"text/plain": "✘ Not yet -- q1: 4 is too high."}},
    ...                      {"output_type": "stream", "name": "stdout", "text": "hello\\n○ Not attempted yet -- q2: ...\\n"}])
    [(<Verdict.INCORRECT: 'incorrect'>, '✘ Not yet -- q1: 4 is too high.'), (<Verdict.NOT_ATTEMPTED: 'not attempted'>, '○ Not attempted yet -- q2: ...')]
    """
    found = []
    for out in outputs:
        texts = [out.get("data", {}).get("text/plain", "")]
        if out.get("output_type") == "stream":
            texts.append(out.get("text", ""))
        for text in texts:
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                verdict = Verdict.from_text(line)
                if verdict is not None:
                    found.append((verdict, line.strip()))
    return found
