"""Routing of Kubernetes REST requests to the simulated cluster (no HTTP here: see :mod:`.server`).

URL layout (https://kubernetes.io/docs/reference/using-api/api-concepts/):
``/api/v1/[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]`` for the core group,
``/apis/<group>/<version>/...`` for the others. Served: discovery, OpenAPI v3, list (label and
field selectors, ``as=Table``), get, watch (see :class:`RestAPI.watch_events`), create,
replace, patch (4 types), delete, and the subresources ``status``, ``scale``, ``binding``,
``eviction`` and ``log``; ``metrics.k8s.io`` (``kubectl top``) from :mod:`labsupport.k8s.metrics`;
SelfSubjectAccessReview and every request authorized as in :mod:`.authz` (AlwaysAllow until the
cluster has RBAC objects, then RBAC with kubectl's ``--as``/``--as-group``); Events (read-only) from the store's event list.

Every handler runs with the cluster's lock held and reads or writes the store at
``cluster.now``: a request never sees half of a ``cluster.run`` step.

>>> from labsupport import k8s
>>> from labsupport.k8s.kubeapi.server import WatchCache
>>> from labsupport.k8s.kubeapi.wire import EPOCH
>>> cluster = k8s.Cluster(seed=0)
>>> api = RestAPI(cluster, WatchCache(cluster), "127.0.0.1:6443", EPOCH)
>>> resp = api.handle(Request("GET", "/api/v1/namespaces/default/pods/web"))
>>> resp.code, resp.body["reason"], resp.body["message"]
(404, 'NotFound', 'pods "web" not found')
>>> [i["metadata"]["name"] for i in api.handle(Request("GET", "/api/v1/namespaces")).body["items"]]
['default', 'kube-node-lease', 'kube-public', 'kube-system']
"""
from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import yaml

from labsupport.k8s.kubeapi import openapi, protobuf, resources, writes
from labsupport.k8s.kubeapi.openapi import fill_required
from labsupport.k8s.kubeapi.patch import PatchError, json_patch, merge_patch, strategic_merge_patch
from labsupport.k8s.kubeapi.resources import BY_KIND, BY_PATH, Resource
from labsupport.k8s.kubeapi.selectors import SelectorError, parse_field_selector, parse_label_selector
from labsupport.k8s.kubeapi.subresources import Subresources
from labsupport.k8s.kubeapi.tables import table
from labsupport.k8s.kubeapi.wire import from_wire, status_error, to_wire
from labsupport.k8s.kubeapi.writes import APIError, not_found

__all__ = ["Request", "Response", "RestAPI", "WatchSpec"]


