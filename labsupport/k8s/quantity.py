"""Parse Kubernetes resource quantities ("500m", "1.5", "512Mi", "129e6") exactly.

The grammar is the one in ``k8s.io/apimachinery/pkg/api/resource/quantity.go``::

    <quantity>        ::= <signedNumber><suffix>
    <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
    <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
    <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimalSI>       ::= m | "" | k | M | G | T | P | E
    <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>

Values are kept as :class:`fractions.Fraction`, so nothing is lost to floating point.
CPU is counted in millicores and memory in bytes, both rounded *up* like
``Quantity.MilliValue()`` / ``Quantity.Value()`` do.

>>> parse_cpu("100m"), parse_cpu("1.5"), parse_cpu(2)
(100, 1500, 2000)
>>> parse_memory("8Gi"), parse_memory("1G"), parse_memory("129e6")
(8589934592, 1000000000, 129000000)
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from labsupport.k8s.errors import ManifestError

__all__ = ["parse_quantity", "parse_cpu", "parse_memory", "parse_count", "pod_requests", "format_cpu", "format_memory"]

_QUANTITY = re.compile(r"^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|m|k|M|G|T|P|E|)$")
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"m": Fraction(1, 1000), "": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_HINT = "expected a number with an optional suffix such as 500m, 2, 1.5, 512Mi"
_CACHE: dict[str, Fraction] = {}


def parse_quantity(value: Any, field: str) -> Fraction:
    """Return the exact value of a quantity; raise :class:`ManifestError` naming ``field`` if malformed.

    >>> parse_quantity("1.5Ki", "memory")
    Fraction(1536, 1)
    >>> try:
    ...     parse_quantity("1.5.3", "spec.containers[0].resources.requests.cpu")
    ... except ManifestError as e:
    ...     print(e)
    spec.containers[0].resources.requests.cpu: '1.5.3' is not a valid quantity (expected a number with an optional suffix such as 500m, 2, 1.5, 512Mi)
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ManifestError(f"{field}: {value!r} is not a valid quantity ({_HINT})")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ManifestError(f"{field}: {value!r} is not a valid quantity ({_HINT})")
        value = repr(value)  # YAML 0.5 -> "0.5"; 1e-3 -> "0.001" via Fraction below
        return Fraction(value)
    if isinstance(value, int):
        return Fraction(value)
    cached = _CACHE.get(value)
    if cached is not None:
        return cached
    m = _QUANTITY.match(value)
    if not m:
        raise ManifestError(f"{field}: {value!r} is not a valid quantity ({_HINT})")
    sign, number, suffix = m.groups()
    result = Fraction(number if not number.endswith(".") else number[:-1])
    if suffix in _BINARY:
        result *= _BINARY[suffix]
    elif suffix[:1] in ("e", "E"):
        result *= Fraction(10) ** int(suffix[1:])
    else:
        result *= _DECIMAL[suffix]
    if sign == "-":
        result = -result
    if len(_CACHE) < 10_000:
        _CACHE[value] = result
    return result


def _non_negative(value: Any, field: str) -> Fraction:
    q = parse_quantity(value, field)
    if q < 0:
        raise ManifestError(f"{field}: must be greater than or equal to 0, got {value!r}")
    return q


_CPU_CACHE: dict[str, int] = {}
_MEMORY_CACHE: dict[str, int] = {}


def parse_cpu(value: Any, field: str = "cpu") -> int:
    """CPU quantity -> millicores (rounded up, like ``MilliValue()``).

    >>> parse_cpu("250m"), parse_cpu("0.1"), parse_cpu("0.0001")
    (250, 100, 1)
    """
    if type(value) is str:
        hit = _CPU_CACHE.get(value)
        if hit is not None:
            return hit
        result = math.ceil(_non_negative(value, field) * 1000)
        if len(_CPU_CACHE) < 10_000:
            _CPU_CACHE[value] = result
        return result
    return math.ceil(_non_negative(value, field) * 1000)


def parse_memory(value: Any, field: str = "memory") -> int:
    """Memory quantity -> bytes (rounded up, like ``Value()``).

    >>> parse_memory("500Mi"), parse_memory("128974848"), parse_memory("1k")
    (524288000, 128974848, 1000)
    """
    if type(value) is str:
        hit = _MEMORY_CACHE.get(value)
        if hit is not None:
            return hit
        result = math.ceil(_non_negative(value, field))
        if len(_MEMORY_CACHE) < 10_000:
            _MEMORY_CACHE[value] = result
        return result
    return math.ceil(_non_negative(value, field))


