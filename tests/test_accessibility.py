"""Quizzes and widgets work with the keyboard alone and every control has a label a screen reader announces.

ipywidgets renders each control as a standard form element (radio group, text box, slider, drop-down, button), so
Tab and the arrow keys work; the ``description`` becomes the element's visible, associated label.
"""
from __future__ import annotations

import ipywidgets as W
import pytest

from labsupport import widgets
from labsupport.exercises import lesson01
from labsupport.quiz import MultipleChoice, ShortAnswer

INPUTS = (W.RadioButtons, W.Text, W.IntSlider, W.FloatSlider, W.Dropdown, W.Button, W.ToggleButtons, W.Checkbox)


def _controls(widget):
    found = []
    for child in getattr(widget, "children", ()):
        found += [child] if isinstance(child, INPUTS) else _controls(child)
    return found


QUIZZES = [pytest.param(q, id=f"{type(q).__name__} {name} of lesson 01")
           for name in lesson01.__all__ if isinstance(q := getattr(lesson01, name), (MultipleChoice, ShortAnswer))]


@pytest.mark.parametrize("quiz", QUIZZES)
def test_every_quiz_input_and_button_has_a_label(quiz):
    controls = _controls(quiz.widget())
    assert controls, "a quiz must render form controls"
    for c in controls:
        assert (c.description or "").strip(), f"{type(c).__name__} of {quiz.name} has no label"


@pytest.mark.parametrize("make", [
    pytest.param(lambda: widgets.drf(seed=0), id="the DRF weights widget"),
    pytest.param(lambda: widgets.hpa(seed=0), id="the HPA widget"),
    pytest.param(lambda: widgets.failures("mesos", seed=0), id="the Mesos failures widget"),
])
def test_every_widget_control_has_a_label(make):
    for c in _controls(make()):
        assert (c.description or "").strip(), f"{type(c).__name__} has no label"
