"""Learner code that never returns is stopped with a message, and nothing changes (labsupport.core.timelimit)."""
import threading

import pytest

from labsupport import mesos
from labsupport.checks import FunctionQuestion
from labsupport.core import LabError
from labsupport.core.timelimit import TimeLimitExceeded, call_with_time_limit, get_time_limit, set_time_limit


@pytest.fixture
def short_limit():
    before = get_time_limit()
    set_time_limit(0.3)
    yield
    set_time_limit(before)


def spin(*_args):
    while True:
        pass


def swallowing_spin():
    while True:
        try:
            while True:
                pass
        except Exception:  # a learner's catch-all cannot swallow the stop
            pass


@pytest.mark.parametrize("func, message", [
    (spin, "spin() was stopped after 0.3 s without returning (an endless loop?). Nothing was changed by the call."),
    (swallowing_spin, "swallowing_spin() was stopped after 0.3 s without returning (an endless loop?). "
                      "Nothing was changed by the call."),
], ids=["an endless loop is stopped", "an endless loop inside except Exception is stopped too"])
def test_call_is_stopped_with_a_message_naming_the_function(short_limit, func, message):
    with pytest.raises(TimeLimitExceeded) as err:
        call_with_time_limit(func)
    assert str(err.value) == message
    assert call_with_time_limit(sum, [1, 2]) == 3   # the next call runs normally


def test_limits_nest_and_name_the_inner_call():
    def outer():
        try:
            call_with_time_limit(spin, seconds=0.2)
        except TimeLimitExceeded as e:
            return str(e)
    assert call_with_time_limit(outer, seconds=5).startswith("spin() was stopped after 0.2 s")


def test_the_limit_works_outside_the_main_thread():
    out = []
    t = threading.Thread(target=lambda: out.append(pytest.raises(TimeLimitExceeded, call_with_time_limit, spin,
                                                                 seconds=0.2)))
    t.start()
    t.join(10)
    assert not t.is_alive() and "spin() was stopped" in str(out[0].value)


@pytest.mark.parametrize("bad", [-1, "10", float("nan"), True], ids=["negative", "a string", "nan", "a bool"])
def test_set_time_limit_refuses_nonsense(bad):
    with pytest.raises(LabError, match=r"seconds: the time limit must be a number of seconds >= 0 or None, got"):
        set_time_limit(bad)


def test_a_checked_function_that_never_returns_gets_an_error_verdict(short_limit):
    q = FunctionQuestion("q9", [((1,), 1)], solution="def f(x):\n    return x")
    result = q.check(spin)
    assert str(result).startswith("⚠ Error -- q9: spin() was stopped after 0.3 s without returning (an endless loop?). "
                                  "Nothing was changed by the call. Your code never returned; look for a loop that does not end.")
    assert "Correct" in str(q.check(lambda x: x))


def test_an_endless_resource_offers_is_stopped_and_the_cluster_is_unchanged(short_limit):
    class Loop(mesos.Scheduler):
        calls = 0

        def resource_offers(self, driver, offers):
            Loop.calls += 1
            driver.decline([o.id for o in offers])     # held, then discarded when the loop is stopped
            if Loop.calls == 1:
                while True:
                    pass

    c = mesos.Cluster(seed=0, masters=1)
    c.add_agent("a1", "cpus:4;mem:4096")
    c.register(Loop(), name="loop")
    with pytest.raises(mesos.SchedulerError) as err:
        c.run(3)
    assert str(err.value) == (
        "framework 'loop' (0000-loop): Loop.resource_offers() was stopped after 0.3 s without returning (an endless "
        "loop?). Nothing was changed by the call. The cluster is exactly as before the call (its driver calls were "
        "discarded); fix the scheduler and run again.")
    assert [row["OUTCOME"] for row in c.offers_log()] == ["outstanding"]   # the decline was not applied
    assert not [row for row in c.calls_log() if row["CALL"] == "DECLINE"]
    c.run(30)                                   # the cluster keeps running
