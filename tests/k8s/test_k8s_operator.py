"""CustomResourceDefinitions (schema validation of custom objects, names, scope, status) and learner operators."""
from __future__ import annotations

import copy

import pytest

from labsupport import k8s
from labsupport.core import LabError

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "backups.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "backups", "singular": "backup", "kind": "Backup", "shortNames": ["bk"]},
             "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                               "spec": {"type": "object", "required": ["schedule"], "properties": {
                                   "schedule": {"type": "string"}, "replicas": {"type": "integer", "minimum": 0, "default": 1}}},
                               "status": {"type": "object", "properties": {"ready": {"type": "integer"}}}}}}}]},
}


def backup(name="nightly", **spec):
    return {"apiVersion": "example.com/v1", "kind": "Backup", "metadata": {"name": name}, "spec": {"schedule": "@daily", **spec}}


class Replicas(k8s.Controller):
    """Keeps spec.replicas Pods labelled backup=<name> (the lesson's exercise, as a test fixture)."""

    watches = ("example.com/v1", "Backup")
    owns = (("v1", "Pod"),)

    def reconcile(self, api, obj):
        name = obj["metadata"]["name"]
        pods = [p for p in api.list("pods", labels={"backup": name}) if p["metadata"].get("deletionTimestamp") is None]
        names = {p["metadata"]["name"] for p in pods}
        want = obj["spec"]["replicas"]
        for i in range(want):
            if f"{name}-{i}" not in names and len(names) < want:
                api.create({"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": f"{name}-{i}", "labels": {"backup": name}, "ownerReferences": [api.owner_reference(obj)]},
                            "spec": {"containers": [{"name": "b", "image": "restic:0.17"}]}})
                names.add(f"{name}-{i}")
        for p in sorted(pods, key=lambda p: p["metadata"]["name"])[want:]:
            api.delete("pods", p["metadata"]["name"])
        obj["status"] = {"ready": min(len(pods), want)}
        api.update_status(obj)


def cluster_with_crd():
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="8", memory="16Gi")
    c.apply(CRD)
    return c


@pytest.mark.parametrize(("name", "kind"), [
    ("backups.example.com", "Backup"), ("backups", "Backup"), ("backup", "Backup"), ("bk", "Backup"), ("Backup", "Backup"),
], ids=lambda v: f"kubectl get {v}" if "." in v or v.islower() else v)
def test_custom_kinds_are_reachable_by_every_kubectl_name(name, kind):
    c = cluster_with_crd()
    c.apply(backup())
    assert c.get(name).rows[0]["NAME"] == "nightly"
    assert c.object(name, "nightly")["kind"] == kind


def test_crd_prints_like_kubectl_and_defaults_are_filled():
    c = cluster_with_crd()
    out = c.apply(backup())
    assert str(out) == "backup.example.com/nightly created"
    assert c.get("crd").columns == ["NAME", "CREATED AT"]
    assert c.object("bk", "nightly")["spec"]["replicas"] == 1


@pytest.mark.parametrize(("obj", "fragment"), [
    pytest.param(backup(replicas=-1), "spec.replicas: -1 is less than the minimum of 0", id="a value below the schema minimum"),
    pytest.param(backup(replicas="two"), "spec.replicas: must be an integer, got 'two'", id="a wrong type"),
    pytest.param(backup(schedul="x"), "spec: unknown field 'schedul' (did you mean 'schedule'?)", id="an unknown field with a suggestion"),
    pytest.param({"apiVersion": "example.com/v1", "kind": "Backup", "metadata": {"name": "b"}, "spec": {}},
                 "spec: missing required field 'schedule'", id="a missing required field"),
    pytest.param({"apiVersion": "example.com/v2", "kind": "Backup", "metadata": {"name": "b"}, "spec": {}},
                 'no matches for kind "Backup" in version "example.com/v2"', id="a version the CRD does not serve"),
    pytest.param({**backup(), "metadata": {"name": "Bad_Name"}}, "metadata.name: 'Bad_Name' is not a DNS-1123 subdomain", id="a bad name"),
])
def test_custom_objects_are_validated_against_the_schema(obj, fragment):
    c = cluster_with_crd()
    rv = c.store.resource_version
    with pytest.raises(k8s.ManifestError) as info:
        c.apply(obj)
    assert fragment in str(info.value)
    assert c.store.resource_version == rv


def test_a_custom_object_before_its_crd_is_refused():
    c = k8s.Cluster(seed=0)
    with pytest.raises(k8s.ManifestError, match="ensure CRDs are installed first"):
        c.apply([CRD, backup()])


def _crd(**changes):
    crd = copy.deepcopy(CRD)
    for path, value in changes.items():
        target = crd
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if isinstance(target, list) else target[k]
        target[keys[-1]] = value
    return crd


