"""Operators: controllers a learner writes, which watch a kind and reconcile it through the API.

An operator (https://kubernetes.io/docs/concepts/extend-kubernetes/operator/) is a custom controller,
usually for a custom kind defined by a CRD (:mod:`.crd`). It has the shape of every built-in controller
(:mod:`.controllers.base`) and of controller-runtime's ``Reconciler``:

* a watch on the kind in ``watches`` (and on the kinds in ``owns``: a change to an object whose
  controller ownerReference points at a watched object queues its owner) puts the object's key on a
  de-duplicating work queue; the queue is drained at the same simulated instant, after the built-in
  controllers' work due then;
* ``reconcile(api, obj)`` gets a *copy* of the current object and makes the world match it through
  ``api`` (:class:`API`: ``get``, ``list``, ``create``, ``update``, ``update_status``, ``delete``), whose
  writes go through the same validation, defaulting, admission and optimistic concurrency (409 on a stale
  ``resourceVersion``) as kubectl's;
* an exception in ``reconcile`` is recorded (a Warning event ``ReconcileError`` and a row of
  :meth:`OperatorRunner.log`) and the key is queued again after controller-runtime's per-item back-off:
  5 ms, doubling, at most 1000 s (``workqueue.DefaultTypedControllerRateLimiter``); a success resets it;
  returning a number asks for another reconcile that many seconds later (``ctrl.Result{RequeueAfter}``);
* a deleted object is not reconciled; objects it owns (controller ownerReference, e.g. from
  :meth:`API.owner_reference`) are deleted after it, as the garbage collector does.

Learner code runs under the course time limit (see :func:`_call_learner`). Writes made before a
reconcile fails (or is stopped) stay, as with a real operator that crashes midway: reconcilers are
written to be level-triggered, so the next reconcile finishes the job.

>>> from labsupport import k8s
>>> cluster = k8s.Cluster(seed=0)
>>> class Echo(k8s.Controller):
...     watches = ("v1", "Service")
...     def reconcile(self, api, obj):
...         print("reconcile", obj["metadata"]["name"], "at", api.now)
>>> cluster.add_controller(Echo())
>>> _ = cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}})
>>> cluster.run(1)
reconcile kubernetes at 0.0
reconcile web at 0.0
"""
from __future__ import annotations

from typing import Any

from labsupport.core import LabError, Simulation, Table
from labsupport.k8s.controllers.base import CONTROLLER_PRIORITY
from labsupport.k8s.defaults import apply_defaults
from labsupport.k8s.errors import ConflictError, NotFoundError
from labsupport.k8s.objects import controller_of, copy_json, owner_reference, selector_matches
from labsupport.k8s.store import DELETED, APIStore, WatchEvent
from labsupport.k8s.validation import validate_manifests

__all__ = ["Controller", "API", "OperatorRunner", "RECONCILE_BACKOFF_BASE", "RECONCILE_BACKOFF_MAX", "MAX_RECONCILES_PER_INSTANT",
           "reconcile_backoff"]

RECONCILE_BACKOFF_BASE = 0.005
RECONCILE_BACKOFF_MAX = 1000.0
#: Simulator guard: a key reconciled this often at one simulated instant is a write loop (each reconcile
#: writes, the write queues the key again); it is treated as an error and backed off, so the run ends.
MAX_RECONCILES_PER_INSTANT = 100


def reconcile_backoff(failures: int) -> float:
    """Seconds before the n-th retry of a failing key (controller-runtime's item back-off).

    >>> [reconcile_backoff(n) for n in (1, 2, 3, 30)]
    [0.005, 0.01, 0.02, 1000.0]
    """
    return min(RECONCILE_BACKOFF_BASE * 2 ** (failures - 1), RECONCILE_BACKOFF_MAX)


def _call_learner(fn, *args: Any, name: str) -> Any:
    """Run learner code. TIME LIMIT CALL SITE (issue 18): uses ``labsupport.core.timelimit`` when it exists.

    The ``robust`` branch adds ``labsupport.core.timelimit.call_with_time_limit``; until it is merged
    the call runs without a limit. This is the only place where an operator runs learner code.
    """
    try:
        from labsupport.core.timelimit import call_with_time_limit  # type: ignore[import-not-found]
    except ImportError:
        return fn(*args)
    return call_with_time_limit(fn, *args, name=name)


class Controller:
    """Base class of a learner's operator: set ``watches = (apiVersion, kind)`` and write ``reconcile``.

    Optional: ``owns`` -- ``(apiVersion, kind)`` pairs of objects it creates (their changes queue the
    owner); ``name`` -- shown as the writer in ``watch_log`` and events (default: class name, lower
    case, plus ``-controller``).
    """

    watches: tuple[str, str] = ("", "")
    owns: tuple = ()
    name: str | None = None

    def reconcile(self, api: API, obj: dict) -> float | None:  # pragma: no cover - learners override it
        """Make the world match ``obj``; return None, or seconds until the next reconcile."""
        raise NotImplementedError("write reconcile(self, api, obj) in your Controller subclass")


