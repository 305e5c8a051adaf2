"""The official Python client (kubernetes 37.0.2) and raw HTTP against ``cluster.serve()``; the server's guarantees."""
from __future__ import annotations

import json
import os
import ssl
import stat
import threading
import time
import urllib.error
import urllib.request

import pytest
from kubernetes import client, config, watch

from labsupport import k8s
from labsupport.core import LabError
from labsupport.k8s.kubeapi import patch, protobuf, selectors
from labsupport.k8s.kubeapi.subresources import container_log
from labsupport.k8s.kubeapi.wire import from_wire, to_wire


def _deployment(name="web", replicas=2):
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1DeploymentSpec(replicas=replicas, selector=client.V1LabelSelector(match_labels={"app": name}),
                                     template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels={"app": name}),
                                                                       spec=client.V1PodSpec(containers=[client.V1Container(name=name, image="nginx:1.27")]))))


@pytest.fixture
def served():
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="4", memory="8Gi")
    server = c.serve()
    api_client = config.new_client_from_config(server.kubeconfig)
    yield c, server, api_client
    api_client.close()
    server.stop()


def test_client_lists_creates_patches(served):
    c, _, api = served
    v1, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    assert v1.list_namespaced_pod("default").items == []
    created = apps.create_namespaced_deployment("default", _deployment())
    assert created.metadata.uid and created.metadata.generation == 1
    c.run(10)
    pods = v1.list_namespaced_pod("default", label_selector="app=web").items
    assert sorted(p.status.phase for p in pods) == ["Running", "Running"]
    patched = apps.patch_namespaced_deployment("web", "default", {"spec": {"replicas": 3}})
    assert (patched.spec.replicas, patched.metadata.generation) == (3, 2)
    scale = apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 4}})
    assert scale.spec.replicas == 4 and c.object("deployment", "web")["spec"]["replicas"] == 4
    assert [n.metadata.name for n in v1.list_node().items] == ["node-1"]
    assert client.VersionApi(api).get_code().git_version == "v1.37.0"


