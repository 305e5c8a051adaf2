"""Subresources (status, scale, binding, eviction, log) and computed resources (Events, metrics, access reviews).

* ``scale`` -- an ``autoscaling/v1`` Scale (``spec.replicas``, ``status.replicas``, ``status.selector``);
  ``kubectl scale`` patches it. Writing it changes the Deployment's ``spec.replicas``.
* ``binding`` -- the scheduler's write: ``spec.nodeName`` of an unbound Pod (:meth:`APIStore.bind`).
* ``eviction`` -- ``policy/v1`` Eviction, what ``kubectl drain`` posts: the Pod is deleted gracefully.
  PodDisruptionBudgets are not simulated, so no eviction is refused with 429.
* ``log`` -- a container's output. Simulated containers run nothing; what they print is the ``echo``
  lines of their shell command that have run by ``cluster.now`` (``sh -c "echo hi; sleep 3600"``).
* ``metrics.k8s.io/v1beta1`` -- PodMetrics / NodeMetrics from the metrics-server stand-in
  (:mod:`labsupport.k8s.metrics`); a Pod's usage is split evenly over its containers, a node's
  usage is the sum of its Pods' (no system overhead).
* ``authorization.k8s.io/v1`` SelfSubjectAccessReview -- ``allowed: true`` for everything while the
  cluster has no RBAC object (as ``AlwaysAllow`` answers), then RBAC's decision and reason for the
  requester (kubectl ``--as``/``--as-group`` honoured, :mod:`.authz`).
* ``v1`` Events -- read-only, built from the store's aggregated event records.
"""
from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from labsupport.k8s.kubeapi import writes
from labsupport.k8s.kubeapi.resources import BY_KIND, Resource
from labsupport.k8s.kubeapi.selectors import parse_field_selector, parse_label_selector
from labsupport.k8s.kubeapi.wire import rfc3339, status_error, status_success
from labsupport.k8s.kubeapi.writes import APIError, not_found
from labsupport.k8s.objects import copy_json

if TYPE_CHECKING:
    from labsupport.k8s.kubeapi.rest import Request, Response, RestAPI

__all__ = ["Subresources", "container_log"]


def container_log(container: dict, started_at: float | None, now: float) -> str:
    """The ``echo`` output of a container's shell script that has run by ``now``.

    >>> container_log({"command": ["sh", "-c", "echo start; sleep 10; echo done"]}, 0.0, 5.0)
    'start\\n'
    """
    if started_at is None:
        return ""
    argv = list(container.get("command") or ()) + list(container.get("args") or ())
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash") and argv[1] == "-c":
        script = argv[2]
    else:
        return ""
    out, t = [], started_at
    for stmt in re.split(r";|&&|\n", script):
        stmt = stmt.strip()
        m = re.match(r"^sleep\s+(\d+(?:\.\d+)?)$", stmt)
        if m:
            t += float(m.group(1))
            continue
        if stmt == "sleep infinity" or t > now:
            break
        if stmt == "echo" or stmt.startswith("echo "):
            try:
                out.append(" ".join(shlex.split(stmt)[1:]))
            except ValueError:
                out.append(stmt[5:])
    return "".join(line + "\n" for line in out)


def _quantity_cpu(millicores: float) -> str:
    return f"{round(millicores * 1_000_000)}n"


def _quantity_memory(b: float) -> str:
    return f"{int(b) // 1024}Ki"


