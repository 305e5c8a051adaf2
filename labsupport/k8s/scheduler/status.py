"""Filter outcomes as values: a :class:`Status` with a code and human reasons, and the FitError message.

Mirrors ``k8s.io/kube-scheduler/framework`` (``Code``: Success, Unschedulable,
UnschedulableAndUnresolvable, Skip) and ``pkg/scheduler/framework/types.go``
(``FitError.Error()``: ``"0/N nodes are available: <count> <reason>, ... ."``,
reasons counted over nodes, sorted as strings).

>>> Status(Code.UNSCHEDULABLE, ("Insufficient cpu",), plugin="NodeResourcesFit")
Status(Unschedulable, 'Insufficient cpu', plugin=NodeResourcesFit)
>>> fit_error_message(3, [("node(s) had untolerated taint(s)",), ("Insufficient cpu",), ("Insufficient cpu",)])
'0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu.'
"""
from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Code", "Status", "fit_error_message"]


class Code(enum.IntEnum):
    """Status codes of the scheduling framework (``framework.Code``)."""

    SUCCESS = 0
    #: the node does not fit now, but preemption may help (e.g. "Insufficient cpu")
    UNSCHEDULABLE = 2
    #: no preemption can help on this node (e.g. an untolerated taint)
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    #: the plugin has nothing to say for this Pod (PreScore/PreFilter "Skip")
    SKIP = 5

    def __str__(self) -> str:
        return {0: "Success", 2: "Unschedulable", 3: "UnschedulableAndUnresolvable", 5: "Skip"}[int(self)]


@dataclass(frozen=True)
class Status:
    """A plugin's verdict on one node: ``code``, human ``reasons`` (kube-scheduler's wording) and ``plugin``."""

    code: Code
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @property
    def ok(self) -> bool:
        """True for Success (and Skip)."""
        return self.code in (Code.SUCCESS, Code.SKIP)

    @property
    def message(self) -> str:
        """The reasons joined with ", " (``Status.Message()``)."""
        return ", ".join(self.reasons)

    def __repr__(self) -> str:
        return f"Status({self.code}, {self.message!r}, plugin={self.plugin})"


def fit_error_message(num_all_nodes: int, reasons_per_node: Iterable[Iterable[str]], post_filter_msg: str = "") -> str:
    """``FitError.Error()``: count each reason over the failing nodes, sort the ``"<n> <reason>"`` strings.

    ``post_filter_msg`` (the preemption summary) is appended after a space, as in kube-scheduler.

    >>> fit_error_message(2, [("Insufficient cpu", "Insufficient memory"), ("Too many pods",)])
    '0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods.'
    """
    counts: Counter[str] = Counter()
    for reasons in reasons_per_node:
        counts.update(reasons)
    parts = sorted(f"{n} {reason}" for reason, n in counts.items())
    msg = f"0/{num_all_nodes} nodes are available: {', '.join(parts)}."
    if post_filter_msg:
        msg += " " + post_filter_msg
    return msg
