"""Deployment controller: rollouts through ReplicaSets, as ``pkg/controller/deployment/``.

Each distinct ``spec.template`` gets its own ReplicaSet, named ``<deployment>-<pod-template-hash>``
and numbered by the annotation ``deployment.kubernetes.io/revision`` (1, 2, ...).

* **RollingUpdate** (``rolling.go``): the new ReplicaSet may grow while the total of all
  ReplicaSets' ``spec.replicas`` stays <= ``replicas + maxSurge``; old ReplicaSets (oldest
  first) shrink while the available Pods stay >= ``replicas - maxUnavailable``. Unhealthy
  old Pods are scaled away first (``cleanupUnhealthyReplicas``). Bounds come from
  :func:`rollout_bounds`: ``maxSurge`` rounds **up**, ``maxUnavailable`` rounds **down**,
  and if both resolve to 0, ``maxUnavailable`` becomes 1; ``maxUnavailable`` is then clamped to
  ``replicas`` (``deploymentutil.MaxUnavailable``, see :mod:`~labsupport.k8s.controllers.deploymentutil`).
* **Recreate** (``recreate.go``): scale every old ReplicaSet to 0, wait until none of
  their Pods is left running, then scale the new one up.
* History: old ReplicaSets scaled to 0 are kept, at most ``revisionHistoryLimit`` (10)
  of them; rolling back (``Cluster.rollout_undo``) copies an old template back, and its
  ReplicaSet becomes the newest revision again (``deployment.kubernetes.io/revision-history``
  keeps the numbers it had).

A replica-count change (``kubectl scale``, an HPA) while several ReplicaSets are active is
spread over them in proportion to their size (``sync.go scale``, "proportional scaling" in the
Deployment docs); a paused Deployment only scales.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labsupport.core import Simulation
from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.errors import ManifestError
from labsupport.k8s.objects import (
    controller_of,
    copy_json,
    is_pod_terminal,
    owner_reference,
    set_condition,
    template_hash,
)
from labsupport.k8s.store import DELETED, APIStore, WatchEvent
from labsupport.k8s.validation import int_or_percent

__all__ = ["DeploymentController", "rollout_bounds", "REVISION", "REVISION_HISTORY", "DEFAULT_REVISION_HISTORY_LIMIT"]

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
DEFAULT_REVISION_HISTORY_LIMIT = 10
DEFAULT_PROGRESS_DEADLINE_SECONDS = 600


def rollout_bounds(replicas: int, max_surge: Any = "25%", max_unavailable: Any = "25%") -> tuple[int, int]:
    """``(surge, unavailable)`` Pods a rolling update may use (``deploymentutil.ResolveFenceposts``).

    Percentages are of ``replicas``; ``maxSurge`` rounds up, ``maxUnavailable`` rounds down.
    Both explicitly 0 is invalid; if rounding makes both 0, ``maxUnavailable`` becomes 1.

    >>> rollout_bounds(10)
    (3, 2)
    >>> rollout_bounds(1)            # 25% of 1: surge rounds up to 1, unavailable down to 0
    (1, 0)
    >>> rollout_bounds(3, max_surge=0, max_unavailable="10%")   # both round to 0 -> unavailable 1
    (0, 1)
    >>> try:
    ...     rollout_bounds(3, 0, 0)
    ... except ManifestError as e:
    ...     print(e)
    spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when maxSurge is 0
    """
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        raise ManifestError(f"replicas: must be an integer >= 0, got {replicas!r}")

    def explicit_zero(v):
        return v == 0 or v == "0%"

    if explicit_zero(max_surge) and explicit_zero(max_unavailable):
        raise ManifestError("spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when maxSurge is 0")
    surge = int_or_percent(max_surge, replicas, True, "spec.strategy.rollingUpdate.maxSurge")
    unavailable = int_or_percent(max_unavailable, replicas, False, "spec.strategy.rollingUpdate.maxUnavailable")
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _replicas(obj: Mapping) -> int:
    return obj["spec"].get("replicas", 1)


def _revision(rs: Mapping) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


def _round_half_away(x: float) -> int:
    """``integer.RoundToInt32``: round half away from zero (Python's round() goes to even)."""
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def _by_creation(rss: list[dict]) -> list[dict]:
    return sorted(rss, key=lambda r: (r["metadata"]["creationTimestamp"], r["metadata"]["name"]))


def _bounds(d: Mapping) -> tuple[int, int]:
    """(surge, unavailable) of a RollingUpdate Deployment; unavailable clamped to replicas (``MaxUnavailable``)."""
    ru = ((d["spec"].get("strategy") or {}).get("rollingUpdate")) or {}
    surge, unavailable = rollout_bounds(_replicas(d), ru.get("maxSurge", "25%"), ru.get("maxUnavailable", "25%"))
    return surge, min(unavailable, _replicas(d))


def strip_hash(template: Mapping) -> dict:
    """A copy of a Pod template without the ``pod-template-hash`` label."""
    t = copy_json(template)
    labels = (t.get("metadata") or {}).get("labels")
    if labels:
        labels.pop("pod-template-hash", None)
    return t


class DeploymentController(Controller):
    """Rolls Deployments out through ReplicaSets (RollingUpdate or Recreate)."""

    name = "deployment-controller"

    def __init__(self, store: APIStore, sim: Simulation) -> None:
        super().__init__(store, sim)
        store.watch("Deployment", self._on_deployment)
        store.watch("ReplicaSet", self._on_rs)
        store.watch("Pod", self._on_pod)

    def _on_deployment(self, ev: WatchEvent) -> None:
        if ev.type != DELETED:
            m = ev.object["metadata"]
            self.enqueue((m["namespace"], m["name"]))

    def _on_rs(self, ev: WatchEvent) -> None:
        ref = controller_of(ev.object)
        if ref is not None and ref["kind"] == "Deployment":
            self.enqueue((ev.object["metadata"]["namespace"], ref["name"]))

    def _on_pod(self, ev: WatchEvent) -> None:
        # Recreate waits for the old Pods to be gone: a Pod deletion may unblock it.
        if ev.type != DELETED:
            return
        ref = controller_of(ev.object)
        if ref is None or ref["kind"] != "ReplicaSet":
            return
        rs = self.store.get("ReplicaSet", ev.object["metadata"]["namespace"], ref["name"])
        dref = controller_of(rs) if rs is not None else None
        if dref is not None and dref["kind"] == "Deployment":
            self.enqueue((rs["metadata"]["namespace"], dref["name"]))

    # ------------------------------------------------------------ helpers
    def _scale(self, rs: dict, d: dict, n: int) -> bool:
        """``scaleReplicaSet``: set the size and the desired/max-replicas annotations; True if the size changed."""
        old = _replicas(rs)
        ann = rs["metadata"].setdefault("annotations", {})
        surge = _bounds(d)[0] if self._strategy(d) == "RollingUpdate" else 0
        want_ann = {DESIRED_REPLICAS: str(_replicas(d)), MAX_REPLICAS: str(_replicas(d) + surge)}
        if old == n and all(ann.get(k) == v for k, v in want_ann.items()):
            return False
        rs["spec"]["replicas"] = n
        ann.update(want_ann)
        self.store.update(rs, actor=self.name)
        if old == n:
            return False
        verb = "up" if n > old else "down"
        self.store.record_event(d, "ScalingReplicaSet", f"Scaled {verb} replica set {rs['metadata']['name']} from {old} to {n}", source=self.name)
        return True

    # ------------------------------------------------------ scaling events
    @staticmethod
    def _is_scaling_event(d: dict, new: dict | None, old: list[dict]) -> bool:
        """``isScalingEvent``: an active ReplicaSet was sized for a different ``spec.replicas``."""
        for rs in old + ([new] if new is not None else []):
            desired = (rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS)
            if _replicas(rs) > 0 and desired is not None and int(desired) != _replicas(d):
                return True
        return False

    def _proportional_scale(self, d: dict, new: dict | None, old: list[dict]) -> None:
        """``sync.go scale``: spread a replica-count change over the active ReplicaSets in proportion to their size.

        The change is ``replicas + maxSurge - (sum of all ReplicaSets' replicas)``; each ReplicaSet gets
        ``round(size * newMax / oldMax) - size`` of it (oldMax from its ``max-replicas`` annotation),
        larger ReplicaSets first (newer first when scaling up, older first when scaling down), and the
        rounding leftover goes to the first one.
        """
        want = _replicas(d)
        active = [r for r in old + ([new] if new is not None else []) if _replicas(r) > 0]
        if len(active) <= 1:  # FindActiveOrLatest
            target = active[0] if active else (new if new is not None else (_by_creation(old)[-1] if old else None))
            if target is not None:
                self._scale(target, d, want)
            return
        if new is not None and _replicas(new) == want and new.get("status", {}).get("availableReplicas", 0) == want \
                and (new["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS) == str(want):  # IsSaturated
            for rs in active:
                if rs is not new:
                    self._scale(rs, d, 0)
            return
        if self._strategy(d) != "RollingUpdate":
            return
        surge, _ = _bounds(d)
        allowed = want + surge if want > 0 else 0
        to_add = allowed - sum(_replicas(r) for r in active)
        if to_add > 0:  # ReplicaSetsBySizeNewer: larger first, then newer first
            active.sort(key=lambda r: (r["metadata"]["creationTimestamp"], r["metadata"]["name"]), reverse=True)
            active.sort(key=lambda r: -_replicas(r))
        elif to_add < 0:  # ReplicaSetsBySizeOlder: larger first, then older first
            active.sort(key=lambda r: (-_replicas(r), r["metadata"]["creationTimestamp"], r["metadata"]["name"]))
        sizes, added = {}, 0
        for rs in active:
            proportion = 0
            if to_add != 0 and to_add != added:
                if want == 0:
                    fraction = -_replicas(rs)
                else:
                    before = int((rs["metadata"].get("annotations") or {}).get(MAX_REPLICAS) or 0) or (d.get("status") or {}).get("replicas", 0)
                    fraction = 0 if before == 0 else _round_half_away(_replicas(rs) * (want + surge) / before) - _replicas(rs)
                proportion = min(fraction, to_add - added) if to_add > 0 else max(fraction, to_add - added)
            sizes[rs["metadata"]["name"]] = _replicas(rs) + proportion
            added += proportion
        for i, rs in enumerate(active):
            n = sizes[rs["metadata"]["name"]]
            if i == 0 and to_add != 0:
                n = max(n + to_add - added, 0)
            self._scale(rs, d, n)

    @staticmethod
    def _strategy(d: Mapping) -> str:
        return (d["spec"].get("strategy") or {}).get("type", "RollingUpdate")

    def _split(self, d: dict) -> tuple[dict | None, list[dict], str]:
        rss = [r for r in self.store.by_index("replicasets-by-controller", d["metadata"]["uid"]) if r["metadata"].get("deletionTimestamp") is None]
        h = template_hash(strip_hash(d["spec"]["template"]))
        new = None
        for rs in rss:
            if (rs["metadata"].get("labels") or {}).get("pod-template-hash") == h:
                new = rs
        return new, [r for r in rss if r is not new], h

    def _sync_revision(self, d: dict, new: dict | None, old: list[dict], h: str, create: bool) -> dict | None:
        revision = max((_revision(r) for r in old), default=0) + 1
        if new is None:
            if not create:
                return None
            new = self._create_rs(d, h, revision, old)
        elif _revision(new) != revision and _revision(new) < revision:
            ann = new["metadata"].setdefault("annotations", {})
            prev = ann.get(REVISION)
            if prev:
                hist = [x for x in (ann.get(REVISION_HISTORY) or "").split(",") if x]
                ann[REVISION_HISTORY] = ",".join(hist + [prev])
            ann[REVISION] = str(revision)
            self.store.update(new, actor=self.name)
        dann = d["metadata"].setdefault("annotations", {})
        if dann.get(REVISION) != str(_revision(new)):
            dann[REVISION] = str(_revision(new))
            self.store.update(d, actor=self.name)
        return new

    def _create_rs(self, d: dict, h: str, revision: int, old: list[dict]) -> dict:
        tmpl = strip_hash(d["spec"]["template"])
        tmpl.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = h
        sel = copy_json(d["spec"]["selector"])
        sel.setdefault("matchLabels", {})["pod-template-hash"] = h
        replicas = 0
        if self._strategy(d) == "RollingUpdate":
            surge, _ = _bounds(d)
            current = sum(_replicas(r) for r in old)
            replicas = max(0, min(_replicas(d) + surge - current, _replicas(d)))
        else:
            replicas = _replicas(d)
        surge = _bounds(d)[0] if self._strategy(d) == "RollingUpdate" else 0
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{d['metadata']['name']}-{h}",
                "namespace": d["metadata"]["namespace"],
                "labels": dict(tmpl["metadata"]["labels"]),
                "annotations": {REVISION: str(revision), DESIRED_REPLICAS: str(_replicas(d)), MAX_REPLICAS: str(_replicas(d) + surge)},
                "ownerReferences": [owner_reference(d)],
                "generation": 1,
            },
            "spec": {"replicas": replicas, "minReadySeconds": d["spec"].get("minReadySeconds", 0), "selector": sel, "template": tmpl},
            "status": {"replicas": 0},
        }
        self.store.create(rs, actor=self.name)
        self.store.record_event(d, "ScalingReplicaSet", f"Scaled up replica set {rs['metadata']['name']} from 0 to {replicas}", source=self.name)
        return rs

    # --------------------------------------------------------------- sync
    def sync(self, key) -> None:
        d = self.store.get("Deployment", *key)
        if d is None or d["metadata"].get("deletionTimestamp") is not None:
            return
        new, old, h = self._split(d)
        if d["spec"].get("paused") or self._is_scaling_event(d, new, old):
            # sync(): a paused Deployment, or a replica-count change, is scaled proportionally, without a rollout step
            self._proportional_scale(d, new, old)
            self._status(d, new, old)
            return
        if self._strategy(d) == "Recreate":
            self._recreate(d, new, old, h)
        else:
            self._rolling(d, new, old, h)

    def _rolling(self, d: dict, new: dict | None, old: list[dict], h: str) -> None:
        new = self._sync_revision(d, new, old, h, create=True)
        all_rs = old + [new]
        # reconcileNewReplicaSet
        want = _replicas(d)
        if _replicas(new) > want:
            self._scale(new, d, want)
            return self._status(d, new, old)
        if _replicas(new) < want:
            surge, _ = _bounds(d)
            current = sum(_replicas(r) for r in all_rs)
            if current < want + surge:
                n = _replicas(new) + min(want + surge - current, want - _replicas(new))
                if self._scale(new, d, n):
                    return self._status(d, new, old)
        # reconcileOldReplicaSets
        if sum(_replicas(r) for r in old) > 0:
            _, max_unavailable = _bounds(d)
            min_available = want - max_unavailable
            new_unavailable = _replicas(new) - new.get("status", {}).get("availableReplicas", 0)
            max_scaled_down = sum(_replicas(r) for r in all_rs) - min_available - new_unavailable
            if max_scaled_down > 0:
                changed = False
                total = 0
                for rs in _by_creation(old):  # cleanupUnhealthyReplicas
                    if total >= max_scaled_down:
                        break
                    avail = rs.get("status", {}).get("availableReplicas", 0)
                    if _replicas(rs) == 0 or _replicas(rs) == avail:
                        continue
                    n = min(max_scaled_down - total, _replicas(rs) - avail)
                    changed |= self._scale(rs, d, _replicas(rs) - n)
                    total += n
                available = sum(r.get("status", {}).get("availableReplicas", 0) for r in all_rs)
                if available > min_available:  # scaleDownOldReplicaSetsForRollingUpdate
                    budget, done = available - min_available, 0
                    for rs in _by_creation(old):
                        if done >= budget:
                            break
                        if _replicas(rs) == 0:
                            continue
                        n = min(_replicas(rs), budget - done)
                        changed |= self._scale(rs, d, _replicas(rs) - n)
                        done += n
                if changed:
                    return self._status(d, new, old)
        self._status(d, new, old)
        if self._complete(d):
            self._cleanup(d, old)

    def _recreate(self, d: dict, new: dict | None, old: list[dict], h: str) -> None:
        changed = False
        for rs in old:
            if _replicas(rs) > 0:
                changed |= self._scale(rs, d, 0)
        if changed:
            return self._status(d, new, old)
        for rs in old:
            for p in self.store.by_index("pods-by-controller", rs["metadata"]["uid"]):
                if not is_pod_terminal(p):
                    return self._status(d, new, old)
        new = self._sync_revision(d, new, old, h, create=True)
        self._scale(new, d, _replicas(d))
        self._status(d, new, old)
        if self._complete(d):
            self._cleanup(d, old)

    def _cleanup(self, d: dict, old: list[dict]) -> None:
        limit = d["spec"].get("revisionHistoryLimit", DEFAULT_REVISION_HISTORY_LIMIT)
        cleanable = [r for r in old if _replicas(r) == 0 and r.get("status", {}).get("replicas", 0) == 0]
        excess = len(cleanable) - limit
        for rs in sorted(cleanable, key=_revision)[: max(excess, 0)]:
            self.store.delete("ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"], actor=self.name)

    @staticmethod
    def _complete(d: Mapping) -> bool:
        s = d.get("status") or {}
        want = _replicas(d)
        return (
            s.get("updatedReplicas", 0) == want
            and s.get("replicas", 0) == want
            and s.get("availableReplicas", 0) == want
            and s.get("observedGeneration", 0) >= d["metadata"].get("generation", 1)
        )

    def _status(self, d: dict, new: dict | None, old: list[dict]) -> None:
        all_rs = old + ([new] if new is not None else [])
        st = lambda r, k: (r.get("status") or {}).get(k, 0)  # noqa: E731
        want = _replicas(d)
        available = sum(st(r, "availableReplicas") for r in all_rs)
        fields = {
            "observedGeneration": d["metadata"].get("generation", 1),
            "replicas": sum(st(r, "replicas") for r in all_rs),
            "updatedReplicas": st(new, "replicas") if new is not None else 0,
            "readyReplicas": sum(st(r, "readyReplicas") for r in all_rs),
            "availableReplicas": available,
            "unavailableReplicas": max(want - available, 0),
        }
        status = d.setdefault("status", {})
        changed = any(status.get(k) != v for k, v in fields.items())
        status.update(fields)
        now = self.sim.now
        _, max_unavailable = _bounds(d) if self._strategy(d) == "RollingUpdate" else (0, 0)
        if available >= want - max_unavailable:
            changed |= set_condition(d, "Available", "True", now, "MinimumReplicasAvailable", "Deployment has minimum availability.")
        else:
            changed |= set_condition(d, "Available", "False", now, "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
        deadline = d["spec"].get("progressDeadlineSeconds", DEFAULT_PROGRESS_DEADLINE_SECONDS)
        name = new["metadata"]["name"] if new is not None else None
        prog = next((c for c in status.get("conditions", ()) if c["type"] == "Progressing"), None)
        if self._complete(d):
            changed |= set_condition(d, "Progressing", "True", now, "NewReplicaSetAvailable", f'ReplicaSet "{name}" has successfully progressed.')
        elif changed or prog is None or prog.get("reason") == "NewReplicaSetAvailable":
            if set_condition(d, "Progressing", "True", now, "ReplicaSetUpdated", f'ReplicaSet "{name}" is progressing.'):
                changed = True
            prog = next(c for c in status["conditions"] if c["type"] == "Progressing")
            prog["lastUpdateTime"] = now
            self.sim.schedule(deadline, lambda: self.enqueue((d["metadata"]["namespace"], d["metadata"]["name"])), label="progress deadline")
        elif prog is not None and prog.get("reason") == "ReplicaSetUpdated" and now >= prog.get("lastUpdateTime", now) + deadline:
            changed |= set_condition(d, "Progressing", "False", now, "ProgressDeadlineExceeded", f'ReplicaSet "{name}" has timed out progressing.')
            self.store.record_event(d, "ProgressDeadlineExceeded", f'Deployment "{d["metadata"]["name"]}" has timed out progressing.', type="Warning", source=self.name)
        if changed:
            self.store.update(d, actor=self.name, verb="update status")
