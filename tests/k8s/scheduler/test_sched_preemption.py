"""DefaultPreemption's node choice (pickOneNodeForPreemption), criteria in their documented order."""
import pytest

from labsupport.k8s.scheduler.preemption import num_candidates, pick_one_node


@pytest.mark.parametrize("candidates, expected", [
    ([("a", [(5, 1.0)]), ("b", [])], "b"),
    ([("a", [(100, 1.0)]), ("b", [(10, 1.0), (10, 2.0)])], "b"),
    ([("a", [(10, 1.0), (5, 1.0)]), ("b", [(10, 1.0), (1, 1.0)])], "b"),
    ([("a", [(10, 1.0), (0, 1.0)]), ("b", [(10, 1.0)])], "b"),
    ([("a", [(10, 3.0), (10, 9.0)]), ("b", [(10, 5.0), (10, 6.0)])], "b"),
    ([("a", [(10, 5.0)]), ("b", [(10, 5.0)])], "a"),
    ([("a", [(-5, 1.0)]), ("b", [(-5, 1.0), (-5, 2.0)])], "a"),
], ids=["a node that needs no victims wins", "lowest highest-priority victim wins",
        "then the smallest sum of victim priorities", "then fewer victims (sum shifted by 2^31 per victim)",
        "then the latest start of the earliest top-priority victim", "then the first candidate",
        "negative priorities still count per victim"])
def test_pick_one_node(candidates, expected):
    assert pick_one_node(candidates) == expected


@pytest.mark.parametrize("potential, expected", [(5, 5), (100, 100), (999, 100), (5000, 500)],
                         ids=["few nodes: all", "100 nodes: all", "10 percent below 100 rounds up to 100", "5000 nodes: 10 percent"])
def test_num_candidates(potential, expected):
    assert num_candidates(potential) == expected