@pytest.mark.parametrize(("crd", "fragment"), [
    pytest.param(_crd(metadata={"name": "backup.example.com"}), "metadata.name: Invalid value: 'backup.example.com': must be spec.names.plural",
                 id="the name must be plural dot group"),
    pytest.param(_crd(spec__group="example"), "spec.group: Invalid value: 'example': should be a domain", id="the group needs a dot"),
    pytest.param(_crd(spec__scope="Global"), "spec.scope: Unsupported value: 'Global'", id="an unknown scope"),
    pytest.param(_crd(spec__names__kind="backup"), "spec.names.kind: Invalid value: 'backup'", id="a lower-case kind"),
    pytest.param(_crd(spec__versions__0__storage=False), "must have exactly one version marked as storage version", id="no storage version"),
    pytest.param(_crd(spec__versions__0__schema={"openAPIV3Schema": {"type": "object", "properties": {"spec": {"properties": {}}}}}),
                 "openAPIV3Schema.properties[spec].type: Required value", id="a non-structural schema"),
])
def test_bad_crds_are_refused(crd, fragment):
    c = k8s.Cluster(seed=0)
    with pytest.raises(k8s.ManifestError) as info:
        c.apply(crd)
    assert fragment in str(info.value)


def test_cluster_scoped_custom_objects_have_no_namespace():
    c = k8s.Cluster(seed=0)
    crd = _crd(spec__scope="Cluster")
    c.apply(crd)
    c.apply(backup())
    obj = c.object("backups", "nightly", namespace=None)
    assert "namespace" not in obj["metadata"]
    assert "NAMESPACE" not in c.get("backups", namespace=None).columns


def test_operator_keeps_n_replicas_and_status():
    c = cluster_with_crd()
    c.add_controller(Replicas())
    c.apply(backup(replicas=3))
    c.run(10)
    assert sorted(p.name for p in c.pods()) == ["nightly-0", "nightly-1", "nightly-2"]
    c.apply(backup(replicas=1))
    c.run(40)
    assert [p.name for p in c.pods()] == ["nightly-0"]
    assert c.object("backups", "nightly")["status"] == {"ready": 1}
    c.delete("backup", "nightly")
    c.run(40)
    assert c.pods() == []


def test_status_in_an_apply_is_ignored_with_the_status_subresource():
    c = cluster_with_crd()
    c.apply({**backup(), "status": {"ready": 9}})
    assert "status" not in c.object("backups", "nightly")


def test_a_failing_reconcile_is_retried_with_backoff_and_recorded():
    class Broken(k8s.Controller):
        watches = ("example.com/v1", "Backup")

        def reconcile(self, api, obj):
            raise ValueError("boom")

    c = cluster_with_crd()
    c.add_controller(Broken())
    c.apply(backup())
    c.run(0.1)
    log = c.reconcile_log().rows
    assert [r["RESULT"] for r in log[:3]] == ["error"] * 3
    assert log[0]["DETAIL"] == "ValueError: boom (retry in 0.005 s)"
    assert log[2]["DETAIL"].endswith("(retry in 0.02 s)")
    assert "ReconcileError" in [e["REASON"] for e in c.events().rows]


def test_a_reconcile_that_writes_every_time_is_stopped_as_a_loop():
    class Loop(k8s.Controller):
        watches = ("example.com/v1", "Backup")

        def reconcile(self, api, obj):
            obj["status"] = {"ready": int(obj.get("status", {}).get("ready", 0)) + 1}
            api.update_status(obj)

    c = cluster_with_crd()
    c.add_controller(Loop())
    c.apply(backup())
    c.run(1)
    assert any(r["DETAIL"].startswith("LabError: reconcile loop: backup/nightly was reconciled 100 times") for r in c.reconcile_log().rows)


def test_a_stale_update_is_a_conflict():
    seen = []

    class Stale(k8s.Controller):
        watches = ("example.com/v1", "Backup")

        def reconcile(self, api, obj):
            if seen:
                return
            fresh = api.get("backups", obj["metadata"]["name"])
            fresh["spec"]["replicas"] = 5
            api.update(fresh)
            obj["spec"]["replicas"] = 7
            try:
                api.update(obj)        # read before the first update: 409
            except k8s.ConflictError as e:
                seen.append(str(e))

    c = cluster_with_crd()
    c.add_controller(Stale())
    c.apply(backup())
    c.run(0.01)
    assert seen and "the object has been modified" in seen[0]
    assert c.object("backups", "nightly")["spec"]["replicas"] == 5


@pytest.mark.parametrize(("controller", "fragment"), [
    pytest.param(type("NoKind", (k8s.Controller,), {"watches": ("example.com/v1", "Restore"), "reconcile": lambda s, a, o: None})(),
                 'watches: no kind "Restore" is served in version "example.com/v1"', id="a kind without a CRD"),
    pytest.param(type("BadPair", (k8s.Controller,), {"watches": "Backup", "reconcile": lambda s, a, o: None})(),
                 "watches: must be a pair (apiVersion, kind)", id="watches is not a pair"),
    pytest.param(type("NoReconcile", (k8s.Controller,), {"watches": ("example.com/v1", "Backup")})(),
                 "does not define reconcile(self, api, obj)", id="reconcile is missing"),
    pytest.param(object(), "controller: expected an instance of a k8s.Controller subclass", id="not a controller"),
])
def test_bad_controllers_are_refused_by_name(controller, fragment):
    c = cluster_with_crd()
    with pytest.raises(LabError) as info:
        c.add_controller(controller)
    assert fragment in str(info.value)


def test_an_operator_run_is_deterministic():
    def run():
        c = cluster_with_crd()
        c.add_controller(Replicas())
        c.apply(backup(replicas=2))
        c.run(30)
        return [tuple(r) for r in c.watch_log().rows]
    assert run() == run()
