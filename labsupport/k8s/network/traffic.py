"""The Kubernetes data plane in one place: simulated requests from a Pod (or from outside) to wherever they end up.

One request goes through the same steps as a real connection, each recorded as a hop of its trace:

1. **DNS**: the client Pod's resolver walks its search path (:mod:`.dns`); CoreDNS's ``loadbalance`` plugin
   shuffles multi-address answers (headless Services), so the client takes a random one. A Pod whose egress is
   isolated needs a NetworkPolicy that allows UDP 53 to kube-dns (``kube-system``, ``k8s-app: kube-dns``),
   or the lookup times out;
2. **the destination address**: a Service ClusterIP (kube-proxy on the *client's* node picks an endpoint,
   :mod:`.kubeproxy`), a node IP and nodePort or a LoadBalancer IP (kube-proxy on the node the traffic
   reaches; with ``externalTrafficPolicy: Cluster`` the packet is also SNATed to that node's IP), a Gateway
   or Ingress address (HTTP routing, :mod:`.gateway`), or a Pod IP directly: the flat Pod network, where every
   Pod reaches every Pod on its own IP without NAT;
3. **NetworkPolicy** (:mod:`.networkpolicy`): the client's egress, then the server's ingress, both on the
   destination Pod's port, as the CNI plugin enforces them;
4. **the Pod**: it must be Running with its container up (readiness only matters to Services). A Pod whose
   containers declare ``ports`` listens on those ports only (in a real Pod ``containerPort`` is informational and
   the process decides; declaring them is the convention the simulation relies on); a Pod declaring none
   answers on any port.

Picks use the cluster's one seeded generator, so a run is reproducible. Outside clients come from
``198.51.100.7`` (RFC 5737 TEST-NET-2). HTTP routing (Gateways, Ingresses) lives in :mod:`.routing`.

This module is a little over 400 lines on purpose: one request's whole path (DNS, address, kube-proxy, policy,
Pod) reads best in one place.
"""
from __future__ import annotations

import ipaddress
import warnings
from typing import TYPE_CHECKING, Any

from labsupport.core import LabError, Table
from labsupport.core.traffic import Hop, Outcome, Trace, Traffic, check_count, parse_url
from labsupport.k8s.controllers.endpoints import SERVICE_NAME_LABEL
from labsupport.k8s.errors import NotFoundError
from labsupport.k8s.network.dns import DNS_SERVICE_IP, ClusterDNS, DNSError
from labsupport.k8s.network.gateway import GatewayController, hostname_matches
from labsupport.k8s.network.kubeproxy import (
    DEFAULT_AFFINITY_TIMEOUT,
    IPVS_DEPRECATION,
    PROXY_MODES,
    Endpoint,
    KubeProxy,
    order_endpoints,
)
from labsupport.k8s.network.networkpolicy import Peer, direction_allows
from labsupport.k8s.network.routing import HTTPRouting
from labsupport.k8s.network.services import LoadBalancerController, NodePortAllocator
from labsupport.k8s.objects import is_pod_ready

if TYPE_CHECKING:
    from labsupport.k8s.cluster import Cluster

__all__ = ["ClusterNetwork", "EXTERNAL_CLIENT_IP", "ProxyModeDeprecationWarning"]

EXTERNAL_CLIENT_IP = "198.51.100.7"
_KUBE_DNS = Peer(ip=DNS_SERVICE_IP, namespace="kube-system", labels={"k8s-app": "kube-dns"}, name="kube-dns")


class ProxyModeDeprecationWarning(UserWarning):
    """Shown when a cluster is created with a deprecated kube-proxy mode (ipvs)."""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


