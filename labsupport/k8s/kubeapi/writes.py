"""The write verbs of the REST API (create, replace, patch, delete) over the simulated API server.

Every write goes through the same layers as :meth:`Cluster.apply`: field validation
(the 1.37 schema), the semantic rules of :mod:`labsupport.k8s.validation`, defaulting and
admission (:mod:`labsupport.k8s.apiserver`), then one store write with optimistic concurrency.
Failures become the ``Status`` errors kube-apiserver sends (``staging/src/k8s.io/apimachinery/pkg/api/errors``):

* unknown fields with ``fieldValidation=Strict`` (what kubectl sends) -> 400 BadRequest
  ``<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error: unknown field "spec.replica"``;
  with ``Warn`` (the server default) they are dropped and named in a ``Warning`` header;
* a semantic problem -> 422 Invalid ``<Kind>.<group> "<name>" is invalid: <field>: <problem>``, one cause per field;
* an existing name on create -> 409 AlreadyExists; a stale ``resourceVersion`` -> 409 Conflict;
* a missing object -> 404 NotFound; a missing namespace -> 404 NotFound ``namespaces "x" not found``;
* a ResourceQuota that would be exceeded -> 403 Forbidden ``exceeded quota: ...``.

Simplified: ``dryRun`` is not supported (the server answers 400), ``generateName`` suffixes are
counted, not random; server-side apply has no field ownership (see :mod:`.patch`).
"""
from __future__ import annotations

import json
import re
from typing import Any

from labsupport.core import LabError
from labsupport.k8s.apiserver import IMMUTABLE_FIELDS, field_at
from labsupport.k8s.defaults import apply_defaults
from labsupport.k8s.errors import ConflictError, NotFoundError, QuotaExceededError
from labsupport.k8s.kubeapi.resources import Resource
from labsupport.k8s.kubeapi.wire import status_error, to_wire
from labsupport.k8s.objects import ALPHANUMS, copy_json, fnv32a
from labsupport.k8s.store import RESOURCE_NAMES
from labsupport.k8s.validation import SIMULATED_KINDS, validate_object

__all__ = ["APIError", "unknown_fields", "check_fields", "create", "replace", "delete", "qualified_kind"]


class APIError(Exception):
    """A request that fails with a ``Status`` (``self.status``) and HTTP ``self.code``."""

    def __init__(self, status: dict) -> None:
        super().__init__(status["message"])
        self.status = status
        self.code = status["code"]


def qualified_kind(r: Resource) -> str:
    """``Deployment.apps`` (the Kind as Invalid errors name it; core kinds have no group).

    >>> from labsupport.k8s.kubeapi.resources import BY_KIND
    >>> qualified_kind(BY_KIND["Deployment"]), qualified_kind(BY_KIND["Pod"])
    ('Deployment.apps', 'Pod')
    """
    return f"{r.kind}.{r.group}" if r.group else r.kind


def _resource_name(r: Resource) -> str:
    return f"{r.plural}.{r.group}" if r.group else r.plural


def not_found(r: Resource, name: str) -> APIError:
    return APIError(status_error(404, "NotFound", f'{_resource_name(r)} "{name}" not found', kind=r.plural, name=name, group=r.group or None))


def unknown_fields(obj: dict, r: Resource) -> list[str]:
    """Paths of fields the 1.37 schema does not know (``spec.replica``), in document order."""
    from labsupport.k8s.kubeapi.openapi import definitions, schema_name

    name = schema_name(r.group_version, r.kind)
    if name is None:
        return []
    defs = definitions()
    out: list[str] = []

    def walk(value: Any, schema: dict, path: str) -> None:
        while "$ref" in schema:
            schema = defs[schema["$ref"][len("#/$defs/"):]]
        if isinstance(value, dict):
            props = schema.get("properties")
            extra = schema.get("additionalProperties")
            for k, v in value.items():
                p = f"{path}.{k}" if path else k
                if props is not None and k in props:
                    walk(v, props[k], p)
                elif isinstance(extra, dict):
                    walk(v, extra, p)
                elif props is not None and extra is not True:
                    out.append(p)
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for i, v in enumerate(value):
                walk(v, schema["items"], f"{path}[{i}]")

    walk(obj, defs[name], "")
    return out


