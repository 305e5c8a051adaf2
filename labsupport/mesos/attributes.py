"""Mesos agent attributes: the ``--attributes`` syntax of Mesos 1.11.0 (src/common/attributes.cpp).

``rack:r1;zone:a;level:2``: tokens split on ``;`` or newline, the name before the first ``:``, the value
parsed by ``values::parse`` (text, scalar or ranges; sets, NaN and infinities refused). Unlike a dict, a
name may repeat (``dedicated:customer1;dedicated:customer2``), as upstream keeps every attribute.

>>> a = parse_attributes("rack:r1;dedicated:c1;dedicated:c2")
>>> a["dedicated"], str(a)
('c1', 'rack:r1;dedicated:c1;dedicated:c2')
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from labsupport.mesos.errors import ResourceError
from labsupport.mesos.values import format_ranges, format_scalar, parse_value, to_fixed

__all__ = ["Attributes", "parse_attributes"]


class Attributes(Mapping):
    """An agent's attributes in ``--attributes`` order; a name may repeat (attributes.cpp).

    As a mapping it gives the *first* value of each name, as ``Attributes::get`` does;
    :meth:`pairs` gives every ``(name, value)``. Two ``Attributes`` are equal when each holds
    every attribute of the other, in any order (AttributesTest.Equality).

    >>> a = parse_attributes("rack:rack1;dedicated:customer1;dedicated:customer2")
    >>> a["dedicated"], len(a.pairs())
    ('customer1', 3)
    >>> a == parse_attributes("dedicated:customer2;dedicated:customer1;rack:rack1")
    True
    """

    __slots__ = ("_pairs",)

    def __init__(self, pairs: list[tuple[str, Any]] | None = None) -> None:
        self._pairs: tuple[tuple[str, Any], ...] = tuple(pairs or ())

    def pairs(self) -> list[tuple[str, Any]]:
        """Every ``(name, value)`` in order, repeats included."""
        return list(self._pairs)

    def __getitem__(self, name: str) -> Any:
        for n, v in self._pairs:
            if n == name:
                return v
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(n for n, _ in self._pairs))

    def __len__(self) -> int:
        return len(dict.fromkeys(n for n, _ in self._pairs))

    @staticmethod
    def _same(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
        if a[0] != b[0] or type(a[1]) is not type(b[1]):
            return False
        if isinstance(a[1], float):
            return to_fixed(a[1]) == to_fixed(b[1])
        return a[1] == b[1]

    def _contains(self, pair: tuple[str, Any]) -> bool:
        return any(self._same(pair, mine) for mine in self._pairs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Attributes):
            return (len(self._pairs) == len(other._pairs) and all(other._contains(p) for p in self._pairs)
                    and all(self._contains(p) for p in other._pairs))
        if isinstance(other, Mapping):
            return len(self._pairs) == len(self) and dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        def fmt(v: Any) -> str:
            if isinstance(v, float):
                return format_scalar(v)
            if isinstance(v, list):
                return format_ranges(v)
            return str(v)
        return ";".join(f"{n}:{fmt(v)}" for n, v in self._pairs)

    def __repr__(self) -> str:
        return f"Attributes({str(self)!r})"


def parse_attributes(text: str | None) -> Attributes:
    """Parse ``mesos-agent --attributes`` (``rack:r1;zone:a``): text, scalar or range values.

    Follows ``Attributes::parse`` (attributes.cpp): tokens split on ``;`` or newline, the name
    before the first ``:``, the value parsed by ``values::parse`` (so ``nan``/``inf`` and set
    values are refused and ``attr1:foo:bar`` is the text ``foo:bar``). Repeated names are kept.

    >>> dict(parse_attributes("rack:r1;zone:a;level:2"))
    {'rack': 'r1', 'zone': 'a', 'level': 2.0}
    """
    if text is None:
        return Attributes()
    if not isinstance(text, str):
        raise ResourceError(f"attributes: expected a string like 'rack:r1;zone:a', got {type(text).__name__}")
    out: list[tuple[str, Any]] = []
    for raw in re.split(r"[;\n]", text):
        token = raw.strip()
        if not token:
            continue
        name, sep, value = token.partition(":")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise ResourceError(f"attributes: token {token!r}: expected name:value, e.g. rack:r1")
        if not re.fullmatch(r"[A-Za-z_][\w.\-]*", name):
            raise ResourceError(f"attributes: token {token!r}: bad attribute name {name!r}")
        try:
            kind, parsed = parse_value(value)
        except ResourceError as exc:
            raise ResourceError(f"attributes: token {token!r}: {exc}") from None
        if kind == "set":
            raise ResourceError(f"attributes: token {token!r}: set values {{a,b}} are not allowed in attributes")
        out.append((name, list(parsed) if kind == "ranges" else parsed))
    return Attributes(out)
