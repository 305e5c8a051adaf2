"""The Eviction API (``POST /api/v1/namespaces/<ns>/pods/<name>/eviction``) that honours PodDisruptionBudgets.

As ``pkg/registry/core/pod/storage/eviction.go`` (Kubernetes 1.37):

1. a Pod that is terminal, Pending or already being deleted is deleted without looking at PDBs;
2. no PDB selects it: it is deleted; more than one: HTTP 500 (the eviction subresource does not support it);
3. the PDB's status is older than its spec (``observedGeneration`` < ``generation``): 429;
4. the Pod is **not ready** (unhealthy): with ``unhealthyPodEvictionPolicy: AlwaysAllow`` it is
   deleted; with ``IfHealthyBudget`` (the default when unset) only if the budget is healthy
   (``currentHealthy >= desiredHealthy > 0``), without using up a disruption;
5. otherwise ``disruptionsAllowed`` must be > 0: it is decremented and the Pod deleted
   (gracefully); at 0 the answer is **429 Too Many Requests**, "Cannot evict pod as it would
   violate the pod's disruption budget.", with the cause "The disruption budget <name> needs
   <desiredHealthy> healthy pods and has <currentHealthy> currently".

>>> EvictionResult(429, EVICTION_REFUSED, "The disruption budget web needs 3 healthy pods and has 3 currently").allowed
False
"""
from __future__ import annotations

from dataclasses import dataclass

from labsupport.k8s.controllers.disruption import pdbs_for_pod, pod_is_healthy

__all__ = ["evict", "EvictionResult", "EVICTION_REFUSED", "MULTIPLE_PDBS"]

EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."
MULTIPLE_PDBS = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."


@dataclass(frozen=True)
class EvictionResult:
    """The API's answer: HTTP ``code`` (201 created = evicted, 404, 429, 500), ``message`` and ``cause``."""

    code: int
    message: str
    cause: str = ""

    @property
    def allowed(self) -> bool:
        return self.code in (200, 201)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" + (f" ({self.cause})" if self.cause else "")


def evict(store, namespace: str, name: str, actor: str = "kubectl") -> EvictionResult:
    """Ask to evict one Pod; returns an :class:`EvictionResult` (the Pod is deleted gracefully if allowed)."""
    pod = store.get("Pod", namespace, name)
    if pod is None:
        return EvictionResult(404, f'pods "{name}" not found')
    phase = (pod.get("status") or {}).get("phase", "Pending")
    if pod["metadata"].get("deletionTimestamp") is not None or phase in ("Succeeded", "Failed", "Pending"):
        store.delete("Pod", namespace, name, actor=actor)
        return EvictionResult(201, "evicted")
    pdbs = pdbs_for_pod(store, pod)
    if len(pdbs) > 1:
        return EvictionResult(500, MULTIPLE_PDBS)
    if pdbs:
        pdb = pdbs[0]
        st = pdb.get("status") or {}
        pdb_name = pdb["metadata"]["name"]
        if st.get("observedGeneration", 0) < pdb["metadata"].get("generation", 1):
            return EvictionResult(429, EVICTION_REFUSED, f"The disruption budget {pdb_name} is still being processed by the server.")
        cause = f"The disruption budget {pdb_name} needs {st.get('desiredHealthy', 0)} healthy pods and has {st.get('currentHealthy', 0)} currently"
        if not pod_is_healthy(pod):
            policy = pdb["spec"].get("unhealthyPodEvictionPolicy") or "IfHealthyBudget"
            if policy != "AlwaysAllow" and not (st.get("currentHealthy", 0) >= st.get("desiredHealthy", 0) > 0):
                return EvictionResult(429, EVICTION_REFUSED, cause)
        else:
            if st.get("disruptionsAllowed", 0) <= 0:
                return EvictionResult(429, EVICTION_REFUSED, cause)
            st["disruptionsAllowed"] -= 1
            st.setdefault("disruptedPods", {})[name] = store.sim.now
            pdb["status"] = st
            store.update(pdb, actor="kube-apiserver", verb="update status")
    store.record_event(pod, "Killing", f"Stopping container (evicted by {actor})", source="kubelet")
    store.delete("Pod", namespace, name, actor=actor)
    return EvictionResult(201, "evicted")
