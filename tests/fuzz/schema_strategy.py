"""Hypothesis strategies driven by the real Kubernetes 1.37 OpenAPI schemas that kubernetes-validate ships.

``hypothesis-jsonschema`` (0.23.1, its latest release) does not run on the pinned Hypothesis 6.170
(it calls a removed internal, ``many.more()``), so this small walker turns the same schemas into
strategies itself: ``$ref`` into the shared definitions, ``type`` (the ``null`` alternative is left
to the mutations), ``enum``, ``format: int32``, ``x-kubernetes-int-or-string``, ``properties``
(every required one plus a few optional ones), maps and lists (short).

:func:`manifests` draws whole objects of a kind (a valid name, and for workloads a selector that
matches the template labels half of the time, so generated objects get past the first checks);
:func:`patched` replaces one subtree of an ordinary manifest with a value generated from the
schema at that path; :func:`mutated` applies the hand-typing mistakes of ``k8s_inputs.JUNK``.
"""
from __future__ import annotations

import copy
import functools
import json

from hypothesis import strategies as st
from k8s_inputs import BASE_MANIFESTS, JUNK, paths

from labsupport.k8s.validation import SIMULATED_KINDS, _definitions, _validator

__all__ = ["any_manifest", "manifests", "mutated", "patched", "schema_for"]

MAX_DEPTH = 5
_WORDS = ["web", "app", "nginx:1.27", "80", "http", "TCP", "Always", "100m", "64Mi", "1", "25%", "a/b", "",
          "kubernetes.io/os", "linux", "Exists", "NoSchedule", "default", "Deployment", "cpu"]


@functools.cache
def _defs() -> dict:
    from kubernetes_validate import utils as kvu

    from labsupport.k8s.validation import KUBERNETES_VERSION

    version = [v for v in kvu.all_versions() if kvu.major_minor(v) <= KUBERNETES_VERSION][-1]
    return _definitions(f"v{version}-local-strict")["$defs"]


@functools.cache
def schema_for(kind: str) -> dict:
    """The strict 1.37 schema of ``kind`` without ``status`` (what a learner writes)."""
    schema = copy.deepcopy(_validator(kind, SIMULATED_KINDS[kind]).schema)
    schema["properties"].pop("status", None)
    return schema


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = _defs()[node["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        node = _resolve(node["allOf"][0])
    return node


def _key(node: dict) -> str:
    return json.dumps(node, sort_keys=True)


@functools.lru_cache(maxsize=4096)
def _strategy(node_json: str, depth: int) -> st.SearchStrategy:
    node = _resolve(json.loads(node_json))
    if "enum" in node:
        return st.sampled_from([v for v in node["enum"] if v is not None] or [""])
    if node.get("x-kubernetes-int-or-string"):
        return st.one_of(st.integers(-1, 100), st.sampled_from(["25%", "0%", "100%", "http", "1", "1.5.3"]))
    for key in ("oneOf", "anyOf"):
        if key in node:
            return _strategy(_key(node[key][0]), depth)
    types = node.get("type", "object")
    types = [t for t in (types if isinstance(types, list) else [types]) if t != "null"] or ["string"]
    t = types[0]
    if t == "string":
        return st.one_of(st.sampled_from(_WORDS), st.text(alphabet="abcz019-./:%", max_size=10))
    if t == "integer":
        if node.get("format") == "int32":
            return st.one_of(st.integers(-3, 120), st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1]))
        return st.one_of(st.integers(-3, 120), st.integers(-(2**63), 2**63))
    if t == "number":
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if t == "boolean":
        return st.booleans()
    if t == "array":
        if depth >= MAX_DEPTH:
            return st.just([])
        items = node.get("items", {"type": "string"})
        return st.lists(st.deferred(lambda: _strategy(_key(items), depth + 1)), max_size=2)
    # object
    props = node.get("properties") or {}
    if not props:
        extra = node.get("additionalProperties")
        values = _strategy(_key(extra), depth + 1) if isinstance(extra, dict) and depth < MAX_DEPTH else st.sampled_from(_WORDS)
        return st.dictionaries(st.sampled_from(["app", "tier", "a/b", "Bad Key", "x" * 64]), values, max_size=2)
    required = [k for k in node.get("required", []) if k in props]
    optional = sorted(k for k in props if k not in required)
    if depth >= MAX_DEPTH:
        optional = []

    def build(chosen: list[str]) -> st.SearchStrategy:
        fields = {k: st.deferred(lambda node=props[k]: _field(node, depth + 1)) for k in required + chosen}
        return st.fixed_dictionaries(fields)

    count = max(0, 3 - depth)
    return st.lists(st.sampled_from(optional), max_size=count, unique=True).flatmap(build) if optional else build([])


