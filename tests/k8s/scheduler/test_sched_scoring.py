"""Score formulas, with numbers computed by hand from the Go source (Kubernetes 1.37)."""
import numpy as np
import pytest

from labsupport.k8s.scheduler import scoring

GI = 2**30
NODE = ([4000], [8 * GI])  # allocatable cpu (millicores), memory (bytes)


def cols(cpu, mem):
    return [[cpu], [mem]]


@pytest.mark.parametrize("requested, weights, expected", [
    (cols(2000, 4 * GI), [1, 1], 50),          # (4000-2000)*100/4000 = 50; (8-4)/8 = 50
    (cols(3000, 1 * GI), [1, 1], 56),          # 25 and 87 (87.5 truncated) -> 112 // 2
    (cols(5000, 0), [1, 1], 50),               # more than allocatable -> 0; memory 100
    (cols(3000, 1 * GI), [2, 1], 45),          # (2*25 + 87) // 3
], ids=["half the node requested scores 50",
        "cpu heavy request averages 25 and 87 to 56",
        "a request above allocatable scores 0 for that resource",
        "resource weights 2:1 weight the average"])
def test_least_allocated(requested, weights, expected):
    assert scoring.least_allocated_score(requested, NODE, weights).tolist() == [expected]


@pytest.mark.parametrize("requested, expected", [
    (cols(3000, 1 * GI), 43),                  # 75 and 12 (12.5 truncated) -> 87 // 2
    (cols(5000, 8 * GI), 100),                 # requested clamped to capacity
], ids=["most allocated favours the fuller node", "requests above capacity are clamped to 100"])
def test_most_allocated(requested, expected):
    assert scoring.most_allocated_score(requested, NODE, [1, 1]).tolist() == [expected]


@pytest.mark.parametrize("shape, expected", [
    ([(0, 0), (100, 10)], 44),                 # f(75)=75, f(12)=12 -> round(43.5) = 44
    ([(0, 10), (100, 0)], 57),                 # f(75)=25, f(12)=88 -> round(56.5) = 57
], ids=["bin packing shape rounds 43.5 up", "spreading shape rounds 56.5 up"])
def test_requested_to_capacity_ratio(shape, expected):
    got = scoring.requested_to_capacity_ratio_score(cols(3000, 1 * GI), NODE, [1, 1], shape)
    assert got.tolist() == [expected]


@pytest.mark.parametrize("requested, expected", [
    (cols(3000, 2 * GI), 75),                  # fractions 0.75, 0.25 -> std 0.25
    (cols(2000, 4 * GI), 100),                 # equal fractions
    (cols(5000, 4 * GI), 75),                  # cpu fraction clipped to 1, memory 0.5
    (cols(1000, 1 * GI), 93),                  # 0.25 and 0.125 -> std 0.0625 -> 93.75 -> 93
], ids=["unbalanced node scores 75", "balanced node scores 100", "fraction above 1 is clipped",
        "score is truncated not rounded"])
def test_balanced_allocation(requested, expected):
    assert scoring.balanced_allocation_score(requested, NODE).tolist() == [expected]


@pytest.mark.parametrize("raw, reverse, expected", [
    ([0, 1, 2], True, [100, 50, 0]),
    ([0, 0], True, [100, 100]),
    ([3, 1], True, [0, 67]),
    ([0, 0], False, [0, 0]),
    ([10, 30], False, [33, 100]),
], ids=["taints reverse-normalise to 100 50 0", "no intolerable taint anywhere gives everyone 100",
        "reverse of truncated 33 is 67", "no preference matched gives 0", "preferred weights scale to the max"])
def test_default_normalize(raw, reverse, expected):
    assert scoring.default_normalize_score(raw, reverse=reverse).tolist() == expected


def test_default_normalize_works_per_row():
    assert scoring.default_normalize_score(np.array([[0, 1], [2, 2]]), reverse=True).tolist() == [[100, 0], [0, 0]]


def test_pod_topology_spread_score_and_normalize_by_hand():
    # hostname constraint, maxSkew 1, three scored nodes: weight log(3 + 2)
    w = scoring.topology_normalizing_weight(3)
    raw = np.floor(scoring.score_for_count([0, 1, 2], 1, w) + 0.5).astype(int)
    assert raw.tolist() == [0, 2, 3]                        # 0, 1.609, 3.219 rounded
    assert scoring.pod_topology_spread_normalize(raw).tolist() == [100, 33, 0]
    assert scoring.pod_topology_spread_normalize([5, 5], ignored=[False, True]).tolist() == [100, 0]


@pytest.mark.parametrize("percentage, nodes, expected", [
    (0, 50, 50), (0, 100, 100), (0, 1000, 420), (0, 5000, 500), (0, 6000, 300), (30, 5000, 1500), (1, 5000, 100),
], ids=["under 100 nodes all are searched", "100 nodes: at least 100", "1000 nodes: 42 percent",
        "5000 nodes: 10 percent", "6000 nodes: floor of 5 percent", "configured 30 percent", "never below 100 nodes"])
def test_num_feasible_nodes_to_find(percentage, nodes, expected):
    assert scoring.num_feasible_nodes_to_find(percentage, nodes) == expected


def test_inter_pod_affinity_normalize():
    assert scoring.inter_pod_affinity_normalize([-10, 0, 10, 10]).tolist() == [0, 50, 100, 100]
    assert scoring.inter_pod_affinity_normalize([4, 4]).tolist() == [0, 0]
