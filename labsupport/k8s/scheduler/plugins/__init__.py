"""The in-tree plugins this simulator runs, by name (``pkg/scheduler/framework/plugins/registry.go``).

>>> sorted(REGISTRY)[:3]
['InterPodAffinity', 'NodeAffinity', 'NodeName']
>>> "ImageLocality" in NOT_SIMULATED
True
"""
from __future__ import annotations

from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.plugins.interpodaffinity import InterPodAffinity
from labsupport.k8s.scheduler.plugins.nodeaffinity import NodeAffinity
from labsupport.k8s.scheduler.plugins.nodebasics import NodeName, NodeUnschedulable
from labsupport.k8s.scheduler.plugins.nodeports import NodePorts
from labsupport.k8s.scheduler.plugins.noderesources import (
    NodeResourcesBalancedAllocation,
    NodeResourcesFit,
    ScoringStrategy,
)
from labsupport.k8s.scheduler.plugins.podtopologyspread import PodTopologySpread
from labsupport.k8s.scheduler.plugins.tainttoleration import TaintToleration
from labsupport.k8s.scheduler.plugins.volumebinding import VolumeBinding, VolumeRestrictions, VolumeZone

__all__ = [
    "REGISTRY", "NOT_SIMULATED", "BUILTIN", "CycleState", "Plugin", "Rejection", "ScoringStrategy",
    "InterPodAffinity", "NodeAffinity", "NodeName", "NodePorts", "NodeUnschedulable", "NodeResourcesBalancedAllocation",
    "NodeResourcesFit", "PodTopologySpread", "TaintToleration",
    "VolumeBinding", "VolumeRestrictions", "VolumeZone",
]

#: Filter / Score plugins implemented here.
REGISTRY = {cls.name: cls for cls in (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
                                      NodeResourcesFit, PodTopologySpread, InterPodAffinity,
                                      NodeResourcesBalancedAllocation)}
# issue 15 (storage): the volume plugins; they Skip every Pod without PersistentVolumeClaim volumes
REGISTRY.update({cls.name: cls for cls in (VolumeRestrictions, VolumeBinding, VolumeZone)})

#: Plugins built into every profile that are not Filter/Score plugins: the queue sort, preemption and binding.
BUILTIN = ("PrioritySort", "DefaultPreemption", "DefaultBinder")

#: Real default-profile plugins with nothing to do in this simulator (it has no per-node volume
#: limits, container images, scheduling gates or dynamic resources). A configuration may name them; they are no-ops.
NOT_SIMULATED = ("SchedulingGates", "NodeVolumeLimits", "ImageLocality", "DynamicResources", "EBSLimits", "GCEPDLimits", "AzureDiskLimits")
