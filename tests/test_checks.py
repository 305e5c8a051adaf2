"""labsupport.checks: verdicts, nudges, hints, the ____ placeholder, learner errors, rendering."""
from __future__ import annotations

import copy
import pickle
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labsupport.checks import (
    Case,
    ClassQuestion,
    FunctionQuestion,
    JudgedQuestion,
    ManifestQuestion,
    NumberQuestion,
    Question,
    Result,
    SetQuestion,
    TableQuestion,
    ValueQuestion,
    Verdict,
    ____,
    contains_placeholder,
)
from labsupport.checks.compare import number_problem, sequence_problem, set_problem
from labsupport.core import LabError, Table
from labsupport.exercises import example as ex

# --- the placeholder -------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        lambda: ____ + 1,
        lambda: 1 + ____,
        lambda: ____ * 2 - 3 / ____,
        lambda: -____,
        lambda: ____ < 3,
        lambda: ____.cpus,
        lambda: ____["mem"],
        lambda: ____(1, key=2),
        lambda: round(____),
        lambda: copy.deepcopy(____),
        lambda: pickle.loads(pickle.dumps(____)),
    ],
    ids=[
        "adding a number gives the placeholder back",
        "adding it to a number gives the placeholder back",
        "mixed arithmetic gives the placeholder back",
        "negating gives the placeholder back",
        "an ordering comparison gives the placeholder back",
        "an attribute gives the placeholder back",
        "an item gives the placeholder back",
        "a call gives the placeholder back",
        "rounding gives the placeholder back",
        "a deep copy is the placeholder itself",
        "a pickle round trip is the placeholder itself",
    ],
)
def test_operations_on_the_placeholder_do_not_crash_and_return_it(expression):
    assert expression() is ____


def test_the_placeholder_is_falsy_empty_and_prints_a_reminder():
    assert not ____ and len(____) == 0 and list(____) == [] and 1 not in ____
    assert "replace with your answer" in repr(____) and f"{____:.2f}" == repr(____)
    assert ____ == ____ and ____ != 0 and {____: 1}[____] == 1


def _uses_placeholder(offers):
    return ____


class _FrameworkWithPlaceholder:
    def resource_offers(self, offers):
        ____  # your code here  # noqa: B018


@pytest.mark.parametrize(
    "answer",
    [____, [1, ____], {"cpus": ____}, ({"a": (1, ____)},), Table(["A"], [{"A": ____}]),
     _uses_placeholder, _FrameworkWithPlaceholder, lambda x: ____ + x],
    ids=["the placeholder itself", "a list holding it", "a dict value holding it", "a nested tuple holding it",
         "a table cell holding it", "a function whose body uses it", "a class whose method uses it",
         "a lambda using it"],
)
def test_contains_placeholder_finds_it(answer):
    assert contains_placeholder(answer)


@pytest.mark.parametrize("answer", [0, "____ is not special in text", [1, [2]], {"a": None}, ex._ExampleFramework,
                                    ex._least_requested_score],
                         ids=["a number", "text", "a nested list", "a dict", "a finished class", "a finished function"])
def test_contains_placeholder_ignores_finished_answers(answer):
    assert not contains_placeholder(answer)