def _field(node: dict, depth: int) -> st.SearchStrategy:
    return _strategy(_key(node), depth)


def _names() -> st.SearchStrategy:
    return st.sampled_from(["web", "api", "db", "web-2", "x"])


@st.composite
def manifests(draw, kind: str) -> dict:
    """A whole object of ``kind`` drawn from its 1.37 schema."""
    obj = draw(_strategy(_key(schema_for(kind)), 0))
    obj["apiVersion"], obj["kind"] = SIMULATED_KINDS[kind], kind
    meta = obj["metadata"] = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    meta["name"] = draw(_names())
    meta.pop("namespace", None)
    spec = obj.get("spec")
    if kind in ("Deployment", "ReplicaSet") and isinstance(spec, dict) and draw(st.booleans()):
        labels = {"app": meta["name"]}
        spec["selector"] = {"matchLabels": dict(labels)}
        tmpl = spec.setdefault("template", {})
        tmpl.setdefault("metadata", {})["labels"] = labels
        tmpl.setdefault("spec", {}).setdefault("containers", [{"name": "c", "image": "nginx"}])
    return obj


def _subschema(schema: dict, path: tuple) -> dict | None:
    node = schema
    for p in path:
        node = _resolve(node)
        if isinstance(p, int):
            node = node.get("items")
        else:
            node = (node.get("properties") or {}).get(p) or (node.get("additionalProperties")
                                                             if isinstance(node.get("additionalProperties"), dict) else None)
        if node is None:
            return None
    return node


@st.composite
def patched(draw) -> dict:
    """An ordinary manifest with one subtree replaced by a value generated from the schema at that path."""
    base = copy.deepcopy(draw(st.sampled_from(BASE_MANIFESTS)))
    candidates = [p for p in paths(base) if p and p[0] not in ("apiVersion", "kind")]
    path = draw(st.sampled_from(candidates))
    sub = _subschema(schema_for(base["kind"]), path)
    if sub is None:
        return base
    value = draw(_strategy(_key(sub), 2))
    parent = base
    for p in path[:-1]:
        parent = parent[p]
    parent[path[-1]] = value
    return base


@st.composite
def mutated(draw) -> dict:
    """An ordinary manifest with 1-3 hand-typing mistakes: a field deleted, renamed, set to junk, an entry duplicated."""
    obj = copy.deepcopy(draw(st.sampled_from(BASE_MANIFESTS)))
    for _ in range(draw(st.integers(1, 3))):
        ps = [p for p in paths(obj) if p]
        if not ps:
            break
        path = draw(st.sampled_from(ps))
        parent = obj
        for p in path[:-1]:
            parent = parent[p]
        key = path[-1]
        op = draw(st.sampled_from(["delete", "rename", "junk", "junk", "duplicate"]))
        if op == "delete" and isinstance(parent, dict):
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            parent[key + draw(st.sampled_from(["s", "_", "X"]))] = parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        else:
            parent[key] = copy.deepcopy(draw(st.sampled_from(JUNK)))
    return obj


def any_manifest() -> st.SearchStrategy:
    """Generated, patched or mutated manifests of every simulated kind, and now and then a whole YAML string."""
    generated = st.sampled_from(sorted(SIMULATED_KINDS)).flatmap(manifests)
    return st.one_of(generated, patched(), mutated(), mutated().map(_as_yaml))


def _as_yaml(obj: dict) -> str:
    import yaml

    return yaml.safe_dump(obj, sort_keys=False)
