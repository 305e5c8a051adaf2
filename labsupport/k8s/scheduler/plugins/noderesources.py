"""NodeResourcesFit (Filter + Score) and NodeResourcesBalancedAllocation (Score).

Source: ``pkg/scheduler/framework/plugins/noderesources/`` (fit.go,
least_allocated.go, most_allocated.go, requested_to_capacity_ratio.go,
balanced_allocation.go, resource_allocation.go).

* Filter: ``len(pods) + 1 > allocatable pods`` -> "Too many pods"; a Pod that requests
  cpu (memory) > 0 and more than ``allocatable - requested`` -> "Insufficient cpu"
  ("Insufficient memory"); the same for every extended resource, hugepages size and
  ephemeral-storage it requests ("Insufficient nvidia.com/gpu", in name order; see
  :mod:`labsupport.k8s.extended_resources`). All failing reasons are kept. If the request exceeds the
  node's whole allocatable the code is UnschedulableAndUnresolvable (preemption
  cannot help), else Unschedulable.
* Score: the scoring strategy (LeastAllocated by default; MostAllocated;
  RequestedToCapacityRatio) over ``resources`` (default cpu and memory, weight 1
  each). Requested = the node's *non-zero* requests + the Pod's non-zero request
  (a container without a request counts 100m / 200Mi). An extended resource counts only
  when listed in ``resources`` and requested by the Pod (otherwise it is left out).
* BalancedAllocation: ``(1 - std(requested/allocatable)) * 100`` with the *actual*
  requests; skipped for a best-effort Pod (no requests at all).

>>> import numpy as np
>>> from labsupport.k8s.scheduler.cache import NodeCache
>>> from labsupport.k8s.scheduler.podinfo import PodInfo
>>> c = NodeCache()
>>> _ = c.set_node({"metadata": {"name": "n1"}, "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}})
>>> pod = PodInfo.from_dict({"metadata": {"name": "p"}, "spec": {"containers": [
...     {"resources": {"requests": {"cpu": "1", "memory": "2Gi"}}}]}})
>>> st = CycleState(pod, c)
>>> NodeResourcesFit(c).score(st, np.array([0])).tolist()   # (3000/4000*100 + 6/8*100) / 2
[75]
>>> NodeResourcesBalancedAllocation(c).score(st, np.array([0])).tolist()   # |0.25 - 0.25| / 2 = 0
[100]
"""
from __future__ import annotations

import enum

import numpy as np

from labsupport.k8s.scheduler import scoring
from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.status import Code

__all__ = ["ScoringStrategy", "NodeResourcesFit", "NodeResourcesBalancedAllocation", "DEFAULT_RESOURCES"]

#: NodeResourcesFitArgs / NodeResourcesBalancedAllocationArgs default resources (apis/config/v1/defaults.go)
DEFAULT_RESOURCES = (("cpu", 1), ("memory", 1))


class ScoringStrategy(enum.StrEnum):
    """``scoringStrategy.type`` of NodeResourcesFitArgs."""

    LEAST_ALLOCATED = "LeastAllocated"
    MOST_ALLOCATED = "MostAllocated"
    REQUESTED_TO_CAPACITY_RATIO = "RequestedToCapacityRatio"


def _columns(cache, idx: np.ndarray, resources, state: CycleState, nonzero: bool):
    """(requested incl. the Pod, allocatable) per resource, gathered for ``idx``.

    A scalar resource (``nvidia.com/gpu``) the Pod does not request gets allocatable 0, which
    leaves it out of the score (``calculateResourceAllocatableRequest``).
    """
    pod = state.pod
    reqs, caps = [], []
    pod_scalars = dict(pod.scalar_requests)
    for name, _w in resources:
        if name not in ("cpu", "memory"):
            want = pod_scalars.get(name, 0)
            if want == 0 or name not in cache.scalar_alloc:
                reqs.append(np.zeros(np.shape(idx), dtype=np.int64))
                caps.append(np.zeros(np.shape(idx), dtype=np.int64))
                continue
            used = cache.scalar_req.get(name)
            reqs.append((used[idx] if used is not None else 0) + want)
            caps.append(cache.scalar_alloc[name][idx])
            continue
        if name == "cpu":
            node_req = (cache.nz_cpu if nonzero else cache.req_cpu)[idx]
            pod_req = pod.nonzero_requests[0] if nonzero else pod.requests[0]
            cap = cache.alloc_cpu[idx]
        else:
            node_req = (cache.nz_mem if nonzero else cache.req_mem)[idx]
            pod_req = pod.nonzero_requests[1] if nonzero else pod.requests[1]
            cap = cache.alloc_mem[idx]
        reqs.append(node_req + pod_req)
        caps.append(cap)
    return reqs, caps


