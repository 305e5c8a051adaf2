"""A discrete-event simulation: a simulated clock, an event queue and one seeded RNG.

The queue is a heap of ``(time, priority, sequence)``: earlier time first, then
lower priority number, then insertion order (FIFO), exactly like SimPy's core. The priorities
the simulators use are named in one tie-break table, :mod:`labsupport.core.priorities`.
Nothing here reads the wall clock, and the only randomness is ``Simulation.rng``,
a :class:`random.Random` seeded once, so a run is a pure function of its seed and
inputs.
"""
from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from labsupport.core.errors import LabError

__all__ = ["BASELINE_MEMORY_BYTES", "Event", "MAX_RUN_SECONDS", "SIM_EPOCH", "Simulation", "check_run_seconds"]

#: Simulated time 0 as Unix seconds (2026-01-01T00:00:00Z), used wherever a real component prints wall-clock
#: times (kubectl's API answers, log timestamps, Prometheus samples): the same simulated instant, the same text.
SIM_EPOCH = 1767225600.0

#: the longest simulated stretch one ``cluster.run()`` call may cover: one simulated week. Periodic work (the
#: Mesos allocator every second, kubelet heartbeats, pings) makes a run's cost grow with its length, so
#: ``run(10**12)`` would keep the kernel busy for ages; a longer stretch is several calls.
MAX_RUN_SECONDS = 7 * 24 * 3600.0


def check_run_seconds(seconds: object) -> float:
    """The ``seconds`` of a ``cluster.run()`` call, checked: a number from 0 to :data:`MAX_RUN_SECONDS`.

    >>> check_run_seconds(60)
    60.0
    >>> check_run_seconds(10**12)
    Traceback (most recent call last):
    ...
    labsupport.core.errors.LabError: seconds: at most 604800 (one simulated week) per run() call, got 1000000000000; call run() again to go on
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise LabError(f"seconds: must be a number >= 0, got {seconds!r}")
    if seconds > MAX_RUN_SECONDS:
        raise LabError(f"seconds: at most {MAX_RUN_SECONDS:.0f} (one simulated week) per run() call, got {seconds!r}; "
                       "call run() again to go on")
    return float(seconds)
#: (chosen) a small server process's memory working set when no memory load is set, in both simulators.
BASELINE_MEMORY_BYTES = 12 * 2**20


@dataclass(order=True)
class Event:
    """One scheduled callback. Ordered by ``(time, priority, seq)``; ``cancelled`` events are skipped."""

    time: float
    priority: int
    seq: int
    callback: Callable[[], Any] = field(compare=False)
    label: str = field(default="", compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        """Mark the event so the queue drops it instead of running it."""
        self.cancelled = True


class Simulation:
    """Simulated time for one cluster.

    >>> sim = Simulation(seed=0)
    >>> order = []
    >>> _ = sim.schedule(2.0, lambda: order.append("b"))
    >>> _ = sim.schedule(1.0, lambda: order.append("a"))
    >>> _ = sim.schedule(2.0, lambda: order.append("c"))   # same time as "b": FIFO
    >>> sim.run(5)
    >>> order, sim.now
    (['a', 'b', 'c'], 5.0)
    """

    def __init__(self, seed: int = 0) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            from labsupport.core.errors import LabError

            raise LabError(f"seed: must be an integer, got {seed!r}")
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = 0.0
        self._queue: list[Event] = []
        self._seq = 0
        #: ``on_error(event, exc)`` is called when an event's callback fails (None: the exception propagates)
        self.on_error: Callable[[Event, Exception], None] | None = None

    def schedule(self, delay: float, callback: Callable[[], Any], *, priority: int = 0, label: str = "") -> Event:
        """Run ``callback`` ``delay`` simulated seconds from now (``delay >= 0``)."""
        if not delay >= 0 or math.isinf(delay):
            raise ValueError(f"delay must be a finite number >= 0, got {delay!r}")
        return self.schedule_at(self.now + delay, callback, priority=priority, label=label)

    def schedule_at(self, time: float, callback: Callable[[], Any], *, priority: int = 0, label: str = "") -> Event:
        """Run ``callback`` at absolute simulated time ``time`` (not in the past)."""
        if time < self.now:
            raise ValueError(f"cannot schedule at {time} < now {self.now}")
        self._seq += 1
        ev = Event(float(time), priority, self._seq, callback, label)
        heapq.heappush(self._queue, ev)
        return ev

    def peek(self) -> float:
        """Time of the next live event, or ``inf`` if the queue is empty."""
        while self._queue and self._queue[0].cancelled:
            heapq.heappop(self._queue)
        return self._queue[0].time if self._queue else math.inf

    def step(self) -> bool:
        """Run the next live event; return False if there was none."""
        if self.peek() == math.inf:
            return False
        ev = heapq.heappop(self._queue)
        self.now = ev.time
        if self.on_error is None:
            ev.callback()
        else:
            try:
                ev.callback()
            except LabError:   # a learner's error (e.g. a Mesos scheduler callback): the learner must see it
                raise
            except Exception as exc:  # a component bug: the owner records it and the run goes on (core.failures)
                self.on_error(ev, exc)
        return True

    def run_until(self, time: float) -> None:
        """Run every event with ``event.time <= time``, then set the clock to ``time``."""
        if time < self.now:
            raise ValueError(f"cannot run back in time to {time} (now {self.now})")
        while self.peek() <= time:
            self.step()
        self.now = float(time)

    def run(self, seconds: float) -> None:
        """Advance the clock by ``seconds``, running the events that fall due."""
        if not seconds >= 0 or math.isinf(seconds):
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        self.run_until(self.now + seconds)

    def pending(self) -> int:
        """Number of live events still queued."""
        return sum(1 for e in self._queue if not e.cancelled)
