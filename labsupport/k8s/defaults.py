"""API defaulting: the fields the API server fills in when a manifest leaves them out.

From ``pkg/apis/*/v1/defaults.go``: a Pod gets ``restartPolicy: Always``,
``terminationGracePeriodSeconds: 30``, ``schedulerName: default-scheduler``,
``dnsPolicy: ClusterFirst`` and an ``imagePullPolicy`` per container (``Always`` for
``:latest`` or untagged images, else ``IfNotPresent``); a Deployment gets
``replicas: 1``, ``revisionHistoryLimit: 10``, ``progressDeadlineSeconds: 600`` and a
``RollingUpdate`` strategy with ``maxSurge``/``maxUnavailable`` 25 %; a Service gets
``type: ClusterIP`` and ``targetPort = port``; an HPA gets ``minReplicas: 1`` and, if it
sets a ``behavior``, the defaults for the fields that behavior leaves out.

>>> d = apply_defaults({"kind": "Deployment", "metadata": {"name": "web"},
...                     "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
>>> d["spec"]["replicas"], d["spec"]["strategy"], d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"]
(1, {'type': 'RollingUpdate', 'rollingUpdate': {'maxSurge': '25%', 'maxUnavailable': '25%'}}, 'Always')
"""
from __future__ import annotations

from labsupport.k8s.controllers.hpa import default_behavior
from labsupport.k8s.workload_api import default_workload

__all__ = ["apply_defaults", "default_pod_spec"]


def default_pod_spec(spec: dict) -> dict:
    """Fill in a PodSpec's defaults in place and return it."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    for group in ("initContainers", "containers"):
        for c in spec.get(group) or ():
            if "imagePullPolicy" not in c:
                image = c.get("image") or ""
                tail = image.rsplit("/", 1)[-1]
                latest = "@" not in image and (":" not in tail or tail.endswith(":latest"))
                c["imagePullPolicy"] = "Always" if latest else "IfNotPresent"
            c.setdefault("resources", {})
            for p in c.get("ports") or ():
                p.setdefault("protocol", "TCP")
    return spec


def apply_defaults(obj: dict) -> dict:
    """Fill in the defaults of a (validated) object in place and return it."""
    kind = obj["kind"]
    meta = obj.setdefault("metadata", {})
    if kind not in ("Namespace", "PriorityClass", "CustomResourceDefinition", "GatewayClass", "ClusterRole", "ClusterRoleBinding"):
        meta.setdefault("namespace", "default")
    spec = obj.get("spec")
    if kind == "Pod":
        default_pod_spec(obj.setdefault("spec", {}))
        obj.setdefault("status", {"phase": "Pending"})
    elif kind in ("Deployment", "ReplicaSet"):
        spec.setdefault("replicas", 1)
        spec.setdefault("minReadySeconds", 0)
        tmpl = spec.setdefault("template", {})
        default_pod_spec(tmpl.setdefault("spec", {}))
        if kind == "Deployment":
            spec.setdefault("revisionHistoryLimit", 10)
            spec.setdefault("progressDeadlineSeconds", 600)
            strategy = spec.setdefault("strategy", {})
            strategy.setdefault("type", "RollingUpdate")
            if strategy["type"] == "RollingUpdate":
                ru = strategy.setdefault("rollingUpdate", {})
                ru.setdefault("maxSurge", "25%")
                ru.setdefault("maxUnavailable", "25%")
    elif kind == "Service":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for p in spec.get("ports") or ():
            p.setdefault("protocol", "TCP")
            p.setdefault("targetPort", p.get("port"))
    elif kind == "HorizontalPodAutoscaler":
        spec.setdefault("minReplicas", 1)
        if spec.get("behavior") is not None:
            # SetDefaults_HorizontalPodAutoscalerBehavior fills only a behavior that is set; without one the
            # controller uses its legacy normalization (labsupport.k8s.controllers.hpa, issue 11 item 3)
            behavior = default_behavior()
            for direction, rules in (spec.get("behavior") or {}).items():
                behavior[direction].update(rules)
            spec["behavior"] = behavior
        spec.setdefault("metrics", [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}])
    elif kind == "PriorityClass":
        obj.setdefault("preemptionPolicy", "PreemptLowerPriority")
        obj.setdefault("globalDefault", False)
    elif kind == "Namespace":
        obj.setdefault("status", {"phase": "Active"})
    if kind == "Secret":  # security: stringData merged into base64 data (labsupport.k8s.secrets)
        from labsupport.k8s.secrets import normalize_secret

        normalize_secret(obj)
    default_workload(obj)  # Job, CronJob, DaemonSet (labsupport.k8s.workload_api)
    return obj
