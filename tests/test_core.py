"""The shared simulation core: event order, clock, tables and short learner-facing errors."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labsupport.core import LabError, Simulation, Table
from labsupport.core.errors import _user_frames, install_short_tracebacks


@pytest.mark.parametrize(
    "events, expected",
    [
        ([(2, 0, "b"), (1, 0, "a")], ["a", "b"]),
        ([(1, 0, "first"), (1, 0, "second"), (1, 0, "third")], ["first", "second", "third"]),
        ([(1, 5, "low"), (1, 0, "high")], ["high", "low"]),
    ],
    ids=["earlier events run first", "equal-time events run in insertion order", "a lower priority number wins a tie"],
)
def test_event_order(events, expected):
    sim, seen = Simulation(seed=0), []
    for delay, prio, label in events:
        sim.schedule(delay, lambda label=label: seen.append(label), priority=prio)
    sim.run(10)
    assert seen == expected and sim.now == 10


def test_cancelled_events_do_not_run():
    sim, seen = Simulation(), []
    ev = sim.schedule(1, lambda: seen.append("x"))
    ev.cancel()
    sim.run(2)
    assert seen == [] and sim.pending() == 0


def test_events_scheduled_by_events_run_in_the_same_run_when_due():
    sim, seen = Simulation(), []
    sim.schedule(1, lambda: sim.schedule(1, lambda: seen.append(sim.now)))
    sim.run(2)
    assert seen == [2.0]


@pytest.mark.parametrize("bad", [-1, math.inf, math.nan], ids=["negative", "infinite", "not a number"])
def test_bad_delays_are_refused(bad):
    with pytest.raises(ValueError, match="delay must be a finite number >= 0"):
        Simulation().schedule(bad, lambda: None)


@pytest.mark.parametrize("bad", ["0", 1.5, None, True], ids=["a string", "a float", "None", "a bool"])
def test_seed_must_be_an_integer(bad):
    with pytest.raises(LabError, match="seed: must be an integer"):
        Simulation(seed=bad)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32), st.lists(st.floats(0, 100), max_size=30))
def test_same_seed_same_trace(seed, delays):
    def trace():
        sim, out = Simulation(seed), []
        for d in delays:
            sim.schedule(d, lambda: out.append((sim.now, sim.rng.random())))
        sim.run(200)
        return out

    assert trace() == trace()


def test_table_renders_text_and_html():
    t = Table(["NAME", "OK"], [{"NAME": "a<b", "OK": True}, {"NAME": "c", "OK": None}], title="T")
    assert str(t).splitlines() == ["T", "NAME   OK", "a<b    true", "c      <none>"]
    assert "a&lt;b" in t._repr_html_() and "<caption" in t._repr_html_()
    assert t.column("NAME") == ["a<b", "c"]
    assert "(no rows)" in str(Table(["X"], []))


def _raise_inside_labsupport():
    raise LabError("spec.replicas: must be >= 0, got -1")


def test_short_traceback_keeps_only_the_learners_frames():
    try:
        _raise_inside_labsupport()  # this test module is not labsupport, so both frames are "user" frames
    except LabError as e:
        tb = _user_frames(e.__traceback__)
    names = []
    while tb:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert names == ["test_short_traceback_keeps_only_the_learners_frames", "_raise_inside_labsupport"]


def test_short_tracebacks_need_an_ipython_shell():
    assert install_short_tracebacks() is False  # plain pytest: no shell, nothing installed


def test_in_a_notebook_a_bad_manifest_shows_the_learners_line_and_the_message_only():
    import re

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from labsupport import k8s\nc = k8s.Cluster(seed=0)"),
        nbformat.v4.new_code_cell("c.apply({'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'p'}, 'spec': "
                                  "{'containers': [{'name': 'a', 'image': 'x', 'resources': {'requests': {'cpu': '1.5.3'}}}]}})"),
        nbformat.v4.new_code_cell("len(c.pods())"),
    ]
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120).execute()
    (error,) = nb.cells[1].outputs
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error["traceback"]))
    assert error["ename"] == "ManifestError"
    assert "spec.containers[0].resources.requests.cpu: '1.5.3' is not a valid quantity" in error["evalue"]
    assert "labsupport" not in text.replace("from labsupport", ""), text
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "0"  # the cluster is still there, unchanged


@pytest.mark.parametrize("make", [lambda: __import__("labsupport.k8s", fromlist=["Cluster"]).Cluster(seed=0),
                                  lambda: __import__("labsupport.mesos", fromlist=["Cluster"]).Cluster(seed=0)],
                         ids=["a Kubernetes cluster", "a Mesos cluster"])
@pytest.mark.parametrize("seconds, message", [
    (10**12, "seconds: at most 604800 (one simulated week) per run() call, got 1000000000000; call run() again to go on"),
    (-1, "seconds: must be a number >= 0, got -1"),
    ("60", "seconds: must be a number >= 0, got '60'"),
], ids=["a run longer than a simulated week is refused (found by the fuzzer: it kept the kernel busy for ages)",
        "a negative run is refused", "a string is refused"])
def test_run_refuses_what_would_hang_or_make_no_sense_and_the_cluster_goes_on(make, seconds, message):
    from labsupport.core import LabError

    c = make()
    with pytest.raises(LabError) as err:
        c.run(seconds)
    assert str(err.value) == message
    c.run(5)
    assert c.now == 5.0
