"""Errors a learner can trigger in :mod:`labsupport.k8s`.

The API server answers a bad request with a message that names the object and
the field (``Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1:
must be greater than or equal to 0``). :class:`ManifestError` does the same in
plain words. Every error derives from :class:`labsupport.core.LabError`, and the
call that raised it changed nothing.
"""
from __future__ import annotations

from labsupport.core.errors import LabError

__all__ = ["ManifestError", "NotFoundError", "QuotaExceededError", "ConflictError"]


class ManifestError(LabError):
    """A manifest (or a value in it) is invalid; the message names document, field and problem.

    >>> try:
    ...     raise ManifestError("document 1 (Deployment/web): spec.replicas: must be >= 0, got -1")
    ... except LabError as e:
    ...     print(e)
    document 1 (Deployment/web): spec.replicas: must be >= 0, got -1
    """


class NotFoundError(LabError):
    """The named object does not exist (kubectl: ``Error from server (NotFound)``).

    >>> issubclass(NotFoundError, LabError)
    True
    """


class QuotaExceededError(ManifestError):
    """Admission refused an object because a ResourceQuota would be exceeded (``exceeded quota: ...``)."""


class ConflictError(LabError):
    """A write raced another one (``AlreadyExists`` on create, stale resourceVersion on update)."""