class NodeResourcesFit(Plugin):
    """Filter on free cpu / memory / pod slots; score by the configured strategy."""

    name = "NodeResourcesFit"
    filters = True
    scores = True
    per_node_score = True

    def __init__(self, cache, args: dict | None = None) -> None:
        super().__init__(cache, args)
        self.strategy = ScoringStrategy(self.args.get("strategy", ScoringStrategy.LEAST_ALLOCATED))
        self.resources = tuple(self.args.get("resources", DEFAULT_RESOURCES))
        self.shape = tuple(self.args.get("shape", ((0, 10), (100, 0))))

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        c, pod = self.cache, state.pod
        cpu, mem = pod.requests
        used_cpu, used_mem, used_pods = c.req_cpu[idx], c.req_mem[idx], c.req_pods[idx]
        if state.nominated:
            used_cpu, used_mem, used_pods = used_cpu.copy(), used_mem.copy(), used_pods.copy()
            for pos, s in enumerate(idx.tolist()):
                extra = state.nominated.get(s)
                if extra:
                    used_cpu[pos] += extra[0]
                    used_mem[pos] += extra[1]
                    used_pods[pos] += extra[2]
        alloc_cpu, alloc_mem = c.alloc_cpu[idx], c.alloc_mem[idx]
        too_many = used_pods + 1 > c.alloc_pods[idx]
        no_cpu = (cpu > alloc_cpu - used_cpu) if cpu > 0 else np.zeros(len(idx), bool)
        no_mem = (mem > alloc_mem - used_mem) if mem > 0 else np.zeros(len(idx), bool)
        mask = too_many | no_cpu | no_mem
        short = []  # (name, request, allocatable, insufficient) per scalar resource the Pod requests
        for name, want in pod.scalar_requests:
            col = c.scalar_alloc.get(name)
            alloc = col[idx] if col is not None else np.zeros(len(idx), dtype=np.int64)
            used = c.scalar_req.get(name)
            free = alloc - (used[idx] if used is not None else 0)
            lacking = want > free
            short.append((name, want, alloc, lacking))
            mask = mask | lacking
        if not mask.any():
            return None

        def reasons(pos: int) -> tuple:
            out = []
            if too_many[pos]:
                out.append("Too many pods")
            if no_cpu[pos]:
                out.append("Insufficient cpu")
            if no_mem[pos]:
                out.append("Insufficient memory")
            out += [f"Insufficient {name}" for name, _w, _a, lacking in short if lacking[pos]]
            return tuple(out)

        def code(pos: int) -> Code:
            unresolvable = (no_cpu[pos] and cpu > alloc_cpu[pos]) or (no_mem[pos] and mem > alloc_mem[pos])
            unresolvable = unresolvable or any(lacking[pos] and want > alloc[pos] for _n, want, alloc, lacking in short)
            return Code.UNSCHEDULABLE_AND_UNRESOLVABLE if unresolvable else Code.UNSCHEDULABLE

        return Rejection(mask, code, reasons)

    def score(self, state: CycleState, idx: np.ndarray) -> np.ndarray:
        reqs, caps = _columns(self.cache, idx, self.resources, state, nonzero=True)
        weights = [w for _n, w in self.resources]
        if self.strategy is ScoringStrategy.MOST_ALLOCATED:
            return scoring.most_allocated_score(reqs, caps, weights)
        if self.strategy is ScoringStrategy.REQUESTED_TO_CAPACITY_RATIO:
            return scoring.requested_to_capacity_ratio_score(reqs, caps, weights, self.shape)
        return scoring.least_allocated_score(reqs, caps, weights)


class NodeResourcesBalancedAllocation(Plugin):
    """Favour nodes whose cpu and memory fractions stay close: ``(1 - std) * 100``."""

    name = "NodeResourcesBalancedAllocation"
    scores = True
    per_node_score = True

    def __init__(self, cache, args: dict | None = None) -> None:
        super().__init__(cache, args)
        self.resources = tuple(self.args.get("resources", DEFAULT_RESOURCES))

    def pre_score(self, state: CycleState, idx: np.ndarray) -> bool:
        # Skip best-effort Pods (balanced_allocation.go PreScore, kubernetes#129138).
        cpu, mem = state.pod.requests
        wanted = {"cpu": cpu, "memory": mem, **dict(state.pod.scalar_requests)}
        return any(wanted.get(n, 0) for n, _ in self.resources)

    def score(self, state: CycleState, idx: np.ndarray) -> np.ndarray:
        reqs, caps = _columns(self.cache, idx, self.resources, state, nonzero=False)
        return scoring.balanced_allocation_score(reqs, caps)
