"""A question whose answer is YAML text: parsed like ``kubectl apply -f``, then judged.

The text is parsed with :func:`yaml.safe_load_all` (several documents separated by
``---`` are allowed; empty documents are dropped, as kubectl does). A syntax error
becomes an Error verdict with the line and column PyYAML reports and the offending
line. The lesson author's ``judge(docs) -> (passed, message)`` receives the list of
parsed documents, typically applies them to a fresh simulated cluster and inspects
the outcome; a :class:`labsupport.core.LabError` it raises (such as a manifest
validation error) is reported to the learner as an Error verdict.

>>> def judge(docs):
...     replicas = docs[0].get("spec", {}).get("replicas")
...     return replicas == 3, f"the Deployment asks for {replicas} replicas"
>>> q5 = ManifestQuestion("q5", judge, solution="spec:\\n  replicas: 3")
>>> print(q5.check("kind: Deployment\\nspec:\\n  replicas 3\\n  selector: {}"))
⚠ Error -- q5: your YAML does not parse: line 4, column 11: mapping values are not allowed here
    line 3: `  replicas 3`
    line 4: `  selector: {}`
  Next: YAML nests by indentation (spaces, never tabs) and needs `key: value` with a space after the colon.
"""
from __future__ import annotations

from typing import Any, ClassVar

import yaml

from labsupport.checks.compare import describe
from labsupport.checks.judged import Judge, JudgedQuestion
from labsupport.checks.placeholder import PLACEHOLDER_NAME
from labsupport.checks.question import Judgement, LearnerCodeError

__all__ = ["ManifestQuestion", "parse_manifests"]


def parse_manifests(text: str) -> list:
    """All non-empty YAML documents in ``text``; a syntax error raises LearnerCodeError with the line.

    >>> parse_manifests("a: 1\\n---\\n---\\nb: 2\\n")
    [{'a': 1}, {'b': 2}]
    """
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        nudge = "YAML nests by indentation (spaces, never tabs) and needs `key: value` with a space after the colon."
        if "\t" in text:
            nudge += " Your text contains a tab character: use spaces."
        if mark is None:
            raise LearnerCodeError(f"your YAML does not parse: {problem}", nudge) from None
        lines = text.splitlines()
        # PyYAML often notices a slip one line late (`replicas 3` is only an error at the next `key:`),
        # so show the line before the mark too.
        shown = "".join(f"\n    line {i + 1}: `{lines[i]}`" for i in (mark.line - 1, mark.line) if 0 <= i < len(lines))
        raise LearnerCodeError(
            f"your YAML does not parse: line {mark.line + 1}, column {mark.column + 1}: {problem}{shown}", nudge
        ) from None


class ManifestQuestion(JudgedQuestion):
    """The answer is YAML text; ``judge(docs)`` gets the parsed documents and returns ``(passed, message)``."""

    kind: ClassVar[str] = "manifest question"

    def __init__(self, name: str, judge: Judge, **kwargs: Any) -> None:
        super().__init__(name, judge, **kwargs)
        if not kwargs.get("nudge"):
            self.nudge = f"Compare your YAML with the example in the lesson, field by field; `{self.call}.hint()` helps."

    def _not_attempted(self, answer: Any) -> bool:
        return super()._not_attempted(answer) or (isinstance(answer, str) and PLACEHOLDER_NAME in answer)

    def _judge(self, answer: Any) -> Judgement:
        if not isinstance(answer, str):
            return Judgement(False, f"Expected YAML text in a string (use triple quotes), got {describe(answer)}.")
        docs = parse_manifests(answer)
        if not docs:
            return Judgement(False, "Your YAML is empty.")
        for i, doc in enumerate(docs, start=1):
            if not isinstance(doc, dict):
                return Judgement(
                    False,
                    f"Document {i} is {describe(doc)}, not a mapping of `key: value` fields.",
                    nudge="Each manifest starts with fields such as `apiVersion:` and `kind:` at the left margin.",
                )
        return self._call_judge(self.judge, docs, None, "applying your manifest")
