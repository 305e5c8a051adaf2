"""The Cluster methods for scaling machines, planned disruption and control-plane HA.

Mixed into :class:`labsupport.k8s.Cluster`; each method is a thin front for a module:
node groups and the cluster autoscaler (:mod:`.controllers.clusterautoscaler`),
PodDisruptionBudgets (:mod:`.controllers.disruption`), the Eviction API (:mod:`.eviction`),
``kubectl drain`` (:mod:`.drain`), and the HA control plane (:mod:`.controlplane`).

>>> from labsupport import k8s
>>> cluster = k8s.Cluster(seed=0, control_plane=3, etcd=3)
>>> cluster.add_node_group("workers", min=1, max=10, cpu="4", memory="16Gi", provision_seconds=60)
>>> [n.split()[0] for n in str(cluster.get("nodes")).splitlines()[1:]]
['workers-1']
>>> cluster.run(5); cluster.fail_control_plane("cp-1"); cluster.run(30)
>>> [(r["LEASE"], r["HOLDER"], r["TRANSITIONS"]) for r in cluster.leases()]
[('kube-controller-manager', 'cp-2', 1), ('kube-scheduler', 'cp-3', 1)]
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from labsupport.core import LabError, Table
from labsupport.k8s.controllers.clusterautoscaler import (
    NODE_GROUP_LABEL,
    AutoscalerOptions,
    ClusterAutoscaler,
    NodeGroup,
)
from labsupport.k8s.controllers.disruption import DisruptionController
from labsupport.k8s.controlplane.ha import ControlPlane
from labsupport.k8s.drain import Drain, DrainResult, cordon, uncordon
from labsupport.k8s.eviction import EvictionResult, evict
from labsupport.k8s.quantity import parse_count, parse_cpu, parse_memory

__all__ = ["ScalingMixin"]

_OPTION_NAMES = tuple(AutoscalerOptions.__dataclass_fields__)
_GROUP_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")   # a DNS-1123 label: node names are <group>-<n>


class ScalingMixin:
    """Methods of :class:`~labsupport.k8s.Cluster` for issue 14 (see the module docstring)."""

    def _init_scaling(self, control_plane: int | None, etcd: int | None) -> None:
        self.control_plane = None
        if control_plane is not None or etcd is not None:
            self.control_plane = ControlPlane(self.store, self.sim, 1 if control_plane is None else control_plane, 1 if etcd is None else etcd)
            self.control_plane.attach(self.scheduler, self.controllers)
        self.autoscaler: ClusterAutoscaler | None = None
        self._autoscaler_options = AutoscalerOptions()

    def _check_api(self) -> None:
        """Refuse a learner's request while no API server answers or etcd has no quorum."""
        if self.control_plane is not None:
            self.control_plane.check_request()

    def _ensure_disruption_controller(self) -> None:
        """Start the disruption controller with the first PodDisruptionBudget (so clusters without PDBs are unchanged)."""
        if "disruption" in self.controllers or not self.store.count("PodDisruptionBudget"):
            return
        c = self.controllers["disruption"] = DisruptionController(self.store, self.sim)
        if self.control_plane is not None:
            self.control_plane.attach_controller("disruption", c)
        for pdb in self.store.list("PodDisruptionBudget"):
            c.enqueue((pdb["metadata"]["namespace"], pdb["metadata"]["name"]))

    # ------------------------------------------------------- node groups
    def add_node_group(self, name: str, min: int = 1, max: int = 10, cpu="4", memory="16Gi", provision_seconds: float = 60,
                       pods=110, labels: Mapping[str, str] | None = None, taints: list | None = None) -> None:
        """A group of identical nodes the cluster autoscaler may grow to ``max`` and shrink to ``min``; it starts at ``min``.

        New nodes are named ``<name>-1``, ``<name>-2``, ... and register ``provision_seconds`` after the scale-up.
        """
        if not isinstance(name, str) or not _GROUP_NAME.match(name) or len(name) > 50:
            raise LabError(f"name: {name!r} is not a valid node group name (lower-case letters, digits and '-', such as 'workers')")
        if self.autoscaler is not None and name in self.autoscaler.groups:
            raise LabError(f'name: node group "{name}" already exists')
        for field, v in (("min", min), ("max", max)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise LabError(f"{field}: must be an integer >= 0, got {v!r}")
        if max < 1 or min > max:
            raise LabError(f"max: must be >= 1 and >= min ({min}), got {max!r}")
        if isinstance(provision_seconds, bool) or not isinstance(provision_seconds, (int, float)) or not 0 <= provision_seconds <= 3600:
            raise LabError(f"provision_seconds: must be a number of seconds between 0 and 3600, got {provision_seconds!r}")
        cpu_m, mem_b, max_pods = parse_cpu(cpu, "cpu"), parse_memory(memory, "memory"), parse_count(pods, "pods")
        if cpu_m <= 0 or mem_b <= 0:
            raise LabError(f"cpu, memory: a node needs some of both, got cpu={cpu!r} memory={memory!r}")
        group = NodeGroup(name, min, max, cpu_m, mem_b, max_pods, float(provision_seconds), dict(labels or {}), list(taints or ()))
        if self.autoscaler is None:
            self.autoscaler = ClusterAutoscaler(self.store, self.sim, self.scheduler.config.profiles[0], self._add_group_node,
                                                self.remove_node, self._autoscaler_options)
        self.autoscaler.add_group(group)

    def _add_group_node(self, name: str, group: NodeGroup) -> None:
        self.add_node(name, cpu=f"{group.cpu_m}m", memory=str(group.memory_b), pods=group.pods,
                      labels={**group.labels, NODE_GROUP_LABEL: group.name}, taints=group.taints)

    def remove_node(self, name: str) -> None:
        """The cloud provider deletes the machine: its kubelet stops and the Node object is deleted."""
        k = self._kubelet(name)
        k.stop()
        del self.kubelets.kubelets[name]
        self.store.delete("Node", None, name, actor="cloud-provider")

    def configure_autoscaler(self, **options) -> AutoscalerOptions:
        """Set cluster-autoscaler flags (seconds for durations), e.g. ``expander="least-waste"``,
        ``scale_down_unneeded_time=120``; returns the options in force. Unknown names raise LabError."""
        for k in options:
            if k not in _OPTION_NAMES:
                raise LabError(f"{k}: not a cluster-autoscaler option here (known: {', '.join(_OPTION_NAMES)})")
        trial = AutoscalerOptions(**{**vars(self._autoscaler_options), **options})
        trial.check()
        for k, v in options.items():
            setattr(self._autoscaler_options, k, v)
        return self._autoscaler_options

    def autoscaler_status(self) -> Table:
        """Per node group: SIZE, TARGET, MIN, MAX, scale-up/scale-down activity, and the last of each with the reason."""
        if self.autoscaler is None:
            raise LabError("node groups: none yet; add one with cluster.add_node_group('workers', min=1, max=10)")
        return self.autoscaler.status()

    # -------------------------------------------------------- disruptions
    def cordon(self, node: str) -> str:
        """``kubectl cordon``: no new Pods on the node."""
        self._check_api()
        self._kubelet(node)
        return cordon(self.store, node)

    def uncordon(self, node: str) -> str:
        """``kubectl uncordon``: the node takes new Pods again."""
        self._check_api()
        self._kubelet(node)
        return uncordon(self.store, node)

    def evict(self, pod: str, namespace: str = "default") -> EvictionResult:
        """``POST .../pods/<pod>/eviction``: 201 evicted, or 429 if a PodDisruptionBudget forbids it (nothing changes)."""
        self._check_api()
        self._ensure_disruption_controller()
        return evict(self.store, namespace, pod, actor="kubectl")

    def drain(self, node: str, *, ignore_daemonsets: bool = False, force: bool = False, delete_emptydir_data: bool = False,
              timeout: float | None = None) -> DrainResult:
        """``kubectl drain``: cordon, then evict every Pod, retrying refused evictions every 5 s.

        Returns a :class:`~labsupport.k8s.drain.DrainResult` that keeps filling in as the cluster runs
        (``.lines``, ``.evicted``, ``.blocked`` with the 429 message, ``.done``).
        """
        self._check_api()
        self._kubelet(node)
        self._ensure_disruption_controller()
        return Drain(self.store, self.sim, node, ignore_daemonsets=ignore_daemonsets, force=force,
                     delete_emptydir_data=delete_emptydir_data, timeout=timeout).start()

    # ------------------------------------------------------ control plane
    def _ha(self) -> ControlPlane:
        if self.control_plane is None:
            raise LabError("control_plane: this cluster has no simulated HA control plane; create it with "
                           "k8s.Cluster(seed=0, control_plane=3, etcd=3)")
        return self.control_plane

    def fail_control_plane(self, member: str) -> None:
        """Stop one control-plane member (``cp-1``..): its API server, scheduler and controller manager."""
        self._ha().fail(member)

    def restore_control_plane(self, member: str) -> None:
        """Restart a control-plane member's processes; they rejoin the leader elections as candidates."""
        self._ha().restore(member)

    def fail_etcd_member(self, member: str) -> None:
        """Stop one etcd member (``etcd-1``..)."""
        self._ha().etcd.fail(member)

    def restore_etcd_member(self, member: str) -> None:
        """Restart an etcd member."""
        self._ha().etcd.restore(member)

    def etcd_status(self) -> Table:
        """One row per etcd member: MEMBER, ROLE, TERM, HEALTHY, QUORUM."""
        return self._ha().etcd_status()

    def leases(self) -> Table:
        """The leader-election Leases in kube-system: LEASE, HOLDER, RENEW TIME, EXPIRES, TRANSITIONS, LEADING."""
        return self._ha().leases()

    def control_plane_status(self) -> Table:
        """One row per control-plane member: whether it runs and which components it leads."""
        return self._ha().members_table()

    def leader_election_log(self, component: str = "kube-scheduler", since: float | None = None, until: float | None = None) -> Table:
        """Every try of every candidate to renew or take ``component``'s Lease, with the time it saw the Lease change
        and its next try (retry period 2 s plus jitter): why a takeover comes some seconds after the Lease's 15 s."""
        return self._ha().election_log(component, since, until)

    def leadership(self) -> Table:
        """Every change of leadership so far: TIME, COMPONENT, LEADER (``None``: nobody leads, the component is idle)."""
        rows = [{"TIME": round(t, 3), "COMPONENT": c, "LEADER": who} for t, c, who in self._ha().leadership]
        return Table(["TIME", "COMPONENT", "LEADER"], rows)
