"""One switch for every speed trick in labsupport.

The simulators have a *reference path*: the code a learner reads beside the upstream source
(one Pod per scheduling cycle, one plugin call per node, one agent visit after another). A few
*fast paths* give the same answers sooner at 150,000 Pods or 50,000 agents: batched binds of
identical Pods, memos in scheduler plugins, skipping allocator visits that cannot offer anything,
pausing the garbage collector during a big run. Each fast path

* is registered here by name with one sentence saying what it does,
* asks :func:`enabled` before it runs, and falls back to the reference path when it is off,
* has an equivalence property test (``tests/test_fast_paths.py``): the same bindings, offers and
  status updates with the switch on and off.

The switch is process-wide on purpose: a simulation must not mix the two paths halfway. It
starts on, unless the environment variable ``LABSUPPORT_FAST=0`` is set (run a lesson on the
reference path to see that nothing changes).

>>> from labsupport.core import fast
>>> fast.enabled()
True
>>> with fast.off():
...     fast.enabled(), fast.enabled("k8s.batch")
(False, False)
>>> with fast.off("k8s.batch"):
...     fast.enabled(), fast.enabled("k8s.batch"), fast.enabled("mesos.settled_agents")
(True, False, True)
>>> fast.enabled("no.such.path")
Traceback (most recent call last):
...
labsupport.core.errors.LabError: fast path: 'no.such.path' is not one of ...
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from labsupport.core.errors import LabError

__all__ = ["PATHS", "enabled", "off", "on", "set_enabled", "status"]

#: every fast path, by name, with what it does instead of the reference path
PATHS: dict[str, str] = {
    "k8s.batch": "kube-scheduler decides a run of identical Pods in one vectorised pass instead of one cycle each",
    "k8s.plugin_memos": "scheduler plugins remember per-signature answers (tolerations, selectors, requests)",
    "k8s.gc": "k8s Cluster.run pauses CPython's cyclic garbage collector and freezes long-lived objects",
    "k8s.scoring": "kube-scheduler's scoring formulas take float shortcuts equal to Go's integer maths",
    "mesos.settled_agents": "the allocator skips agents whose last visit offered nothing until something changes",
    "mesos.shuffle": "the allocator shuffles agents with an inlined Fisher-Yates drawing the same numbers",
    "mesos.agent_visit": "the allocator reads a role's frameworks lazily, stops at the role's first offer on an agent "
                         "and hands over a whole agent without arithmetic",
    "widgets.gc": "a widget redraw pauses CPython's cyclic garbage collector while it re-simulates and draws",
}

_disabled: set[str] = set()
_all_off = os.environ.get("LABSUPPORT_FAST", "1").strip() in ("0", "off", "false", "no")


def _check(name: str) -> None:
    if name not in PATHS:
        raise LabError(f"fast path: {name!r} is not one of {sorted(PATHS)}")


def enabled(name: str | None = None) -> bool:
    """Is the fast path ``name`` on (or, without a name, is the switch on at all)?"""
    if name is not None:
        _check(name)
    return not _all_off and (name is None or name not in _disabled)


def set_enabled(on: bool, *names: str) -> None:
    """Turn the named fast paths (or, without names, the whole switch) on or off."""
    global _all_off
    for name in names:
        _check(name)
    if not names:
        _all_off = not on
    elif on:
        _disabled.difference_update(names)
    else:
        _disabled.update(names)


@contextlib.contextmanager
def _switched(on: bool, names: tuple[str, ...]) -> Iterator[None]:
    global _all_off
    saved = (_all_off, set(_disabled))
    set_enabled(on, *names)
    try:
        yield
    finally:
        _all_off, _disabled_saved = saved
        _disabled.clear()
        _disabled.update(_disabled_saved)


def off(*names: str) -> contextlib.AbstractContextManager[None]:
    """``with fast.off(): ...`` runs on the reference path (all fast paths, or only the named ones)."""
    return _switched(False, names)


def on(*names: str) -> contextlib.AbstractContextManager[None]:
    """``with fast.on(): ...`` turns the switch (or the named paths) back on inside the block."""
    return _switched(True, names)


def status() -> dict[str, bool]:
    """Each fast path and whether it is on now."""
    return {name: enabled(name) for name in PATHS}
