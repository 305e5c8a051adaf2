"""An etcd cluster at the level of Raft a learner needs: one leader, terms, majority writes.

etcd (https://etcd.io/docs/v3.5/tuning/, ``--heartbeat-interval`` 100 ms and
``--election-timeout`` 1000 ms by default) replicates every write through Raft
(https://raft.github.io/raft.pdf, sections 5.1-5.4):

* one member is the **leader**; it sends heartbeats every :data:`HEARTBEAT_INTERVAL`;
* a follower that hears nothing for its *randomized* election timeout (etcd/raft draws it
  from ``[election, 2 x election)``) starts an election for the next **term**; with
  **PreVote** (on by default since etcd 3.5, ``--pre-vote``) it first asks whether it could
  win and only then increments the term, so a member cut off from the majority does not
  inflate terms;
* a candidate needs votes from a **majority** of the members (:func:`quorum`), itself included;
* a write is committed when a majority has it; without a majority nothing is written
  (kube-apiserver answers ``etcdserver: request timed out``), while data already stored stays readable.

Simplified on purpose: heartbeats are not individual simulated events (100 ms each would
swamp the queue): a follower notices a lost leader one randomized election timeout after
the leader stopped; vote requests are answered at once; logs are not modelled (every live member
is up to date, so any live member can win); a failed member is a crashed process (no partitions
with a stale leader; etcd's CheckQuorum would make such a leader step down anyway).

>>> quorum(3), quorum(5), fault_tolerance(5)
(2, 3, 2)
>>> from labsupport.core import Simulation
>>> sim = Simulation(seed=0); etcd = EtcdCluster(sim, 3)
>>> etcd.leader, etcd.term
('etcd-1', 1)
>>> etcd.fail("etcd-1"); sim.run(3)
>>> etcd.leader is not None, etcd.term, etcd.has_quorum()
(True, 2, True)
"""
from __future__ import annotations

from dataclasses import dataclass

from labsupport.core import LabError, Simulation

__all__ = ["EtcdCluster", "EtcdMember", "EtcdUnavailableError", "quorum", "fault_tolerance",
           "HEARTBEAT_INTERVAL", "ELECTION_TIMEOUT", "ETCD_TIMEOUT_MESSAGE"]

#: etcd ``--heartbeat-interval`` default (seconds).
HEARTBEAT_INTERVAL = 0.1
#: etcd ``--election-timeout`` default (seconds); the randomized timeout is drawn from [1x, 2x).
ELECTION_TIMEOUT = 1.0
#: What kube-apiserver answers when etcd cannot commit a write.
ETCD_TIMEOUT_MESSAGE = "etcdserver: request timed out"


class EtcdUnavailableError(LabError):
    """etcd has no leader with a majority: the write cannot be committed."""


def quorum(members: int) -> int:
    """Votes (or copies of a write) a cluster of ``members`` needs: a strict majority, ``n // 2 + 1``.

    >>> [quorum(n) for n in (1, 2, 3, 4, 5, 7)]
    [1, 2, 2, 3, 3, 4]
    """
    if isinstance(members, bool) or not isinstance(members, int) or members < 1:
        raise LabError(f"members: must be an integer >= 1, got {members!r}")
    return members // 2 + 1


def fault_tolerance(members: int) -> int:
    """How many members may fail while the rest still form a majority (etcd FAQ table).

    >>> [fault_tolerance(n) for n in (1, 2, 3, 4, 5)]
    [0, 0, 1, 1, 2]
    """
    return members - quorum(members)


@dataclass
class EtcdMember:
    """One etcd member: ``name``, whether it runs (``alive``), its ``role`` and the ``term`` it has seen."""

    name: str
    alive: bool = True
    role: str = "follower"
    term: int = 0


class EtcdCluster:
    """``size`` members named ``etcd-1`` .. ``etcd-N``; ``etcd-1`` wins the first election at time 0."""

    def __init__(self, sim: Simulation, size: int = 3, election_timeout: float = ELECTION_TIMEOUT) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 9:
            raise LabError(f"etcd: must be an integer number of members between 1 and 9, got {size!r}")
        self.sim = sim
        self.election_timeout = election_timeout
        self.members = {f"etcd-{i}": EtcdMember(f"etcd-{i}") for i in range(1, size + 1)}
        self.term = 0
        self.leader: str | None = None
        self.history: list[tuple[float, str, str]] = []   # (time, member, what happened)
        self._election = None
        self._win("etcd-1")

    # ----------------------------------------------------------------- queries
    @property
    def size(self) -> int:
        return len(self.members)

    def alive(self) -> list[str]:
        """Names of running members, in name order."""
        return [n for n, m in self.members.items() if m.alive]

    def has_quorum(self) -> bool:
        """True if a leader runs and a majority of members is alive: writes can be committed."""
        return self.leader is not None and len(self.alive()) >= quorum(self.size)

    def check_write(self) -> None:
        """Raise :class:`EtcdUnavailableError` unless a write could be committed now."""
        if not self.has_quorum():
            raise EtcdUnavailableError(f"Error from server: {ETCD_TIMEOUT_MESSAGE} "
                                       f"({len(self.alive())} of {self.size} etcd members up, a write needs {quorum(self.size)})")

    def member(self, name: str) -> EtcdMember:
        m = self.members.get(name)
        if m is None:
            raise LabError(f"member: no etcd member {name!r} (members: {', '.join(self.members)})")
        return m

    # ----------------------------------------------------------------- faults
    def fail(self, name: str) -> None:
        """Stop a member. If it led, the others elect a new leader once their election timeout passes."""
        m = self.member(name)
        if not m.alive:
            return
        m.alive, m.role = False, "down"
        self._log(name, "stopped")
        if self.leader == name:
            self.leader = None
            self._arm_election()

    def restore(self, name: str) -> None:
        """Restart a member: it rejoins as a follower (and may complete a majority for an election)."""
        m = self.member(name)
        if m.alive:
            return
        m.alive, m.role, m.term = True, "follower", self.term
        self._log(name, "restarted as follower")
        if self.leader is None:
            self._arm_election()

    # -------------------------------------------------------------- elections
    def _arm_election(self) -> None:
        if self._election is not None:
            self._election.cancel()
        live = self.alive()
        if not live:
            self._election = None
            return
        # each live follower draws its randomized timeout; the earliest becomes the candidate
        draws = sorted((self.election_timeout * (1 + self.sim.rng.random()), n) for n in live)
        delay, candidate = draws[0]
        self._election = self.sim.schedule(delay, lambda: self._campaign(candidate), label="etcd election timeout")

    def _campaign(self, candidate: str) -> None:
        self._election = None
        if self.leader is not None:
            return
        if not self.members[candidate].alive:
            self._arm_election()      # the would-be candidate stopped too: another follower's timeout runs out
            return
        if len(self.alive()) < quorum(self.size):
            # PreVote fails: no majority would answer, the term is not incremented; try again later
            self.members[candidate].role = "follower"
            self._log(candidate, f"pre-vote failed ({len(self.alive())} of {self.size} members reachable, needs {quorum(self.size)})")
            self._arm_election()
            return
        self._win(candidate)

    def _win(self, candidate: str) -> None:
        self.term += 1
        self.leader = candidate
        for n, m in self.members.items():
            if m.alive:
                m.term = self.term
                m.role = "leader" if n == candidate else "follower"
        self._log(candidate, f"elected leader at term {self.term}")

    def _log(self, member: str, what: str) -> None:
        self.history.append((self.sim.now, member, what))
