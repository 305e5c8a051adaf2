"""Quick checks inside a lesson: multiple-choice and short-answer questions.

In JupyterLab a quiz renders as widgets (the choices, a **Check** button and the
explanation of the chosen option, right or wrong); in code, ``quiz.answer("b")``
returns the same :class:`labsupport.checks.Result` the exercise checks return. The
plain-text form lists the question and the choices and never contains widget ids,
so notebook tests that compare text outputs stay deterministic.

>>> q = MultipleChoice("Which component picks a node for a new Pod?",
...     choices={"a": "the kubelet", "b": "kube-scheduler", "c": "etcd"}, answer="b",
...     explanations={"a": "The kubelet runs Pods once they are bound to its node.",
...                   "b": "kube-scheduler filters and scores nodes, then binds the Pod.",
...                   "c": "etcd stores the cluster state; it decides nothing."})
>>> q
Which component picks a node for a new Pod?
  a) the kubelet
  b) kube-scheduler
  c) etcd
Answer with the buttons, or in code: .answer("a")
>>> print(q.answer("c"))
✘ Not yet -- c) etcd: etcd stores the cluster state; it decides nothing.
  Next: Try another option.
>>> q.answer("B").correct
True
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from labsupport.checks.placeholder import contains_placeholder
from labsupport.checks.result import Result, Verdict, _inline_html
from labsupport.core.errors import LabError
from labsupport.progress import record as record_progress

__all__ = ["MultipleChoice", "ShortAnswer", "normalize_text"]


def normalize_text(text: Any) -> str:
    """Case-folded text with surrounding space removed and inner runs of space collapsed.

    >>> normalize_text("  Kube-Scheduler\\n")
    'kube-scheduler'
    """
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _in_kernel() -> bool:
    """True inside a Jupyter kernel, where widgets can render."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the course
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _Quiz:
    """Shared display logic: text and HTML forms, and a widget inside a kernel."""

    def __init__(self, question: str, name: str) -> None:
        if not (isinstance(question, str) and question.strip()):
            raise LabError(f"question: must be non-empty text, got {question!r}")
        if not isinstance(name, str) or (name and not name.isidentifier()):
            raise LabError(f"name: must be the Python variable the quick check is assigned to (so the printed hint "
                           f"{name!s}.answer(...) can be typed), such as 'quiz_rbac'; got {name!r}")
        self.question = question
        self.name = name

    def _call(self, example: str) -> str:
        return f"{self.name}.answer({example})" if self.name else f".answer({example})"

    def __str__(self) -> str:
        return self._text()

    __repr__ = __str__

    def answer(self, response: Any) -> Result:
        """Judge the learner's response; a lesson's quick check is also recorded locally (:mod:`labsupport.progress`)."""
        result = self._answer(response)
        record_progress(self, result)
        return result

    def _answer(self, response: Any) -> Result:
        raise NotImplementedError

    def _text(self) -> str:
        raise NotImplementedError

    def _html(self) -> str:
        raise NotImplementedError

    def widget(self):
        """The interactive form: an ipywidgets VBox with the inputs, a Check button and the feedback."""
        raise NotImplementedError

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        data = {"text/plain": self._text(), "text/html": self._html()}
        if _in_kernel():
            bundle = self.widget()._repr_mimebundle_()
            if "application/vnd.jupyter.widget-view+json" in bundle:
                data["application/vnd.jupyter.widget-view+json"] = bundle["application/vnd.jupyter.widget-view+json"]
        return data

    @staticmethod
    def _form(inputs: list, on_check: Callable[[], Result | None], label: str):
        import ipywidgets as widgets

        button = widgets.Button(description="Check", tooltip=f"Check your answer to: {label}", icon="check")
        feedback = widgets.HTML(value="")

        def clicked(_button: Any) -> None:
            result = on_check()
            feedback.value = (
                "<div role='status'>Choose or type an answer first.</div>" if result is None else result._repr_html_()
            )

        button.on_click(clicked)
        return widgets.VBox([*inputs, button, feedback]), button, feedback