@dataclass
class Request:
    """One HTTP request: ``method``, ``path``, ``query`` (``parse_qs`` form), ``headers`` (lower-case keys), ``body``."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def q(self, key: str, default: str | None = None) -> str | None:
        v = self.query.get(key)
        return v[0] if v else default


@dataclass
class Response:
    """Status ``code``, a JSON-able ``body`` (or text), extra ``headers``."""

    code: int
    body: Any
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class WatchSpec:
    """What a watch request asked for (the server streams :meth:`RestAPI.watch_events` for it)."""

    resource: Resource
    namespace: str | None
    since: int
    labels: Any
    fields: Any
    as_table: bool
    timeout: float | None
    initial: list | None = None  # sendInitialEvents: ADDED events + the initial-events-end bookmark, sent first


def _bool(v: str | None) -> bool:
    return v in ("1", "true", "True")


class RestAPI:
    """Answers :class:`Request` s for one :class:`~labsupport.k8s.cluster.Cluster` (call with the lock held)."""

    def __init__(self, cluster, cache, server_address: str, epoch) -> None:
        self.cluster = cluster
        self.cache = cache  # the watch cache (.events, .oldest)
        self.server_address = server_address
        self.epoch = epoch
        self.sub = Subresources(self)

    # ------------------------------------------------------------ helpers
    def wire(self, obj: dict) -> dict:
        out = to_wire(obj, self.epoch)
        r = BY_KIND.get(obj.get("kind"))
        if r is not None:
            fill_required(out, r)
        return out

    def kubelet_up(self, node: str) -> bool:
        k = self.cluster.kubelets.kubelets.get(node)
        return k is not None and k.alive

    def _meta(self, obj: dict) -> dict:
        return to_wire(obj["metadata"], self.epoch)

    def _body(self, req: Request) -> Any:
        ctype = req.headers.get("content-type", "application/json")
        if not req.body:
            return None
        if "protobuf" in ctype:
            try:
                return protobuf.decode(req.body)
            except protobuf.ProtobufError as e:
                raise APIError(status_error(415, "UnsupportedMediaType", f"the simulated API server reads protobuf only for "
                                            f"{', '.join(sorted(protobuf.ROOTS))} ({e}); send JSON (kubectl create -f / apply -f a manifest)")) from None
        if "json" not in ctype and "yaml" not in ctype:
            raise APIError(status_error(415, "UnsupportedMediaType", 'the body of the request was in an unknown format - accepted media types '
                                        'include: application/json, application/yaml'))
        try:
            if "yaml" in ctype:
                return yaml.safe_load(req.body.decode() or "null")
            return json.loads(req.body.decode() or "null")
        except (ValueError, yaml.YAMLError) as e:
            raise APIError(status_error(400, "BadRequest", f"the body of the request was in an unknown format: {e}")) from None

    # ------------------------------------------------------------ routing
    def handle(self, req: Request) -> Response | WatchSpec:
        """Answer one request; API errors become Status responses."""
        try:
            from labsupport.k8s.kubeapi.authz import check_request

            denied = check_request(self.cluster, req.method, req.path, req.query, req.headers)
            if denied is not None:   # RBAC (labsupport.k8s.auth): the API server's 403
                return Response(403, status_error(403, "Forbidden", denied))
            return self._route(req)
        except APIError as e:
            return Response(e.code, e.status)
        except (SelectorError, PatchError) as e:
            return Response(400, status_error(400, "BadRequest", str(e)))
        except Exception as e:  # a simulator bug must not kill the connection: kube-apiserver answers 500 InternalError
            return Response(500, status_error(500, "InternalError", f"Internal error occurred: {type(e).__name__}: {e}",
                                              causes=[{"message": f"{type(e).__name__}: {e}"}]))

    def _route(self, req: Request) -> Response | WatchSpec:
        path = req.path.rstrip("/") or "/"
        segs = [urllib.parse.unquote(s) for s in path.strip("/").split("/")] if path != "/" else []
        if path in ("/healthz", "/livez", "/readyz"):
            return Response(200, "ok", "text/plain")
        if path == "/version":
            return Response(200, resources.version_info())
        if path == "/api":
            return Response(200, resources.api_versions(self.server_address))
        if path == "/apis":
            return Response(200, resources.api_group_list())
        if segs[:2] == ["openapi", "v3"]:
            return self._openapi(segs[2:])
        if segs and segs[0] == "api" and len(segs) >= 2:
            gv, rest = segs[1], segs[2:]
        elif segs and segs[0] == "apis" and len(segs) == 2:
            g = resources.api_group(segs[1])
            return Response(200, g) if g else self._404(path)
        elif segs and segs[0] == "apis" and len(segs) >= 3:
            gv, rest = f"{segs[1]}/{segs[2]}", segs[3:]
        else:
            return self._404(path)
        if not rest:
            doc = resources.resource_list(gv)
            return Response(200, doc) if doc else self._404(path)
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] not in ("status", "finalize"):
            ns, rest = rest[1], rest[2:]
        r = BY_PATH.get((gv, rest[0]))
        if r is None or (ns is not None and not r.namespaced):
            return self._404(path)
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if len(rest) > 3 or (sub is not None and sub not in r.subresources):
            return self._404(path)
        if r.namespaced and ns is None and (name is not None or req.method not in ("GET",)):
            return self._404(path)
        return self._dispatch(req, r, ns, name, sub)

    def _404(self, path: str) -> Response:
        return Response(404, status_error(404, "NotFound", "the server could not find the requested resource", kind=None) | {"details": {"causes": [
            {"reason": "UnexpectedServerResponse", "message": "404 page not found"}]}})

    def _openapi(self, rest: list[str]) -> Response:
        if not rest:
            return Response(200, openapi.openapi_index())
        gv = "/".join(rest[1:])
        try:
            return Response(200, openapi.document_bytes(gv), headers=[("Cache-Control", "public, immutable")])
        except KeyError:
            return self._404("/openapi/v3/" + "/".join(rest))

    def _dispatch(self, req: Request, r: Resource, ns: str | None, name: str | None, sub: str | None) -> Response | WatchSpec:
        m = req.method
        if not r.stored:
            return self.sub.computed(req, r, ns, name)
        if sub is not None:
            return self.sub.handle(req, r, ns, name, sub)
        if name is None:
            if m == "GET":
                if _bool(req.q("watch")):
                    return self._watch(req, r, ns)
                return self._list(req, r, ns)
            if m == "POST":
                return self._create(req, r, ns)
            if m == "DELETE":
                return self._delete_collection(req, r, ns)
            return self._405(m, r)
        if m == "GET":
            obj = self.get(r, ns, name)
            return self._object(req, r, obj)
        if m == "PUT":
            live = self.get(r, ns, name)
            new = self._decoded(req, r)
            out = writes.replace(self.cluster, r, live, new, self._actor(req))
            return Response(200, self.wire(out))
        if m == "PATCH":
            return self._patch(req, r, ns, name, None)
        if m == "DELETE":
            body = self._body(req) or {}
            if req.q("gracePeriodSeconds") is not None:
                body["gracePeriodSeconds"] = int(req.q("gracePeriodSeconds"))
            out = writes.delete(self.cluster, r, ns, name, body, self._actor(req))
            return Response(200, self.wire(out))
        return self._405(m, r)

    def _405(self, method: str, r: Resource) -> Response:
        return Response(405, status_error(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", kind=r.plural))

    def _actor(self, req: Request) -> str:
        return req.q("fieldManager") or req.headers.get("user-agent", "kubectl").split("/")[0] or "kubectl"

    # ------------------------------------------------------------- reads
    def get(self, r: Resource, ns: str | None, name: str) -> dict:
        obj = self.cluster.store.get(r.kind, ns, name)
        if obj is None:
            raise not_found(r, name)
        return obj

    def _wants_table(self, req: Request) -> bool:
        return "as=Table" in req.headers.get("accept", "")

    def _object(self, req: Request, r: Resource, obj: dict) -> Response:
        if self._wants_table(req):
            return Response(200, self._table(req, r, [obj]))
        return Response(200, self.wire(obj))

    def _table(self, req: Request, r: Resource, objs: list[dict]) -> dict:
        full = req.q("includeObject") == "Object"
        t = table(r.kind, objs, self.cluster.now, self.kubelet_up, (lambda o: self.wire(o)) if full else self._meta,
                  str(self.cluster.store.resource_version))
        if full:
            for row in t["rows"]:
                row["object"] = row["object"]["metadata"]
        return t

    def select(self, req: Request, r: Resource, ns: str | None) -> list[dict]:
        labels = parse_label_selector(req.q("labelSelector"))
        fields = parse_field_selector(req.q("fieldSelector"))
        objs = self.cluster.store.list(r.kind, ns if r.namespaced else None)
        return [o for o in objs if labels(o["metadata"].get("labels") or {}) and fields(o)]

    def _list(self, req: Request, r: Resource, ns: str | None) -> Response:
        objs = self.select(req, r, ns)
        if self._wants_table(req):
            return Response(200, self._table(req, r, objs))
        items = []
        for o in objs:
            w = self.wire(o)
            w.pop("apiVersion", None)
            w.pop("kind", None)
            items.append(w)
        return Response(200, {"kind": f"{r.kind}List", "apiVersion": r.group_version,
                              "metadata": {"resourceVersion": str(self.cluster.store.resource_version)}, "items": items})

    def _watch(self, req: Request, r: Resource, ns: str | None) -> WatchSpec:
        rv = req.q("resourceVersion")
        since = int(rv) if rv and rv.isdigit() and rv != "0" else self.cluster.store.resource_version
        if since < self.cache.oldest - 1:
            raise APIError(status_error(410, "Expired", f"too old resource version: {since} ({self.cache.oldest})"))
        timeout = req.q("timeoutSeconds")
        spec = WatchSpec(r, ns, since, parse_label_selector(req.q("labelSelector")), parse_field_selector(req.q("fieldSelector")),
                         self._wants_table(req), float(timeout) if timeout else None)
        if _bool(req.q("sendInitialEvents")):
            # the watch-list protocol (KEP-3157): the current objects as ADDED, then a BOOKMARK marking the end
            rv_now = str(self.cluster.store.resource_version)
            spec.since = self.cluster.store.resource_version
            spec.initial = [{"type": "ADDED", "object": self._event_body(spec, o, rv_now)} for o in self.select(req, r, ns)]
            bookmark = {"kind": r.kind, "apiVersion": r.group_version,
                        "metadata": {"resourceVersion": rv_now, "annotations": {"k8s.io/initial-events-end": "true"}}}
            spec.initial.append({"type": "BOOKMARK", "object": bookmark})
        return spec

    def _event_body(self, spec: WatchSpec, obj: dict, rv: str) -> dict:
        if spec.as_table:
            return table(spec.resource.kind, [obj], self.cluster.now, self.kubelet_up, self._meta, rv)
        return self.wire(obj)

    def watch_events(self, spec: WatchSpec) -> tuple[list[dict], int]:
        """Watch events after ``spec.since`` that match, and the newest resourceVersion seen (call with the lock held)."""
        out = []
        newest = spec.since
        for rv, type_, kind, obj in self.cache.after(spec.since):
            newest = rv
            if kind != spec.resource.kind:
                continue
            if spec.resource.namespaced and spec.namespace is not None and obj["metadata"].get("namespace") != spec.namespace:
                continue
            if not (spec.labels(obj["metadata"].get("labels") or {}) and spec.fields(obj)):
                continue
            out.append({"type": type_, "object": self._event_body(spec, obj, str(rv))})
        return out, newest

    # ------------------------------------------------------------ writes
    def _decoded(self, req: Request, r: Resource) -> dict:
        body = self._body(req)
        if not isinstance(body, dict):
            raise APIError(status_error(400, "BadRequest", "the body of the request was in an unknown format"))
        if body.get("kind") not in (None, r.kind) or body.get("apiVersion") not in (None, r.group_version):
            raise APIError(status_error(400, "BadRequest", f'the API version in the data ({body.get("apiVersion")}) does not match the expected '
                                        f"API version ({r.group_version})"))
        body.setdefault("apiVersion", r.group_version)
        body.setdefault("kind", r.kind)
        if req.q("dryRun"):
            raise APIError(status_error(400, "BadRequest", "dryRun is not supported by the simulated API server"))
        self._warnings: list[str] = []
        writes.check_fields(body, r, req.q("fieldValidation"), self._warnings)
        return from_wire(body, self.epoch)

    def _with_warnings(self, resp: Response) -> Response:
        for w in getattr(self, "_warnings", ()):
            resp.headers.append(("Warning", f'299 - "{w}"'))
        self._warnings = []
        return resp

    def _create(self, req: Request, r: Resource, ns: str | None) -> Response:
        obj = self._decoded(req, r)
        out = writes.create(self.cluster, r, ns, obj, self._actor(req))
        return self._with_warnings(Response(201, self.wire(out)))

    def _delete_collection(self, req: Request, r: Resource, ns: str | None) -> Response:
        if "deletecollection" not in r.verbs:
            return self._405("DELETE", r)
        body = self._body(req) or {}
        items = []
        for o in list(self.select(req, r, ns)):
            items.append(self.wire(writes.delete(self.cluster, r, o["metadata"].get("namespace"), o["metadata"]["name"], body, self._actor(req))))
        return Response(200, {"kind": f"{r.kind}List", "apiVersion": r.group_version, "metadata": {}, "items": items})

    def patched(self, req: Request, r: Resource, current: dict) -> dict:
        """``current`` (wire form) with the request's patch applied."""
        ctype = req.headers.get("content-type", "").split(";")[0].strip()
        patch = self._body(req)
        if ctype == "application/json-patch+json":
            return json_patch(current, patch)
        if not isinstance(patch, dict):
            raise APIError(status_error(400, "BadRequest", "the patch must be a JSON object"))
        if ctype == "application/merge-patch+json":
            return merge_patch(current, patch)
        if ctype in ("application/strategic-merge-patch+json", "application/apply-patch+yaml", "application/apply-patch+cbor"):
            return strategic_merge_patch(current, patch, r.kind, r.group_version)
        raise APIError(status_error(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
                                    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                                    "application/strategic-merge-patch+json"))

    def _patch(self, req: Request, r: Resource, ns: str | None, name: str, sub: str | None) -> Response:
        ctype = req.headers.get("content-type", "")
        live = self.cluster.store.get(r.kind, ns, name)
        if live is None:
            if "apply-patch" in ctype:  # server-side apply creates
                obj = self._decoded(req, r)
                out = writes.create(self.cluster, r, ns, obj, self._actor(req))
                return self._with_warnings(Response(201, self.wire(out)))
            raise not_found(r, name)
        new = self.patched(req, r, self.wire(live))
        if not isinstance(new, dict):
            raise APIError(status_error(422, "Invalid", "the patch did not produce an object"))
        # the patch applies to the live object, so its resourceVersion stays the live one unless the patch names
        # another (a precondition: replace() answers 409 Conflict then)
        self._warnings = []
        writes.check_fields(new, r, req.q("fieldValidation"), self._warnings)
        out = writes.replace(self.cluster, r, live, from_wire(new, self.epoch), self._actor(req), sub)
        return self._with_warnings(Response(200, self.wire(out)))
