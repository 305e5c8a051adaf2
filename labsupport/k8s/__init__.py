"""labsupport.k8s: a faithful, deterministic Kubernetes 1.37 control plane in miniature.

>>> from labsupport import k8s
>>> k8s.hpa_desired_replicas(1, 200, 100), k8s.rollout_bounds(10), k8s.service_dns_name("web")
(2, (3, 2), 'web.default.svc.cluster.local')

Start with :class:`Cluster`::

    cluster = k8s.Cluster(seed=0, scheduler_config=None)
    cluster.add_node("node-1", cpu="4", memory="8Gi", pods=110, labels={}, taints=[])
    applied = cluster.apply(yaml_text)         # all or nothing; raises k8s.ManifestError
    cluster.run(30)                            # simulated seconds; cluster.now
    cluster.get("pods"); cluster.events(); cluster.pods()
    cluster.watch_log(since=applied)           # every API write that apply caused, in resourceVersion order
    cluster.set_load("web", total=lambda t: 600)   # millicores spread over the ready Pods (HPA input)
    cluster.fail_node("node-1"); cluster.restore_node("node-1")
    cluster.scheduler.explain(pod)
    server = cluster.serve()                   # the real kubectl / kubernetes client: server.kubeconfig
    print(cluster.kubectl("get pods -o wide"))  # runs kubectl v1.37.1 (no shell); %kubectl in notebooks
    cluster = k8s.Cluster(seed=0, control_plane=3, etcd=3)    # HA control plane: leases(), etcd_status()
    cluster.add_node_group("workers", min=1, max=10, cpu="4", memory="16Gi", provision_seconds=60)
    cluster.drain("workers-1"); cluster.autoscaler_status(); k8s.quorum(3) == 2

The pieces it wires together: :mod:`.store` (the etcd + API server stand-in), :mod:`.apiserver`
(validation, defaulting, admission, apply), :mod:`.scheduler`, :mod:`.controllers`, :mod:`.kubelet`
and :mod:`.metrics` (metrics-server and the load driver).
"""
from labsupport.k8s.apiserver import AppliedObjects
from labsupport.k8s.auth import Decision, ForbiddenError, UserClient
from labsupport.k8s.cluster import Cluster, PodView
from labsupport.k8s.controllers.deployment import rollout_bounds
from labsupport.k8s.controllers.endpoints import service_dns_name
from labsupport.k8s.controllers.hpa import hpa_desired_replicas
from labsupport.k8s.controllers.job import pod_failure_backoff
from labsupport.k8s.controllers.replicaset import deletion_order
from labsupport.k8s.controlplane import ControlPlaneUnavailableError, EtcdUnavailableError, quorum
from labsupport.k8s.cron import parse_schedule
from labsupport.k8s.drain import DrainError
from labsupport.k8s.errors import ConflictError, ManifestError, NotFoundError, QuotaExceededError
from labsupport.k8s.kubelet import container_behaviour, crashloop_delay, liveness_kill_delay, readiness_delay
from labsupport.k8s.network import DNSError, ProxyModeDeprecationWarning, iptables_probabilities
from labsupport.k8s.operator import API, Controller
from labsupport.k8s.quantity import parse_cpu, parse_memory, parse_quantity, pod_requests
from labsupport.k8s.scheduler import ExplainError, Explanation, Scheduler, SchedulerConfigError
from labsupport.k8s.store import APIStore, WatchEvent

__all__ = [
    "Cluster",
    "PodView",
    "AppliedObjects",
    "APIStore",
    "WatchEvent",
    "Scheduler",
    "Explanation",
    "ExplainError",
    "SchedulerConfigError",
    "ManifestError",
    "NotFoundError",
    "QuotaExceededError",
    "ConflictError",
    "ForbiddenError",
    "Decision",
    "UserClient",
    "hpa_desired_replicas",
    "rollout_bounds",
    "service_dns_name",
    "deletion_order",
    "crashloop_delay",
    "readiness_delay",
    "liveness_kill_delay",
    "container_behaviour",
    "parse_cpu",
    "parse_memory",
    "parse_quantity",
    "pod_requests",
    # networking (issue 13)
    "DNSError",
    "ProxyModeDeprecationWarning",
    "iptables_probabilities",
    # issue 14: scaling and HA
    "quorum",
    "ControlPlaneUnavailableError",
    "EtcdUnavailableError",
    "DrainError",
    "Controller",
    "API",
    "parse_schedule",
    "pod_failure_backoff",
]
