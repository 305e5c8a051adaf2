"""OpenAPI v3 documents for the served group versions, built from the Kubernetes 1.37 schemas.

kubectl reads ``GET /openapi/v3`` (an index of group versions) and then one document per
group version (``/openapi/v3/apis/apps/v1``). It needs them for three things:

* ``kubectl apply`` (client-side) computes its strategic merge patch from the schema's
  ``x-kubernetes-patch-merge-key`` / ``x-kubernetes-patch-strategy`` (containers merge by ``name``);
* ``--validate=strict`` (the default) checks that the PATCH operation of the kind accepts the
  ``fieldValidation`` query parameter, and then lets the server reject unknown fields
  (``cli-runtime/pkg/resource/query_param_verifier_v3.go``);
* ``kubectl explain`` prints the schema's descriptions.

The schemas come from the ``kubernetes-validate`` package: its ``v1.37.0-local/_definitions.json``
is the 1.37 OpenAPI ``definitions`` rewritten as JSON Schema (``$defs``, nullable types as
``["string", "null"]``). Here they are turned back into OpenAPI 3.0 ``components.schemas``
(``#/components/schemas/...`` references, one type per schema). Paths carry only the operations
and parameters kubectl looks at (simplified: no request/response bodies).

>>> doc = group_version_document("apps/v1")
>>> doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"]
[{'group': 'apps', 'kind': 'Deployment', 'version': 'v1'}]
>>> schema_at("Deployment", ["spec", "template", "spec", "containers"])["x-kubernetes-patch-merge-key"]
'name'
"""
from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from labsupport.k8s.kubeapi.resources import BY_PATH, GROUP_VERSIONS, KUBERNETES_GIT_VERSION, Resource

__all__ = ["fill_required", "definitions", "schema_name", "schema_at", "group_version_document", "openapi_index", "document_hash"]

_REF = "#/$defs/"


@functools.cache
def definitions() -> dict[str, dict]:
    """The 1.37 definitions (``io.k8s.api.apps.v1.Deployment`` -> JSON schema) from kubernetes-validate."""
    from kubernetes_validate import utils as kvu

    version = [v for v in kvu.all_versions() if kvu.major_minor(v) <= "1.37"][-1]
    return kvu.schema_contents(f"kubernetes-json-schema/v{version}-local/_definitions.json", "1.37")["$defs"]


@functools.cache
def _gvk_index() -> dict[tuple[str, str, str], str]:
    out = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or ():
            out.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
    return out


def schema_name(group_version: str, kind: str) -> str | None:
    """``("apps/v1", "Deployment")`` -> ``"io.k8s.api.apps.v1.Deployment"``."""
    g, _, v = group_version.rpartition("/")
    return _gvk_index().get((g, v, kind))


def _deref(schema: dict) -> dict:
    defs = definitions()
    while "$ref" in schema:
        schema = defs[schema["$ref"][len(_REF):]]
    return schema


def schema_at(kind: str, path: list, group_version: str | None = None) -> dict | None:
    """The schema of the field at ``path`` inside ``kind`` (list items are entered with ``"[]"`` or an int), or None."""
    from labsupport.k8s.kubeapi.resources import BY_KIND

    gv = group_version or BY_KIND[kind].group_version
    name = schema_name(gv, kind)
    if name is None:
        return None
    schema = definitions()[name]
    for p in path:
        schema = _deref(schema)
        if isinstance(p, int) or p == "[]":
            schema = schema.get("items")
        else:
            props = schema.get("properties")
            schema = props.get(p) if props else schema.get("additionalProperties")
        if not isinstance(schema, dict):
            return None
    # keep the extensions of the referring property, add the referred schema's content
    out = dict(_deref(schema))
    out.update({k: v for k, v in schema.items() if k.startswith("x-")})
    return out


_ZERO = {"string": "", "integer": 0, "boolean": False, "number": 0}


def fill_required(obj: Any, resource) -> Any:
    """Add the zero value of every required scalar field a simulated component left out (in place).

    kube-apiserver serializes Go structs, so a field without ``omitempty`` is always sent, as ``""``
    or ``0`` when unset (a Node's ``status.nodeInfo.kernelVersion``, a container status's ``imageID``);
    the official Python client's models insist on them.

    >>> from labsupport.k8s.kubeapi.resources import BY_KIND
    >>> fill_required({"status": {"nodeInfo": {"kubeletVersion": "v1.37.0"}}}, BY_KIND["Node"])["status"]["nodeInfo"]["kernelVersion"]
    ''
    """
    name = schema_name(resource.group_version, resource.kind)
    if name is not None:
        _fill(obj, definitions()[name])
    return obj


