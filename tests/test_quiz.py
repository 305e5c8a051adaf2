"""labsupport.quiz: multiple-choice and short-answer quick checks, in code and as widgets."""
from __future__ import annotations

import pytest

from labsupport.checks import Verdict, ____
from labsupport.core import LabError
from labsupport.exercises.example import quiz1, quiz2
from labsupport.quiz import MultipleChoice, ShortAnswer

CHOICES = {"a": "the Mesos master", "b": "the framework's scheduler", "c": "the agent"}


def make_mc(**changes):
    kwargs = dict(choices=CHOICES, answer="b",
                  explanations={"a": "offers only", "b": "two-level scheduling", "c": "runs what it is told"})
    kwargs.update(changes)
    return MultipleChoice("Who picks the tasks?", **kwargs)


@pytest.mark.parametrize(
    "choice, verdict, message",
    [("b", Verdict.CORRECT, "b) the framework's scheduler: Right: two-level scheduling"),
     (" B ", Verdict.CORRECT, "b) the framework's scheduler"),
     ("a", Verdict.INCORRECT, "a) the Mesos master: The master decides which framework gets an offer"),
     ("c", Verdict.INCORRECT, "c) the agent: The agent advertises resources"),
     ("d", Verdict.INCORRECT, "'d' is not one of the options."),
     (____, Verdict.NOT_ATTEMPTED, "pick one of a, b, c")],
    ids=["the right key is correct", "the key in another case with spaces is accepted",
         "a wrong option shows its own explanation", "another wrong option shows its own explanation",
         "a key that is not an option says so", "the placeholder is not attempted"],
)
def test_multiple_choice_answer_explains_the_chosen_option(choice, verdict, message):
    result = quiz1.answer(choice)
    assert result.verdict is verdict
    assert message in result.message


def test_a_wrong_option_nudges_to_try_again_and_an_unknown_one_lists_the_keys():
    assert quiz1.answer("a").nudge == "Try another option."
    assert quiz1.answer("z").nudge == "Answer with one of 'a', 'b', 'c'."


def test_multiple_choice_prints_question_and_choices_deterministically():
    assert repr(quiz1) == (
        "Who decides which task runs on an offered agent in Mesos?\n"
        "  a) the Mesos master\n  b) the framework's scheduler\n  c) the agent\n"
        'Answer with the buttons, or in code: quiz1.answer("a")'
    )


def test_outside_a_kernel_the_bundle_is_text_and_html_only():
    bundle = quiz1._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == repr(quiz1) and "model_id" not in str(bundle)
    assert "<b>Quick check:</b>" in bundle["text/html"] and "<b>b)</b> the framework&#x27;s scheduler" in bundle["text/html"]


@pytest.mark.parametrize(
    "changes, field",
    [({"answer": "d"}, "answer: 'd' is not one of the choices"),
     ({"choices": {"a": "only one"}, "answer": "a", "explanations": {"a": "x"}}, "choices: give at least two"),
     ({"explanations": {"a": "x", "b": "y"}}, r"explanations: every option needs one .* missing for \['c'\]"),
     ({"explanations": {"a": "x", "b": "y", "c": "z", "e": "?"}}, r"explanations: \['e'\] are not among")],
    ids=["an answer that is not a choice", "a single choice", "an option without explanation",
         "an explanation for a missing option"],
)
def test_bad_multiple_choice_definitions_name_the_field(changes, field):
    with pytest.raises(LabError, match=field):
        make_mc(**changes)


def test_the_multiple_choice_widget_checks_the_selected_option():
    box = quiz1.widget()
    prompt, radio, button, feedback = box.children
    assert "Who decides" in prompt.value and radio.value is None
    assert [label for label, _ in radio.options] == ["a) the Mesos master", "b) the framework's scheduler", "c) the agent"]
    button.click()
    assert "Choose or type an answer first" in feedback.value
    radio.value = "c"
    button.click()
    assert "✘ Not yet" in feedback.value and "The agent advertises resources" in feedback.value
    radio.value = "b"
    button.click()
    assert "✔ Correct" in feedback.value


@pytest.mark.parametrize(
    "text, verdict, nudge",
    [("kube-apiserver", Verdict.CORRECT, ""), ("  The  API   Server ", Verdict.CORRECT, ""),
     ("Kube-Scheduler", Verdict.INCORRECT, "binds Pods through the API server"),
     ("etcd", Verdict.INCORRECT, "Reread the section above"),
     ("   ", Verdict.NOT_ATTEMPTED, ""), (____, Verdict.NOT_ATTEMPTED, "")],
    ids=["an accepted answer", "an accepted answer in other case and spacing", "a known mistake gets its nudge",
         "an unknown wrong answer gets the generic nudge", "blank text is not attempted", "the placeholder is not attempted"],
)
def test_short_answer(text, verdict, nudge):
    result = quiz2.answer(text)
    assert result.verdict is verdict
    assert nudge in result.nudge
    if verdict is Verdict.CORRECT:
        assert "etcd behind one validated interface" in result.insight


def test_short_answer_accepts_a_predicate():
    q = ShortAnswer("How many replicas?", accept=lambda t: t.strip() in {"3", "three"}, explanation="spec.replicas")
    assert q.answer("three").correct and not q.answer("4").correct


def test_short_answer_needs_an_accepted_answer_and_an_explanation():
    with pytest.raises(LabError, match="accept: give at least one"):
        ShortAnswer("?", accept=[], explanation="x")
    with pytest.raises(LabError, match="explanation: must be non-empty"):
        ShortAnswer("?", accept=["x"], explanation="")


def test_the_short_answer_widget_checks_the_typed_text():
    prompt, box, button, feedback = quiz2.widget().children
    box.value = "apiserver"
    button.click()
    assert "✔ Correct" in feedback.value
    assert repr(quiz2) == ("Which Kubernetes component is the only one that reads and writes etcd?\n"
                           'Answer in the box, or in code: quiz2.answer("...")')


def test_inside_a_kernel_the_bundle_adds_the_widget_but_keeps_the_plain_text(monkeypatch):
    import labsupport.quiz as quiz

    monkeypatch.setattr(quiz, "_in_kernel", lambda: True)
    bundle = quiz1._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"}
    assert bundle["text/plain"] == repr(quiz1)  # nbval compares this; the model id lives only in the widget view


@pytest.mark.parametrize(
    "name",
    ["quiz 1", "1st", "quiz-rbac", "quiz.answer"],
    ids=["a name with a space is refused", "a name starting with a digit is refused", "a name with a dash is refused",
         "a dotted name is refused"],
)
def test_a_quiz_name_that_is_not_a_python_variable_raises_naming_the_field(name):
    with pytest.raises(LabError, match=rf"name: must be the Python variable .*got {name!r}"):
        make_mc(name=name)
    with pytest.raises(LabError, match="name: must be the Python variable"):
        ShortAnswer("?", accept=["x"], explanation="x", name=name)


@pytest.mark.parametrize("name, hint", [("quiz_rbac", 'quiz_rbac.answer("a")'), ("", '.answer("a")')],
                         ids=["a variable name is printed in the hint", "no name prints the bare call"])
def test_a_quiz_name_that_is_a_python_variable_is_printed_in_the_hint(name, hint):
    assert repr(make_mc(name=name)).endswith(f"in code: {hint}")