class API:
    """What a reconcile may do: read and write objects through the API server, as the operator's client."""

    def __init__(self, cluster: Any, actor: str) -> None:
        self._cluster = cluster
        self._store: APIStore = cluster.store
        self.actor = actor

    @property
    def now(self) -> float:
        """Simulated seconds."""
        return self._cluster.sim.now

    def _kind(self, kind: str) -> str:
        return self._cluster.apiserver.resolve(kind)

    def get(self, kind: str, name: str, namespace: str | None = "default") -> dict | None:
        """A copy of the object, or None (``kind`` as kubectl takes it: ``pods``, ``Backup``, ``backups.example.com``)."""
        obj = self._store.get(self._kind(kind), namespace, name)
        return copy_json(obj) if obj is not None else None

    def list(self, kind: str, namespace: str | None = "default", labels: dict | None = None) -> list[dict]:
        """Copies of the objects of ``kind`` (``namespace=None``: all), optionally those matching ``labels``."""
        k = self._kind(kind)
        objs = self._store.list(k, None if k in self._store.cluster_scoped else namespace)
        if labels:
            objs = [o for o in objs if selector_matches({"matchLabels": labels}, o["metadata"].get("labels") or {})]
        return [copy_json(o) for o in objs]

    def owner_reference(self, owner: dict) -> dict:
        """A controller ownerReference to ``owner``: put it in ``metadata.ownerReferences`` of what you create."""
        return owner_reference(owner)

    def create(self, obj: dict) -> dict:
        """Create an object (validated, defaulted and admitted as by ``kubectl create``); returns a copy as stored."""
        o = copy_json(obj)
        validate_manifests([o], custom=self._cluster.apiserver.custom)
        apply_defaults(o)
        kind, meta = o["kind"], o["metadata"]
        if kind not in self._store.cluster_scoped and self._store.get("Namespace", None, meta.get("namespace")) is None:
            raise NotFoundError(f'namespaces "{meta.get("namespace")}" not found')
        if self._store.get(kind, meta.get("namespace"), meta["name"]) is not None:
            raise ConflictError(f'{kind.lower()}s "{meta["name"]}" already exists')
        meta["generation"] = 1
        meta.pop("resourceVersion", None)
        return copy_json(self._cluster.apiserver._create(o, self.actor))

    def update(self, obj: dict) -> dict:
        """Replace an object; fails with ConflictError (409) if it changed since ``obj`` was read."""
        o = copy_json(obj)
        validate_manifests([o], custom=self._cluster.apiserver.custom)
        apply_defaults(o)
        kind, meta = o["kind"], o["metadata"]
        live = self._store.get(kind, meta.get("namespace"), meta["name"])
        if live is None:
            raise NotFoundError(f'{kind.lower()}s "{meta["name"]}" not found')
        for key in ("uid", "creationTimestamp", "generation", "ownerReferences"):
            if key in live["metadata"] and key not in meta:
                meta[key] = live["metadata"][key]
        ck = self._cluster.apiserver.custom.lookup(o["apiVersion"], kind)
        if ck is not None and ck.status_subresource:
            if "status" in live:
                o["status"] = copy_json(live["status"])  # status is written through update_status only
        if o.get("spec") != live.get("spec") and "generation" in live["metadata"]:
            meta["generation"] = live["metadata"]["generation"] + 1
        return self._write(o, live, "update")

    def update_status(self, obj: dict) -> dict:
        """Write only ``status`` (the ``/status`` subresource); 409 if the object changed since it was read."""
        meta = obj["metadata"]
        kind = self._kind(obj["kind"])
        live = self._store.get(kind, meta.get("namespace"), meta["name"])
        if live is None:
            raise NotFoundError(f'{kind.lower()}s "{meta["name"]}" not found')
        new = copy_json(live)
        new["status"] = copy_json(obj.get("status") or {})
        new["metadata"]["resourceVersion"] = meta.get("resourceVersion")
        return self._write(new, live, "update status")

    def _write(self, new: dict, live: dict, verb: str) -> dict:
        """Store ``new`` unless it equals ``live``: the API server skips a no-op update (no new resourceVersion, no watch event)."""
        rv = new["metadata"].get("resourceVersion")
        if rv not in (None, "") and str(rv) != live["metadata"]["resourceVersion"]:
            return copy_json(self._store.update(new, actor=self.actor, verb=verb))  # raises ConflictError (409)
        probe = dict(new, metadata={**new["metadata"], "resourceVersion": live["metadata"]["resourceVersion"]})
        if probe == live:
            return copy_json(live)
        return copy_json(self._store.update(new, actor=self.actor, verb=verb))

    def delete(self, kind: str, name: str, namespace: str | None = "default") -> None:
        """Delete an object (Pods terminate gracefully); NotFoundError if it does not exist."""
        k = self._kind(kind)
        if self._store.delete(k, namespace, name, actor=self.actor) is None:
            raise NotFoundError(f'{k.lower()}s "{name}" not found')


