"""Secrets (base64, stringData, env/volumes, encryption at rest) and Pod Security Admission."""
import base64

import pytest

from labsupport import k8s
from labsupport.core import LabError
from labsupport.k8s.podsecurity import check_pod

KEY = base64.b64encode(bytes(range(32))).decode()
AESCBC = {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
          "resources": [{"resources": ["secrets"], "providers": [{"aescbc": {"keys": [{"name": "key1", "secret": KEY}]}}, {"identity": {}}]}]}


def _cluster():
    c = k8s.Cluster(seed=0)
    c.apply("""
apiVersion: v1
kind: Secret
metadata: {name: db}
data: {user: YWRtaW4=}
stringData: {password: s3cret, user: root}
""")
    return c


def test_string_data_is_merged_into_base64_data_and_wins():
    c = _cluster()
    s = c.object("secret", "db")
    assert s["data"] == {"user": "cm9vdA==", "password": "czNjcmV0"} and "stringData" not in s and s["type"] == "Opaque"
    assert c.secret_data("db") == {"password": "s3cret", "user": "root"}


@pytest.mark.parametrize("value, message", [
    ("abc", 'document 1 (Secret "x"): data.k: Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0'),
    ("s3cret!!", 'document 1 (Secret "x"): data.k: Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 6'),
], ids=["length not a multiple of 4", "a character outside the alphabet"])
def test_bad_base64_is_refused(value, message):
    c = k8s.Cluster(seed=0)
    with pytest.raises(k8s.ManifestError) as e:
        c.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {"k": value}})
    assert message in str(e.value)
    assert c.store.get("Secret", "default", "x") is None


def test_env_and_volume_show_plain_text():
    c = _cluster()
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
  - name: app
    image: busybox
    env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}]
    volumeMounts: [{name: creds, mountPath: /etc/db}]
  volumes: [{name: creds, secret: {secretName: db}}]
""")
    assert c.container_env("app") == {"DB_PASSWORD": "s3cret"}
    assert c.mounted_files("app") == {"/etc/db/password": "s3cret", "/etc/db/user": "root"}


def test_encryption_at_rest_applies_to_new_writes_only_and_is_deterministic():
    stored = []
    for _ in range(2):
        c = _cluster()
        assert c.etcd_value("secret", "db").startswith(b'{"apiVersion":"v1","data":{"password":"czNjcmV0"')
        c.set_encryption_config(AESCBC)
        assert c.etcd_value("secret", "db").startswith(b'{"apiVersion"')   # old object not rewritten yet
        c.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"password": "n3w"}})
        v = c.etcd_value("secret", "db")
        assert v.startswith(b"k8s:enc:aescbc:v1:key1:") and b"czNjcmV0" not in v and b"bjN3" not in v
        stored.append(v)
    assert stored[0] == stored[1]


@pytest.mark.parametrize("config, message", [
    ({"kind": "EncryptionConfiguration", "apiVersion": "v1"}, "apiVersion 'v1' is not apiserver.config.k8s.io/v1"),
    ({**AESCBC, "resources": [{"resources": ["secrets"], "providers": [{"aescbc": {"keys": [{"name": "k", "secret": "c2hvcnQ="}]}}]}]},
     "key must be 16, 24 or 32 bytes"),
    ({**AESCBC, "resources": [{"resources": ["secrets"], "providers": [{"rot13": {}}]}]}, "unknown provider 'rot13'"),
    ({**AESCBC, "resources": [{"resources": ["secrets"], "providers": [{"secretbox": {"keys": []}}]}]}, "provider 'secretbox' is not simulated"),
], ids=["wrong apiVersion", "short key", "unknown provider", "secretbox not simulated"])
def test_bad_encryption_config(config, message):
    with pytest.raises(LabError, match=message):
        k8s.Cluster(seed=0).set_encryption_config(config)


RESTRICTED_OK = {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                 "containers": [{"name": "web", "image": "nginx", "securityContext": {
                     "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}]}


@pytest.mark.parametrize("spec, level, violations", [
    ({"containers": [{"name": "web", "image": "nginx"}]}, "baseline", []),
    ({"containers": [{"name": "web", "image": "nginx", "securityContext": {"privileged": True}}]}, "baseline",
     ['privileged (container "web" must not set securityContext.privileged=true)']),
    ({"hostNetwork": True, "containers": [{"name": "web", "image": "nginx"}]}, "baseline", ["host namespaces (hostNetwork=true)"]),
    ({"volumes": [{"name": "root", "hostPath": {"path": "/"}}], "containers": [{"name": "web", "image": "nginx"}]}, "baseline",
     ['hostPath volumes (volume "root")']),
    ({"containers": [{"name": "web", "image": "nginx", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}]}, "baseline",
     ['non-default capabilities (container "web" must not include "NET_ADMIN" in securityContext.capabilities.add)']),
    ({"containers": [{"name": "web", "image": "nginx"}]}, "restricted",
     ['allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false)',
      'unrestricted capabilities (container "web" must set securityContext.capabilities.drop=["ALL"])',
      'runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true)',
      'seccompProfile (pod or container "web" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")']),
    (RESTRICTED_OK, "restricted", []),
], ids=["a plain Pod meets baseline", "privileged breaks baseline", "hostNetwork breaks baseline", "hostPath breaks baseline",
        "NET_ADMIN breaks baseline", "a plain Pod breaks four restricted checks", "a hardened Pod meets restricted"])
def test_pod_security_checks(spec, level, violations):
    assert check_pod(spec, level) == violations


def test_enforce_refuses_a_pod_and_a_deployment_fails_to_create():
    c = k8s.Cluster(seed=0)
    c.add_node("n1")
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod", "labels": {
        "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted"}}})
    with pytest.raises(k8s.ManifestError, match='pods "p" is forbidden: violates PodSecurity "baseline:latest": privileged'):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "prod"},
                 "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": True}}]}})
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "prod"},
           "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
                    "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": True}}]}}}}
    assert c.pod_security_warnings(dep)[0].startswith('Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation')
    c.apply(dep)
    c.run(5)
    assert not c.pods("prod")
    assert "violates PodSecurity" in str(c.events("prod"))


def test_bad_base64_in_an_update_names_the_document_and_keeps_the_old_secret():
    c = k8s.Cluster(seed=0)
    c.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {"k": "YWJj"}})
    with pytest.raises(k8s.ManifestError, match=r'^document 1 \(Secret "x"\): data\.k: Secret in version "v1" cannot be handled'):
        c.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {"k": "abc"}})
    assert c.store.get("Secret", "default", "x")["data"] == {"k": "YWJj"}
