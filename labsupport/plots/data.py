"""Plain records the plots draw: what a figure needs, independent of which simulator produced it.

Every plot function takes either a live cluster (``labsupport.k8s.Cluster`` or
``labsupport.mesos.Cluster``; :mod:`labsupport.plots.adapt` turns it into these records)
or the records themselves, so a lesson can also draw numbers it made up by hand.

Units are fixed so axes can say them: CPU in cores, memory in MiB, time in simulated
seconds, shares as fractions 0..1.

>>> b = Bin("node-1", cpu=4, memory=8192, items=[Item("web-1", "web", cpu=0.5, memory=256)])
>>> b.used("cpu"), b.free("cpu")
(0.5, 3.5)
>>> Span("node-1", "web-1", "web", start=0, end=None).finish(now=30)
30
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Item",
    "Bin",
    "Span",
    "Mark",
    "Timeline",
    "OfferSpan",
    "ShareSample",
    "HPASample",
    "Component",
    "Flow",
    "Architecture",
    "SPAN_OUTCOMES",
    "MARK_KINDS",
    "OFFER_OUTCOMES",
]

#: How a span (a pod or task on a node) can end. ``None`` means still running.
SPAN_OUTCOMES = ("succeeded", "failed", "killed", "evicted", "lost", "unreachable")
#: Marker kinds a timeline knows (see :data:`labsupport.plots.style.MARKERS`).
MARK_KINDS = ("failure", "recovery", "eviction", "restart", "leader")
#: What a framework did with an offer.
OFFER_OUTCOMES = ("accepted", "declined", "rescinded", "outstanding")


@dataclass(frozen=True)
class Item:
    """One pod or task sitting on a node or agent, with what it requested."""

    name: str
    group: str          # Deployment / owner / framework: items of a group share a colour and hatch
    cpu: float          # cores
    memory: float       # MiB


@dataclass(frozen=True)
class Bin:
    """A node or agent with its allocatable capacity and the items placed on it."""

    name: str
    cpu: float          # cores
    memory: float       # MiB
    items: Sequence[Item] = ()
    down: bool = False  # NotReady node / unreachable agent

    def used(self, resource: str) -> float:
        """Sum of the items' requests of ``resource`` ("cpu" or "memory")."""
        return sum(getattr(i, resource) for i in self.items)

    def free(self, resource: str) -> float:
        """Capacity minus used, never below zero."""
        return max(0.0, getattr(self, resource) - self.used(resource))


@dataclass(frozen=True)
class Span:
    """A pod or task occupying a lane (node or agent) from ``start`` to ``end`` (None: still running)."""

    lane: str
    name: str
    group: str
    start: float
    end: float | None = None
    outcome: str | None = None     # one of SPAN_OUTCOMES, or None while running

    def finish(self, now: float) -> float:
        """``end``, or ``now`` for a span that is still running."""
        return now if self.end is None else self.end


@dataclass(frozen=True)
class Mark:
    """Something that happened on a lane at a moment: a failure, a recovery, an eviction, a restart."""

    lane: str
    time: float
    kind: str                      # one of MARK_KINDS
    text: str = ""


@dataclass(frozen=True)
class Timeline:
    """Spans and marks over lanes, up to simulated time ``now``."""

    lanes: Sequence[str]
    spans: Sequence[Span]
    marks: Sequence[Mark] = ()
    now: float = 0.0
    lane_title: str = "node"


@dataclass(frozen=True)
class OfferSpan:
    """An offer of one agent's resources to one framework, from when it was made until it was answered."""

    agent: str
    framework: str
    start: float
    end: float
    outcome: str                   # one of OFFER_OUTCOMES
    resources: str = ""


@dataclass(frozen=True)
class ShareSample:
    """Dominant shares of every client (role or framework) at one moment."""

    time: float
    shares: Mapping[str, float]


@dataclass(frozen=True)
class HPASample:
    """One HorizontalPodAutoscaler reading (autoscaling/v2 status) at one moment."""

    time: float
    load: float | None             # offered load, in the unit the lesson chose (e.g. CPU cores demanded)
    utilization: float | None      # current average utilization, percent of requests
    target: float                  # target average utilization, percent
    desired: int                   # status.desiredReplicas
    actual: int                    # status.currentReplicas


@dataclass(frozen=True)
class Component:
    """A box on an architecture diagram. ``layer`` picks the row (0 = top), ``order`` the place in it."""

    name: str
    layer: int
    order: int = 0
    kind: str = ""                 # e.g. "client", "control plane", "store", "node"
    highlight: bool = False        # e.g. the leading master


@dataclass(frozen=True)
class Flow:
    """Messages or watch events that flowed from one component to another, with how many."""

    src: str
    dst: str
    label: str
    count: int


@dataclass(frozen=True)
class Architecture:
    """Components and flows of one system, plus the diagram title."""

    title: str
    components: Sequence[Component]
    flows: Sequence[Flow] = field(default_factory=tuple)
