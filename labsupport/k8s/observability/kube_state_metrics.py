"""kube-state-metrics: the state of API objects as Prometheus series (an add-on, not part of Kubernetes).

kube-state-metrics watches the API server and turns each object into gauges; it measures no
usage. Names, types and labels follow its docs/metrics/ tables (kubernetes/kube-state-metrics
v2.20, docs/metrics/workload/pod-metrics.md, deployment-metrics.md, cluster/node-metrics.md):

* ``kube_pod_info{namespace,pod,uid,host_ip,pod_ip,node,created_by_kind,created_by_name,priority_class,host_network}``
* ``kube_pod_status_phase{namespace,pod,uid,phase}``: one series per phase, 1 for the current one
* ``kube_pod_status_ready{namespace,pod,uid,condition}`` with condition true/false/unknown
* ``kube_pod_container_status_restarts_total{namespace,pod,uid,container}`` (counter)
* ``kube_pod_container_status_waiting_reason{namespace,pod,uid,container,reason}``,
  ``kube_pod_container_status_last_terminated_reason{...,reason}``,
  ``kube_pod_container_status_last_terminated_exitcode{...}``, ``kube_pod_container_status_running``, ``kube_pod_container_status_ready``
* ``kube_pod_container_resource_requests`` / ``_limits{namespace,pod,uid,container,node,resource,unit}`` (cores, bytes)
* ``kube_deployment_spec_replicas``, ``kube_deployment_status_replicas``, ``kube_deployment_status_replicas_available``,
  ``kube_deployment_status_replicas_unavailable{namespace,deployment}``
* ``kube_node_status_condition{node,condition,status}``, ``kube_node_status_allocatable{node,resource,unit}``

Simplified: only the waiting reasons the simulated kubelet produces (ContainerCreating, CrashLoopBackOff);
no ``kube_pod_labels`` (labels are opt-in upstream with ``--metric-labels-allowlist``).

>>> f = Family("kube_pod_status_phase", "gauge", "x")
>>> _phase_rows(f, {"namespace": "default", "pod": "p", "uid": "u"}, "Running")
>>> [s[0]["phase"] for s in f.samples if s[1] == 1]
['Running']
"""
from __future__ import annotations

from labsupport.k8s.objects import is_pod_ready
from labsupport.k8s.observability.exposition import Family
from labsupport.k8s.quantity import parse_cpu, parse_memory
from labsupport.k8s.store import APIStore

__all__ = ["kube_state_metrics_families", "PHASES"]

PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")


def _phase_rows(f: Family, base: dict, phase: str) -> None:
    for p in PHASES:
        f.add(1 if p == phase else 0, **base, phase=p)


def _resource_rows(f: Family, base: dict, resources: dict) -> None:
    for res in sorted(resources):
        v = resources[res]
        if res == "cpu":
            f.add(parse_cpu(v) / 1000, **base, resource="cpu", unit="core")
        elif res == "memory":
            f.add(parse_memory(v), **base, resource="memory", unit="byte")


