"""The API server's write path for learners' requests: ``kubectl apply`` and ``kubectl delete``.

``apply`` is all-or-nothing: every document is parsed, validated (:mod:`.validation`),
defaulted (:mod:`.defaults`) and admitted in a dry run (namespaces exist or are created
earlier in the same apply, PriorityClasses exist, quotas hold, immutable fields are
unchanged) *before* the first write. Only then are the objects written, in document
order, by the actor ``kubectl``.

Applying an object that exists updates it like ``kubectl apply``'s three-way merge:
fields in the new manifest are set, fields that the *previous* apply set but the new
one leaves out are removed, and fields nobody applied (``spec.replicas`` changed by an
HPA, say) are kept. The last applied manifest is kept in the annotation
``kubectl.kubernetes.io/last-applied-configuration``, as kubectl does.

Services get a ClusterIP from the service CIDR ``10.96.0.0/12``: ``10.96.0.1`` is the
``kubernetes`` Service; the others are handed out in order from ``10.96.0.2``
(a real API server picks a random free address from the range's upper band).

>>> three_way_merge({"replicas": 5, "paused": True}, {"paused": True}, {"minReadySeconds": 3})
{'replicas': 5, 'minReadySeconds': 3}
"""
from __future__ import annotations

import ipaddress
import json
from typing import Any

from labsupport.core import LabError, Simulation
from labsupport.k8s.admission import Admission
from labsupport.k8s.crd import CustomResources
from labsupport.k8s.defaults import apply_defaults
from labsupport.k8s.errors import ConflictError, ManifestError, NotFoundError
from labsupport.k8s.objects import copy_json
from labsupport.k8s.store import RESOURCE_NAMES, APIStore
from labsupport.k8s.validation import load_manifests, semantic_problems, validate_manifests

__all__ = ["APIServer", "IMMUTABLE_FIELDS", "field_at", "AppliedObjects", "three_way_merge", "LAST_APPLIED", "SERVICE_CIDR", "resolve_kind", "KIND_ALIASES"]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
SERVICE_CIDR = "10.96.0.0/12"

#: kubectl resource names and short names -> Kind
KIND_ALIASES = {}
for _kind, _names in {
    "Pod": ("pod", "pods", "po"),
    "Deployment": ("deployment", "deployments", "deploy", "deployment.apps", "deployments.apps"),
    "ReplicaSet": ("replicaset", "replicasets", "rs", "replicaset.apps", "replicasets.apps"),
    "Service": ("service", "services", "svc"),
    "Node": ("node", "nodes", "no"),
    "Namespace": ("namespace", "namespaces", "ns"),
    "HorizontalPodAutoscaler": ("horizontalpodautoscaler", "horizontalpodautoscalers", "hpa"),
    "PriorityClass": ("priorityclass", "priorityclasses", "pc"),
    "ResourceQuota": ("resourcequota", "resourcequotas", "quota"),
    "EndpointSlice": ("endpointslice", "endpointslices"),
    "NetworkPolicy": ("networkpolicy", "networkpolicies", "netpol", "networkpolicy.networking.k8s.io"),
    "Ingress": ("ingress", "ingresses", "ing", "ingress.networking.k8s.io"),
    "GatewayClass": ("gatewayclass", "gatewayclasses", "gc"),
    "Gateway": ("gateway", "gateways", "gtw"),
    "HTTPRoute": ("httproute", "httproutes"),
    "Lease": ("lease", "leases"),
    # security (labsupport.k8s.auth)
    "Secret": ("secret", "secrets"),
    "ConfigMap": ("configmap", "configmaps", "cm"),
    "ServiceAccount": ("serviceaccount", "serviceaccounts", "sa"),
    "Role": ("role", "roles", "roles.rbac.authorization.k8s.io"),
    "ClusterRole": ("clusterrole", "clusterroles", "clusterroles.rbac.authorization.k8s.io"),
    "RoleBinding": ("rolebinding", "rolebindings", "rolebindings.rbac.authorization.k8s.io"),
    "ClusterRoleBinding": ("clusterrolebinding", "clusterrolebindings", "clusterrolebindings.rbac.authorization.k8s.io"),
    "PodDisruptionBudget": ("poddisruptionbudget", "poddisruptionbudgets", "pdb"),
    "Job": ("job", "jobs", "job.batch", "jobs.batch"),
    "CronJob": ("cronjob", "cronjobs", "cj", "cronjob.batch", "cronjobs.batch"),
    "DaemonSet": ("daemonset", "daemonsets", "ds", "daemonset.apps", "daemonsets.apps"),
    "CustomResourceDefinition": ("customresourcedefinition", "customresourcedefinitions", "crd", "crds",
                                 "customresourcedefinitions.apiextensions.k8s.io"),
    # issue 15 (storage)
    "PersistentVolume": ("persistentvolume", "persistentvolumes", "pv"),
    "PersistentVolumeClaim": ("persistentvolumeclaim", "persistentvolumeclaims", "pvc"),
    "StorageClass": ("storageclass", "storageclasses", "sc", "storageclass.storage.k8s.io"),
    "StatefulSet": ("statefulset", "statefulsets", "sts", "statefulset.apps", "statefulsets.apps"),
    "VolumeAttachment": ("volumeattachment", "volumeattachments"),
}.items():
    for _n in _names + (_kind.lower(),):
        KIND_ALIASES[_n] = _kind
    KIND_ALIASES[_kind] = _kind

