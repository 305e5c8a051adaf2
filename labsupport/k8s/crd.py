"""CustomResourceDefinitions (``apiextensions.k8s.io/v1``): new kinds whose objects the API server validates.

A CRD (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/)
names a kind (``spec.names``: ``plural``, ``singular``, ``kind``, ``shortNames``), a ``group``, a
``scope`` (``Namespaced`` or ``Cluster``) and ``versions``, each with an ``openAPIV3Schema``. Once it is
stored, objects of that kind can be applied, read and watched like built-in ones, and the API server:

* checks the CRD itself (``pkg/apis/apiextensions/validation``): ``metadata.name`` is
  ``<plural>.<group>``, names are lower-case DNS labels, exactly one version has ``storage: true``,
  the schema is *structural* (a ``type`` on the root and on every property, ``type: object`` at the root);
* defaults custom objects from the schema's ``default`` values (structural defaulting), then validates
  them against the schema with the ``jsonschema`` package (as labsupport validates built-in kinds);
  an unknown field is an error, as kubectl's default ``--validate=strict`` makes it, unless the schema
  says ``x-kubernetes-preserve-unknown-fields: true``;
* with ``subresources: {status: {}}``, ignores ``status`` in an apply (status is written through the
  ``/status`` subresource: ``api.update_status`` in :mod:`labsupport.k8s.operator`).

Simplified: one served version per CRD is used (the storage version), without conversion webhooks;
CEL rules (``x-kubernetes-validations``), ``additionalPrinterColumns`` and the scale subresource are
accepted and not simulated (``kubectl get`` prints NAME and AGE, as for a CRD without printer columns).

>>> reg = CustomResources()
>>> crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
...        "metadata": {"name": "backups.example.com"},
...        "spec": {"group": "example.com", "scope": "Namespaced",
...                 "names": {"plural": "backups", "singular": "backup", "kind": "Backup", "shortNames": ["bk"]},
...                 "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
...                     "type": "object", "properties": {"spec": {"type": "object", "required": ["schedule"],
...                         "properties": {"schedule": {"type": "string"}, "keep": {"type": "integer", "minimum": 1, "default": 3}}}}}}}]}}
>>> crd_problems(crd)
[]
>>> reg.register(crd).resource
'backups.example.com'
>>> obj = {"apiVersion": "example.com/v1", "kind": "Backup", "metadata": {"name": "nightly"}, "spec": {"schedul": "@daily"}}
>>> reg.problems(obj)
["spec: missing required field 'schedule'", "spec: unknown field 'schedul' (did you mean 'schedule'?)"]
>>> obj["spec"] = {"schedule": "@daily"}; reg.problems(obj), obj["spec"]["keep"]
([], 3)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from labsupport.k8s.objects import copy_json

__all__ = ["CustomResources", "CustomKind", "crd_problems", "structural_problems", "BUILTIN_GROUPS"]

#: API groups of built-in kinds: an unknown kind in one of these is a typo, not a missing CRD.
BUILTIN_GROUPS = frozenset({"", "apps", "batch", "autoscaling", "scheduling.k8s.io", "discovery.k8s.io", "coordination.k8s.io",
                            "apiextensions.k8s.io", "policy", "extensions", "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io"})
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_KIND = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_TYPES = {"object", "array", "string", "integer", "number", "boolean"}


@dataclass(frozen=True)
class CustomKind:
    """One served custom kind: its group, version, names, scope, schema and whether status is a subresource."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    short_names: tuple
    namespaced: bool
    schema: dict
    status_subresource: bool

    @property
    def api_version(self) -> str:
        """``<group>/<version>``."""
        return f"{self.group}/{self.version}"

    @property
    def resource(self) -> str:
        """``<plural>.<group>`` (the CRD's name, and what ``kubectl get`` accepts)."""
        return f"{self.plural}.{self.group}"