class OperatorRunner:
    """Runs one learner :class:`Controller`: watches, work queue, reconcile with back-off, cascading deletion."""

    def __init__(self, controller: Controller, cluster: Any) -> None:
        self.controller = controller
        self.cluster = cluster
        self.store: APIStore = cluster.store
        self.sim: Simulation = cluster.sim
        self.name = controller.name or f"{type(controller).__name__.lower()}-controller"
        self.kind = self._check_kind(getattr(controller, "watches", None), "watches")
        self.owned = [self._check_kind(pair, f"owns[{i}]") for i, pair in enumerate(getattr(controller, "owns", ()) or ())]
        self.api = API(cluster, self.name)
        self._queue: dict = {}
        self._drain_scheduled = False
        self._failures: dict[tuple, int] = {}
        self._log: list[dict] = []
        self._instant: tuple[float, dict] = (-1.0, {})
        self.store.watch(self.kind, self._on_object, owner=self.name)
        for kind in self.owned:
            self.store.watch(kind, self._on_owned, owner=self.name)

    def _check_kind(self, pair: Any, field: str) -> str:
        if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(x, str) and x for x in pair)):
            raise LabError(f'{field}: must be a pair (apiVersion, kind) such as ("example.com/v1", "Backup"), got {pair!r}')
        api_version, kind = pair
        from labsupport.k8s.validation import SIMULATED_KINDS

        if SIMULATED_KINDS.get(kind) == api_version or self.cluster.apiserver.custom.lookup(api_version, kind) is not None:
            return kind
        raise LabError(f'{field}: no kind "{kind}" is served in version "{api_version}" '
                       "(for a custom kind, apply its CustomResourceDefinition first)")

    # ------------------------------------------------------------ queue
    def _on_object(self, ev: WatchEvent) -> None:
        m = ev.object["metadata"]
        if ev.type == DELETED:
            self._cascade(ev.object)
            return
        self.enqueue((m.get("namespace") or "", m["name"]))

    def _on_owned(self, ev: WatchEvent) -> None:
        ref = controller_of(ev.object)
        if ref is not None and ref["kind"] == self.kind:
            self.enqueue((ev.object["metadata"].get("namespace") or "", ref["name"]))

    def enqueue(self, key: tuple) -> None:
        """Ask for a reconcile of ``key`` = (namespace, name) at the current instant (once)."""
        if key in self._queue:
            return
        self._queue[key] = None
        if not self._drain_scheduled:
            self._drain_scheduled = True
            self.sim.schedule(0, self._drain, priority=CONTROLLER_PRIORITY + 1, label=self.name)

    def _drain(self) -> None:
        self._drain_scheduled = False
        while self._queue:
            key = next(iter(self._queue))
            del self._queue[key]
            self._reconcile(key)

    def _reconcile(self, key: tuple) -> None:
        obj = self.store.get(self.kind, key[0] or None, key[1])
        if obj is None:
            return
        ref = f"{self.kind.lower()}/{key[1]}"
        if self._instant[0] != self.sim.now:
            self._instant = (self.sim.now, {})
        counts = self._instant[1]
        counts[key] = counts.get(key, 0) + 1
        try:
            if counts[key] > MAX_RECONCILES_PER_INSTANT:
                raise LabError(f"reconcile loop: {ref} was reconciled {MAX_RECONCILES_PER_INSTANT} times at t={self.sim.now:g} s; "
                               "does every reconcile write something that changes (a timestamp, a counter)?")
            result = _call_learner(self.controller.reconcile, self.api, copy_json(obj), name=f"{type(self.controller).__name__}.reconcile")
        except Exception as e:  # learner code: recorded and retried, never fatal to the cluster
            n = self._failures.get(key, 0) + 1
            self._failures[key] = n
            delay = reconcile_backoff(n)
            message = f"{type(e).__name__}: {e}"
            self._log.append({"TIME": round(self.sim.now, 3), "OBJECT": ref, "RESULT": "error", "DETAIL": f"{message} (retry in {delay:g} s)"})
            live = self.store.get(self.kind, key[0] or None, key[1])
            if live is not None:
                self.store.record_event(live, "ReconcileError", message, type="Warning", source=self.name)
            self.sim.schedule(delay, lambda: self.enqueue(key), label=f"{self.name} retry")
            return
        self._failures.pop(key, None)
        detail = ""
        if isinstance(result, (int, float)) and not isinstance(result, bool) and result > 0:
            self.sim.schedule(float(result), lambda: self.enqueue(key), label=f"{self.name} requeue")
            detail = f"requeue after {result:g} s"
        self._log.append({"TIME": round(self.sim.now, 3), "OBJECT": ref, "RESULT": "ok", "DETAIL": detail})

    def _cascade(self, owner: dict) -> None:
        """Delete what the operator's objects owned (the garbage collector's job for built-in owners)."""
        uid = owner["metadata"]["uid"]
        for kind in sorted(set(self.owned)):
            for obj in self.store.list(kind):
                ref = controller_of(obj)
                if ref is not None and ref["uid"] == uid:
                    self.store.delete(kind, obj["metadata"].get("namespace"), obj["metadata"]["name"], actor="generic-garbage-collector")

    def log(self) -> Table:
        """Every reconcile: TIME, OBJECT, RESULT (ok/error), DETAIL."""
        return Table(["TIME", "OBJECT", "RESULT", "DETAIL"], list(self._log), title=self.name)
