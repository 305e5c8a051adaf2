"""API-server semantic rules (labsupport.k8s.semantics) and JSON null handling: each learner-facing message asserted."""
import copy

import pytest

from labsupport import k8s
from labsupport.core import LabError

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
       "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
          "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
SVC = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
       "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}]}}
HPA = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
       "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3}}


def edit(base, path, value):
    obj = copy.deepcopy(base)
    *parents, last = path
    node = obj
    for p in parents:
        node = node[p]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return obj


@pytest.mark.parametrize("manifest, message", [
    (edit(POD, ["kind"], [1, 2]), "document 1 (? \"p\"): kind: must be a string, got [1, 2] (a list)"),
    (edit(POD, ["spec"], None), 'document 1 (Pod "p"): spec.containers: Required value: a Pod needs at least one container'),
    (edit(POD, ["spec", "containers"], []), 'document 1 (Pod "p"): spec.containers: Required value: a Pod needs at least one container'),
    (edit(POD, ["spec", "containers"], [None]), "document 1 (Pod \"p\"): spec.containers[0]: missing required field 'name'"),
    (edit(POD, ["spec", "containers"], [{"name": "c", "image": "a"}, {"name": "c", "image": "b"}]),
     "document 1 (Pod \"p\"): spec.containers[1].name: duplicate container name 'c'"),
    (edit(POD, ["spec", "containers", 0, "ports"], [{"containerPort": 80, "name": "web_port"}]),
     "document 1 (Pod \"p\"): spec.containers[0].ports[0].name: 'web_port' must contain only alpha-numeric characters "
     "(a-z, 0-9), and hyphens (-), and start and end with one"),
    (edit(POD, ["spec", "containers", 0, "ports"], [{"containerPort": 0}]),
     "document 1 (Pod \"p\"): spec.containers[0].ports[0].containerPort: must be between 1 and 65535, inclusive, got 0"),
    (edit(POD, ["spec", "containers", 0, "image"], " nginx"),
     "document 1 (Pod \"p\"): spec.containers[0].image: must not have leading or trailing whitespace"),
    (edit(POD, ["spec", "restartPolicy"], "Sometimes"),
     "document 1 (Pod \"p\"): spec.restartPolicy: Unsupported value: 'Sometimes' (supported: 'Always', 'OnFailure', 'Never')"),
    (edit(POD, ["spec", "tolerations"], [{"operator": "Equal", "value": "x"}]),
     "document 1 (Pod \"p\"): spec.tolerations[0].operator: must be 'Exists' when `key` is empty, "
     "which means \"match all values and all keys\""),
    (edit(POD, ["spec", "activeDeadlineSeconds"], 0),
     "document 1 (Pod \"p\"): spec.activeDeadlineSeconds: must be between 1 and 2147483647, inclusive, got 0"),
    (edit(DEPLOY, ["spec", "replicas"], 2**31), "document 1 (Deployment \"web\"): spec.replicas: must be at most 2147483647 (int32), got 2147483648"),
    (edit(DEPLOY, ["spec", "template"], KeyError), "document 1 (Deployment \"web\"): spec: missing required field 'template'"),
    (edit(DEPLOY, ["spec", "strategy"], {"type": "RollingUpdate", "rollingUpdate": None}), None),
    (edit(DEPLOY, ["spec", "selector"], {"matchExpressions": [{"key": "app", "operator": "In", "values": []}]}),
     "document 1 (Deployment \"web\"): spec.selector.matchExpressions[0].values: must be specified when `operator` is 'In' or 'NotIn'"),
    (edit(SVC, ["spec", "ports"], [{"name": "a", "port": 80}, {"name": "a", "port": 81}]),
     "document 1 (Service \"web\"): spec.ports[1].name: Duplicate value: 'a'"),
    (edit(SVC, ["spec", "ports", 0, "targetPort"], 70000),
     "document 1 (Service \"web\"): spec.ports[0].targetPort: must be between 1 and 65535, inclusive, got 70000"),
    (edit(SVC, ["spec", "ports"], [None]), "document 1 (Service \"web\"): spec.ports[0]: missing required field 'port'"),
    (edit(HPA, ["spec", "scaleTargetRef", "name"], ""), "document 1 (HorizontalPodAutoscaler \"web\"): spec.scaleTargetRef.name: Required value"),
    (edit(HPA, ["spec", "minReplicas"], None), None),
    (edit(DEPLOY, ["spec", "replicas"], 2**31 - 1),
     "document 1 (Deployment \"web\"): spec.replicas: 2147483647 is more than this simulator runs (at most 150000, the Pods "
     "per cluster Kubernetes is tested with); a real API server would accept it"),
    (edit(HPA, ["spec", "behavior"], {"scaleDown": {"stabilizationWindowSeconds": 60, "policies": []}}),
     "document 1 (HorizontalPodAutoscaler \"web\"): spec.behavior.scaleDown.policies: Required value: must specify at least one Policy"),
    (edit(HPA, ["spec", "maxReplicas"], 1_000_000),
     "document 1 (HorizontalPodAutoscaler \"web\"): spec.maxReplicas: 1000000 is more than this simulator runs (at most "
     "150000, the Pods per cluster Kubernetes is tested with); a real API server would accept it"),
], ids=[
    "a list as kind is refused", "a null spec means no containers", "an empty container list is refused",
    "a null container is an empty one", "duplicate container names are refused", "a port name must be an IANA name",
    "port 0 is refused", "an image with a leading space is refused", "an unknown restartPolicy is refused",
    "a toleration without key must use Exists", "activeDeadlineSeconds must be positive",
    "replicas above int32 are refused", "a Deployment needs a template", "a null rollingUpdate is the default",
    "In needs values", "duplicate Service port names are refused", "targetPort out of range is refused",
    "a null Service port is an empty one", "an HPA target needs a name", "a null minReplicas is the default",
    "replicas beyond the simulator's 150,000 are refused, saying a real API server would accept them",
    "an empty list of HPA scaling policies is refused (found by the fuzzer)",
    "an HPA maxReplicas beyond the simulator's 150,000 is refused",
])
def test_semantic_rules_name_the_field(manifest, message):
    c = k8s.Cluster(seed=0)
    c.add_node("node-1")
    if message is None:
        c.apply(manifest)
        c.run(5)
        return
    with pytest.raises(k8s.ManifestError) as err:
        c.apply(manifest)
    assert message in str(err.value).splitlines(), str(err.value)
    assert c.store.list("Pod") == [] and c.store.list("Deployment") == []   # all or nothing: nothing was stored


def test_scaling_beyond_the_simulators_limit_names_the_limit_and_changes_nothing():
    c = k8s.Cluster(seed=0)
    c.add_node("node-1")
    c.apply(DEPLOY)
    with pytest.raises(LabError, match=r"^replicas: 150001 is more than this simulator runs \(at most 150000"):
        c.scale("deployment", "web", 150_001)
    assert c.store.get("Deployment", "default", "web")["spec"]["replicas"] == 1