@pytest.mark.parametrize(("action", "status", "reason", "text"), [
    ("create twice", 409, "AlreadyExists", 'deployments.apps "web" already exists'),
    ("replace with a stale resourceVersion", 409, "Conflict", 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified'),
    ("read a missing object", 404, "NotFound", 'deployments.apps "nope" not found'),
    ("patch to a negative replica count", 422, "Invalid", 'Deployment.apps "web" is invalid: spec.replicas'),
    ("change the immutable selector", 422, "Invalid", "spec.selector: Invalid value"),
], ids=lambda v: v if isinstance(v, str) and " " in v else None)
def test_client_errors_are_status_objects(served, action, status, reason, text):
    c, _, api = served
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", _deployment())
    with pytest.raises(client.ApiException) as info:
        if action == "create twice":
            apps.create_namespaced_deployment("default", _deployment())
        elif action == "replace with a stale resourceVersion":
            d = apps.read_namespaced_deployment("web", "default")
            apps.patch_namespaced_deployment("web", "default", {"metadata": {"labels": {"x": "1"}}})
            apps.replace_namespaced_deployment("web", "default", d)
        elif action == "read a missing object":
            apps.read_namespaced_deployment("nope", "default")
        elif action == "patch to a negative replica count":
            apps.patch_namespaced_deployment("web", "default", {"spec": {"replicas": -1}})
        else:
            apps.patch_namespaced_deployment("web", "default", {"spec": {"selector": {"matchLabels": {"app": "other"}}}})
    body = json.loads(info.value.body)
    assert (info.value.status, body["reason"], body["kind"]) == (status, reason, "Status")
    assert text in body["message"]
    if reason == "Invalid":
        assert body["details"]["causes"][0]["field"].startswith("spec.")


def test_client_watch_streams_the_writes_of_cluster_run(served):
    c, _, api = served
    v1, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    rv = v1.list_namespaced_pod("default").metadata.resource_version
    apps.create_namespaced_deployment("default", _deployment())
    threading.Timer(0.3, lambda: c.run(10)).start()
    seen = [(e["type"], e["object"].status.phase) for e in watch.Watch().stream(v1.list_namespaced_pod, "default", resource_version=rv,
                                                                                   timeout_seconds=2)]
    assert seen[:2] == [("ADDED", "Pending"), ("ADDED", "Pending")]
    assert ("MODIFIED", "Running") in seen


def test_requests_without_the_token_get_401_and_the_server_is_loopback_only(served):
    _, server, _ = served
    assert server.url.startswith("https://127.0.0.1:")
    ctx = ssl.create_default_context(cafile=server.certificate)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server.url + "/api/v1/pods", context=ctx, timeout=5)
    assert info.value.code == 401 and json.loads(info.value.read())["reason"] == "Unauthorized"
    req = urllib.request.Request(server.url + "/version", headers={"Authorization": "Bearer wrong"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(req, context=ctx, timeout=5)
    req = urllib.request.Request(server.url + "/version", headers={"Authorization": f"Bearer {server.token}"})
    assert json.loads(urllib.request.urlopen(req, context=ctx, timeout=5).read())["gitVersion"] == "v1.37.0"
    assert stat.S_IMODE(os.stat(server.kubeconfig).st_mode) == 0o600


def test_stop_closes_the_port_and_removes_the_kubeconfig(served):
    c, server, _ = served
    server.stop()
    assert not server.running and not os.path.exists(server.kubeconfig)
    with pytest.raises(OSError):
        urllib.request.urlopen(server.url + "/version", context=ssl._create_unverified_context(), timeout=2)
    assert c.serve() is not server  # a new one


def test_kubectl_runs_no_shell(served, tmp_path):
    c, _, _ = served
    marker = tmp_path / "x"
    out = c.kubectl(f"get pods; touch {marker}")
    assert out.returncode != 0 and not marker.exists()
    assert c.kubectl(["get", "pods", "-o", "name"]) == ""


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.kubectl(42), "args: expected a string such as 'get pods' or a list of strings, got 42"),
    (lambda c: c.kubectl("get pods 'unclosed"), "args: cannot split"),
    (lambda c: c.kubectl("apply -f -", stdin=b"bytes"), "stdin: expected a string"),
    (lambda c: c.serve(realtime="yes"), "realtime: expected True or False, got 'yes'"),
    (lambda c: c.serve(realtime=True), "realtime: the server already runs with realtime=False"),
], ids=["args of the wrong type", "unbalanced quotes", "stdin as bytes", "realtime not a bool", "switching mode while serving"])
def test_bad_arguments_are_lab_errors(served, call, message):
    c, _, _ = served
    with pytest.raises(LabError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(c)


def test_realtime_mode_moves_the_clock_with_the_wall_clock():
    c = k8s.Cluster(seed=0)
    server = c.serve(realtime=True)
    assert "NOT deterministic" in repr(server)
    time.sleep(0.6)
    assert c.now > 0.2
    server.stop()


@pytest.mark.parametrize(("fn", "args", "expected"), [
    (patch.merge_patch, ({"a": {"b": 1, "c": 2}}, {"a": {"b": None}}), {"a": {"c": 2}}),
    (patch.strategic_merge_patch, ({"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}]}},
                                   {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                                             "containers": [{"name": "a", "$patch": "delete"}]}}, "Pod"),
     {"spec": {"containers": [{"name": "b", "image": "1"}]}}),
    (patch.strategic_merge_patch, ({"spec": {"tolerations": [{"key": "a"}]}}, {"spec": {"tolerations": [{"key": "b"}]}}, "Pod"),
     {"spec": {"tolerations": [{"key": "b"}]}}),
    (patch.strategic_merge_patch, ({"metadata": {"finalizers": ["a"]}}, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "Pod"),
     {"metadata": {"finalizers": []}}),
    (patch.json_patch, ({"a": [1, 2]}, [{"op": "add", "path": "/a/-", "value": 3}, {"op": "remove", "path": "/a/0"}]), {"a": [2, 3]}),
], ids=["merge patch deletes with null", "strategic merge deletes a container by name and reorders",
        "tolerations have no merge key: replaced", "$deleteFromPrimitiveList", "JSON patch add and remove"])
def test_patch_types(fn, args, expected):
    assert fn(*args) == expected


@pytest.mark.parametrize(("text", "labels", "expected"), [
    ("app=web", {"app": "web"}, True),
    ("app!=web", {"app": "web"}, False),
    ("env in (a,b),!canary", {"env": "b"}, True),
    ("env notin (a,b)", {}, True),
    ("tier", {"app": "web"}, False),
], ids=["equality", "inequality", "set and does-not-exist", "notin on a missing key", "exists"])
def test_label_selectors(text, labels, expected):
    assert selectors.parse_label_selector(text)(labels) is expected


def test_bad_selector_is_400(served):
    _, _, api = served
    with pytest.raises(client.ApiException) as info:
        client.CoreV1Api(api).list_namespaced_pod("default", label_selector="app=(")
    assert info.value.status == 400


def test_protobuf_eviction_and_wire_round_trip():
    body = protobuf.MAGIC + protobuf._field(1, protobuf._field(1, b"policy/v1") + protobuf._field(2, b"Eviction")) + protobuf._field(
        2, protobuf._field(1, protobuf._field(3, b"default")) + bytes([0x12, 2, 0x08, 5]))
    assert protobuf.decode(body) == {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"namespace": "default"},
                                     "deleteOptions": {"gracePeriodSeconds": 5}}
    with pytest.raises(protobuf.ProtobufError):
        protobuf.decode(b"{}")
    obj = {"metadata": {"creationTimestamp": 12.0, "deletionGracePeriodSeconds": 30.0}, "spec": {"renewTime": 3.25}}
    assert from_wire(to_wire(obj)) == {"metadata": {"creationTimestamp": 12.0, "deletionGracePeriodSeconds": 30}, "spec": {"renewTime": 3.25}}


