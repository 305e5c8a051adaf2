"""NodePorts: a Pod asking for a ``hostPort`` fits only nodes where that port is still free.

Source: ``nodeports/node_ports.go`` and ``framework/types.go`` (``HostPortInfo.CheckConflict``).
Two ports conflict when protocol and port are equal and the host IPs are equal or either
is ``0.0.0.0`` (all addresses; the default). A conflict rejects the node as Unschedulable,
"node(s) didn't have free ports for the requested pod ports". Pods without host ports skip
the plugin (PreFilter Skip). This is the Kubernetes side of the course's "host ports vs
Mesos port resources" comparison.

>>> ports_conflict(("0.0.0.0", "TCP", 8080), ("10.0.0.1", "TCP", 8080))
True
>>> ports_conflict(("0.0.0.0", "TCP", 53), ("0.0.0.0", "UDP", 53))
False
"""
from __future__ import annotations

import numpy as np

from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.status import Code, Status

__all__ = ["NodePorts", "ports_conflict"]


def ports_conflict(a: tuple, b: tuple) -> bool:
    """Do two ``(hostIP, protocol, hostPort)`` claims collide?"""
    ip_a, proto_a, port_a = a
    ip_b, proto_b, port_b = b
    if proto_a != proto_b or port_a != port_b:
        return False
    return ip_a == ip_b or "0.0.0.0" in (ip_a, ip_b)


class NodePorts(Plugin):
    """Reject nodes where a wanted hostPort is already taken by another Pod."""

    name = "NodePorts"
    filters = True
    REASON = "node(s) didn't have free ports for the requested pod ports"

    def pre_filter(self, state: CycleState) -> Status | None:
        return None if state.pod.host_ports else Status(Code.SKIP, (), self.name)

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        cache, wanted = self.cache, state.pod.host_ports
        busy = np.flatnonzero(cache.host_port_pods[idx] > 0)
        if not wanted or busy.size == 0:
            return None
        mask = np.zeros(len(idx), dtype=bool)
        for pos in busy.tolist():
            used = [p for other in cache.pods[int(idx[pos])].values() for p in other.host_ports]
            mask[pos] = any(ports_conflict(w, u) for w in wanted for u in used)
        return Rejection(mask, Code.UNSCHEDULABLE, (self.REASON,)) if mask.any() else None
