"""A highly available control plane: N members behind one endpoint, an etcd cluster, leader leases.

A kubeadm-style HA control plane (https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/high-availability/)
runs on each member ``cp-1`` .. ``cp-N`` a kube-apiserver, a kube-scheduler and a
kube-controller-manager; the API servers are stateless and sit behind one load-balanced
endpoint, the state lives in etcd (here a separate cluster of ``etcd-1`` .. ``etcd-M``:
the "external etcd" topology). The scheduler and the controller manager elect a leader
each through a Lease (:mod:`.lease`).

What the learner can break and what follows:

* ``fail_control_plane("cp-1")``: its three processes stop. The API stays up while another
  member's API server runs; if cp-1 led a component, that component does nothing until a
  replica on another member takes the Lease (15 s to about 23.8 s after cp-1's last renewal; see :mod:`.lease`);
* ``fail_etcd_member``: with a majority left, etcd elects a new leader within about 1-2 s;
  without it every write fails (``etcdserver: request timed out``), the leaders cannot
  renew and stop leading after ``renewDeadline`` -- running Pods keep running on their nodes.

In the simulator one Scheduler object and one set of controllers stand for "whichever replica
leads": their informer caches stay warm (as on a real standby replica) and their work loops
are paused while no replica leads (:func:`gate_scheduler`, :func:`gate_controller_manager`).
Kubelets keep writing node status during an etcd outage (real ones fail and retry); only
learner requests and leader renewals are refused.

>>> from labsupport import k8s
>>> cluster = k8s.Cluster(seed=0, control_plane=3, etcd=3)
>>> cluster.run(5)
>>> [(r["LEASE"], r["HOLDER"]) for r in cluster.leases()]
[('kube-controller-manager', 'cp-1'), ('kube-scheduler', 'cp-1')]
"""
from __future__ import annotations

from collections.abc import Callable

from labsupport.core import LabError, Simulation, Table
from labsupport.core.priorities import CONTROLLER
from labsupport.k8s.controlplane.etcd import EtcdCluster, quorum
from labsupport.k8s.controlplane.lease import LEASE_DURATION, LeaderElector
from labsupport.k8s.store import APIStore

__all__ = ["ControlPlane", "ControlPlaneUnavailableError", "gate_scheduler", "gate_controller_manager", "API_ENDPOINT"]

#: The load-balanced endpoint kubectl talks to.
API_ENDPOINT = "control-plane.cluster.local:6443"
COMPONENTS = ("kube-controller-manager", "kube-scheduler")


class ControlPlaneUnavailableError(LabError):
    """No API server answers, or etcd cannot commit the write."""


def gate_scheduler(scheduler, is_leader: Callable[[], bool]) -> Callable[[], None]:
    """Pause ``scheduler``'s scheduling loop while ``is_leader()`` is False; returns a ``resume()`` to call on gaining leadership.

    kube-scheduler's informers run on every replica; only ``sched.Run`` (the scheduleOne loop) waits for leadership.
    """
    drain = scheduler._drain

    def gated() -> None:
        if is_leader():
            drain()
        else:
            scheduler._drain_pending = False

    scheduler._drain = gated

    def resume() -> None:
        scheduler._kick()
    return resume


def gate_controller_manager(controllers: dict, is_leader: Callable[[], bool]) -> Callable[[], None]:
    """Pause every controller's work while ``is_leader()`` is False; returns a ``resume()``.

    Work queues keep their keys; periodic loops (HPA sync, node monitor) skip their passes;
    taint-based evictions that fall due are held and carried out when a leader returns.
    """
    held_evictions: list[tuple] = []
    queued = []
    for name in sorted(controllers):
        c = controllers[name]
        if hasattr(c, "_queue") and hasattr(c, "_drain"):
            queued.append(c)

            def gated(c=c, drain=c._drain) -> None:
                if is_leader():
                    drain()
                else:
                    c._drain_scheduled = False
            c._drain = gated
        elif name == "horizontalpodautoscaling":
            def reconcile(key, orig=c.reconcile) -> None:
                if is_leader():
                    orig(key)
            c.reconcile = reconcile
        elif name == "nodelifecycle":
            def monitor(orig=c.monitor, c=c) -> None:
                if is_leader():
                    orig()
                else:
                    c.sim.schedule(5.0, c.monitor, label="node-controller monitor")
            c.monitor = monitor
        elif name == "tainteviction":
            def evict(key, orig=c._evict) -> None:
                if is_leader():
                    orig(key)
                else:
                    held_evictions.append(key)
            c._evict = evict

    def resume() -> None:
        for c in queued:
            if c._queue and not c._drain_scheduled:
                c._drain_scheduled = True
                c.sim.schedule(0, c._drain, priority=CONTROLLER, label=c.name)
        te = controllers.get("tainteviction")
        while held_evictions and te is not None:
            te._evict(held_evictions.pop(0))
    return resume


