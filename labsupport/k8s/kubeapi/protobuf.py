"""Enough of Kubernetes' protobuf encoding to read the request bodies kubectl sends only that way.

client-go's typed clients (1.37) encode request bodies as protobuf
(``Content-Type: application/vnd.kubernetes.protobuf``): a 4-byte magic ``k8s\\0`` and a
``runtime.Unknown`` envelope (``typeMeta`` = field 1 with apiVersion 1 / kind 2, ``raw`` = field 2;
``apimachinery/pkg/runtime/generated.proto``). kubectl's generators (``kubectl create deployment|service|
namespace|quota|priorityclass``), ``kubectl auth can-i`` (SelfSubjectAccessReview) and ``kubectl drain``
(Eviction) send them. :data:`MESSAGES` lists, per message, the field numbers of ``generated.proto`` in
k8s.io/api and k8s.io/apimachinery for the fields those commands set (other fields are skipped).

Go's generated marshallers write every non-pointer field, empty or not; the JSON form leaves
``omitempty`` fields out, so empty strings, ``false`` and zero numbers are dropped here, except for
the fields in :data:`KEEP_ZERO` (pointers such as ``replicas``, where 0 is a value). Other kinds sent as
protobuf get 415 UnsupportedMediaType.

>>> body = MAGIC + _field(1, _field(1, b"policy/v1") + _field(2, b"Eviction")) + _field(2, _field(1, _field(1, b"web")))
>>> decode(body)
{'apiVersion': 'policy/v1', 'kind': 'Eviction', 'metadata': {'name': 'web'}}
"""
from __future__ import annotations

__all__ = ["MAGIC", "MESSAGES", "ROOTS", "KEEP_ZERO", "decode", "ProtobufError"]

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


#: message -> {field number: (JSON name, type)}; a type ending in "*" is repeated; "map" is map<string,string>,
#: "qmap" map<string,Quantity>, "intstr" IntOrString, "int"/"string"/"bool" scalars, other names are messages.
MESSAGES: dict[str, dict[int, tuple[str, str]]] = {
    "ObjectMeta": {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"), 11: ("labels", "map"),
                   12: ("annotations", "map"), 14: ("finalizers", "string*")},
    "LabelSelector": {1: ("matchLabels", "map"), 2: ("matchExpressions", "LabelSelectorRequirement*")},
    "LabelSelectorRequirement": {1: ("key", "string"), 2: ("operator", "string"), 3: ("values", "string*")},
    "Deployment": {1: ("metadata", "ObjectMeta"), 2: ("spec", "DeploymentSpec")},
    "DeploymentSpec": {1: ("replicas", "int"), 2: ("selector", "LabelSelector"), 3: ("template", "PodTemplateSpec"),
                       4: ("strategy", "DeploymentStrategy"), 5: ("minReadySeconds", "int"), 6: ("revisionHistoryLimit", "int"),
                       7: ("paused", "bool"), 9: ("progressDeadlineSeconds", "int")},
    "DeploymentStrategy": {1: ("type", "string"), 2: ("rollingUpdate", "RollingUpdateDeployment")},
    "RollingUpdateDeployment": {1: ("maxUnavailable", "intstr"), 2: ("maxSurge", "intstr")},
    "PodTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodSpec")},
    "PodSpec": {2: ("containers", "Container*"), 3: ("restartPolicy", "string"), 4: ("terminationGracePeriodSeconds", "int"),
                6: ("dnsPolicy", "string"), 7: ("nodeSelector", "map"), 10: ("nodeName", "string"), 19: ("schedulerName", "string"),
                20: ("initContainers", "Container*"), 24: ("priorityClassName", "string")},
    "Container": {1: ("name", "string"), 2: ("image", "string"), 3: ("command", "string*"), 4: ("args", "string*"),
                  5: ("workingDir", "string"), 6: ("ports", "ContainerPort*"), 7: ("env", "EnvVar*"), 8: ("resources", "ResourceRequirements"),
                  13: ("terminationMessagePath", "string"), 14: ("imagePullPolicy", "string"), 20: ("terminationMessagePolicy", "string")},
    "ContainerPort": {1: ("name", "string"), 2: ("hostPort", "int"), 3: ("containerPort", "int"), 4: ("protocol", "string"), 5: ("hostIP", "string")},
    "EnvVar": {1: ("name", "string"), 2: ("value", "string")},
    "ResourceRequirements": {1: ("limits", "qmap"), 2: ("requests", "qmap")},
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec")},
    "NamespaceSpec": {1: ("finalizers", "string*")},
    "Service": {1: ("metadata", "ObjectMeta"), 2: ("spec", "ServiceSpec")},
    "ServiceSpec": {1: ("ports", "ServicePort*"), 2: ("selector", "map"), 3: ("clusterIP", "string"), 4: ("type", "string"),
                    5: ("externalIPs", "string*"), 7: ("sessionAffinity", "string"), 10: ("externalName", "string")},
    "ServicePort": {1: ("name", "string"), 2: ("protocol", "string"), 3: ("port", "int"), 4: ("targetPort", "intstr"), 5: ("nodePort", "int")},
    "ResourceQuota": {1: ("metadata", "ObjectMeta"), 2: ("spec", "ResourceQuotaSpec")},
    "ResourceQuotaSpec": {1: ("hard", "qmap"), 2: ("scopes", "string*")},
    "PriorityClass": {1: ("metadata", "ObjectMeta"), 2: ("value", "int"), 3: ("globalDefault", "bool"), 4: ("description", "string"),
                      5: ("preemptionPolicy", "string")},
    "SelfSubjectAccessReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectAccessReviewSpec")},
    "SelfSubjectAccessReviewSpec": {1: ("resourceAttributes", "ResourceAttributes"), 2: ("nonResourceAttributes", "NonResourceAttributes")},
    "ResourceAttributes": {1: ("namespace", "string"), 2: ("verb", "string"), 3: ("group", "string"), 4: ("version", "string"),
                           5: ("resource", "string"), 6: ("subresource", "string"), 7: ("name", "string")},
    "NonResourceAttributes": {1: ("path", "string"), 2: ("verb", "string")},
    "Eviction": {1: ("metadata", "ObjectMeta"), 2: ("deleteOptions", "DeleteOptions")},
    "DeleteOptions": {1: ("gracePeriodSeconds", "int"), 4: ("propagationPolicy", "string")},
}