def check_fields(obj: dict, r: Resource, validation: str | None, warnings: list[str]) -> None:
    """``fieldValidation``: Strict -> 400 on unknown fields; Warn (default) -> drop them and warn; Ignore -> drop them."""
    unknown = unknown_fields(obj, r)
    if not unknown:
        return
    mode = (validation or "Warn").capitalize()
    if mode == "Strict":
        listed = ", ".join(f'unknown field "{p}"' for p in unknown)
        raise APIError(status_error(400, "BadRequest", f'{r.kind} in version "{r.version}" cannot be handled as a {r.kind}: strict decoding error: {listed}'))
    for p in sorted(unknown, key=len, reverse=True):
        parts = re.split(r"\.(?![^\[]*\])", p)
        parent = obj
        for part in parts[:-1]:
            m = re.match(r"^(.*?)\[(\d+)\]$", part)
            parent = parent[m.group(1)][int(m.group(2))] if m else parent[part]
        parent.pop(parts[-1], None)
        if mode == "Warn":
            warnings.append(f'unknown field "{p}"')


def invalid(r: Resource, name: str, problems: list[str]) -> APIError:
    """422 Invalid listing ``field: problem`` strings as causes."""
    causes, texts = [], []
    for p in problems:
        field, sep, msg = p.partition(": ")
        if not sep:
            field, msg = "", p
        causes.append({"reason": "FieldValueInvalid", "message": msg, "field": field})
        texts.append(f"{field}: {msg}" if field else msg)
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    return APIError(status_error(422, "Invalid", f'{qualified_kind(r)} "{name}" is invalid: {joined}', kind=r.kind, name=name,
                                 group=r.group or None, causes=causes))


def _semantic(obj: dict, r: Resource, name: str) -> None:
    if r.kind in SIMULATED_KINDS:
        problems = validate_object(to_wire(obj))
        if problems:
            raise invalid(r, name, problems)


def from_lab_error(e: LabError, r: Resource, name: str) -> APIError:
    """Map an error of the simulated API server to the HTTP Status kube-apiserver sends."""
    msg = re.sub(r'^document \d+ \([^)]*\): ', "", str(e))
    m = re.search(r'namespace "([^"]+)" not found', msg)
    if m:
        return APIError(status_error(404, "NotFound", f'namespaces "{m.group(1)}" not found', kind="namespaces", name=m.group(1)))
    if isinstance(e, QuotaExceededError) or "exceeded quota" in msg:
        return APIError(status_error(403, "Forbidden", f'{_resource_name(r)} "{name}" is forbidden: {msg}', kind=r.plural, name=name))
    m = re.search(r"namespace (\S+) is being terminated", msg)
    if m:
        return APIError(status_error(403, "Forbidden", f'{_resource_name(r)} "{name}" is forbidden: unable to create new content in namespace '
                                     f"{m.group(1)} because it is being terminated", kind=r.plural, name=name))
    if isinstance(e, ConflictError):
        return APIError(status_error(409, "Conflict", msg, kind=r.plural, name=name))
    if isinstance(e, NotFoundError):
        return not_found(r, name)
    return invalid(r, name, [msg])


def _generate_name(cluster, prefix: str, r: Resource, ns: str | None) -> str:
    n = 0
    while True:
        n += 1
        h = fnv32a(f"{prefix}{cluster.store.resource_version}:{n}".encode())
        suffix = "".join(ALPHANUMS[(h >> (5 * i)) % len(ALPHANUMS)] for i in range(5))
        if cluster.store.get(r.kind, ns, prefix + suffix) is None:
            return prefix + suffix


