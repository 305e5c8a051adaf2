"""The scheduler inside the real k8s.Cluster: Deployments -> ReplicaSets -> Pods -> scheduler -> kubelets."""
import pytest

from labsupport import k8s
from labsupport.k8s.scheduler import SchedulerConfigError

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx
        resources: {requests: {cpu: 500m, memory: 256Mi}}
"""


def small_cluster(**kw):
    c = k8s.Cluster(seed=0, **kw)
    c.add_node("node-1", cpu="4", memory="8Gi")
    c.add_node("node-2", cpu="2", memory="8Gi")
    c.add_node("gpu-1", cpu="8", memory="32Gi", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    return c


def test_deployment_pods_are_bound_by_the_scheduler_and_explain_agrees():
    c = small_cluster()
    probe = {"metadata": {"name": "probe"}, "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]}}
    c.apply(WEB)
    c.run(30)
    pods = c.pods()
    assert len(pods) == 4 and all(p.node in ("node-1", "node-2") for p in pods)
    e = c.scheduler.explain(probe)
    assert [r["node"] for r in e.rows] == ["node-1", "node-2", "gpu-1"]
    assert e.rows[2]["reason"] == "node(s) had untolerated taint(s)"
    assert e.chosen in ("node-1", "node-2")
    # the same Pod, applied for real, lands where explain said (fewer than 100 nodes: all are scored)
    c.apply({"apiVersion": "v1", "kind": "Pod", **probe,
             "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "1"}}}]}})
    c.run(5)
    assert {p.name: p.node for p in c.pods()}["probe"] == e.chosen


def test_pending_pod_explained_by_name_and_failed_scheduling_event():
    c = small_cluster()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "huge"},
             "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "6"}}}]}})
    c.run(5)
    e = c.scheduler.explain("default/huge")
    assert e.chosen is None and not any(r["feasible"] for r in e.rows)
    assert e.message == "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu."
    msgs = [r["MESSAGE"] for r in c.events().rows if r["REASON"] == "FailedScheduling"]
    assert msgs and msgs[0].startswith("0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu.")


def test_preemption_through_the_kubelet_graceful_termination():
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="2", memory="8Gi")
    c.apply("""
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: critical}
value: 1000000
""")
    c.apply(WEB.replace("replicas: 4", "replicas: 4"))
    c.run(30)
    assert sum(p.node == "node-1" for p in c.pods()) == 4
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "vip"},
             "spec": {"priorityClassName": "critical",
                      "containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "1"}}}]}})
    c.run(0.5)                                       # the victims exit 1 s after SIGTERM: vip still waits
    vip = c.object("Pod", "vip")
    assert vip["status"].get("nominatedNodeName") == "node-1"
    assert {r["NAME"]: r["NOMINATED NODE"] for r in c.get("pods").rows}["vip"] == "node-1"
    assert sum(r["REASON"] == "Preempted" for r in c.events().rows) == 2
    c.run(60)                                        # victims finish their grace period, vip gets their room
    assert {p.name: p.node for p in c.pods()}["vip"] == "node-1"
    # the binding cleared the nomination (ClearingNominatedNodeNameAfterBinding, on by default since 1.35)
    assert "nominatedNodeName" not in c.object("Pod", "vip")["status"]
    assert "NOMINATED NODE" not in c.get("pods").columns


def test_cluster_accepts_a_scheduler_config_and_rejects_a_bad_one():
    cfg = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
           "profiles": [{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}]}]}
    c = small_cluster(scheduler_config=cfg)
    assert c.scheduler.frameworks["default-scheduler"].profile.plugin_args["NodeResourcesFit"]["strategy"] == "MostAllocated"
    with pytest.raises(SchedulerConfigError, match="^profiles\\[0\\].schedulerName:"):
        k8s.Cluster(scheduler_config={**cfg, "profiles": [{"schedulerName": 3}]})
