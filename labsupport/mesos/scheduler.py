"""The scheduler API in Mesos' vocabulary: ``Scheduler`` callbacks, ``Offer``, ``Filters``, the driver.

A framework subclasses :class:`Scheduler` and overrides the callbacks it cares about, as with
the old ``mesos.interface.Scheduler`` Python binding (include/mesos/scheduler.hpp). The master
calls them; the framework answers through the :class:`SchedulerDriver` it is handed.

>>> class Greedy(Scheduler):
...     def resource_offers(self, driver, offers):
...         for offer in offers:
...             driver.accept([offer.id], [Task(f"t-{offer.id}", "cpus:1;mem:128", duration=5)])
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labsupport.core import LabError
from labsupport.mesos.resources import Resources
from labsupport.mesos.tasks import Task, TaskStatus  # noqa: F401  (Task: used in the example)

__all__ = ["DEFAULT_REFUSE_SECONDS", "DriverCallError", "Filters", "Offer", "Scheduler", "SchedulerDriver", "offer_number"]

DEFAULT_REFUSE_SECONDS = 5.0  # Filters.refuse_seconds default in include/mesos/mesos.proto


class Scheduler:
    """Base class of a framework's scheduler; every callback is optional (the default does nothing)."""

    def registered(self, driver: SchedulerDriver, framework_id: str) -> None:
        """The master accepted the framework."""

    def reregistered(self, driver: SchedulerDriver, master: str) -> None:
        """Reconnected, to a newly elected master or after a disconnection."""

    def disconnected(self, driver: SchedulerDriver) -> None:
        """The leading master went away; offers are gone until ``reregistered``."""

    def resource_offers(self, driver: SchedulerDriver, offers: list[Offer]) -> None:
        """New offers. Accept or decline each, or hold it (it stays allocated to you)."""

    def offer_rescinded(self, driver: SchedulerDriver, offer_id: str) -> None:
        """An offer is no longer valid (agent lost, or ``offer_timeout`` passed)."""

    def status_update(self, driver: SchedulerDriver, status: TaskStatus) -> None:
        """A task changed state."""


@dataclass(frozen=True)
class Offer:
    """Resources of one agent offered to one framework (``Offer`` in mesos.proto)."""

    id: str
    framework_id: str
    agent: str
    hostname: str
    resources: Resources
    attributes: Mapping[str, Any]

    def __repr__(self) -> str:
        return f"Offer({self.id!r}, agent={self.agent!r}, resources='{self.resources}')"


def offer_number(offer_id: str) -> int:
    """``"O12"`` -> 12: offers sort in the order they were made."""
    return int(offer_id[1:])


@dataclass(frozen=True)
class Filters:
    """How long the declined (or unused) resources of an agent are not re-offered to you."""

    refuse_seconds: float = DEFAULT_REFUSE_SECONDS

    @staticmethod
    def coerce(value: Any) -> Filters:
        """Accept ``None``, a :class:`Filters`, a number of seconds or ``{"refuse_seconds": s}``."""
        if value is None:
            return Filters()
        if isinstance(value, Filters):
            f = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            f = Filters(float(value))
        elif isinstance(value, Mapping) and set(value) <= {"refuse_seconds"}:
            f = Filters(float(value.get("refuse_seconds", DEFAULT_REFUSE_SECONDS)))
        else:
            raise LabError(f"filters: expected Filters(refuse_seconds=...), a number or {{'refuse_seconds': s}}, got {value!r}")
        if not f.refuse_seconds >= 0:
            raise LabError(f"filters.refuse_seconds: must be >= 0, got {f.refuse_seconds!r}")
        return f


class DriverCallError(LabError, AttributeError):
    """The driver has no such call (e.g. the old C++ name ``launchTasks``)."""


class SchedulerDriver:
    """A framework's handle on the master: accept, decline, suppress, revive, kill, reconcile.

    Each call goes to the current leading master. Offer misuse raises
    :class:`labsupport.mesos.OfferError` and changes nothing. While the framework is not
    registered with a leader (an election, or the second before it re-registers with the new
    one) calls are dropped, as the C++ driver drops them while disconnected; a dropped
    ``accept`` answers each task ``TASK_DROPPED`` (``TASK_LOST`` if not partition-aware).
    ``Cluster.calls_log()`` lists every call and what became of it.
    """

    CALLS = ("accept", "decline", "kill", "reconcile", "revive", "suppress")

    def __init__(self, master: Any, framework_id: str) -> None:
        self._master = master
        self.framework_id = framework_id

    def accept(self, offer_ids, tasks_or_operations, filters=None) -> None:
        """Use offers (all on one agent) for tasks and RESERVE/UNRESERVE/CREATE/DESTROY operations.

        Whatever the offers held and the call did not use counts as declined with ``filters``.
        """
        self._master.accept(self.framework_id, offer_ids, tasks_or_operations, filters)

    def decline(self, offer_ids, filters=None) -> None:
        """Give offers back; their resources are not re-offered for ``refuse_seconds`` (default 5)."""
        self._master.decline(self.framework_id, offer_ids, filters)

    def suppress(self, roles=None) -> None:
        """Stop receiving offers (until ``revive``)."""
        self._master.suppress(self.framework_id, roles)

    def revive(self, roles=None) -> None:
        """Receive offers again and drop every decline filter."""
        self._master.revive(self.framework_id, roles)

    def kill(self, task_id: str) -> None:
        """Kill a task: ``TASK_KILLING`` now, ``TASK_KILLED`` after the grace period."""
        self._master.kill(self.framework_id, task_id)

    def reconcile(self) -> None:
        """Implicit reconciliation: the master re-sends the latest state of each of your live tasks."""
        self._master.reconcile(self.framework_id)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        raise DriverCallError(f"SchedulerDriver has no call {name!r}; the calls are: {', '.join(self.CALLS)}")

    def __repr__(self) -> str:
        return f"SchedulerDriver(framework_id={self.framework_id!r})"


