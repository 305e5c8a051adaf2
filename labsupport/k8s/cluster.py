"""``Cluster``: a Kubernetes control plane in miniature that a lesson drives like kubectl.

All components talk only through the :class:`~labsupport.k8s.store.APIStore`, as in
Kubernetes (https://kubernetes.io/docs/concepts/architecture/):

* the API server write path (:mod:`.apiserver`: validation, defaulting, admission);
* kube-scheduler (:class:`labsupport.k8s.scheduler.Scheduler`);
* kube-controller-manager: ReplicaSet, Deployment, EndpointSlice, garbage collector,
  node lifecycle, taint eviction, HorizontalPodAutoscaler (:mod:`.controllers`);
* one kubelet per node (:mod:`.kubelet`) and metrics-server with a load driver (:mod:`.metrics`).

The learner-facing methods: :meth:`Cluster.add_node`, :meth:`~Cluster.apply`, :meth:`~Cluster.run`,
:attr:`~Cluster.now`, :meth:`~Cluster.pods`, :meth:`~Cluster.get`, :meth:`~Cluster.events`,
:meth:`~Cluster.watch_log` (the writes one ``apply`` caused: ``cluster.watch_log(since=applied)``),
:meth:`~Cluster.delete`, :meth:`~Cluster.scale`, :meth:`~Cluster.rollout_status`,
:meth:`~Cluster.rollout_history`, :meth:`~Cluster.rollout_undo`, :meth:`~Cluster.fail_node`,
:meth:`~Cluster.restore_node`, :meth:`~Cluster.set_load`, :meth:`~Cluster.top_pods`,
:meth:`~Cluster.endpoints`, :meth:`~Cluster.service_dns_name`, and ``cluster.scheduler.explain(pod)``;
:meth:`~Cluster.serve` and :meth:`~Cluster.kubectl` let the real kubectl and the official Python client talk to it.

>>> from labsupport import k8s
>>> cluster = k8s.Cluster(seed=0)
>>> cluster.add_node("node-1", cpu="2", memory="4Gi")
>>> cluster.apply('''
... apiVersion: apps/v1
... kind: Deployment
... metadata: {name: web}
... spec:
...   replicas: 2
...   selector: {matchLabels: {app: web}}
...   template:
...     metadata: {labels: {app: web}}
...     spec:
...       containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 100m}}}]
... ''')
deployment.apps/web created
>>> cluster.run(10)
>>> print(cluster.get("deployments"))
NAME   READY   UP-TO-DATE   AVAILABLE   AGE
web    2/2     2            2           10s
>>> sorted((p.phase, p.node) for p in cluster.pods())
[('Running', 'node-1'), ('Running', 'node-1')]
"""
from __future__ import annotations

import contextlib
import functools
import ipaddress
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from labsupport.core import EventRecord, LabError, Simulation, Table
from labsupport.core.failures import Failures, object_in_traceback
from labsupport.core.sim import check_run_seconds
from labsupport.k8s.admission import BUILTIN_PRIORITY_CLASSES, Admission
from labsupport.k8s.apiserver import APIServer, AppliedObjects, resolve_kind
from labsupport.k8s.auth.client import SecurityAPI
from labsupport.k8s.bigrun import paused_gc
from labsupport.k8s.controllers.cronjob import CronJobController
from labsupport.k8s.controllers.daemonset import DaemonSetController
from labsupport.k8s.controllers.deployment import REVISION, DeploymentController, _bounds, strip_hash
from labsupport.k8s.controllers.endpoints import EndpointSliceController, service_dns_name
from labsupport.k8s.controllers.garbagecollector import GarbageCollector
from labsupport.k8s.controllers.hpa import HorizontalPodAutoscalerController
from labsupport.k8s.controllers.job import JobController
from labsupport.k8s.controllers.nodelifecycle import NodeLifecycleController, TaintEvictionController
from labsupport.k8s.controllers.replicaset import ReplicaSetController
from labsupport.k8s.errors import NotFoundError
from labsupport.k8s.extended_resources import is_extended_resource_name, parse_scalar
from labsupport.k8s.kubelet import Kubelet, KubeletRouter
from labsupport.k8s.metrics import MetricsServer
from labsupport.k8s.objects import is_pod_ready
from labsupport.k8s.operator import Controller as OperatorController
from labsupport.k8s.operator import OperatorRunner
from labsupport.k8s.printers import human_duration, pod_status, print_table
from labsupport.k8s.quantity import format_cpu, format_memory, parse_count, parse_cpu, parse_memory
from labsupport.k8s.scaling import ScalingMixin
from labsupport.k8s.semantics import replicas_limit_problems
from labsupport.k8s.storage import StorageMixin
from labsupport.k8s.store import APIStore, WriteRecord
from labsupport.k8s.validation import _DNS1123_SUBDOMAIN

