"""Which REST resources the simulated API serves, and the discovery documents that list them.

kubectl learns what a server offers from discovery before it sends anything else:
``GET /version``, ``GET /api`` (core group versions), ``GET /apis`` (the other groups)
and one ``APIResourceList`` per group version (``GET /api/v1``, ``GET /apis/apps/v1``),
which names each resource, its kind, whether it is namespaced, its verbs, short names
(``po``, ``deploy``) and categories (``all`` is what ``kubectl get all`` lists). The
entries here copy those of a kube-apiserver 1.37 (``kubectl api-resources -o wide``), for the
kinds the simulator has.

Simplified: only the unaggregated discovery documents are served (kubectl asks for the
aggregated ``apidiscovery.k8s.io/v2`` form first and falls back to these when the answer
is plain ``application/json``, as with servers before 1.26).

>>> RESOURCES["pods"].kind, RESOURCES["deployments"].group_version, RESOURCES["deploy"].plural
('Pod', 'apps/v1', 'deployments')
>>> [r["name"] for r in resource_list("apps/v1")["resources"]][:3]
['deployments', 'deployments/scale', 'deployments/status']
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Resource", "RESOURCES", "BY_KIND", "GROUP_VERSIONS", "version_info", "api_versions", "api_group_list", "resource_list",
           "KUBERNETES_GIT_VERSION"]

KUBERNETES_GIT_VERSION = "v1.37.0"

_RW = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass(frozen=True)
class Resource:
    """One REST resource: ``plural`` in ``group_version``, of ``kind``; ``subresources`` it serves."""

    plural: str
    singular: str
    kind: str
    group_version: str
    namespaced: bool
    verbs: list[str] = field(default_factory=lambda: list(_RW))
    short_names: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    subresources: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)  # name -> (kind, group/version of kind, verbs)
    stored: bool = True  # False: not an object in the store (computed on request)

    @property
    def group(self) -> str:
        return self.group_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.group_version.rpartition("/")[2]

    @property
    def api_version(self) -> str:
        return self.group_version


_STATUS = ("", "", ["get", "patch", "update"])
_SCALE = ("Scale", "autoscaling/v1", ["get", "patch", "update"])

_TABLE = [
    Resource("namespaces", "namespace", "Namespace", "v1", False, ["create", "delete", "get", "list", "patch", "update", "watch"], ["ns"],
             subresources={"status": _STATUS}),
    Resource("nodes", "node", "Node", "v1", False, short_names=["no"], subresources={"status": _STATUS}),
    Resource("pods", "pod", "Pod", "v1", True, short_names=["po"], categories=["all"],
             subresources={"binding": ("Binding", "v1", ["create"]), "eviction": ("Eviction", "policy/v1", ["create"]),
                           "log": ("Pod", "v1", ["get"]), "status": _STATUS}),
    Resource("services", "service", "Service", "v1", True, ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
             ["svc"], ["all"], subresources={"status": _STATUS}),
    Resource("resourcequotas", "resourcequota", "ResourceQuota", "v1", True, short_names=["quota"], subresources={"status": _STATUS}),
    Resource("events", "event", "Event", "v1", True, ["get", "list"], ["ev"], stored=False),
    Resource("deployments", "deployment", "Deployment", "apps/v1", True, short_names=["deploy"], categories=["all"],
             subresources={"scale": _SCALE, "status": _STATUS}),
    Resource("replicasets", "replicaset", "ReplicaSet", "apps/v1", True, short_names=["rs"], categories=["all"],
             subresources={"scale": _SCALE, "status": _STATUS}),
    Resource("horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", "autoscaling/v2", True, short_names=["hpa"],
             categories=["all"], subresources={"status": _STATUS}),
    Resource("priorityclasses", "priorityclass", "PriorityClass", "scheduling.k8s.io/v1", False, short_names=["pc"]),
    Resource("endpointslices", "endpointslice", "EndpointSlice", "discovery.k8s.io/v1", True),
    Resource("leases", "lease", "Lease", "coordination.k8s.io/v1", True),
    # networking kinds (labsupport.k8s.network, issue 13)
    Resource("networkpolicies", "networkpolicy", "NetworkPolicy", "networking.k8s.io/v1", True, short_names=["netpol"]),
    Resource("ingresses", "ingress", "Ingress", "networking.k8s.io/v1", True, short_names=["ing"], subresources={"status": _STATUS}),
    Resource("gatewayclasses", "gatewayclass", "GatewayClass", "gateway.networking.k8s.io/v1", False, short_names=["gc"],
             categories=["gateway-api"], subresources={"status": _STATUS}),
    Resource("gateways", "gateway", "Gateway", "gateway.networking.k8s.io/v1", True, short_names=["gtw"], categories=["gateway-api"],
             subresources={"status": _STATUS}),
    Resource("httproutes", "httproute", "HTTPRoute", "gateway.networking.k8s.io/v1", True, categories=["gateway-api"],
             subresources={"status": _STATUS}),
    # issue 15 (storage)
    Resource("persistentvolumes", "persistentvolume", "PersistentVolume", "v1", False, short_names=["pv"], subresources={"status": _STATUS}),
    Resource("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", "v1", True, short_names=["pvc"], subresources={"status": _STATUS}),
    Resource("storageclasses", "storageclass", "StorageClass", "storage.k8s.io/v1", False, short_names=["sc"]),
    Resource("volumeattachments", "volumeattachment", "VolumeAttachment", "storage.k8s.io/v1", False, subresources={"status": _STATUS}),
    Resource("statefulsets", "statefulset", "StatefulSet", "apps/v1", True, short_names=["sts"], categories=["all"],
             subresources={"scale": _SCALE, "status": _STATUS}),
    Resource("pods", "", "PodMetrics", "metrics.k8s.io/v1beta1", True, ["get", "list"], stored=False),
    Resource("nodes", "", "NodeMetrics", "metrics.k8s.io/v1beta1", False, ["get", "list"], stored=False),
    # security (labsupport.k8s.auth, .secrets)
    Resource("secrets", "secret", "Secret", "v1", True),
    Resource("configmaps", "configmap", "ConfigMap", "v1", True, short_names=["cm"]),
    Resource("serviceaccounts", "serviceaccount", "ServiceAccount", "v1", True, short_names=["sa"]),
    Resource("roles", "role", "Role", "rbac.authorization.k8s.io/v1", True),
    Resource("rolebindings", "rolebinding", "RoleBinding", "rbac.authorization.k8s.io/v1", True),
    Resource("clusterroles", "clusterrole", "ClusterRole", "rbac.authorization.k8s.io/v1", False),
    Resource("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", "rbac.authorization.k8s.io/v1", False),
    Resource("selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", "authorization.k8s.io/v1", False, ["create"],
             stored=False),
]

#: plural, singular or short name (served group versions only) -> Resource; metrics use "<group>/<plural>" keys.
RESOURCES: dict[str, Resource] = {}
#: (group_version, plural) -> Resource
BY_PATH: dict[tuple[str, str], Resource] = {}
#: Kind -> Resource (stored kinds)
BY_KIND: dict[str, Resource] = {}
for _r in _TABLE:
    BY_PATH[(_r.group_version, _r.plural)] = _r
    if _r.group_version.startswith("metrics."):
        continue
    BY_KIND[_r.kind] = _r
    for _n in [_r.plural, _r.singular, *_r.short_names]:
        RESOURCES.setdefault(_n, _r)

#: group versions in the order /apis lists them (core "v1" first, served by /api)
GROUP_VERSIONS = list(dict.fromkeys(r.group_version for r in _TABLE))


def version_info() -> dict:
    """``GET /version`` (what ``kubectl version`` prints as Server Version)."""
    return {"major": "1", "minor": KUBERNETES_GIT_VERSION.split(".")[1], "emulationMajor": "1", "emulationMinor": KUBERNETES_GIT_VERSION.split(".")[1],
            "minCompatibilityMajor": "1", "minCompatibilityMinor": str(int(KUBERNETES_GIT_VERSION.split(".")[1]) - 1),
            "gitVersion": KUBERNETES_GIT_VERSION, "gitCommit": "labsupport-simulator", "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.25", "compiler": "gc", "platform": "linux/amd64"}


def api_versions(server_address: str) -> dict:
    """``GET /api``."""
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def api_group_list() -> dict:
    """``GET /apis``: every named group with its one served version."""
    groups = []
    for gv in GROUP_VERSIONS:
        if "/" not in gv:
            continue
        g, v = gv.split("/")
        ver = {"groupVersion": gv, "version": v}
        groups.append({"name": g, "versions": [ver], "preferredVersion": ver})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group: str) -> dict | None:
    """``GET /apis/<group>``."""
    for g in api_group_list()["groups"]:
        if g["name"] == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **g}
    return None


def resource_list(group_version: str) -> dict | None:
    """``GET /api/v1`` or ``GET /apis/<group>/<version>``: an APIResourceList, or None if not served."""
    if group_version not in GROUP_VERSIONS:
        return None
    out = []
    for r in _TABLE:
        if r.group_version != group_version:
            continue
        entry = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind, "verbs": list(r.verbs)}
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.categories:
            entry["categories"] = list(r.categories)
        out.append(entry)
        for sub, (kind, gv, verbs) in sorted(r.subresources.items()):
            e = {"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": r.namespaced, "kind": kind or r.kind, "verbs": list(verbs)}
            if gv and gv != r.group_version:
                e["group"], e["version"] = (gv.split("/") if "/" in gv else ("", gv))
            out.append(e)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": out}
