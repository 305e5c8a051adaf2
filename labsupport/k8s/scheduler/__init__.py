"""labsupport.k8s.scheduler: kube-scheduler's scheduling framework in miniature.

Note for labsupport/k8s/__init__.py (owned by the API helper): export ``Scheduler``,
``SchedulerConfigError``, ``ExplainError`` and ``Explanation`` from here.

* :class:`Scheduler` -- watches the API store, queues pending Pods, filters, scores, binds, preempts;
  ``Scheduler.explain(pod)`` returns an :class:`Explanation`;
* :mod:`.plugins` -- one small class per in-tree plugin; :mod:`.scoring` -- the formulas;
* :mod:`.config` -- KubeSchedulerConfiguration parsing; :mod:`.queue` -- the scheduling queue;
* :mod:`.cache` -- the numpy node cache; :mod:`.preemption` -- DefaultPreemption.
* :mod:`.fastpath` -- the speed tricks (batched binds, memos), behind :mod:`labsupport.core.fast`;
  everything else is the reference path.
"""
from labsupport.k8s.scheduler.cache import NodeCache
from labsupport.k8s.scheduler.config import Profile, SchedulerConfig, SchedulerConfigError, parse_scheduler_config
from labsupport.k8s.scheduler.explain import Explanation
from labsupport.k8s.scheduler.framework import Framework
from labsupport.k8s.scheduler.podinfo import PodInfo
from labsupport.k8s.scheduler.queue import SchedulingQueue
from labsupport.k8s.scheduler.scheduler import ExplainError, Scheduler
from labsupport.k8s.scheduler.status import Code, Status

__all__ = [
    "Scheduler", "SchedulerConfigError", "ExplainError", "Explanation", "Profile", "SchedulerConfig",
    "parse_scheduler_config", "Framework", "NodeCache", "PodInfo", "SchedulingQueue", "Code", "Status",
]
