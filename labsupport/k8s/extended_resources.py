"""Extended resources (``nvidia.com/gpu``, ``example.com/dongle``) and the other scalar resources.

A node advertises an extended resource in ``status.capacity``/``status.allocatable`` (a device
plugin does that for GPUs); a container asks for it in ``resources.requests`` and
``resources.limits``. Rules reproduced (Kubernetes 1.37):

* what counts as extended: ``v1helper.IsExtendedResourceName`` -- a domain-prefixed name
  (``vendor.example/name``) outside ``kubernetes.io/``, not starting with ``requests.``;
  ``hugepages-<size>`` and ``ephemeral-storage`` are the other scalar resources modelled here;
* API validation (``ValidateResourceRequirements``): an extended resource or hugepages must be
  a whole number, and -- since they cannot be overcommitted -- the request must **equal** the
  limit, and a request needs a limit; a limit alone means request = limit (defaulting);
* the Pod's request per resource is ``max(sum(app + sidecar containers), max(init
  containers))``, like cpu and memory (:func:`scalar_requests`);
* NodeResourcesFit rejects a node with ``Insufficient <name>`` when the request exceeds
  what is left (``fitsRequest``); scoring ignores extended resources unless the scoring
  strategy lists them in ``resources``, and then only for Pods that request them
  (``calculateResourceAllocatableRequest``).

Simplified: hugepages are counted but not tied to memory; no device-plugin health, no
``ignoredResources``/``ignoredResourceGroups`` args.

>>> is_extended_resource_name("nvidia.com/gpu"), is_extended_resource_name("kubernetes.io/foo"), is_extended_resource_name("cpu")
(True, False, False)
>>> scalar_requests({"containers": [{"resources": {"limits": {"nvidia.com/gpu": 2}}}]})
(('nvidia.com/gpu', 2),)
>>> extended_resource_problems({"resources": {"requests": {"nvidia.com/gpu": 1}, "limits": {"nvidia.com/gpu": 2}}}, "spec.containers[0]")
['spec.containers[0].resources.requests.nvidia.com/gpu: 1 must be equal to nvidia.com/gpu limit of 2']
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from labsupport.k8s.errors import ManifestError
from labsupport.k8s.quantity import parse_memory, parse_quantity

__all__ = [
    "is_extended_resource_name",
    "is_scalar_resource_name",
    "parse_scalar",
    "scalar_requests",
    "extended_resource_problems",
]

_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _is_qualified_name(name: str) -> bool:
    prefix, slash, short = name.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(short) <= 63 and bool(_QUALIFIED_NAME.match(short))


def is_extended_resource_name(name: Any) -> bool:
    """``IsExtendedResourceName``: domain-prefixed, not native (``kubernetes.io/``), not ``requests.*``."""
    if not isinstance(name, str) or "/" not in name or "kubernetes.io/" in name or name.startswith("requests."):
        return False
    return _is_qualified_name("requests." + name)


def is_scalar_resource_name(name: Any) -> bool:
    """A resource kept as a scalar next to cpu, memory and pods (``IsScalarResourceName``): extended,
    ``hugepages-*``, prefixed native (``kubernetes.io/...``) -- and ``ephemeral-storage``, which the Fit filter
    checks the same way."""
    return is_extended_resource_name(name) or (isinstance(name, str) and (
        name.startswith("hugepages-") or name == "ephemeral-storage" or ("/" in name and "kubernetes.io/" in name)))


def _integer_resource(name: str) -> bool:
    """``IsIntegerResourceName``: extended resources are counted in whole units."""
    return is_extended_resource_name(name)


def parse_scalar(name: str, value: Any, field: str) -> int:
    """A scalar resource quantity as an integer: whole units for extended resources, bytes otherwise.

    >>> parse_scalar("nvidia.com/gpu", "2", "x"), parse_scalar("ephemeral-storage", "1Gi", "x")
    (2, 1073741824)
    """
    if _integer_resource(name):
        q = parse_quantity(value, field)
        if q < 0:
            raise ManifestError(f"{field}: must be greater than or equal to 0, got {value!r}")
        if q != int(q):
            raise ManifestError(f"{field}: {value!r} must be an integer")
        return int(q)
    return parse_memory(value, field)


def _container_scalars(c: Mapping, path: str) -> dict[str, int]:
    res = c.get("resources") or {}
    req, lim = res.get("requests") or {}, res.get("limits") or {}
    out = {}
    for name in sorted(set(req) | set(lim)):
        if is_scalar_resource_name(name):
            value = req.get(name, lim.get(name))  # a limit alone is also the request (API defaulting)
            out[name] = parse_scalar(name, value, f"{path}.resources.requests.{name}")
    return out


def scalar_requests(spec: Mapping) -> tuple[tuple[str, int], ...]:
    """The Pod's effective request of every scalar resource, as sorted ``(name, amount)`` pairs (zeros left out)."""
    app: dict[str, int] = {}
    for i, c in enumerate(spec.get("containers") or ()):
        for k, v in _container_scalars(c, f"spec.containers[{i}]").items():
            app[k] = app.get(k, 0) + v
    init: dict[str, int] = {}
    side: dict[str, int] = {}
    for i, c in enumerate(spec.get("initContainers") or ()):
        own = _container_scalars(c, f"spec.initContainers[{i}]")
        if c.get("restartPolicy") == "Always":
            for k, v in own.items():
                side[k] = side.get(k, 0) + v
            for k in side:
                init[k] = max(init.get(k, 0), side[k])
        else:
            for k in set(own) | set(side):
                init[k] = max(init.get(k, 0), side.get(k, 0) + own.get(k, 0))
    total = {k: max(app.get(k, 0) + side.get(k, 0), init.get(k, 0)) for k in set(app) | set(side) | set(init)}
    return tuple(sorted((k, v) for k, v in total.items() if v))


def extended_resource_problems(container: Mapping, path: str) -> list[str]:
    """API-server checks of a container's extended resources and hugepages (not overcommitable).

    >>> extended_resource_problems({"resources": {"requests": {"nvidia.com/gpu": 1}}}, "c")
    ['c.resources.limits.nvidia.com/gpu: Limit must be set for non overcommitable resources']
    """
    res = container.get("resources") or {}
    req, lim = res.get("requests") or {}, res.get("limits") or {}
    out: list[str] = []
    for section, values in (("requests", req), ("limits", lim)):
        for name, q in values.items():
            if _integer_resource(name):
                try:
                    parse_scalar(name, q, f"{path}.resources.{section}.{name}")
                except ManifestError as e:
                    out.append(str(e))
    for name in sorted(req):
        if not (is_extended_resource_name(name) or str(name).startswith("hugepages-")):
            continue
        if name not in lim:
            out.append(f"{path}.resources.limits.{name}: Limit must be set for non overcommitable resources")
            continue
        try:
            equal = parse_quantity(req[name], "x") == parse_quantity(lim[name], "x")
        except ManifestError:
            continue  # reported above or by the general quantity check
        if not equal:
            out.append(f"{path}.resources.requests.{name}: {req[name]!r} must be equal to {name} limit of {lim[name]!r}")
    return out
