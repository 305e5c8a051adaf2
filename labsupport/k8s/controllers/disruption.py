"""PodDisruptionBudget (``policy/v1``) and the disruption controller that keeps its status.

A PDB limits *voluntary* disruptions (evictions through the Eviction API: ``kubectl drain``,
the cluster autoscaler) of the Pods its ``selector`` picks
(https://kubernetes.io/docs/concepts/workloads/pods/disruptions/,
https://kubernetes.io/docs/tasks/run-application/configure-pdb/). The controller
(``pkg/controller/disruption/disruption.go``) computes, for each PDB:

* ``expectedPods``: with an integer ``minAvailable``, the number of selected Pods; otherwise
  (``maxUnavailable``, or a percentage) the sum of ``spec.replicas`` of the Pods' controllers
  (a ReplicaSet owned by a Deployment counts as the Deployment);
* ``desiredHealthy``: ``minAvailable`` (a percentage is taken of ``expectedPods``, rounded
  **up**), or ``expectedPods - maxUnavailable`` (a percentage also rounded up), at least 0;
* ``currentHealthy``: selected Pods that are Ready and not being deleted;
* ``disruptionsAllowed = max(currentHealthy - desiredHealthy, 0)``.

In policy/v1 an empty selector (``{}``) selects every Pod of the namespace. Involuntary
disruptions (a node failing) are not prevented, but they count against the budget.

>>> budget({"minAvailable": 2}, healthy=3, pods=3, expected_scale=3)
(3, 2, 3, 1)
>>> budget({"maxUnavailable": "50%"}, healthy=4, pods=4, expected_scale=5)   # 50% of 5 rounded up = 3
(5, 2, 4, 2)
"""
from __future__ import annotations

from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.objects import controller_of, is_pod_ready, selector_matches
from labsupport.k8s.store import DELETED, WatchEvent
from labsupport.k8s.validation import int_or_percent

__all__ = ["DisruptionController", "budget", "pdb_problems", "pdbs_for_pod", "pod_is_healthy", "UNHEALTHY_POLICIES"]

UNHEALTHY_POLICIES = ("IfHealthyBudget", "AlwaysAllow")


def pod_is_healthy(pod: dict) -> bool:
    """Counted in ``currentHealthy``: Ready and not being deleted."""
    return pod["metadata"].get("deletionTimestamp") is None and is_pod_ready(pod)


def budget(spec: dict, healthy: int, pods: int, expected_scale: int) -> tuple[int, int, int, int]:
    """``(expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed)`` for a PDB ``spec``.

    ``pods`` is the number of selected Pods, ``expected_scale`` the sum of their controllers' replicas.

    >>> budget({"minAvailable": "80%"}, healthy=7, pods=7, expected_scale=7)   # 5.6 -> 6
    (7, 6, 7, 1)
    >>> budget({"maxUnavailable": 0}, healthy=3, pods=3, expected_scale=3)
    (3, 3, 3, 0)
    """
    if spec.get("maxUnavailable") is not None:
        expected = expected_scale
        desired = max(expected - int_or_percent(spec["maxUnavailable"], expected, True, "spec.maxUnavailable"), 0)
    elif isinstance(spec.get("minAvailable"), str):
        expected = expected_scale
        desired = int_or_percent(spec["minAvailable"], expected, True, "spec.minAvailable")
    else:
        expected = pods
        desired = spec.get("minAvailable") or 0
    return expected, desired, healthy, max(healthy - desired, 0)


def pdb_problems(obj: dict) -> list[str]:
    """Validation of ``ValidatePodDisruptionBudgetSpec`` (returns ``field: problem`` strings)."""
    spec = obj.get("spec") or {}
    out = []
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        out.append("spec: Invalid value: minAvailable and maxUnavailable cannot be both set")
    for field in ("minAvailable", "maxUnavailable"):
        v = spec.get(field)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            out.append(f"spec.{field}: must be an integer or a percentage such as '50%', got {v!r}")
        elif isinstance(v, int) and v < 0:
            out.append(f"spec.{field}: Invalid value: {v}: must be greater than or equal to 0")
        elif isinstance(v, str):
            if not v.endswith("%") or not v[:-1].isdigit():
                out.append(f"spec.{field}: Invalid value: {v!r}: must be an integer or percentage (e.g '5%')")
            elif int(v[:-1]) > 100:
                out.append(f"spec.{field}: Invalid value: {v!r}: must not be greater than 100%")
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in UNHEALTHY_POLICIES:
        out.append(f'spec.unhealthyPodEvictionPolicy: Unsupported value: "{policy}": supported values: "AlwaysAllow", "IfHealthyBudget"')
    return out


