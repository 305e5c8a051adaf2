"""What every plugin shares: the per-cycle :class:`CycleState` and the :class:`Rejection` a Filter returns.

A plugin is a tiny class with a ``name`` and one method per extension point
(``pre_filter``/``filter``, ``pre_score``/``score``/``normalize``), as in
``k8s.io/kube-scheduler/framework/interface.go``. Here each method works on an
array ``idx`` of node slots at once instead of on one ``NodeInfo``; the verdict
for a single node is still a :class:`~labsupport.k8s.scheduler.status.Status`
(see :meth:`Rejection.status`).

>>> import numpy as np
>>> r = Rejection(np.array([False, True]), Code.UNSCHEDULABLE, ("Insufficient cpu",))
>>> r.status(1, "NodeResourcesFit")
Status(Unschedulable, 'Insufficient cpu', plugin=NodeResourcesFit)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from labsupport.k8s.scheduler.cache import NodeCache
from labsupport.k8s.scheduler.podinfo import PodInfo
from labsupport.k8s.scheduler.status import Code, Status

__all__ = ["CycleState", "Rejection", "Plugin"]


@dataclass
class CycleState:
    """Scratch data of one scheduling cycle, passed explicitly to every plugin (``framework.CycleState``)."""

    pod: PodInfo
    cache: NodeCache
    data: dict[str, Any] = field(default_factory=dict)
    #: extra (cpu, memory, pods) per node slot from nominated Pods of equal or higher priority
    nominated: dict[int, tuple[int, int, int]] = field(default_factory=dict)


@dataclass
class Rejection:
    """Which nodes of ``idx`` a Filter rejected, with the code and reasons for each.

    ``code`` and ``reasons`` are either one value for every rejected node or a callable
    ``position -> value`` (NodeResourcesFit names only the resources that are short).
    """

    mask: np.ndarray
    code: Code | Callable[[int], Code]
    reasons: tuple | Callable[[int], tuple]

    def status(self, pos: int, plugin: str) -> Status:
        """The Status of the node at position ``pos`` of ``idx``."""
        if not self.mask[pos]:
            return Status(Code.SUCCESS, (), plugin)
        code = self.code(pos) if callable(self.code) else self.code
        reasons = self.reasons(pos) if callable(self.reasons) else self.reasons
        return Status(code, tuple(reasons), plugin)


class Plugin:
    """Base class: subclasses set ``name`` and implement some of the methods below.

    * ``pre_filter(state) -> Status | None`` -- Skip to disable ``filter`` for this Pod;
    * ``filter(state, idx) -> Rejection | None`` -- None: every node passes;
    * ``pre_score(state, idx) -> bool`` -- False means Skip (the plugin adds nothing);
    * ``score(state, idx) -> int64 array`` -- raw scores;
    * ``normalize(state, idx, raw) -> int64 array`` -- 0..100 (default: unchanged).
    """

    name = ""
    filters = False
    scores = False
    #: the raw score on a node depends on that node and the Pod alone, and NormalizeScore is the identity
    per_node_score = False

    def __init__(self, cache: NodeCache, args: dict | None = None) -> None:
        self.cache = cache
        self.args = args or {}

    def pre_filter(self, state: CycleState) -> Status | None:
        return None

    def node_local(self, state: CycleState) -> bool:
        """Do this plugin's verdict and raw score on a node depend only on that node (and the Pod)?"""
        return True

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:  # pragma: no cover - interface
        return None

    def pre_score(self, state: CycleState, idx: np.ndarray) -> bool:
        return True

    def score(self, state: CycleState, idx: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        return np.zeros(len(idx), dtype=np.int64)

    def normalize(self, state: CycleState, idx: np.ndarray, raw: np.ndarray) -> np.ndarray:
        return raw

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
