"""APIStore: the etcd + kube-apiserver stand-in every component reads and writes through.

In Kubernetes nothing talks to anything directly: the scheduler, the kubelets and the
controllers each *watch* the API server and *write* back to it. This store reproduces
that shape in one process:

* every write (create, update, bind, delete) bumps one global ``resourceVersion``
  counter, like etcd's revision, and stamps it on the object;
* watchers registered with :meth:`APIStore.watch` receive ``ADDED`` / ``MODIFIED`` /
  ``DELETED`` :class:`WatchEvent` s, in registration order, after the write is
  committed. A write made *inside* a handler is queued and delivered after the
  current event has reached every watcher, so each watcher sees events in
  resourceVersion order (as with a real watch stream);
* an ``update`` whose ``metadata.resourceVersion`` is not the stored one fails with
  :class:`~labsupport.k8s.errors.ConflictError` (HTTP 409: optimistic concurrency, as in
  https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions); the
  components here always write the dict they just read from the store, i.e. the latest version;
* every write is also appended to :attr:`APIStore.log` (time, resourceVersion, actor,
  verb, kind, namespace, name), so a learner can list the ripple one ``apply`` causes;
* :meth:`APIStore.record_event` keeps kubectl-style Events (aggregated by object,
  reason and message, with a count) in a side list -- in Kubernetes Events are API
  objects too; here they stay out of the write log so it stays readable.

Objects are plain dicts in API JSON form. For speed the store does **not** copy them:
``update(obj)`` stores the very dict it is given, and readers must not mutate what
``get``/``list`` return without calling ``update``. Pod deletion is graceful as in
Kubernetes: deleting a Pod that is bound to a node only sets
``metadata.deletionTimestamp`` (the Pod shows ``Terminating``); the node's kubelet
stops the containers and then removes the Pod with ``grace_period_seconds=0``.
An unbound Pod (or ``grace_period_seconds=0``) is removed at once.

>>> from labsupport.core import Simulation
>>> store = APIStore(Simulation(seed=0))
>>> seen = []
>>> store.watch("Pod", lambda ev: seen.append((ev.type, ev.object["metadata"]["name"], ev.resource_version)))
>>> _ = store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}, "spec": {}}, actor="kubectl")
>>> store.bind("default", "web", "node-1")
>>> seen
[('ADDED', 'web', 1), ('MODIFIED', 'web', 2)]
>>> [(r.resource_version, r.actor, r.verb) for r in store.log]
[(1, 'kubectl', 'create'), (2, 'default-scheduler', 'bind')]
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from labsupport.core import Simulation
from labsupport.core.events import EventRecord
from labsupport.k8s.errors import ConflictError, NotFoundError

__all__ = [
    "APIStore",
    "WatchEvent",
    "WriteRecord",
    "Watcher",
    "EventRecord",
    "CLUSTER_SCOPED_KINDS",
    "RESOURCE_NAMES",
    "ADDED",
    "MODIFIED",
    "DELETED",
    "object_key",
    "MAX_SIMILAR_EVENTS",
    "SIMILAR_EVENTS_INTERVAL",
]

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"

#: client-go's EventAggregator: similar events (same object and reason) are combined from the 10th on ...
MAX_SIMILAR_EVENTS = 10
#: ... when they come within 10 minutes of each other.
SIMILAR_EVENTS_INTERVAL = 600.0

#: Kinds that live outside any namespace (``kubectl api-resources --namespaced=false``).
CLUSTER_SCOPED_KINDS = frozenset({"Node", "Namespace", "PriorityClass", "CustomResourceDefinition", "GatewayClass", "ClusterRole", "ClusterRoleBinding",
                                  "PersistentVolume", "StorageClass", "VolumeAttachment"})  # issue 15: storage kinds

#: Kind -> resource name as the API server prints it in errors (``pods``, ``deployments.apps``).
RESOURCE_NAMES = {"Pod": "pods", "Deployment": "deployments.apps", "ReplicaSet": "replicasets.apps", "Service": "services", "Node": "nodes",
                  "Namespace": "namespaces", "HorizontalPodAutoscaler": "horizontalpodautoscalers.autoscaling",
                  "PriorityClass": "priorityclasses.scheduling.k8s.io", "ResourceQuota": "resourcequotas",
                  "EndpointSlice": "endpointslices.discovery.k8s.io", "Lease": "leases.coordination.k8s.io",
                  "PodDisruptionBudget": "poddisruptionbudgets.policy",
                  "Job": "jobs.batch", "CronJob": "cronjobs.batch", "DaemonSet": "daemonsets.apps",
                  "CustomResourceDefinition": "customresourcedefinitions.apiextensions.k8s.io",
                  "NetworkPolicy": "networkpolicies.networking.k8s.io", "Ingress": "ingresses.networking.k8s.io",
                  "GatewayClass": "gatewayclasses.gateway.networking.k8s.io", "Gateway": "gateways.gateway.networking.k8s.io",
                  "HTTPRoute": "httproutes.gateway.networking.k8s.io",
                  # security (labsupport.k8s.auth)
                  "Secret": "secrets", "ConfigMap": "configmaps", "ServiceAccount": "serviceaccounts",
                  "Role": "roles.rbac.authorization.k8s.io", "ClusterRole": "clusterroles.rbac.authorization.k8s.io",
                  "RoleBinding": "rolebindings.rbac.authorization.k8s.io",
                  "ClusterRoleBinding": "clusterrolebindings.rbac.authorization.k8s.io",
                  # issue 15 (storage)
                  "PersistentVolume": "persistentvolumes", "PersistentVolumeClaim": "persistentvolumeclaims",
                  "StorageClass": "storageclasses.storage.k8s.io", "StatefulSet": "statefulsets.apps",
                  "VolumeAttachment": "volumeattachments.storage.k8s.io"}

Key = tuple  # (namespace, name); namespace is "" for cluster-scoped kinds


def object_key(obj: dict) -> tuple[str, str]:
    """``(namespace, name)`` of an object; cluster-scoped kinds have namespace ``""``.

    >>> object_key({"kind": "Pod", "metadata": {"name": "web"}})
    ('default', 'web')
    >>> object_key({"kind": "Node", "metadata": {"name": "node-1"}})
    ('', 'node-1')
    """
    meta = obj["metadata"]
    if obj["kind"] in CLUSTER_SCOPED_KINDS:
        return ("", meta["name"])
    return (meta.get("namespace") or "default", meta["name"])


class WatchEvent:
    """One watch notification: ``type`` (ADDED/MODIFIED/DELETED), ``object``, ``actor``, ``time``, ``resource_version``."""

    __slots__ = ("type", "object", "actor", "time", "resource_version", "verb")

    def __init__(self, type: str, object: dict, actor: str, time: float, resource_version: int, verb: str) -> None:
        self.type = type
        self.object = object
        self.actor = actor
        self.time = time
        self.resource_version = resource_version
        self.verb = verb

    def __repr__(self) -> str:
        m = self.object["metadata"]
        return f"WatchEvent({self.type} {self.object['kind']}/{m['name']} rv={self.resource_version} by {self.actor})"


class WriteRecord(NamedTuple):
    """One committed write, as kept in :attr:`APIStore.log`."""

    time: float
    resource_version: int
    actor: str
    verb: str
    type: str
    kind: str
    namespace: str
    name: str


class Watcher(NamedTuple):
    """One watch registration as :meth:`APIStore.watchers` lists it: the ``kind`` watched and the ``owner`` component."""

    kind: str
    owner: str



Handler = Callable[[WatchEvent], Any]


class APIStore:
    """Objects by kind and ``(namespace, name)``, one resourceVersion counter, watches and a write log.

    ``log_limit`` bounds :attr:`log` (oldest records dropped first; ``None`` keeps all).
    """

    def __init__(self, sim: Simulation, log_limit: int | None = None) -> None:
        self.sim = sim
        self.resource_version = 0
        self._objects: dict[str, dict[Key, dict]] = {}
        self._sorted_keys: dict[str, list[Key] | None] = {}
        self._watchers: dict[str, list[Handler]] = {}
        self._watcher_names: list[Watcher] = []
        self._queue: deque[tuple[list[Handler], WatchEvent]] = deque()
        self._delivering = False
        self._uid = 0
        self._indexes: dict[str, tuple[str, Callable[[dict], Any], dict[Any, dict[Key, dict]], dict[Key, Any]]] = {}
        self._kind_indexes: dict[str, list[str]] = {}
        self._kind_index_list: dict[str, list[tuple]] = {}
        self.log: deque[WriteRecord] | list[WriteRecord] = deque(maxlen=log_limit) if log_limit else []
        self.events: list[EventRecord] = []
        self._event_index: dict[tuple, EventRecord] = {}
        self._similar: dict[tuple, list] = {}
        #: kinds outside any namespace: the built-in ones plus cluster-scoped custom kinds (:meth:`add_cluster_scoped_kind`)
        self.cluster_scoped: set[str] = set(CLUSTER_SCOPED_KINDS)

    def add_cluster_scoped_kind(self, kind: str) -> None:
        """Store objects of ``kind`` without a namespace (a CRD with ``scope: Cluster``)."""
        self.cluster_scoped.add(kind)

    def _key(self, obj: dict) -> tuple[str, str]:
        meta = obj["metadata"]
        if obj["kind"] in self.cluster_scoped:
            return ("", meta["name"])
        return (meta.get("namespace") or "default", meta["name"])

    # ------------------------------------------------------------------ reads
    def get(self, kind: str, namespace: str | None, name: str) -> dict | None:
        """The stored object, or None. ``namespace`` is ignored for cluster-scoped kinds."""
        ns = "" if kind in self.cluster_scoped else (namespace or "default")
        return self._objects.get(kind, {}).get((ns, name))

    def list(self, kind: str, namespace: str | None = None) -> list[dict]:
        """All objects of ``kind`` (optionally one namespace) in ``(namespace, name)`` order."""
        objs = self._objects.get(kind)
        if not objs:
            return []
        keys = self._sorted_keys.get(kind)
        if keys is None:
            keys = self._sorted_keys[kind] = sorted(objs)
        if namespace is None:
            return [objs[k] for k in keys]
        return [objs[k] for k in keys if k[0] == namespace]

    def count(self, kind: str) -> int:
        """Number of stored objects of ``kind``."""
        return len(self._objects.get(kind, ()))

    # ---------------------------------------------------------------- indexes
    def add_index(self, kind: str, index: str, key_fn: Callable[[dict], Any]) -> None:
        """Maintain ``index``: objects of ``kind`` grouped by ``key_fn(obj)`` (None = not indexed).

        Like client-go's Indexer; controllers use it to find "Pods owned by this
        ReplicaSet" or "Pods on this node" without scanning every Pod.
        """
        buckets: dict[Any, dict[Key, dict]] = {}
        keys: dict[Key, Any] = {}
        if index in self._indexes:
            raise ValueError(f"index {index!r} already exists")
        self._indexes[index] = (kind, key_fn, buckets, keys)
        self._kind_indexes.setdefault(kind, []).append(index)
        self._kind_index_list.setdefault(kind, []).append((key_fn, buckets, keys))
        for k, obj in self._objects.get(kind, {}).items():
            self._index_put(index, k, obj)

    def by_index(self, index: str, value: Any, ordered: bool = True) -> list[dict]:
        """Objects whose index key equals ``value``, in ``(namespace, name)`` order.

        ``ordered=False`` skips the sort (insertion order, still deterministic) for callers that only count.
        """
        bucket = self._indexes[index][2].get(value)
        if not bucket:
            return []
        if not ordered:
            return list(bucket.values())
        return [bucket[k] for k in sorted(bucket)]

    def has_index(self, index: str) -> bool:
        """Whether :meth:`add_index` registered ``index``."""
        return index in self._indexes

    def index_size(self, index: str, value: Any) -> int:
        """How many objects sit under ``value`` in ``index``."""
        return len(self._indexes[index][2].get(value, ()))

    def _index_put(self, index: str, k: Key, obj: dict | None) -> None:
        _, key_fn, buckets, keys = self._indexes[index]
        new = key_fn(obj) if obj is not None else None
        old = keys.get(k)
        if old is not None and old != new:
            bucket = buckets[old]
            del bucket[k]
            if not bucket:
                del buckets[old]
        if new is None:
            keys.pop(k, None)
        else:
            keys[k] = new
            buckets.setdefault(new, {})[k] = obj

    # ----------------------------------------------------------------- writes
    def watch(self, kind: str, handler: Handler, owner: str | None = None) -> None:
        """Call ``handler(event)`` for every later write to objects of ``kind``.

        ``owner`` names the component that watches (shown by :meth:`watchers`); by default the
        ``name`` of the object a bound-method handler belongs to (a controller's name), else the
        handler's own name.
        """
        if owner is None:
            owner = getattr(getattr(handler, "__self__", None), "name", None) or getattr(handler, "__name__", repr(handler))
        self._watchers.setdefault(kind, []).append(handler)
        if (kind, owner) not in self._watcher_names:
            self._watcher_names.append(Watcher(kind, owner))

    def watchers(self) -> tuple[Watcher, ...]:
        """Who watches what: ``(kind, owner)`` pairs (:class:`Watcher`) in registration order, each pair once.

        Read-only: a copy of the registrations, for diagrams and lessons (what does a write to a
        Pod wake up?).

        >>> from labsupport.core import Simulation
        >>> store = APIStore(Simulation(0))
        >>> store.watch("Pod", lambda ev: None, owner="kubelet")
        >>> store.watchers()
        (Watcher(kind='Pod', owner='kubelet'),)
        """
        return tuple(self._watcher_names)

    def _commit(self, verb: str, type: str, obj: dict, k: Key, actor: str) -> None:
        # The hot path of the whole simulator (every write of every component): kept flat on purpose.
        rv = self.resource_version = self.resource_version + 1
        kind = obj["kind"]
        obj["metadata"]["resourceVersion"] = str(rv)
        now = self.sim.now
        self.log.append(WriteRecord(now, rv, actor, verb, type, kind, k[0], k[1]))
        for key_fn, buckets, keys in self._kind_index_list.get(kind, ()):
            new = None if type == DELETED else key_fn(obj)
            old = keys.get(k)
            if old != new:
                if old is not None:
                    bucket = buckets[old]
                    del bucket[k]
                    if not bucket:
                        del buckets[old]
                if new is None:
                    del keys[k]
                else:
                    keys[k] = new
                    buckets.setdefault(new, {})[k] = obj
            elif new is not None:
                buckets[new][k] = obj
        handlers = self._watchers.get(kind)
        if not handlers:
            return
        ev = WatchEvent(type, obj, actor, now, rv, verb)
        if self._delivering:
            self._queue.append((handlers, ev))
            return
        self._delivering = True
        queue = self._queue
        try:
            for h in handlers:
                h(ev)
            while queue:
                hs, ev = queue.popleft()
                for h in hs:
                    h(ev)
        finally:
            self._delivering = False
            queue.clear()

    def create(self, obj: dict, actor: str) -> dict:
        """Store a new object (uid, creationTimestamp and resourceVersion are filled in) and notify watchers."""
        kind = obj["kind"]
        meta = obj["metadata"]
        if kind not in self.cluster_scoped:
            if not meta.get("namespace"):
                meta["namespace"] = "default"
        elif "namespace" in meta:
            del meta["namespace"]   # e.g. a cluster-scoped custom object that defaulting gave one
        k = self._key(obj)
        objs = self._objects.setdefault(kind, {})
        if k in objs:
            raise ConflictError(f'{kind} "{k[1]}" already exists')
        self._uid += 1
        meta["uid"] = f"00000000-0000-4000-8000-{self._uid:012d}"
        meta["creationTimestamp"] = self.sim.now
        objs[k] = obj
        self._sorted_keys[kind] = None
        self._commit("create", ADDED, obj, k, actor)
        return obj

    def update(self, obj: dict, actor: str, verb: str = "update") -> dict:
        """Replace the stored object with ``obj`` (often the same dict, changed) and notify watchers.

        Optimistic concurrency as in the API server: if ``obj`` carries a ``metadata.resourceVersion``
        that is not the stored one, someone wrote the object since ``obj`` was read, and the update
        fails with :class:`ConflictError` (HTTP 409, ``Operation cannot be fulfilled on pods "web":
        the object has been modified; ...``); the caller must read the latest version and apply its
        change again. Without a resourceVersion the update is unconditional. ``verb`` only labels
        the write-log record (e.g. ``"update status"``).
        """
        kind = obj["kind"]
        k = self._key(obj)
        objs = self._objects.get(kind)
        stored = objs.get(k) if objs else None
        if stored is None:
            raise NotFoundError(f'{kind} "{k[1]}" not found')
        if stored is not obj:  # the stored dict itself (changed in place) is current by definition
            rv = obj["metadata"].get("resourceVersion")
            if rv not in (None, "") and str(rv) != stored["metadata"]["resourceVersion"]:
                raise ConflictError(f'Operation cannot be fulfilled on {RESOURCE_NAMES.get(kind, kind.lower() + "s")} "{k[1]}": '
                                    "the object has been modified; please apply your changes to the latest version and try again")
            objs[k] = obj
        self._commit(verb, MODIFIED, obj, k, actor)
        return obj

    def bind(self, namespace: str, pod_name: str, node_name: str, actor: str = "default-scheduler") -> None:
        """The ``pods/binding`` subresource: set ``spec.nodeName`` of an unbound Pod and notify watchers.

        The same write clears ``status.nominatedNodeName`` (a preemptor's reserved node): feature gate
        ``ClearingNominatedNodeNameAfterBinding``, beta and on by default since Kubernetes 1.35 (KEP-5278,
        ``pkg/registry/core/pod/storage/storage.go`` ``setPodHostAndAnnotations``, kubernetes/kubernetes#132443).
        """
        pod = self.get("Pod", namespace, pod_name)
        if pod is None:
            raise NotFoundError(f'pods "{pod_name}" not found')
        if pod["spec"].get("nodeName"):
            raise ConflictError(f'pod {pod_name} is already assigned to node "{pod["spec"]["nodeName"]}"')
        pod["spec"]["nodeName"] = node_name
        status = pod.get("status")
        if status and status.get("nominatedNodeName") is not None:
            del status["nominatedNodeName"]
        self._commit("bind", MODIFIED, pod, self._key(pod), actor)

    def delete(self, kind: str, namespace: str | None, name: str, actor: str, grace_period_seconds: float | None = None) -> dict | None:
        """Delete an object; a Pod bound to a node is deleted gracefully (see the module docstring).

        Returns the object (as last stored), or None if it did not exist. Deleting a Pod that
        is already terminating with a grace period is a no-op (it keeps its first deadline).
        """
        obj = self.get(kind, namespace, name)
        if obj is None:
            return None
        meta = obj["metadata"]
        if kind == "Pod" and grace_period_seconds != 0 and obj["spec"].get("nodeName"):
            if meta.get("deletionTimestamp") is not None:
                return obj
            grace = grace_period_seconds
            if grace is None:
                grace = obj["spec"].get("terminationGracePeriodSeconds", 30)
            meta["deletionTimestamp"] = self.sim.now + grace
            meta["deletionGracePeriodSeconds"] = grace
            self._commit("delete", MODIFIED, obj, self._key(obj), actor)
            return obj
        k = self._key(obj)
        del self._objects[kind][k]
        self._sorted_keys[kind] = None
        self._commit("delete", DELETED, obj, k, actor)
        return obj

    # ----------------------------------------------------------------- events
    def record_event(self, obj: dict, reason: str, message: str, type: str = "Normal", source: str = "",
                     related: tuple[str, str, str] | None = None) -> EventRecord:
        """Record a kubectl-style Event about ``obj``, aggregated like client-go's ``EventCorrelator``.

        The same event again increases its ``count``. Events about one object with the same
        reason but *different* messages (``Created pod: web-abc12``, ``Created pod: web-def34``, ...)
        are kept one by one up to :data:`MAX_SIMILAR_EVENTS` - 1 within 10 minutes; after that they
        are folded into one ``(combined from similar events): <latest message>`` event
        (``tools/record/events_cache.go``: ``EventAggregator``, maxEvents 10, maxIntervalInSeconds 600).
        ``related`` is ``(kind, namespace, name)`` of a second object (the Event's ``related`` field,
        e.g. the Node a ``Scheduled`` Pod was bound to).
        """
        kind = obj["kind"]
        meta = obj["metadata"]
        name = meta["name"]
        ns = "" if kind in self.cluster_scoped else meta.get("namespace", "default")
        now = self.sim.now
        agg_key = (kind, ns, name, type, reason, source)
        similar = self._similar.get(agg_key)
        if similar is None or now - similar[0] > SIMILAR_EVENTS_INTERVAL:
            similar = self._similar[agg_key] = [now, {}]
        similar[0] = now
        messages = similar[1]
        messages[message] = None
        if len(messages) >= MAX_SIMILAR_EVENTS:
            del messages[next(iter(messages))]  # do not grow the set of messages any further
            key = agg_key
            message = "(combined from similar events): " + message
        else:
            key = (kind, ns, name, type, reason, message, source)
        ev = self._event_index.get(key)
        if ev is not None:
            ev.count += 1
            ev.last_time = now
            ev.message = message
            return ev
        involved = ((kind, name, ns),) if related is None else ((kind, name, ns), (related[0], related[2], related[1]))
        ev = EventRecord(now, source, reason, involved, message, type, len(self.events))
        self.events.append(ev)
        self._event_index[key] = ev
        return ev

    def writes(self, since: int = 0) -> Iterable[WriteRecord]:
        """Write-log records with ``resource_version > since``, oldest first."""
        log = self.log
        if isinstance(log, list):
            # resourceVersions are dense in a list log: record i has rv i+1
            return log[since:] if since >= 0 else log
        return [r for r in log if r.resource_version > since]
