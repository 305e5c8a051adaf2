"""The hierarchical allocator as the Mesos docs describe it: DRF, roles, filters, suppress, quota, weights."""
import random

import pytest

from labsupport import mesos
from labsupport.core import LabError
from labsupport.mesos.allocator_fast import fisher_yates
from tests.mesos.helpers import Recorder


def cluster_with(agents, **kw):
    c = mesos.Cluster(seed=kw.pop("seed", 0), **kw)
    for name, res in agents.items():
        c.add_agent(name, res)
    return c


def test_each_agent_goes_whole_to_one_framework_in_drf_order():
    c = cluster_with({f"a{i}": "cpus:4;mem:4096" for i in range(4)})
    r1, r2 = Recorder(), Recorder()
    c.register(r1, name="one")
    c.register(r2, name="two")
    c.run(0.5)
    assert len(r1.seen) == 2 and len(r2.seen) == 2            # DRF alternates
    for o in r1.seen + r2.seen:
        assert str(o.resources) == "cpus:4;mem:4096;ports:[31000-32000]"   # the whole agent
    assert len({o.agent for o in r1.seen + r2.seen}) == 4


def test_reserved_resources_are_offered_only_to_their_role():
    c = cluster_with({"a1": "cpus:2;mem:1024;cpus(analytics):6;mem(analytics):2048"})
    other, analytics = Recorder(), Recorder()
    c.register(other, name="web", role="web")
    c.run(0.5)
    assert str(other.seen[0].resources) == "cpus:2;mem:1024;ports:[31000-32000]"
    c.register(analytics, name="spark", role="analytics")
    c.run(1.0)
    assert str(analytics.seen[0].resources) == "cpus(analytics):6;mem(analytics):2048"


def test_decline_filter_holds_for_refuse_seconds_then_reoffers():
    times = []

    def decline(rec, driver, offers):
        times.append(rec_time[0]())
        driver.decline([o.id for o in offers], filters=mesos.Filters(refuse_seconds=5))

    c = cluster_with({"a1": "cpus:1;mem:128"})
    rec_time = [lambda: c.now]
    c.register(Recorder(decline), name="picky")
    c.run(20)
    assert times == [0.0, 5.0, 10.0, 15.0, 20.0]   # re-offered on the first allocation after the filter expires


def test_default_refuse_seconds_is_five():
    assert mesos.Filters().refuse_seconds == 5.0 == mesos.DEFAULT_REFUSE_SECONDS


def test_unused_part_of_an_accepted_offer_counts_as_declined():
    def take_one(rec, driver, offers):
        for o in offers:
            driver.accept([o.id], [mesos.Task(f"t-{o.id}", "cpus:1;mem:64")], filters={"refuse_seconds": 3})
    rec = Recorder(take_one)
    c = cluster_with({"a1": "cpus:4;mem:1024"})
    c.register(rec, name="f")
    c.run(10)
    assert [o.resources["cpus"] for o in rec.seen] == [4.0, 3.0, 2.0, 1.0]
    assert [r["TIME"] for r in c.offers_log()] == [0.0, 3.0, 6.0, 9.0]


def test_suppress_stops_offers_and_revive_clears_filters():
    rec = Recorder(lambda r, d, offers: d.decline([o.id for o in offers], filters={"refuse_seconds": 1000}))
    c = cluster_with({"a1": "cpus:1;mem:128"})
    fid = c.register(rec, name="f")
    c.run(3)
    assert len(rec.seen) == 1
    c.driver(fid).suppress()
    c.driver(fid).revive()
    c.run(0.1)
    assert len(rec.seen) == 2                            # revive removed the 1000 s filter at once
    c.driver(fid).suppress()
    c.run(10)
    assert len(rec.seen) == 2
    assert c.get("frameworks")[0]["STATE"] == "suppressed"


def test_role_weight_shifts_drf_order():
    c = cluster_with({f"a{i}": "cpus:1;mem:128" for i in range(10)})
    heavy, light = Recorder(), Recorder()
    c.register(heavy, name="heavy", role="prod", weight=4.0)
    c.register(light, name="light", role="dev")
    c.run(0.5)
    assert (len(heavy.seen), len(light.seen)) == (8, 2)


