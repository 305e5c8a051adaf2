"""apply(): validation errors name the document, field and problem; a failed apply changes nothing."""
from __future__ import annotations

import pytest
from k8s_helpers import cluster, deployment, pod

from labsupport import k8s
from labsupport.k8s.objects import copy_json


def _snapshot(c):
    return (c.store.resource_version, {k: copy_json(v) for k, v in c.store._objects.items()})


def _dep(**changes):
    d = deployment()
    for path, value in changes.items():
        obj = d
        keys = path.split("__")
        for k in keys[:-1]:
            obj = obj[k] if not k.isdigit() else obj[int(k)]
        obj[keys[-1]] = value
    return d


BAD = [
    ("malformed YAML", "kind: Pod\nmetadata:\n  name: a\n   bad: 1\n", ["document 1", "not valid YAML", "line 4"]),
    ("a typo'd field", {**deployment(), "spec": {**{k: v for k, v in deployment()["spec"].items() if k != "replicas"}, "replica": 3}},
     ["document 1 (Deployment \"web\")", "spec: unknown field 'replica'", "did you mean 'replicas'"]),
    ("a malformed cpu quantity", _dep(spec__template__spec__containers__0__resources={"requests": {"cpu": "1.5.3"}}),
     ["spec.template.spec.containers[0].resources.requests.cpu", "'1.5.3' is not a valid quantity"]),
    ("negative replicas", _dep(spec__replicas=-1), ["spec.replicas", "greater than or equal to 0"]),
    ("replicas above int32", _dep(spec__replicas=2**31), ["spec.replicas", "int32"]),
    ("replicas as a string", _dep(spec__replicas="3"), ["spec.replicas", "must be an integer"]),
    ("a selector that does not match the template", _dep(spec__selector={"matchLabels": {"app": "other"}}),
     ["spec.template.metadata.labels", "do not match spec.selector"]),
    ("an unknown kind", {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "x"}},
     ["Kind Endpoints is not simulated", "simulated kinds:"]),
    ("an old apiVersion", {**deployment(), "apiVersion": "extensions/v1beta1"}, ["apiVersion", "use 'apps/v1'"]),
    ("an invalid name", _dep(metadata__name="Web_1"), ["metadata.name", "DNS-1123 subdomain"]),
    ("maxSurge and maxUnavailable both 0", _dep(spec__strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     ["spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when maxSurge is 0"]),
    ("requests above limits", {**pod(), "spec": {"containers": [{"name": "c", "image": "x:1", "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}]}},
     ["spec.containers[0].resources.requests.cpu", "less than or equal to the cpu limit"]),
    ("a missing namespace", {**pod(), "metadata": {"name": "p", "namespace": "shop"}}, ['metadata.namespace: namespace "shop" not found']),
    ("an unknown PriorityClass", {**pod(), "spec": {**pod()["spec"], "priorityClassName": "gold"}}, ["no PriorityClass with name gold"]),
    ("an HPA with max below min", {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
                                   "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 3, "maxReplicas": 2}},
     ["spec.maxReplicas", "greater than or equal to minReplicas"]),
    ("a misspelt Service type", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "Loadbalancer", "ports": [{"port": 80}]}},
     ["spec.type", "'Loadbalancer'"]),
    ("a label value that is not a string", _dep(metadata__labels={"tier": 1}), ["metadata.labels.tier", "must be a string, got 1 (an integer)"]),
]


@pytest.mark.parametrize("manifest, expected", [b[1:] for b in BAD], ids=[f"apply rejects {b[0]}" for b in BAD])
def test_bad_manifest_names_the_field_and_changes_nothing(manifest, expected):
    c = cluster(1)
    c.apply(deployment("keep", replicas=1))
    c.run(5)
    before = _snapshot(c)
    with pytest.raises(k8s.ManifestError) as info:
        c.apply(manifest)
    for fragment in expected:
        assert fragment in str(info.value)
    assert _snapshot(c) == before


def test_a_bad_document_later_in_the_apply_stops_the_earlier_ones_too():
    c = cluster(1)
    rv = c.store.resource_version
    good, bad = deployment("a"), _dep(spec__replicas=-2)
    with pytest.raises(k8s.ManifestError, match=r'document 2 \(Deployment "web"\): spec.replicas'):
        c.apply([good, bad])
    assert c.store.get("Deployment", "default", "a") is None
    assert c.store.resource_version == rv


def test_a_namespace_created_earlier_in_the_same_apply_counts():
    c = cluster(1)
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    p = {**pod(), "metadata": {"name": "p", "namespace": "shop"}}
    assert c.apply([ns, p]).actions == ["created", "created"]


@pytest.mark.parametrize("change, action", [({}, "unchanged"), ({"spec__replicas": 5}, "configured")],
                         ids=["re-applying the same manifest leaves it unchanged", "changing replicas configures it"])
def test_reapply_is_like_kubectl_apply(change, action):
    c = cluster(1)
    c.apply(deployment())
    c.run(5)
    assert c.apply(_dep(**change)).actions == [action]


def test_reapply_keeps_replicas_set_by_someone_else_when_the_manifest_omits_them():
    c = cluster(1)
    d = deployment()
    del d["spec"]["replicas"]
    c.apply(d)
    c.scale("deployment", "web", 4)
    c.apply(d)
    assert c.object("deployment", "web")["spec"]["replicas"] == 4


def test_selector_is_immutable():
    c = cluster(1)
    c.apply(deployment())
    changed = deployment(labels={"app": "web", "v": "2"})
    with pytest.raises(k8s.ManifestError, match="spec.selector: field is immutable"):
        c.apply(changed)


def test_apply_prints_like_kubectl_and_returns_the_objects():
    c = cluster(1)
    out = c.apply([deployment(), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                  "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}])
    assert repr(out) == "deployment.apps/web created\nservice/web created"
    assert out[0]["metadata"]["uid"] and out[1]["spec"]["clusterIP"] == "10.96.0.2"


def test_apply_does_not_modify_the_learners_dict():
    c = cluster(1)
    d = deployment()
    original = copy_json(d)
    c.apply(d)
    assert d == original
