"""The ServiceAccount token a Pod carries: where the kubelet mounts it, and automountServiceAccountToken: false."""
import pytest

from labsupport import k8s
from labsupport.core import LabError

BASE = "/var/run/secrets/kubernetes.io/serviceaccount"


def _pod(name, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}], **spec}}


@pytest.mark.parametrize(
    "spec, account, files",
    [({}, None, ["ca.crt", "namespace", "token"]),
     ({"automountServiceAccountToken": False}, None, []),
     ({"serviceAccountName": "quiet"}, {"automountServiceAccountToken": False}, []),
     ({"serviceAccountName": "quiet", "automountServiceAccountToken": True}, {"automountServiceAccountToken": False},
      ["ca.crt", "namespace", "token"])],
    ids=["a plain Pod gets the token, the CA and the namespace", "the Pod can switch the token off",
         "its ServiceAccount can switch the token off", "the Pod's setting wins over its ServiceAccount's"],
)
def test_service_account_files(spec, account, files):
    c = k8s.Cluster(seed=0)
    if account is not None:
        c.apply({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "quiet"}, **account})
    c.apply(_pod("p", **spec))
    got = c.service_account_files("p")
    assert sorted(got) == [f"{BASE}/{f}" for f in files]
    if files:
        user = f"system:serviceaccount:default:{spec.get('serviceAccountName', 'default')}"
        assert user in got[f"{BASE}/token"] and got[f"{BASE}/namespace"] == "default"
        assert c.as_pod("p").user.name == user


def test_as_pod_without_a_token_says_so_and_a_missing_pod_is_named():
    c = k8s.Cluster(seed=0)
    c.apply(_pod("p", automountServiceAccountToken=False))
    with pytest.raises(LabError, match='pod: pod "p" has no ServiceAccount token mounted'):
        c.as_pod("p")
    with pytest.raises(LabError, match='pod: pods "nope" not found in namespace "default"'):
        c.service_account_files("nope")
