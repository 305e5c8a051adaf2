"""Defence in depth: a component that fails during run() is named with its object, recorded, and the cluster runs on."""
import pytest

from labsupport import k8s
from labsupport.core.failures import ComponentError, set_strict


@pytest.fixture
def lenient():
    set_strict(False)
    yield
    set_strict(None)


def _deployment(name="web", replicas=2):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}


def _break_replicaset_controller(monkeypatch):
    from labsupport.k8s.controllers import replicaset

    real = replicaset.ReplicaSetController.sync

    def sync(self, key):
        rs = self.store.get("ReplicaSet", key[0], key[1])
        if rs is not None and rs["metadata"]["name"].startswith("bad"):
            raise IndexError("list index out of range")
        return real(self, key)

    monkeypatch.setattr(replicaset.ReplicaSetController, "sync", sync)


def test_a_failing_controller_is_named_with_its_object_and_the_cluster_keeps_running(monkeypatch, lenient):
    _break_replicaset_controller(monkeypatch)
    c = k8s.Cluster(seed=0)
    c.add_node("node-1")
    c.apply(_deployment("bad"))
    with pytest.raises(ComponentError) as err:
        c.run(10)
    message = str(err.value)
    assert message.startswith("replicaset-controller failed on ReplicaSet default/bad-")
    assert ": IndexError: list index out of range" in message
    assert message.endswith("The cluster kept running and its state is intact; the failure is recorded in its events. "
                            "This is a bug in labsupport, not in your input: please report it.")
    assert "ComponentFailed" in str(c.events())
    c.apply(_deployment("good"))          # the cluster still works
    c.run(30)
    assert sorted(p.status for p in c.pods() if p.name.startswith("good")) == ["Running", "Running"]


def test_strict_mode_raises_the_original_exception(monkeypatch):
    set_strict(True)
    try:
        _break_replicaset_controller(monkeypatch)
        c = k8s.Cluster(seed=0)
        c.add_node("node-1")
        c.apply(_deployment("bad"))
        with pytest.raises(IndexError):
            c.run(10)
    finally:
        set_strict(None)
