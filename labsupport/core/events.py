"""One event record for both simulators: when, which component, why (a reason), about which objects, and a message.

Kubernetes Events (``kubectl get events``; ``core/v1`` Event: ``involvedObject``, ``related``,
``reason``, ``source``, ``message``, ``count``) and the Mesos cluster's event log are both made of
:class:`EventRecord`. Code that *reads* events -- the plots, the widgets, tests -- decides on
``reason`` (a short CamelCase word that does not change) and on the ids in ``involved``; the
``message`` is for people and may be reworded at any time. A display name like ``agent 1`` or
``bob's web`` never has to be parsed back out of a sentence.

>>> e = EventRecord(12.0, "master", "AgentRegistered", (ObjectRef("Agent", "agent 1"),), "agent agent 1 registered")
>>> e.reason, e.involves("Agent"), e.involves("Agent", "agent 1"), e.ids("Agent")
('AgentRegistered', True, True, ['agent 1'])
>>> e.kind, e.name, e.time
('Agent', 'agent 1', 12.0)
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["EventRecord", "ObjectRef"]


class ObjectRef(NamedTuple):
    """An object an event is about: its kind and id (``namespace`` only for namespaced Kubernetes objects)."""

    kind: str
    name: str
    namespace: str = ""


class EventRecord:
    """One event. ``involved[0]`` is the main object (Kubernetes' ``involvedObject``); the rest are related objects.

    Each involved object is an :class:`ObjectRef` or a plain ``(kind, name, namespace)`` tuple
    (the same thing without field names; the Kubernetes store writes plain tuples, it records
    hundreds of thousands of Events in the big benchmark).

    Repeats of the same event may be folded into one record (Kubernetes does: ``count`` goes up
    and ``last_time`` moves); ``time`` is when it was first seen.
    """

    __slots__ = ("first_time", "last_time", "count", "type", "reason", "source", "involved", "message", "seq")

    def __init__(self, time: float, source: str, reason: str, involved: tuple[ObjectRef, ...], message: str,
                 type: str = "Normal", seq: int = 0) -> None:
        self.first_time = self.last_time = time
        self.count = 1
        self.type = type
        self.reason = reason
        self.source = source
        self.involved = involved
        self.message = message
        self.seq = seq

    @property
    def time(self) -> float:
        """When the event was first seen."""
        return self.first_time

    # the main object, as Kubernetes names its fields (involvedObject.kind/.namespace/.name)
    @property
    def kind(self) -> str:
        return self.involved[0][0] if self.involved else ""

    @property
    def namespace(self) -> str:
        return self.involved[0][2] if self.involved else ""

    @property
    def name(self) -> str:
        return self.involved[0][1] if self.involved else ""

    def involves(self, kind: str, name: str | None = None) -> bool:
        """True if the event is about an object of ``kind`` (with id ``name``, if given)."""
        return any(r[0] == kind and (name is None or r[1] == name) for r in self.involved)

    def ids(self, kind: str) -> list[str]:
        """Ids of the involved objects of ``kind``, in order."""
        return [r[1] for r in self.involved if r[0] == kind]

    def __repr__(self) -> str:
        about = ", ".join(f"{r[0]}/{r[1]}" for r in self.involved)
        return f"EventRecord(t={self.first_time:g} {self.source} {self.reason} [{about}]: {self.message} x{self.count})"
