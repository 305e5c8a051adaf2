"""Cluster Autoscaler: add nodes when Pods cannot be scheduled, remove nodes that are not needed.

After ``kubernetes/autoscaler``'s cluster-autoscaler FAQ ("How does scale-up work?", "How does
scale-down work?", "What are the parameters to CA?"), every ``scan_interval`` (10 s):

**Scale-up.** Pods the scheduler marked ``PodScheduled=False, reason Unschedulable`` are
checked against a snapshot of the existing nodes *and the nodes still being provisioned*
(so a Pod that will fit an upcoming node does not trigger a second scale-up). For each node
group below its ``max`` the binpacking estimator (:func:`~.expander.estimate`) asks the
scheduler's own Filter plugins how many template nodes the remaining Pods need; the
**expander** (``least-waste`` by default) picks one group; the group's target grows (never beyond
``max``) and the nodes register ``provision_seconds`` later. Every helped Pod gets the event
``TriggeredScaleUp`` "pod triggered scale-up: [{group 1->3 (max: 10)}]"; a Pod no group can
help gets ``NotTriggerScaleUp``.

**Scale-down.** A node of a group above its ``min`` is *unneeded* when the sum of its Pods'
requests is below ``scale_down_utilization_threshold`` (0.5) of its allocatable CPU and of its
memory, and every Pod on it can move: it has a controller, is not a ``kube-system`` Pod
without a PDB, has no ``safe-to-evict: "false"`` annotation, its PDB allows a disruption,
and it fits another node. A node unneeded for ``scale_down_unneeded_time`` (10 min) is
removed -- not within ``scale_down_delay_after_add`` (10 min) of a scale-up, nor within
``scale_down_delay_after_failure`` (3 min) of a failed one; at most ``max_scale_down_parallelism`` (10) nodes at once, of which ``max_drain_parallelism`` (1) with Pods to move. Removal taints the node
``ToBeDeletedByClusterAutoscaler``, evicts its Pods through the Eviction API (a refusal aborts
it: ``ScaleDownFailed``), waits for them to go, and deletes the node.

Simplified: no cloud-provider errors or ``max-node-provision-time`` back-off (nodes always
arrive), no DaemonSets, no balancing of similar groups, no ``--max-nodes-total`` or resource
limits, upcoming nodes are assumed empty, scale-down simulation places each Pod on the first
node that fits (upstream also uses the scheduler's filters, with its own ordering).

>>> ScaleUpInfo("workers", 1, 3, 10)
{workers 1->3 (max: 10)}
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from labsupport.core import LabError, Simulation, Table
from labsupport.core.priorities import AUTOSCALER
from labsupport.k8s.controllers.disruption import pdbs_for_pod
from labsupport.k8s.controllers.expander import (
    DEFAULT_EXPANDER,
    EXPANDERS,
    Option,
    Snapshot,
    choose,
    estimate,
    priority_of,
    template_node,
    waste,
)
from labsupport.k8s.eviction import evict
from labsupport.k8s.objects import controller_of, pod_condition
from labsupport.k8s.quantity import parse_cpu, parse_memory, pod_requests

__all__ = ["ClusterAutoscaler", "NodeGroup", "AutoscalerOptions", "ScaleUpInfo", "NODE_GROUP_LABEL", "TO_BE_DELETED_TAINT", "utilization"]

NODE_GROUP_LABEL = "labsupport/node-group"
TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler"
SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict"


@dataclass
class AutoscalerOptions:
    """cluster-autoscaler flags (defaults from its FAQ's parameter table), in seconds."""

    scan_interval: float = 10.0
    scale_down_utilization_threshold: float = 0.5
    scale_down_unneeded_time: float = 600.0
    scale_down_delay_after_add: float = 600.0
    scale_down_delay_after_delete: float = 0.0     # default: scan_interval
    scale_down_delay_after_failure: float = 180.0
    max_scale_down_parallelism: int = 10   # --max-scale-down-parallelism (replaced --max-empty-bulk-delete)
    max_drain_parallelism: int = 1
    new_pod_scale_up_delay: float = 0.0
    expander: str = DEFAULT_EXPANDER
    scale_down_enabled: bool = True
    priorities: dict | None = None

    def check(self) -> None:
        for name in ("scan_interval", "scale_down_unneeded_time", "scale_down_delay_after_add", "scale_down_delay_after_delete",
                     "scale_down_delay_after_failure", "new_pod_scale_up_delay"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or (name == "scan_interval" and v <= 0):
                raise LabError(f"{name}: must be a number of seconds >= 0{' (> 0)' if name == 'scan_interval' else ''}, got {v!r}")
        t = self.scale_down_utilization_threshold
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 1:
            raise LabError(f"scale_down_utilization_threshold: must be a number between 0 and 1, got {t!r}")
        if self.expander not in EXPANDERS:
            raise LabError(f"expander: must be one of {', '.join(EXPANDERS)}, got {self.expander!r}")


class ScaleUpInfo:
    """``{group current->new (max: N)}`` as the autoscaler prints a scale-up."""

    def __init__(self, group: str, current: int, new: int, max_size: int) -> None:
        self.group, self.current, self.new, self.max = group, current, new, max_size

    def __repr__(self) -> str:
        return f"{{{self.group} {self.current}->{self.new} (max: {self.max})}}"


@dataclass
class NodeGroup:
    """A group of identical nodes (a cloud instance group): size bounds and the node template."""

    name: str
    min: int
    max: int
    cpu_m: int
    memory_b: int
    pods: int
    provision_seconds: float
    labels: dict = field(default_factory=dict)
    taints: list = field(default_factory=list)
    target: int = 0
    nodes: list = field(default_factory=list)          # registered
    upcoming: list = field(default_factory=list)       # being provisioned
    counter: int = 0
    last_scale_up: str | None = None
    last_scale_down: str | None = None

    def template(self) -> dict:
        return template_node(f"template-{self.name}", self.cpu_m, self.memory_b, self.pods, {**self.labels, NODE_GROUP_LABEL: self.name}, self.taints)


def utilization(node: dict, pods: list[dict]) -> float:
    """``max(cpu requested / allocatable, memory requested / allocatable)`` (``simulator/utilization``).

    >>> node = {"status": {"allocatable": {"cpu": "4", "memory": "16Gi"}}}
    >>> utilization(node, [{"spec": {"containers": [{"resources": {"requests": {"cpu": "1", "memory": "2Gi"}}}]}}])
    0.25
    """
    alloc = node["status"]["allocatable"]
    cpu, mem = parse_cpu(alloc["cpu"], "cpu"), parse_memory(alloc["memory"], "memory")
    rc = sum(pod_requests(p).get("cpu", 0) for p in pods)
    rm = sum(pod_requests(p).get("memory", 0) for p in pods)
    return max(rc / cpu if cpu else 0.0, rm / mem if mem else 0.0)


class ClusterAutoscaler:
    """The autoscaler loop over ``store``; ``add_node(name, group)`` and ``remove_node(name)`` are the cloud provider."""

    name = "cluster-autoscaler"

    def __init__(self, store, sim: Simulation, profile, add_node: Callable[[str, NodeGroup], None],
                 remove_node: Callable[[str], None], options: AutoscalerOptions | None = None) -> None:
        self.store, self.sim, self.profile = store, sim, profile
        self.add_node, self.remove_node = add_node, remove_node
        self.options = options or AutoscalerOptions()
        self.groups: dict[str, NodeGroup] = {}
        self.unneeded: dict[str, float] = {}          # node -> since
        self.deleting: dict[str, float] = {}          # node -> started
        self.last_scale_up = -1e18
        self.last_scale_down = -1e18
        self.last_failure = -1e18
        #: (time, group, size) after every change -- for plots
        self.history: list[tuple[float, str, int]] = []
        self._loop = None

    # --------------------------------------------------------------- groups
    def add_group(self, group: NodeGroup) -> None:
        self.groups[group.name] = group
        for _ in range(group.min):
            self._provision(group, delay=0.0)
        group.target = group.min
        if self._loop is None:
            self._loop = self.sim.schedule(self.options.scan_interval, self.run_once, priority=AUTOSCALER, label="cluster-autoscaler loop")

    def _provision(self, group: NodeGroup, delay: float) -> None:
        group.counter += 1
        name = f"{group.name}-{group.counter}"
        group.upcoming.append(name)

        def arrive() -> None:
            if name in group.upcoming:
                group.upcoming.remove(name)
                group.nodes.append(name)
                self.add_node(name, group)
                self.history.append((self.sim.now, group.name, len(group.nodes)))
        if delay == 0:
            arrive()
        else:
            self.sim.schedule(delay, arrive, label=f"provision {name}")

    def group_of(self, node: str) -> NodeGroup | None:
        for g in self.groups.values():
            if node in g.nodes:
                return g
        return None

    # ---------------------------------------------------------------- loop
    def run_once(self) -> None:
        """One ``RunOnce``: finish removals, scale up if Pods are unschedulable, else consider scale-down."""
        self._loop = self.sim.schedule(self.options.scan_interval, self.run_once, priority=AUTOSCALER, label="cluster-autoscaler loop")
        self._finish_deletions()
        pending = self._unschedulable_pods()
        scaled = self._scale_up(pending) if pending else False
        if self.options.scale_down_enabled and not scaled:
            self._scale_down()

    def _unschedulable_pods(self) -> list[dict]:
        now = self.sim.now
        out = []
        for p in self.store.list("Pod"):
            if p["spec"].get("nodeName") or p["metadata"].get("deletionTimestamp") is not None:
                continue
            c = pod_condition(p, "PodScheduled")
            if c is None or c.get("status") != "False" or c.get("reason") != "Unschedulable":
                continue
            if now - p["metadata"].get("creationTimestamp", 0) < self.options.new_pod_scale_up_delay:
                continue
            out.append(p)
        return out

    def _snapshot(self, with_upcoming: bool = True, exclude: set | None = None) -> tuple[Snapshot, list[str]]:
        snap = Snapshot(self.profile)
        names = []
        for node in self.store.list("Node"):
            n = node["metadata"]["name"]
            if exclude and n in exclude:
                continue
            if node["spec"].get("unschedulable") or n in self.deleting:
                continue
            snap.add_node(node)
            names.append(n)
        for p in self.store.list("Pod"):
            node = p["spec"].get("nodeName")
            if node in snap.cache.slot and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                snap.add_pod(p, node)
        if with_upcoming:
            for g in self.groups.values():
                for up in g.upcoming:
                    t = g.template()
                    snap.add_node({**t, "metadata": {**t["metadata"], "name": up}})
                    names.append(up)
        return snap, names

    def _scale_up(self, pending: list[dict]) -> bool:
        snap, names = self._snapshot()
        remaining = []
        for pod in pending:
            where = snap.fit(pod, names)
            if where is None:
                remaining.append(pod)
            else:
                snap.add_pod(pod, where)
        if not remaining:
            return False
        options, helped_by = [], {}
        for g in sorted(self.groups.values(), key=lambda g: g.name):
            room = g.max - g.target
            if room <= 0:
                continue
            est = Snapshot(self.profile)
            count, helped = estimate(est, g.template(), remaining, room)
            if count:
                options.append(Option(g.name, count, len(helped), waste(g.cpu_m, g.memory_b, count, helped),
                                      priority_of(g.name, self.options.priorities)))
                helped_by[g.name] = helped
        best = choose(self.options.expander, options, self.sim.rng)
        if best is None:
            at_max = sum(1 for g in self.groups.values() if g.target >= g.max)
            why = f"{at_max} max node group size reached" if at_max else "no node group can fit the pod"
            for pod in remaining:
                self.store.record_event(pod, "NotTriggerScaleUp", f"pod didn't trigger scale-up: {why}", source=self.name)
            return False
        g = self.groups[best.group]
        info = ScaleUpInfo(g.name, g.target, g.target + best.nodes, g.max)
        for _ in range(best.nodes):
            self._provision(g, g.provision_seconds)
        g.target += best.nodes
        g.last_scale_up = f"t={self.sim.now:g}s {info.current}->{info.new}: {len(helped_by[g.name])} unschedulable pod(s) ({self.options.expander} expander)"
        self.last_scale_up = self.sim.now
        self.history.append((self.sim.now, g.name, len(g.nodes)))
        for pod in helped_by[g.name]:
            self.store.record_event(pod, "TriggeredScaleUp", f"pod triggered scale-up: [{info}]", source=self.name)
        return True

    # ------------------------------------------------------------ scale-down
    def blocker(self, pod: dict) -> str | None:
        """Why this Pod keeps its node from being removed (None: it can be moved)."""
        key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        ann = pod["metadata"].get("annotations") or {}
        if ann.get(SAFE_TO_EVICT) == "false":
            return f"pod annotated as not safe to evict present: {key}"
        if controller_of(pod) is None:
            return f"pod not backed by a controller: {key}"
        pdbs = pdbs_for_pod(self.store, pod)
        if pod["metadata"]["namespace"] == "kube-system" and not pdbs:
            return f"non-daemonset, non-mirrored, non-pdb-assigned kube-system pod present: {key}"
        for pdb in pdbs:
            if (pdb.get("status") or {}).get("disruptionsAllowed", 0) < 1:
                return f"not enough pod disruption budget to move {key}"
        if any("emptyDir" in v for v in pod["spec"].get("volumes") or ()):
            return f"pod with local storage present: {key}"
        return None

    def _scale_down(self) -> None:
        now, o = self.sim.now, self.options
        candidates = {}
        for g in sorted(self.groups.values(), key=lambda g: g.name):
            for n in g.nodes:
                if n in self.deleting:
                    continue
                node = self.store.get("Node", None, n)
                if node is None:
                    continue
                pods = [p for p in self.store.by_index("pods-by-node", n)
                        if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed") and p["metadata"].get("deletionTimestamp") is None]
                if utilization(node, pods) >= o.scale_down_utilization_threshold:
                    continue
                if any(self.blocker(p) for p in pods):
                    continue
                candidates[n] = pods
        # can the Pods of each candidate move to the other nodes? (one candidate at a time, as removals are sequential)
        movable = {}
        for n, pods in candidates.items():
            snap, names = self._snapshot(with_upcoming=False, exclude={n})
            if all(self._place(snap, names, p) for p in pods):
                movable[n] = pods
        for n in list(self.unneeded):
            if n not in movable:
                del self.unneeded[n]
        for n in movable:
            self.unneeded.setdefault(n, now)
        if now - self.last_scale_up < o.scale_down_delay_after_add or now - self.last_failure < o.scale_down_delay_after_failure:
            return
        if now - self.last_scale_down < max(o.scale_down_delay_after_delete, o.scan_interval) or self.deleting:
            return
        ripe = [n for n, since in sorted(self.unneeded.items()) if now - since >= o.scale_down_unneeded_time]
        empty = [n for n in ripe if not movable[n]]
        busy = [n for n in ripe if movable[n]]
        removed = 0
        for n in (empty + busy[:o.max_drain_parallelism])[:o.max_scale_down_parallelism]:
            g = self.group_of(n)
            if g is None or g.target <= g.min:
                continue
            if self._start_removal(n, g, movable[n]):
                removed += 1
        if removed:
            self.last_scale_down = now

    def _place(self, snap: Snapshot, names: list[str], pod: dict) -> bool:
        where = snap.fit(pod, names)
        if where is None:
            return False
        snap.add_pod(pod, where)
        return True

    def _start_removal(self, name: str, g: NodeGroup, pods: list[dict]) -> bool:
        node = self.store.get("Node", None, name)
        node["spec"]["taints"] = list(node["spec"].get("taints") or ()) + [{"key": TO_BE_DELETED_TAINT, "value": str(int(self.sim.now)), "effect": "NoSchedule"}]
        self.store.update(node, actor=self.name)
        self.store.record_event(node, "ScaleDown", "marked the node as toBeDeleted/unschedulable", source=self.name)
        for p in pods:
            res = evict(self.store, p["metadata"]["namespace"], p["metadata"]["name"], actor=self.name)
            if not res.allowed and res.code != 404:
                node["spec"]["taints"] = [t for t in node["spec"]["taints"] if t["key"] != TO_BE_DELETED_TAINT]
                self.store.update(node, actor=self.name)
                self.store.record_event(node, "ScaleDownFailed", f"failed to drain the node, aborting ScaleDown: {res.message}", type="Warning", source=self.name)
                self.last_failure = self.sim.now
                return False
            self.store.record_event(p, "ScaleDown", "deleting pod for node scale down", source=self.name)
        self.deleting[name] = self.sim.now
        self.unneeded.pop(name, None)
        why = "empty" if not pods else f"utilization below {self.options.scale_down_utilization_threshold:g}, {len(pods)} pod(s) moved"
        g.last_scale_down = f"t={self.sim.now:g}s removed {name} ({why})"
        g.target -= 1
        self._finish_deletions()
        return True

    def _finish_deletions(self) -> None:
        for name in sorted(self.deleting):
            if not self.store.by_index("pods-by-node", name):
                del self.deleting[name]
                g = self.group_of(name)
                self.remove_node(name)
                if g is not None:
                    g.nodes.remove(name)
                    self.history.append((self.sim.now, g.name, len(g.nodes)))

    # -------------------------------------------------------------- status
    def status(self) -> Table:
        """Per node group: size, target, bounds, what is in flight, and the last scale-up and scale-down."""
        rows = []
        for g in sorted(self.groups.values(), key=lambda g: g.name):
            unneeded = [f"{n} ({self.sim.now - s:g}s)" for n, s in sorted(self.unneeded.items()) if n in g.nodes]
            rows.append({"GROUP": g.name, "SIZE": len(g.nodes), "TARGET": g.target, "MIN": g.min, "MAX": g.max,
                         "SCALE-UP": f"InProgress ({len(g.upcoming)} provisioning)" if g.upcoming else "NoActivity",
                         "SCALE-DOWN": f"CandidatesPresent: {', '.join(unneeded)}" if unneeded else "NoCandidates",
                         "LAST SCALE-UP": g.last_scale_up, "LAST SCALE-DOWN": g.last_scale_down})
        return Table(["GROUP", "SIZE", "TARGET", "MIN", "MAX", "SCALE-UP", "SCALE-DOWN", "LAST SCALE-UP", "LAST SCALE-DOWN"], rows,
                     title=f"cluster-autoscaler status at t={self.sim.now:g}s (expander: {self.options.expander})")
