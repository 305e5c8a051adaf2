"""Secrets and ConfigMaps: base64 ``data`` vs ``stringData``, use as env and files, encryption at rest.

* A Secret's ``data`` values are base64 *encoding* (anyone who can read the object can decode it);
  ``stringData`` is a write-only convenience merged into ``data`` on write, its keys winning
  (pkg/apis/core/v1/conversion.go, ``Convert_v1_Secret_To_core_Secret``); ``type`` defaults to
  ``Opaque``. Bad base64 is refused as the API server's decoder refuses it
  (``data.<key>: Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte N``).
* Pods consume them as env (``valueFrom.secretKeyRef`` / ``configMapKeyRef``, ``envFrom``) or as
  files in a volume (one file per key): :func:`container_env`, :func:`volume_files` show what the
  process sees -- plain text.
* Encryption at rest: kube-apiserver's ``--encryption-provider-config`` (an
  ``EncryptionConfiguration``, apiserver.config.k8s.io/v1;
  https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/, v1.37) names, per resource,
  an ordered provider list: the FIRST provider encrypts new writes, every listed one can decrypt.
  ``identity`` stores plain bytes; ``aescbc`` stores ``k8s:enc:aescbc:v1:<key name>:`` + 16-byte IV +
  AES-CBC ciphertext (PKCS#7 padding); ``aesgcm`` ``k8s:enc:aesgcm:v1:<key name>:`` + 12-byte nonce +
  ciphertext and tag (staging/src/k8s.io/apiserver/pkg/storage/value/encrypt/aes). Objects written
  *before* the config changed stay as they were stored until rewritten, as in a real cluster.

Simplified: "etcd" here holds the object's JSON (a real API server stores protobuf behind the magic
``k8s\\x00``); IVs and nonces come from an HMAC of the cluster seed, the object and its
resourceVersion instead of a random source, so every run stores the same bytes. ``secretbox``
(XSalsa20-Poly1305) and the KMS providers are recognised but not simulated (no NaCl in the course's
pinned packages); the lesson uses aescbc/aesgcm.

>>> s = {"kind": "Secret", "metadata": {"name": "db"}, "data": {"user": "YWRtaW4="}, "stringData": {"password": "s3cret"}}
>>> normalize_secret(s)["data"], s["type"]
({'user': 'YWRtaW4=', 'password': 'czNjcmV0'}, 'Opaque')
>>> decoded(s)
{'password': 's3cret', 'user': 'admin'}
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from labsupport.core import LabError
from labsupport.k8s.errors import ManifestError

__all__ = ["normalize_secret", "decoded", "container_env", "volume_files", "EncryptionConfig", "EncryptionAtRest",
           "PROVIDERS"]

#: provider names of EncryptionConfiguration v1
PROVIDERS = ("identity", "aescbc", "aesgcm", "secretbox", "kms")
_SIMULATED_PROVIDERS = ("identity", "aescbc", "aesgcm")


def _b64decode_strict(value: str) -> bytes:
    """Go's base64.StdEncoding.DecodeString: padding required; the error names the first bad byte."""
    if not isinstance(value, str):
        raise ValueError("illegal base64 data at input byte 0")
    alphabet = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    raw = value.encode()
    for i, ch in enumerate(raw):
        if ch not in alphabet and ch != ord("="):
            raise ValueError(f"illegal base64 data at input byte {i}")
    if len(raw) % 4:
        raise ValueError(f"illegal base64 data at input byte {len(raw) - len(raw) % 4}")
    try:
        return base64.b64decode(raw, validate=True)
    except binascii.Error:
        first_pad = raw.find(b"=")
        raise ValueError(f"illegal base64 data at input byte {max(first_pad, 0)}") from None


def normalize_secret(obj: dict) -> dict:
    """Check ``data`` is base64, merge ``stringData`` into it, default ``type``; in place, returned."""
    for key, value in (obj.get("data") or {}).items():
        try:
            _b64decode_strict(value)
        except ValueError as e:
            raise ManifestError(f'data.{key}: Secret in version "v1" cannot be handled as a Secret: {e}') from None
    string_data = obj.pop("stringData", None) or {}
    if string_data:
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    obj.setdefault("type", "Opaque")
    return obj


def decoded(secret: Mapping) -> dict[str, str]:
    """A Secret's data decoded (what ``kubectl get secret -o jsonpath=... | base64 -d`` gives anyone who may read it)."""
    return {k: _b64decode_strict(v).decode(errors="replace") for k, v in sorted((secret.get("data") or {}).items())}