def parse_count(value: Any, field: str = "pods") -> int:
    """A count quantity such as ``pods: "110"`` -> int (rounded up).

    >>> parse_count("110"), parse_count(10)
    (110, 10)
    """
    return math.ceil(_non_negative(value, field))


def format_cpu(millicores: int) -> str:
    """Millicores as kubectl prints them.

    >>> format_cpu(1500), format_cpu(2000), format_cpu(100)
    ('1500m', '2', '100m')
    """
    return str(millicores // 1000) if millicores % 1000 == 0 else f"{millicores}m"


def format_memory(n: int) -> str:
    """Bytes with the largest exact binary suffix.

    >>> format_memory(8 * 2**30), format_memory(500 * 2**20), format_memory(1000)
    ('8Gi', '500Mi', '1000')
    """
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        unit = _BINARY[suffix]
        if n and n % unit == 0:
            return f"{n // unit}{suffix}"
    return str(n)


def _container_requests(c: Mapping, path: str) -> tuple[int, int]:
    res = c.get("resources") or {}
    req = res.get("requests") or {}
    lim = res.get("limits") or {}
    # API defaulting: a resource with a limit but no request gets request = limit.
    cpu = req.get("cpu", lim.get("cpu"))
    mem = req.get("memory", lim.get("memory"))
    return (
        parse_cpu(cpu, f"{path}.resources.requests.cpu") if cpu is not None else 0,
        parse_memory(mem, f"{path}.resources.requests.memory") if mem is not None else 0,
    )


def pod_requests(pod: Mapping) -> dict[str, int]:
    """The Pod's effective request: ``max(sum(app + sidecar containers), max(init containers)) + overhead``.

    From the docs "Resource Management for Pods and Containers" and "Init Containers:
    Resource sharing within containers": the effective init request of an init container
    is its own request plus the sidecars (``restartPolicy: Always`` init containers)
    started before it; the Pod asks for the larger of that and the sum of all app and
    sidecar containers, plus ``spec.overhead``. A resource with only a limit is
    requested at its limit (API defaulting).

    >>> pod = {"spec": {"containers": [{"resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}},
    ...                                 {"resources": {"limits": {"cpu": "200m"}}}],
    ...                  "initContainers": [{"resources": {"requests": {"cpu": "1"}}}]}}
    >>> pod_requests(pod)
    {'cpu': 1000, 'memory': 524288000, 'pods': 1}
    """
    spec = pod.get("spec") or {}
    containers, inits, overhead = spec.get("containers"), spec.get("initContainers"), spec.get("overhead")
    key = (id(containers), id(inits), id(overhead))
    hit = _REQUESTS_CACHE.get(key)
    if hit is not None and hit[0] is containers and hit[1] is inits and hit[2] is overhead:
        return dict(hit[3])
    result = _pod_requests(spec)
    if len(_REQUESTS_CACHE) >= 4096:
        _REQUESTS_CACHE.clear()
    _REQUESTS_CACHE[key] = (containers, inits, overhead, result)
    return dict(result)


# Pods made from one template share its containers list, so their requests are computed once.
# Entries keep the lists alive, so an id() is never reused while its entry exists.
_REQUESTS_CACHE: dict[tuple, tuple] = {}


def _pod_requests(spec: Mapping) -> dict[str, int]:
    cpu = mem = 0
    for i, c in enumerate(spec.get("containers") or ()):
        c_cpu, c_mem = _container_requests(c, f"spec.containers[{i}]")
        cpu += c_cpu
        mem += c_mem
    init_cpu = init_mem = side_cpu = side_mem = 0
    for i, c in enumerate(spec.get("initContainers") or ()):
        c_cpu, c_mem = _container_requests(c, f"spec.initContainers[{i}]")
        if c.get("restartPolicy") == "Always":  # a sidecar keeps running next to the app containers
            side_cpu += c_cpu
            side_mem += c_mem
            init_cpu, init_mem = max(init_cpu, side_cpu), max(init_mem, side_mem)
        else:
            init_cpu, init_mem = max(init_cpu, side_cpu + c_cpu), max(init_mem, side_mem + c_mem)
    cpu, mem = max(cpu + side_cpu, init_cpu), max(mem + side_mem, init_mem)
    overhead = spec.get("overhead") or {}
    if "cpu" in overhead:
        cpu += parse_cpu(overhead["cpu"], "spec.overhead.cpu")
    if "memory" in overhead:
        mem += parse_memory(overhead["memory"], "spec.overhead.memory")
    return {"cpu": cpu, "memory": mem, "pods": 1}
