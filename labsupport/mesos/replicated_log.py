"""The replicated log that holds the Mesos master's *registry*, one replica per master.

The registry (admitted and removed agents, the maintenance schedule, quotas, weights) is
written through the **replicated log**, a Paxos-based log with one replica in every master
process (https://mesos.apache.org/documentation/latest/replicated-log-internals/). A write,
and the recovery a newly elected master performs before it serves, needs a **quorum** of
replicas: the master flag ``--quorum`` must be set to more than half of the masters
(https://mesos.apache.org/documentation/latest/high-availability/, "--quorum=2" for 3 masters;
https://mesos.apache.org/documentation/latest/configuration/master/).

Without a quorum a newly elected master cannot recover its registry (the real one gives up
after ``--registry_fetch_timeout``, 1 minute, exits and is restarted), and a leading master
cannot admit a new agent or store a maintenance schedule. Tasks that run keep running.

>>> log = ReplicatedLog(["master-1", "master-2", "master-3"])
>>> log.quorum, log.writable({"master-1"}), log.writable({"master-1", "master-3"})
(2, False, True)
"""
from __future__ import annotations

from labsupport.core import LabError

__all__ = ["ReplicatedLog", "REGISTRY_FETCH_TIMEOUT"]

#: ``--registry_fetch_timeout`` default (seconds).
REGISTRY_FETCH_TIMEOUT = 60.0


class ReplicatedLog:
    """Replicas named after the masters; ``quorum`` defaults to a majority (``--quorum``)."""

    def __init__(self, replicas: list[str], quorum: int | None = None) -> None:
        self.replicas = list(replicas)
        n = len(self.replicas)
        if quorum is None:
            quorum = n // 2 + 1
        if isinstance(quorum, bool) or not isinstance(quorum, int) or not n // 2 < quorum <= n:
            raise LabError(f"quorum: must be an integer above half the masters and at most their number "
                           f"({n // 2 + 1}..{n} for {n} masters), got {quorum!r}")
        self.quorum = quorum
        #: (time, operation) of every registry write
        self.entries: list[tuple[float, str]] = []

    def writable(self, running: set[str]) -> bool:
        """True if the running masters hold a quorum of replicas."""
        return len([r for r in self.replicas if r in running]) >= self.quorum

    def append(self, time: float, operation: str) -> None:
        self.entries.append((time, operation))