def _fill(value: Any, schema: dict) -> None:
    schema = _deref(schema)
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key in schema.get("required") or ():
            if value.get(key) is None and key in props:
                t = _deref(props[key]).get("type")
                t = [x for x in t if x != "null"][0] if isinstance(t, list) else t
                if t in _ZERO:
                    value[key] = _ZERO[t]
        for key, v in value.items():
            if key in props and isinstance(v, (dict, list)):
                _fill(v, props[key])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for v in value:
            _fill(v, schema["items"])


def _to_openapi3(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_to_openapi3(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "$ref":  # OpenAPI 3.0 ignores siblings of $ref: kube-apiserver wraps the reference in allOf
            ref = "#/components/schemas/" + v[len(_REF):]
            if len(schema) > 1:
                out["allOf"] = [{"$ref": ref}]
            else:
                out["$ref"] = ref
        elif k == "type" and isinstance(v, list):
            types = [t for t in v if t != "null"]
            if types:
                out["type"] = types[0]
        elif k in ("$schema", "$id"):
            continue
        elif k == "enum" and schema.get("type") and isinstance(schema.get("type"), list) and "null" in schema["type"]:
            out[k] = [e for e in v if e is not None]
        else:
            out[k] = _to_openapi3(v)
    return out


def _closure(names: list[str]) -> list[str]:
    defs = definitions()
    seen: dict[str, None] = {}
    todo = list(names)
    while todo:
        n = todo.pop()
        if n in seen or n not in defs:
            continue
        seen[n] = None
        text = json.dumps(defs[n])
        i = 0
        while True:
            i = text.find(_REF, i)
            if i < 0:
                break
            j = text.find('"', i)
            todo.append(text[i + len(_REF):j])
            i = j
    return sorted(seen)


def _paths(resources: list[Resource]) -> dict:
    paths = {}
    for r in resources:
        g, _, v = r.group_version.rpartition("/")
        gvk = {"group": g, "version": v, "kind": r.kind}
        prefix = f"/api/{v}" if not g else f"/apis/{g}/{v}"
        ns = "/namespaces/{namespace}" if r.namespaced else ""
        ref = {"$ref": "#/components/schemas/" + (schema_name(r.group_version, r.kind) or "")}
        params = [{"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
                  {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
                  {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True}}]

        def op(action: str, params=params, gvk=gvk, ref=ref, r=r) -> dict:
            return {"operationId": f"{action}{r.kind}", "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk,
                    "parameters": params if action in ("post", "put", "patch") else [],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}}

        if "list" in r.verbs:
            paths[f"{prefix}{ns}/{r.plural}"] = {"get": op("list"), **({"post": op("post")} if "create" in r.verbs else {})}
        if "get" in r.verbs:
            item = {"get": op("get")}
            for verb, action in (("update", "put"), ("patch", "patch"), ("delete", "delete")):
                if verb in r.verbs:
                    item[action] = op(action)
            paths[f"{prefix}{ns}/{r.plural}/{{name}}"] = item
    return paths


@functools.cache
def _document_text(group_version: str) -> str:
    resources = [r for (gv, _), r in sorted(BY_PATH.items()) if gv == group_version and r.stored]
    names = [n for n in (schema_name(gv, r.kind) for r in resources for gv in [r.group_version]) if n]
    names += ["io.k8s.apimachinery.pkg.apis.meta.v1.Status", "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"]
    defs = definitions()
    schemas = {n: _to_openapi3(defs[n]) for n in _closure(names)}
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": KUBERNETES_GIT_VERSION}, "paths": _paths(resources),
           "components": {"schemas": schemas}}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def group_version_document(group_version: str) -> dict:
    """The OpenAPI v3 document of one served group version (``"v1"``, ``"apps/v1"``)."""
    return json.loads(_document_text(group_version))


def document_bytes(group_version: str) -> bytes:
    """The document as the server sends it."""
    return _document_text(group_version).encode()


def document_hash(group_version: str) -> str:
    """The ``?hash=`` of the document's URL (clients cache by it), as kube-apiserver: SHA-512, upper-case hex."""
    return hashlib.sha512(_document_text(group_version).encode()).hexdigest().upper()


def openapi_index() -> dict:
    """``GET /openapi/v3``: where each group version's document lives."""
    paths = {}
    for gv in GROUP_VERSIONS:
        if not any(r.stored for (g, _), r in BY_PATH.items() if g == gv):
            continue
        key = f"api/{gv}" if "/" not in gv else f"apis/{gv}"
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={document_hash(gv)}"}
    return {"paths": paths}
