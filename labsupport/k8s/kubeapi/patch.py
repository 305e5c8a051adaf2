"""The PATCH types of the Kubernetes API: JSON merge, strategic merge, JSON patch, apply.

* ``application/merge-patch+json`` -- RFC 7386: maps merge, ``null`` deletes, lists are replaced.
* ``application/strategic-merge-patch+json`` -- Kubernetes' own (``apimachinery/pkg/util/strategicpatch``):
  like a merge patch, but a list whose schema says ``x-kubernetes-patch-strategy: merge`` is merged
  item by item on its ``x-kubernetes-patch-merge-key`` (containers by ``name``), and the directives
  ``$patch: delete|replace|merge``, ``$retainKeys``, ``$setElementOrder/<list>`` and
  ``$deleteFromPrimitiveList/<list>`` are honoured. This is what client-side ``kubectl apply``,
  ``kubectl scale``-free edits and ``kubectl patch`` (default) send.
* ``application/json-patch+json`` -- RFC 6902 operations (``kubectl rollout undo`` sends one).
* ``application/apply-patch+yaml`` -- server-side apply, **simplified**: the applied configuration
  is merged like a strategic merge patch; field ownership (managedFields) and conflicts between
  field managers are not simulated.

>>> merge_patch({"a": 1, "b": {"c": 2}}, {"b": {"c": None, "d": 3}})
{'a': 1, 'b': {'d': 3}}
>>> live = {"spec": {"containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}]}}
>>> strategic_merge_patch(live, {"spec": {"containers": [{"name": "b", "image": "y:2"}]}}, "Pod")["spec"]["containers"]
[{'name': 'a', 'image': 'x:1'}, {'name': 'b', 'image': 'y:2'}]
>>> json_patch({"spec": {"replicas": 1}}, [{"op": "replace", "path": "/spec/replicas", "value": 3}])
{'spec': {'replicas': 3}}
"""
from __future__ import annotations

from typing import Any

from labsupport.k8s.kubeapi.openapi import schema_at
from labsupport.k8s.objects import copy_json

__all__ = ["merge_patch", "strategic_merge_patch", "json_patch", "PatchError"]


class PatchError(ValueError):
    """A patch that cannot be applied (the server answers 422 or 400)."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy_json(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strategic_merge_patch(target: Any, patch: Any, kind: str, group_version: str | None = None) -> Any:
    """Apply a strategic merge patch to ``target`` (an object of ``kind``), using the 1.37 schema's patch metadata."""
    return _smp(target, patch, kind, group_version, [])


def _meta(kind: str, gv: str | None, path: list) -> tuple[str | None, str | None]:
    s = schema_at(kind, path, gv) if kind else None
    if not s:
        return None, None
    return s.get("x-kubernetes-patch-strategy"), s.get("x-kubernetes-patch-merge-key")


