"""labsupport.mesos: a faithful, small simulation of Apache Mesos' two-level scheduling.

The master decides *who is offered what* (the hierarchical allocator with a DRF sorter);
frameworks decide *what to run* on the offers they get. Write a :class:`Scheduler`,
register it, and watch offers, decline filters, roles, quota and failures play out.

Where things live: :mod:`.cluster` (what a notebook drives), :mod:`.master` (offers, frameworks,
task states) with :mod:`.calls` (driver calls), :mod:`.health` (agent pings) and :mod:`.failover`;
:mod:`.agent` (each agent runs its own tasks and executors, like the kubelet); :mod:`.messages`
(what the master sends your scheduler); :mod:`.events` (the event log's reasons); :mod:`.allocator`
and :mod:`.sorter` (who is offered what). Names shared with ``labsupport.k8s`` but meaning something
else (``Scheduler``, ``Framework``) are in the glossary of :mod:`labsupport`.

>>> from labsupport import mesos
>>> class OneTaskPerOffer(mesos.Scheduler):
...     def resource_offers(self, driver, offers):
...         for offer in offers:
...             driver.accept([offer.id], [mesos.Task(f"job-{offer.id}", "cpus:1;mem:256", duration=10)])
>>> cluster = mesos.Cluster(seed=0, allocation_interval=1.0, masters=1)
>>> cluster.add_agent("agent-1", resources="cpus:4;mem:8192;ports:[31000-32000]", attributes="rack:r1")
>>> fid = cluster.register(OneTaskPerOffer(), name="my-fw", role="*")
>>> cluster.run(1)
>>> print(cluster.offers_log())
Offers
TIME   OFFER   FRAMEWORK   AGENT     RESOURCES                             OUTCOME    AT   DETAIL
0      O1      my-fw       agent-1   cpus:4;mem:8192;ports:[31000-32000]   accepted   0    launched job-O1
>>> mesos.drf_allocate({"cpus": 9, "mem": 18}, {"A": {"cpus": 1, "mem": 4}, "B": {"cpus": 3, "mem": 1}})
{'A': 3, 'B': 2}
>>> mesos.dns_name("web", "marathon")
'web.marathon.mesos'
"""
from labsupport.mesos.agent import Agent, AgentState
from labsupport.mesos.allocator import HierarchicalAllocator
from labsupport.mesos.auth import ACLs, AuthenticationError  # noqa: E402  (security: authn and ACLs)
from labsupport.mesos.auth.guard import AuthorizationError
from labsupport.mesos.cluster import TABLES, Cluster
from labsupport.mesos.dns import dns_name
from labsupport.mesos.drf import dominant_share, drf_allocate
from labsupport.mesos.errors import OfferError, ResourceError, SchedulerError
from labsupport.mesos.frameworks import Batch, Chronos, Marathon
from labsupport.mesos.master import AGENT_PING_TIMEOUT, MAX_AGENT_PING_TIMEOUTS
from labsupport.mesos.omega import omega_experiment
from labsupport.mesos.operations import Create, Destroy, Reserve, Unreserve
from labsupport.mesos.resources import Resources, parse_attributes, parse_resources
from labsupport.mesos.scheduler import (
    DEFAULT_REFUSE_SECONDS,
    DriverCallError,
    Filters,
    Offer,
    Scheduler,
    SchedulerDriver,
)
from labsupport.mesos.sorter import DRFSorter, RandomSorter
from labsupport.mesos.tasks import Task, TaskInfo, TaskState, TaskStatus

__all__ = [
    "AGENT_PING_TIMEOUT", "DEFAULT_REFUSE_SECONDS", "MAX_AGENT_PING_TIMEOUTS", "TABLES",
    "Agent", "AgentState", "Batch", "Chronos", "Cluster", "Create", "DRFSorter", "Destroy", "DriverCallError", "Filters",
    "HierarchicalAllocator", "Marathon", "Offer", "OfferError", "RandomSorter", "Reserve", "ResourceError", "Resources",
    "Scheduler", "SchedulerDriver", "SchedulerError", "Task", "TaskInfo", "TaskState", "TaskStatus", "Unreserve",
    "dns_name", "dominant_share", "drf_allocate", "omega_experiment", "parse_attributes", "parse_resources",
    "ACLs", "AuthenticationError", "AuthorizationError",
]