_PLURAL = RESOURCE_NAMES
_SINGULAR = {"Pod": "pod", "Deployment": "deployment.apps", "ReplicaSet": "replicaset.apps", "Service": "service", "Namespace": "namespace",
             "HorizontalPodAutoscaler": "horizontalpodautoscaler.autoscaling", "PriorityClass": "priorityclass.scheduling.k8s.io",
             "ResourceQuota": "resourcequota", "PodDisruptionBudget": "poddisruptionbudget.policy", "Job": "job.batch", "CronJob": "cronjob.batch", "DaemonSet": "daemonset.apps",
             "CustomResourceDefinition": "customresourcedefinition.apiextensions.k8s.io",
             "NetworkPolicy": "networkpolicy.networking.k8s.io",
             "Ingress": "ingress.networking.k8s.io", "GatewayClass": "gatewayclass.gateway.networking.k8s.io",
             "Gateway": "gateway.gateway.networking.k8s.io", "HTTPRoute": "httproute.gateway.networking.k8s.io",
             # issue 15 (storage)
             "PersistentVolume": "persistentvolume", "PersistentVolumeClaim": "persistentvolumeclaim",
             "StorageClass": "storageclass.storage.k8s.io", "StatefulSet": "statefulset.apps"}


def _singular(obj: dict) -> str:
    """kubectl's ``<resource>.<group>`` for an object (custom kinds: ``backup.example.com``)."""
    kind, api = obj["kind"], obj.get("apiVersion", "")
    if kind in _SINGULAR:
        return _SINGULAR[kind]
    return f"{kind.lower()}.{api.rsplit('/', 1)[0]}" if "." in api.split("/")[0] else kind.lower()


def resolve_kind(kind: str) -> str:
    """``"deploy"`` / ``"deployments"`` / ``"Deployment"`` -> ``"Deployment"``; unknown names raise LabError.

    >>> resolve_kind("po"), resolve_kind("hpa")
    ('Pod', 'HorizontalPodAutoscaler')
    """
    k = KIND_ALIASES.get(kind) or KIND_ALIASES.get(str(kind).lower())
    if k is None:
        raise LabError(f'kind: the server doesn\'t have a resource type "{kind}" (known: {", ".join(sorted({v for v in KIND_ALIASES.values()}))})')
    return k


def three_way_merge(live: Any, last: Any, new: Any) -> Any:
    """kubectl apply's merge of mappings: set what ``new`` sets, drop what ``last`` set and ``new`` drops, keep the rest.

    Lists are replaced whole (strategic merge by key is not simulated).
    """
    if not isinstance(new, dict) or not isinstance(live, dict):
        return copy_json(new)
    last = last if isinstance(last, dict) else {}
    out = dict(live)
    for k in last:
        if k not in new:
            out.pop(k, None)
    for k, v in new.items():
        out[k] = three_way_merge(live.get(k), last.get(k), v)
    return out


class AppliedObjects(list):
    """Copies of the objects one ``apply`` wrote, as stored; prints like kubectl (``deployment.apps/web created``).

    ``resource_version`` is the store's resourceVersion just before the apply, so
    ``cluster.watch_log(since=applied)`` lists every write it caused.
    """

    def __init__(self, items, actions, resource_version: int) -> None:
        super().__init__(items)
        self.actions = list(actions)
        self.resource_version = resource_version

    def __repr__(self) -> str:
        return "\n".join(f"{_singular(o)}/{o['metadata']['name']} {a}" for o, a in zip(self, self.actions, strict=True))

    __str__ = __repr__


