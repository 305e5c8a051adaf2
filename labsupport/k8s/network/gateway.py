"""HTTP routing into the cluster: Ingress (networking.k8s.io/v1, frozen) and Gateway API v1 (GatewayClass, Gateway, HTTPRoute).

**Ingress** (https://kubernetes.io/docs/concepts/services-networking/ingress/): a rule's ``host`` is exact or a
wildcard ``*.foo.com`` that matches exactly one more label; paths are ``Exact`` or ``Prefix`` (matched element
by element: ``/foo`` matches ``/foo/bar`` but not ``/foobar``; ``ImplementationSpecific`` is treated as
Prefix here); the longest matching path wins, and ``Exact`` beats ``Prefix`` on a tie; no match goes to
``spec.defaultBackend`` or gets a 404. The API is frozen: new features go to the Gateway API.

**Gateway API** (https://gateway-api.sigs.k8s.io/, v1.6.1, standard channel): a GatewayClass names a controller
(``spec.controllerName``); the simulated cluster runs one implementation, :data:`GATEWAY_CONTROLLER`, which
accepts its classes, gives each Gateway an address from the cloud pool and attaches HTTPRoutes whose
``parentRefs`` name a Gateway listener that allows the route's namespace (``allowedRoutes`` default:
``Same``). A request is matched across every rule of the attached routes with the spec's precedence
(apis/v1/httproute_types.go):

1. the route with the longest matching non-wildcard hostname, then the longest matching hostname;
2. an ``Exact`` path match, then the ``PathPrefix`` match with the most characters, then a method match,
   then the most header matches, then the most query-parameter matches;
3. the oldest route, then the first by ``{namespace}/{name}``; within a route the first matching rule.

A wildcard hostname ``*.example.com`` matches any name ending in ``.example.com`` (one or more labels).
The chosen rule's ``backendRefs`` are picked by weight (default 1; a rule whose weights are all 0 returns 500).
Objects are validated against the v1 OpenAPI schemas of the Gateway API CRDs (vendored in
``data/gateway-api-v1.6.1-standard.json``), strictly: unknown fields are errors, as with ``kubectl apply``'s
strict field validation; the CRDs' CEL rules that matter here are checked by :func:`gateway_problems`.

Simplified: only HTTP listeners; no filters (redirects, rewrites, header changes) are applied (they are
validated); no ReferenceGrant, so backendRefs to another namespace are refused (``RefNotPermitted``);
the proxy picks an endpoint of the backend Service uniformly at random.

>>> path_matches({"type": "PathPrefix", "value": "/foo"}, "/foo/bar"), path_matches({"type": "PathPrefix", "value": "/foo"}, "/foobar")
(True, False)
>>> hostname_matches("*.example.com", "a.b.example.com"), ingress_host_matches("*.example.com", "a.b.example.com")
(True, False)
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from labsupport.k8s.store import APIStore, WatchEvent

__all__ = [
    "GATEWAY_API_VERSION", "GATEWAY_CONTROLLER", "GATEWAY_KINDS", "GatewayController", "path_matches", "hostname_matches",
    "ingress_host_matches", "ingress_route", "httproute_candidates", "route_precedence", "gateway_schema_problems",
    "gateway_problems", "ingress_problems",
]

GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
#: The one Gateway API implementation running in the simulated cluster (the docs' example controller name).
GATEWAY_CONTROLLER = "example.net/gateway-controller"
GATEWAY_KINDS = ("GatewayClass", "Gateway", "HTTPRoute")
_SCHEMA_FILE = Path(__file__).with_name("data") / "gateway-api-v1.6.1-standard.json"


# ------------------------------------------------------------------------------------------ schemas
def _strict(schema: Any) -> Any:
    """Copy of an OpenAPI schema in which every object with ``properties`` rejects unknown fields."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@functools.cache
