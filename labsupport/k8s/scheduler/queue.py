"""The scheduling queue: activeQ ordered by priority, backoffQ, and the unschedulable pool.

A simplified ``pkg/scheduler/backend/queue/scheduling_queue.go``:

* **activeQ** pops the Pod with the highest ``spec.priority`` first, then the one that
  entered the queue earliest (the PrioritySort plugin), ties by arrival order;
* a Pod that failed goes to the **unschedulable pool**; a cluster event that may
  help (a node added or changed, an assigned Pod deleted) moves every such Pod back:
  to activeQ if its backoff is over, else to **backoffQ** until it is. Backoff is
  ``podInitialBackoffSeconds * 2^(attempts-1)`` capped at ``podMaxBackoffSeconds``
  (defaults 1 s and 10 s);
* a Pod left in the pool longer than 5 minutes is moved anyway (the periodic
  ``flushUnschedulablePodsLeftover``, every 30 s);
* if a move event arrives while a Pod is being scheduled, that Pod goes to backoffQ
  instead of the pool when it fails (``moveRequestCycle``).

Not reproduced: QueueingHints (every event moves every unschedulable Pod), PreEnqueue
plugins / scheduling gates.

>>> from labsupport.core import Simulation
>>> from labsupport.k8s.scheduler.podinfo import PodInfo
>>> q = SchedulingQueue(Simulation(0))
>>> for name, prio in (("low", 0), ("high", 1000), ("low2", 0)):
...     q.add(PodInfo.from_dict({"metadata": {"name": name}, "spec": {"priority": prio}}))
>>> [q.pop().pod.name for _ in range(3)]
['high', 'low', 'low2']
>>> backoff_duration(4, 1, 10), backoff_duration(5, 1, 10)
(8.0, 10.0)
"""
from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

from labsupport.core import Simulation
from labsupport.k8s.scheduler.podinfo import PodInfo

__all__ = ["SchedulingQueue", "QueuedPodInfo", "backoff_duration", "UNSCHEDULABLE_FLUSH_SECONDS", "FLUSH_PERIOD_SECONDS"]

UNSCHEDULABLE_FLUSH_SECONDS = 300.0   # podMaxInUnschedulablePodsDuration
FLUSH_PERIOD_SECONDS = 30.0


def backoff_duration(attempts: int, initial: float, maximum: float) -> float:
    """``initial * 2^(attempts-1)``, capped at ``maximum`` (``calculateBackoffDuration``)."""
    d = float(initial)
    for _ in range(1, attempts):
        d *= 2
        if d > maximum:
            return float(maximum)
    return min(d, float(maximum))


@dataclass
class QueuedPodInfo:
    """A Pod in the queue: when it entered, how often it was tried, where it waits."""

    pod: PodInfo
    timestamp: float
    seq: int
    attempts: int = 0
    where: str = "active"          # active | backoff | unschedulable | in-flight
    since: float = 0.0             # entered the unschedulable pool
    backoff_until: float = 0.0
    cycle: int = 0                 # scheduling cycle in which it was popped


