"""Every question in every labsupport.exercises module is complete, and its check rejects a plausible wrong answer.

A lesson author declares what this test needs on the question itself:
``hints=[...]``, ``solution="..."``, ``mistakes={wrong: "nudge"}`` (plain keys double as
wrong examples) or ``wrong_examples=[...]``, and ``solution_value=...`` for code and YAML
answers (value kinds use their ``expected`` value).
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import labsupport.exercises
from labsupport.checks import Question, Verdict, ____
from labsupport.checks.question import NO_VALUE
from labsupport.quiz import MultipleChoice, ShortAnswer


def lesson_modules() -> list[ModuleType]:
    names = sorted(m.name for m in pkgutil.iter_modules(labsupport.exercises.__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"labsupport.exercises.{name}") for name in names]


MODULES = lesson_modules()


def public(kind: type | tuple[type, ...]) -> list:
    return [
        pytest.param(module, attr, obj, id=f"{module.__name__.rsplit('.', 1)[-1]}.{attr}")
        for module in MODULES
        for attr, obj in sorted(vars(module).items())
        if isinstance(obj, kind) and not attr.startswith("_")
    ]


QUESTIONS = public(Question)
QUIZZES = public((MultipleChoice, ShortAnswer))


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_lesson_module_lists_its_questions_in_all(module):
    shown = {attr for attr, obj in vars(module).items()
             if isinstance(obj, (Question, MultipleChoice, ShortAnswer)) and not attr.startswith("_")}
    assert shown <= set(getattr(module, "__all__", ())), f"add {sorted(shown - set(module.__all__))} to __all__"


@pytest.mark.parametrize("module, attr, question", QUESTIONS)
def test_the_question_is_named_after_its_variable(module, attr, question):
    assert question.name == attr, f"{attr} = {type(question).__name__}({question.name!r}, ...): use {attr!r}"


@pytest.mark.parametrize("module, attr, question", QUESTIONS)
def test_the_question_has_a_hint_and_a_solution(module, attr, question):
    assert len(question.hints) >= 1, f"{attr}: give at least one hint"
    assert question.solution_text.strip()
    assert str(question.hint(1)).startswith(f"Hint 1 of {len(question.hints)} for {attr}")


@pytest.mark.parametrize("module, attr, question", QUESTIONS)
def test_the_question_rejects_its_plausible_wrong_answers_with_a_message(module, attr, question):
    examples = question.wrong_examples
    assert examples, f"{attr}: declare a plausible wrong answer (mistakes={{wrong: 'nudge'}} or wrong_examples=[...])"
    for wrong in examples:
        result = question.check(wrong)
        assert result.verdict in (Verdict.INCORRECT, Verdict.ERROR), f"{attr} accepted the wrong answer {wrong!r}"
        assert result.message.removeprefix(f"{attr}:").strip(), f"{attr}: empty message for {wrong!r}"
        assert result.nudge.strip(), f"{attr}: no nudge for {wrong!r}"


@pytest.mark.parametrize("module, attr, question", QUESTIONS)
def test_the_question_accepts_its_solution_value(module, attr, question):
    if question.solution_value is NO_VALUE:
        pytest.skip(f"{attr} declares no solution_value")
    result = question.check(question.solution_value)
    assert result.correct, str(result)
    assert result.insight.strip(), f"{attr}: add insight='...' (one line shown with a correct answer)"


@pytest.mark.parametrize("module, attr, question", QUESTIONS)
def test_the_placeholder_is_not_attempted(module, attr, question):
    assert question.check(____).verdict is Verdict.NOT_ATTEMPTED


@pytest.mark.parametrize("module, attr, quiz", QUIZZES)
def test_the_quiz_accepts_its_answer_and_explains_every_option(module, attr, quiz):
    assert quiz.name == attr, f"{attr}: pass name={attr!r} so the text form shows {attr}.answer(...)"
    if isinstance(quiz, MultipleChoice):
        for key in quiz.choices:
            result = quiz.answer(key)
            assert result.correct == (key == quiz.correct_key)
            assert quiz.explanations[key] in result.message
    elif quiz.accepted:
        assert all(quiz.answer(text).correct for text in quiz.accepted)


# --- the policy itself catches incomplete questions ---------------------------------------------------

from labsupport.checks import FunctionQuestion, NumberQuestion  # noqa: E402


@pytest.mark.parametrize(
    "test, question, complaint",
    [(test_the_question_rejects_its_plausible_wrong_answers_with_a_message,
      NumberQuestion("q1", 3, solution="3", hints=["count"]), "declare a plausible wrong answer"),
     (test_the_question_rejects_its_plausible_wrong_answers_with_a_message,
      NumberQuestion("q1", 3, solution="3", wrong_examples=[3.0]), "accepted the wrong answer 3.0"),
     (test_the_question_has_a_hint_and_a_solution, NumberQuestion("q1", 3, solution="3"), "give at least one hint"),
     (test_the_question_accepts_its_solution_value,
      FunctionQuestion("q1", [((1,), 2)], solution="x", solution_value=lambda n: n), "returned 1; expected 2"),
     (test_the_question_is_named_after_its_variable, NumberQuestion("q2", 3, solution="3"), "use 'q1'")],
    ids=["a question without wrong examples fails", "a wrong example the check accepts fails",
         "a question without hints fails", "a solution value the check rejects fails",
         "a question named unlike its variable fails"],
)
def test_the_policy_catches_an_incomplete_question(test, question, complaint):
    with pytest.raises(AssertionError, match=complaint):
        test(None, "q1", question)
