"""Opt-in garbage-collector handling for big clusters: ``k8s.Cluster(..., gc_pause=True)`` (fast path ``k8s.gc``).

A cluster with 150,000 Pods holds millions of long-lived dicts. CPython's cyclic garbage
collector would scan them again at every full collection -- most of the run time at that size --
while what the simulation drops is freed by reference counting anyway. A cluster created with
``gc_pause=True`` therefore, in each :meth:`Cluster.run <labsupport.k8s.cluster.Cluster.run>`:

* pauses the collector while the simulation runs and restores it afterwards;
* if the run left more than :data:`GC_FREEZE_THRESHOLD` new container objects behind, moves every
  tracked object to the collector's permanent generation (``gc.freeze()``, O(1)), so the next cell
  does not pay a multi-second scan of objects that stay alive anyway. When that Cluster is dropped
  they go back to the collector (``gc.unfreeze()``) and one full collection frees its cyclic garbage
  there and then (the pause comes with the ``del`` or the reassignment).

Nothing changes in what the simulation does: only when Python frees memory. Clusters of lesson
size leave the collector alone (the default, ``gc_pause=False``); so does every cluster while the
fast path ``k8s.gc`` is switched off (:mod:`labsupport.core.fast`).

>>> import gc
>>> from labsupport import k8s
>>> c = k8s.Cluster(seed=0, gc_pause=True)
>>> c.add_node("node-1"); c.run(1)
>>> gc.isenabled()           # paused only while run() runs
True
"""
from __future__ import annotations

import contextlib
import gc
import weakref
from collections.abc import Iterator

from labsupport.core import fast

__all__ = ["GC_FREEZE_THRESHOLD", "paused_gc"]

#: New GC-tracked objects after one run above which they are frozen (about 0.2 s of collector scan).
GC_FREEZE_THRESHOLD = 1_000_000

_frozen_by: weakref.WeakSet = weakref.WeakSet()   # clusters that froze objects (one finalizer each)


def _collect_frozen(state: dict) -> None:
    """A big cluster was dropped: unfreeze what its runs froze and collect its cycles now.

    ``state`` is the dropped Cluster's ``__dict__``: cleared first, so its store, controllers and
    kubelets (which reference each other) are garbage when the collection runs.
    """
    state.clear()
    gc.unfreeze()
    gc.collect()


@contextlib.contextmanager
def paused_gc(owner: object) -> Iterator[None]:
    """Pause the cyclic collector for the block; freeze what a big block left behind (see the module docstring)."""
    enabled = gc.isenabled() and fast.enabled("k8s.gc")
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_count()[0] > GC_FREEZE_THRESHOLD:
                gc.freeze()
                if owner not in _frozen_by:
                    _frozen_by.add(owner)
                    weakref.finalize(owner, _collect_frozen, vars(owner)).atexit = False  # nothing to do at exit
            gc.enable()
