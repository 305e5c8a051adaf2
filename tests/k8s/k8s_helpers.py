"""Small builders shared by the labsupport.k8s tests (not the scheduler's)."""
from __future__ import annotations

from labsupport import k8s


def deployment(name="web", replicas=3, image="nginx:1.27", cpu="100m", strategy=None, command=None, probe=None, labels=None, **spec):
    """A Deployment manifest dict."""
    labels = labels or {"app": name}
    container = {"name": name, "image": image, "resources": {"requests": {"cpu": cpu}}}
    if command:
        container["command"] = command
    if probe:
        container["readinessProbe"] = probe
    d = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": [container]}}, **spec},
    }
    if strategy:
        d["spec"]["strategy"] = strategy
    return d


def pod(name="p", image="busybox:1.36", command=None, restart="Always", cpu=None, grace=None, **spec):
    """A bare Pod manifest dict."""
    c = {"name": "c", "image": image}
    if command:
        c["command"] = command
    if cpu:
        c["resources"] = {"requests": {"cpu": cpu}}
    s = {"containers": [c], "restartPolicy": restart, **spec}
    if grace is not None:
        s["terminationGracePeriodSeconds"] = grace
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": s}


def cluster(nodes=3, seed=0, cpu="4", memory="8Gi"):
    """A Cluster with ``nodes`` identical nodes."""
    c = k8s.Cluster(seed=seed)
    for i in range(nodes):
        c.add_node(f"node-{i + 1}", cpu=cpu, memory=memory)
    return c