class ControlPlane:
    """``members`` control-plane members and an etcd cluster of ``etcd`` members, over ``store``."""

    def __init__(self, store: APIStore, sim: Simulation, members: int, etcd: int) -> None:
        if isinstance(members, bool) or not isinstance(members, int) or not 1 <= members <= 9:
            raise LabError(f"control_plane: must be an integer number of members between 1 and 9, got {members!r}")
        self.sim = sim
        self.store = store
        self.members = {f"cp-{i}": True for i in range(1, members + 1)}
        self.etcd = EtcdCluster(sim, etcd)
        self._resume: dict[str, list[Callable[[], None]]] = {c: [] for c in COMPONENTS}
        self.electors = {c: LeaderElector(c, list(self.members), store, sim, self._reachable, self._changed(c)) for c in COMPONENTS}
        #: (time, component, leader or None): every change of leadership
        self.leadership: list[tuple[float, str, str | None]] = []

    def attach(self, scheduler, controllers: dict) -> None:
        """Pause the scheduler and controllers whenever their component has no leader."""
        self._resume["kube-scheduler"].append(gate_scheduler(scheduler, lambda: self.electors["kube-scheduler"].leader is not None))
        self._resume["kube-controller-manager"].append(gate_controller_manager(
            controllers, lambda: self.electors["kube-controller-manager"].leader is not None))

    def attach_controller(self, name: str, controller) -> None:
        """Gate a controller started later (the disruption controller) like the others."""
        self._resume["kube-controller-manager"].append(
            gate_controller_manager({name: controller}, lambda: self.electors["kube-controller-manager"].leader is not None))

    def _changed(self, component: str) -> Callable[[str | None], None]:
        def on_change(leader: str | None) -> None:
            self.leadership.append((self.sim.now, component, leader))
            if leader is not None:
                for resume in self._resume[component]:
                    resume()
        return on_change

    def _reachable(self, member: str) -> bool:
        return self.members.get(member, False) and self.etcd.has_quorum()

    # ----------------------------------------------------------------- checks
    def check_request(self) -> None:
        """Raise :class:`ControlPlaneUnavailableError` unless a learner's write would succeed now."""
        if not any(self.members.values()):
            raise ControlPlaneUnavailableError(f"The connection to the server {API_ENDPOINT} was refused - did you specify the right host or port? "
                                               "(every control-plane member is down)")
        if not self.etcd.has_quorum():
            self.etcd.check_write()

    def _member(self, name: str) -> str:
        if name not in self.members:
            raise LabError(f"member: no control-plane member {name!r} (members: {', '.join(self.members)})")
        return name

    # ----------------------------------------------------------------- faults
    def fail(self, name: str) -> None:
        """Stop the member's API server, scheduler and controller manager."""
        if not self.members[self._member(name)]:
            return
        self.members[name] = False
        for e in self.electors.values():
            e.member_failed(name)

    def restore(self, name: str) -> None:
        """Restart the member's processes (they join the elections as candidates)."""
        if self.members[self._member(name)]:
            return
        self.members[name] = True
        for e in self.electors.values():
            e.member_restored(name)

    # ----------------------------------------------------------------- tables
    def etcd_status(self) -> Table:
        """One row per etcd member: MEMBER, ROLE, TERM, HEALTHY, QUORUM (what the cluster can do)."""
        ok = self.etcd.has_quorum()
        up, need = len(self.etcd.alive()), quorum(self.etcd.size)
        rows = [{"MEMBER": m.name, "ROLE": m.role, "TERM": m.term, "HEALTHY": m.alive,
                 "QUORUM": f"{up}/{self.etcd.size} up, needs {need}: " + ("writes ok" if ok else "NO WRITES")}
                for m in self.etcd.members.values()]
        return Table(["MEMBER", "ROLE", "TERM", "HEALTHY", "QUORUM"], rows, title=f"etcd (leader: {self.etcd.leader or 'none'})")

    def leases(self) -> Table:
        """``kubectl get leases -n kube-system`` with times: LEASE, HOLDER, RENEW TIME, EXPIRES, TRANSITIONS, LEADING."""
        rows = []
        for comp in COMPONENTS:
            e = self.electors[comp]
            lease = e.lease()
            if lease is None:
                rows.append({"LEASE": comp, "HOLDER": None, "RENEW TIME": None, "EXPIRES": None, "TRANSITIONS": 0, "LEADING": e.leader})
                continue
            s = lease["spec"]
            rows.append({"LEASE": comp, "HOLDER": s["holderIdentity"], "RENEW TIME": round(s["renewTime"], 3),
                         "EXPIRES": round(s["renewTime"] + LEASE_DURATION, 3), "TRANSITIONS": s.get("leaseTransitions", 0),
                         "LEADING": e.leader})
        return Table(["LEASE", "HOLDER", "RENEW TIME", "EXPIRES", "TRANSITIONS", "LEADING"], rows,
                     title=f"leases in kube-system at t={self.sim.now:g}s")

    def election_log(self, component: str, since: float | None = None, until: float | None = None) -> Table:
        """Every leader-election attempt for ``component`` between ``since`` and ``until`` (a read-out of
        :attr:`LeaderElector.attempts`): who tried, the holder it read, when it saw the Lease last change (its
        own clock), when the Lease expires in its view (that moment + 15 s), the result, and its next try."""
        if component not in self.electors:
            raise LabError(f"component: must be one of {', '.join(COMPONENTS)}, got {component!r}")
        rows = [a for a in self.electors[component].attempts
                if (since is None or a["TIME"] >= since) and (until is None or a["TIME"] <= until)]
        return Table(["TIME", "CANDIDATE", "HOLDER SEEN", "CHANGE SEEN AT", "EXPIRED FOR IT AT", "RESULT", "NEXT TRY AT"], rows,
                     title=f"leader election of {component}: every try")

    def members_table(self) -> Table:
        """One row per control-plane member: which of its processes run and which component it leads."""
        rows = []
        for m, up in self.members.items():
            leads = [c for c in COMPONENTS if self.electors[c].leader == m]
            rows.append({"MEMBER": m, "UP": up, "APISERVER": "running" if up else "stopped", "LEADS": ",".join(leads) or None})
        return Table(["MEMBER", "UP", "APISERVER", "LEADS"], rows)
