"""Errors a learner can trigger with bad input.

Every labsupport error derives from :class:`LabError`. Its message names the field
and what is wrong, and the call that raised it changed nothing, so a learner can
fix the input and run the cell again.
"""
from __future__ import annotations

__all__ = ["LabError"]


class LabError(Exception):
    """Base class of labsupport's learner-facing errors.

    >>> raise LabError("spec.replicas: must be >= 0, got -1")
    Traceback (most recent call last):
    ...
    labsupport.core.errors.LabError: spec.replicas: must be >= 0, got -1
    """
