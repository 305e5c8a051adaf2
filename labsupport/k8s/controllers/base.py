"""The shape every controller shares: watch -> work queue -> sync(key), as in client-go.

Handlers only *enqueue* a key (``(namespace, name)``); a key already waiting is not
added twice, so a burst of writes at one simulated instant costs one sync. The queue
is drained by one simulated event at the current time with :data:`CONTROLLER_PRIORITY`
(after the scheduler's and kubelets' events due at the same instant). Controllers
react in the same simulated instant; only kubelets, heartbeats and periodic loops
(HPA every 15 s, node monitor every 5 s) take simulated time.

>>> from labsupport.core import Simulation
>>> from labsupport.k8s.store import APIStore
>>> class Echo(Controller):
...     name = "echo-controller"
...     def sync(self, key):
...         print("sync", key)
>>> sim = Simulation(0)
>>> c = Echo(APIStore(sim), sim)
>>> c.enqueue(("default", "a")); c.enqueue(("default", "b")); c.enqueue(("default", "a"))
>>> sim.run(1)
sync ('default', 'a')
sync ('default', 'b')
"""
from __future__ import annotations

from labsupport.core import Simulation, priorities
from labsupport.k8s.store import APIStore

__all__ = ["Controller", "CONTROLLER_PRIORITY", "MAX_SYNCS_PER_INSTANT"]

#: Event-queue priority of controller work (larger = later among events due at the same time).
CONTROLLER_PRIORITY = priorities.CONTROLLER   # the tie-break table: labsupport.core.priorities
#: a key synced more often than this at one simulated instant is a controller that never settles (a bug):
#: the drain stops with an error, recorded as a component failure, instead of hanging the kernel
MAX_SYNCS_PER_INSTANT = 10_000


class Controller:
    """Base class: a deduplicating FIFO work queue of keys and a ``sync(key)`` to implement."""

    name = "controller"

    def __init__(self, store: APIStore, sim: Simulation) -> None:
        self.store = store
        self.sim = sim
        self._queue: dict = {}
        self._drain_scheduled = False
        self._timers: set[tuple] = set()   # (key, time) of enqueue_at calls still waiting

    def enqueue(self, key) -> None:
        """Ask for ``sync(key)`` soon (once, however many times it is asked before the sync runs)."""
        if key in self._queue:
            return
        self._queue[key] = None
        if not self._drain_scheduled:
            self._drain_scheduled = True
            self.sim.schedule(0, self._drain, priority=CONTROLLER_PRIORITY, label=self.name)

    def enqueue_at(self, key, t: float, why: str) -> None:
        """Ask for ``sync(key)`` at simulated time ``t`` (client-go's ``AddAfter``); one timer per (key, t)."""
        if (key, t) in self._timers:
            return
        self._timers.add((key, t))

        def fire():
            self._timers.discard((key, t))
            self.enqueue(key)
        self.sim.schedule_at(t, fire, label=f"{self.name} {why}")

    def _drain(self) -> None:
        self._drain_scheduled = False
        syncs: dict = {}
        while self._queue:
            key = next(iter(self._queue))
            del self._queue[key]
            syncs[key] = syncs.get(key, 0) + 1
            if syncs[key] > MAX_SYNCS_PER_INSTANT:   # a controller bug, not a learner's: stop it, never hang the kernel
                raise RuntimeError(f"{self.name}: {key} was synced {MAX_SYNCS_PER_INSTANT} times at t={self.sim.now:g} "
                                   "without settling")
            self.sync(key)

    def sync(self, key) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