def create(cluster, r: Resource, ns: str | None, obj: dict, actor: str) -> dict:
    """POST: a new object (store form in, stored object out)."""
    meta = obj.setdefault("metadata", {})
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = _generate_name(cluster, meta["generateName"], r, ns)
    name = meta.get("name") or ""
    if not name:
        raise invalid(r, "", ["metadata.name: Required value: name or generateName is required"])
    if r.namespaced:
        if meta.get("namespace") not in (None, "", ns):
            raise APIError(status_error(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"))
        meta["namespace"] = ns
    else:
        meta.pop("namespace", None)
    for k in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation", "managedFields", "selfLink"):
        meta.pop(k, None)
    if r.kind not in ("Node", "Namespace"):
        obj.pop("status", None)
    if cluster.store.get(r.kind, ns, name) is not None:
        raise APIError(status_error(409, "AlreadyExists", f'{_resource_name(r)} "{name}" already exists', kind=r.plural, name=name, group=r.group or None))
    _semantic(obj, r, name)
    if r.kind in SIMULATED_KINDS:
        try:
            return cluster.apiserver.create_object(obj, actor)
        except LabError as e:
            raise from_lab_error(e, r, name) from None
    apply_defaults(obj)
    return cluster.store.create(obj, actor=actor)


def _check_update(live: dict, new: dict, r: Resource, name: str) -> None:
    for path in IMMUTABLE_FIELDS.get(r.kind, ()):
        if field_at(new, path) != field_at(live, path):
            raise invalid(r, name, [f"{'.'.join(path)}: Invalid value: {json.dumps(field_at(new, path))}: field is immutable"])
    if r.kind == "Pod":
        a, b = copy_json(live["spec"]), copy_json(new["spec"])
        for spec in (a, b):
            for c in spec.get("containers") or ():
                c.pop("image", None)
            for k in ("tolerations", "activeDeadlineSeconds", "priority", "preemptionPolicy", "nodeName"):
                spec.pop(k, None)
        if a != b:
            raise invalid(r, name, ["spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, "
                                    "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions "
                                    "to existing tolerations), `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
                                    "previously negative)"])


def replace(cluster, r: Resource, live: dict, new: dict, actor: str, subresource: str | None = None) -> dict:
    """PUT (and the result of PATCH): store ``new`` in place of ``live`` after validation.

    The main resource ignores changes to ``status``; the ``status`` subresource changes only ``status``.
    """
    name = live["metadata"]["name"]
    meta = new.setdefault("metadata", {})
    rv = meta.get("resourceVersion")
    if rv not in (None, "") and str(rv) != live["metadata"]["resourceVersion"]:
        raise APIError(status_error(409, "Conflict", f'Operation cannot be fulfilled on {RESOURCE_NAMES.get(r.kind, r.plural)} "{name}": the object has been '
                                    "modified; please apply your changes to the latest version and try again", kind=r.plural, name=name,
                                    group=r.group or None))
    if meta.get("name", name) != name:
        raise invalid(r, name, [f'metadata.name: Invalid value: "{meta.get("name")}": field is immutable'])
    out = copy_json(live)
    if subresource == "status":
        out["status"] = new.get("status")
    else:
        for k, v in new.items():
            if k not in ("metadata", "status"):
                out[k] = v
        for k in list(out):
            if k not in new and k not in ("metadata", "status", "apiVersion", "kind"):
                del out[k]
        for k in ("labels", "annotations", "finalizers", "ownerReferences"):
            if meta.get(k) is not None:
                out["metadata"][k] = meta[k]
            else:
                out["metadata"].pop(k, None)
        apply_defaults(out)
        _check_update(live, out, r, name)
        _semantic(out, r, name)
        if out.get("spec") != live.get("spec") and "generation" in live["metadata"]:
            out["metadata"]["generation"] = live["metadata"]["generation"] + 1
    if out == live:
        return live
    out["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
    try:
        return cluster.store.update(out, actor=actor, verb="update status" if subresource == "status" else "update")
    except LabError as e:
        raise from_lab_error(e, r, name) from None


def delete(cluster, r: Resource, ns: str | None, name: str, options: dict, actor: str) -> dict:
    """DELETE: Pods gracefully (``gracePeriodSeconds`` from the DeleteOptions), others through the API server's delete."""
    live = cluster.store.get(r.kind, ns, name)
    if live is None:
        raise not_found(r, name)
    pre = options.get("preconditions") or {}
    if pre.get("uid") and pre["uid"] != live["metadata"]["uid"]:
        raise APIError(status_error(409, "Conflict", f'Operation cannot be fulfilled on {_resource_name(r)} "{name}": Precondition failed: '
                                    f'UID in precondition: {pre["uid"]}, UID in object meta: {live["metadata"]["uid"]}', kind=r.plural, name=name))
    try:
        if r.kind == "Pod":
            grace = options.get("gracePeriodSeconds")
            out = cluster.store.delete("Pod", ns, name, actor=actor, grace_period_seconds=grace)
        else:
            out = cluster.apiserver.delete(r.kind, name, ns, actor=actor)
    except LabError as e:
        if "Forbidden" in str(e):
            raise APIError(status_error(403, "Forbidden", str(e).replace("Error from server (Forbidden): ", ""), kind=r.plural, name=name)) from None
        raise from_lab_error(e, r, name) from None
    return out
