"""The scheduler cache: every node's allocatable and requested resources as numpy columns.

kube-scheduler keeps a ``NodeInfo`` per node (``pkg/scheduler/framework/types.go``)
updated from Pod and Node watch events, and takes a snapshot each cycle. Here the
same numbers sit in one numpy array per resource (one element per node *slot*), so
the Filter and Score plugins run over all nodes at once. Updates are incremental:
a bind, a Pod deletion or a Node change touches only that node's elements.

Node order is the ``NodeTree`` order (``pkg/scheduler/backend/cache/node_tree.go``):
nodes grouped by zone, zones visited round-robin (zone-a node 1, zone-b node 1,
zone-a node 2, ...), which is the order the round-robin filter walks.

>>> c = NodeCache()
>>> c.set_node({"metadata": {"name": "n1", "labels": {}}, "spec": {},
...             "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}})
True
>>> c.free(c.slot["n1"])
(4000, 8589934592, 110)
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from labsupport.k8s.extended_resources import is_scalar_resource_name, parse_scalar
from labsupport.k8s.quantity import parse_count, parse_cpu, parse_memory
from labsupport.k8s.scheduler import fastpath
from labsupport.k8s.scheduler.podinfo import LABEL_ZONE, PodInfo, selector_matches

__all__ = ["NodeCache"]

_REGION = "topology.kubernetes.io/region"


class NodeCache:
    """Nodes (by slot) and the Pods assigned to them, with per-node numpy columns."""

    def __init__(self, capacity: int = 64) -> None:
        self.names: list[str | None] = []
        self.slot: dict[str, int] = {}
        self.labels: list[dict] = []
        self.taints: list[list] = []
        self.pods: list[dict[tuple, PodInfo]] = []
        #: extended resources, hugepages, ephemeral-storage: name -> allocatable / requested per slot
        self.scalar_alloc: dict[str, np.ndarray] = {}
        self.scalar_req: dict[str, np.ndarray] = {}
        self._cap = 0
        self._grow(capacity)
        self.owner_counts: dict[str, np.ndarray] = {}
        #: (namespace, frozenset(labels)) -> Pods (not terminating) per node slot
        self.label_groups: dict[tuple, np.ndarray] = {}
        #: the same for terminating Pods (InterPodAffinity counts them, PodTopologySpread does not)
        self.terminating_groups: dict[tuple, np.ndarray] = {}
        self._group_labels: dict[tuple, dict] = {}
        self._selector_memo: dict[tuple, list] = {}
        self.pod_slot: dict[tuple, int] = {}
        self.pods_with_affinity: dict[tuple, PodInfo] = {}
        self.nominated: dict[tuple, tuple[int, PodInfo]] = {}
        self.generation = 0          # bumped when nodes, labels or taints change
        #: per slot, a number that changes whenever anything about that node or its Pods changes
        #: (lets callers keep per-node results and recompute only the nodes that changed)
        self._stamp_seq = 0
        self._order: np.ndarray | None = None
        self._domains: dict[str, tuple[np.ndarray, list[str]]] = {}

    # ------------------------------------------------------------ storage
    def _grow(self, n: int) -> None:
        old = self._cap
        new = max(n, 2 * old, 64)

        def g(a, dtype):
            out = np.zeros(new, dtype=dtype)
            if a is not None:
                out[:old] = a
            return out

        for name in ("alloc_cpu", "alloc_mem", "alloc_pods", "req_cpu", "req_mem", "req_pods", "nz_cpu", "nz_mem",
                     "host_port_pods"):
            setattr(self, name, g(getattr(self, name, None), np.int64))
        self.stamp = g(getattr(self, "stamp", None), np.int64)
        for name in ("alive", "unschedulable", "hard_tainted", "soft_tainted"):
            setattr(self, name, g(getattr(self, name, None), bool))
        for k, a in list(getattr(self, "owner_counts", {}).items()):
            self.owner_counts[k] = g(a, np.int32)
        for k, a in list(getattr(self, "label_groups", {}).items()):
            self.label_groups[k] = g(a, np.int32)
        for k, a in list(getattr(self, "terminating_groups", {}).items()):
            self.terminating_groups[k] = g(a, np.int32)
        for cols in (getattr(self, "scalar_alloc", {}), getattr(self, "scalar_req", {})):
            for k, a in list(cols.items()):
                cols[k] = g(a, np.int64)
        self._cap = new

    @property
    def num_nodes(self) -> int:
        """Number of live nodes."""
        return len(self.slot)

    def order(self) -> np.ndarray:
        """Live node slots in NodeTree order (zones round-robin, nodes in arrival order within a zone)."""
        if self._order is None:
            zones: dict[str, list[int]] = {}
            for s, name in enumerate(self.names):
                if name is None:
                    continue
                lb = self.labels[s]
                zone = lb.get(_REGION, "") + ":\x00:" + lb.get(LABEL_ZONE, "")
                zones.setdefault(zone, []).append(s)
            lists = list(zones.values())
            out: list[int] = []
            i = 0
            while len(out) < sum(map(len, lists)):
                for lst in lists:
                    if i < len(lst):
                        out.append(lst[i])
                i += 1
            self._order = np.array(out, dtype=np.int64)
        return self._order

    def domains(self, key: str) -> tuple[np.ndarray, list[str]]:
        """Per slot, the index of its ``key`` label value in the returned value list (-1: no such label)."""
        hit = self._domains.get(key)
        if hit is None:
            values: dict[str, int] = {}
            ids = np.full(self._cap, -1, dtype=np.int64)
            for s, name in enumerate(self.names):
                if name is not None and key in self.labels[s]:
                    ids[s] = values.setdefault(self.labels[s][key], len(values))
            hit = self._domains[key] = (ids, list(values))
        return hit

    # -------------------------------------------------------------- nodes
    def set_node(self, node: Mapping) -> bool:
        """Add or update a Node from its dict; return True if anything the filters read changed."""
        meta, spec, status = node["metadata"], node.get("spec") or {}, node.get("status") or {}
        name = meta["name"]
        alloc = status.get("allocatable") or status.get("capacity") or {}
        cpu = parse_cpu(alloc.get("cpu", 0), "status.allocatable.cpu")
        mem = parse_memory(alloc.get("memory", 0), "status.allocatable.memory")
        pods = parse_count(alloc.get("pods", 0), "status.allocatable.pods")
        scalars = {k: parse_scalar(k, v, f"status.allocatable.{k}") for k, v in alloc.items() if is_scalar_resource_name(k)}
        scalars = {k: v for k, v in sorted(scalars.items()) if v}
        labels = dict(meta.get("labels") or {})
        taints = [dict(t) for t in spec.get("taints") or ()]
        unsched = bool(spec.get("unschedulable"))
        s = self.slot.get(name)
        if s is None:
            s = len(self.names)
            if s >= self._cap:
                self._grow(s + 1)
            self.names.append(name)
            self.labels.append(labels)
            self.taints.append(taints)
            self.pods.append({})
            self.slot[name] = s
            self.alive[s] = True
            changed = True
            self._invalidate()
        else:
            changed = (labels != self.labels[s] or taints != self.taints[s] or unsched != bool(self.unschedulable[s])
                       or (cpu, mem, pods) != (self.alloc_cpu[s], self.alloc_mem[s], self.alloc_pods[s])
                       or scalars != {k: int(a[s]) for k, a in self.scalar_alloc.items() if a[s]})
            if labels != self.labels[s] or taints != self.taints[s]:
                self._invalidate()
            self.labels[s], self.taints[s] = labels, taints
        self.alloc_cpu[s], self.alloc_mem[s], self.alloc_pods[s] = cpu, mem, pods
        for k, a in self.scalar_alloc.items():
            a[s] = scalars.get(k, 0)
        for k, v in scalars.items():
            self._scalar_column(self.scalar_alloc, k)[s] = v
        self.unschedulable[s] = unsched
        if changed:
            self._touch(s)
        self.hard_tainted[s] = any(t.get("effect") in ("NoSchedule", "NoExecute") for t in taints)
        self.soft_tainted[s] = any(t.get("effect") == "PreferNoSchedule" for t in taints)
        return changed

    def remove_node(self, name: str) -> None:
        """Forget a node (its slot stays empty; Pods still bound to it are dropped from the cache)."""
        s = self.slot.pop(name, None)
        if s is None:
            return
        for key in list(self.pods[s]):
            self.remove_pod(key)
        self.names[s] = None
        self.alive[s] = False
        self._touch(s)
        for a in (self.alloc_cpu, self.alloc_mem, self.alloc_pods, *self.scalar_alloc.values()):
            a[s] = 0
        self._invalidate()

    def _scalar_column(self, cols: dict[str, np.ndarray], name: str) -> np.ndarray:
        col = cols.get(name)
        if col is None:
            col = cols[name] = np.zeros(self._cap, dtype=np.int64)
        return col

    def _touch(self, s: int) -> None:
        self._stamp_seq += 1
        self.stamp[s] = self._stamp_seq

    def _invalidate(self) -> None:
        self.generation += 1
        self._order = None
        self._domains = {}

    # --------------------------------------------------------------- pods
    def _group_key(self, pod: PodInfo) -> tuple:
        return (pod.namespace, frozenset(pod.labels.items()))

    def add_pod(self, pod: PodInfo, node_name: str) -> bool:
        """Account an assigned Pod on its node (``NodeInfo.AddPod``); False if the node is unknown."""
        s = self.slot.get(node_name)
        if s is None or pod.key in self.pod_slot:
            return False
        self.pod_slot[pod.key] = s
        self._touch(s)
        self.pods[s][pod.key] = pod
        self.req_cpu[s] += pod.requests[0]
        self.req_mem[s] += pod.requests[1]
        self.req_pods[s] += 1
        self.nz_cpu[s] += pod.nonzero_requests[0]
        self.nz_mem[s] += pod.nonzero_requests[1]
        for k, v in pod.scalar_requests:
            self._scalar_column(self.scalar_req, k)[s] += v
        if pod.host_ports:
            self.host_port_pods[s] += 1
        if pod.owner_uid is not None:
            arr = self.owner_counts.get(pod.owner_uid)
            if arr is None:
                arr = self.owner_counts[pod.owner_uid] = np.zeros(self._cap, dtype=np.int32)
            arr[s] += 1
        self._group_add(pod, s, 1)
        if pod.has_affinity_terms:
            self.pods_with_affinity[pod.key] = pod
        return True

    def _group_add(self, pod: PodInfo, s: int, delta: int) -> None:
        """Count ``pod`` (+1 / -1) in its label group: ``label_groups`` or, if terminating, ``terminating_groups``."""
        if pod.group is None:
            pod.group = self._group_key(pod)
        gk = pod.group
        groups = self.terminating_groups if pod.terminating else self.label_groups
        arr = groups.get(gk)
        if arr is None:
            arr = groups[gk] = np.zeros(self._cap, dtype=np.int32)
            self._group_labels[gk] = dict(gk[1])
            self._selector_memo.clear()
        arr[s] += delta

    def mark_terminating(self, key: tuple) -> None:
        """A Pod got a deletionTimestamp: it still holds resources but no longer counts for topology spread."""
        s = self.pod_slot.get(key)
        if s is None:
            return
        pod = self.pods[s][key]
        if not pod.terminating:
            self._touch(s)
            self._group_add(pod, s, -1)
            pod.terminating = True
            self._group_add(pod, s, 1)

    def remove_pod(self, key: tuple) -> PodInfo | None:
        """Release an assigned Pod's resources (``NodeInfo.RemovePod``)."""
        s = self.pod_slot.pop(key, None)
        if s is None:
            return None
        pod = self.pods[s].pop(key)
        self._touch(s)
        self.req_cpu[s] -= pod.requests[0]
        self.req_mem[s] -= pod.requests[1]
        self.req_pods[s] -= 1
        self.nz_cpu[s] -= pod.nonzero_requests[0]
        self.nz_mem[s] -= pod.nonzero_requests[1]
        for k, v in pod.scalar_requests:
            self.scalar_req[k][s] -= v
        if pod.host_ports:
            self.host_port_pods[s] -= 1
        if pod.owner_uid is not None:
            self.owner_counts[pod.owner_uid][s] -= 1
        self._group_add(pod, s, -1)
        self.pods_with_affinity.pop(key, None)
        return pod

    def free(self, s: int) -> tuple[int, int, int]:
        """(cpu millicores, memory bytes, pod slots) still free on slot ``s``."""
        return (int(self.alloc_cpu[s] - self.req_cpu[s]), int(self.alloc_mem[s] - self.req_mem[s]),
                int(self.alloc_pods[s] - self.req_pods[s]))

    # ----------------------------------------------------------- queries
    def matching_counts(self, namespaces: Iterable[str] | None, selector: Mapping | None,
                        include_terminating: bool = False) -> np.ndarray:
        """Per slot, how many Pods in ``namespaces`` (None = all) match ``selector`` (do not modify the result).

        Terminating Pods count only with ``include_terminating`` (InterPodAffinity counts them,
        PodTopologySpread does not: ``countPodsMatchSelector`` skips Pods with a deletionTimestamp).
        """
        ns_key = None if namespaces is None else tuple(sorted(namespaces))

        def matching(groups: dict) -> list[tuple]:
            return [gk for gk in groups if (ns_key is None or gk[0] in ns_key) and selector_matches(selector, self._group_labels[gk])]

        # fast path k8s.plugin_memos: the matching label groups per selector (forgotten when a new group appears)
        memo_key = (ns_key, repr(selector))
        groups = fastpath.remembered(self._selector_memo, memo_key, lambda: matching(self.label_groups), limit=10_000)
        extra = []
        if include_terminating and self.terminating_groups:
            extra = fastpath.remembered(self._selector_memo, ("terminating", memo_key),
                                        lambda: matching(self.terminating_groups), limit=10_000)
        if len(groups) == 1 and not extra:
            return self.label_groups[groups[0]]  # read-only view: callers must not modify it
        out = np.zeros(self._cap, dtype=np.int64)
        for gk in groups:
            out += self.label_groups[gk]
        for gk in extra:
            out += self.terminating_groups[gk]
        return out

    def matching_all_counts(self, specs: list[tuple[list[str] | None, Mapping | None]],
                            include_terminating: bool = False) -> np.ndarray:
        """Per slot, how many Pods match every ``(namespaces, selector)`` of ``specs`` (``podMatchesAllAffinityTerms``)."""
        out = np.zeros(self._cap, dtype=np.int64)
        sources = [self.label_groups, self.terminating_groups] if include_terminating else [self.label_groups]
        for groups in sources:
            for gk, arr in groups.items():
                labels = self._group_labels[gk]
                if all((nss is None or gk[0] in nss) and selector_matches(sel, labels) for nss, sel in specs):
                    out += arr
        return out

    def nominate(self, pod: PodInfo, node_name: str | None) -> None:
        """Record (or clear, with None) that ``pod`` is nominated to ``node_name`` after preemption."""
        self.nominated.pop(pod.key, None)
        if node_name is not None and node_name in self.slot:
            self.nominated[pod.key] = (self.slot[node_name], pod)

    def check_invariants(self) -> None:
        """Assert the columns equal the sums over the Pods (used by the property tests)."""
        for s, name in enumerate(self.names):
            if name is None:
                continue
            pods = self.pods[s].values()
            assert self.req_cpu[s] == sum(p.requests[0] for p in pods)
            assert self.req_mem[s] == sum(p.requests[1] for p in pods)
            assert self.req_pods[s] == len(self.pods[s])
            for k, col in self.scalar_req.items():
                assert col[s] == sum(dict(p.scalar_requests).get(k, 0) for p in pods)