def _gateway_validator(kind: str):
    import jsonschema

    schema = json.loads(_SCHEMA_FILE.read_text())["schemas"][kind]
    strict = _strict(schema)
    strict["properties"]["metadata"] = {"type": "object"}
    strict["properties"].pop("status", None)
    strict["properties"]["status"] = {"type": "object"}
    return jsonschema.validators.Draft7Validator(strict)


def gateway_schema_problems(obj: Mapping) -> list[str]:
    """Problems of a GatewayClass, Gateway or HTTPRoute against its CRD's v1 OpenAPI schema (strict)."""
    from labsupport.k8s.validation import schema_message

    v = _gateway_validator(obj["kind"])
    errors = sorted(v.iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
    return [schema_message(e) for e in errors]


# ------------------------------------------------------------------------------------------ matching
def path_matches(match: Mapping | None, path: str) -> bool:
    """An HTTPRoute path match (``Exact``, ``PathPrefix`` element-wise, ``RegularExpression``) against a request path."""
    match = match or {"type": "PathPrefix", "value": "/"}
    kind, value = match.get("type", "PathPrefix"), match.get("value", "/")
    if kind == "Exact":
        return path == value
    if kind == "RegularExpression":
        return re.fullmatch(value, path) is not None
    base = value.rstrip("/")
    return path == base or path.startswith(base + "/") or base == ""


def hostname_matches(pattern: str, host: str) -> bool:
    """Gateway API hostname matching: exact, or ``*.suffix`` matching one or more labels before ``.suffix``."""
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def ingress_host_matches(pattern: str, host: str) -> bool:
    """Ingress host matching: exact, or ``*.suffix`` matching exactly one label (``*.foo.com`` ≠ ``a.b.foo.com``)."""
    if pattern.startswith("*."):
        head, _, tail = host.partition(".")
        return bool(head) and "." + tail == pattern[1:]
    return pattern == host


def _ingress_path_match(p: Mapping, path: str) -> int | None:
    """Length of the Ingress path if it matches (Exact scores one extra), else None."""
    value, kind = p.get("path", "/"), p.get("pathType", "Prefix")
    if kind == "Exact":
        return 2 * len(value) + 1 if path == value else None
    base = value.rstrip("/")
    if path == base or path.startswith(base + "/") or base == "":
        return 2 * len(base)
    return None


def ingress_route(ingresses: Sequence[Mapping], host: str, path: str) -> tuple[Mapping, Mapping, str] | None:
    """The (Ingress, backend, reason) an ingress controller picks for ``host`` and ``path``, or None (404).

    Rules with an exact host are tried before wildcard ones, then rules with no host; within them the
    longest matching path wins, Exact before Prefix; then an Ingress' ``defaultBackend``.
    """
    for tier in ("exact", "wildcard", "any"):
        best = None
        for ing in ingresses:
            for i, rule in enumerate(ing["spec"].get("rules") or ()):
                h = rule.get("host")
                if (tier == "exact" and (not h or h.startswith("*") or h != host)) or \
                   (tier == "wildcard" and (not h or not h.startswith("*") or not ingress_host_matches(h, host))) or \
                   (tier == "any" and h):
                    continue
                for j, p in enumerate((rule.get("http") or {}).get("paths") or ()):
                    score = _ingress_path_match(p, path)
                    if score is not None and (best is None or score > best[0]):
                        best = (score, ing, p["backend"], f"Ingress {ing['metadata']['name']} rules[{i}] "
                                f"(host {h or '*'}) paths[{j}] {p.get('pathType', 'Prefix')} {p.get('path', '/')}")
        if best:
            return best[1], best[2], best[3]
    for ing in ingresses:
        if ing["spec"].get("defaultBackend"):
            return ing, ing["spec"]["defaultBackend"], f"Ingress {ing['metadata']['name']} defaultBackend"
    return None


def _match_request(m: Mapping, method: str, path: str, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
    if not path_matches(m.get("path"), path):
        return False
    if m.get("method") and m["method"] != method:
        return False
    lower = {k.lower(): v for k, v in headers.items()}
    for h in m.get("headers") or ():
        value = lower.get(h["name"].lower())
        if value is None:
            return False
        if h.get("type", "Exact") == "RegularExpression":
            if re.fullmatch(h["value"], value) is None:
                return False
        elif value != h["value"]:
            return False
    for q in m.get("queryParams") or ():
        value = query.get(q["name"])
        if value is None or (q.get("type", "Exact") == "Exact" and value != q["value"]) or \
           (q.get("type") == "RegularExpression" and re.fullmatch(q["value"], value) is None):
            return False
    return True


def route_precedence(route: Mapping, host_key: tuple[int, int], m: Mapping, rule_index: int, match_index: int) -> tuple:
    """Sort key (smaller wins) of one match of one rule, from the HTTPRoute spec's precedence list."""
    path = m.get("path") or {"type": "PathPrefix", "value": "/"}
    exact = path.get("type", "PathPrefix") == "Exact"
    prefix_len = len(path.get("value", "/")) if path.get("type", "PathPrefix") == "PathPrefix" else 0
    meta = route["metadata"]
    return (-host_key[0], -host_key[1], not exact, -prefix_len, not m.get("method"), -len(m.get("headers") or ()),
            -len(m.get("queryParams") or ()), meta.get("creationTimestamp", 0), f"{meta['namespace']}/{meta['name']}",
            rule_index, match_index)


def _route_host_key(route: Mapping, host: str, listener_host: str | None) -> tuple[int, int] | None:
    names = route["spec"].get("hostnames") or []
    if listener_host and not hostname_matches(listener_host, host):
        return None
    if not names:
        return (0, 0)
    hits = [n for n in names if hostname_matches(n, host)]
    if not hits:
        return None
    exact = max((len(n) for n in hits if not n.startswith("*")), default=0)
    return (exact, max(len(n) for n in hits))


def httproute_candidates(routes: Sequence[Mapping], host: str, method: str, path: str, headers: Mapping[str, str],
                         query: Mapping[str, str], listener_host: str | None = None) -> list[tuple[tuple, Mapping, int, int]]:
    """Every (precedence key, route, rule index, match index) that matches the request, best first."""
    out = []
    for route in routes:
        hk = _route_host_key(route, host, listener_host)
        if hk is None:
            continue
        for i, rule in enumerate(route["spec"].get("rules") or [{}]):
            for j, m in enumerate(rule.get("matches") or [{"path": {"type": "PathPrefix", "value": "/"}}]):
                if _match_request(m, method, path, headers, query):
                    out.append((route_precedence(route, hk, m, i, j), route, i, j))
    out.sort(key=lambda c: c[0])
    return out


# ------------------------------------------------------------------------------------ semantics
def gateway_problems(obj: Mapping) -> list[str]:
    """The CRDs' CEL rules that the simulation relies on (the schema layer checks the rest)."""
    out = []
    spec = obj.get("spec") or {}
    if obj["kind"] == "Gateway":
        names = [ls.get("name") for ls in spec.get("listeners") or ()]
        for i, ls in enumerate(spec.get("listeners") or ()):
            if names.count(ls.get("name")) > 1:
                out.append(f"spec.listeners[{i}].name: Listener name must be unique within the Gateway")
            if ls.get("protocol") not in ("HTTP",):
                out.append(f"spec.listeners[{i}].protocol: {ls.get('protocol')!r} listeners are not simulated (simulated: 'HTTP')")
    if obj["kind"] == "HTTPRoute":
        for i, rule in enumerate(spec.get("rules") or ()):
            for j, m in enumerate(rule.get("matches") or ()):
                p = m.get("path") or {}
                if p.get("type", "PathPrefix") in ("Exact", "PathPrefix") and not str(p.get("value", "/")).startswith("/"):
                    out.append(f"spec.rules[{i}].matches[{j}].path.value: value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']")
            for k, b in enumerate(rule.get("backendRefs") or ()):
                if b.get("kind", "Service") == "Service" and b.get("group", "") == "" and b.get("port") is None:
                    out.append(f"spec.rules[{i}].backendRefs[{k}].port: Must have port for Service reference")
    return out


def ingress_problems(obj: Mapping) -> list[str]:
    """pkg/apis/networking/validation rules for Ingress beyond the schema."""
    out = []
    spec = obj.get("spec") or {}
    if not spec.get("rules") and not spec.get("defaultBackend"):
        out.append("spec: Invalid value: either `defaultBackend` or `rules` must be specified")
    for i, rule in enumerate(spec.get("rules") or ()):
        h = rule.get("host")
        if h and ("*" in h[1:] or (h.startswith("*") and not h.startswith("*."))):
            out.append(f"spec.rules[{i}].host: Invalid value: {h!r}: a wildcard DNS-1123 subdomain must start with '*.'")
        for j, p in enumerate((rule.get("http") or {}).get("paths") or ()):
            where = f"spec.rules[{i}].http.paths[{j}]"
            if p.get("pathType") not in ("Exact", "Prefix", "ImplementationSpecific"):
                out.append(f"{where}.pathType: Unsupported value: {p.get('pathType')!r}: supported values: 'Exact', 'ImplementationSpecific', 'Prefix'")
            if p.get("pathType") in ("Exact", "Prefix") and not str(p.get("path", "")).startswith("/"):
                out.append(f"{where}.path: Invalid value: {p.get('path')!r}: must be an absolute path")
    return out


# ------------------------------------------------------------------------------------- controller
class GatewayController:
    """The simulated Gateway API implementation and ingress controller: status, addresses and attachment.

    ``allocate_ip()`` hands out addresses (the cloud's load-balancer pool).
    """

    name = "gateway-controller"

    def __init__(self, store: APIStore, allocate_ip) -> None:
        self.store, self._allocate = store, allocate_ip
        self.addresses: dict[tuple[str, str, str], str] = {}
        store.watch("GatewayClass", self._on_class)
        store.watch("Gateway", self._on_gateway)
        store.watch("Ingress", self._on_ingress)

    def _on_class(self, ev: WatchEvent) -> None:
        gc = ev.object
        if ev.type == "DELETED" or ev.verb == "update status":
            return
        mine = gc["spec"].get("controllerName") == GATEWAY_CONTROLLER
        if mine:
            gc["status"] = {"conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": ""}]}
            self.store.update(gc, actor=self.name, verb="update status")
        for gw in self.store.list("Gateway"):
            if gw["spec"].get("gatewayClassName") == gc["metadata"]["name"]:
                self._program(gw)

    def _on_gateway(self, ev: WatchEvent) -> None:
        if ev.type == "DELETED":
            m = ev.object["metadata"]
            self.addresses.pop(("Gateway", m["namespace"], m["name"]), None)
        elif ev.verb != "update status":
            self._program(ev.object)

    def accepts(self, class_name: str) -> bool:
        gc = self.store.get("GatewayClass", None, class_name)
        return gc is not None and gc["spec"].get("controllerName") == GATEWAY_CONTROLLER

    def _program(self, gw: dict) -> None:
        key = ("Gateway", gw["metadata"]["namespace"], gw["metadata"]["name"])
        if not self.accepts(gw["spec"].get("gatewayClassName")) or key in self.addresses:
            return
        ip = self.addresses[key] = self._allocate()
        gw["status"] = {"addresses": [{"type": "IPAddress", "value": ip}],
                        "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted"},
                                       {"type": "Programmed", "status": "True", "reason": "Programmed"}]}
        self.store.update(gw, actor=self.name, verb="update status")

    def _on_ingress(self, ev: WatchEvent) -> None:
        m = ev.object["metadata"]
        key = ("Ingress", m["namespace"], m["name"])
        if ev.type == "DELETED":
            self.addresses.pop(key, None)
            return
        if key in self.addresses or ev.verb == "update status":
            return
        ip = self.addresses[key] = self._allocate()
        ev.object["status"] = {"loadBalancer": {"ingress": [{"ip": ip}]}}
        self.store.update(ev.object, actor=self.name, verb="update status")
