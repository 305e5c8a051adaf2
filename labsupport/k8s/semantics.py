"""More API-server semantic rules, and JSON ``null`` handled as the API server decodes it.

Kubernetes 1.37 ``pkg/apis/core/validation/validation.go``, ``pkg/apis/apps/validation`` and
``pkg/apis/autoscaling/validation`` reject far more than the OpenAPI schema does. This module
adds the rules that matter for the kinds labsupport simulates, on top of the ones in
:mod:`labsupport.k8s.validation` (names, labels, quantities, selector/template, strategy, HPA
targets). Each problem reads ``field.path: problem``; the upstream function is named beside
each rule below.

``null`` values: the API server decodes JSON into Go structs, so ``field: null`` is the same as
leaving the field out and a ``null`` list entry becomes an empty struct (``containers: [null]``
is one container with no name and no image). :func:`normalize_nulls` does the same before
validation, so ``spec: null`` ends as "spec.containers: Required value" exactly as upstream.

Simplified: only the fields the simulator models are checked; warnings the API server returns
(duplicate container ports, deprecated fields) are not raised.

One rule is the simulator's own, not the API server's: ``spec.replicas`` (and an HPA's
``maxReplicas``) above :data:`SIMULATED_MAX_REPLICAS`, 150,000 -- the number of Pods per cluster
Kubernetes is tested with. The API server takes any int32, and the ReplicaSet controller then
creates Pods without end; in a notebook that would fill the kernel's memory, so it is refused
with a message saying it is this simulator's limit.

>>> pod = {"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "x", "ports": [{"containerPort": 80, "name": "web"}]},
...                                               {"name": "a", "image": " x", "ports": [{"containerPort": 70000, "name": "web"}]}]}}
>>> for p in pod_spec_problems(pod["spec"], "spec"): print(p)
spec.containers[1].image: must not have leading or trailing whitespace
spec.containers[1].ports[0].containerPort: must be between 1 and 65535, inclusive, got 70000
spec.containers[1].ports[0].name: Duplicate value: 'web'
>>> normalize_nulls({"spec": {"containers": [None], "nodeName": None}})
{'spec': {'containers': [{}]}}
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["SIMULATED_MAX_REPLICAS", "extra_problems", "normalize_nulls", "pod_spec_problems", "replicas_limit_problems",
           "selector_problems"]

#: the most replicas one object may ask for here: Kubernetes' tested 150,000 Pods per cluster
#: (https://kubernetes.io/docs/setup/best-practices/cluster-large/)
SIMULATED_MAX_REPLICAS = 150_000

_IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_PROTOCOLS = ("TCP", "UDP", "SCTP")


def normalize_nulls(value: Any) -> Any:
    """Drop ``key: null`` entries and turn ``null`` list entries into ``{}``, recursively (in place)."""
    if isinstance(value, dict):
        for k in [k for k, v in value.items() if v is None]:
            del value[k]
        for v in value.values():
            normalize_nulls(v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if v is None:
                value[i] = {}
            else:
                normalize_nulls(v)
    return value


def _port_name_problem(name: str) -> str | None:
    """``validation.IsValidPortName`` (IANA_SVC_NAME)."""
    if len(name) > 15:
        return "must be no more than 15 characters"
    if not _IANA_SVC_NAME.match(name):
        return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), and start and end with one"
    if "--" in name:
        return "must not contain consecutive hyphens"
    if not re.search(r"[a-z]", name):
        return "must contain at least one letter (a-z)"
    return None


def _port_number(value: Any, path: str, allow_zero: bool = False) -> list[str]:
    if isinstance(value, int) and not isinstance(value, bool):
        lo = 0 if allow_zero else 1
        if not lo <= value <= 65535:
            return [f"{path}: must be between {lo} and 65535, inclusive, got {value}"]
    return []


def label_key_problem(key: str) -> str | None:
    """``validation.IsQualifiedName``: an optional DNS-1123 subdomain prefix, ``/``, and a name of at most 63 characters."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return f"key {key!r} has an invalid prefix (a DNS-1123 subdomain such as 'example.com')"
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return f"key {key!r} is not a valid label key"
    return None


