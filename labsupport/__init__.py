"""labsupport: the simulators, plots, widgets and checks behind "Kubernetes vs Mesos, hands-on".

Subpackages (import the one a lesson needs):

* :mod:`labsupport.core`   -- simulated clock and event queue, seeded randomness, tables, errors;
* :mod:`labsupport.k8s`    -- a Kubernetes control plane in miniature;
* :mod:`labsupport.mesos`  -- a Mesos master, agents, allocator and frameworks;
* :mod:`labsupport.checks`, :mod:`labsupport.quiz` -- exercises that answer back;
* :mod:`labsupport.plots`, :mod:`labsupport.widgets` -- pictures and things to play with.
"""
from labsupport.checks import ____
from labsupport.core import LabError
from labsupport.core.errors import install_short_tracebacks

__version__ = "0.1.0"

install_short_tracebacks()  # in Jupyter: a LabError shows the learner's line and the message, no internals
__all__ = ["LabError", "____", "__version__"]
