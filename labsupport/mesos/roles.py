"""Mesos role names: ``roles::validate`` of Mesos 1.11.0 (src/common/roles.cpp).

A role is ``*`` or a ``/``-separated path of components (hierarchical roles such as
``eng/frontend``). A component may not be ``.``, ``..`` or ``*``, may not start with ``-`` and may
not contain whitespace or DEL; the path may not start or end with ``/`` or contain ``//``.
Anything else is allowed, so ``...``, ``foo..bar`` and ``123`` are valid roles
(src/tests/role_tests.cpp, RoleTest.Validate).

>>> validate_role("eng/frontend") is None, validate_role("...") is None
(True, True)
>>> validate_role("foo\\n")
"Role component 'foo\\n' is invalid because it contains backspace or whitespace"
"""
from __future__ import annotations

__all__ = ["check_role", "is_valid_role", "validate_role"]

from labsupport.mesos.errors import ResourceError

_INVALID_CHARACTERS = "\x09\x0a\x0b\x0c\x0d\x20\x7f"


def validate_role(role: object) -> str | None:
    """Return upstream's error message for an invalid role, or ``None`` if it is valid."""
    if not isinstance(role, str):
        return f"Role must be a string, got {type(role).__name__}"
    if role == "*":
        return None
    if role.startswith("/"):
        return f"Role '{role}' cannot start with a slash"
    if role.endswith("/"):
        return f"Role '{role}' cannot end with a slash"
    if "//" in role:
        return f"Role '{role}' cannot contain two adjacent slashes"
    components = [c for c in role.split("/") if c]
    if not components:
        return "Role names cannot be the empty string"
    for component in components:
        if component in (".", "..", "*"):
            return f"Role '{role}' cannot include '{component}' as a component"
        if component.startswith("-"):
            return f"Role component '{component}' is invalid because it starts with a dash"
        if any(ch in _INVALID_CHARACTERS for ch in component):
            return f"Role component '{component}' is invalid because it contains backspace or whitespace"
    return None


def is_valid_role(role: object) -> bool:
    """True if ``role`` passes :func:`validate_role`."""
    return validate_role(role) is None


def check_role(role: object, what: str = "role") -> str:
    """Return ``role`` or raise :class:`ResourceError` naming ``what`` and upstream's reason."""
    problem = validate_role(role)
    if problem:
        raise ResourceError(f"{what}: {problem}")
    return role  # type: ignore[return-value]


class _RoleMatcher:
    """Drop-in for the old ``_ROLE`` regex: ``_ROLE.match(role)`` is truthy iff the role is valid."""

    @staticmethod
    def match(role: object) -> bool:
        return is_valid_role(role)
