"""Validate manifests like the API server does, before anything is stored.

Two layers, as in ``kube-apiserver``:

1. **Schema** -- the OpenAPI schema of Kubernetes 1.37 in strict mode (unknown fields
   are errors), from the ``kubernetes-validate`` package (offline). A typo such as
   ``replica:`` becomes ``spec: unknown field 'replica' (did you mean 'replicas'?)``.
2. **Semantics** -- the rules of ``pkg/apis/*/validation`` that matter here: DNS-1123
   names, label syntax, parseable quantities, ``replicas`` in ``[0, 2147483647]``, a
   Deployment/ReplicaSet selector that matches its template labels, requests <= limits,
   ``maxSurge``/``maxUnavailable`` not both zero, HPA min <= max, ...

Every problem is reported as ``document N (Kind "name"): field.path: problem``.

>>> validate_object({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
...                  "spec": {"replica": 3, "selector": {"matchLabels": {"app": "web"}},
...                           "template": {"metadata": {"labels": {"app": "web"}},
...                                        "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
["spec: unknown field 'replica' (did you mean 'replicas'?)"]
"""
from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from labsupport.k8s.errors import ManifestError
from labsupport.k8s.extended_resources import extended_resource_problems
from labsupport.k8s.objects import selector_matches
from labsupport.k8s.quantity import parse_cpu, parse_memory, parse_quantity
from labsupport.k8s.semantics import extra_problems, normalize_nulls
from labsupport.k8s.workload_api import WORKLOAD_KINDS, workload_problems

__all__ = [
    "SIMULATED_KINDS",
    "KUBERNETES_VERSION",
    "load_manifests",
    "validate_object",
    "validate_manifests",
    "semantic_problems",
    "field_path",
    "int_or_percent",
    "RESOURCE_QUOTA_KEYS",
]

KUBERNETES_VERSION = "1.37"

#: kind -> the apiVersion Kubernetes 1.37 serves it under (the only one simulated).
SIMULATED_KINDS = {
    "Namespace": "v1",
    "Pod": "v1",
    "Service": "v1",
    "ResourceQuota": "v1",
    "ReplicaSet": "apps/v1",
    "Deployment": "apps/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2",
    "PriorityClass": "scheduling.k8s.io/v1",
    # networking (labsupport.k8s.network, issue 13); Gateway API kinds are validated against their CRD schemas
    "NetworkPolicy": "networking.k8s.io/v1",
    "Ingress": "networking.k8s.io/v1",
    "GatewayClass": "gateway.networking.k8s.io/v1",
    "Gateway": "gateway.networking.k8s.io/v1",
    "HTTPRoute": "gateway.networking.k8s.io/v1",
    # security (labsupport.k8s.auth, .secrets, .podsecurity)
    "Secret": "v1",
    "ConfigMap": "v1",
    "ServiceAccount": "v1",
    "Role": "rbac.authorization.k8s.io/v1",
    "ClusterRole": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
    "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
    # issue 14 (scaling and HA)
    "PodDisruptionBudget": "policy/v1",
    # issue 15 (storage)
    "PersistentVolume": "v1",
    "PersistentVolumeClaim": "v1",
    "StorageClass": "storage.k8s.io/v1",
    "StatefulSet": "apps/v1",
}
# Job, CronJob, DaemonSet and CustomResourceDefinition (issue 18): rules and defaults in labsupport.k8s.workload_api
SIMULATED_KINDS.update(WORKLOAD_KINDS)

#: ResourceQuota ``spec.hard`` keys that admission enforces here.
RESOURCE_QUOTA_KEYS = ("pods", "requests.cpu", "requests.memory", "cpu", "memory")

INT32_MAX = 2**31 - 1
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_PERCENT = re.compile(r"^(\d+)%$")


def field_path(parts: Iterable[Any]) -> str:
    """``("spec", "containers", 0, "name")`` -> ``"spec.containers[0].name"``.

    >>> field_path(["spec", "template", "spec", "containers", 0, "resources"])
    'spec.template.spec.containers[0].resources'
    """
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "null"
    return type(value).__name__