class SchedulingQueue:
    """activeQ + backoffQ + unschedulable pool, driven by simulated time."""

    def __init__(self, sim: Simulation, initial_backoff: float = 1.0, max_backoff: float = 10.0,
                 on_active: Callable[[], None] | None = None) -> None:
        self.sim = sim
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.on_active = on_active
        self._heap: list[tuple[int, float, int, tuple]] = []
        self.entries: dict[tuple, QueuedPodInfo] = {}
        self._seq = 0
        self.cycle = 0
        self._move_request_cycle = -1
        self._flush_armed = False

    def __len__(self) -> int:
        return len(self.entries)

    def _push_active(self, q: QueuedPodInfo) -> None:
        q.where = "active"
        heapq.heappush(self._heap, (-q.pod.priority, q.timestamp, q.seq, q.pod.key))
        if self.on_active is not None:
            self.on_active()

    def add(self, pod: PodInfo) -> None:
        """A new pending Pod (or an update of one already queued)."""
        q = self.entries.get(pod.key)
        if q is not None:
            q.pod = pod
            return
        self._seq += 1
        q = self.entries[pod.key] = QueuedPodInfo(pod, self.sim.now, self._seq)
        self._push_active(q)

    def delete(self, key: tuple) -> None:
        """Forget a Pod (deleted, or bound by someone else)."""
        self.entries.pop(key, None)

    def pop(self) -> QueuedPodInfo | None:
        """The next Pod to schedule, or None if activeQ is empty."""
        while self._heap:
            _p, _t, seq, key = heapq.heappop(self._heap)
            q = self.entries.get(key)
            if q is None or q.where != "active" or q.seq != seq:
                continue
            q.where = "in-flight"
            q.attempts += 1
            self.cycle += 1
            q.cycle = self.cycle
            return q
        return None

    def pop_same(self, first: QueuedPodInfo, limit: int) -> list[QueuedPodInfo]:
        """Pop up to ``limit`` more Pods, while the head of activeQ has the same signature as ``first``.

        They are exactly the Pods that :meth:`pop` would return next, in the same order.
        """
        out: list[QueuedPodInfo] = []
        sig = first.pod.signature
        while self._heap and len(out) < limit:
            _p, _t, seq, key = self._heap[0]
            q = self.entries.get(key)
            if q is None or q.where != "active" or q.seq != seq:
                heapq.heappop(self._heap)
                continue
            if q.pod.signature != sig:
                break
            out.append(self.pop())
        return out

    def done(self, q: QueuedPodInfo) -> None:
        """The Pod was bound: it leaves the queue."""
        if self.entries.get(q.pod.key) is q:
            del self.entries[q.pod.key]

    def add_unschedulable(self, q: QueuedPodInfo) -> None:
        """The Pod failed this cycle: unschedulable pool, or backoffQ if a move event came meanwhile."""
        if self.entries.get(q.pod.key) is not q:
            return
        q.backoff_until = self.sim.now + backoff_duration(q.attempts, self.initial_backoff, self.max_backoff)
        if self._move_request_cycle >= q.cycle:
            self._to_backoff(q)
        else:
            q.where = "unschedulable"
            q.since = self.sim.now
            self._arm_flush()

    def _to_backoff(self, q: QueuedPodInfo) -> None:
        if q.backoff_until <= self.sim.now:
            self._requeue(q)
            return
        q.where = "backoff"
        token = q.seq

        def expire() -> None:
            if self.entries.get(q.pod.key) is q and q.where == "backoff" and q.seq == token:
                self._requeue(q)

        self.sim.schedule_at(q.backoff_until, expire, label=f"backoff {q.pod.namespace}/{q.pod.name}")

    def _requeue(self, q: QueuedPodInfo) -> None:
        self._seq += 1
        q.seq = self._seq
        self._push_active(q)

    def move_all_to_active_or_backoff(self) -> None:
        """A cluster event that may make unschedulable Pods schedulable (``MoveAllToActiveOrBackoffQueue``)."""
        self._move_request_cycle = self.cycle
        for key in sorted(k for k, q in self.entries.items() if q.where == "unschedulable"):
            self._to_backoff(self.entries[key])

    def _arm_flush(self) -> None:
        if self._flush_armed:
            return
        self._flush_armed = True
        self.sim.schedule(FLUSH_PERIOD_SECONDS, self._flush, label="flushUnschedulablePodsLeftover")

    def _flush(self) -> None:
        self._flush_armed = False
        waiting = False
        for key in sorted(k for k, q in self.entries.items() if q.where == "unschedulable"):
            q = self.entries[key]
            if self.sim.now - q.since > UNSCHEDULABLE_FLUSH_SECONDS:
                self._to_backoff(q)
            else:
                waiting = True
        if waiting:
            self._arm_flush()

    def pending(self) -> dict[str, int]:
        """How many Pods wait where: ``{"active": .., "backoff": .., "unschedulable": ..}``."""
        out = {"active": 0, "backoff": 0, "unschedulable": 0}
        for q in self.entries.values():
            if q.where in out:
                out[q.where] += 1
        return out