__all__ = ["Cluster", "PodView", "DEFAULT_CLUSTER_CIDR"]

DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"
_SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


@dataclass(frozen=True)
class PodView:
    """A read-only snapshot of one Pod: ``name``, ``namespace``, ``node``, ``phase``, ``ip``, ``labels`` and more."""

    name: str
    namespace: str
    node: str | None
    phase: str
    ip: str | None
    labels: Mapping[str, str] = field(default_factory=dict)
    status: str = ""
    ready: bool = False
    restarts: int = 0
    owner: str | None = None

    def __repr__(self) -> str:
        where = f" on {self.node}" if self.node else ""
        ip = f" {self.ip}" if self.ip else ""
        return f"Pod({self.namespace}/{self.name}: {self.status}{where}{ip})"


def _pod_view(p: dict, kubelet_up: Callable[[str], bool] | None = None) -> PodView:
    st = p.get("status") or {}
    refs = p["metadata"].get("ownerReferences") or ()
    return PodView(
        name=p["metadata"]["name"],
        namespace=p["metadata"]["namespace"],
        node=p["spec"].get("nodeName"),
        phase=st.get("phase", "Pending"),
        ip=st.get("podIP"),
        labels=dict(p["metadata"].get("labels") or {}),
        status=pod_status(p, kubelet_up),
        ready=is_pod_ready(p),
        restarts=sum(cs.get("restartCount", 0) for cs in st.get("containerStatuses") or ()),
        owner=f"{refs[0]['kind']}/{refs[0]['name']}" if refs else None,
    )