IMMUTABLE_FIELDS = {"Deployment": [("spec", "selector")], "ReplicaSet": [("spec", "selector")], "Service": [("spec", "clusterIP")],
                    "PriorityClass": [("value",)], "Job": [("spec", "template"), ("spec", "completionMode")],
                    "DaemonSet": [("spec", "selector")], "GatewayClass": [("spec", "controllerName")]}


def field_at(obj: Any, path: tuple) -> Any:
    for p in path:
        obj = obj.get(p) if isinstance(obj, dict) else None
    return obj


def _describe(i: int, obj: dict) -> str:
    return f'document {i} ({obj["kind"]} "{obj["metadata"]["name"]}")'


class APIServer:
    """Validation, defaulting, admission and the apply/delete verbs over an :class:`APIStore`."""

    def __init__(self, store: APIStore, sim: Simulation, admission: Admission) -> None:
        self.store = store
        self.sim = sim
        self.admission = admission
        self._service_net = ipaddress.ip_network(SERVICE_CIDR)
        self._next_service_ip = 2
        self._service_ips: set[str] = set()
        self.custom = CustomResources()   # kinds served through CustomResourceDefinitions (labsupport.k8s.crd)
        store.watch("CustomResourceDefinition", self._on_crd, owner="apiextensions-apiserver")
        self.network = None  # the cluster's labsupport.k8s.network.ClusterNetwork: node ports (set by Cluster)

    def _on_crd(self, ev) -> None:
        """Serve (or stop serving) a CRD's kind as soon as it is stored (or deleted)."""
        if ev.type == "DELETED":
            self.custom.unregister(ev.object)
            return
        ck = self.custom.register(ev.object)
        if not ck.namespaced:
            self.store.add_cluster_scoped_kind(ck.kind)

    def resolve(self, kind: str) -> str:
        """A kubectl resource name -> Kind, custom kinds included (``backups.example.com`` -> ``Backup``)."""
        ck = self.custom.by_name(kind)
        return ck.kind if ck is not None else resolve_kind(kind)

    # ---------------------------------------------------------------- apply
    def apply(self, manifest: Any, actor: str = "kubectl") -> AppliedObjects:
        """Validate everything, then create or update each object; see the module docstring."""
        rv_before = self.store.resource_version
        objs = [copy_json(o) for o in load_manifests(manifest)]
        validate_manifests(objs, custom=self.custom)
        if self.network is not None:
            self.network.begin_apply()
        plans = self._plan(objs)
        written, actions = [], []
        for obj, live, action in plans:
            if obj["kind"] == "Service" and action != "unchanged" and self.network is not None:
                self.network.commit_service(obj, live)
            if action == "unchanged":
                written.append(live)
            elif action == "created":
                written.append(self._create(obj, actor))
            else:
                written.append(self.store.update(obj, actor=actor))
            actions.append(action)
        return AppliedObjects([copy_json(o) for o in written], actions, rv_before)

    def _plan(self, objs: list[dict]) -> list[tuple[dict, dict | None, str]]:
        """Dry run: default, merge with live objects, admit. Raises before anything is written."""
        new_namespaces: set[str] = set()
        new_priority_classes: dict[str, int] = {}
        extra_usage: dict[str, dict[str, int]] = {}
        plans = []
        for i, obj in enumerate(objs, start=1):
            kind, meta = obj["kind"], obj["metadata"]
            last_applied = json.dumps(obj, sort_keys=True, separators=(",", ":"))
            raw = copy_json(obj)  # what the learner wrote: the three-way merge must not see server defaults
            where = _describe(i, obj)
            try:
                apply_defaults(obj)
            except ManifestError as e:   # a default that cannot be made (a Secret's data that is not base64)
                raise ManifestError(f"{where}: {e}") from None
            ns = meta.get("namespace")
            if kind not in self.store.cluster_scoped:
                nso = self.store.get("Namespace", None, ns)
                if nso is None and ns not in new_namespaces:
                    raise ManifestError(f'{where}: metadata.namespace: namespace "{ns}" not found (create the Namespace first, or earlier in the same apply)')
                if nso is not None and nso["metadata"].get("deletionTimestamp") is not None:
                    raise ManifestError(f"{where}: metadata.namespace: namespace {ns} is being terminated")
            if kind == "Namespace":
                new_namespaces.add(meta["name"])
            live = self.store.get(kind, ns, meta["name"])
            if live is None:
                meta.setdefault("annotations", {})[LAST_APPLIED] = last_applied
                if kind in ("Deployment", "ReplicaSet", "HorizontalPodAutoscaler", "Service", "Job", "CronJob", "DaemonSet",
                            "CustomResourceDefinition") or self.custom.lookup(obj["apiVersion"], kind):
                    meta["generation"] = 1
                if kind == "Pod":
                    self._dry_admit(where, obj, new_namespaces, new_priority_classes, extra_usage)
                if kind == "Service":
                    self._check_cluster_ip(where, obj)
                    if self.network is not None:
                        self.network.check_service(where, obj, None)
                if kind == "PriorityClass":
                    if obj.get("globalDefault") and any(pc.get("globalDefault") for pc in self.store.list("PriorityClass")):
                        raise ManifestError(f"{where}: globalDefault: only one PriorityClass can be marked as globalDefault")
                    new_priority_classes[meta["name"]] = obj.get("value", 0)
                plans.append((obj, None, "created"))
                continue
            merged = self._merge(where, live, raw, last_applied)
            if kind == "Service" and self.network is not None and merged is not live:
                self.network.check_service(where, merged, live)
            plans.append((merged, live, "configured" if merged is not live else "unchanged"))
        return plans

    def _dry_admit(self, where: str, pod: dict, namespaces: set[str], new_pcs: dict[str, int], extra: dict) -> None:
        name = pod["spec"].get("priorityClassName")
        try:
            if name in new_pcs:
                pod["spec"]["priority"] = new_pcs[name]
                probe = copy_json(pod)
                probe["spec"].pop("priorityClassName")
                self.admission.admit_pod(probe, extra, namespaces)
                pod["spec"]["tolerations"] = probe["spec"]["tolerations"]
            else:
                self.admission.admit_pod(pod, extra, namespaces)
        except LabError as e:
            raise type(e)(f"{where}: {e}") from None
        ns = pod["metadata"]["namespace"]
        usage = extra.setdefault(ns, {})
        for k, v in self.admission.charge(pod).items():
            usage[k] = usage.get(k, 0) + v

    def _check_cluster_ip(self, where: str, svc: dict) -> None:
        ip = svc["spec"].get("clusterIP")
        if ip in (None, "", "None"):
            return
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            raise ManifestError(f"{where}: spec.clusterIP: {ip!r} is not a valid IP address") from None
        if addr not in self._service_net:
            raise ManifestError(f"{where}: spec.clusterIP: {ip} is not in the valid range {SERVICE_CIDR}")
        if ip in self._service_ips:
            raise ManifestError(f"{where}: spec.clusterIP: provided IP {ip} is already allocated")

    def _merge(self, where: str, live: dict, obj: dict, last_applied: str) -> dict:
        kind = obj["kind"]
        old_last = (live["metadata"].get("annotations") or {}).get(LAST_APPLIED)
        last = json.loads(old_last) if old_last else {}
        merged = copy_json(live)
        for key, value in obj.items():
            if key in ("apiVersion", "kind", "status"):
                continue
            if key == "metadata":
                for mk in ("labels", "annotations"):
                    res = three_way_merge(live["metadata"].get(mk) or {}, (last.get("metadata") or {}).get(mk) or {}, value.get(mk) or {})
                    if res or mk in live["metadata"]:
                        merged["metadata"][mk] = res
                continue
            merged[key] = three_way_merge(live.get(key), last.get(key), value)
        for key in last:
            if key not in obj and key not in ("apiVersion", "kind", "metadata", "status"):
                merged.pop(key, None)
        merged["metadata"].setdefault("annotations", {})[LAST_APPLIED] = last_applied
        try:
            apply_defaults(merged)
        except ManifestError as e:
            raise ManifestError(f"{where}: {e}") from None
        problems = semantic_problems(merged)   # the merged object must be valid too, as the API server checks the update
        if problems:
            raise ManifestError(f"{where}: " + "\n".join(problems[:10]))
        for path in IMMUTABLE_FIELDS.get(kind, ()):
            if field_at(obj, path) is not None and field_at(merged, path) != field_at(live, path):
                raise ManifestError(f"{where}: {'.'.join(path)}: field is immutable")
        if kind == "Pod":
            a, b = copy_json(live["spec"]), copy_json(merged["spec"])
            for spec in (a, b):
                for c in spec.get("containers") or ():
                    c.pop("image", None)
                spec.pop("tolerations", None)
                spec.pop("activeDeadlineSeconds", None)
                spec.pop("priority", None)
                spec.pop("preemptionPolicy", None)
                spec.pop("nodeName", None)
            if a != b:
                raise ManifestError(f"{where}: spec: Forbidden: pod updates may not change fields other than spec.containers[*].image, spec.activeDeadlineSeconds and spec.tolerations (only additions)")
        if merged == live:
            return live
        if merged.get("spec") != live.get("spec") and "generation" in live["metadata"]:
            merged["metadata"]["generation"] = live["metadata"]["generation"] + 1
        return merged

    def _create(self, obj: dict, actor: str) -> dict:
        kind = obj["kind"]
        if kind == "Pod":
            # admission already ran in the dry run (and mutated obj); run the real check again for quota accounting
            self.admission.admit_pod(obj)
        if kind == "Service":
            spec = obj["spec"]
            ip = spec.get("clusterIP")
            if spec.get("type") == "ExternalName":
                ip = "None"
                spec.pop("clusterIP", None)
                return self.store.create(obj, actor=actor)
            if ip in (None, ""):
                ip = self._allocate_service_ip()
            if ip != "None":
                self._service_ips.add(ip)
            spec["clusterIP"] = ip
            spec["clusterIPs"] = [ip]
        return self.store.create(obj, actor=actor)

    def _allocate_service_ip(self) -> str:
        size = self._service_net.num_addresses
        while self._next_service_ip < size - 1:
            ip = str(self._service_net.network_address + self._next_service_ip)
            self._next_service_ip += 1
            if ip not in self._service_ips:
                return ip
        raise LabError(f"spec.clusterIP: the service CIDR {SERVICE_CIDR} is full")

    def reserve_service_ip(self, ip: str) -> None:
        """Mark a ClusterIP as taken (for the built-in ``kubernetes`` Service)."""
        self._service_ips.add(ip)

    # --------------------------------------------------------------- delete
    def delete(self, kind: str, name: str, namespace: str | None = "default", actor: str = "kubectl") -> dict:
        """Delete one object (Pods gracefully; owners' dependents by the garbage collector)."""
        kind = self.resolve(kind)
        obj = self.store.get(kind, namespace, name)
        if obj is None:
            raise NotFoundError(f'Error from server (NotFound): {_PLURAL.get(kind, kind.lower())} "{name}" not found') from None
        if kind == "Namespace":
            if name in ("default", "kube-system", "kube-public", "kube-node-lease"):
                raise LabError(f'Error from server (Forbidden): namespaces "{name}" is forbidden: this namespace may not be deleted')
            obj["metadata"]["deletionTimestamp"] = self.sim.now
            obj.setdefault("status", {})["phase"] = "Terminating"
            self.store.update(obj, actor=actor)
            for k in ("HorizontalPodAutoscaler", "Deployment", "ReplicaSet", "Service", "ResourceQuota", "Pod"):
                for o in self.store.list(k, name):
                    self.store.delete(k, name, o["metadata"]["name"], actor="namespace-controller")
            if not self.store.list("Pod", name):  # else the garbage collector removes it after the last Pod
                self.store.delete("Namespace", None, name, actor="namespace-controller")
            return obj
        if kind == "Service":
            self._service_ips.discard(obj["spec"].get("clusterIP"))
            if self.network is not None:
                self.network.release_service(obj)
        self.store.delete(kind, namespace, name, actor=actor)
        return obj

    # ------------------------------------------- HTTP API (labsupport.k8s.kubeapi)
    def create_object(self, obj: dict, actor: str = "kubectl") -> dict:
        """``POST``: validate, default, admit and store one new object, keeping the annotations the client sent.

        Unlike :meth:`apply`, no ``last-applied-configuration`` is added (``kubectl apply`` adds it itself
        before it creates an object; ``kubectl create`` does not).
        """
        obj = copy_json(obj)
        validate_manifests([obj])
        annotations = copy_json(obj["metadata"].get("annotations"))
        ((planned, live, _),) = self._plan([obj])
        if live is not None:
            raise ConflictError(f'{_PLURAL.get(obj["kind"], obj["kind"].lower())} "{obj["metadata"]["name"]}" already exists')
        if annotations is None:
            planned["metadata"].pop("annotations", None)
        else:
            planned["metadata"]["annotations"] = annotations
        return self._create(planned, actor)