def structural_problems(schema: Any, path: str = "spec.versions[0].schema.openAPIV3Schema") -> list[str]:
    """Problems that make a schema non-structural (a ``type`` missing, ``properties`` on a non-object ...).

    >>> structural_problems({"type": "object", "properties": {"size": {"minimum": 1}}})
    ['spec.versions[0].schema.openAPIV3Schema.properties[size].type: Required value: must not be empty for specified object fields']
    """
    out: list[str] = []
    if not isinstance(schema, dict):
        return [f"{path}: must be a mapping (an OpenAPI v3 schema)"]
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") or schema.get("x-kubernetes-int-or-string")
    t = schema.get("type")
    if t is None and not preserve:
        out.append(f"{path}.type: Required value: must not be empty for specified object fields")
    elif t is not None and t not in _TYPES:
        out.append(f"{path}.type: Unsupported value: {t!r}: supported values: {', '.join(sorted(_TYPES))}")
    if "properties" in schema and t not in (None, "object"):
        out.append(f"{path}.properties: Forbidden: must not be specified unless type is object")
    for name, sub in sorted((schema.get("properties") or {}).items()):
        out += structural_problems(sub, f"{path}.properties[{name}]")
    if isinstance(schema.get("items"), dict):
        out += structural_problems(schema["items"], f"{path}.items")
    elif t == "array":
        out.append(f"{path}.items: Required value: must be specified for type array")
    if isinstance(schema.get("additionalProperties"), dict):
        out += structural_problems(schema["additionalProperties"], f"{path}.additionalProperties")
    return out


