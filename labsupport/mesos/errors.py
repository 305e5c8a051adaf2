"""Errors a learner can trigger on the simulated Mesos cluster.

All derive from :class:`labsupport.core.LabError`; the message names the token,
offer or framework at fault, and the call that raised changed nothing.
"""
from __future__ import annotations

from labsupport.core import LabError

__all__ = ["OfferError", "ResourceError", "SchedulerError"]


class ResourceError(LabError):
    """A malformed ``--resources`` / ``--attributes`` string or impossible resource arithmetic.

    >>> raise ResourceError("resources: token 'cpus=4': expected name:value")
    Traceback (most recent call last):
    ...
    labsupport.mesos.errors.ResourceError: resources: token 'cpus=4': expected name:value
    """


class OfferError(LabError):
    """An offer was misused: unknown, used twice, rescinded, or asked for more than it holds."""


class SchedulerError(LabError):
    """A learner's scheduler raised inside a callback; names the framework and the callback."""
