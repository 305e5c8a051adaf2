"""Service types beyond ClusterIP: NodePort allocation, LoadBalancer provisioning, ExternalName, and the Service view.

From https://kubernetes.io/docs/concepts/services-networking/service/ (Kubernetes 1.37):

* ``NodePort``: the API server allocates a port from ``--service-node-port-range`` (default 30000-32767)
  for every Service port without one, and refuses a ``nodePort`` that is taken
  (``spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated``) or outside the
  range (``provided port is not in the valid range. The range of valid ports is 30000-32767``), as
  pkg/registry/core/service/portallocator does. Every node then forwards that port to the Service.
  The real allocator draws a random free port (from the upper band first); this one hands them out in
  order from 30000 so lessons read the same every run;
* ``LoadBalancer``: a NodePort Service that the cloud provider's service controller gives an external
  IP. Here a simulated cloud assigns the next address of :data:`LB_POOL` after
  :data:`LB_PROVISION_SECONDS` simulated seconds (until then ``kubectl get svc`` shows ``<pending>``);
* ``ExternalName``: no ClusterIP, no proxying; cluster DNS answers with a CNAME to ``spec.externalName``;
* headless (``clusterIP: None``): no virtual IP; DNS returns the ready Pods' IPs.

``internalTrafficPolicy: Local`` makes kube-proxy send in-cluster traffic only to endpoints on the
client's node; ``externalTrafficPolicy: Local`` does the same for NodePort/LoadBalancer traffic arriving
at a node (and keeps the client's source IP).

>>> alloc = NodePortAllocator()
>>> alloc.allocate(None), alloc.allocate(30080), alloc.allocate(None)
(30000, 30080, 30001)
>>> alloc.check(30080, "spec.ports[0].nodePort")
'spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
"""
from __future__ import annotations

import ipaddress
from typing import Any

from labsupport.core import Simulation
from labsupport.k8s.store import APIStore, WatchEvent

__all__ = [
    "NODE_PORT_RANGE", "LB_POOL", "LB_PROVISION_SECONDS", "SERVICE_TYPES", "NodePortAllocator",
    "LoadBalancerController", "service_type_problems",
]

NODE_PORT_RANGE = (30000, 32767)
#: The simulated cloud's pool of external IPs (RFC 5737 TEST-NET-3, never routed on the internet).
LB_POOL = "203.0.113.0/24"
#: Seconds the simulated cloud takes to provision a load balancer (chosen; real clouds take tens of seconds).
LB_PROVISION_SECONDS = 20.0
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


class NodePortAllocator:
    """The API server's node port allocator for one cluster (``--service-node-port-range=30000-32767``)."""

    def __init__(self, low: int = NODE_PORT_RANGE[0], high: int = NODE_PORT_RANGE[1]) -> None:
        self.low, self.high = low, high
        self.used: set[int] = set()

    def check(self, port: Any, field: str) -> str | None:
        """The API server's complaint about a requested ``nodePort`` (None if it can be allocated)."""
        if port is None:
            return None if len(self.used) <= self.high - self.low else f"{field}: range is full"
        if not self.low <= port <= self.high:
            return (f"{field}: Invalid value: {port}: provided port is not in the valid range. "
                    f"The range of valid ports is {self.low}-{self.high}")
        if port in self.used:
            return f"{field}: Invalid value: {port}: provided port is already allocated"
        return None

    def allocate(self, port: int | None) -> int:
        """Take ``port`` (already checked) or the lowest free one."""
        if port is None:
            port = next(p for p in range(self.low, self.high + 1) if p not in self.used)
        self.used.add(port)
        return port

    def release(self, port: int | None) -> None:
        self.used.discard(port)