# ---------------------------------------------------------------- schema layer
@functools.cache
def _validator(kind: str, api_version: str):
    """A cached jsonschema validator for one kind (kubernetes-validate's strict 1.37 schema)."""
    import jsonschema
    from kubernetes_validate import utils as kvu
    from referencing import Registry, Resource

    version = [v for v in kvu.all_versions() if kvu.major_minor(v) <= KUBERNETES_VERSION][-1]
    schema_dir = f"v{version}-local-strict"
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = kvu.schema_contents(f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{group}.json", KUBERNETES_VERSION)
    defs = _definitions(schema_dir)
    registry = Resource.from_contents(defs) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry, format_checker=_FORMATS)


def _int_in(lo: int, hi: int):
    def check(value: Any) -> bool:
        return not isinstance(value, int) or isinstance(value, bool) or lo <= value <= hi
    return check


def _format_checker():
    """The OpenAPI ``format`` values the API server enforces when it decodes JSON into Go types."""
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    checker.checks("int32")(_int_in(-(2**31), INT32_MAX))
    checker.checks("int64")(_int_in(-(2**63), 2**63 - 1))
    return checker


_FORMATS = _format_checker()


@functools.cache
def _definitions(schema_dir: str):
    from kubernetes_validate import utils as kvu

    return kvu.schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", KUBERNETES_VERSION)