@given(st.recursive(st.integers() | st.text(max_size=3),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
                    max_leaves=10), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_a_placeholder_hidden_anywhere_in_a_structure_is_found(structure, rnd):
    def plant(x):
        if isinstance(x, list) and x and rnd.random() < 0.5:
            i = rnd.randrange(len(x))
            return x[:i] + [plant(x[i])] + x[i + 1:]
        if isinstance(x, dict) and x and rnd.random() < 0.5:
            k = sorted(x)[rnd.randrange(len(x))]
            return {**x, k: plant(x[k])}
        return [x, ____]

    assert not contains_placeholder(structure)
    assert contains_placeholder(plant(structure))


EVERY_EXAMPLE = [q for q in (getattr(ex, n) for n in ex.__all__) if isinstance(q, Question)]


@pytest.mark.parametrize("question", EVERY_EXAMPLE, ids=lambda q: f"{q.name} ({q.kind}) says not attempted for ____")
def test_every_kind_of_question_reports_not_attempted_for_the_placeholder(question):
    result = question.check(____)
    assert result.verdict is Verdict.NOT_ATTEMPTED
    assert str(result).startswith("○ Not attempted yet") and f"{question.name}.hint()" in str(result)


@pytest.mark.parametrize(
    "question, answer",
    [(ex.q5, {"cpus": ____, "mem": 3072}), (ex.q7, _uses_placeholder), (ex.q8, _FrameworkWithPlaceholder),
     (ex.q9, "kind: Deployment\nspec:\n  ____  # your code here\n")],
    ids=["a dict with one value left open", "a function whose body is still ____",
         "a framework class whose method is still ____", "YAML text with ____ in it"],
)
def test_partly_filled_answers_are_not_attempted(question, answer):
    assert question.check(answer).verdict is Verdict.NOT_ATTEMPTED


# --- wrong answers get a specific message and a nudge ----------------------------------------


@pytest.mark.parametrize(
    "question, answer, in_message, in_nudge",
    [
        (ex.q1, "TASK_STARTING", "'TASK_STARTING' is not it", "still launching"),
        (ex.q1, 3, "Expected text (in quotes), got 3", "hint()"),
        (ex.q2, 1.5, "1.5 is too low", "request together"),
        (ex.q2, 2500, "1000 times too large: check the units", "hint()"),
        (ex.q2, -2.5, "wrong sign", "hint()"),
        (ex.q2, "2.5", "Expected a number, got the text '2.5' (remove the quotes)", "hint()"),
        (ex.q3, ["etcd", "kube-apiserver", "kube-scheduler", "kube-controller-manager", "kubelet"],
         "'kubelet' should not be in it", "node agent"),
        (ex.q3, {"etcd"}, "3 items are missing", "hint()"),
        (ex.q4, ["TASK_STARTING", "TASK_STAGING", "TASK_RUNNING", "TASK_FINISHED"], "wrong order", "Staging comes first"),
        (ex.q4, {"TASK_RUNNING"}, "Expected an ordered list, got an unordered set", "hint()"),
        (ex.q5, {"cpus": 2, "mem": 3}, "The value for 'mem' (3) is wrong", "in MB"),
        (ex.q5, {"cpus": 2}, "Key 'mem' is missing", "hint()"),
        (ex.q6, [{"POD": p, "NODE": "node-a"} for p in ("web-1", "web-2", "web-3")],
         "Row POD='web-2': NODE ('node-a') is wrong", "bin-packing"),
        (ex.q6, [{"POD": "web-1", "HOST": "node-a"}], "no column 'NODE' (it has HOST, POD)", "hint()"),
        (ex.q6, "web-1 node-a", "Expected a Table or a list of dicts", "hint()"),
        (ex.q7, lambda requested, capacity: requested * 100 // capacity,
         "your_function(1500, 4000) returned 37; expected 62", "requested share"),
        (ex.q7, ex._least_requested_score(1500, 4000), "Expected a function, got 62", "not the result of calling it"),
        (ex.q8, ex._GreedyFramework, "launched 20 tasks over 20 s; it wanted 5", "hint()"),
        (ex.q8, ex._ExampleFramework(5), "Expected a class", "not an instance"),
        (ex.q9, ex._GOOD_DEPLOYMENT.replace("replicas: 3", "replicas: 2"), "spec.replicas is 2", "field by field"),
        (ex.q9, "- just\n- a list\n", "Document 1 is the list", "left margin"),
        (ex.q9, {"kind": "Deployment"}, "Expected YAML text in a string", "field by field"),
    ],
    ids=[
        "a neighbouring task state is named and nudged",
        "a number where text is expected says so",
        "a number that is too low says too low and gets the tailored nudge",
        "a number off by 1000 points at the units",
        "a negated number points at the sign",
        "a number in quotes says remove the quotes",
        "an extra set member is named",
        "missing set members are counted, not revealed",
        "the right sequence in the wrong order says so",
        "a set where a sequence is expected says so",
        "a wrong mapping value names the key",
        "a missing mapping key is named",
        "a wrong table cell names the row and column",
        "a table lacking a column lists the columns it has",
        "text where a table is expected says so",
        "a function failing a case shows the call, the output and the expected value",
        "calling the function instead of passing it is explained",
        "a framework that never stops launching is judged wrong",
        "an instance where a class is expected is explained",
        "a manifest with the wrong replica count names the field",
        "YAML that is not a mapping is explained",
        "a dict where YAML text is expected says so",
    ],
)
def test_wrong_answers_say_what_is_wrong_and_nudge(question, answer, in_message, in_nudge):
    result = question.check(answer)
    assert result.verdict is Verdict.INCORRECT
    assert in_message in result.message
    assert in_nudge in result.nudge
    assert str(result).startswith("✘ Not yet")


@pytest.mark.parametrize(
    "question, answer",
    [(ex.q1, "TASK_RUNNING"), (ex.q2, 2.5049), (ex.q3, ["etcd", "kube-scheduler", "kube-controller-manager",
                                                     "kube-apiserver", "etcd"]),
     (ex.q4, ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED")), (ex.q5, {"mem": 3072, "cpus": 2}),
     (ex.q6, Table(["NODE", "POD", "READY"], [{"POD": f"web-{i}", "NODE": f"node-{c}", "READY": "1/1"}
                                             for i, c in ((3, "c"), (1, "a"), (2, "b"))])),
     (ex.q7, ex._least_requested_score), (ex.q8, ex._ExampleFramework), (ex.q9, ex._GOOD_DEPLOYMENT)],
    ids=["exact text", "a number within the tolerance", "a list with a repeat for a set", "a tuple for a sequence",
         "ints for float values in a mapping", "a Table with extra columns in another order",
         "the reference function", "the reference framework", "the fixed manifest"],
)
def test_right_answers_are_correct_and_add_one_line_of_insight(question, answer):
    result = question.check(answer)
    assert result.correct, str(result)
    assert result.insight and "\n" not in result.insight
    assert str(result).startswith("✔ Correct") and "Insight:" in str(result)


# --- the learner's code fails ---------------------------------------------------------------


def test_an_exception_in_the_learners_function_is_a_verdict_naming_the_call_not_a_traceback():
    def score(requested, capacity):
        if requested > capacity:
            return 0
        return (capacity - requested) * 100 // capacity

    result = ex.q7.check(score)
    assert result.verdict is Verdict.ERROR
    line = score.__code__.co_firstlineno + 3  # the `return` line, counted in the file (or notebook cell)
    assert result.message == ("q7: score(0, 0) raised ZeroDivisionError: integer division or modulo by zero "
                              f"(in `score`, line {line}).")
    assert "Traceback" not in str(result) and str(result).startswith("⚠ Error")


def test_an_exception_in_the_learners_class_names_the_method():
    class Broken:
        def __init__(self, wanted):
            self.wanted = wanted

        def resource_offers(self, offers):
            return {o["id"]: o["gpus"] for o in offers}

    result = ex.q8.check(Broken)
    assert result.verdict is Verdict.ERROR
    # Python 3.11 runs a dict comprehension in its own frame; 3.12 inlines it into the method (PEP 709).
    assert re.match(r"q8: running your class Broken raised KeyError: 'gpus' \(in `(<dictcomp>|resource_offers)`, line \d+\)$",
                    result.message), result.message


def test_a_class_missing_the_method_the_judge_calls_is_an_error_verdict():
    class NoHandler:
        def __init__(self, wanted):
            pass

    result = ex.q8.check(NoHandler)
    assert result.verdict is Verdict.ERROR
    assert result.message == ("q8: running your class NoHandler raised AttributeError: "
                              "'NoHandler' object has no attribute 'resource_offers'")


def test_a_learner_function_cannot_spoil_later_cases_by_mutating_its_arguments():
    q = FunctionQuestion("q", [(([1, 2],), 3), (([1, 2],), 3)], solution="sum")

    def total(xs):
        s = sum(xs)
        xs.append(100)
        return s

    assert q.check(total).correct


def test_a_labsupport_error_raised_by_the_judge_reaches_the_learner_as_an_error_verdict():
    def judge(docs):
        raise LabError("spec.replicas: must be >= 0, got -1")

    q = ManifestQuestion("q", judge, solution="replicas: 1")
    result = q.check("spec:\n  replicas: -1\n")
    assert result.verdict is Verdict.ERROR
    assert result.message == "q: applying your manifest raised LabError: spec.replicas: must be >= 0, got -1"


@pytest.mark.parametrize(
    "text, lines",
    [("kind: Deployment\nspec:\n  replicas 3\n  selector: {}\n", ["line 4, column 11", "line 3: `  replicas 3`"]),
     ("kind: Deployment\nspec:\n\treplicas: 3\n", ["line 3, column 1", "tab character"]),
     ("a: [1, 2\n", ["line 2, column 1"])],
    ids=["a missing colon is reported with its line and the one before",
         "a tab is reported and the nudge says to use spaces",
         "an unclosed bracket is reported at the end of the text"],
)
def test_yaml_syntax_errors_are_reported_with_line_numbers(text, lines):
    result = ex.q9.check(text)
    assert result.verdict is Verdict.ERROR and "your YAML does not parse" in result.message
    for fragment in lines:
        assert fragment in str(result)


def test_a_judge_that_returns_the_wrong_shape_is_an_authoring_error():
    q = JudgedQuestion("q", lambda answer: True, solution="x")
    with pytest.raises(TypeError, match=r"judge must return \(passed: bool, message: str\)"):
        q.check(1)


# --- hints, solutions, construction -----------------------------------------------------------


def test_hints_come_in_order_and_asking_past_the_last_says_so():
    assert str(ex.q2.hint()).startswith("Hint 1 of 2 for q2\n  The scheduler counts requests")
    assert str(ex.q2.hint(2)).startswith("Hint 2 of 2 for q2\n  Allocatable minus")
    assert str(ex.q2.hint(3)) == ("q2 has only 2 hints\n  `ex.q2.hint(2)` was the last one. "   # typed as in the notebooks
                                  "`ex.q2.solution()` shows a worked answer.")
    assert str(ex.q2.solution()) == "Solution to q2\n  answer = 4 - (1 + 0.5)  # = 2.5 CPUs"


@pytest.mark.parametrize("n", [0, -1, 1.5, "2", True], ids=["zero", "negative", "a float", "text", "a bool"])
def test_a_bad_hint_number_names_n(n):
    with pytest.raises(LabError, match=r"hint: n must be a whole number 1 or more"):
        ex.q2.hint(n)


@pytest.mark.parametrize(
    "make, field",
    [(lambda: NumberQuestion("q 1", 1, solution="1"), "name"),
     (lambda: NumberQuestion("q1", "1", solution="1"), "expected of q1"),
     (lambda: NumberQuestion("q1", 1, solution=""), "solution of q1"),
     (lambda: NumberQuestion("q1", 1, solution="1", hints=["ok", ""]), r"hints\[2\] of q1"),
     (lambda: NumberQuestion("q1", 1, solution="1", mistakes=[(2,)]), "mistakes"),
     (lambda: NumberQuestion("q1", 1, solution="1", tolerance=-1), "tolerance of q1"),
     (lambda: TableQuestion("q1", [{"A": 1}], columns=["A"], key="B", solution="x"), "key of q1"),
     (lambda: TableQuestion("q1", "rows", columns=["A"], solution="x"), "expected of q1"),
     (lambda: FunctionQuestion("q1", [], solution="x"), "cases of q1"),
     (lambda: FunctionQuestion("q1", [1], solution="x"), "cases")],
    ids=["a name with a space", "a non-number expected", "an empty solution", "an empty hint",
         "a mistake without a message", "a negative tolerance", "a key that is not a column",
         "text as the expected table", "no test cases", "a case that is not a pair"],
)
def test_bad_question_definitions_name_the_field(make, field):
    with pytest.raises(LabError, match=field):
        make()


def test_a_question_displays_its_prompt_and_how_to_use_it():
    text = repr(ex.q2)
    assert text.startswith("q2 (number question)\n  node-a has 4 allocatable CPUs")
    assert "`ex.q2.check(answer)`" in text and "`ex.q2.hint()` .. `ex.q2.hint(2)`" in text
    assert "<code>ex.q2.check(answer)</code>" in ex.q2._repr_html_()


# --- results render as words, in text and HTML ---------------------------------------------------


@pytest.mark.parametrize("verdict, label", [(Verdict.CORRECT, "✔ Correct"), (Verdict.INCORRECT, "✘ Not yet"),
                                            (Verdict.NOT_ATTEMPTED, "○ Not attempted yet"), (Verdict.ERROR, "⚠ Error")],
                         ids=["correct", "incorrect", "not attempted", "error"])
def test_every_verdict_is_written_in_words_in_text_and_html(verdict, label):
    result = Result(verdict, "q1: <b>not bold</b> `code`", nudge="try `q1.hint()`")
    assert str(result).startswith(label) and Verdict.from_text(str(result)) is verdict
    page = result._repr_html_()
    assert label in page and "&lt;b&gt;not bold&lt;/b&gt;" in page and "<code>code</code>" in page
    assert f"data-verdict='{verdict.value}'" in page and "role='status'" in page


# --- the comparisons ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "got, expected, message",
    [(2.5, 2.5, None), (4, 2.5, "4 is too high."), (2.5e-3, 2.5, "0.0025 is 1000 times too small"),
     (4096, 4, "4096 is 1024 times too large"), (float("nan"), 1, "NaN"), (True, 1, "Expected a number, got a bool (True).")],
    ids=["equal", "too high", "milli instead of units", "MiB instead of GiB", "not a number", "a bool is not a number"],
)
def test_number_problem(got, expected, message):
    found = number_problem(got, expected, abs_tol=1e-9)
    assert found == message if message is None else message in found


@given(st.floats(-1e6, 1e6), st.floats(0.001, 10), st.floats(-1, 1))
@settings(max_examples=80, deadline=None)
def test_a_number_question_accepts_inside_the_tolerance_and_rejects_well_outside(expected, tolerance, fraction):
    q = NumberQuestion("q", expected, tolerance=tolerance, solution="x")
    assert q.check(expected + fraction * tolerance * 0.99).correct
    far = expected + (1 if fraction >= 0 else -1) * tolerance * (2 + abs(fraction))
    assert q.check(far).verdict is Verdict.INCORRECT


def test_set_and_sequence_problems_describe_the_learners_answer():
    assert set_problem({"a", "x", "y"}, {"a", "b"}) == "'x', 'y' should not be in it, and 1 item is missing."
    assert sequence_problem(["a", "b", "c"], ["a", "b"]) == "It has 3 items, not 2."
    assert sequence_problem(["a", "x", "c"], ["a", "b"]) == "Item 2 ('x') is wrong. Also, it has 3 items, not 2."


def test_function_cases_can_carry_keyword_arguments_and_a_label():
    q = FunctionQuestion("q", [Case((4,), 2.0, kwargs={"divisor": 2}), Case((9,), 3.0, label="the square root of 9")],
                         solution="x")
    def halve(n, divisor=1):
        return n

    assert q.check(halve).message == "q: halve(4, divisor=2) returned 4; expected 2.0."
    assert "the square root of 9 returned 4.5" in q.check(lambda n, divisor=2: n / divisor).message


def test_class_question_mistake_predicates_receive_the_class():
    q = ClassQuestion("q", lambda cls: (False, "it launched nothing"), solution="x",
                      mistakes=[(lambda cls: not hasattr(cls, "resource_offers"), "Name the method resource_offers.")])
    assert q.check(type("F", (), {})).nudge == "Name the method resource_offers."


def test_set_question_mistakes_match_in_any_order():
    q = SetQuestion("q", {"a", "b"}, solution="x", mistakes=[(["b", "c"], "c is a distractor.")])
    assert q.check({"c", "b"}).nudge == "c is a distractor."
    assert q.wrong_examples == (["b", "c"],)


def test_value_question_uses_its_expected_value_as_solution_value():
    assert ValueQuestion("q", "x", solution="x").solution_value == "x"