def selector_problems(sel: Mapping, path: str) -> list[str]:
    """``ValidateLabelSelector``: operators and their values (metav1validation)."""
    out = []
    for k in sel.get("matchLabels") or {}:
        problem = label_key_problem(k)
        if problem:
            out.append(f"{path}.matchLabels: {problem}")
    for i, e in enumerate(sel.get("matchExpressions") or ()):
        ep = f"{path}.matchExpressions[{i}]"
        op, values = e.get("operator"), e.get("values") or []
        if op in ("In", "NotIn") and not values:
            out.append(f"{ep}.values: must be specified when `operator` is 'In' or 'NotIn'")
        elif op in ("Exists", "DoesNotExist") and values:
            out.append(f"{ep}.values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
        elif op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            out.append(f"{ep}.operator: not a valid selector operator, got {op!r}")
        key = e.get("key") or ""
        problem = label_key_problem(key) if key else "key: Required value"
        if problem:
            out.append(f"{ep}: {problem}")
    return out


def pod_spec_problems(spec: Mapping, path: str) -> list[str]:
    """``ValidatePodSpec`` rules beyond labsupport.k8s.validation's: containers, ports, policies."""
    out: list[str] = []
    containers = spec.get("containers") or []
    if not containers:
        out.append(f"{path}.containers: Required value: a Pod needs at least one container")
    port_names: set[str] = set()   # duplicate container names: labsupport.k8s.validation already says so
    for group in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(group) or ()):
            cp = f"{path}.{group}[{i}]"
            image = c.get("image")
            if isinstance(image, str) and image and image != image.strip():
                out.append(f"{cp}.image: must not have leading or trailing whitespace")
            for j, port in enumerate(c.get("ports") or ()):
                pp = f"{cp}.ports[{j}]"
                if "containerPort" not in port:
                    out.append(f"{pp}.containerPort: Required value")
                out += _port_number(port.get("containerPort"), f"{pp}.containerPort")
                out += _port_number(port.get("hostPort"), f"{pp}.hostPort", allow_zero=True)
                if port.get("protocol", "TCP") not in _PROTOCOLS:
                    out.append(f"{pp}.protocol: Unsupported value: {port['protocol']!r} (supported: 'TCP', 'UDP', 'SCTP')")
                pname = port.get("name")
                if pname:                                          # validateContainerPorts: IANA_SVC_NAME, unique in the pod
                    problem = _port_name_problem(pname)
                    if problem:
                        out.append(f"{pp}.name: {pname!r} {problem}")
                    elif pname in port_names:
                        out.append(f"{pp}.name: Duplicate value: {pname!r}")
                    port_names.add(pname)
    policy = spec.get("restartPolicy")
    if policy is not None and policy not in _RESTART_POLICIES:
        out.append(f"{path}.restartPolicy: Unsupported value: {policy!r} (supported: 'Always', 'OnFailure', 'Never')")
    ads = spec.get("activeDeadlineSeconds")
    if isinstance(ads, int) and not isinstance(ads, bool) and ads < 1:
        out.append(f"{path}.activeDeadlineSeconds: must be between 1 and 2147483647, inclusive, got {ads}")
    for k in spec.get("nodeSelector") or {}:
        problem = label_key_problem(k)
        if problem:
            out.append(f"{path}.nodeSelector: {problem}")
    for i, t in enumerate(spec.get("tolerations") or ()):
        tp = f"{path}.tolerations[{i}]"
        op = t.get("operator", "Equal")
        if op not in ("Equal", "Exists"):
            out.append(f"{tp}.operator: Unsupported value: {op!r} (supported: 'Equal', 'Exists')")
        if not t.get("key") and op != "Exists":
            out.append(f"{tp}.operator: must be 'Exists' when `key` is empty, which means \"match all values and all keys\"")
        if t.get("key"):
            problem = label_key_problem(t["key"])
            if problem:
                out.append(f"{tp}.key: {problem}")
        effect = t.get("effect")
        if effect not in (None, "", "NoSchedule", "PreferNoSchedule", "NoExecute"):
            out.append(f"{tp}.effect: Unsupported value: {effect!r} (supported: 'NoSchedule', 'PreferNoSchedule', 'NoExecute')")
    pcn = spec.get("priorityClassName")
    if isinstance(pcn, str) and pcn and not _DNS1123_SUBDOMAIN.match(pcn):
        out.append(f"{path}.priorityClassName: {pcn!r} is not a DNS-1123 subdomain")
    return out


