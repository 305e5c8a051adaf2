"""HTTP routing inside :class:`~labsupport.k8s.network.traffic.ClusterNetwork`: Gateway API and Ingress data planes.

Split out of :mod:`.traffic` to keep each module short. A request that reaches a Gateway's or an Ingress' address
is matched here (:func:`~labsupport.k8s.network.gateway.httproute_candidates`,
:func:`~labsupport.k8s.network.gateway.ingress_route`), a backend Service is chosen (by weight for an HTTPRoute),
and the proxy picks one of its ready endpoints at random with the cluster's generator; the request then goes on to
NetworkPolicy and the Pod (``_deliver`` of :class:`ClusterNetwork`), with the proxy's address as its source.
"""
from __future__ import annotations

from labsupport.core.traffic import Hop, Outcome
from labsupport.k8s.network.gateway import hostname_matches, httproute_candidates, ingress_route
from labsupport.k8s.network.kubeproxy import order_endpoints
from labsupport.k8s.objects import selector_matches

__all__ = ["HTTPRouting"]


class HTTPRouting:
    """Mixin of :class:`ClusterNetwork` (uses its ``store``, ``sim``, ``gateways``, ``_endpoints``, ``_deliver``, ``_ns_labels``)."""

    def _route_parents(self, route: dict) -> list[tuple[dict, dict]]:
        """(Gateway, listener) pairs an HTTPRoute is attached to (accepted by our controller, namespace allowed)."""
        out = []
        rns = route["metadata"]["namespace"]
        for ref in route["spec"].get("parentRefs") or ():
            if ref.get("kind", "Gateway") != "Gateway":
                continue
            gw = self.store.get("Gateway", ref.get("namespace", rns), ref["name"])
            if gw is None or not self.gateways.accepts(gw["spec"].get("gatewayClassName")):
                continue
            for ls in gw["spec"].get("listeners") or ():
                if ref.get("sectionName") and ref["sectionName"] != ls["name"]:
                    continue
                if ref.get("port") and ref["port"] != ls["port"]:
                    continue
                allowed = ((ls.get("allowedRoutes") or {}).get("namespaces") or {}).get("from", "Same")
                if allowed == "Same" and rns != gw["metadata"]["namespace"]:
                    continue
                if allowed == "Selector":
                    nsl = {**self._ns_labels().get(rns, {}), "kubernetes.io/metadata.name": rns}
                    if not selector_matches(ls["allowedRoutes"]["namespaces"].get("selector"), nsl):
                        continue
                out.append((gw, ls))
        return out

    def _http_route(self, pod, client_ip, client_where, kind, ns, name, ip, u, method, headers, hops) -> Outcome:
        host = next((v for k, v in headers.items() if k.lower() == "host"), u.host).split(":")[0].lower()
        query = dict(kv.split("=", 1) if "=" in kv else (kv, "") for kv in u.query.split("&") if kv)
        if kind == "Ingress":
            ing = self.store.get("Ingress", ns, name)
            if u.port not in (80, 443):
                hops.append(Hop(f"ingress {ip}", f"the ingress controller listens on 80 and 443, not {u.port}"))
                return Outcome(None, None, f"connection refused: ingress has no port {u.port}", hops)
            same = [i for i in self.store.list("Ingress") if self.gateways.addresses.get(("Ingress", i["metadata"]["namespace"], i["metadata"]["name"])) == ip]
            picked = ingress_route(same or [ing], host, u.path)
            if picked is None:
                hops.append(Hop(f"ingress {ip}", f"no rule matches host {host} path {u.path}"))
                return Outcome(None, None, "HTTP 404: no Ingress rule matches", hops)
            ing, backend, why = picked
            hops.append(Hop(f"ingress {ip}", why))
            svc_ref = backend.get("service") or {}
            return self._to_service(pod, ip, ing["metadata"]["namespace"], svc_ref.get("name"), (svc_ref.get("port") or {}).get("number"),
                                    (svc_ref.get("port") or {}).get("name"), hops)
        gw = self.store.get("Gateway", ns, name)
        listeners = [ls for ls in gw["spec"].get("listeners") or () if ls["port"] == u.port and (not ls.get("hostname") or hostname_matches(ls["hostname"], host))]
        if not listeners:
            hops.append(Hop(f"gateway/{name}", f"no listener on port {u.port} for host {host}"))
            return Outcome(None, None, f"connection refused: Gateway {name} has no listener for {host}:{u.port}", hops)
        listeners.sort(key=lambda ls: (-(len(ls.get("hostname") or "") - (1 if (ls.get("hostname") or "").startswith("*") else 0)), ls["name"]))
        listener = listeners[0]
        routes = [r for r in self.store.list("HTTPRoute") if any(g is gw and ls is listener for g, ls in self._route_parents(r))]
        cands = httproute_candidates(routes, host, method, u.path, headers, query, listener.get("hostname"))
        if not cands:
            hops.append(Hop(f"gateway/{name}", f"listener {listener['name']}: no HTTPRoute rule matches {host}{u.path}"))
            return Outcome(None, None, "HTTP 404: no HTTPRoute matches", hops)
        _, route, ri, mi = cands[0]
        rule = (route["spec"].get("rules") or [{}])[ri]
        refs = [b for b in rule.get("backendRefs") or ()]
        rname = f"{route['metadata']['namespace']}/{route['metadata']['name']}"
        weights = [b.get("weight", 1) for b in refs]
        if not refs or sum(weights) == 0:
            hops.append(Hop(f"gateway/{name}", f"HTTPRoute {rname} rules[{ri}]: no backend with weight > 0 -> 500"))
            return Outcome(None, None, "HTTP 500: no backend with weight > 0", hops)
        pick = self.sim.rng.random() * sum(weights)
        acc, chosen = 0.0, refs[-1]
        for b, w in zip(refs, weights, strict=True):
            acc += w
            if pick < acc and w > 0:
                chosen = b
                break
        share = ", ".join(f"{b['name']}={w}" for b, w in zip(refs, weights, strict=True))
        hops.append(Hop(f"gateway/{name}", f"listener {listener['name']}, HTTPRoute {rname} rules[{ri}].matches[{mi}]; weights {share} -> {chosen['name']}"))
        bns = chosen.get("namespace", route["metadata"]["namespace"])
        if bns != route["metadata"]["namespace"]:
            hops.append(Hop(f"gateway/{name}", "backendRef to another namespace needs a ReferenceGrant (not simulated): RefNotPermitted"))
            return Outcome(None, None, "HTTP 500: backendRef not permitted", hops)
        return self._to_service(pod, ip, bns, chosen["name"], chosen.get("port"), None, hops)

    def _to_service(self, pod, proxy_ip, ns, svc_name, port, port_name, hops) -> Outcome:
        svc = self.store.get("Service", ns, svc_name)
        if svc is None:
            hops.append(Hop(f"proxy {proxy_ip}", f"backend Service {ns}/{svc_name} not found -> 503"))
            return Outcome(None, None, f"HTTP 503: Service {ns}/{svc_name} not found", hops)
        sp = next((p for p in svc["spec"].get("ports") or () if (port is not None and p["port"] == port) or (port_name and p.get("name") == port_name)), None)
        if sp is None:
            hops.append(Hop(f"proxy {proxy_ip}", f"Service {ns}/{svc_name} has no port {port or port_name} -> 503"))
            return Outcome(None, None, f"HTTP 503: Service {ns}/{svc_name} has no port {port or port_name}", hops)
        eps = order_endpoints(self._endpoints(svc, sp))
        if not eps:
            hops.append(Hop(f"proxy {proxy_ip}", f"Service {ns}/{svc_name} has no ready endpoints -> 503"))
            return Outcome(None, None, f"HTTP 503: no ready endpoints for {ns}/{svc_name}", hops)
        e = self.sim.rng.choice(eps)
        hops.append(Hop(f"proxy {proxy_ip}", f"endpoint {e.address} (pod/{e.pod}) of {len(eps)}; source becomes the proxy {proxy_ip}"))
        return self._deliver(None, proxy_ip, self._pod(ns, e.pod), e.port, hops)
