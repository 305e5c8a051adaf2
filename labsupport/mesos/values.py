"""Mesos value types: fixed-point scalars, port ranges and the ``values::parse`` text syntax.

Reproduces Mesos 1.11.0 ``src/common/values.cpp`` (and ``common/validation.cpp``'s
``validateInputScalarValue``):

* **Scalars** are compared and combined in fixed point with three decimal digits:
  ``convertToFixed(x) = llround(x * 1000)`` (half-way rounds away from zero) and back by integer
  division, so ``1.5015`` is ``1.502`` and 100,000 additions of ``1.001`` undo exactly.
  They print with 15 significant digits (``std::numeric_limits<double>::digits10``), so
  ``1000001`` prints in full and ``99999999999.9994`` as ``99999999999.999``.
* **Ranges** are inclusive ``(begin, end)`` pairs, kept coalesced (sorted, overlapping and
  adjacent ranges merged); ``-`` is set difference and never fails (``[3-8] - [1-10]`` is empty).
* **parse** follows ``values::parse``: spaces are removed, brackets must match, ``[..]`` is
  ranges (tokenized on ``[``, ``]``, ``-``, ``,`` so nested brackets such as ``[7-8, [8-10]]``
  are accepted, as upstream), ``{..}`` a set, a number a scalar (NaN, infinities, negative and
  subnormal values are refused) and anything else text.

Simplified: values are Python floats/tuples, not protobufs; ``SET`` values are parsed but the
simulator's resources do not use them.

>>> round_scalar(1.5015), format_scalar(1000001), format_scalar(99999999999.9994)
(1.502, '1000001', '99999999999.999')
>>> subtract_ranges(((3, 8),), ((5, 6),))
((3, 4), (7, 8))
>>> parse_value("[7-8, 1-4, [8-10], 4-5]")
('ranges', ((1, 5), (7, 10)))
"""
from __future__ import annotations

import math
import sys
from collections.abc import Iterable

from labsupport.mesos.errors import ResourceError

__all__ = [
    "Ranges",
    "add_ranges",
    "add_scalars",
    "format_ranges",
    "format_scalar",
    "from_fixed",
    "normalize_ranges",
    "parse_value",
    "ranges_contain",
    "ranges_size",
    "round_scalar",
    "subtract_ranges",
    "subtract_scalars",
    "to_fixed",
]

Ranges = tuple  # a coalesced tuple of inclusive (begin, end) pairs


def to_fixed(value: float) -> int:
    """``convertToFixed``: ``llround(value * 1000)``, half-way cases away from zero.

    >>> to_fixed(1.2345), to_fixed(-0.0005), to_fixed(0.00001)
    (1235, -1, 0)
    """
    scaled = value * 1000
    whole = math.floor(abs(scaled))
    if abs(scaled) - whole >= 0.5:
        whole += 1
    return -whole if scaled < 0 else whole


def from_fixed(fixed: int) -> float:
    """``convertToFloating``: quotient plus remainder / 1000 (C++ integer division truncates)."""
    quotient = abs(fixed) // 1000
    remainder = (abs(fixed) % 1000) / 1000.0
    out = quotient + remainder
    return -out if fixed < 0 else float(out)


def round_scalar(value: float) -> float:
    """The value Mesos keeps for a scalar: three decimal digits, rounded as ``llround``."""
    return from_fixed(to_fixed(value))


def add_scalars(a: float, b: float) -> float:
    """``Value::Scalar operator+`` in fixed point."""
    return from_fixed(to_fixed(a) + to_fixed(b))


def subtract_scalars(a: float, b: float) -> float:
    """``Value::Scalar operator-`` in fixed point (may be negative; callers drop non-positive results)."""
    return from_fixed(to_fixed(a) - to_fixed(b))


def format_scalar(value: float) -> str:
    """``operator<<(Value::Scalar)``: the rounded value with 15 significant digits.

    >>> format_scalar(1.1), format_scalar(1.2344), format_scalar(8192.0)
    ('1.1', '1.234', '8192')
    """
    return f"{round_scalar(value):.{sys.float_info.dig}g}"


def normalize_ranges(ranges: Iterable) -> Ranges:
    """``coalesce``: sort and merge overlapping or adjacent inclusive ranges.

    >>> normalize_ranges([(4, 6), (7, 7), (9, 10), (9, 11)])
    ((4, 7), (9, 11))
    """
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def add_ranges(a: Ranges, b: Ranges) -> Ranges:
    """``Value::Ranges operator+``: the union, coalesced."""
    return normalize_ranges(tuple(a) + tuple(b))