class Subresources:
    """Handlers for subresources and computed resources of one :class:`RestAPI`."""

    def __init__(self, api: RestAPI) -> None:
        self.api = api

    @property
    def cluster(self):
        return self.api.cluster

    # ----------------------------------------------------------- subresources
    def handle(self, req: Request, r: Resource, ns: str | None, name: str, sub: str) -> Response:
        from labsupport.k8s.kubeapi.rest import Response

        m = req.method
        live = self.api.get(r, ns, name)
        actor = self.api._actor(req)
        if sub == "status":
            if m == "GET":
                return Response(200, self.api.wire(live))
            if m == "PUT":
                out = writes.replace(self.cluster, r, live, self.api._decoded(req, r), actor, "status")
                return Response(200, self.api.wire(out))
            if m == "PATCH":
                return self.api._patch(req, r, ns, name, "status")
        if sub == "scale":
            if m == "GET":
                return Response(200, self.scale(live))
            if m in ("PUT", "PATCH"):
                new = self.api._body(req) if m == "PUT" else self.api.patched(req, r, self.scale(live))
                replicas = (new.get("spec") or {}).get("replicas")
                if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
                    raise writes.invalid(BY_KIND[r.kind], name, [f"spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"])
                rv = (new.get("metadata") or {}).get("resourceVersion")
                if rv not in (None, "") and str(rv) != live["metadata"]["resourceVersion"]:
                    raise APIError(status_error(409, "Conflict", f'Operation cannot be fulfilled on {r.plural}.{r.group} "{name}": the object has been '
                                                "modified; please apply your changes to the latest version and try again", kind=r.plural, name=name))
                if live["spec"].get("replicas") != replicas:
                    live["spec"]["replicas"] = replicas
                    live["metadata"]["generation"] = live["metadata"].get("generation", 1) + 1
                    self.cluster.store.update(live, actor=actor, verb="update scale")
                return Response(200, self.scale(live))
        if sub == "binding" and m == "POST":
            body = self.api._body(req) or {}
            target = body.get("target") or {}
            try:
                self.cluster.store.bind(ns, name, target.get("name"), actor=actor)
            except Exception as e:  # ConflictError: already bound
                raise APIError(status_error(409, "Conflict", f'Operation cannot be fulfilled on pods/binding "{name}": {e}', kind="pods/binding",
                                            name=name)) from None
            return Response(201, status_success())
        if sub == "eviction" and m == "POST":
            body = self.api._body(req) or {}
            writes.delete(self.cluster, r, ns, name, body.get("deleteOptions") or {}, actor)
            return Response(201, status_success())
        if sub == "log" and m == "GET":
            return self.log(req, live)
        return self.api._405(m, r)

    def scale(self, obj: dict) -> dict:
        sel = obj["spec"].get("selector") or {}
        text = ",".join(f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items()))
        meta = self.api._meta(obj)
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta},
                "spec": {"replicas": obj["spec"].get("replicas", 1)},
                "status": {"replicas": (obj.get("status") or {}).get("replicas", 0), "selector": text}}

    def log(self, req: Request, pod: dict) -> Response:
        from labsupport.k8s.kubeapi.rest import Response

        name = pod["metadata"]["name"]
        containers = pod["spec"].get("containers") or []
        want = req.q("container")
        if want is None:
            if len(containers) != 1:
                names = " ".join(c["name"] for c in containers)
                raise APIError(status_error(400, "BadRequest", f"a container name must be specified for pod {name}, choose one of: [{names}]"))
            want = containers[0]["name"]
        c = next((c for c in containers if c["name"] == want), None)
        if c is None:
            raise APIError(status_error(400, "BadRequest", f"container {want} is not valid for pod {name}"))
        cs = next((s for s in (pod.get("status") or {}).get("containerStatuses") or () if s["name"] == want), None)
        state = (cs or {}).get("state") or {}
        started = (state.get("running") or state.get("terminated") or {}).get("startedAt")
        if started is None:
            reason = ((state.get("waiting") or {}).get("reason")) or "ContainerCreating"
            raise APIError(status_error(400, "BadRequest", f'container "{want}" in pod "{name}" is waiting to start: {reason}'))
        text = container_log(c, started, self.cluster.now)
        tail = req.q("tailLines")
        if tail is not None and tail.lstrip("-").isdigit() and int(tail) >= 0:
            lines = text.splitlines(keepends=True)
            text = "".join(lines[len(lines) - int(tail):]) if int(tail) else ""
        return Response(200, text, "text/plain")

    # ------------------------------------------------------- computed resources
    def access_review(self, req: Request, spec: dict) -> dict:
        """SelfSubjectAccessReview status: allowed by AlwaysAllow without RBAC objects, else by RBAC with its reason."""
        from labsupport.k8s.auth.forbidden import Attributes
        from labsupport.k8s.kubeapi.authz import identity

        if not self.api.cluster.rbac_enabled:
            return {"allowed": True}
        who = identity(req.headers)
        ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
        if ra:
            a = Attributes(who.name, ra.get("verb", ""), ra.get("resource", ""), ra.get("namespace", ""), ra.get("group", ""),
                           ra.get("name", ""), ra.get("subresource", ""))
        else:
            a = Attributes(who.name, (nra or {}).get("verb", ""), path=(nra or {}).get("path", "/"))
        d = self.api.cluster._authorize(who, a)
        return {"allowed": True, "reason": d.reason} if d.allowed else {"allowed": False, **({"reason": d.reason} if d.reason else {})}

    def computed(self, req: Request, r: Resource, ns: str | None, name: str | None) -> Response:
        from labsupport.k8s.kubeapi.rest import Response

        if r.kind == "SelfSubjectAccessReview":
            if req.method != "POST":
                return self.api._405(req.method, r)
            body = self.api._body(req) or {}
            body.setdefault("apiVersion", "authorization.k8s.io/v1")
            body.setdefault("kind", "SelfSubjectAccessReview")
            body.setdefault("metadata", {})["creationTimestamp"] = None
            body["status"] = self.access_review(req, body.get("spec") or {})
            return Response(201, body)
        if req.method != "GET":
            return self.api._405(req.method, r)
        if req.q("watch") in ("1", "true"):
            raise APIError(status_error(405, "MethodNotAllowed", f"watch is not supported on {r.plural} by the simulated API server", kind=r.plural))
        if r.kind == "Event":
            items = self.events(ns)
        elif r.kind == "PodMetrics":
            items = self.pod_metrics(ns)
        else:
            items = self.node_metrics()
        items = [i for i in items if parse_label_selector(req.q("labelSelector"))(i["metadata"].get("labels") or {})
                 and parse_field_selector(req.q("fieldSelector"))(i)]
        if name is not None:
            found = [i for i in items if i["metadata"]["name"] == name]
            if not found:
                if r.kind in ("PodMetrics", "NodeMetrics"):
                    raise APIError(status_error(404, "NotFound", f'{"podmetrics" if r.kind == "PodMetrics" else "nodemetrics"}.metrics.k8s.io "{name}" not found',
                                                kind=r.plural, name=name, group="metrics.k8s.io"))
                raise not_found(r, name)
            return Response(200, self._wire_computed(r, found[0]))
        if r.kind == "Event" and self.api._wants_table(req):
            from labsupport.k8s.kubeapi.tables import table
            return Response(200, table("Event", items, self.cluster.now, metadata=lambda o: self._wire_computed(r, o)["metadata"]))
        return Response(200, {"kind": f"{r.kind}List", "apiVersion": r.group_version, "metadata": {"resourceVersion": str(self.cluster.store.resource_version)},
                              "items": [self._wire_computed(r, i) for i in items]})

    def _wire_computed(self, r: Resource, item: dict) -> dict:
        return self.api.wire({"apiVersion": r.group_version, "kind": r.kind, **item})

    def events(self, ns: str | None) -> list[dict]:
        out = []
        for e in self.cluster.store.events:
            ens = e.namespace or "default"
            if ns is not None and ens != ns:
                continue
            obj = self.cluster.store.get(e.kind, e.namespace or None, e.name)
            res = BY_KIND.get(e.kind)
            out.append({"metadata": {"name": f"{e.name}.{e.seq + 1:016x}", "namespace": ens, "creationTimestamp": e.first_time,
                                     "uid": f"00000000-0000-4000-9000-{e.seq + 1:012d}", "resourceVersion": str(e.seq + 1)},
                        "involvedObject": {"kind": e.kind, "namespace": e.namespace or None, "name": e.name,
                                           "uid": obj["metadata"]["uid"] if obj else None, "apiVersion": res.group_version if res else "v1"},
                        "reason": e.reason, "message": e.message, "source": {"component": e.source} if e.source else {},
                        "firstTimestamp": e.first_time, "lastTimestamp": e.last_time, "count": e.count, "type": e.type,
                        "eventTime": None, "reportingComponent": e.source, "reportingInstance": ""})
        out.sort(key=lambda x: (x["metadata"]["namespace"], x["metadata"]["name"]))
        return out

    def pod_metrics(self, ns: str | None) -> list[dict]:
        now = self.cluster.now
        out = []
        for p in self.cluster.store.list("Pod", ns):
            cpu = self.cluster.metrics.pod_usage(p, "cpu", now)
            if cpu is None:
                continue
            mem = self.cluster.metrics.pod_usage(p, "memory", now) or 0
            cs = p["spec"].get("containers") or []
            n = max(len(cs), 1)
            out.append({"metadata": {"name": p["metadata"]["name"], "namespace": p["metadata"]["namespace"], "creationTimestamp": now,
                                     "labels": copy_json(p["metadata"].get("labels") or {})},
                        "timestamp": rfc3339(now, self.api.epoch), "window": "15s",
                        "containers": [{"name": c["name"], "usage": {"cpu": _quantity_cpu(cpu / n), "memory": _quantity_memory(mem / n)}} for c in cs]})
        return out

    def node_metrics(self) -> list[dict]:
        now = self.cluster.now
        usage: dict[str, list[float]] = {}
        for p in self.cluster.store.list("Pod"):
            node = p["spec"].get("nodeName")
            cpu = self.cluster.metrics.pod_usage(p, "cpu", now) if node else None
            if cpu is None:
                continue
            u = usage.setdefault(node, [0.0, 0.0])
            u[0] += cpu
            u[1] += self.cluster.metrics.pod_usage(p, "memory", now) or 0
        out = []
        for n in self.cluster.store.list("Node"):
            name = n["metadata"]["name"]
            if not self.api.kubelet_up(name):
                continue
            cpu, mem = usage.get(name, [0.0, 0.0])
            out.append({"metadata": {"name": name, "creationTimestamp": now, "labels": copy_json(n["metadata"].get("labels") or {})},
                        "timestamp": rfc3339(now, self.api.epoch), "window": "15s",
                        "usage": {"cpu": _quantity_cpu(cpu), "memory": _quantity_memory(mem)}})
        return out