class Cluster(ScalingMixin, SecurityAPI, StorageMixin):
    """A simulated Kubernetes 1.37 cluster. Same ``seed`` and inputs -> identical results.

    ``scheduler_config`` is a KubeSchedulerConfiguration (dict or YAML) or None.
    ``cluster_cidr`` is kube-controller-manager's ``--cluster-cidr``; each node gets the next
    ``/24`` of it (``--node-cidr-mask-size=24``), so the default allows 256 nodes.
    ``log_limit`` bounds the write log behind :meth:`watch_log` (None: keep everything).
    ``control_plane`` / ``etcd``: simulate an HA control plane of that many members (``cp-1``..)
    and etcd members (``etcd-1``..), with leader Leases (see :mod:`labsupport.k8s.scaling`);
    None (the default) keeps the single, never-failing control plane of the earlier lessons.
    ``gc_pause=True``: a big cluster (thousands of nodes) pauses Python's garbage collector while it
    runs, see :mod:`labsupport.k8s.bigrun`; it changes no result, only how fast a big run goes.
    """

    def __init__(self, seed: int = 0, scheduler_config: Any = None, *, cluster_cidr: str = DEFAULT_CLUSTER_CIDR, log_limit: int | None = None,
                 control_plane: int | None = None, etcd: int | None = None, proxy_mode: str = "iptables",
                 storage: Mapping[str, Any] | None = None, gc_pause: bool = False) -> None:
        from labsupport.k8s.network import PROXY_MODES, ClusterNetwork
        from labsupport.k8s.scheduler import Scheduler

        if proxy_mode not in PROXY_MODES:
            raise LabError(f"proxy_mode: must be one of {', '.join(map(repr, PROXY_MODES))}, got {proxy_mode!r}")

        try:
            net = ipaddress.ip_network(cluster_cidr)
        except ValueError:
            raise LabError(f"cluster_cidr: {cluster_cidr!r} is not a CIDR such as '10.244.0.0/16'") from None
        if net.prefixlen > 24:
            raise LabError(f"cluster_cidr: {cluster_cidr} is smaller than one node's /24")
        self._pod_cidrs = net.subnets(new_prefix=24)
        self.sim = Simulation(seed)
        self.failures = Failures()                       # defence in depth: see _component_failed
        self.store = APIStore(self.sim, log_limit=log_limit)
        self.kubelets = KubeletRouter(self.store)
        self.admission = Admission(self.store)
        self.apiserver = APIServer(self.store, self.sim, self.admission)
        self.sim.on_error = functools.partial(_component_failed, self.failures, self.store)  # not a bound method: no cycle
        self.metrics = metrics = MetricsServer(self.store)
        sim = self.sim
        self.controllers = {
            "replicaset": ReplicaSetController(self.store, self.sim, self.admission.admit_pod),
            "deployment": DeploymentController(self.store, self.sim),
            "endpointslice": EndpointSliceController(self.store, self.sim),
            "garbagecollector": GarbageCollector(self.store, self.sim),
            "nodelifecycle": NodeLifecycleController(self.store, self.sim),
            "tainteviction": TaintEvictionController(self.store, self.sim),
            "horizontalpodautoscaling": HorizontalPodAutoscalerController(
                self.store, self.sim, lambda pod, res: metrics.pod_usage(pod, res, sim.now)),
        }
        self._add_workload_controllers()
        self._bootstrap()
        self.scheduler = Scheduler(self.store, self.sim, scheduler_config)
        self.network = ClusterNetwork(self, proxy_mode)  # labsupport.k8s.network (issue 13)
        self.apiserver.network = self.network
        self._node_count = 0
        #: opt-in for big runs: pause (and maybe freeze) the garbage collector in run() (labsupport.k8s.bigrun)
        self.gc_pause = bool(gc_pause)
        #: held by every API request of :meth:`serve` and by run/apply/delete/scale, so no request sees half a step
        self.api_lock = threading.RLock()
        self._server = None
        self._init_scaling(control_plane, etcd)
        self._init_security(seed)
        self._init_storage(storage)  # issue 15: PV controller, CSI drivers, attach/detach, StatefulSets

    def _bootstrap(self) -> None:
        for ns in _SYSTEM_NAMESPACES:
            self.store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}, "status": {"phase": "Active"}}, actor="kube-apiserver")
        for name, value in BUILTIN_PRIORITY_CLASSES.items():
            self.store.create({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name}, "value": value,
                               "globalDefault": False, "preemptionPolicy": "PreemptLowerPriority",
                               "description": "Used for system critical pods that must not be moved from their current node."}, actor="kube-apiserver")
        self.apiserver.reserve_service_ip("10.96.0.1")
        self.store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
                           "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                                    "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}}, actor="kube-apiserver")

    # ------------------------------------------------------------ clock
    @property
    def now(self) -> float:
        """Simulated seconds since the cluster was created."""
        return self.sim.now

    def run(self, seconds: float) -> None:
        """Advance simulated time by ``seconds``, running everything that falls due.

        A cluster created with ``gc_pause=True`` pauses the garbage collector meanwhile (:mod:`labsupport.k8s.bigrun`).
        """
        seconds = check_run_seconds(seconds)
        with paused_gc(self) if self.gc_pause else contextlib.nullcontext():
            with self.api_lock:
                self.sim.run(seconds)
            self.failures.raise_new()

    # ------------------------------------------------------------ nodes
    def add_node(self, name: str, cpu: Any = "4", memory: Any = "8Gi", pods: Any = 110, labels: Mapping[str, str] | None = None,
                 taints: list[Mapping] | None = None, extended: Mapping[str, Any] | None = None) -> None:
        """Register a node (its kubelet starts and renews its Lease every 10 s).

        ``extended`` adds extended resources to the node's capacity and allocatable, as a device
        plugin would (``{"nvidia.com/gpu": 4}``); see :mod:`labsupport.k8s.extended_resources`.
        """
        if not isinstance(name, str) or len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
            raise LabError(f"name: {name!r} is not a valid node name (a DNS-1123 subdomain such as 'node-1')")
        if self.store.get("Node", None, name) is not None:
            raise LabError(f'name: node "{name}" already exists')
        cpu_m = parse_cpu(cpu, "cpu")
        mem_b = parse_memory(memory, "memory")
        max_pods = parse_count(pods, "pods")
        clean_taints = []
        for i, t in enumerate(taints or ()):
            if not isinstance(t, Mapping) or not t.get("key"):
                raise LabError(f"taints[{i}].key: every taint needs a key, got {t!r}")
            if t.get("effect") not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
                raise LabError(f"taints[{i}].effect: must be NoSchedule, PreferNoSchedule or NoExecute, got {t.get('effect')!r}")
            clean_taints.append({k: t[k] for k in ("key", "value", "effect") if t.get(k) is not None})
        for k, v in (labels or {}).items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise LabError(f"labels: keys and values must be strings, got {k!r}: {v!r}")
        cidr = next(self._pod_cidrs, None)
        index = self._node_count
        self._node_count += 1
        now = self.sim.now
        conditions = [
            {"type": t, "status": s, "reason": r, "message": m, "lastHeartbeatTime": now, "lastTransitionTime": now}
            for t, s, r, m in (("MemoryPressure", "False", "KubeletHasSufficientMemory", None), ("DiskPressure", "False", "KubeletHasNoDiskPressure", None),
                               ("PIDPressure", "False", "KubeletHasSufficientPID", None), ("Ready", "True", "KubeletReady", "kubelet is posting ready status"))
        ]
        resources = {"cpu": format_cpu(cpu_m), "memory": format_memory(mem_b), "pods": str(max_pods)}
        for rname, amount in sorted((extended or {}).items()):
            if not is_extended_resource_name(rname):
                raise LabError(f"extended.{rname}: not an extended resource name (use a domain prefix, such as "
                               f"'nvidia.com/gpu', outside kubernetes.io)")
            try:
                resources[rname] = str(parse_scalar(rname, amount, f"extended.{rname}"))
            except LabError as e:
                raise LabError(str(e)) from None
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", **dict(labels or {})}},
            "spec": {"podCIDR": str(cidr) if cidr else None, "podCIDRs": [str(cidr)] if cidr else [], "taints": clean_taints},
            "status": {"capacity": dict(resources), "allocatable": dict(resources), "conditions": conditions,
                       "addresses": [{"type": "InternalIP", "address": str(ipaddress.ip_address("192.168.0.10") + index)}, {"type": "Hostname", "address": name}],
                       "nodeInfo": {"kubeletVersion": "v1.37.0", "operatingSystem": "linux", "architecture": "amd64"}},
        }
        kubelet = Kubelet(name, self.store, self.sim, str(cidr) if cidr else None)
        kubelet.volumes_ready = self.storage.volumes_ready  # issue 15: containers wait for attached volumes
        self.kubelets.kubelets[name] = kubelet
        self.store.create(node, actor=kubelet.actor)
        if cidr is None:
            self.store.record_event(node, "CIDRNotAvailable", f"Node {name} status is now: CIDRNotAvailable", type="Warning", source="cidrAllocator")
        kubelet.start()

    def fail_node(self, name: str) -> None:
        """Make a node unreachable: its kubelet stops heartbeating (NotReady after 50 s, eviction 300 s later)."""
        self._kubelet(name).stop()

    def restore_node(self, name: str) -> None:
        """Bring a failed node back: its kubelet reports Ready again and finishes pending terminations."""
        k = self._kubelet(name)
        if not k.alive:
            k.resume()

    def _kubelet(self, name: str) -> Kubelet:
        k = self.kubelets.kubelets.get(name)
        if k is None:
            raise NotFoundError(f'nodes "{name}" not found')
        return k

    # ---------------------------------------------------------- objects
    def apply(self, manifest: Any) -> AppliedObjects:
        """Create or update objects from YAML (several ``---`` documents), a dict or a list; all or nothing.

        Returns the stored objects (printing like ``kubectl apply``); raises :class:`ManifestError`.
        """
        self._check_api()
        try:
            with self.api_lock:
                applied = self.apiserver.apply(manifest)
        except LabError as e:
            raise type(e)(str(e)) from None
        self._ensure_disruption_controller()
        return applied

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        """``kubectl delete <kind> <name>``: Pods terminate gracefully, dependents are garbage-collected."""
        self._check_api()
        try:
            with self.api_lock:
                self.apiserver.delete(kind, name, namespace)
        except LabError as e:
            raise type(e)(str(e)) from None

    def scale(self, kind: str, name: str, replicas: int, namespace: str = "default") -> None:
        """``kubectl scale``: set ``spec.replicas`` of a Deployment or ReplicaSet."""
        self._check_api()
        k = resolve_kind(kind)
        if k not in ("Deployment", "ReplicaSet", "StatefulSet"):
            raise LabError(f"kind: only deployments, replicasets and statefulsets can be scaled here, got {kind!r}")
        if isinstance(replicas, bool) or not isinstance(replicas, int) or not 0 <= replicas <= 2**31 - 1:
            raise LabError(f"replicas: must be an integer between 0 and 2147483647, got {replicas!r}")
        for problem in replicas_limit_problems(replicas, "replicas"):
            raise LabError(problem)
        obj = self._get(k, name, namespace)
        if obj["spec"].get("replicas") != replicas:
            with self.api_lock:
                obj["spec"]["replicas"] = replicas
                obj["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
                self.store.update(obj, actor="kubectl", verb="update scale")

    def _get(self, kind: str, name: str, namespace: str | None) -> dict:
        obj = self.store.get(kind, namespace, name)
        if obj is None:
            raise NotFoundError(f'{kind.lower()}s "{name}" not found in namespace "{namespace}"')
        return obj

    def object(self, kind: str, name: str, namespace: str = "default") -> dict:
        """The stored object as a dict (``kubectl get -o json``). Do not modify it: use :meth:`apply`."""
        return self._get(self.apiserver.resolve(kind), name, namespace)

    # ------------------------------------------------------------- reads
    def pods(self, namespace: str | None = None) -> list[PodView]:
        """Snapshots of the Pods (all namespaces if ``namespace`` is None), in (namespace, name) order."""
        return [_pod_view(p, self._kubelet_up) for p in self.store.list("Pod", namespace)]

    def _kubelet_up(self, node: str) -> bool:
        k = self.kubelets.kubelets.get(node)
        return k is not None and k.alive

    def get(self, kind: str, name: str | None = None, namespace: str | None = "default") -> Table:
        """``kubectl get <kind> [name] [-n namespace]`` as a Table; ``namespace=None`` is ``--all-namespaces``."""
        if str(kind).lower() in ("events", "event", "ev"):
            return self.events(namespace)
        k = self.apiserver.resolve(kind)
        scoped = k in self.store.cluster_scoped
        if name is not None:
            objs = [self._get(k, name, namespace)]
        else:
            objs = self.store.list(k, None if scoped else namespace)
        return print_table(k, objs, self.sim.now, all_namespaces=namespace is None and not scoped, kubelet_up=self._kubelet_up)

    def events(self, namespace: str | None = None) -> Table:
        """``kubectl get events`` (all namespaces unless one is given), oldest first."""
        now = self.sim.now
        evs = [e for e in self.store.events if namespace is None or e.namespace in (namespace, "")]
        evs.sort(key=lambda e: (e.last_time, e.seq))
        rows = [{"LAST SEEN": human_duration(now - e.last_time), "TYPE": e.type, "REASON": e.reason,
                 "OBJECT": f"{e.kind.lower()}/{e.name}", "SOURCE": e.source, "COUNT": e.count, "MESSAGE": e.message} for e in evs]
        return Table(["LAST SEEN", "TYPE", "REASON", "OBJECT", "SOURCE", "COUNT", "MESSAGE"], rows)

    def event_records(self) -> list[EventRecord]:
        """The Events behind ``events()`` as :class:`~labsupport.core.EventRecord` s (as ``mesos.Cluster.event_records()``)."""
        return list(self.store.events)

    def watch_log(self, since: int | AppliedObjects = 0, kind: str | None = None, include_heartbeats: bool = False) -> Table:
        """Every write to the API store after resourceVersion ``since`` (or after an ``apply``'s result).

        Columns: TIME, RV (resourceVersion), ACTOR (who wrote), VERB, EVENT (what watchers
        received: ADDED/MODIFIED/DELETED), KIND, NAMESPACE, NAME. Lease renewals (the kubelets'
        10 s heartbeats) are left out unless ``include_heartbeats``.
        """
        rv = since.resource_version if isinstance(since, AppliedObjects) else since
        if isinstance(rv, bool) or not isinstance(rv, int) or rv < 0:
            raise LabError(f"since: must be a resourceVersion (int >= 0) or the result of apply(), got {since!r}")
        want = resolve_kind(kind) if kind else None
        rows = []
        for r in self.store.writes(rv):
            if (want and r.kind != want) or (not include_heartbeats and r.kind == "Lease"):
                continue
            rows.append({"TIME": round(r.time, 3), "RV": r.resource_version, "ACTOR": r.actor, "VERB": r.verb, "EVENT": r.type,
                         "KIND": r.kind, "NAMESPACE": r.namespace or None, "NAME": r.name})
        return Table(["TIME", "RV", "ACTOR", "VERB", "EVENT", "KIND", "NAMESPACE", "NAME"], rows)

    def writes(self, since: int = 0) -> list[WriteRecord]:
        """The raw write-log records (namedtuples) after resourceVersion ``since``."""
        return list(self.store.writes(since))

    def service_dns_name(self, service: str, namespace: str = "default") -> str:
        """The DNS name of an existing Service (``web.default.svc.cluster.local``)."""
        self._get("Service", service, namespace)
        return service_dns_name(service, namespace)

    def endpoints(self, service: str, namespace: str = "default") -> list[str]:
        """Ready Pod IPs behind a Service, from its EndpointSlices."""
        self._get("Service", service, namespace)
        return self.controllers["endpointslice"].ready_addresses(namespace, service)

    # ---------------------------------------------------------- rollouts
    def rollout_status(self, name: str, namespace: str = "default") -> str:
        """``kubectl rollout status deployment/<name>``'s current line."""
        d = self._get("Deployment", name, namespace)
        s = d.get("status") or {}
        want = d["spec"].get("replicas", 1)
        prog = next((c for c in s.get("conditions") or () if c["type"] == "Progressing"), None)
        if prog is not None and prog.get("reason") == "ProgressDeadlineExceeded":
            return f'error: deployment "{name}" exceeded its progress deadline'
        if s.get("observedGeneration", 0) < d["metadata"].get("generation", 1):
            return "Waiting for deployment spec update to be observed..."
        updated, replicas, available = s.get("updatedReplicas", 0), s.get("replicas", 0), s.get("availableReplicas", 0)
        if updated < want:
            return f'Waiting for deployment "{name}" rollout to finish: {updated} out of {want} new replicas have been updated...'
        if replicas > updated:
            return f'Waiting for deployment "{name}" rollout to finish: {replicas - updated} old replicas are pending termination...'
        if available < updated:
            return f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} updated replicas are available...'
        return f'deployment "{name}" successfully rolled out'

    def rollout_history(self, name: str, namespace: str = "default") -> Table:
        """``kubectl rollout history``: one row per ReplicaSet revision kept."""
        d = self._get("Deployment", name, namespace)
        rows = []
        for rs in self.store.by_index("replicasets-by-controller", d["metadata"]["uid"]):
            ann = rs["metadata"].get("annotations") or {}
            images = ",".join(c.get("image", "") for c in rs["spec"]["template"]["spec"].get("containers") or ())
            rows.append({"REVISION": int(ann.get(REVISION, 0)), "REPLICASET": rs["metadata"]["name"], "IMAGES": images,
                         "CHANGE-CAUSE": (rs["spec"]["template"].get("metadata") or {}).get("annotations", {}).get("kubernetes.io/change-cause")})
        rows.sort(key=lambda r: r["REVISION"])
        return Table(["REVISION", "REPLICASET", "IMAGES", "CHANGE-CAUSE"], rows, title=f"deployment.apps/{name}")

    def rollout_undo(self, name: str, to_revision: int | None = None, namespace: str = "default") -> str:
        """``kubectl rollout undo``: copy an earlier revision's Pod template back (default: the previous one)."""
        d = self._get("Deployment", name, namespace)
        rss = self.store.by_index("replicasets-by-controller", d["metadata"]["uid"])
        by_rev = {int((r["metadata"].get("annotations") or {}).get(REVISION, 0)): r for r in rss}
        current = int((d["metadata"].get("annotations") or {}).get(REVISION, 0))
        if to_revision is None:
            earlier = [r for r in by_rev if r < current]
            if not earlier:
                raise LabError(f'to_revision: no rollout history found for deployment "{name}"')
            to_revision = max(earlier)
        if isinstance(to_revision, bool) or not isinstance(to_revision, int) or to_revision not in by_rev:
            raise LabError(f"to_revision: unable to find specified revision {to_revision} in history")
        if to_revision == current:
            return f"deployment.apps/{name} skipped rollback (current template already matches revision {to_revision})"
        d["spec"]["template"] = strip_hash(by_rev[to_revision]["spec"]["template"])
        d["metadata"]["generation"] = d["metadata"].get("generation", 1) + 1
        self.store.update(d, actor="kubectl", verb="patch")
        return f"deployment.apps/{name} rolled back"

    def rollout_bounds(self, name: str, namespace: str = "default") -> tuple[int, int]:
        """The (maxSurge, maxUnavailable) Pod counts a Deployment's rolling update uses now."""
        return _bounds(self._get("Deployment", name, namespace))

    # ------------------------------------------------------------- load
    def set_load(self, deployment: str, per_pod: float | Callable[[float], float] | None = None,
                 total: float | Callable[[float], float] | None = None, resource: str = "cpu", namespace: str = "default",
                 kind: str = "Deployment") -> None:
        """Drive a workload's usage: ``total=f`` spreads ``f(t)`` over its ready Pods, ``per_pod=f`` gives each ``f(t)``.

        Units: millicores for ``cpu``, bytes for ``memory``; ``t`` is simulated seconds.
        See :mod:`labsupport.k8s.metrics`.
        """
        k = resolve_kind(kind)
        self._get(k, deployment, namespace)
        self.metrics.set_load(k, namespace, deployment, per_pod, total, resource)

    def top_pods(self, namespace: str | None = "default") -> Table:
        """``kubectl top pods``: CPU and memory use per running Pod (from the load driver)."""
        rows = []
        for p in self.store.list("Pod", namespace):
            cpu = self.metrics.pod_usage(p, "cpu", self.sim.now)
            if cpu is None:
                continue
            mem = self.metrics.pod_usage(p, "memory", self.sim.now) or 0
            rows.append({"NAME": p["metadata"]["name"], "CPU(cores)": f"{round(cpu)}m", "MEMORY(bytes)": f"{int(mem) // 2**20}Mi"})
        return Table(["NAME", "CPU(cores)", "MEMORY(bytes)"], rows)

    # ------------------------------------------- real kubectl (labsupport.k8s.kubeapi)
    def serve(self, realtime: bool = False):
        """Serve this cluster's API on 127.0.0.1 for the real kubectl and the official client (:mod:`.kubeapi`).

        Returns the running :class:`~labsupport.k8s.kubeapi.KubeServer` (``.url``, ``.kubeconfig``, ``.stop()``);
        calling it again returns the same server while it runs. kubectl sees the cluster at :attr:`now`;
        time moves only with :meth:`run`. ``realtime=True`` runs the simulation along with the wall clock
        instead: for free exploration, NOT deterministic. Times on the wire count from 2026-01-01T00:00:00Z, so
        ``kubectl get`` output is the same on every run, but the few ages kubectl computes itself from the
        computer's clock (``describe``'s Events, ``kubectl events``) are not; ``kubectl get events`` is.
        """
        from labsupport.k8s.kubeapi import KubeServer
        from labsupport.k8s.kubeapi.kubectl import register_magic

        if not isinstance(realtime, bool):
            raise LabError(f"realtime: expected True or False, got {realtime!r}")
        if self._server is not None and self._server.running:
            if self._server.realtime != realtime:
                raise LabError(f"realtime: the server already runs with realtime={self._server.realtime}; stop it first "
                              "(server.stop() on the object serve() returned)")
            return self._server
        self._server = KubeServer(self, realtime=realtime)
        register_magic(self)
        return self._server

    def kubectl(self, args, stdin: str | None = None):
        """Run the real kubectl (``"get pods -o wide"``) against this cluster and return what it printed.

        The text is split into words like a shell would, but no shell runs. ``stdin`` feeds ``-f -``.
        Starts :meth:`serve` if needed. kubectl commands that wait for time to pass (``delete pod`` waits
        for the Pod to be gone, ``rollout status`` for the rollout) return at once when the wait is already
        over; otherwise use ``--wait=false`` / ``--watch=false``, or ``serve(realtime=True)``.
        """
        from labsupport.k8s.kubeapi.kubectl import run_kubectl

        server = self._server if self._server is not None and self._server.running else self.serve()
        return run_kubectl(server.kubeconfig, args, stdin)


    # ------------------------------------------------------ observability (issue 16, lesson 08)
    @property
    def observability(self):
        """The metrics endpoints, metrics-server and log reader of this cluster (:mod:`labsupport.k8s.observability`).

        Created on first use; cAdvisor's CPU counters start counting then.
        """
        obs = self.__dict__.get("_observability")
        if obs is None:
            from labsupport.k8s.observability import Observability

            obs = self.__dict__["_observability"] = Observability(self)
        return obs

    def metrics_text(self, component: str) -> str:
        """The Prometheus exposition text a component serves now: ``"kube-state-metrics"``, ``"kubelet/<node>"``
        (its ``/metrics/cadvisor``; ``"kubelet/<node>/resource"`` for ``/metrics/resource``), ``"kube-scheduler"``, ``"kube-apiserver"``."""
        return self.observability.text(component)

    def prometheus(self, scrape_interval: float = 15, evaluation_interval: float = 60):
        """Start a simulated Prometheus that scrapes every component every ``scrape_interval`` simulated seconds."""
        return self.observability.prometheus(scrape_interval, evaluation_interval)

    def logs(self, pod: str, previous: bool = False, tail: int | None = None, container: str | None = None,
             namespace: str = "default", timestamps: bool = False) -> str:
        """``kubectl logs <pod> [-c container] [--previous] [--tail N] [--timestamps]`` as text."""
        return self.observability.logs(pod, container, previous, tail, namespace, timestamps)

    def top(self, what: str = "pods", namespace: str | None = "default") -> Table:
        """``kubectl top pods`` / ``kubectl top nodes``, read from metrics-server's ``metrics.k8s.io`` (15 s resolution)."""
        return self.observability.top(what, namespace)

    def pod_metrics(self, namespace: str | None = "default") -> list[dict]:
        """``metrics.k8s.io/v1beta1`` PodMetrics items (what ``kubectl get --raw /apis/metrics.k8s.io/...`` returns)."""
        return self.observability.metrics_server.pod_metrics(namespace)

    def node_metrics(self) -> list[dict]:
        """``metrics.k8s.io/v1beta1`` NodeMetrics items."""
        return self.observability.metrics_server.node_metrics()

    # ------------------------------------------ workloads and operators (issue 18)
    def _add_workload_controllers(self) -> None:
        """Job, CronJob and DaemonSet controllers (after the garbage collector, whose indexes they use)."""
        admit = self.admission.admit_pod
        self.controllers["job"] = JobController(self.store, self.sim, admit)
        self.controllers["cronjob"] = CronJobController(self.store, self.sim)
        self.controllers["daemonset"] = DaemonSetController(self.store, self.sim, admit)
        self.operators: dict[str, OperatorRunner] = {}

    def add_controller(self, controller: OperatorController) -> None:
        """Run a learner's operator (a :class:`labsupport.k8s.Controller` subclass instance); see :mod:`.operator`."""
        if not isinstance(controller, OperatorController):
            raise LabError(f"controller: expected an instance of a k8s.Controller subclass, got {type(controller).__name__}")
        if type(controller).reconcile is OperatorController.reconcile:
            raise LabError(f"controller: {type(controller).__name__} does not define reconcile(self, api, obj)")
        runner = OperatorRunner(controller, self)
        if runner.name in self.operators:
            raise LabError(f'controller: a controller named "{runner.name}" is already running (give it another name)')
        self.operators[runner.name] = runner
        for obj in self.store.list(runner.kind):  # the informer's initial list: reconcile what exists
            runner.enqueue((obj["metadata"].get("namespace") or "", obj["metadata"]["name"]))

    def reconcile_log(self, name: str | None = None) -> Table:
        """The reconciles of a learner's operator (the only one if ``name`` is None): TIME, OBJECT, RESULT, DETAIL."""
        if not self.operators:
            raise LabError("name: no controller was added (cluster.add_controller)")
        if name is None:
            name = next(iter(self.operators))
        if name not in self.operators:
            raise LabError(f"name: no controller {name!r} (running: {', '.join(sorted(self.operators))})")
        return self.operators[name].log()

    def remove_node(self, name: str) -> None:
        """``kubectl delete node``: the Node object goes, its kubelet stops, the Pod GC deletes its Pods."""
        kubelet = self._kubelet(name)
        if kubelet.alive:
            kubelet.stop()
        for p in self.store.list("Pod"):
            if p["spec"].get("nodeName") == name:
                self.store.delete("Pod", p["metadata"]["namespace"], p["metadata"]["name"], actor="pod-garbage-collector", grace_period_seconds=0)
        self.store.delete("Node", None, name, actor="kubectl")
        del self.kubelets.kubelets[name]

    # ------------------------------------------------------------ networking (labsupport.k8s.network, issue 13)
    @property
    def proxy_mode(self) -> str:
        """kube-proxy's mode on every node: ``"iptables"`` (default), ``"ipvs"`` (deprecated) or ``"nftables"``."""
        return self.network.proxy_mode

    def resolve(self, name: str, from_pod: str | None = None, record: str = "A", namespace: str = "default") -> list[str]:
        """Resolve ``name`` as ``from_pod``'s resolver would (search path, ndots:5); raises :class:`~labsupport.k8s.DNSError`.

        ``record`` is ``"A"``, ``"SRV"`` or ``"CNAME"``. Without ``from_pod``: as a Pod in ``namespace``.
        """
        return self.network.resolve(name, from_pod, record, namespace)

    def request(self, source: str | None, url: str, count: int = 1, *, namespace: str = "default", method: str = "GET",
                headers: dict | None = None) -> Any:
        """Send ``count`` simulated HTTP requests from Pod ``source`` (None: a client outside the cluster) -> Traffic."""
        return self.network.request(source, url, count, namespace, method, headers)

    def trace(self, source: str | None, url: str, *, namespace: str = "default", method: str = "GET", headers: dict | None = None) -> Table:
        """One simulated request, hop by hop: DNS, kube-proxy or gateway, NetworkPolicy, the Pod; says where it was dropped."""
        return self.network.trace(source, url, namespace, method, headers)

    def proxy_rules(self, node: str) -> Table:
        """The rules kube-proxy holds on ``node`` (iptables chains, IPVS virtual servers or nftables maps)."""
        return self.network.proxy_rules(node)

    def endpoint_slices(self, service: str, namespace: str = "default") -> Table:
        """Each endpoint of a Service with its ready/serving/terminating conditions."""
        return self.network.describe_slices(service, namespace)


def _component_failed(failures: Failures, store: Any, event: Any, exc: Exception) -> None:
    """A component failed while the simulation ran ``event``: record it, keep running (labsupport.core.failures)."""
    component = event.label or getattr(event.callback, "__qualname__", "a component")
    message = failures.record(component, exc)
    obj = object_in_traceback(exc.__traceback__) or {"kind": "Cluster", "metadata": {"name": "cluster"}}
    try:
        store.record_event(obj, "ComponentFailed", message, type="Warning", source=component)
    except Exception:  # the event is a courtesy; the failure is kept in failures either way
        pass