def subtract_ranges(a: Ranges, b: Ranges) -> Ranges:
    """``Value::Ranges operator-``: set difference; what ``b`` has beyond ``a`` is ignored.

    >>> subtract_ranges(((1, 10), (20, 30), (40, 50)), ((2, 9), (15, 45), (48, 50)))
    ((1, 1), (10, 10), (46, 47))
    """
    out = []
    for lo, hi in a:
        pieces = [(lo, hi)]
        for blo, bhi in b:
            nxt = []
            for plo, phi in pieces:
                if bhi < plo or blo > phi:
                    nxt.append((plo, phi))
                    continue
                if plo < blo:
                    nxt.append((plo, blo - 1))
                if bhi < phi:
                    nxt.append((bhi + 1, phi))
            pieces = nxt
        out.extend(pieces)
    return normalize_ranges(out)


def ranges_contain(a: Ranges, b: Ranges) -> bool:
    """True if every value of ``b`` is in ``a`` (``Value::Ranges operator<=`` reversed)."""
    return not subtract_ranges(b, a)


def ranges_size(a: Ranges) -> int:
    """How many values (ports) the ranges hold."""
    return sum(hi - lo + 1 for lo, hi in a)


def format_ranges(a: Ranges, sep: str = ",") -> str:
    """``[lo-hi,...]``; upstream's ``operator<<`` uses ``sep=", "``."""
    return "[" + sep.join(f"{lo}-{hi}" for lo, hi in a) + "]"


def _tokenize(text: str, delims: str) -> list[str]:
    """stout's ``strings::tokenize``: split on any delimiter character, dropping empty tokens."""
    out, cur = [], []
    for ch in text:
        if ch in delims:
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


def _brackets_match(text: str, open_: str, close: str) -> bool:
    """stout's ``strings::checkBracketsMatching``."""
    depth = 0
    for ch in text:
        if ch == open_:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _uint64(token: str) -> int | None:
    """``numify<uint64_t>``: decimal digits only (stout also takes ``0x`` hex; not simulated)."""
    if token.isascii() and token.isdigit():
        value = int(token)
        if value < 2**64:
            return value
    return None


def _scalar_error(value: float) -> str | None:
    """``validateInputScalarValue``."""
    if math.isinf(value):
        return "Infinite values not supported"
    if math.isnan(value):
        return "NaN not supported"
    if value != 0 and abs(value) < sys.float_info.min:
        return "Subnormal values not supported"
    if value < 0:
        return "Negative values not supported"
    return None


def _float(text: str) -> float | None:
    """``numify<double>`` (boost lexical_cast): a decimal or exponent number, ``nan``/``inf`` too."""
    if "_" in text:  # Python's float() takes digit separators, lexical_cast does not
        return None
    try:
        return float(text)
    except ValueError:
        return None


def parse_value(text: str) -> tuple[str, object]:
    """``values::parse``: ``("scalar", float)``, ``("ranges", Ranges)``, ``("set", tuple)`` or ``("text", str)``.

    Raises :class:`ResourceError` with upstream's message.

    >>> parse_value("45.55"), parse_value("{sda1, sda2}"), parse_value("123abc,s")
    (('scalar', 45.55), ('set', ('sda1', 'sda2')), ('text', '123abc,s'))
    >>> parse_value("nan")
    Traceback (most recent call last):
    ...
    labsupport.mesos.errors.ResourceError: Invalid scalar value 'nan': NaN not supported
    """
    temp = text.replace(" ", "")
    if not temp:
        raise ResourceError("Expecting non-empty string")
    if not all(_brackets_match(temp, o, c) for o, c in ("{}", "[]", "()")):
        raise ResourceError(f"Mismatched brackets in {text!r}")
    index = temp.find("[")
    if index == 0:
        tokens = _tokenize(temp, "[]-,\n")
        if len(tokens) % 2:
            raise ResourceError(f"Expecting one or more \"ranges\" like [31000-32000] in {text!r}")
        ranges = []
        for i in range(0, len(tokens), 2):
            begin, end = _uint64(tokens[i]), _uint64(tokens[i + 1])
            if begin is None or end is None:
                raise ResourceError(f"Expecting non-negative integers in '{tokens[i]}'")
            if begin > end:
                raise ResourceError(f"Invalid ranges: begin > end in '{tokens[i]}-{tokens[i + 1]}'")
            ranges.append((begin, end))
        return ("ranges", normalize_ranges(ranges))
    if index != -1:
        raise ResourceError(f"Unexpected '[' found in {text!r}")
    index = temp.find("{")
    if index == 0:
        return ("set", tuple(_tokenize(temp, "{},\n")))
    if index != -1:
        raise ResourceError(f"Unexpected '{{' found in {text!r}")
    number = _float(temp)
    if number is None:
        return ("text", temp)
    problem = _scalar_error(number)
    if problem:
        raise ResourceError(f"Invalid scalar value '{temp}': {problem}")
    return ("scalar", number)
