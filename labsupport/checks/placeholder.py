"""The ``____`` placeholder that marks an exercise the learner has not filled in yet.

A generated exercise replaces each solution with ``____``. The placeholder is one
unique object that survives the code around it -- arithmetic, comparisons, calls,
attribute and item access all give back ``____`` -- so an untouched exercise runs
top to bottom, and every check that receives it (or a list, dict, table, function
or class containing it) answers "not attempted yet" instead of a verdict.

>>> from labsupport.checks import ____
>>> answer = ____
>>> answer * 2 + 1
<____: replace with your answer>
>>> contains_placeholder({"cpus": ____})
True
"""
from __future__ import annotations

import types
from typing import Any

__all__ = ["PLACEHOLDER_NAME", "Placeholder", "____", "contains_placeholder"]

PLACEHOLDER_NAME = "____"


class Placeholder:
    """Type of the single ``____`` object; every operation on it returns it again.

    Only names that start with ``_`` raise :class:`AttributeError`, so Python's own
    protocols (copy, pickle, IPython's display hooks) keep working. ``bool(____)``
    is False, ``len(____)`` is 0 and iterating it yields nothing, so loops and
    ``if`` statements over an unfilled answer are skipped rather than crashing.

    >>> Placeholder() is ____
    True
    >>> (____ < 3, ____.cpus, ____(1, 2), ____["mem"], f"{____:.2f}")
    (<____: replace with your answer>, <____: replace with your answer>, <____: replace with your answer>, <____: replace with your answer>, '<____: replace with your answer>')
    >>> [x for x in ____], bool(____), ____ == 0
    ([], False, False)
    """

    _instance: Placeholder | None = None
    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Placeholder:
        # One object only; `class MyFramework(____): ...` also evaluates to ____.
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<____: replace with your answer>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> str:
        return "____"  # pickles and copies as the module-level singleton

    def __copy__(self) -> Placeholder:
        return self

    def __deepcopy__(self, memo: dict) -> Placeholder:
        return self

    def _same(self, *args: Any, **kwargs: Any) -> Placeholder:
        return self

    # arithmetic, both sides, and the unary operators
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _same
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = __divmod__ = __rdivmod__ = _same
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = __lshift__ = __rlshift__ = _same
    __rshift__ = __rrshift__ = __neg__ = __pos__ = __abs__ = __invert__ = __round__ = _same
    __trunc__ = __floor__ = __ceil__ = _same
    # ordering comparisons (== and != stay identity-based so ____ works as a dict key)
    __lt__ = __le__ = __gt__ = __ge__ = _same
    __call__ = __getitem__ = _same

    def __setitem__(self, key: Any, value: Any) -> None:
        """Ignored: the placeholder never changes."""

    def __setattr__(self, name: str, value: Any) -> None:
        """Ignored: the placeholder never changes."""

    def __getattr__(self, name: str) -> Placeholder:
        if name.startswith("_"):
            raise AttributeError(name)
        return self

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def __iter__(self):
        return iter(())

    def __contains__(self, item: Any) -> bool:
        return False

    def __hash__(self) -> int:
        return hash(PLACEHOLDER_NAME)


____ = Placeholder()


def _code_mentions_placeholder(code: types.CodeType) -> bool:
    """True if a compiled function body (or any function nested in it) reads the name ``____``."""
    if PLACEHOLDER_NAME in code.co_names:
        return True
    return any(isinstance(c, types.CodeType) and _code_mentions_placeholder(c) for c in code.co_consts)


def contains_placeholder(obj: Any, _seen: frozenset[int] = frozenset()) -> bool:
    """True if ``obj`` is ``____``, holds it, or is a function or class whose code still uses it.

    Containers (lists, tuples, sets, dicts, tables with ``.rows``) are searched
    recursively; a function counts when its body names ``____`` (that is what the
    exercise generator leaves behind); a class counts when one of its methods does.

    >>> def offer_handler(offers):
    ...     return ____
    >>> contains_placeholder(offer_handler), contains_placeholder([1, (2, 3)])
    (True, False)
    """
    if obj is ____:
        return True
    if id(obj) in _seen:
        return False
    seen = _seen | {id(obj)}
    if isinstance(obj, (str, bytes, int, float, complex, bool)) or obj is None:
        return False
    if isinstance(obj, dict):
        return any(contains_placeholder(k, seen) or contains_placeholder(v, seen) for k, v in obj.items())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return any(contains_placeholder(x, seen) for x in obj)
    if isinstance(obj, (staticmethod, classmethod)):
        return contains_placeholder(obj.__func__, seen)
    if isinstance(obj, property):
        return any(contains_placeholder(f, seen) for f in (obj.fget, obj.fset, obj.fdel) if f is not None)
    if isinstance(obj, types.MethodType):
        return contains_placeholder(obj.__func__, seen)
    if isinstance(obj, types.FunctionType):
        return _code_mentions_placeholder(obj.__code__)
    if isinstance(obj, type):
        return any(contains_placeholder(v, seen) for v in vars(obj).values()
                   if isinstance(v, (types.FunctionType, staticmethod, classmethod, property)))
    rows = getattr(obj, "rows", None)  # labsupport.core.Table and look-alikes
    if isinstance(rows, list):
        return contains_placeholder(rows, seen)
    return False