class MultipleChoice(_Quiz):
    """One right option among ``choices`` ({key: text}), with an explanation for every option.

    ``answer(key)`` accepts the key in any case; the Result's message quotes the chosen
    option and its explanation.
    """

    def __init__(
        self, question: str, *, choices: Mapping[str, str], answer: str, explanations: Mapping[str, str], name: str = "",
    ) -> None:
        super().__init__(question, name)
        choices = dict(choices)
        if len(choices) < 2:
            raise LabError(f"choices: give at least two options, got {list(choices)}")
        if answer not in choices:
            raise LabError(f"answer: {answer!r} is not one of the choices {list(choices)}")
        missing = [k for k in choices if not str(explanations.get(k, "")).strip()]
        if missing:
            raise LabError(f"explanations: every option needs one (right or wrong); missing for {missing}")
        extra = [k for k in explanations if k not in choices]
        if extra:
            raise LabError(f"explanations: {extra} are not among the choices {list(choices)}")
        self.choices = choices
        self.correct_key = answer
        self.explanations = dict(explanations)

    def _key(self, choice: Any) -> str | None:
        folded = {normalize_text(k): k for k in self.choices}
        return folded.get(normalize_text(choice))

    def _answer(self, choice: Any) -> Result:
        """Judge ``choice`` (an option key such as ``"b"``)."""
        if contains_placeholder(choice):
            return Result(Verdict.NOT_ATTEMPTED, f"pick one of {', '.join(self.choices)} and pass it as a string.")
        key = self._key(choice)
        if key is None:
            return Result(
                Verdict.INCORRECT,
                f"{choice!r} is not one of the options.",
                nudge=f"Answer with one of {', '.join(repr(k) for k in self.choices)}.",
            )
        said = f"{key}) {self.choices[key]}: {self.explanations[key]}"
        if key == self.correct_key:
            return Result(Verdict.CORRECT, said)
        return Result(Verdict.INCORRECT, said, nudge="Try another option.")

    def _text(self) -> str:
        lines = [self.question] + [f"  {k}) {v}" for k, v in self.choices.items()]
        first = next(iter(self.choices))
        lines.append(f'Answer with the buttons, or in code: {self._call(chr(34) + first + chr(34))}')
        return "\n".join(lines)

    def _html(self) -> str:
        items = "".join(f"<li><b>{html.escape(k)})</b> {_inline_html(v)}</li>" for k, v in self.choices.items())
        return (f"<div class='labsupport-quiz'><p><b>Quick check:</b> {_inline_html(self.question)}</p>"
                f"<ul style='list-style:none'>{items}</ul></div>")

    def widget(self):
        import ipywidgets as widgets

        prompt = widgets.HTML(value=f"<b>Quick check:</b> {_inline_html(self.question)}")
        radio = widgets.RadioButtons(
            options=[(f"{k}) {v}", k) for k, v in self.choices.items()], value=None,
            description="Answer:",  # the group's label, announced by screen readers; arrow keys move the choice
            layout=widgets.Layout(width="max-content"),
        )
        box, _, _ = self._form([prompt, radio], lambda: None if radio.value is None else self.answer(radio.value),
                               self.question)
        return box


class ShortAnswer(_Quiz):
    """A typed answer, right if it is in ``accept`` (compared case-folded, spaces collapsed) or ``accept(text)`` is true.

    ``mistakes`` maps known wrong answers to tailored feedback; ``explanation`` is
    shown once the answer is right.

    >>> q = ShortAnswer("Which Mesos component offers resources to frameworks?",
    ...     accept=["master", "the master", "mesos master"],
    ...     explanation="The master's allocator decides which framework is offered what.",
    ...     mistakes={"agent": "Agents advertise their resources; the master turns them into offers."})
    >>> print(q.answer("Agent"))
    ✘ Not yet -- 'Agent' is not it.
      Next: Agents advertise their resources; the master turns them into offers.
    >>> print(q.answer(" The Master"))
    ✔ Correct -- 'The Master' is right.
      Insight: The master's allocator decides which framework is offered what.
    """

    def __init__(
        self, question: str, *, accept: Iterable[Any] | Callable[[str], bool], explanation: str,
        mistakes: Mapping[str, str] | None = None, nudge: str = "", name: str = "",
    ) -> None:
        super().__init__(question, name)
        if callable(accept):
            self._accepts: Callable[[str], bool] = accept
            self.accepted: tuple[str, ...] = ()
        else:
            self.accepted = tuple(normalize_text(a) for a in accept)
            if not self.accepted:
                raise LabError("accept: give at least one accepted answer, or a predicate")
            self._accepts = lambda text: normalize_text(text) in self.accepted
        if not (isinstance(explanation, str) and explanation.strip()):
            raise LabError(f"explanation: must be non-empty text, got {explanation!r}")
        self.explanation = explanation
        self.mistakes = {normalize_text(k): v for k, v in (mistakes or {}).items()}
        self.nudge = nudge or "Reread the section above; the term is in the text."

    def _answer(self, text: Any) -> Result:
        """Judge the typed ``text``."""
        if contains_placeholder(text) or not str(text).strip():
            return Result(Verdict.NOT_ATTEMPTED, "type your answer as a string.")
        shown = str(text).strip()
        if self._accepts(shown):
            return Result(Verdict.CORRECT, f"{shown!r} is right.", insight=self.explanation)
        nudge = self.mistakes.get(normalize_text(shown), self.nudge)
        return Result(Verdict.INCORRECT, f"{shown!r} is not it.", nudge=nudge)

    def _text(self) -> str:
        return f"{self.question}\nAnswer in the box, or in code: {self._call(chr(34) + '...' + chr(34))}"

    def _html(self) -> str:
        return f"<div class='labsupport-quiz'><p><b>Quick check:</b> {_inline_html(self.question)}</p></div>"

    def widget(self):
        import ipywidgets as widgets

        prompt = widgets.HTML(value=f"<b>Quick check:</b> {_inline_html(self.question)}")
        box = widgets.Text(placeholder="your answer", description="Answer:")
        form, _, _ = self._form([prompt, box], lambda: self.answer(box.value) if box.value.strip() else None,
                                self.question)
        return form