def kube_state_metrics_families(store: APIStore) -> list[Family]:
    """Every family above, computed from the objects in ``store`` now (Pods, Deployments, Nodes)."""
    info = Family("kube_pod_info", "gauge", "Information about pod.")
    phase = Family("kube_pod_status_phase", "gauge", "The pods current phase.")
    ready = Family("kube_pod_status_ready", "gauge", "Describes whether the pod is ready to serve requests.")
    restarts = Family("kube_pod_container_status_restarts_total", "counter", "The number of container restarts per container.")
    waiting = Family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.")
    last_reason = Family("kube_pod_container_status_last_terminated_reason", "gauge", "Describes the last reason the container was in terminated state.")
    last_code = Family("kube_pod_container_status_last_terminated_exitcode", "gauge", "Describes the exit code for the last container in terminated state.")
    running = Family("kube_pod_container_status_running", "gauge", "Describes whether the container is currently in running state.")
    c_ready = Family("kube_pod_container_status_ready", "gauge", "Describes whether the containers readiness check succeeded.")
    requests = Family("kube_pod_container_resource_requests", "gauge", "The number of requested request resource by a container.")
    limits = Family("kube_pod_container_resource_limits", "gauge", "The number of requested limit resource by a container.")
    for pod in store.list("Pod"):
        m, st = pod["metadata"], pod.get("status") or {}
        base = {"namespace": m["namespace"], "pod": m["name"], "uid": m["uid"]}
        refs = m.get("ownerReferences") or ()
        info.add(1, **base, host_ip=st.get("hostIP") or "", pod_ip=st.get("podIP") or "", node=pod["spec"].get("nodeName") or "",
                 created_by_kind=refs[0]["kind"] if refs else "", created_by_name=refs[0]["name"] if refs else "",
                 priority_class=pod["spec"].get("priorityClassName") or "", host_network=str(bool(pod["spec"].get("hostNetwork"))).lower())
        _phase_rows(phase, base, st.get("phase", "Pending"))
        r = is_pod_ready(pod)
        for cond in ("true", "false", "unknown"):
            ready.add(1 if cond == ("true" if r else "false") else 0, **base, condition=cond)
        statuses = {cs["name"]: cs for cs in st.get("containerStatuses") or ()}
        for c in pod["spec"].get("containers") or ():
            cb = {**base, "container": c["name"]}
            res = c.get("resources") or {}
            _resource_rows(requests, {**cb, "node": pod["spec"].get("nodeName") or ""}, res.get("requests") or {})
            _resource_rows(limits, {**cb, "node": pod["spec"].get("nodeName") or ""}, res.get("limits") or {})
            cs = statuses.get(c["name"])
            if cs is None:
                continue
            restarts.add(cs.get("restartCount", 0), **cb)
            state = cs.get("state") or {}
            if "waiting" in state:
                waiting.add(1, **cb, reason=state["waiting"].get("reason", ""))
            running.add(1 if "running" in state else 0, **cb)
            c_ready.add(1 if cs.get("ready") else 0, **cb)
            last = (cs.get("lastState") or {}).get("terminated") or state.get("terminated")
            if last:
                last_reason.add(1, **cb, reason=last.get("reason", ""))
                last_code.add(last.get("exitCode", 0), **cb)
    fams = [info, phase, ready, restarts, waiting, last_reason, last_code, running, c_ready, requests, limits]
    fams += _deployments(store) + _nodes(store)
    return fams


def _deployments(store: APIStore) -> list[Family]:
    spec = Family("kube_deployment_spec_replicas", "gauge", "Number of desired pods for a deployment.")
    replicas = Family("kube_deployment_status_replicas", "gauge", "The number of replicas per deployment.")
    avail = Family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
    unavail = Family("kube_deployment_status_replicas_unavailable", "gauge", "The number of unavailable replicas per deployment.")
    for d in store.list("Deployment"):
        base = {"namespace": d["metadata"]["namespace"], "deployment": d["metadata"]["name"]}
        s = d.get("status") or {}
        spec.add(d["spec"].get("replicas", 1), **base)
        replicas.add(s.get("replicas", 0), **base)
        avail.add(s.get("availableReplicas", 0), **base)
        unavail.add(s.get("unavailableReplicas", 0), **base)
    return [spec, replicas, avail, unavail]


def _nodes(store: APIStore) -> list[Family]:
    cond = Family("kube_node_status_condition", "gauge", "The condition of a cluster node.")
    alloc = Family("kube_node_status_allocatable", "gauge", "The allocatable for different resources of a node that are available for scheduling.")
    for n in store.list("Node"):
        name = n["metadata"]["name"]
        for c in n["status"].get("conditions") or ():
            for status in ("true", "false", "unknown"):
                cond.add(1 if c["status"].lower() == status else 0, node=name, condition=c["type"], status=status)
        a = n["status"].get("allocatable") or {}
        alloc.add(parse_cpu(a["cpu"]) / 1000, node=name, resource="cpu", unit="core")
        alloc.add(parse_memory(a["memory"]), node=name, resource="memory", unit="byte")
        alloc.add(int(a.get("pods", 110)), node=name, resource="pods", unit="integer")
    return [cond, alloc]
