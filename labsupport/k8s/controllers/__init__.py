"""kube-controller-manager in miniature: one module per controller, each watching the API store.

* :mod:`.base` -- the shared work-queue shape (watch -> enqueue key -> ``sync(key)``);
* :mod:`.replicaset` -- keeps ``replicas`` Pods, documented scale-down order;
* :mod:`.deployment` -- RollingUpdate / Recreate, revisions, rollback;
* :mod:`.endpoints` -- EndpointSlices for Services;
* :mod:`.garbagecollector` -- cascading deletion through ownerReferences;
* :mod:`.nodelifecycle` -- NotReady after 50 s, NoExecute taints, eviction after 300 s;
* :mod:`.hpa` -- HorizontalPodAutoscaler v2.
"""
from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.controllers.deployment import DeploymentController, rollout_bounds
from labsupport.k8s.controllers.endpoints import EndpointSliceController, service_dns_name
from labsupport.k8s.controllers.garbagecollector import GarbageCollector
from labsupport.k8s.controllers.hpa import HorizontalPodAutoscalerController, hpa_desired_replicas
from labsupport.k8s.controllers.nodelifecycle import NodeLifecycleController, TaintEvictionController
from labsupport.k8s.controllers.replicaset import ReplicaSetController, deletion_order

__all__ = [
    "Controller",
    "ReplicaSetController",
    "DeploymentController",
    "EndpointSliceController",
    "GarbageCollector",
    "NodeLifecycleController",
    "TaintEvictionController",
    "HorizontalPodAutoscalerController",
    "rollout_bounds",
    "service_dns_name",
    "hpa_desired_replicas",
    "deletion_order",
]
