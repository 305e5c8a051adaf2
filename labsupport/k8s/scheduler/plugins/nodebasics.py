"""NodeUnschedulable and NodeName: the two simplest Filter plugins.

* ``nodeunschedulable/node_unschedulable.go``: a node with ``spec.unschedulable``
  (``kubectl cordon``) is rejected unless the Pod tolerates the
  ``node.kubernetes.io/unschedulable:NoSchedule`` taint;
* ``nodename/node_name.go``: a Pod that names ``spec.nodeName`` fits only that node
  (such Pods normally bypass the scheduler; this matters for ``explain``).

>>> from labsupport.k8s.scheduler.cache import NodeCache
>>> from labsupport.k8s.scheduler.podinfo import PodInfo
>>> import numpy as np
>>> c = NodeCache()
>>> _ = c.set_node({"metadata": {"name": "n1"}, "spec": {"unschedulable": True}, "status": {"allocatable": {"cpu": "1"}}})
>>> st = CycleState(PodInfo.from_dict({"metadata": {"name": "p"}, "spec": {}}), c)
>>> NodeUnschedulable(c).filter(st, np.array([0])).status(0, "NodeUnschedulable")
Status(UnschedulableAndUnresolvable, 'node(s) were unschedulable', plugin=NodeUnschedulable)
"""
from __future__ import annotations

import numpy as np

from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.podinfo import tolerates_all
from labsupport.k8s.scheduler.status import Code

__all__ = ["NodeUnschedulable", "NodeName"]

_UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


class NodeUnschedulable(Plugin):
    """Reject cordoned nodes: "node(s) were unschedulable"."""

    name = "NodeUnschedulable"
    filters = True
    REASON = "node(s) were unschedulable"

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        mask = self.cache.unschedulable[idx]
        if not mask.any() or tolerates_all(state.pod.tolerations, _UNSCHEDULABLE_TAINT):
            return None
        return Rejection(mask, Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (self.REASON,))


class NodeName(Plugin):
    """If the Pod names ``spec.nodeName``, every other node fails: "node(s) didn't match the requested node name"."""

    name = "NodeName"
    filters = True
    REASON = "node(s) didn't match the requested node name"

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        wanted = state.pod.node_name
        if not wanted:
            return None
        s = self.cache.slot.get(wanted, -1)
        return Rejection(idx != s, Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (self.REASON,))
