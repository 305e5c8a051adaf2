"""Errors a learner can trigger with bad input.

Every labsupport error derives from :class:`LabError`. Its message names the field
and what is wrong, and the call that raised it changed nothing, so a learner can
fix the input and run the cell again.
"""
from __future__ import annotations

import sys

__all__ = ["LabError", "install_short_tracebacks"]


class LabError(Exception):
    """Base class of labsupport's learner-facing errors.

    >>> raise LabError("spec.replicas: must be >= 0, got -1")
    Traceback (most recent call last):
    ...
    labsupport.core.errors.LabError: spec.replicas: must be >= 0, got -1
    """


def _user_frames(tb):
    """The traceback without labsupport's own frames: only the learner's code remains."""
    import types

    package = __name__.split(".")[0]
    kept = []
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").split(".")[0] != package:
            kept.append(tb)
        tb = tb.tb_next
    new = None
    for t in reversed(kept):
        new = types.TracebackType(new, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return new


def install_short_tracebacks(shell=None) -> bool:
    """In IPython/Jupyter, show a :class:`LabError` as the learner's line plus the message, not labsupport's internals.

    ``import labsupport`` calls this once. Other exceptions keep IPython's full traceback. Returns True if a
    shell was found. Outside IPython it does nothing, and it never imports IPython itself: a running
    IPython shell has already imported it, so ``import labsupport.mesos`` in a plain script stays light.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")
        if ipython is None:       # not inside IPython/Jupyter
            return False
        shell = ipython.get_ipython()
    if shell is None:
        return False

    def handler(self, etype, value, tb, tb_offset=None):
        self.showtraceback((etype, value, _user_frames(tb)), tb_offset=tb_offset)

    shell.set_custom_exc((LabError,), handler)
    return True
