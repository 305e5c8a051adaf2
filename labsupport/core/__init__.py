"""The small simulation core shared by :mod:`labsupport.k8s` and :mod:`labsupport.mesos`.

Both simulators sit on the same four pieces, so a learner can diff the two designs:

* :class:`Simulation` -- a simulated clock plus an event queue (a heap of
  ``(time, priority, sequence)`` with first-in-first-out ties, as in SimPy) and the
  one seeded :class:`random.Random` the whole cluster owns;
* :class:`Table` -- results printed like ``kubectl get`` or the Mesos UI, as text and HTML;
* :class:`LabError` -- the base of every error a learner can trigger with bad input;
* :class:`EventRecord` -- one event (time, source component, reason, involved object ids,
  message), the record behind both ``k8s.Cluster.events()`` and ``mesos.Cluster.events()``.
"""
from labsupport.core import priorities
from labsupport.core.errors import LabError
from labsupport.core.events import EventRecord, ObjectRef
from labsupport.core.sim import Event, Simulation
from labsupport.core.table import Table

__all__ = ["Event", "EventRecord", "LabError", "ObjectRef", "Simulation", "Table", "priorities"]
