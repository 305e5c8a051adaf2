"""EndpointSlice controller: which Pod IPs stand behind each Service (``pkg/controller/endpointslice``).

For every Service with a ``spec.selector``, the controller keeps EndpointSlices
(``discovery.k8s.io/v1``, label ``kubernetes.io/service-name``) listing the matching
Pods that have an IP, with the conditions kube-proxy reads: ``ready`` (Pod Ready and
not terminating), ``serving`` (Pod Ready), ``terminating`` (``deletionTimestamp`` set).
Slices hold at most :data:`MAX_ENDPOINTS_PER_SLICE` (100) endpoints, like
``--max-endpoints-per-slice``; here they are simply refilled in Pod-name order
(the real reconciler also tries to touch as few slices as possible). A new slice is
named like the real one's ``generateName: <service>-`` (``web-7xk2p``, see :func:`slice_name`).
The legacy ``Endpoints`` object is not simulated.

>>> service_dns_name("web", "shop")
'web.shop.svc.cluster.local'
"""
from __future__ import annotations

from labsupport.core import Simulation
from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.objects import ALPHANUMS, fnv32a, is_pod_ready, labels_match, owner_reference
from labsupport.k8s.store import APIStore, WatchEvent

__all__ = ["EndpointSliceController", "service_dns_name", "slice_name", "MAX_ENDPOINTS_PER_SLICE", "SERVICE_NAME_LABEL"]

MAX_ENDPOINTS_PER_SLICE = 100
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def service_dns_name(service: str, namespace: str = "default", cluster_domain: str = "cluster.local") -> str:
    """The DNS A record of a Service: ``<service>.<namespace>.svc.<cluster-domain>``.

    From https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/.

    >>> service_dns_name("web")
    'web.default.svc.cluster.local'
    """
    return f"{service}.{namespace}.svc.{cluster_domain}"


def slice_name(service: str, uid: str, attempt: int = 0) -> str:
    """The name of a new EndpointSlice: ``<service>-`` and five characters, like ``generateName``.

    The API server draws the five characters at random (``names.SimpleNameGenerator``); here they
    come from an FNV-1a hash of the Service's uid and an attempt counter, so a run is reproducible
    and the cluster's random stream is left alone. ``attempt`` gives another name after a clash.

    >>> slice_name("web", "00000000-0000-4000-8000-000000000021")
    'web-29tjw'
    """
    h = fnv32a(f"{uid}/{attempt}".encode())
    suffix = ""
    for _ in range(5):
        h, r = divmod(h, len(ALPHANUMS))
        suffix += ALPHANUMS[r]
    return f"{service[:58]}-{suffix}"


class EndpointSliceController(Controller):
    """Keeps each selector Service's EndpointSlices in step with its Pods."""

    name = "endpointslice-controller"

    def __init__(self, store: APIStore, sim: Simulation) -> None:
        super().__init__(store, sim)
        self._selectors: dict[str, list[tuple[str, dict]]] = {}
        store.add_index("EndpointSlice", "slices-by-service", lambda s: (s["metadata"]["namespace"], (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)))
        store.watch("Service", self._on_service)
        store.watch("Pod", self._on_pod)

    def _on_service(self, ev: WatchEvent) -> None:
        m = ev.object["metadata"]
        self._selectors.pop(m["namespace"], None)
        self.enqueue((m["namespace"], m["name"]))

    def _on_pod(self, ev: WatchEvent) -> None:
        if ev.verb == "bind":
            return  # a bound Pod has no IP yet; the kubelet's status update follows
        pod = ev.object
        ns = pod["metadata"]["namespace"]
        selectors = self._selectors.get(ns)
        if selectors is None:  # the Services with a selector in this namespace, cached until a Service changes
            selectors = self._selectors[ns] = [(s["metadata"]["name"], s["spec"]["selector"]) for s in self.store.list("Service", ns) if s["spec"].get("selector")]
        labels = pod["metadata"].get("labels")
        for name, sel in selectors:
            if labels_match(sel, labels):
                self.enqueue((ns, name))

    def sync(self, key) -> None:
        ns, name = key
        svc = self.store.get("Service", ns, name)
        existing = self.store.by_index("slices-by-service", (ns, name))
        if svc is None or not svc["spec"].get("selector"):
            for s in existing:
                self.store.delete("EndpointSlice", ns, s["metadata"]["name"], actor=self.name)
            return
        sel = svc["spec"]["selector"]
        endpoints = []
        for pod in self.store.list("Pod", ns):
            ip = (pod.get("status") or {}).get("podIP")
            if not ip or not labels_match(sel, pod["metadata"].get("labels")):
                continue
            terminating = pod["metadata"].get("deletionTimestamp") is not None
            ready = is_pod_ready(pod)
            endpoints.append({
                "addresses": [ip],
                "conditions": {"ready": ready and not terminating, "serving": ready, "terminating": terminating},
                "nodeName": pod["spec"].get("nodeName"),
                "targetRef": {"kind": "Pod", "namespace": ns, "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]},
            })
        ports = [
            {"name": p.get("name", ""), "port": p.get("targetPort", p["port"]), "protocol": p.get("protocol", "TCP")}
            for p in svc["spec"].get("ports") or ()
        ]
        chunks = [endpoints[i : i + MAX_ENDPOINTS_PER_SLICE] for i in range(0, len(endpoints), MAX_ENDPOINTS_PER_SLICE)] or [[]]
        attempt = 0
        for i, chunk in enumerate(chunks):  # the existing slices (in name order) are refilled first
            if i < len(existing):
                current = existing[i]
                if current["endpoints"] != chunk or current["ports"] != ports:
                    current["endpoints"], current["ports"] = chunk, ports
                    self.store.update(current, actor=self.name)
                continue
            new_name = slice_name(name, svc["metadata"]["uid"], attempt)
            while self.store.get("EndpointSlice", ns, new_name) is not None:  # AlreadyExists: generate again
                attempt += 1
                new_name = slice_name(name, svc["metadata"]["uid"], attempt)
            attempt += 1
            obj = {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {"name": new_name, "generateName": f"{name}-", "namespace": ns, "labels": {SERVICE_NAME_LABEL: name},
                             "ownerReferences": [owner_reference(svc)]},
                "addressType": "IPv4",
                "endpoints": chunk,
                "ports": ports,
            }
            self.store.create(obj, actor=self.name)
        for s in existing[len(chunks):]:
            self.store.delete("EndpointSlice", ns, s["metadata"]["name"], actor=self.name)

    def ready_addresses(self, namespace: str, service: str) -> list[str]:
        """The IPs kube-proxy would send traffic to (endpoints with ``ready: true``)."""
        out = []
        for s in self.store.by_index("slices-by-service", (namespace, service)):
            out += [e["addresses"][0] for e in s["endpoints"] if e["conditions"]["ready"]]
        return out
