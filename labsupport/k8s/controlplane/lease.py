"""Leader election through a ``coordination.k8s.io/v1`` Lease, as client-go's ``tools/leaderelection``.

kube-scheduler and kube-controller-manager run on every control-plane member, but only the
replica that holds the Lease ``kube-system/<component>`` works (``--leader-elect``, defaults
from ``LeaderElectionConfiguration``: ``leaseDuration`` 15 s, ``renewDeadline`` 10 s,
``retryPeriod`` 2 s; https://kubernetes.io/docs/concepts/architecture/leases/):

* the **leader** renews ``spec.renewTime`` every ``retryPeriod``; if it cannot renew for
  ``renewDeadline`` (its API server or etcd is gone) it stops leading;
* every other **candidate** polls every ``retryPeriod`` with jitter (``wait.JitterUntil``,
  factor 1.2: a wait in [2 s, 4.4 s)). It may take the Lease only when the record it last
  saw changed more than ``leaseDuration`` ago, measured on its own clock from when it
  *observed* the change (``observedTime``), not from ``renewTime``. Taking over bumps
  ``leaseTransitions``.

So when a leader dies, nothing takes over for at least 15 s after its last renewal, and for up
to 15 s plus two jittered retry periods (about 23.8 s): a candidate may see the last renewal up
to one retry late, and its first try after its own expiry may come up to one retry late. That
is the **failover gap** in which no Pod is scheduled (``attempts`` records every try).

Simplified: a candidate's request succeeds when its own member runs and etcd has quorum (the
API servers sit behind one load-balanced endpoint); no Lease release on clean shutdown (a
failed member cannot release); the identity is the member name (real: ``hostname_uuid``).

>>> from labsupport.core import Simulation
>>> from labsupport.k8s.store import APIStore
>>> sim = Simulation(seed=0); store = APIStore(sim)
>>> up = {"cp-1": True, "cp-2": True}
>>> le = LeaderElector("kube-scheduler", ["cp-1", "cp-2"], store, sim, lambda m: up[m])
>>> sim.run(1); le.leader
'cp-1'
>>> up["cp-1"] = False; le.member_failed("cp-1"); sim.run(14); le.leader is None
True
>>> sim.run(10); le.leader, store.get("Lease", "kube-system", "kube-scheduler")["spec"]["leaseTransitions"]
('cp-2', 1)
"""
from __future__ import annotations

from collections.abc import Callable

from labsupport.core import Simulation
from labsupport.k8s.store import APIStore

__all__ = ["LeaderElector", "LEASE_DURATION", "RENEW_DEADLINE", "RETRY_PERIOD", "JITTER_FACTOR", "LEASE_NAMESPACE"]

LEASE_DURATION = 15.0   # --leader-elect-lease-duration
RENEW_DEADLINE = 10.0   # --leader-elect-renew-deadline
RETRY_PERIOD = 2.0      # --leader-elect-retry-period
JITTER_FACTOR = 1.2     # leaderelection.JitterFactor
LEASE_NAMESPACE = "kube-system"