def _smp(target: Any, patch: Any, kind: str, gv: str | None, path: list) -> Any:
    if not isinstance(patch, dict):
        return copy_json(patch)
    if patch.get("$patch") == "replace":
        return {k: copy_json(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    out = dict(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    orders = {}
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys"):
            continue
        if k.startswith("$setElementOrder/"):
            orders[k.split("/", 1)[1]] = v
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            field = k.split("/", 1)[1]
            out[field] = [x for x in out.get(field) or [] if x not in v]
            continue
        if v is None:
            out.pop(k, None)
            continue
        sub = path + [k]
        if isinstance(v, list):
            strategy, key = _meta(kind, gv, sub)
            if strategy and "merge" in strategy.split(","):
                out[k] = _merge_list(out.get(k) or [], v, key, kind, gv, sub)
            else:
                out[k] = [copy_json(x) for x in v if not (isinstance(x, dict) and x.get("$patch"))]
        elif isinstance(v, dict):
            merged = _smp(out.get(k), v, kind, gv, sub)
            if merged is None:
                out.pop(k, None)
            else:
                out[k] = merged
        else:
            out[k] = v
    for field, order in orders.items():
        if isinstance(out.get(field), list):
            _, key = _meta(kind, gv, path + [field])
            out[field] = _reorder(out[field], order, key)
    if isinstance(retain, list):
        out = {k: v for k, v in out.items() if k in retain}
    return out


def _merge_list(live: list, patch: list, key: str | None, kind: str, gv: str | None, path: list) -> list:
    if key is None:  # a list of primitives merged as a set (finalizers)
        out = list(live)
        for x in patch:
            if x not in out:
                out.append(x)
        return out
    out = [copy_json(x) for x in live]
    for item in patch:
        if not isinstance(item, dict):
            raise PatchError(f"{'.'.join(map(str, path))}: expected a map with the merge key {key!r}, got {item!r}")
        if item.get("$patch") == "replace":
            return [x for x in patch if x.get("$patch") != "replace"]
        if key not in item:
            raise PatchError(f"map: {item} does not contain declared merge key: {key}")
        idx = next((i for i, x in enumerate(out) if isinstance(x, dict) and x.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(_smp({}, item, kind, gv, path + ["[]"]))
        else:
            out[idx] = _smp(out[idx], item, kind, gv, path + ["[]"])
    return out


def _reorder(items: list, order: list, key: str | None) -> list:
    def ident(x):
        return x.get(key) if key and isinstance(x, dict) else x
    wanted = [ident(o) if isinstance(o, dict) else o for o in order]
    first = [x for w in wanted for x in items if ident(x) == w]
    rest = [x for x in items if ident(x) not in wanted]
    return first + rest


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"JSON pointer must start with '/': {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str]) -> Any:
    for p in parts:
        if isinstance(doc, list):
            try:
                doc = doc[int(p)]
            except (ValueError, IndexError):
                raise PatchError(f"no element {p!r} in list") from None
        elif isinstance(doc, dict) and p in doc:
            doc = doc[p]
        else:
            raise PatchError(f"missing path component {p!r}")
    return doc


def json_patch(target: Any, ops: Any) -> Any:
    """RFC 6902 JSON patch (add, remove, replace, move, copy, test) on a copy of ``target``."""
    if not isinstance(ops, list):
        raise PatchError("a JSON patch must be a list of operations")
    doc = copy_json(target)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError(f"invalid operation {op!r}")
        kind = op["op"]
        parts = _pointer(op["path"])
        if kind == "test":
            if _walk(doc, parts) != op.get("value"):
                raise PatchError(f"testing value {op['path']} failed")
            continue
        if kind in ("move", "copy"):
            src = _pointer(op.get("from", ""))
            value = copy_json(_walk(doc, src))
            if kind == "move":
                doc = _remove(doc, src)
        elif kind in ("add", "replace"):
            if "value" not in op:
                raise PatchError(f"operation {kind} needs a value")
            value = copy_json(op["value"])
        elif kind == "remove":
            doc = _remove(doc, parts)
            continue
        else:
            raise PatchError(f"unexpected operation {kind!r}")
        if not parts:
            doc = value
            continue
        parent = _walk(doc, parts[:-1])
        last = parts[-1]
        if isinstance(parent, list):
            if last == "-":
                parent.append(value)
            else:
                i = int(last)
                if kind == "replace":
                    parent[i] = value
                else:
                    parent.insert(i, value)
        elif isinstance(parent, dict):
            if kind == "replace" and last not in parent:
                raise PatchError(f"replace operation does not apply: doc is missing key: {op['path']}")
            parent[last] = value
        else:
            raise PatchError(f"cannot set {op['path']}")
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    if not parts:
        return None
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        parent.pop(int(last))
    elif isinstance(parent, dict) and last in parent:
        del parent[last]
    else:
        raise PatchError(f"remove operation does not apply: doc is missing path: /{'/'.join(parts)}")
    return doc