def service_type_problems(spec: dict) -> list[str]:
    """Semantic checks of ``spec.type`` and the fields that go with it (pkg/apis/core/validation)."""
    out = []
    stype = spec.get("type", "ClusterIP")
    if stype not in SERVICE_TYPES:
        return [f"spec.type: Unsupported value: {stype!r}: supported values: {', '.join(map(repr, SERVICE_TYPES))}"]
    if stype == "ExternalName":
        name = spec.get("externalName")
        if not name:
            out.append("spec.externalName: Required value (a DNS name such as 'db.example.com' for type ExternalName)")
        if spec.get("clusterIP") not in (None, "", "None"):
            out.append("spec.clusterIP: Invalid value: must be empty for type ExternalName")
    elif spec.get("externalName"):
        out.append(f"spec.externalName: only allowed when spec.type is 'ExternalName', got type {stype!r}")
    for i, p in enumerate(spec.get("ports") or ()):
        if p.get("nodePort") is not None and stype not in ("NodePort", "LoadBalancer"):
            out.append(f"spec.ports[{i}].nodePort: Forbidden: may not be used when `type` is '{stype}'")
    if stype in ("NodePort", "LoadBalancer") and spec.get("clusterIP") == "None":
        out.append(f"spec.clusterIP: Invalid value: 'None': may not be set to 'None' for {stype} services")
    for key in ("internalTrafficPolicy", "externalTrafficPolicy"):
        v = spec.get(key)
        if v is not None and v not in ("Cluster", "Local"):
            out.append(f"spec.{key}: Unsupported value: {v!r}: supported values: 'Cluster', 'Local'")
    if spec.get("externalTrafficPolicy") is not None and stype not in ("NodePort", "LoadBalancer"):
        out.append(f"spec.externalTrafficPolicy: may only be set for NodePort and LoadBalancer services, not {stype}")
    aff = spec.get("sessionAffinity")
    if aff is not None and aff not in ("None", "ClientIP"):
        out.append(f"spec.sessionAffinity: Unsupported value: {aff!r}: supported values: 'ClientIP', 'None'")
    timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds")
    if timeout is not None and (not isinstance(timeout, int) or not 0 < timeout <= 86400):
        out.append(f"spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be in the range 1-86400, got {timeout!r}")
    return out


class LoadBalancerController:
    """The cloud provider's service controller: gives each LoadBalancer Service an external IP after a delay."""

    name = "service-controller"

    def __init__(self, store: APIStore, sim: Simulation, pool: str = LB_POOL, delay: float = LB_PROVISION_SECONDS) -> None:
        self.store, self.sim, self.delay = store, sim, delay
        self._pool = ipaddress.ip_network(pool).hosts()
        self._given: dict[tuple[str, str], str] = {}
        self._pending: set[tuple[str, str]] = set()
        store.watch("Service", self._on_service)

    def _on_service(self, ev: WatchEvent) -> None:
        svc = ev.object
        key = (svc["metadata"]["namespace"], svc["metadata"]["name"])
        if ev.type == "DELETED" or svc["spec"].get("type") != "LoadBalancer":
            self._given.pop(key, None)
            return
        if key in self._given or key in self._pending:
            return
        self._pending.add(key)
        self.store.record_event(svc, "EnsuringLoadBalancer", "Ensuring load balancer", source=self.name)
        self.sim.schedule(self.delay, lambda: self._provision(key), label=f"provision load balancer {key[0]}/{key[1]}")

    def _provision(self, key: tuple[str, str]) -> None:
        self._pending.discard(key)
        svc = self.store.get("Service", *key)
        if svc is None or svc["spec"].get("type") != "LoadBalancer":
            return
        ip = self._given[key] = str(next(self._pool))
        svc.setdefault("status", {})["loadBalancer"] = {"ingress": [{"ip": ip, "ipMode": "VIP"}]}
        self.store.update(svc, actor=self.name, verb="update status")
        self.store.record_event(svc, "EnsuredLoadBalancer", "Ensured load balancer", source=self.name)

    def address(self, namespace: str, name: str) -> str | None:
        """The external IP given to a Service (None while pending)."""
        return self._given.get((namespace, name))

    def allocate_ip(self) -> str:
        """The next free external address (Gateways and Ingresses get theirs from the same pool)."""
        return str(next(self._pool))
