"""labsupport.widgets: each widget builds, draws, and redraws (deterministically) when a control changes."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402
import pytest  # noqa: E402

from labsupport import widgets  # noqa: E402
from labsupport.core import LabError  # noqa: E402

CASES = [
    ("scoring: choosing MostAllocated", widgets.scoring, lambda w: setattr(w.controls["strategy"], "value", "MostAllocated")),
    ("scoring: raising the NodeResourcesFit weight", widgets.scoring, lambda w: setattr(w.controls["NodeResourcesFit"], "value", 10)),
    ("hpa: moving the target slider", widgets.hpa, lambda w: setattr(w.controls["target"], "value", 80)),
    ("hpa: moving the peak load slider", widgets.hpa, lambda w: setattr(w.controls["peak"], "value", 6.0)),
    ("k8s failures: clicking fail node", lambda: widgets.failures("k8s"), lambda w: w.buttons["fail node"].click()),
    ("mesos failures: clicking fail leading master", lambda: widgets.failures("mesos"), lambda w: w.buttons["fail leading master"].click()),
    ("k8s failures: moving the show-until slider", lambda: widgets.failures("k8s"), lambda w: setattr(w.controls["until"], "value", 900)),
    ("drf: moving the weight of role a", widgets.drf, lambda w: setattr(w.controls["weight a"], "value", 3.0)),
]


@pytest.mark.parametrize("make,act", [(m, a) for _, m, a in CASES], ids=[f"{n} redraws the figure" for n, _, _ in CASES])
def test_interaction_redraws(make, act):
    w = make()
    assert isinstance(w, W.VBox) and isinstance(w.output, W.Output)
    assert w.figures, f"nothing drawn: {w.output.outputs}"
    assert w.output.outputs[0]["output_type"] == "display_data" and "image/png" in w.output.outputs[0]["data"]
    before, n = w.png, w.redraws
    act(w)
    assert w.redraws == n + 1
    assert w.png != before, "the figure did not change"


def test_same_controls_same_picture_whatever_the_order():
    a, b = widgets.drf(seed=0), widgets.drf(seed=0)
    a.controls["weight a"].value = 2.0
    a.controls["weight b"].value = 3.0
    b.controls["weight b"].value = 3.0
    b.controls["weight a"].value = 2.0
    assert a.png == b.png


def test_drf_widget_reproduces_the_papers_example_at_equal_weights():
    w = widgets.drf()
    assert "fw-a: 3 tasks, fw-b: 2 tasks" in w.figures[0].axes[0].get_title()


def _click_at(w, label, t, target="node-2"):
    w.controls["target"].value = target
    w.controls["at"].value = t
    w.buttons[label].click()


def test_failure_script_replays_in_time_order_whatever_the_click_order():
    w = widgets.failures("k8s")
    empty = w.png
    _click_at(w, "fail node", 100)
    assert w.script == [(100.0, "fail node", "node-2")] and w.png != empty
    _click_at(w, "restore node", 200)
    fail_then_restore = w.png
    w.buttons["reset"].click()
    assert w.script == [] and w.png == empty
    _click_at(w, "restore node", 200)        # clicked first, happens later
    _click_at(w, "fail node", 100)
    assert w.png == fail_then_restore


def test_failure_widget_horizon_slider_redraws():
    w = widgets.failures("mesos")
    before = w.png
    w.controls["until"].value = 400
    assert w.png != before


def test_a_setting_the_simulator_rejects_is_shown_not_raised():
    def build(seed, weights):
        raise LabError("weights: role 'a' is not allowed here")

    w = widgets.drf(build=build)
    assert w.figures == [] and "weights: role 'a'" in w.output.outputs[0]["text"]


@pytest.mark.parametrize("call,field", [
    (lambda: widgets.scheduler_config("Spread"), "strategy"),
    (lambda: widgets.failures("yarn"), "system"),
], ids=["an unknown scoring strategy names strategy", "an unknown system names system"])
def test_bad_arguments_name_the_field(call, field):
    with pytest.raises(LabError, match=field):
        call()


def test_scheduler_config_is_accepted_by_the_k8s_cluster():
    from labsupport import k8s

    for strategy in widgets.STRATEGIES:
        k8s.Cluster(seed=0, scheduler_config=widgets.scheduler_config(strategy, {"NodeResourcesFit": 4}))


def test_the_widgets_gc_fast_path_changes_no_picture():
    from labsupport.core import fast

    on = widgets.drf(seed=0)
    with fast.off("widgets.gc"):
        off = widgets.drf(seed=0)
    assert on.png == off.png and on.png