def _lookup(store, kind: str, ns: str, name: str, key: str | None, what: str) -> Any:
    obj = store.get(kind, ns, name)
    if obj is None:
        raise LabError(f'{what}: {kind.lower()} "{name}" not found')
    if kind == "Secret":
        data = decoded(obj)
    else:
        data = dict(obj.get("data") or {})
    if key is None:
        return data
    if key not in data:
        raise LabError(f'{what}: couldn\'t find key {key} in {kind} {ns}/{name}')
    return data[key]


def container_env(store, pod: Mapping, container: str | None = None) -> dict[str, str]:
    """The environment the kubelet gives a container: literal ``value``s, ``secretKeyRef``,
    ``configMapKeyRef`` and ``envFrom`` (missing objects raise as the kubelet's CreateContainerConfigError)."""
    ns = pod["metadata"].get("namespace", "default")
    cs = pod["spec"].get("containers") or []
    c = next((c for c in cs if container is None or c.get("name") == container), None)
    if c is None:
        raise LabError(f"container: no container {container!r} in pod {pod['metadata']['name']!r}")
    env: dict[str, str] = {}
    for src in c.get("envFrom") or ():
        prefix = src.get("prefix", "")
        if "secretRef" in src:
            env.update({prefix + k: v for k, v in _lookup(store, "Secret", ns, src["secretRef"]["name"], None, "envFrom").items()})
        if "configMapRef" in src:
            env.update({prefix + k: v for k, v in _lookup(store, "ConfigMap", ns, src["configMapRef"]["name"], None, "envFrom").items()})
    for e in c.get("env") or ():
        if "value" in e:
            env[e["name"]] = e["value"]
        vf = e.get("valueFrom") or {}
        if "secretKeyRef" in vf:
            r = vf["secretKeyRef"]
            env[e["name"]] = _lookup(store, "Secret", ns, r["name"], r["key"], f"env {e['name']}")
        if "configMapKeyRef" in vf:
            r = vf["configMapKeyRef"]
            env[e["name"]] = _lookup(store, "ConfigMap", ns, r["name"], r["key"], f"env {e['name']}")
    return env


def volume_files(store, pod: Mapping, container: str | None = None) -> dict[str, str]:
    """Files a container sees from its ``secret`` / ``configMap`` volumes: ``{"/etc/db/password": "s3cret"}``."""
    ns = pod["metadata"].get("namespace", "default")
    vols = {v["name"]: v for v in pod["spec"].get("volumes") or ()}
    cs = pod["spec"].get("containers") or []
    c = next((c for c in cs if container is None or c.get("name") == container), None)
    if c is None:
        raise LabError(f"container: no container {container!r} in pod {pod['metadata']['name']!r}")
    files = {}
    for m in c.get("volumeMounts") or ():
        v = vols.get(m["name"]) or {}
        if "secret" in v:
            data = _lookup(store, "Secret", ns, v["secret"]["secretName"], None, f"volume {m['name']}")
        elif "configMap" in v:
            data = _lookup(store, "ConfigMap", ns, v["configMap"]["name"], None, f"volume {m['name']}")
        else:
            continue
        for k, val in data.items():
            files[f"{m['mountPath'].rstrip('/')}/{k}"] = val
    return dict(sorted(files.items()))


# ------------------------------------------------------------------ encryption at rest
@dataclass(frozen=True)
class _Provider:
    kind: str
    key_name: str = ""
    key: bytes = b""


