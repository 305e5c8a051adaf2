"""labsupport: the simulators, plots, widgets and checks behind "Kubernetes vs Mesos, hands-on".

Subpackages (import the one a lesson needs):

* :mod:`labsupport.core`   -- simulated clock and event queue, seeded randomness, tables, errors;
* :mod:`labsupport.k8s`    -- a Kubernetes control plane in miniature;
* :mod:`labsupport.mesos`  -- a Mesos master, agents, allocator and frameworks;
* :mod:`labsupport.checks`, :mod:`labsupport.quiz` -- exercises that answer back;
* :mod:`labsupport.plots`, :mod:`labsupport.widgets` -- pictures and things to play with.

Glossary: names that mean different things on the two sides.

=====================================  ===========================================================
name                                    what it is
=====================================  ===========================================================
``k8s.Scheduler``                       kube-scheduler: one component that picks a node for each Pod
                                        (:mod:`labsupport.k8s.scheduler.scheduler`)
``mesos.Scheduler``                     a framework's scheduler: *your* code, called back with offers;
                                        the master decides only who is offered what
``k8s.scheduler.framework.Framework``   the scheduling framework: kube-scheduler's plugin pipeline
                                        (PreFilter, Filter, Score ... extension points)
``mesos.master.Framework``              the master's record of one registered framework (id, role,
                                        connected, offers held)
a Mesos framework                       an application that registers with the master: a
                                        ``mesos.Scheduler`` plus its executors (``mesos.Marathon``,
                                        ``mesos.Chronos``, ``mesos.Batch``, or your own)
agent / node                            the machine that runs work: ``mesos.Agent`` (tasks, executors)
                                        and the k8s Node with its kubelet (Pods, containers)
event                                   :class:`labsupport.core.EventRecord`, both sides: a k8s Event
                                        or a Mesos event-log entry; :class:`labsupport.core.Event` is
                                        something else, a callback waiting in the simulation queue
=====================================  ===========================================================
"""
from labsupport.checks import ____
from labsupport.core import LabError
from labsupport.core.errors import install_short_tracebacks

__version__ = "0.1.0"

install_short_tracebacks()  # in Jupyter: a LabError shows the learner's line and the message, no internals
__all__ = ["LabError", "____", "__version__"]
