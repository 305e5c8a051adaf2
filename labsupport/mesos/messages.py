"""The messages the master sends a framework's scheduler, as typed records, and the one function that delivers them.

Real Mesos sends protobuf messages (``FrameworkRegisteredMessage``, ``ResourceOffersMessage``,
``RescindResourceOfferMessage``, ``StatusUpdateMessage`` ... in src/messages/messages.proto; the
v1 API names them ``SUBSCRIBED``, ``OFFERS``, ``RESCIND``, ``UPDATE`` in
include/mesos/v1/scheduler/scheduler.proto); the scheduler driver turns each into one callback
of ``mesos::Scheduler`` (include/mesos/scheduler.hpp). Here each message is a small frozen
record and :func:`dispatch` is the driver's dispatch: one ``match`` from message type to callback.
Every callback into learner code goes through :func:`deliver`, so a time limit or any other guard
wraps exactly one place.

>>> from labsupport.mesos.scheduler import Scheduler
>>> class Hello(Scheduler):
...     def registered(self, driver, framework_id):
...         print("registered as", framework_id)
>>> deliver(Hello(), None, Registered("0000-hello"), framework="hello (0000-hello)")
registered as 0000-hello
>>> Registered("0000-hello").callback
'registered'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from labsupport.core.timelimit import TimeLimitExceeded, call_with_time_limit
from labsupport.mesos.errors import SchedulerError
from labsupport.mesos.tasks import TaskStatus

__all__ = [
    "Disconnected",
    "Message",
    "OfferRescinded",
    "Registered",
    "Reregistered",
    "ResourceOffers",
    "StatusUpdate",
    "deliver",
    "dispatch",
]


@dataclass(frozen=True)
class Registered:
    """The master accepted a new framework (``FrameworkRegisteredMessage``)."""

    framework_id: str
    callback: ClassVar[str] = "registered"


@dataclass(frozen=True)
class Reregistered:
    """The framework is registered again, with a new leader or after a disconnection (``FrameworkReregisteredMessage``)."""

    master: str
    callback: ClassVar[str] = "reregistered"


@dataclass(frozen=True)
class Disconnected:
    """The leading master went away (the driver's own notice, no wire message)."""

    callback: ClassVar[str] = "disconnected"


@dataclass(frozen=True)
class ResourceOffers:
    """New offers (``ResourceOffersMessage``): all offers made to one framework in one allocation round."""

    offers: tuple
    callback: ClassVar[str] = "resource_offers"


@dataclass(frozen=True)
class OfferRescinded:
    """An offer is no longer valid (``RescindResourceOfferMessage``)."""

    offer_id: str
    callback: ClassVar[str] = "offer_rescinded"


@dataclass(frozen=True)
class StatusUpdate:
    """A task changed state (``StatusUpdateMessage``)."""

    status: TaskStatus
    callback: ClassVar[str] = "status_update"


Message = Registered | Reregistered | Disconnected | ResourceOffers | OfferRescinded | StatusUpdate


def dispatch(scheduler: Any, driver: Any, message: Message) -> None:
    """Call the one ``Scheduler`` callback that handles ``message`` (what the driver does on receiving it)."""
    match message:
        case Registered(framework_id=fid):
            scheduler.registered(driver, fid)
        case Reregistered(master=master):
            scheduler.reregistered(driver, master)
        case Disconnected():
            scheduler.disconnected(driver)
        case ResourceOffers(offers=offers):
            scheduler.resource_offers(driver, list(offers))
        case OfferRescinded(offer_id=oid):
            scheduler.offer_rescinded(driver, oid)
        case StatusUpdate(status=status):
            scheduler.status_update(driver, status)


def deliver(scheduler: Any, driver: Any, message: Message, *, framework: str) -> None:
    """Run the scheduler's callback for ``message``; a learner's exception becomes a :class:`SchedulerError`.

    This is the only place the master calls into a framework's code, so the guard around learner
    code wraps :func:`dispatch` here and nowhere else: a time limit (:mod:`labsupport.core.timelimit`)
    and held driver calls (applied only once the callback has returned).
    ``framework`` names the framework in the error ("name (id)").
    """
    if not isinstance(message, Message):
        raise TypeError(f"not a scheduler message: {message!r}")
    held = HeldCalls()
    master, driver._master = driver._master, held     # driver calls are recorded while learner code runs
    try:
        call_with_time_limit(dispatch, scheduler, driver, message, name=f"{type(scheduler).__name__}.{message.callback}")
    except TimeLimitExceeded as exc:  # an endless loop: stopped, its driver calls discarded
        raise SchedulerError(f"framework {framework}: {exc} The cluster is exactly as before the "
                             f"call (its driver calls were discarded); fix the scheduler and run again.") from None
    except Exception as exc:  # a learner's bug: name the framework and the callback
        raise SchedulerError(
            f"framework {framework} raised in {type(scheduler).__name__}.{message.callback}(): "
            f"{type(exc).__name__}: {exc}. The cluster state is unchanged by the failed call; "
            f"fix the scheduler and run again."
        ) from exc
    finally:
        driver._master = master
    for name, args, kwargs in held.calls:   # the callback returned: apply its driver calls, in order
        getattr(master, name)(*args, **kwargs)


class HeldCalls:
    """Stands in for the master while a learner's callback runs: driver calls are recorded, not applied,
    so a callback that is stopped by the time limit (or raises) leaves the cluster exactly as it was."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name: str):
        def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))
        return record
