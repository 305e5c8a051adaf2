"""The simulated cluster as a Kubernetes REST API, for the real ``kubectl`` and the official Python client.

>>> from labsupport import k8s
>>> cluster = k8s.Cluster(seed=0)
>>> cluster.add_node("node-1")
>>> server = cluster.serve()           # 127.0.0.1, a free port, bearer token; server.kubeconfig
>>> print(cluster.kubectl("get nodes"))
NAME     STATUS   ROLES    AGE   VERSION
node-1   Ready    <none>   0s    v1.37.0
>>> server.stop()

Modules: :mod:`.server` (HTTP, token, lock, watch cache, kubeconfig), :mod:`.rest` (routing, reads,
watch), :mod:`.writes` (create/replace/delete with the API server's errors), :mod:`.patch` (the four
patch types), :mod:`.subresources` (status, scale, binding, eviction, log, metrics, access reviews,
events), :mod:`.tables` (server-side printing), :mod:`.resources` (discovery), :mod:`.openapi`
(OpenAPI v3 from the 1.37 schemas), :mod:`.selectors`, :mod:`.wire` (timestamps and Status),
:mod:`.kubectl` (running the binary, ``%kubectl``).
"""
from labsupport.k8s.kubeapi.kubectl import KubectlOutput, run_kubectl
from labsupport.k8s.kubeapi.server import KubeServer

__all__ = ["KubeServer", "KubectlOutput", "run_kubectl"]