#: the kinds a request body may carry
ROOTS = frozenset({"Deployment", "Namespace", "Service", "ResourceQuota", "PriorityClass", "SelfSubjectAccessReview", "Eviction"})

#: pointer fields whose zero is a value, kept in the JSON form
KEEP_ZERO = frozenset({"replicas", "value", "gracePeriodSeconds", "terminationGracePeriodSeconds", "revisionHistoryLimit",
                       "progressDeadlineSeconds", "port"})


def _int(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _map(entries: list) -> dict:
    out = {}
    for e in entries:
        f = fields(e)
        key = f.get(1, [b""])[-1].decode()
        value = f.get(2, [b""])[-1]
        out[key] = value
    return out


def _intstr(raw: bytes):
    f = fields(raw)
    return f.get(3, [b""])[-1].decode() if f.get(1, [0])[-1] == 1 else _int(f.get(2, [0])[-1])


def _message(raw: bytes, name: str) -> dict:
    spec = MESSAGES[name]
    got = fields(raw)
    out: dict = {}
    for num, (key, typ) in spec.items():
        if num not in got:
            continue
        values = got[num]
        many = typ.endswith("*")
        typ = typ.rstrip("*")
        if typ == "string":
            conv = [v.decode() for v in values]
        elif typ == "int":
            conv = [_int(v) for v in values]
        elif typ == "bool":
            conv = [bool(v) for v in values]
        elif typ == "map":
            conv = [{k: v.decode() for k, v in _map(values).items()}]
        elif typ == "qmap":
            conv = [{k: fields(v).get(1, [b""])[-1].decode() for k, v in _map(values).items()}]
        elif typ == "intstr":
            conv = [_intstr(v) for v in values]
        else:
            conv = [_message(v, typ) for v in values]
        value = conv if many else conv[-1]
        if value in ("", False, {}, []) or (value == 0 and not isinstance(value, bool) and key not in KEEP_ZERO):
            continue
        out[key] = value
    return out


def decode(body: bytes) -> dict:
    """A protobuf request body -> the object as JSON would carry it (kinds of :data:`MESSAGES`; else ProtobufError)."""
    if not body.startswith(MAGIC):
        raise ProtobufError("not a Kubernetes protobuf body (no k8s\\0 magic)")
    env = fields(body[len(MAGIC):])
    type_meta: dict = {}
    tm = fields(env.get(1, [b""])[-1])
    for num, key in ((1, "apiVersion"), (2, "kind")):
        if num in tm:
            type_meta[key] = tm[num][-1].decode()
    kind = type_meta.get("kind")
    if kind not in ROOTS:
        raise ProtobufError(f"{kind or 'this object'} sent as protobuf")
    return {**type_meta, **_message(env.get(2, [b""])[-1], kind)}