def crd_problems(crd: dict) -> list[str]:
    """The API server's checks of a CustomResourceDefinition (``field.path: problem`` each)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group") or ""
    out: list[str] = []
    plural, kind = names.get("plural") or "", names.get("kind") or ""
    if not group or "." not in group:
        out.append(f"spec.group: Invalid value: {group!r}: should be a domain with at least one dot")
    for field in ("plural", "singular"):
        v = names.get(field)
        if field == "plural" and not v:
            out.append("spec.names.plural: Required value")
        elif v and not _DNS_LABEL.match(v):
            out.append(f"spec.names.{field}: Invalid value: {v!r}: a lowercase RFC 1123 label (lower-case letters, digits and '-')")
    for i, s in enumerate(names.get("shortNames") or ()):
        if not _DNS_LABEL.match(s):
            out.append(f"spec.names.shortNames[{i}]: Invalid value: {s!r}: a lowercase RFC 1123 label")
    if not kind:
        out.append("spec.names.kind: Required value")
    elif not _KIND.match(kind):
        out.append(f"spec.names.kind: Invalid value: {kind!r}: must be a CamelCase name such as 'Backup'")
    if plural and group and crd["metadata"].get("name") != f"{plural}.{group}":
        out.append(f"metadata.name: Invalid value: {crd['metadata'].get('name')!r}: must be spec.names.plural+\".\"+spec.group ({plural}.{group!s})")
    if spec.get("scope") not in ("Namespaced", "Cluster"):
        out.append(f"spec.scope: Unsupported value: {spec.get('scope')!r}: supported values: \"Cluster\", \"Namespaced\"")
    versions = spec.get("versions") or []
    if not versions:
        out.append("spec.versions: Invalid value: must have exactly one version marked as storage version")
    storage = [v for v in versions if v.get("storage")]
    if versions and len(storage) != 1:
        out.append(f"spec.versions: Invalid value: must have exactly one version marked as storage version, found {len(storage)}")
    for i, v in enumerate(versions):
        schema = ((v.get("schema") or {}).get("openAPIV3Schema"))
        where = f"spec.versions[{i}].schema.openAPIV3Schema"
        if schema is None:
            out.append(f"{where}: Required value: schemas are required")
            continue
        if schema.get("type") != "object":
            out.append(f"{where}.type: Invalid value: {schema.get('type')!r}: must be object at the root")
        out += structural_problems(schema, where)
    return out


def _strict(schema: dict) -> dict:
    """A copy of ``schema`` where objects refuse unknown fields (unless they preserve them) and ``nullable`` holds."""
    s = dict(schema)
    if s.get("nullable") and isinstance(s.get("type"), str):
        s["type"] = [s["type"], "null"]
    if "properties" in s:
        s["properties"] = {k: _strict(v) for k, v in s["properties"].items()}
        if "additionalProperties" not in s and not s.get("x-kubernetes-preserve-unknown-fields"):
            s["additionalProperties"] = False
    if isinstance(s.get("items"), dict):
        s["items"] = _strict(s["items"])
    if isinstance(s.get("additionalProperties"), dict):
        s["additionalProperties"] = _strict(s["additionalProperties"])
    return s


def _default(schema: dict, value: Any) -> None:
    """Structural defaulting in place: fill missing properties that have a ``default``."""
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if name not in value and "default" in sub:
                value[name] = copy_json(sub["default"])
            if name in value:
                _default(sub, value[name])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default(schema["items"], item)


class CustomResources:
    """The custom kinds one API server serves, and the validation of their objects."""

    def __init__(self) -> None:
        self.kinds: dict[tuple[str, str], CustomKind] = {}      # (apiVersion, kind) -> CustomKind
        self._validators: dict[tuple[str, str], Any] = {}

    def register(self, crd: dict) -> CustomKind:
        """Serve the kind a (valid) CRD defines; a later CRD of the same name replaces it."""
        spec = crd["spec"]
        names = spec["names"]
        version = next(v for v in spec["versions"] if v.get("storage"))
        schema = copy_json(version["schema"]["openAPIV3Schema"])
        props = schema.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props["metadata"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        ck = CustomKind(spec["group"], version["name"], names["kind"], names["plural"], names.get("singular") or names["kind"].lower(),
                        tuple(names.get("shortNames") or ()), spec["scope"] == "Namespaced", schema,
                        "status" in (version.get("subresources") or {}))
        for key in [k for k, v in self.kinds.items() if v.resource == ck.resource]:
            del self.kinds[key]
        self.kinds[(ck.api_version, ck.kind)] = ck
        self._validators.pop((ck.api_version, ck.kind), None)
        return ck

    def unregister(self, crd: dict) -> None:
        """Stop serving the kind of a deleted CRD."""
        name = crd["metadata"]["name"]
        for key in [k for k, v in self.kinds.items() if v.resource == name]:
            del self.kinds[key]

    def lookup(self, api_version: Any, kind: Any) -> CustomKind | None:
        """The served custom kind for ``(apiVersion, kind)``, or None."""
        return self.kinds.get((api_version, kind))

    def by_name(self, name: str) -> CustomKind | None:
        """A custom kind by ``kubectl get`` name: plural, singular, short name, kind or ``plural.group``."""
        low = str(name).lower()
        for ck in sorted(self.kinds.values(), key=lambda c: c.resource):
            if low in (ck.plural, ck.singular, ck.kind.lower(), ck.resource, f"{ck.singular}.{ck.group}") or low in ck.short_names:
                return ck
        return None

    def claims(self, obj: Any) -> bool:
        """Whether ``obj`` is for this registry to validate: a served custom kind, or a kind of a non-built-in group."""
        if not isinstance(obj, dict) or not isinstance(obj.get("apiVersion"), str):
            return False
        if (obj["apiVersion"], obj.get("kind")) in self.kinds:
            return True
        from labsupport.k8s.validation import SIMULATED_KINDS

        if obj.get("kind") in SIMULATED_KINDS:
            return False  # a built-in kind with a wrong apiVersion: the built-in validation explains it
        group = obj["apiVersion"].rsplit("/", 1)[0] if "/" in obj["apiVersion"] else ""
        return group not in BUILTIN_GROUPS

    def problems(self, obj: dict) -> list[str]:
        """Default ``obj`` in place from its schema, then list its problems (``field.path: problem``)."""
        ck = self.lookup(obj.get("apiVersion"), obj.get("kind"))
        if ck is None:
            return [f'no matches for kind "{obj.get("kind")}" in version "{obj.get("apiVersion")}" '
                    "(ensure CRDs are installed first: apply the CustomResourceDefinition, then the object)"]
        from labsupport.k8s.validation import _name_problems, _schema_message

        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            return ["missing required field 'metadata'"]
        out = _name_problems(meta.get("name"), "metadata.name" if meta.get("name") else "metadata", "subdomain")
        if not ck.namespaced:
            meta.pop("namespace", None)
        if ck.status_subresource:
            obj.pop("status", None)
        _default(ck.schema, obj)
        validator = self._validator(ck)
        errors = sorted(validator.iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
        return out + [_schema_message(e) for e in errors]

    def _validator(self, ck: CustomKind):
        key = (ck.api_version, ck.kind)
        v = self._validators.get(key)
        if v is None:
            import jsonschema

            v = self._validators[key] = jsonschema.validators.Draft202012Validator(_strict(ck.schema))
        return v
