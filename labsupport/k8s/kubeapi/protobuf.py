"""Just enough of Kubernetes' protobuf encoding to read the two request bodies kubectl sends only that way.

client-go's typed clients (1.37) encode request bodies as protobuf
(``Content-Type: application/vnd.kubernetes.protobuf``): a 4-byte magic ``k8s\\0`` and a
``runtime.Unknown`` envelope (``typeMeta`` = field 1 with apiVersion 1 / kind 2, ``raw`` = field 2;
``apimachinery/pkg/runtime/generated.proto``). Decoding arbitrary kinds needs every type's field
numbers; this module knows the two messages kubectl commands covered by the course send:

* ``authorization.k8s.io/v1`` SelfSubjectAccessReview (``kubectl auth can-i``): ``spec`` (2) ->
  ``resourceAttributes`` (1: namespace 1, verb 2, group 3, version 4, resource 5, subresource 6, name 7)
  or ``nonResourceAttributes`` (2: path 1, verb 2);
* ``policy/v1`` Eviction (``kubectl drain``): ``metadata`` (1: name 1, namespace 3) and ``deleteOptions``
  (2: gracePeriodSeconds 1, propagationPolicy 4).

Other protobuf bodies (``kubectl create deployment ...`` and the other generators) get 415
UnsupportedMediaType: write a manifest and ``kubectl create -f`` / ``apply -f`` it instead (JSON).

>>> body = MAGIC + _field(1, _field(1, b"policy/v1") + _field(2, b"Eviction")) + _field(2, _field(1, _field(1, b"web")))
>>> decode(body)
{'apiVersion': 'policy/v1', 'kind': 'Eviction', 'metadata': {'name': 'web'}}
"""
from __future__ import annotations

__all__ = ["MAGIC", "decode", "ProtobufError"]

MAGIC = b"k8s\x00"


class ProtobufError(ValueError):
    """The body is not a protobuf message this module can read."""


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(data):
            raise ProtobufError("truncated varint")
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def fields(data: bytes) -> dict[int, list]:
    """Field number -> values (ints for varints, bytes for length-delimited) of one message."""
    out: dict[int, list] = {}
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = _varint(data, i)
        elif wire == 2:
            n, i = _varint(data, i)
            v, i = data[i:i + n], i + n
        elif wire == 1:
            v, i = int.from_bytes(data[i:i + 8], "little"), i + 8
        elif wire == 5:
            v, i = int.from_bytes(data[i:i + 4], "little"), i + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        out.setdefault(num, []).append(v)
    return out


def _field(num: int, payload: bytes) -> bytes:
    """Encode one length-delimited field (used by tests and the doctest)."""
    n, size = len(payload), b""
    while True:
        b = n & 0x7F
        n >>= 7
        size += bytes([b | (0x80 if n else 0)])
        if not n:
            break
    return bytes([(num << 3) | 2]) + size + payload


def _strings(msg: bytes, names: dict[int, str]) -> dict:
    f = fields(msg)
    return {name: f[num][-1].decode() for num, name in names.items() if num in f}


def decode(body: bytes) -> dict:
    """A protobuf request body -> the object as JSON would carry it (for the kinds listed in the module docstring)."""
    if not body.startswith(MAGIC):
        raise ProtobufError("not a Kubernetes protobuf body (no k8s\\0 magic)")
    env = fields(body[len(MAGIC):])
    type_meta = _strings(env.get(1, [b""])[-1], {1: "apiVersion", 2: "kind"})
    raw = env.get(2, [b""])[-1]
    kind = type_meta.get("kind")
    msg = fields(raw)
    out: dict = dict(type_meta)
    if 1 in msg:
        out["metadata"] = _strings(msg[1][-1], {1: "name", 2: "generateName", 3: "namespace"})
    if kind == "SelfSubjectAccessReview":
        spec = fields(msg.get(2, [b""])[-1])
        out["spec"] = {}
        if 1 in spec:
            out["spec"]["resourceAttributes"] = _strings(spec[1][-1], {1: "namespace", 2: "verb", 3: "group", 4: "version", 5: "resource",
                                                                       6: "subresource", 7: "name"})
        if 2 in spec:
            out["spec"]["nonResourceAttributes"] = _strings(spec[2][-1], {1: "path", 2: "verb"})
    elif kind == "Eviction":
        if 2 in msg:
            opts = fields(msg[2][-1])
            d: dict = {}
            if 1 in opts:
                v = opts[1][-1]
                d["gracePeriodSeconds"] = v - (1 << 64) if v >= 1 << 63 else v
            if 4 in opts:
                d["propagationPolicy"] = opts[4][-1].decode()
            out["deleteOptions"] = d
    else:
        raise ProtobufError(f"{kind or 'this object'} sent as protobuf")
    return out
