"""The learner-facing Cluster: tables like the Mesos UI, the offers log, and DRF emerging from offers."""
import pytest

from labsupport import mesos
from labsupport.core import LabError, Table
from tests.mesos.helpers import Recorder


class OneTaskPerOffer(mesos.Scheduler):
    """Launches one task of ``demand`` per offer while it fits; declines the rest with refuse_seconds=0."""

    def __init__(self, name, demand):
        self.name, self.demand, self.n = name, demand, 0

    def resource_offers(self, driver, offers):
        for o in offers:
            need = mesos.Resources(mesos.parse_resources(self.demand).entries)
            if all(o.resources.get(k, 0) >= v for k, v in need.scalars().items()):
                self.n += 1
                driver.accept([o.id], [mesos.Task(f"{self.name}-{self.n}", self.demand)], filters={"refuse_seconds": 0})
            else:
                driver.decline([o.id], filters={"refuse_seconds": 0})


def test_drf_paper_example_emerges_from_offers():
    """9 CPUs, 18 GB; A's tasks need <1 CPU, 4 GB>, B's <3 CPUs, 1 GB>: DRF gives A 3 tasks and B 2."""
    c = mesos.Cluster(seed=0)
    c.add_agent("big", "cpus:9;mem:18")
    a, b = OneTaskPerOffer("A", "cpus:1;mem:4"), OneTaskPerOffer("B", "cpus:3;mem:1")
    c.register(a, name="A")
    c.register(b, name="B")
    c.run(20)
    assert (a.n, b.n) == (3, 2)
    assert mesos.drf_allocate({"cpus": 9, "mem": 18}, {"A": {"cpus": 1, "mem": 4}, "B": {"cpus": 3, "mem": 1}}) == {"A": 3, "B": 2}
    shares = {r["NAME"]: r["SHARE"] for r in c.get("frameworks")}
    assert shares == {"A": pytest.approx(2 / 3, abs=1e-4), "B": pytest.approx(2 / 3, abs=1e-4)}


@pytest.mark.parametrize("table, columns", [
    ("agents", ["ID", "STATE", "CPUS", "MEM", "DISK", "OFFERED", "RESERVED", "ATTRIBUTES", "TASKS"]),
    ("frameworks", ["ID", "NAME", "ROLE", "STATE", "TASKS", "CPUS", "MEM", "OFFERS", "SHARE"]),
    ("tasks", ["ID", "NAME", "FRAMEWORK", "AGENT", "STATE", "KIND", "RESOURCES"]),
    ("roles", ["ROLE", "WEIGHT", "FRAMEWORKS", "CPUS", "MEM", "SHARE", "GUARANTEE", "LIMIT"]),
], ids=["the agents table", "the frameworks table", "the tasks table", "the roles table"])
def test_get_tables_print_as_text_and_html(table, columns):
    c = mesos.Cluster(seed=0)
    c.add_agent("a1", "cpus:4;mem:4096;cpus(web):1", attributes="rack:r1")
    c.register(OneTaskPerOffer("w", "cpus:1;mem:128"), name="web", role="web", weight=2)
    c.set_quota("web", limit="cpus:3")
    c.run(3)
    t = c.get(table)
    assert isinstance(t, Table) and t.columns == columns and len(t) >= 1
    assert str(t).splitlines()[1].split() == columns
    assert "<table>" in t._repr_html_()


def test_tables_show_the_state_a_learner_expects():
    c = mesos.Cluster(seed=0)
    c.add_agent("a1", "cpus:4;mem:4096;cpus(web):1", attributes="rack:r1")
    c.register(OneTaskPerOffer("w", "cpus:1;mem:128"), name="web", role="web", weight=2)
    c.set_quota("web", limit="cpus:3")
    c.run(3)
    agent = c.get("agents")[0]
    assert (agent["RESERVED"], agent["ATTRIBUTES"]) == ("cpus(web):1", "rack:r1")
    role = c.get("roles")[0]
    assert (role["ROLE"], role["WEIGHT"], role["LIMIT"]) == ("web", 2.0, "cpus:3")
    assert role["CPUS"] <= 3 + 1   # the limit caps unreserved cpus; the role's own reservation comes on top
    assert [r["STATE"] for r in c.get("tasks")] == ["TASK_RUNNING"] * len(c.get("tasks"))


def test_offers_log_records_every_outcome():
    c = mesos.Cluster(seed=0, offer_timeout=3)
    c.add_agent("a1", "cpus:1;mem:128")
    rec = Recorder()
    c.register(rec, name="holder")
    c.run(3.5)
    log = c.offers_log()
    assert log.columns == ["TIME", "OFFER", "FRAMEWORK", "AGENT", "RESOURCES", "OUTCOME", "AT", "DETAIL"]
    assert log[0]["OUTCOME"] == "expired" and log[0]["AT"] == 3.0
    c.fail_agent("a1")
    c.run(100)
    assert {r["OUTCOME"] for r in c.offers_log()} == {"expired", "rescinded"}


def test_unknown_table_lists_valid_ones():
    with pytest.raises(LabError, match="unknown table 'nodes'; valid: agents, frameworks, tasks, roles"):
        mesos.Cluster().get("nodes")


def test_public_names():
    for name in ["Cluster", "Scheduler", "Task", "Offer", "Filters", "OfferError", "ResourceError", "TaskState",
                 "Reserve", "Unreserve", "Create", "Destroy", "drf_allocate", "dns_name"]:
        assert name in mesos.__all__
    assert [s.value for s in mesos.TaskState] == [
        "TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_FINISHED", "TASK_FAILED",
        "TASK_KILLED", "TASK_ERROR", "TASK_LOST", "TASK_UNREACHABLE", "TASK_GONE", "TASK_DROPPED", "TASK_UNKNOWN"]