def pdbs_for_pod(store, pod: dict) -> list[dict]:
    """The PDBs of the Pod's namespace whose selector matches its labels (``GetPodPodDisruptionBudgets``)."""
    ns, labels = pod["metadata"]["namespace"], pod["metadata"].get("labels") or {}
    out = []
    for pdb in store.list("PodDisruptionBudget", ns):
        sel = pdb["spec"].get("selector")
        if sel is None:
            continue
        if selector_matches(sel, labels) if (sel.get("matchLabels") or sel.get("matchExpressions")) else True:
            out.append(pdb)
    return out


class DisruptionController(Controller):
    """Keeps every PDB's status (``expectedPods``, ``desiredHealthy``, ``currentHealthy``, ``disruptionsAllowed``)."""

    name = "disruption-controller"

    def __init__(self, store, sim) -> None:
        super().__init__(store, sim)
        store.watch("PodDisruptionBudget", self._on_pdb)
        store.watch("Pod", self._on_pod)

    def _on_pdb(self, ev: WatchEvent) -> None:
        if ev.type != DELETED and ev.actor != self.name:
            self.enqueue((ev.object["metadata"]["namespace"], ev.object["metadata"]["name"]))

    def _on_pod(self, ev: WatchEvent) -> None:
        if not self.store.count("PodDisruptionBudget"):
            return
        for pdb in pdbs_for_pod(self.store, ev.object):
            self.enqueue((pdb["metadata"]["namespace"], pdb["metadata"]["name"]))

    def _expected_scale(self, pods: list[dict]) -> int:
        total, seen = 0, set()
        for pod in pods:
            ref = controller_of(pod)
            if ref is None:
                continue
            owner = self.store.get(ref["kind"], pod["metadata"]["namespace"], ref["name"])
            if owner is not None and ref["kind"] == "ReplicaSet":
                dref = controller_of(owner)
                if dref is not None and dref["kind"] == "Deployment":
                    d = self.store.get("Deployment", pod["metadata"]["namespace"], dref["name"])
                    owner = d if d is not None else owner
            if owner is None or owner["metadata"]["uid"] in seen:
                continue
            seen.add(owner["metadata"]["uid"])
            total += (owner.get("spec") or {}).get("replicas", 1)
        return total

    def selected_pods(self, pdb: dict) -> list[dict]:
        """The live Pods a PDB selects (terminal Pods are left out)."""
        sel = pdb["spec"].get("selector")
        if sel is None:
            return []
        match_all = not (sel.get("matchLabels") or sel.get("matchExpressions"))
        return [p for p in self.store.list("Pod", pdb["metadata"]["namespace"])
                if (match_all or selector_matches(sel, p["metadata"].get("labels") or {}))
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]

    def sync(self, key) -> None:
        pdb = self.store.get("PodDisruptionBudget", *key)
        if pdb is None:
            return
        pods = self.selected_pods(pdb)
        healthy = sum(1 for p in pods if pod_is_healthy(p))
        expected, desired, current, allowed = budget(pdb["spec"], healthy, len(pods), self._expected_scale(pods))
        status = {"observedGeneration": pdb["metadata"].get("generation", 1), "expectedPods": expected, "desiredHealthy": desired,
                  "currentHealthy": current, "disruptionsAllowed": allowed,
                  "conditions": [{"type": "DisruptionAllowed", "status": "True" if allowed > 0 else "False",
                                  "reason": "SufficientPods" if allowed > 0 else "InsufficientPods"}]}
        old = pdb.get("status") or {}
        if {k: old.get(k) for k in status} != status:
            pdb["status"] = status
            self.store.update(pdb, actor=self.name, verb="update status")
