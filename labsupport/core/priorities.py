"""Which of two events due at the same simulated instant runs first: one tie-break table for both simulators.

The queue orders events by ``(time, priority, sequence)`` (:class:`labsupport.core.Simulation`):
a lower priority runs first, equal priorities in the order they were scheduled. Every priority a
component uses is named here, so the order of a simulated instant can be read in one place.

==================  =====  ==================================================================
name                value  what runs at that priority, and why there
==================  =====  ==================================================================
``DEFAULT``         0      timers, message and watch deliveries, task state changes: what
                           happened at this instant is delivered first
``ALLOCATION``      1      Mesos: an allocation round, after every message due at the same
                           instant (so resources freed "now" are offered "now")
``KUBELET_ADMIT``   5      k8s: a kubelet admits the Pods bound to it, as one batch
``HOUSEKEEPING``    9      cAdvisor's housekeeping (k8s) and the agent's resource accounting
                           (Mesos) read CPU counters, after what is due at this instant ran
``CONTROLLER``      10     k8s: a controller drains its work queue, after the writes it reacts to
``SCRAPE``          10     k8s: metrics-server and Prometheus scrape, like a controller: after
                           the writes of this instant (equal values run in scheduling order)
``HPA_SYNC``        11     k8s: the HPA's sync, after the controllers it scales
``RULES``           11     k8s: Prometheus evaluates alerting rules, after its scrape
``AUTOSCALER``      12     k8s: the cluster autoscaler's scan, after the scheduler marked Pods
                           unschedulable and the HPA scaled at the same instant
==================  =====  ==================================================================

>>> sorted(TIE_BREAKS, key=TIE_BREAKS.get)
['DEFAULT', 'ALLOCATION', 'KUBELET_ADMIT', 'HOUSEKEEPING', 'CONTROLLER', 'SCRAPE', 'HPA_SYNC', 'RULES', 'AUTOSCALER']
"""
from __future__ import annotations

__all__ = ["ALLOCATION", "AUTOSCALER", "CONTROLLER", "DEFAULT", "HOUSEKEEPING", "HPA_SYNC", "KUBELET_ADMIT", "RULES", "SCRAPE", "TIE_BREAKS"]

DEFAULT = 0
ALLOCATION = 1
KUBELET_ADMIT = 5
HOUSEKEEPING = 9
CONTROLLER = 10
SCRAPE = 10
HPA_SYNC = 11
RULES = 11
AUTOSCALER = 12

#: name -> priority, the table above
TIE_BREAKS = {"DEFAULT": DEFAULT, "ALLOCATION": ALLOCATION, "KUBELET_ADMIT": KUBELET_ADMIT, "HOUSEKEEPING": HOUSEKEEPING,
              "CONTROLLER": CONTROLLER, "SCRAPE": SCRAPE, "HPA_SYNC": HPA_SYNC, "RULES": RULES, "AUTOSCALER": AUTOSCALER}