def test_quota_limit_caps_what_a_role_is_offered():
    c = cluster_with({f"a{i}": "cpus:4;mem:4096" for i in range(3)})
    c.set_quota("dev", limit="cpus:5")
    rec = Recorder()
    c.register(rec, name="dev-fw", role="dev")
    c.run(3)
    assert sum(o.resources.get("cpus", 0) for o in rec.seen) == 5.0


def test_quota_guarantee_is_served_first_and_headroom_is_kept():
    c = cluster_with({f"a{i}": "cpus:4;mem:4096" for i in range(4)})
    c.set_quota("prod", guarantee="cpus:8")
    greedy = Recorder()
    c.register(greedy, name="greedy", role="dev")
    c.run(3)
    assert sum(o.resources.get("cpus", 0) for o in greedy.seen) == 8.0      # 8 cpus held back for prod's guarantee
    prod = Recorder()
    c.register(prod, name="prod-fw", role="prod")
    c.run(1)
    assert sum(o.resources.get("cpus", 0) for o in prod.seen) == 8.0


def test_tiny_leftovers_are_not_offered():
    def take_almost_all(rec, driver, offers):
        for o in offers:
            driver.accept([o.id], [mesos.Task(f"t-{o.id}", "cpus:0.995;mem:100")], filters={"refuse_seconds": 0})
    rec = Recorder(take_almost_all)
    c = cluster_with({"a1": "cpus:1;mem:120"})
    c.register(rec, name="f")
    c.run(5)
    assert len(rec.seen) == 1        # 0.005 cpus and 20 MB mem are below MIN_CPUS / MIN_MEM


def test_random_sorter_is_deterministic_per_seed():
    def trace(seed):
        c = cluster_with({f"a{i}": "cpus:1;mem:128" for i in range(6)}, seed=seed, framework_sorter="random")
        recs = [Recorder() for _ in range(3)]
        for i, r in enumerate(recs):
            c.register(r, name=f"f{i}")
        c.run(0.5)
        return [(row["FRAMEWORK"], row["AGENT"]) for row in c.offers_log()]
    assert trace(7) == trace(7)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"framework_sorter": "fifo"}, "framework_sorter"),
    ({"role_sorter": mesos.HierarchicalAllocator}, "role_sorter: must be mesos.DRFSorter or mesos.RandomSorter"),
    ({"allocation_interval": 0}, "allocation_interval"),
    ({"masters": 0}, "masters"),
    ({"seed": "x"}, "seed"),
    ({"offer_timeout": -1}, "offer_timeout"),
], ids=["an unknown sorter", "a class that is not a sorter", "a zero allocation interval", "no masters", "a string seed", "a negative offer timeout"])
def test_bad_cluster_arguments(kwargs, fragment):
    with pytest.raises(LabError, match=fragment):
        mesos.Cluster(**kwargs)


@pytest.mark.parametrize("kind, flag", [
    (mesos.DRFSorter, "drf"), (mesos.RandomSorter, "random"), ("drf", "drf"), ("random", "random"),
], ids=["the DRFSorter class selects drf", "the RandomSorter class selects random",
        "the old string drf still works", "the old string random still works"])
def test_sorter_kinds_are_classes_and_the_old_strings_still_work(kind, flag):
    c = mesos.Cluster(seed=0, role_sorter=kind, framework_sorter=kind)
    assert c.master.sorters == (flag, flag)
    assert type(c.master.allocator.role_sorter) is {"drf": mesos.DRFSorter, "random": mesos.RandomSorter}[flag]


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 17, 1000, 1025], ids=lambda n: f"{n} agents are shuffled as random.shuffle does")
def test_fast_shuffle_gives_the_same_order_and_rng_state_as_random_shuffle(size):
    for seed in range(20):
        ours, theirs = random.Random(seed), random.Random(seed)
        a, b = list(range(size)), list(range(size))
        fisher_yates(ours, a)
        theirs.shuffle(b)
        assert a == b
        assert ours.getstate() == theirs.getstate()
