"""Mesos-DNS names: ``task.framework.mesos``, mangled the way Mesos-DNS mangles them.

Mesos-DNS gives task ``task`` of framework ``framework`` the A record ``task.framework.mesos``
(https://mesosphere.github.io/mesos-dns/docs/naming.html). Names are made DNS-safe by
records/labels/labels.go: the task name becomes one RFC 1123 label (lower case; ``.``, ``_``
and ``-`` become ``-``; other characters dropped; leading/trailing ``-`` trimmed; at most 63
characters), and the framework name becomes a *domain fragment* (split on ``.``, each part
made an RFC 1123 label, empty parts dropped).

>>> dns_name("search", "marathon")
'search.marathon.mesos'
>>> dns_name("My_Web.App", "marathon-0.6.0-dev")
'my-web-app.marathon-0.6.0-dev.mesos'
"""
from __future__ import annotations

from labsupport.core import LabError

__all__ = ["dns_name", "domain_fragment", "rfc1123_label"]

MAX_LABEL = 63


def _mapped(name: str) -> str:
    out = []
    for ch in name:
        if "A" <= ch <= "Z":
            out.append(ch.lower())
        elif "a" <= ch <= "z" or "0" <= ch <= "9":
            out.append(ch)
        elif ch in "-._":
            out.append("-")
    return "".join(out)


def rfc1123_label(name: str, maxlen: int = MAX_LABEL) -> str:
    """One DNS label from any string, as Mesos-DNS ``labels.RFC1123`` (trim, cut, re-fill).

    >>> rfc1123_label("fd%gsf---gs7-f$gs--d7fddg-123")
    'fdgsf---gs7-fgs--d7fddg-123'
    >>> rfc1123_label("---a---b"), rfc1123_label("-4abc123")
    ('a---b', '4abc123')
    """
    trim = _mapped(name).lstrip("-")
    size = min(len(trim), maxlen)
    head = trim[:size].rstrip("-")
    if len(head) == size:
        return head
    tail = trim[size:].lstrip("-")
    return head + tail[: size - len(head)] if tail else head


def domain_fragment(name: str) -> str:
    """Labels joined by ``.`` (Mesos-DNS ``labels.DomainFrag``); empty labels are dropped.

    >>> domain_fragment("(@ host . com"), domain_fragment("MiXeDcase.CoM")
    ('host.com', 'mixedcase.com')
    """
    return ".".join(lab for lab in (rfc1123_label(p) for p in name.split(".")) if lab)


def dns_name(task: str, framework: str, domain: str = "mesos") -> str:
    """``<task>.<framework>.<domain>`` with both names made DNS-safe; LabError if one ends up empty."""
    for field, value in (("task", task), ("framework", framework)):
        if not isinstance(value, str):
            raise LabError(f"dns_name: {field} must be a string, got {value!r}")
    t, f = rfc1123_label(task), domain_fragment(framework)
    if not t:
        raise LabError(f"dns_name: task name {task!r} has no character a DNS label can keep (a-z, 0-9, -)")
    if not f:
        raise LabError(f"dns_name: framework name {framework!r} has no character a DNS label can keep (a-z, 0-9, -)")
    return f"{t}.{f}.{domain}"