@pytest.mark.parametrize(("script", "now", "expected"), [
    ("echo a; sleep 10; echo b", 5.0, "a\n"),
    ("echo a; sleep 10; echo b", 10.0, "a\nb\n"),
    ("echo 'two words'; sleep infinity; echo never", 1e9, "two words\n"),
], ids=["lines after an unfinished sleep are not printed yet", "both lines once the sleep is over", "quoted words; nothing after sleep infinity"])
def test_container_log(script, now, expected):
    assert container_log({"command": ["sh", "-c", script]}, 0.0, now) == expected


def test_kubectl_starts_no_plugin(served, tmp_path, monkeypatch):
    c, _, _ = served
    marker = tmp_path / "ran"
    plugin = tmp_path / "kubectl-hello"
    plugin.write_text(f"#!/bin/sh\ntouch {marker}\n")
    plugin.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ.get('PATH', '')}")
    out = c.kubectl("hello")
    assert out.returncode != 0 and not marker.exists()


@pytest.mark.parametrize(("answer", "correct"), [
    ("get pods -l app=web -o custom-columns=NODE:.spec.nodeName --no-headers", True),
    ("kubectl get pods -l app=web -o jsonpath='{.items[*].spec.nodeName}'", True),
    ("get pods -l app=web -o wide", False),
    ("version --client -o json", False),
], ids=["custom-columns is accepted", "a leading kubectl word is accepted", "-o wide prints more than the nodes", "a command that does not ask the cluster"])
def test_kubectl_exercise_runs_the_command_on_two_clusters(answer, correct):
    from labsupport.exercises import kubectl_exercises as ex

    assert ex.q_nodes.check(answer).correct is correct


def test_kubectl_magic_line_and_cell(served, capsys, monkeypatch):
    """register_magic adds %kubectl / %%kubectl to the running IPython (a stand-in here: no global shell is left behind)."""
    import IPython

    from labsupport.k8s.kubeapi.kubectl import register_magic

    c, _, _ = served
    registered = {}

    class Shell:
        def register_magic_function(self, fn, kind, name):
            registered[name] = (fn, kind)

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    register_magic(c)
    fn, kind = registered["kubectl"]
    assert kind == "line_cell"
    fn("get nodes -o name")
    fn("apply -f -", "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}\n")
    assert capsys.readouterr().out == "node/node-1\nnamespace/team-b created\n"


def test_dropping_the_cluster_stops_its_server():
    import gc
    import socket

    c = k8s.Cluster(seed=0)
    server = c.serve()
    port, kubeconfig = int(server.url.rsplit(":", 1)[1]), server.kubeconfig
    del c, server
    gc.collect()
    time.sleep(0.3)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
    assert not os.path.exists(kubeconfig)


def test_a_simulator_bug_is_a_500_status_not_a_dropped_connection(served, monkeypatch):
    from labsupport.k8s.kubeapi import resources

    _, server, _ = served
    monkeypatch.setattr(resources, "version_info", lambda: {}["boom"])
    req = urllib.request.Request(server.url + "/version", headers={"Authorization": f"Bearer {server.token}"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, context=ssl.create_default_context(cafile=server.certificate), timeout=5)
    body = json.loads(info.value.read())
    assert (info.value.code, body["reason"]) == (500, "InternalError") and "KeyError" in body["message"]


def test_the_issue_contract_runs_as_written(tmp_path, monkeypatch):
    """The learner-facing API of issue 21, verbatim (web.yaml in the working directory)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "web.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n"
                                       "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
                                       "    spec: {containers: [{name: web, image: 'nginx:1.27'}]}\n")
    cluster = k8s.Cluster(seed=0)
    cluster.add_node("node-1")
    server = cluster.serve()
    assert server.url and os.path.exists(server.kubeconfig)
    assert str(cluster.kubectl("apply -f web.yaml")) == "deployment.apps/web created\n"
    # kubectl sees the cluster at cluster.now: the controllers have not run yet, so there are no Pods yet
    assert cluster.kubectl("get pods -o wide") == "No resources found in default namespace.\n"
    cluster.run(30)
    assert cluster.kubectl("get pods -o wide").count("Running") == 2
    assert "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable" in cluster.kubectl("describe deployment web")
    config.load_kube_config(server.kubeconfig)
    assert len(client.CoreV1Api().list_namespaced_pod("default").items) == 2
    server.stop()
