"""The Omega paper's two-level scheduling experiment: longer service decisions -> longer batch waits."""
import pytest

from labsupport.core import LabError
from labsupport.mesos.omega import omega_experiment, run_two_level


@pytest.fixture(scope="module")
def default_table():
    return omega_experiment(hours=0.25)   # the lesson's defaults at seed 0, a quarter of the simulated time (speed)


def test_default_sweep_has_one_row_per_decision_time(default_table):
    assert default_table.column("SERVICE DECISION (s)") == [0.1, 1.0, 10.0, 30.0, 100.0]
    assert len(set(default_table.column("BATCH JOBS"))) == 1       # the same workload at every point


def test_longer_decisions_mean_longer_batch_waits(default_table):
    means = default_table.column("MEAN WAIT (s)")
    medians = default_table.column("MEDIAN WAIT (s)")
    for series in (means, medians):
        for a, b in zip(series, series[1:], strict=False):
            assert b >= a * 0.9, f"not monotone within 10%: {series}"
    assert means[-1] > 5 * means[0] and medians[-1] > 20 * medians[0]


def test_long_decisions_get_batch_jobs_abandoned(default_table):
    assert default_table.rows[-1]["SERVICE BUSY"] == "100%"
    short, long = (run_two_level(t, hours=0.5) for t in (0.1, 100.0))
    assert short["abandoned"] == 0 and long["abandoned"] > 0


@pytest.mark.parametrize("knobs, more", [
    ({"max_attempts_no_progress": 5}, True),   # the default (100) abandons none in a quarter hour
    ({"max_attempts": 10_000, "max_attempts_no_progress": 10_000}, False),
], ids=["a tighter retry limit abandons more jobs", "an unlimited retry budget abandons none"])
def test_retry_limits_drive_abandonment(knobs, more):
    base = run_two_level(100.0, hours=0.25)
    other = run_two_level(100.0, hours=0.25, **knobs)
    if more:
        assert other["abandoned"] > base["abandoned"]
    else:
        assert other["abandoned"] == 0


def test_same_seed_same_result_and_other_seed_other_workload():
    a = run_two_level(10.0, agents=5, hours=0.2, seed=4)
    b = run_two_level(10.0, agents=5, hours=0.2, seed=4)
    c = run_two_level(10.0, agents=5, hours=0.2, seed=5)
    assert a == b
    assert a != c


@pytest.mark.parametrize("kwargs, fragment", [
    ({"decision_times": []}, "decision_times"),
    ({"decision_times": [1, -2]}, "decision_times"),
    ({"decision_times": ["10s"]}, "decision_times"),
    ({"decision_times": [1], "racks": 3}, "racks: unknown knob"),
], ids=["no decision times", "a negative decision time", "a decision time as text", "an unknown knob"])
def test_bad_input_names_the_argument(kwargs, fragment):
    with pytest.raises(LabError, match=fragment):
        omega_experiment(**kwargs)