class LeaderElector:
    """One component's election among ``candidates``; ``reachable(member)`` says if its API calls succeed now.

    ``on_change(leader_or_None)`` is called whenever leadership starts or stops.
    ``history`` lists ``(time, member, what)``; ``attempts`` lists every ``tryAcquireOrRenew`` as a dict
    (TIME, CANDIDATE, HOLDER SEEN, CHANGE SEEN AT, EXPIRED FOR IT AT, RESULT, NEXT TRY AT): a read-out only.
    """

    def __init__(self, component: str, candidates: list[str], store: APIStore, sim: Simulation,
                 reachable: Callable[[str], bool], on_change: Callable[[str | None], None] | None = None) -> None:
        self.component = component
        self.candidates = list(candidates)
        self.store = store
        self.sim = sim
        self.reachable = reachable
        self.on_change = on_change
        self.leader: str | None = None
        self.history: list[tuple[float, str, str]] = []
        self._observed: dict[str, tuple[tuple, float]] = {}   # member -> (record it saw, when it saw it changed)
        self._last_renew: float = 0.0
        self.attempts: list[dict] = []
        self._timers: dict[str, object] = {}
        for i, m in enumerate(self.candidates):
            # replicas start one after another; cp-1 tries first
            self._timers[m] = sim.schedule(0.001 * i, lambda m=m: self._try(m), label=f"{component} leader election")

    # ------------------------------------------------------------------ queries
    def lease(self) -> dict | None:
        """The Lease object as stored (None before the first acquisition)."""
        return self.store.get("Lease", LEASE_NAMESPACE, self.component)

    def member_failed(self, member: str) -> None:
        """The member's process stopped: it neither renews nor polls (and cannot release the Lease)."""
        t = self._timers.pop(member, None)
        if t is not None:
            t.cancel()
        if self.leader == member:
            self._set_leader(None, member, "process stopped while leading")

    def member_restored(self, member: str) -> None:
        """The member's process restarted: it polls as a candidate again."""
        if member not in self._timers:
            self._timers[member] = self.sim.schedule(0, lambda: self._try(member), label=f"{self.component} leader election")

    # ------------------------------------------------------------------- loop
    def _record(self, lease: dict | None) -> tuple:
        if lease is None:
            return ()
        s = lease["spec"]
        return (s.get("holderIdentity"), s.get("renewTime"), s.get("leaseTransitions"))

    def _try(self, member: str) -> None:
        """One ``tryAcquireOrRenew`` by ``member``, then the next attempt is scheduled."""
        now = self.sim.now
        if self.leader == member:
            if self.reachable(member):
                self._write(member, renew=True)
                self._last_renew = now
                result = "renewed"
            elif now - self._last_renew >= RENEW_DEADLINE:
                self._set_leader(None, member, f"failed to renew lease for {RENEW_DEADLINE:g}s: leader election lost")
                result = "renew failed: stopped leading"
            else:
                result = "renew failed"
            self._timers[member] = self.sim.schedule(RETRY_PERIOD, lambda: self._try(member), label=f"{self.component} renew")
            self._attempt(member, member, None, result, RETRY_PERIOD)
            return
        holder, seen = None, None
        result = "API unreachable"
        if self.reachable(member):
            lease = self.lease()
            record = self._record(lease)
            seen = self._observed.get(member)
            if seen is None or seen[0] != record:
                self._observed[member] = seen = (record, now)
            holder = record[0] if record else None
            expired = lease is None or not holder or now >= seen[1] + LEASE_DURATION
            if expired:
                self._write(member, renew=False)
                self._last_renew = now
                self._set_leader(member, member, "successfully acquired lease")
                self._timers[member] = self.sim.schedule(RETRY_PERIOD, lambda: self._try(member), label=f"{self.component} renew")
                self._attempt(member, holder, seen[1], "expired: acquired", RETRY_PERIOD)
                return
            result = "held, not expired"
        wait = RETRY_PERIOD * (1 + self.sim.rng.random() * JITTER_FACTOR)
        self._timers[member] = self.sim.schedule(wait, lambda: self._try(member), label=f"{self.component} leader election")
        self._attempt(member, holder, seen[1] if seen else None, result, wait)

    def _attempt(self, member: str, holder: str | None, seen_at: float | None, result: str, wait: float) -> None:
        """Record one attempt for :attr:`attempts` (times rounded to the millisecond)."""
        now = self.sim.now
        self.attempts.append({"TIME": round(now, 3), "CANDIDATE": member, "HOLDER SEEN": holder,
                              "CHANGE SEEN AT": None if seen_at is None else round(seen_at, 3),
                              "EXPIRED FOR IT AT": None if seen_at is None else round(seen_at + LEASE_DURATION, 3),
                              "RESULT": result, "NEXT TRY AT": round(now + wait, 3)})

    def _write(self, member: str, renew: bool) -> None:
        now = self.sim.now
        lease = self.lease()
        if lease is None:
            self.store.create({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                               "metadata": {"name": self.component, "namespace": LEASE_NAMESPACE},
                               "spec": {"holderIdentity": member, "leaseDurationSeconds": int(LEASE_DURATION),
                                        "acquireTime": now, "renewTime": now, "leaseTransitions": 0}}, actor=f"{self.component}@{member}")
            return
        spec = lease["spec"]
        if not renew:
            if spec.get("holderIdentity") not in (None, "", member):
                spec["leaseTransitions"] = spec.get("leaseTransitions", 0) + 1
            spec["holderIdentity"], spec["acquireTime"] = member, now
        spec["renewTime"] = now
        self.store.update(lease, actor=f"{self.component}@{member}")

    def _set_leader(self, leader: str | None, member: str, what: str) -> None:
        self.leader = leader
        self.history.append((self.sim.now, member, what))
        if self.on_change is not None:
            self.on_change(leader)