def schema_message(err) -> str:
    """Turn a jsonschema ValidationError into ``path: plain words``."""
    path = field_path(err.absolute_path)
    where = f"{path}: " if path else ""
    v = err.validator
    if v == "additionalProperties":
        allowed = sorted((err.schema.get("properties") or {}).keys())
        extra = sorted(k for k in err.instance if k not in allowed)
        parts = []
        for k in extra:
            close = difflib.get_close_matches(k, allowed, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            parts.append(f"unknown field '{k}'{hint}")
        return where + "; ".join(parts)
    if v == "type":
        want = err.validator_value
        if isinstance(want, list):
            want = [w for w in want if w != "null"]
            want = want[0] if len(want) == 1 else " or ".join(want)
        want = {"integer": "an integer", "string": "a string", "object": "a mapping", "array": "a list",
                "boolean": "a boolean (true/false)", "number": "a number"}.get(want, want)
        return f"{where}must be {want}, got {err.instance!r} ({_type_name(err.instance)})"
    if v == "required":
        missing = re.match(r"'([^']*)' is a required property", err.message)
        name = missing.group(1) if missing else err.message
        return f"{where}missing required field '{name}'"
    if v == "enum":
        return f"{where}must be one of {', '.join(map(repr, err.validator_value))}, got {err.instance!r}"
    if v == "format" and err.validator_value in ("int32", "int64"):
        bits = err.validator_value[3:]
        lo, hi = -(2 ** (int(bits) - 1)), 2 ** (int(bits) - 1) - 1
        bound = f"at most {hi}" if err.instance > hi else f"at least {lo}"
        return f"{where}must be {bound} ({err.validator_value}), got {err.instance!r}"
    if v in ("oneOf", "anyOf"):
        return f"{where}{err.instance!r} is not a valid value here ({_type_name(err.instance)})"
    return f"{where}{err.message}"


def _schema_problems(obj: Mapping) -> list[str]:
    if obj["apiVersion"].startswith("gateway.networking.k8s.io/"):
        from labsupport.k8s.network.gateway import gateway_schema_problems

        return gateway_schema_problems(obj)
    validator = _validator(obj["kind"], obj["apiVersion"])
    errors = sorted(validator.iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
    return [schema_message(e) for e in errors]


# -------------------------------------------------------------- semantic layer
def name_problems(name: Any, path: str, rule: str) -> list[str]:
    if not isinstance(name, str) or not name:
        return [f"{path}: missing required field 'name'" if path.endswith("metadata") else f"{path}: must be a non-empty string"]
    if rule == "label":
        ok, what = len(name) <= 63 and _DNS1123_LABEL.match(name), "a DNS-1123 label (at most 63 characters: lower-case letters, digits and '-', starting and ending with a letter or digit)"
    elif rule == "1035":
        ok, what = len(name) <= 63 and _DNS1035_LABEL.match(name), "a DNS-1035 label (at most 63 characters: lower-case letters, digits and '-', starting with a letter)"
    else:
        ok, what = len(name) <= 253 and _DNS1123_SUBDOMAIN.match(name), "a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)"
    return [] if ok else [f"{path}: {name!r} is not {what}"]


def labels_problems(labels: Any, path: str) -> list[str]:
    out = []
    for k, v in (labels or {}).items():
        key_name = k.rsplit("/", 1)[-1]
        if not _LABEL_NAME.match(key_name) or len(key_name) > 63:
            out.append(f"{path}: key {k!r} is not a valid label key")
        if not isinstance(v, str):
            out.append(f"{path}.{k}: label values must be strings, got {v!r} ({_type_name(v)}); quote it in YAML")
        elif len(v) > 63 or not _LABEL_VALUE.match(v):
            out.append(f"{path}.{k}: {v!r} is not a valid label value (at most 63 characters, alphanumerics, '-', '_' or '.')")
    return out


def int_or_percent(value: Any, total: int, round_up: bool, field: str) -> int:
    """Resolve an IntOrString such as ``maxSurge: 25%`` against ``total`` (``intstr.GetScaledValueFromIntOrPercent``).

    >>> int_or_percent("25%", 10, True, "maxSurge"), int_or_percent("25%", 10, False, "maxUnavailable"), int_or_percent(2, 10, True, "x")
    (3, 2, 2)
    """
    if isinstance(value, bool):
        raise ManifestError(f"{field}: must be an integer or a percentage such as '25%', got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ManifestError(f"{field}: must be greater than or equal to 0, got {value}")
        return value
    m = _PERCENT.match(str(value)) if isinstance(value, str) else None
    if not m:
        raise ManifestError(f"{field}: must be an integer or a percentage such as '25%', got {value!r}")
    pct = int(m.group(1))
    num = pct * total
    return -(-num // 100) if round_up else num // 100


def _replicas_problems(value: Any, path: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int):
        return []  # the schema layer already said "must be an integer"
    if value < 0:
        return [f"{path}: must be greater than or equal to 0, got {value}"]
    if value > INT32_MAX:
        return [f"{path}: must be at most {INT32_MAX} (int32), got {value}"]
    return []


def pod_spec_problems(spec: Mapping, path: str, in_template: bool) -> list[str]:
    out: list[str] = []
    names = set()
    for group in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(group) or ()):
            cp = f"{path}.{group}[{i}]"
            name = c.get("name")
            out += name_problems(name, f"{cp}.name", "label") if name else [f"{cp}: missing required field 'name'"]
            if name in names:
                out.append(f"{cp}.name: duplicate container name {name!r}")
            names.add(name)
            if not c.get("image"):
                out.append(f"{cp}: missing required field 'image'")
            res = c.get("resources") or {}
            parsed: dict[str, dict[str, int]] = {}
            for section in ("requests", "limits"):
                for rname, q in (res.get(section) or {}).items():
                    field = f"{cp}.resources.{section}.{rname}"
                    try:
                        if rname == "cpu":
                            parsed.setdefault(section, {})[rname] = parse_cpu(q, field)
                        elif rname == "memory":
                            parsed.setdefault(section, {})[rname] = parse_memory(q, field)
                        else:
                            parse_quantity(q, field)
                    except ManifestError as e:
                        out.append(str(e))
            for rname in ("cpu", "memory"):
                req = parsed.get("requests", {}).get(rname)
                lim = parsed.get("limits", {}).get(rname)
                if req is not None and lim is not None and req > lim:
                    out.append(f"{cp}.resources.requests.{rname}: {res['requests'][rname]!r} must be less than or equal to the {rname} limit {res['limits'][rname]!r}")
            out += extended_resource_problems(c, cp)  # extended resources / hugepages: whole, request == limit
    if in_template and spec.get("restartPolicy", "Always") != "Always":
        out.append(f"{path}.restartPolicy: must be 'Always' in a Deployment or ReplicaSet template, got {spec['restartPolicy']!r}")
    for i, t in enumerate(spec.get("tolerations") or ()):
        if t.get("operator") == "Exists" and t.get("value"):
            out.append(f"{path}.tolerations[{i}].value: must be empty when operator is 'Exists'")
        if t.get("tolerationSeconds") is not None and t.get("effect") not in (None, "", "NoExecute"):
            out.append(f"{path}.tolerations[{i}].effect: must be 'NoExecute' when tolerationSeconds is set")
    tgps = spec.get("terminationGracePeriodSeconds")
    if isinstance(tgps, int) and not isinstance(tgps, bool) and tgps < 0:
        out.append(f"{path}.terminationGracePeriodSeconds: must be greater than or equal to 0, got {tgps}")
    return out


def _workload_problems(obj: Mapping) -> list[str]:
    spec = obj.get("spec") or {}
    out = _replicas_problems(spec.get("replicas"), "spec.replicas")
    sel = spec.get("selector")
    tmpl = spec.get("template") or {}
    tlabels = (tmpl.get("metadata") or {}).get("labels") or {}
    if not sel or not (sel.get("matchLabels") or sel.get("matchExpressions")):
        out.append("spec.selector: must not be empty (give matchLabels that match spec.template.metadata.labels)")
    elif not selector_matches(sel, tlabels):
        out.append(f"spec.template.metadata.labels: {tlabels!r} do not match spec.selector {sel.get('matchLabels') or sel!r} (selector does not match template labels)")
    out += labels_problems(tlabels, "spec.template.metadata.labels")
    out += pod_spec_problems(tmpl.get("spec") or {}, "spec.template.spec", in_template=True)
    for key in ("minReadySeconds", "revisionHistoryLimit"):
        v = spec.get(key)
        if isinstance(v, int) and not isinstance(v, bool) and v < 0:
            out.append(f"spec.{key}: must be greater than or equal to 0, got {v}")
    if obj["kind"] == "Deployment":
        strategy = spec.get("strategy") or {}
        stype = strategy.get("type", "RollingUpdate")
        ru = strategy.get("rollingUpdate")
        if stype == "Recreate" and ru is not None:
            out.append("spec.strategy.rollingUpdate: may not be specified when strategy type is 'Recreate'")
        if stype == "RollingUpdate":
            ru = ru or {}
            try:
                surge = int_or_percent(ru.get("maxSurge", "25%"), 100, True, "spec.strategy.rollingUpdate.maxSurge")
                unavail = int_or_percent(ru.get("maxUnavailable", "25%"), 100, False, "spec.strategy.rollingUpdate.maxUnavailable")
                if surge == 0 and unavail == 0:
                    out.append("spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when maxSurge is 0")
                if isinstance(ru.get("maxUnavailable"), str) and unavail > 100:
                    out.append("spec.strategy.rollingUpdate.maxUnavailable: must not be greater than 100%")
            except ManifestError as e:
                out.append(str(e))
        pds = spec.get("progressDeadlineSeconds")
        if isinstance(pds, int) and pds <= (spec.get("minReadySeconds") or 0):
            out.append("spec.progressDeadlineSeconds: must be greater than minReadySeconds")
    return out


def _service_problems(obj: Mapping) -> list[str]:
    spec = obj.get("spec") or {}
    out = []
    from labsupport.k8s.network.services import service_type_problems

    out += service_type_problems(spec)
    ports = spec.get("ports") or []
    if not ports and spec.get("type") != "ExternalName":
        out.append("spec.ports: must have at least one port")
    seen = set()
    for i, p in enumerate(ports):
        port = p.get("port")
        if isinstance(port, int) and not 1 <= port <= 65535:
            out.append(f"spec.ports[{i}].port: must be between 1 and 65535, inclusive, got {port}")
        if len(ports) > 1 and not p.get("name"):
            out.append(f"spec.ports[{i}].name: required when the Service has more than one port")
        key = (p.get("port"), p.get("protocol", "TCP"))
        if key in seen:
            out.append(f"spec.ports[{i}]: duplicate port {port}/{key[1]}")
        seen.add(key)
    out += labels_problems(spec.get("selector"), "spec.selector")
    return out


def _hpa_problems(obj: Mapping) -> list[str]:
    spec = obj.get("spec") or {}
    out = []
    ref = spec.get("scaleTargetRef") or {}
    if ref.get("kind") not in ("Deployment", "ReplicaSet"):
        out.append(f"spec.scaleTargetRef.kind: {ref.get('kind')!r} is not simulated (simulated: 'Deployment', 'ReplicaSet')")
    mn, mx = spec.get("minReplicas", 1), spec.get("maxReplicas")
    if isinstance(mn, int) and mn < 1:
        out.append(f"spec.minReplicas: must be greater than or equal to 1, got {mn}")
    if isinstance(mx, int) and isinstance(mn, int) and mx < mn:
        out.append(f"spec.maxReplicas: must be greater than or equal to minReplicas ({mn}), got {mx}")
    for i, m in enumerate(spec.get("metrics") or ()):
        mp = f"spec.metrics[{i}]"
        if m.get("type") != "Resource":
            out.append(f"{mp}.type: {m.get('type')!r} metrics are not simulated (simulated: 'Resource' with cpu or memory)")
            continue
        res = m.get("resource") or {}
        if res.get("name") not in ("cpu", "memory"):
            out.append(f"{mp}.resource.name: must be 'cpu' or 'memory', got {res.get('name')!r}")
        tgt = res.get("target") or {}
        ttype = tgt.get("type")
        if ttype == "Utilization":
            u = tgt.get("averageUtilization")
            if not isinstance(u, int) or u < 1:
                out.append(f"{mp}.resource.target.averageUtilization: must be an integer >= 1 when type is 'Utilization', got {u!r}")
        elif ttype == "AverageValue":
            try:
                q = parse_quantity(tgt.get("averageValue"), f"{mp}.resource.target.averageValue")
                if q <= 0:
                    out.append(f"{mp}.resource.target.averageValue: must be positive")
            except ManifestError as e:
                out.append(str(e))
        else:
            out.append(f"{mp}.resource.target.type: must be 'Utilization' or 'AverageValue' for a resource metric, got {ttype!r}")
    for direction in ("scaleUp", "scaleDown"):
        rules = (spec.get("behavior") or {}).get(direction) or {}
        w = rules.get("stabilizationWindowSeconds")
        if isinstance(w, int) and not 0 <= w <= 3600:
            out.append(f"spec.behavior.{direction}.stabilizationWindowSeconds: must be between 0 and 3600, got {w}")
        for j, p in enumerate(rules.get("policies") or ()):
            pp = f"spec.behavior.{direction}.policies[{j}]"
            if isinstance(p.get("periodSeconds"), int) and not 0 < p["periodSeconds"] <= 1800:
                out.append(f"{pp}.periodSeconds: must be between 1 and 1800, got {p['periodSeconds']}")
            if isinstance(p.get("value"), int) and p["value"] <= 0:
                out.append(f"{pp}.value: must be greater than 0, got {p['value']}")
    return out


def _priorityclass_problems(obj: Mapping) -> list[str]:
    out = []
    name = obj["metadata"].get("name") or ""
    value = obj.get("value")
    if name.startswith("system-"):
        out.append("metadata.name: names with the 'system-' prefix are reserved for built-in PriorityClasses")
    if isinstance(value, int) and value > 1_000_000_000:
        out.append(f"value: must be no greater than 1000000000 for user PriorityClasses, got {value}")
    return out


def _quota_problems(obj: Mapping) -> list[str]:
    out = []
    for key, q in ((obj.get("spec") or {}).get("hard") or {}).items():
        field = f"spec.hard.{key}"
        if key not in RESOURCE_QUOTA_KEYS:
            out.append(f"{field}: not simulated by labsupport (simulated keys: {', '.join(RESOURCE_QUOTA_KEYS)})")
            continue
        try:
            if key.endswith("cpu"):
                parse_cpu(q, field)
            elif key.endswith("memory"):
                parse_memory(q, field)
            else:
                parse_quantity(q, field)
        except ManifestError as e:
            out.append(str(e))
    return out


_NAME_RULE = {"Namespace": "label", "Service": "1035"}


def _semantic_problems(obj: Mapping) -> list[str]:
    meta = obj.get("metadata") or {}
    kind = obj["kind"]
    out = name_problems(meta.get("name"), "metadata.name" if meta.get("name") else "metadata", _NAME_RULE.get(kind, "subdomain"))
    if meta.get("namespace") is not None and kind not in ("Namespace", "PriorityClass", "GatewayClass"):
        out += name_problems(meta["namespace"], "metadata.namespace", "label")
    out += labels_problems(meta.get("labels"), "metadata.labels")
    out += workload_problems(obj)  # Job, CronJob, DaemonSet, CRD (labsupport.k8s.workload_api)
    if kind == "Pod":
        out += pod_spec_problems(obj.get("spec") or {}, "spec", in_template=False)
    elif kind in ("Deployment", "ReplicaSet"):
        out += _workload_problems(obj)
    elif kind == "Service":
        out += _service_problems(obj)
    elif kind == "HorizontalPodAutoscaler":
        out += _hpa_problems(obj)
    elif kind == "PriorityClass":
        out += _priorityclass_problems(obj)
    elif kind == "ResourceQuota":
        out += _quota_problems(obj)
    elif kind in _NETWORK_KINDS:  # labsupport.k8s.network (issue 13)
        out += _network_problems(obj)
    elif kind == "PodDisruptionBudget":
        from labsupport.k8s.controllers.disruption import pdb_problems  # here: disruption imports this module
        out += pdb_problems(obj)
    elif kind in ("PersistentVolume", "PersistentVolumeClaim", "StorageClass", "StatefulSet"):  # issue 15
        from labsupport.k8s.storage import pv as _pv
        if kind == "StatefulSet":
            from labsupport.k8s.controllers.statefulset import statefulset_problems
            out += _workload_problems(obj) + statefulset_problems(obj)
        else:
            out += {"PersistentVolume": _pv.pv_problems, "PersistentVolumeClaim": _pv.pvc_problems,
                    "StorageClass": _pv.storageclass_problems}[kind](obj)
    out += extra_problems(obj)   # labsupport.k8s.semantics: the further pkg/apis/*/validation rules
    return out


def semantic_problems(obj: Mapping) -> list[str]:
    """The semantic layer alone, for an object that already passed the schema (e.g. an update merged with the live object)."""
    return _semantic_problems(obj)


_NETWORK_KINDS = ("NetworkPolicy", "Ingress", "GatewayClass", "Gateway", "HTTPRoute")


def _network_problems(obj: Mapping) -> list[str]:
    from labsupport.k8s.network.gateway import gateway_problems, ingress_problems
    from labsupport.k8s.network.networkpolicy import networkpolicy_problems

    if obj["kind"] == "NetworkPolicy":
        return networkpolicy_problems(obj)
    if obj["kind"] == "Ingress":
        return ingress_problems(obj)
    return gateway_problems(obj)


def validate_object(obj: Any) -> list[str]:
    """All problems of one object, each ``field.path: problem`` (empty list: valid).

    >>> validate_object({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "x"}})  # doctest: +ELLIPSIS
    ['Kind Endpoints is not simulated by labsupport (simulated kinds: ClusterRole, ...)']
    """
    if not isinstance(obj, dict):
        return [f"expected a mapping with apiVersion, kind and metadata, got {_type_name(obj)}"]
    kind, api = obj.get("kind"), obj.get("apiVersion")
    if not kind:
        return ["missing required field 'kind'"]
    if not isinstance(kind, str):
        return [f"kind: must be a string, got {kind!r} ({_type_name(kind)})"]
    if api is not None and not isinstance(api, str):
        return [f"apiVersion: must be a string, got {api!r} ({_type_name(api)})"]
    if kind not in SIMULATED_KINDS:
        shown = kind if kind.isidentifier() else repr(kind)
        return [f"Kind {shown} is not simulated by labsupport (simulated kinds: {', '.join(sorted(SIMULATED_KINDS))})"]
    if not api:
        return [f"missing required field 'apiVersion' (use {SIMULATED_KINDS[kind]!r} for {kind})"]
    if api != SIMULATED_KINDS[kind]:
        return [f"apiVersion: {api!r} does not serve {kind} in Kubernetes {KUBERNETES_VERSION} (use {SIMULATED_KINDS[kind]!r})"]
    if not isinstance(obj.get("metadata"), dict):
        return ["missing required field 'metadata'"]
    problems = _schema_problems(obj)
    if problems:
        return problems
    return _semantic_problems(obj)


def _describe(i: int, obj: Any) -> str:
    if isinstance(obj, dict):
        kind = obj.get("kind") if isinstance(obj.get("kind"), str) and obj["kind"].isidentifier() else "?"
        name = (obj.get("metadata") or {}).get("name") if isinstance(obj.get("metadata"), dict) else None
        return f'document {i} ({kind} {json.dumps(name)})' if isinstance(name, str) and name else f"document {i} ({kind})"
    return f"document {i}"


def validate_manifests(objs: list, custom: Any = None) -> None:
    """Validate every object; raise one :class:`ManifestError` listing the problems (documents numbered from 1).

    ``custom`` (a :class:`labsupport.k8s.crd.CustomResources`) validates the objects it claims (custom resources).
    ``null`` values in ``objs`` are normalized in place first (:func:`labsupport.k8s.semantics.normalize_nulls`).
    """
    problems = []
    for i, obj in enumerate(objs, start=1):
        normalize_nulls(obj)   # in place: ``field: null`` is an unset field, as when the API server decodes JSON
        own = custom.problems(obj) if custom is not None and custom.claims(obj) else validate_object(obj)
        problems += [f"{_describe(i, obj)}: {p}" for p in own]
    if problems:
        more = f"\n(and {len(problems) - 10} more problems)" if len(problems) > 10 else ""
        raise ManifestError("\n".join(problems[:10]) + more)


def load_manifests(manifest: Any) -> list:
    """A YAML string (``---`` separated documents), a dict, or a list of dicts -> list of objects.

    >>> [o["kind"] for o in load_manifests("kind: Namespace\\n---\\nkind: Pod\\n")]
    ['Namespace', 'Pod']
    >>> try:
    ...     load_manifests("kind: Pod\\nmetadata:\\n  name: a\\n   bad: 1\\n")
    ... except ManifestError as e:
    ...     print(e)
    document 1: not valid YAML: line 4, column 7: mapping values are not allowed here
    """
    if isinstance(manifest, dict):
        return [manifest]
    if isinstance(manifest, (list, tuple)):
        out = []
        for item in manifest:
            out += load_manifests(item) if isinstance(item, str) else [item]
        return out
    if not isinstance(manifest, str):
        raise ManifestError(f"manifest: expected a YAML string, a dict or a list, got {_type_name(manifest)}")
    try:
        docs = [d for d in yaml.safe_load_all(manifest) if d is not None]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        if mark is None:
            raise ManifestError(f"manifest: not valid YAML: {e}") from None
        doc = 1 + sum(1 for line in manifest.splitlines()[: mark.line] if line.startswith("---") and line[3:].strip() == "")
        if manifest.lstrip().startswith("---"):
            doc -= 1
        raise ManifestError(f"document {max(doc, 1)}: not valid YAML: line {mark.line + 1}, column {mark.column + 1}: {e.problem}") from None
    if not docs:
        raise ManifestError("manifest: no documents found (empty YAML)")
    return docs
