"""DRF: the paper's worked example, the sorter's tie-breaks, weights and the random sorter."""
import random

import pytest

from labsupport.core import LabError
from labsupport.mesos import DRFSorter, RandomSorter, dominant_share, drf_allocate


@pytest.mark.parametrize("total, demands, weights, expected", [
    ({"cpus": 9, "mem": 18}, {"A": {"cpus": 1, "mem": 4}, "B": {"cpus": 3, "mem": 1}}, None, {"A": 3, "B": 2}),
    ({"cpus": 10}, {"a": {"cpus": 1}, "b": {"cpus": 1}}, None, {"a": 5, "b": 5}),
    ({"cpus": 10}, {"a": {"cpus": 1}, "b": {"cpus": 1}}, {"a": 4}, {"a": 8, "b": 2}),
    ({"cpus": 4, "mem": 4}, {"a": {"cpus": 3}, "b": {"mem": 1}}, None, {"a": 1, "b": 4}),
    ({"cpus": 1}, {"a": {"cpus": 2}}, None, {"a": 0}),
], ids=[
    "the DRF paper's example gives A three tasks and B two",
    "equal users split evenly",
    "a weight of four gives four times the dominant share",
    "a user who no longer fits drops out and the other carries on",
    "a task larger than the cluster gets nothing",
])
def test_drf_allocate(total, demands, weights, expected):
    assert drf_allocate(total, demands, weights) == expected


@pytest.mark.parametrize("args, fragment", [
    (({"cpus": 1}, {"a": {"gpus": 1}}), "unknown resource 'gpus'"),
    (({"cpus": 1}, {"a": {"cpus": 0}}), "must ask for some resource"),
    (({"cpus": 1}, {"a": {"cpus": 1}}, {"b": 1}), "'b' is not one of the users"),
    (({"cpus": 1}, {"a": {"cpus": 1}}, {"a": 0}), "must be a number > 0"),
    (({"cpus": -1}, {"a": {"cpus": 1}}), "total['cpus']"),
], ids=["unknown resource", "empty demand", "weight for a stranger", "zero weight", "negative total"])
def test_drf_allocate_bad_input(args, fragment):
    with pytest.raises(LabError) as err:
        drf_allocate(*args)
    assert fragment in str(err.value)


def test_dominant_share_formula():
    assert dominant_share({"cpus": 3, "mem": 12}, {"cpus": 9, "mem": 18}) == pytest.approx(2 / 3)
    assert dominant_share({"cpus": 1}, {"cpus": 0, "mem": 1}) == 0.0   # a zero total is skipped


@pytest.mark.parametrize("allocs, expected", [
    ({"a": {"cpus": 2}, "b": {"cpus": 1}}, ["b", "a"]),
    ({"a": {"cpus": 1}, "b": {"mem": 10}}, ["a", "b"]),
    ({"a": {}, "b": {}}, ["a", "b"]),
], ids=[
    "lower dominant share first",
    "dominant shares compare across resources",
    "equal shares and counts: by name",
])
def test_drf_sorter_order(allocs, expected):
    s = DRFSorter()
    s.set_total({"cpus": 10, "mem": 100})
    for name in sorted(allocs, reverse=True):
        s.add(name)
    for name, res in allocs.items():
        s.allocated(name, res)
    assert s.sort() == expected


def test_drf_sorter_ties_by_allocation_count_then_weight():
    s = DRFSorter()
    s.set_total({"cpus": 10})
    s.add("a")
    s.add("b")
    s.allocated("a", {"cpus": 1})
    s.allocated("a", {"cpus": 1})
    s.allocated("b", {"cpus": 2})          # same share (0.2), fewer allocations
    assert s.sort() == ["b", "a"]
    s.set_weight("a", 4.0)                 # a's share becomes 0.05
    assert s.sort() == ["a", "b"]
    s.unallocated("a", {"cpus": 2})
    assert s.allocation("a") == {}


def test_random_sorter_is_seeded_and_weighted():
    def firsts(seed):
        s = RandomSorter(random.Random(seed))
        s.add("heavy", 9.0)
        s.add("light", 1.0)
        return [s.sort()[0] for _ in range(2000)]
    assert firsts(3) == firsts(3)
    share = firsts(3).count("heavy") / 2000
    assert 0.86 < share < 0.94          # probability 9/10
