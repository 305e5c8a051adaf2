"""Pure comparisons behind the checks: is an answer right, and if not, what is wrong with it?

Each ``*_problem`` function returns ``None`` when ``got`` matches ``expected`` and
otherwise one sentence about the learner's answer. The sentences describe the
answer, not the expected value, so feedback nudges without giving the answer away.

>>> number_problem(4.0, 2.5, abs_tol=0.01)
'4 is too high.'
>>> set_problem(["node-a", "node-x"], {"node-a", "node-b"})
"'node-x' should not be in it, and 1 item is missing."
>>> values_equal({"cpu": 0.1 + 0.2}, {"cpu": 0.3}, abs_tol=1e-9)
True
"""
from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "describe",
    "is_number",
    "mapping_problem",
    "number_problem",
    "sequence_problem",
    "set_problem",
    "values_equal",
]


def describe(value: Any, limit: int = 60) -> str:
    """A short phrase naming ``value`` and its kind, for messages.

    >>> describe("3"), describe(3), describe([1, 2])
    ("the text '3'", '3', 'the list [1, 2]')
    """
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if isinstance(value, str):
        return f"the text {text}"
    if is_number(value):
        return text
    if value is None:
        return "None (did the code `return` a value?)"
    kind = type(value).__name__
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return f"the {kind} {text}"
    return f"{article} {kind} ({text})"


def is_number(value: Any) -> bool:
    """True for ints, floats, fractions and NumPy numbers; False for bool (True is not 1 here)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _close(got: float, expected: float, abs_tol: float, rel_tol: float) -> bool:
    return math.isclose(float(got), float(expected), abs_tol=abs_tol, rel_tol=rel_tol)


def number_problem(got: Any, expected: float, *, abs_tol: float = 0.0, rel_tol: float = 0.0) -> str | None:
    """None if ``|got - expected| <= max(abs_tol, rel_tol * |expected|)``; else what is off.

    Spots the usual slips: a unit off by a power of 10 or 1024, a flipped sign.

    >>> number_problem(2500, 2.5, abs_tol=0.01)
    '2500 is 1000 times too large: check the units.'
    >>> number_problem("2.5", 2.5) is not None
    True
    """
    if not is_number(got):
        hint = " (remove the quotes)" if isinstance(got, str) else ""
        return f"Expected a number, got {describe(got)}{hint}."
    if isinstance(got, float) and math.isnan(got):
        return "Your answer is NaN (not a number): something divided 0 by 0 or used a missing value."
    if _close(got, expected, abs_tol, rel_tol):
        return None
    shown = f"{got:g}" if isinstance(got, float) else str(got)
    if expected != 0 and got != 0:
        for base, powers in ((10, (1, 2, 3, 6, 9)), (1024, (1, 2, 3))):
            for p in powers:
                factor = base**p
                for ratio, word in ((factor, "large"), (1 / factor, "small")):
                    if _close(got, expected * ratio, abs_tol * ratio, max(rel_tol, 1e-9)):
                        return f"{shown} is {factor} times too {word}: check the units."
        if _close(-got, expected, abs_tol, max(rel_tol, 1e-9)):
            return f"{shown} has the wrong sign."
    return f"{shown} is too {'high' if got > expected else 'low'}."


def values_equal(got: Any, expected: Any, *, abs_tol: float = 0.0, rel_tol: float = 0.0) -> bool:
    """Equality that recurses into lists, tuples, dicts and sets and compares numbers with a tolerance.

    >>> values_equal([1, 2.0000001], (1, 2), abs_tol=1e-6), values_equal(True, 1)
    (True, False)
    """
    if is_number(got) and is_number(expected):
        return _close(got, expected, abs_tol, rel_tol)
    if isinstance(got, bool) or isinstance(expected, bool):
        return got is expected
    if isinstance(got, Mapping) and isinstance(expected, Mapping):
        return set(got) == set(expected) and all(
            values_equal(got[k], expected[k], abs_tol=abs_tol, rel_tol=rel_tol) for k in expected
        )
    if isinstance(got, (list, tuple)) and isinstance(expected, (list, tuple)):
        return len(got) == len(expected) and all(
            values_equal(g, e, abs_tol=abs_tol, rel_tol=rel_tol) for g, e in zip(got, expected, strict=True)
        )
    try:
        return bool(got == expected)
    except Exception:  # an exotic __eq__ (e.g. an array) is not equality
        return False


def _is_collection(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping))


def set_problem(got: Any, expected: Iterable) -> str | None:
    """None if ``got`` holds the same items as ``expected``, order and repeats ignored.

    Names the learner's extra items; only counts the missing ones.

    >>> set_problem("node-a", {"node-a"})
    "Expected a collection such as a set or list, got the text 'node-a'."
    """
    if not _is_collection(got):
        return f"Expected a collection such as a set or list, got {describe(got)}."
    try:
        got_set, want = set(got), set(expected)
    except TypeError as e:
        return f"Your collection holds an item that cannot be compared ({e})."
    extra = sorted(got_set - want, key=repr)
    missing = len(want - got_set)
    parts = []
    if extra:
        parts.append(", ".join(repr(x) for x in extra) + " should not be in it")
    if missing:
        parts.append(f"{missing} item{'s are' if missing > 1 else ' is'} missing")
    if not parts:
        return None
    sentence = ", and ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def sequence_problem(got: Any, expected: list, *, abs_tol: float = 0.0, rel_tol: float = 0.0) -> str | None:
    """None if ``got`` has the same items as ``expected`` in the same order.

    >>> sequence_problem(["b", "a"], ["a", "b"])
    'The right items, in the wrong order.'
    >>> sequence_problem(["a", "c"], ["a", "b"])
    "Item 2 ('c') is wrong."
    """
    if not _is_collection(got) or isinstance(got, (set, frozenset)):
        kind = "an unordered set" if isinstance(got, (set, frozenset)) else describe(got)
        return f"Expected an ordered list, got {kind}."
    got = list(got)
    expected = list(expected)
    if values_equal(got, expected, abs_tol=abs_tol, rel_tol=rel_tol):
        return None
    try:
        same_items = Counter(map(repr, got)) == Counter(map(repr, expected))
    except Exception:
        same_items = False
    if same_items:
        return "The right items, in the wrong order."
    for i, (g, e) in enumerate(zip(got, expected, strict=False), start=1):
        if not values_equal(g, e, abs_tol=abs_tol, rel_tol=rel_tol):
            more = "" if len(got) == len(expected) else f" Also, it has {len(got)} items, not {len(expected)}."
            return f"Item {i} ({g!r}) is wrong.{more}"
    return f"It has {len(got)} items, not {len(expected)}."


def mapping_problem(got: Any, expected: Mapping, *, abs_tol: float = 0.0, rel_tol: float = 0.0) -> str | None:
    """None if ``got`` has exactly the keys of ``expected`` with equal values.

    >>> mapping_problem({"cpus": 2, "disk": 1}, {"cpus": 1, "mem": 64})
    "Key 'mem' is missing. Key 'disk' should not be there. The value for 'cpus' (2) is wrong."
    """
    if not isinstance(got, Mapping):
        return f"Expected a dict, got {describe(got)}."
    parts = [f"Key {k!r} is missing." for k in expected if k not in got]
    parts += [f"Key {k!r} should not be there." for k in sorted(set(got) - set(expected), key=repr)]
    parts += [
        f"The value for {k!r} ({got[k]!r}) is wrong."
        for k in expected
        if k in got and not values_equal(got[k], expected[k], abs_tol=abs_tol, rel_tol=rel_tol)
    ]
    return " ".join(parts) or None
