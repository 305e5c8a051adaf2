"""Exercises that answer back: questions with ``check``, ``hint`` and ``solution``, and the ``____`` placeholder.

A lesson's questions live in a module such as ``labsupport.exercises.lesson03``; a
notebook calls ``q1.check(answer)``, ``q1.hint()``, ``q1.hint(2)``, ``q1.solution()``.
Answers are passed explicitly; nothing reads the notebook's globals.

Kinds of question (all share the keyword arguments of :class:`Question`):

=====================  ==================================================================
:class:`ValueQuestion`     exact value (a name, a state, a bool)
:class:`NumberQuestion`    number within a tolerance; spots unit and sign slips
:class:`SetQuestion`       same items, any order
:class:`SequenceQuestion`  same items, same order
:class:`MappingQuestion`   same keys and values
:class:`TableQuestion`     a Table or list of dicts compared on named columns
:class:`FunctionQuestion`  the learner's function run on test cases
:class:`ClassQuestion`     the learner's class run by an author-supplied judge
:class:`ManifestQuestion`  the learner's YAML parsed, then judged
:class:`JudgedQuestion`    any answer, any judge
=====================  ==================================================================

>>> from labsupport.checks import NumberQuestion, ____
>>> q1 = NumberQuestion("q1", expected=3, solution="3 replicas", hints=["Count the Pods."])
>>> print(q1.check(____))
○ Not attempted yet -- q1: replace `____` with your answer, then run this cell again.
  Next: `q1.hint()` gives a hint if you are unsure where to start.
"""
from labsupport.checks.functions import Case, FunctionQuestion
from labsupport.checks.judged import ClassQuestion, JudgedQuestion
from labsupport.checks.manifests import ManifestQuestion
from labsupport.checks.placeholder import ____, contains_placeholder
from labsupport.checks.question import Question
from labsupport.checks.result import Note, Result, Verdict, verdicts_in_outputs
from labsupport.checks.tables import TableQuestion
from labsupport.checks.values import MappingQuestion, NumberQuestion, SequenceQuestion, SetQuestion, ValueQuestion

__all__ = [
    "Case",
    "ClassQuestion",
    "FunctionQuestion",
    "JudgedQuestion",
    "ManifestQuestion",
    "MappingQuestion",
    "Note",
    "NumberQuestion",
    "Question",
    "Result",
    "SequenceQuestion",
    "SetQuestion",
    "TableQuestion",
    "ValueQuestion",
    "Verdict",
    "____",
    "contains_placeholder",
    "verdicts_in_outputs",
]