class EncryptionConfig:
    """A parsed ``EncryptionConfiguration``: resource -> ordered providers.

    >>> cfg = EncryptionConfig.parse({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
    ...     "resources": [{"resources": ["secrets"], "providers": [{"aescbc": {"keys": [{"name": "key1",
    ...     "secret": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}]}}, {"identity": {}}]}]})
    >>> [p.kind for p in cfg.providers("secrets")], cfg.providers("configmaps")[0].kind
    (['aescbc', 'identity'], 'identity')
    """

    def __init__(self, by_resource: dict[str, list[_Provider]]) -> None:
        self.by_resource = by_resource

    def providers(self, resource: str) -> list[_Provider]:
        return self.by_resource.get(resource) or self.by_resource.get("*.") or [_Provider("identity")]

    @classmethod
    def parse(cls, config: Any) -> EncryptionConfig:
        if isinstance(config, str):
            try:
                config = yaml.safe_load(config)
            except yaml.YAMLError as e:
                raise LabError(f"encryption config: not valid YAML: {e}") from None
        if not isinstance(config, dict) or config.get("kind") != "EncryptionConfiguration":
            raise LabError("encryption config: expected kind: EncryptionConfiguration (apiVersion: apiserver.config.k8s.io/v1)")
        if config.get("apiVersion") != "apiserver.config.k8s.io/v1":
            raise LabError(f"encryption config: apiVersion {config.get('apiVersion')!r} is not apiserver.config.k8s.io/v1")
        out: dict[str, list[_Provider]] = {}
        for i, entry in enumerate(config.get("resources") or ()):
            where = f"resources[{i}]"
            provs = []
            for j, p in enumerate(entry.get("providers") or ()):
                if not isinstance(p, dict) or len(p) != 1:
                    raise LabError(f"encryption config: {where}.providers[{j}]: exactly one provider name per item ({', '.join(PROVIDERS)})")
                (kind, body), = p.items()
                if kind not in PROVIDERS:
                    raise LabError(f"encryption config: {where}.providers[{j}]: unknown provider {kind!r} (known: {', '.join(PROVIDERS)})")
                if kind not in _SIMULATED_PROVIDERS:
                    raise LabError(f"encryption config: {where}.providers[{j}]: provider {kind!r} is not simulated by labsupport "
                                   f"(use one of {', '.join(_SIMULATED_PROVIDERS)})")
                if kind == "identity":
                    provs.append(_Provider("identity"))
                    continue
                keys = (body or {}).get("keys") or []
                if not keys:
                    raise LabError(f"encryption config: {where}.providers[{j}].{kind}.keys: at least one key is required")
                for k, key in enumerate(keys):
                    try:
                        raw = base64.b64decode(str(key.get("secret", "")), validate=True)
                    except binascii.Error:
                        raise LabError(f"encryption config: {where}.providers[{j}].{kind}.keys[{k}].secret: not valid base64") from None
                    if len(raw) not in (16, 24, 32):
                        raise LabError(f"encryption config: {where}.providers[{j}].{kind}.keys[{k}].secret: key must be 16, 24 or 32 bytes "
                                       f"(base64 of 32 random bytes is usual), got {len(raw)} bytes")
                    provs.append(_Provider(kind, str(key.get("name", "")), raw))
            if not provs:
                raise LabError(f"encryption config: {where}.providers: at least one provider is required")
            for r in entry.get("resources") or ():
                out[str(r).split(".")[0] if r != "*." else r] = provs
        return cls(out)


class EncryptionAtRest:
    """What "etcd" holds for each Secret/ConfigMap: bytes written with the provider in force at write time."""

    def __init__(self, store, seed: int) -> None:
        self.store = store
        self.config = EncryptionConfig({})
        self._seed = str(seed).encode()
        self._stored: dict[tuple[str, str, str], bytes] = {}
        for kind in ("Secret", "ConfigMap"):
            store.watch(kind, self._on_write, owner="kube-apiserver")

    def _on_write(self, ev) -> None:
        obj = ev.object
        k = (obj["kind"], obj["metadata"].get("namespace", "default"), obj["metadata"]["name"])
        if ev.type == "DELETED":
            self._stored.pop(k, None)
            return
        self._stored[k] = self.encode(obj)

    def encode(self, obj: Mapping) -> bytes:
        """The bytes the first provider for this resource would store."""
        plain = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
        resource = "secrets" if obj["kind"] == "Secret" else "configmaps"
        p = self.config.providers(resource)[0]
        if p.kind == "identity":
            return plain
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        meta = obj["metadata"]
        label = f"{meta.get('namespace', '')}/{meta['name']}/{meta.get('resourceVersion', '')}".encode()
        iv = hmac.new(self._seed, p.kind.encode() + b"|" + label, hashlib.sha256).digest()
        prefix = f"k8s:enc:{p.kind}:v1:{p.key_name}:".encode()
        if p.kind == "aescbc":
            padder = padding.PKCS7(128).padder()
            data = padder.update(plain) + padder.finalize()
            enc = Cipher(algorithms.AES(p.key), modes.CBC(iv[:16])).encryptor()
            return prefix + iv[:16] + enc.update(data) + enc.finalize()
        return prefix + iv[:12] + AESGCM(p.key).encrypt(iv[:12], plain, label)

    def set_config(self, config: Any) -> None:
        self.config = EncryptionConfig.parse(config)

    def stored(self, kind: str, namespace: str, name: str) -> bytes:
        k = (kind, namespace, name)
        if k not in self._stored:
            raise LabError(f'{kind.lower()}s "{name}" not found in namespace "{namespace}"')
        return self._stored[k]
