"""Ordinary manifests of every simulated kind and the mutations a learner typing them by hand makes.

Shared by the Kubernetes fuzz tests (tests/fuzz/test_fuzz_k8s.py) and ``make fuzz``.
"""
from __future__ import annotations

import copy
import random

__all__ = ["BASE_MANIFESTS", "JUNK", "mutate", "paths"]

_POD_SPEC = {"containers": [{"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80, "name": "http"}],
                             "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                           "limits": {"cpu": "200m", "memory": "128Mi"}}}],
             "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
             "nodeSelector": {"kubernetes.io/os": "linux"}}

BASE_MANIFESTS = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team", "labels": {"tier": "dev"}}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo", "labels": {"app": "solo"}},
     "spec": copy.deepcopy(_POD_SPEC)},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
     "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
              "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
              "template": {"metadata": {"labels": {"app": "web"}}, "spec": copy.deepcopy(_POD_SPEC)}}},
    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs"},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "rs"}},
              "template": {"metadata": {"labels": {"app": "rs"}}, "spec": copy.deepcopy(_POD_SPEC)}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
     "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 80}]}},
    {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
     "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
              "minReplicas": 1, "maxReplicas": 5,
              "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                                      "averageUtilization": 50}}}],
              "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60,
                                         "policies": [{"type": "Pods", "value": 1, "periodSeconds": 15}]}}}},
    {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000},
    {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
     "spec": {"hard": {"pods": "20", "requests.cpu": "8", "requests.memory": "16Gi"}}},
]

#: what a mutated field becomes: the wrong types and values learners type
JUNK = [None, [], [None], {}, "", "1.5.3", "-1", -1, 0, 2**31, 2**63, 1.5, True, "a" * 300, "Web_1", [1, 2],
        {"x": None}, "25%", "101%", "\n", 3]


def paths(obj, prefix=()):
    """Every path to a value inside ``obj`` (dict keys and list indices)."""
    yield prefix
    if isinstance(obj, dict):
        for k in obj:
            yield from paths(obj[k], prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from paths(v, prefix + (i,))


def _parent(obj, path):
    for p in path[:-1]:
        obj = obj[p]
    return obj


def mutate(obj: dict, rng: random.Random, n: int = 1) -> dict:
    """``n`` random edits: delete a field, set it to junk, rename a key, duplicate a list entry."""
    obj = copy.deepcopy(obj)
    for _ in range(n):
        ps = [p for p in paths(obj) if p]
        if not ps:
            break
        path = rng.choice(ps)
        parent, key = _parent(obj, path), path[-1]
        op = rng.random()
        if op < 0.2 and isinstance(parent, dict):
            del parent[key]
        elif op < 0.3 and isinstance(parent, dict):
            parent[key + rng.choice(["s", "_", "X"])] = parent.pop(key)
        elif op < 0.4 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        else:
            parent[key] = copy.deepcopy(rng.choice(JUNK))
    return obj
