"""Fuzzing the Kubernetes simulator with manifests generated from, and mutated against, the real 1.37 schemas.

Properties (issue 10): ``apply`` either succeeds or raises ManifestError naming a field path; ``run()`` never
raises (strict mode: a component failure raises the original exception); afterwards no node is over-committed,
every Pod is in exactly one phase, and the cluster still schedules a fresh Deployment.
"""
from __future__ import annotations

import re

from fuzz_settings import COUNTS, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st
from schema_strategy import any_manifest

from labsupport import k8s
from labsupport.k8s.quantity import parse_cpu, parse_memory, pod_requests

PHASES = {"Pending", "Running", "Succeeded", "Failed", "Unknown"}
# "document N (Kind "name"): <field path or the kind/manifest-level problem>"
_NAMED = re.compile(
    r"^(document \d+( \([^)]*\))?: ([A-Za-z][^:\n]*: |missing required field|Kind .* is not simulated|"
    r"unknown field|expected a mapping|not valid YAML|apiVersion)|manifest: )")


def _over_committed(c: k8s.Cluster) -> list[str]:
    out = []
    for node in c.store.list("Node"):
        alloc = node["status"]["allocatable"]
        cap = {"cpu": parse_cpu(alloc["cpu"], "cpu"), "memory": parse_memory(alloc["memory"], "memory"),
               "pods": int(alloc["pods"])}
        used = {"cpu": 0, "memory": 0, "pods": 0}
        for p in c.store.list("Pod"):
            if p["spec"].get("nodeName") == node["metadata"]["name"] and \
                    p.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
                for k, v in pod_requests(p).items():
                    if k in used:
                        used[k] += v
        out += [f"{node['metadata']['name']}: {k} {used[k]} > {cap[k]}" for k in used if used[k] > cap[k]]
    return out


def _fresh_deployment_runs(c: k8s.Cluster) -> bool:
    """A new tainted node, and a top-priority Deployment that tolerates only that taint, still gets Running."""
    c.add_node("fresh-node", cpu="2", memory="2Gi", labels={"fuzz": "fresh"},
               taints=[{"key": "fuzz-fresh", "value": "only", "effect": "NoSchedule"}])
    c.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fuzz-fresh"}},
             {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "fuzz-fresh"},
              "value": 1_000_000_000},
             {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "fresh", "namespace": "fuzz-fresh"},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "fresh"}},
                       "template": {"metadata": {"labels": {"app": "fresh"}},
                                    "spec": {"nodeSelector": {"fuzz": "fresh"}, "priorityClassName": "fuzz-fresh",
                                             "tolerations": [{"key": "fuzz-fresh", "operator": "Equal",
                                                              "value": "only", "effect": "NoSchedule"}],
                                             "containers": [{"name": "c", "image": "nginx",
                                                             "resources": {"requests": {"cpu": "10m"}}}]}}}}])
    c.run(60)
    return [p.status for p in c.pods("fuzz-fresh")] == ["Running"]


@fuzz_settings("k8s")
@given(steps=st.lists(st.tuples(any_manifest(), st.sampled_from([0, 1, 5, 30, 120])), min_size=3, max_size=8))
def test_hostile_manifests_never_break_the_cluster(steps):
    counts = COUNTS["k8s"]
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="2", memory="4Gi")
    c.add_node("node-2", cpu="2", memory="4Gi")
    for manifest, seconds in steps:
        counts["inputs"] += 1
        try:
            c.apply(manifest)
            counts["accepted"] += 1
        except k8s.ManifestError as e:
            counts["rejected"] += 1
            assert _NAMED.match(str(e)), f"message names no field path: {e}"
        c.run(seconds)                                   # strict mode: any component failure raises here
        for p in c.store.list("Pod"):
            assert p.get("status", {}).get("phase", "Pending") in PHASES
        assert _over_committed(c) == []
    assert _fresh_deployment_runs(c)