def _service_extra(spec: Mapping) -> list[str]:
    """``ValidateService``: ports, port names and targetPort (core/validation)."""
    out = []
    names: set[str] = set()
    for i, p in enumerate(spec.get("ports") or ()):
        pp = f"spec.ports[{i}]"
        if "port" not in p:
            out.append(f"{pp}.port: Required value")
        name = p.get("name")
        if name:
            if len(name) > 63 or not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name):   # IsDNS1123Label
                out.append(f"{pp}.name: {name!r} is not a DNS-1123 label (lower-case letters, digits and '-')")
            elif name in names:
                out.append(f"{pp}.name: Duplicate value: {name!r}")
            names.add(name)
        if p.get("protocol", "TCP") not in _PROTOCOLS:
            out.append(f"{pp}.protocol: Unsupported value: {p['protocol']!r} (supported: 'TCP', 'UDP', 'SCTP')")
        target = p.get("targetPort")
        if isinstance(target, str):
            problem = _port_name_problem(target)
            if problem:
                out.append(f"{pp}.targetPort: {target!r} {problem}")
        else:
            out += _port_number(target, f"{pp}.targetPort")
    return out


def _hpa_extra(spec: Mapping) -> list[str]:
    """``ValidateHorizontalPodAutoscalerSpec`` (autoscaling/validation)."""
    out = []
    ref = spec.get("scaleTargetRef") or {}
    if not ref.get("name"):
        out.append("spec.scaleTargetRef.name: Required value")
    mx = spec.get("maxReplicas")
    if isinstance(mx, int) and not isinstance(mx, bool) and mx < 1:
        out.append(f"spec.maxReplicas: must be greater than or equal to 1, got {mx}")
    out += replicas_limit_problems(mx, "spec.maxReplicas")
    for direction in ("scaleUp", "scaleDown"):
        rules = (spec.get("behavior") or {}).get(direction) or {}
        if "policies" in rules and not rules["policies"]:   # validateScalingRules
            out.append(f"spec.behavior.{direction}.policies: Required value: must specify at least one Policy")
        sp = rules.get("selectPolicy")
        if sp is not None and sp not in ("Max", "Min", "Disabled"):
            out.append(f"spec.behavior.{direction}.selectPolicy: Unsupported value: {sp!r} (supported: 'Max', 'Min', 'Disabled')")
        for j, p in enumerate(rules.get("policies") or ()):
            if p.get("type") not in ("Pods", "Percent"):
                out.append(f"spec.behavior.{direction}.policies[{j}].type: Unsupported value: {p.get('type')!r} (supported: 'Pods', 'Percent')")
    return out


def replicas_limit_problems(replicas: Any, path: str) -> list[str]:
    """The simulator's own limit (module docstring), beyond the API server's int32.

    >>> replicas_limit_problems(2147483647, "spec.replicas")
    ['spec.replicas: 2147483647 is more than this simulator runs (at most 150000, the Pods per cluster Kubernetes is tested with); a real API server would accept it']
    """
    if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas > SIMULATED_MAX_REPLICAS:
        return [f"{path}: {replicas} is more than this simulator runs (at most {SIMULATED_MAX_REPLICAS}, the Pods per "
                "cluster Kubernetes is tested with); a real API server would accept it"]
    return []


def extra_problems(obj: Mapping) -> list[str]:
    """The rules of this module for one schema-valid object."""
    kind = obj["kind"]
    spec = obj.get("spec") or {}
    out: list[str] = []
    for k in (obj["metadata"].get("annotations") or {}):
        problem = label_key_problem(k)
        if problem:
            out.append(f"metadata.annotations: {problem}")
    if kind == "Pod":
        out += pod_spec_problems(spec, "spec")
    elif kind in ("Deployment", "ReplicaSet"):
        tmpl = spec.get("template")
        if not tmpl:
            out.append("spec.template: Required value")
        else:
            out += pod_spec_problems(tmpl.get("spec") or {}, "spec.template.spec")
        out += selector_problems(spec.get("selector") or {}, "spec.selector")
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        out += replicas_limit_problems(spec.get("replicas"), "spec.replicas")
    if kind == "Service":
        out += _service_extra(spec)
    elif kind == "HorizontalPodAutoscaler":
        out += _hpa_extra(spec)
    return out