class ClusterNetwork(HTTPRouting):
    """Services, kube-proxy, DNS, Gateway/Ingress and NetworkPolicy of one :class:`~labsupport.k8s.Cluster`."""

    def __init__(self, cluster: Cluster, proxy_mode: str = "iptables") -> None:
        if proxy_mode not in PROXY_MODES:
            raise LabError(f"proxy_mode: must be one of {', '.join(map(repr, PROXY_MODES))}, got {proxy_mode!r}")
        self._kubelets = cluster.kubelets.kubelets  # node name -> Kubelet (no reference back to the Cluster: no cycle)
        self.store = cluster.store
        self.sim = cluster.sim
        self.proxy_mode = proxy_mode
        self.node_ports = NodePortAllocator()
        self._planned: set[int] = set()
        self.load_balancers = LoadBalancerController(self.store, self.sim)
        self.gateways = GatewayController(self.store, self.load_balancers.allocate_ip)
        self.dns = ClusterDNS(self.store, self._dns_endpoints, self._external_name)
        self._proxies: dict[str, KubeProxy] = {}
        cluster.apiserver.reserve_service_ip(DNS_SERVICE_IP)
        if proxy_mode == "ipvs":
            warnings.warn(IPVS_DEPRECATION, ProxyModeDeprecationWarning, stacklevel=3)
            self.store.record_event({"kind": "Node", "metadata": {"name": "kube-proxy"}}, "ProxyModeDeprecated", IPVS_DEPRECATION,
                                    type="Warning", source="kube-proxy")

    # ------------------------------------------------------------------ API server hooks (node ports)
    def begin_apply(self) -> None:
        """Start of one apply: node ports planned by earlier documents of it count as taken."""
        self._planned = set()

    def check_service(self, where: str, svc: dict, live: dict | None) -> None:
        """Refuse a Service whose nodePorts are taken or out of range (the API server's allocator)."""
        from labsupport.k8s.errors import ManifestError

        if svc["spec"].get("type") not in ("NodePort", "LoadBalancer"):
            return
        mine = {p.get("nodePort") for p in (live or {}).get("spec", {}).get("ports") or ()}
        for i, p in enumerate(svc["spec"].get("ports") or ()):
            port = p.get("nodePort")
            if port is None or port in mine:
                continue
            problem = self.node_ports.check(port, f"spec.ports[{i}].nodePort")
            if problem is None and port in self._planned:
                problem = f"spec.ports[{i}].nodePort: Invalid value: {port}: provided port is already allocated"
            if problem:
                raise ManifestError(f"{where}: {problem}")
            self._planned.add(port)

    def commit_service(self, svc: dict, live: dict | None) -> None:
        """Allocate node ports (keeping the live object's when the manifest leaves them out) and release unused ones."""
        live_ports = {(p.get("name"), p["port"]): p.get("nodePort") for p in (live or {}).get("spec", {}).get("ports") or ()}
        kept = set()
        if svc["spec"].get("type") in ("NodePort", "LoadBalancer"):
            for p in svc["spec"].get("ports") or ():
                if p.get("nodePort") is None:
                    old = live_ports.get((p.get("name"), p["port"]))
                    p["nodePort"] = old if old is not None else self.node_ports.allocate(None)
                elif p["nodePort"] not in live_ports.values():
                    self.node_ports.allocate(p["nodePort"])
                kept.add(p["nodePort"])
        for old in live_ports.values():
            if old is not None and old not in kept:
                self.node_ports.release(old)

    def release_service(self, svc: dict) -> None:
        for p in svc["spec"].get("ports") or ():
            self.node_ports.release(p.get("nodePort"))

    # ------------------------------------------------------------------ views
    def proxy(self, node: str) -> KubeProxy:
        if node not in self._proxies:
            self._proxies[node] = KubeProxy(node, self.proxy_mode, self.sim.rng)
        return self._proxies[node]

    def _kubelet_up(self, node: str) -> bool:
        k = self._kubelets.get(node)
        return k is not None and k.alive

    def _pod(self, namespace: str, name: str) -> dict | None:
        return self.store.get("Pod", namespace, name)

    def _endpoints(self, svc: dict, port: dict) -> list[Endpoint]:
        """The endpoints of one Service port, from its EndpointSlices (named target ports resolved per Pod)."""
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        target = port.get("targetPort", port["port"])
        out = []
        for sl in self.store.by_index("slices-by-service", (ns, name)):
            for e in sl["endpoints"]:
                pod = self._pod(ns, e["targetRef"]["name"]) if e.get("targetRef") else None
                tport = target
                if isinstance(target, str):
                    tport = self._named_ports(pod).get(target) if pod else None
                    if tport is None:
                        continue
                c = e["conditions"]
                out.append(Endpoint(e["targetRef"]["name"], e["addresses"][0], int(tport), e.get("nodeName"),
                                    bool(c.get("ready")), bool(c.get("serving")), bool(c.get("terminating"))))
        return out

    @staticmethod
    def _named_ports(pod: dict | None) -> dict[str, int]:
        out = {}
        for c in (pod or {}).get("spec", {}).get("containers") or ():
            for p in c.get("ports") or ():
                if p.get("name"):
                    out[p["name"]] = p["containerPort"]
        return out

    def _dns_endpoints(self, ns: str, name: str) -> list[tuple[dict, bool]]:
        out = []
        for sl in self.store.by_index("slices-by-service", (ns, name)):
            for e in sl["endpoints"]:
                pod = self._pod(ns, e["targetRef"]["name"])
                if pod is not None:
                    out.append((pod, bool(e["conditions"].get("ready"))))
        return out

    def service_views(self, node: str | None = None) -> list[dict]:
        """Every proxied Service port as kube-proxy sees it (input of :meth:`KubeProxy.rules`)."""
        out = []
        for svc in self.store.list("Service"):
            spec = svc["spec"]
            meta = svc["metadata"]
            if spec.get("type") == "ExternalName" or spec.get("clusterIP") in (None, "None") or \
                    (meta["namespace"], meta["name"]) == ("default", "kubernetes"):  # the API server's own endpoint is not simulated
                continue
            lb = [i["ip"] for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()]
            aff = None
            if spec.get("sessionAffinity") == "ClientIP":
                aff = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds", DEFAULT_AFFINITY_TIMEOUT)
            for p in spec.get("ports") or ():
                eps = order_endpoints(self._endpoints(svc, p))
                if node is not None and spec.get("internalTrafficPolicy") == "Local":
                    eps = [e for e in eps if e.node == node]
                pname = p.get("name") or ""
                out.append({"spn": f"{meta['namespace']}/{meta['name']}" + (f":{pname}" if pname else ""),
                            "namespace": meta["namespace"], "name": meta["name"], "port_name": pname,
                            "cluster_ip": spec["clusterIP"], "port": p["port"], "node_port": p.get("nodePort"),
                            "external_ips": lb, "endpoints": eps, "affinity": aff, "service": svc, "port_spec": p})
        return out

    def proxy_rules(self, node: str) -> Table:
        """The rules kube-proxy holds on ``node`` in the cluster's proxy mode."""
        if not isinstance(node, str) or self.store.get("Node", None, node) is None:
            raise NotFoundError(f'node: nodes "{node}" not found (nodes: {", ".join(n["metadata"]["name"] for n in self.store.list("Node")) or "none"})')
        return self.proxy(node).rules(self.service_views(node))

    # ------------------------------------------------------------------ DNS
    def _external_name(self, name: str) -> str | None:
        """Addresses outside the cluster domain: Ingress/HTTPRoute host names (as external-dns publishes them), nodes."""
        for ing in self.store.list("Ingress"):
            ip = self.gateways.addresses.get(("Ingress", ing["metadata"]["namespace"], ing["metadata"]["name"]))
            if ip and any(r.get("host") == name for r in ing["spec"].get("rules") or ()):
                return ip
        for route in self.store.list("HTTPRoute"):
            for gw, listener in self._route_parents(route):
                ip = self.gateways.addresses.get(("Gateway", gw["metadata"]["namespace"], gw["metadata"]["name"]))
                names = route["spec"].get("hostnames") or ([listener["hostname"]] if listener.get("hostname") else [])
                if ip and any(hostname_matches(n, name) for n in names):
                    return ip
        node = self.store.get("Node", None, name)
        if node is not None:
            return self._node_ip(node)
        return None

    @staticmethod
    def _node_ip(node: dict) -> str:
        return next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")

    def resolve(self, name: str, from_pod: str | None = None, record: str = "A", namespace: str = "default") -> list[str]:
        """What ``name`` resolves to from ``from_pod``'s resolver (or from a Pod in ``namespace``)."""
        if from_pod is not None:
            pod = self._source_pod(from_pod, namespace)
            namespace = pod["metadata"]["namespace"]
        answers, _ = self.dns.resolve(name, namespace, record)
        return answers

    # ------------------------------------------------------------------ requests
    def _source_pod(self, name: Any, namespace: str) -> dict:
        if not isinstance(name, str) or not name:
            raise LabError(f"source: give the name of a client Pod (or None for a client outside the cluster), got {name!r}")
        if "/" in name:
            namespace, name = name.split("/", 1)
        pod = self._pod(namespace, name)
        if pod is None:
            known = ", ".join(p["metadata"]["name"] for p in self.store.list("Pod", namespace)) or "none"
            raise NotFoundError(f'source: pod "{name}" not found in namespace "{namespace}" (pods there: {known})')
        if not (pod.get("status") or {}).get("podIP"):
            raise LabError(f'source: pod "{name}" has no IP yet (phase {pod["status"].get("phase")}); run the cluster a little longer')
        return pod

    def request(self, source: str | None, url: str, count: int = 1, namespace: str = "default", method: str = "GET",
                headers: dict | None = None) -> Traffic:
        """Send ``count`` simulated requests; see :class:`~labsupport.core.traffic.Traffic`."""
        count = check_count(count)
        u = parse_url(url)
        pod = None if source is None else self._source_pod(source, namespace)
        hdrs = self._headers(headers)
        return Traffic((self._one(pod, u, method, hdrs) for _ in range(count)), title=f"GET {url}" if method == "GET" else f"{method} {url}")

    def trace(self, source: str | None, url: str, namespace: str = "default", method: str = "GET", headers: dict | None = None) -> Trace:
        """One simulated request, hop by hop."""
        u = parse_url(url)
        pod = None if source is None else self._source_pod(source, namespace)
        who = "outside client" if pod is None else f"pod/{pod['metadata']['name']}"
        return Trace(f"{who}: {method} {url}", self._one(pod, u, method, self._headers(headers)))

    @staticmethod
    def _headers(headers: Any) -> dict:
        if headers is None:
            return {}
        if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            raise LabError(f"headers: must be a dict of strings such as {{'x-canary': 'true'}}, got {headers!r}")
        return dict(headers)

    def _peer(self, pod: dict) -> Peer:
        m = pod["metadata"]
        return Peer(ip=pod["status"]["podIP"], namespace=m["namespace"], labels=m.get("labels") or {}, name=m["name"],
                    named_ports=self._named_ports(pod))

    def _ns_labels(self) -> dict[str, dict]:
        return {n["metadata"]["name"]: n["metadata"].get("labels") or {} for n in self.store.list("Namespace")}

    def _one(self, pod: dict | None, u, method: str, headers: dict) -> Outcome:
        hops: list[Hop] = []
        if pod is None:
            client_ip, client_node, client_where = EXTERNAL_CLIENT_IP, None, f"client {EXTERNAL_CLIENT_IP}"
        else:
            client_ip, client_node = pod["status"]["podIP"], pod["spec"].get("nodeName")
            client_where = f"pod/{pod['metadata']['name']}"
        # 1. DNS
        host = u.host
        if _is_ip(host):
            ip = host
        else:
            try:
                if pod is not None:
                    policies = self.store.list("NetworkPolicy")
                    ok, why = direction_allows(policies, self._peer(pod), _KUBE_DNS, "Egress", 53, "UDP", self._ns_labels(), _KUBE_DNS)
                    if not ok:
                        hops.append(Hop(client_where, f"DNS query to {DNS_SERVICE_IP}:53/UDP blocked: {why}"))
                        return Outcome(None, None, "DNS lookup timed out (egress to kube-dns not allowed)", hops)
                    answers, tried = self.dns.resolve(host, pod["metadata"]["namespace"], "A")
                else:
                    ext = self._external_name(host)
                    if ext is None:
                        raise DNSError(f"{host}: NXDOMAIN (no public DNS record)")
                    answers, tried = [ext], [host]
            except DNSError as e:
                hops.append(Hop(client_where, f"DNS: {e}"))
                return Outcome(None, None, f"DNS: NXDOMAIN for {host}", hops)
            ip = answers[0] if len(answers) == 1 else self.sim.rng.choice(answers)
            shown = ", ".join(answers[:4]) + (" ..." if len(answers) > 4 else "")
            hops.append(Hop(client_where, f"DNS {host} -> {ip} (asked for {tried[-1]}; answer: {shown})"))
        # 2. where does ip:port lead?
        return self._route(pod, client_ip, client_node, client_where, ip, u, method, headers, hops)

    def _route(self, pod, client_ip, client_node, client_where, ip, u, method, headers, hops) -> Outcome:
        port = u.port
        views = None
        for v in self.service_views():
            if v["cluster_ip"] == ip or ip in v["external_ips"]:
                views = views or []
                views.append(v)
        if views is not None:
            match = [v for v in views if v["port"] == port]
            if not match:
                ports = ", ".join(str(v["port"]) for v in views)
                hops.append(Hop(client_where, f"{ip} is Service {views[0]['namespace']}/{views[0]['name']}, which has no port {port} (ports: {ports})"))
                return Outcome(None, None, f"connection timed out: Service has no port {port}", hops)
            v = match[0]
            external = ip in v["external_ips"]
            if external:
                return self._via_node(pod, client_ip, client_where, v, port, hops, via=f"load balancer {ip}:{port}")
            if client_node is None:
                hops.append(Hop(client_where, f"{ip} is a ClusterIP: only reachable from inside the cluster"))
                return Outcome(None, None, "no route to a ClusterIP from outside the cluster", hops)
            return self._kube_proxy(pod, client_ip, client_where, client_node, v, hops, local_only=v["service"]["spec"].get("internalTrafficPolicy") == "Local")
        node = next((n for n in self.store.list("Node") if self._node_ip(n) == ip), None)
        if node is not None:
            v = next((v for v in self.service_views() if v["node_port"] == port), None)
            if v is None:
                hops.append(Hop(client_where, f"{ip} is node {node['metadata']['name']}; no Service has nodePort {port}"))
                return Outcome(None, None, f"connection refused: no nodePort {port}", hops)
            return self._at_node(pod, client_ip, client_where, node["metadata"]["name"], v, hops)
        for (kind, ns, name), addr in sorted(self.gateways.addresses.items()):
            if addr == ip:
                return self._http_route(pod, client_ip, client_where, kind, ns, name, ip, u, method, headers, hops)
        target = next((p for p in self.store.list("Pod") if (p.get("status") or {}).get("podIP") == ip), None)
        if target is not None:
            hops.append(Hop(client_where, f"{ip} is pod/{target['metadata']['name']}: flat Pod network, no NAT (source stays {client_ip})"))
            return self._deliver(pod, client_ip, target, port, hops)
        hops.append(Hop(client_where, f"no Service, node, gateway or Pod has address {ip}"))
        return Outcome(None, None, f"no route to host {ip}", hops)

    def _via_node(self, pod, client_ip, client_where, v, port, hops, via) -> Outcome:
        nodes = [n["metadata"]["name"] for n in self.store.list("Node") if self._kubelet_up(n["metadata"]["name"])]
        if v["service"]["spec"].get("externalTrafficPolicy") == "Local":
            with_eps = sorted({e.node for e in v["endpoints"]})
            nodes = [n for n in nodes if n in with_eps]
        if not nodes:
            hops.append(Hop(via, "no healthy node behind the load balancer"))
            return Outcome(None, None, "load balancer has no healthy node", hops)
        node = self.sim.rng.choice(nodes)
        hops.append(Hop(via, f"cloud load balancer forwards to {node}:{v['node_port']}"))
        return self._at_node(pod, client_ip, client_where, node, v, hops)

    def _at_node(self, pod, client_ip, client_where, node, v, hops) -> Outcome:
        local = v["service"]["spec"].get("externalTrafficPolicy") == "Local"
        if not local:
            node_ip = self._node_ip(self.store.get("Node", None, node))
            hops.append(Hop(f"node/{node}", f"externalTrafficPolicy Cluster: source {client_ip} SNATed to node IP {node_ip}"))
            client_ip = node_ip
        return self._kube_proxy(pod, client_ip, f"node/{node}", node, v, hops, local_only=local, peer_override=not local)

    def _kube_proxy(self, pod, client_ip, where, node, v, hops, local_only: bool, peer_override: bool = False) -> Outcome:
        eps = [e for e in v["endpoints"] if e.node == node] if local_only else v["endpoints"]
        proxy = self.proxy(node)
        if not eps:
            all_eps = self._endpoints(v["service"], v["port_spec"])
            why = "no endpoints on this node (traffic policy Local)" if local_only and v["endpoints"] else \
                  f"no ready endpoints ({len(all_eps)} not ready)" if all_eps else "no endpoints: the selector matches no Pod with an IP"
            hops.append(Hop(f"kube-proxy@{node}", f"Service {v['spn']}: {why} -> REJECT"))
            return Outcome(None, None, f"connection refused: Service {v['spn']} has {why}", hops)
        e, rule = proxy.pick(v["spn"], eps, client_ip, self.sim.now, v["affinity"])
        hops.append(Hop(f"kube-proxy@{node}", f"{self.proxy_mode}: {rule} -> DNAT to {e.address} (pod/{e.pod})"))
        target = self._pod(v["namespace"], e.pod)
        src_ip = client_ip if peer_override else None
        return self._deliver(pod, client_ip if src_ip is None else src_ip, target, e.port, hops, src_override=peer_override)

    def _deliver(self, pod, client_ip, target, port, hops, src_override: bool = False, src_peer: Peer | None = None) -> Outcome:
        dst = self._peer(target)
        policies = self.store.list("NetworkPolicy")
        labels = self._ns_labels()
        if src_peer is None:
            src_peer = self._peer(pod) if pod is not None and not src_override else Peer(ip=client_ip, name=client_ip)
        if pod is not None:
            ok, why = direction_allows(policies, self._peer(pod), dst, "Egress", port, "TCP", labels, dst)
            hops.append(Hop(f"pod/{pod['metadata']['name']}", f"egress: {why}"))
            if not ok:
                return Outcome(None, None, f"dropped by NetworkPolicy (egress of {pod['metadata']['name']})", hops)
        ok, why = direction_allows(policies, dst, src_peer, "Ingress", port, "TCP", labels, dst)
        hops.append(Hop(f"pod/{dst.name}", f"ingress: {why}"))
        if not ok:
            return Outcome(None, None, f"dropped by NetworkPolicy (ingress of {dst.name})", hops)
        st = target.get("status") or {}
        running = st.get("phase") == "Running" and target["metadata"].get("deletionTimestamp") is None and \
            all((cs.get("state") or {}).get("running") is not None for cs in st.get("containerStatuses") or ())
        node = target["spec"].get("nodeName")
        if not running:
            hops.append(Hop(f"pod/{dst.name}", f"nothing listening (phase {st.get('phase')}) -> connection refused"))
            return Outcome(None, None, f"connection refused by {dst.name} (not running)", hops)
        declared = sorted({p["containerPort"] for c in target["spec"].get("containers") or () for p in c.get("ports") or ()})
        if declared and port not in declared:
            hops.append(Hop(f"pod/{dst.name}", f"nothing listens on port {port} (its containers declare {', '.join(map(str, declared))})"))
            return Outcome(None, None, f"connection refused by {dst.name}: nothing listens on port {port}", hops)
        ready = "" if is_pod_ready(target) else " (not Ready, reached directly)"
        hops.append(Hop(f"pod/{dst.name}", f"answered on {dst.ip}:{port}{ready} on {node}"))
        return Outcome(dst.name, node, None, hops, address=f"{dst.ip}:{port}")

    def describe_slices(self, service: str, namespace: str = "default") -> Table:
        """One row per endpoint of a Service's EndpointSlices, with its conditions (``kubectl describe endpointslice``)."""
        if self.store.get("Service", namespace, service) is None:
            raise NotFoundError(f'service: services "{service}" not found in namespace "{namespace}"')
        rows = []
        for sl in self.store.list("EndpointSlice", namespace):
            if (sl["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) != service:
                continue
            for e in sl["endpoints"]:
                c = e["conditions"]
                rows.append({"SLICE": sl["metadata"]["name"], "ADDRESS": e["addresses"][0], "POD": (e.get("targetRef") or {}).get("name"),
                             "NODE": e.get("nodeName"), "READY": c.get("ready"), "SERVING": c.get("serving"), "TERMINATING": c.get("terminating")})
        return Table(["SLICE", "ADDRESS", "POD", "NODE", "READY", "SERVING", "TERMINATING"], rows, title=f"EndpointSlices of {namespace}/{service}")
