"""Sorters: the ordering policy of the Mesos allocator, and nothing else.

The hierarchical allocator asks a sorter "in which order should I offer to these clients?"
(first the roles, then the frameworks inside a role). Swapping the sorter changes the policy,
not the mechanism: ``--role_sorter`` / ``--framework_sorter`` take ``drf`` or ``random``
(https://mesos.apache.org/documentation/latest/configuration/master/).

Clients may be hierarchical role names such as ``eng/frontend``
(https://mesos.apache.org/documentation/latest/roles/). The DRF sorter then keeps a tree, as
src/master/allocator/mesos/sorter/drf/sorter.cpp does in Mesos 1.11.0: a node's allocation is
the sum of its subtree; shares are compared only among siblings; ``sort()`` lists the clients
in a pre-order walk, so ``eng``'s subtree is visited as one block, placed among its siblings by
``eng``'s share (with ``eng``'s weight). When both ``eng`` and ``eng/frontend`` are clients,
``eng``'s own allocation lives in a virtual leaf ``eng/.``, a sibling of ``eng/frontend``
(weight 1, path ``eng/.`` for the name tie-break: upstream's behaviour).

>>> s = DRFSorter()
>>> s.set_total({"cpus": 10, "mem": 100})
>>> for name in ("a", "b"): s.add(name)
>>> s.allocated("a", {"cpus": 5})
>>> s.sort()
['b', 'a']
>>> t = DRFSorter(); t.set_total({"cpus": 10})
>>> for name in ("eng/web", "eng/db", "ops"): t.add(name)
>>> t.allocated("eng/web", {"cpus": 4}); t.allocated("ops", {"cpus": 3})
>>> t.sort()                      # ops (0.3) before eng (0.4); inside eng: db (0) before web
['ops', 'eng/db', 'eng/web']
"""
from __future__ import annotations

import random
from bisect import bisect_left, insort
from collections.abc import Iterator, Mapping
from operator import itemgetter
from typing import Protocol

from labsupport.mesos.drf import dominant_share
from labsupport.mesos.random_sorter import RandomSorter

__all__ = ["DRFSorter", "RandomSorter", "Sorter", "make_sorter"]


class Sorter(Protocol):
    """What the allocator needs from an ordering policy."""

    def add(self, name: str, weight: float = 1.0) -> None: ...
    def remove(self, name: str) -> None: ...
    def set_weight(self, name: str, weight: float) -> None: ...
    def set_total(self, total: Mapping[str, float]) -> None: ...
    def allocated(self, name: str, scalars: Mapping[str, float]) -> None: ...
    def unallocated(self, name: str, scalars: Mapping[str, float]) -> None: ...
    def allocation(self, name: str) -> dict[str, float]: ...
    def share(self, name: str) -> float: ...
    def sort(self) -> list[str]: ...
    def ordered(self) -> Iterator[str]: ...


class _Node:
    """One node of the DRF tree: a client (leaf) or an inner role path (its subtree's sum)."""

    __slots__ = ("name", "path", "parent", "children", "order", "keys", "alloc", "count", "client", "active")

    def __init__(self, name: str, path: str, parent: _Node | None) -> None:
        self.name, self.path, self.parent = name, path, parent
        self.children: dict[str, _Node] = {}
        self.order: list[tuple] = []          # children's keys (share, count, path), sorted
        self.keys: dict[str, tuple] = {}      # child name -> its key in ``order``
        self.alloc: dict[str, float] = {}
        self.count = 0
        self.client: str | None = None        # the client name if this node is a leaf
        self.active = True                    # leaves only: inactive clients are left out of sort()


class DRFSorter:
    """Orders clients by weighted dominant share, then by number of allocations, then by path.

    Mirrors ``DRFComparator`` (``Node::compareDRF``) in
    src/master/allocator/mesos/sorter/drf/sorter.hpp: lower share first; equal shares go to the
    node that received fewer allocations; then the smaller path. Every level of the role tree
    is sorted this way among siblings (see the module docstring). As upstream, an allocation
    keeps each level sorted as it goes (``allocated``); anything else (resources coming back,
    weights, the cluster total, clients added or removed) marks the tree *dirty*, and the next
    ``sort()`` recomputes every share and sorts every level again.

    Simplified: upstream's inactive (suppressed) leaves are not modelled here; the allocator
    skips suppressed frameworks itself. Counts are never decremented, as upstream.

    >>> s = DRFSorter(); s.set_total({"cpus": 4})
    >>> s.add("b"); s.add("a")
    >>> s.sort()              # equal shares, equal counts: by name
    ['a', 'b']
    >>> s.allocated("a", {}); s.sort()   # an (empty) allocation still counts
    ['b', 'a']
    """

    def __init__(self) -> None:
        self.total: dict[str, float] = {}
        self.weights: dict[str, float] = {}          # path -> weight (also for paths that are not clients)
        self.root = _Node("", "", None)
        self.clients: dict[str, _Node] = {}
        self._nested = 0                             # how many clients have a "/" in their name
        self._inactive = 0                           # how many clients are deactivated
        self._dirty = False

    # -- the tree ---------------------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return name in self.clients

    @property
    def counts(self) -> dict[str, int]:
        """Allocation count per client (the second sort key)."""
        return {name: node.count for name, node in self.clients.items()}

    def add(self, name: str, weight: float | None = None) -> None:
        """Add a client (a role path or a framework id); ``weight`` sets the weight of that path."""
        if weight is not None:
            self.weights[name] = float(weight)
        if name in self.clients:
            return
        node = self.root
        tokens = name.split("/")
        for i, token in enumerate(tokens):
            child = node.children.get(token)
            if child is None:
                path = "/".join(tokens[: i + 1])
                child = _Node(token, path, node)
                node.children[token] = child
                self._rekey(child)
            elif child.client is not None and i < len(tokens) - 1:
                self._split(child)                 # a leaf gets children: its own part moves to "."
            node = child
        if node.children:                          # the path is an inner node already: add "."
            virt = _Node(".", node.path + "/.", node)
            node.children["."] = virt
            node = virt
            self._rekey(node)
        node.client = name
        self.clients[name] = node
        self._nested += "/" in name

    def _split(self, leaf: _Node) -> None:
        virt = _Node(".", leaf.path + "/.", leaf)
        virt.alloc, virt.count, virt.client, virt.active = dict(leaf.alloc), leaf.count, leaf.client, leaf.active
        leaf.client, leaf.active = None, True
        leaf.children["."] = virt
        self.clients[virt.client] = virt
        self._rekey(virt)

    def remove(self, name: str) -> None:
        node = self.clients.pop(name, None)
        if node is None:
            return
        self._nested -= "/" in name
        self._inactive -= not node.active
        alloc = node.alloc
        node.client = None
        while node is not self.root:
            parent = node.parent
            if node.children:
                if len(node.children) == 1 and "." in node.children:   # collapse "a/." back into "a"
                    virt = node.children.pop(".")
                    node.order, node.keys = [], {}
                    node.client, node.active = virt.client, virt.active
                    self.clients[virt.client] = node
            elif node.client is None:
                self._unkey(node)
                del parent.children[node.name]
            node = parent
            for r, v in alloc.items():
                left = node.alloc.get(r, 0.0) - v
                if left > 1e-9:
                    node.alloc[r] = left
                else:
                    node.alloc.pop(r, None)
        self._dirty = True

    def activate(self, name: str) -> None:
        """List the client in ``sort()`` again (upstream: a framework is re-activated or revived)."""
        node = self.clients[name]
        self._inactive -= not node.active
        node.active = True

    def deactivate(self, name: str) -> None:
        """Leave the client out of ``sort()``; its allocation still counts for its ancestors."""
        node = self.clients[name]
        self._inactive += node.active
        node.active = False

    def count(self) -> int:
        """Number of clients."""
        return len(self.clients)

    def update(self, name: str, old: Mapping[str, float], new: Mapping[str, float]) -> None:
        """An allocation changed shape (e.g. a reservation was made); the allocation count stays."""
        self._add_up(name, old, -1)
        self._add_up(name, new, +1)
        self._dirty = True

    def set_weight(self, name: str, weight: float) -> None:
        """Weight of a path (``eng`` weighs the whole ``eng`` subtree among its siblings)."""
        self.weights[name] = float(weight)
        self._dirty = True

    def set_total(self, total: Mapping[str, float]) -> None:
        self.total = dict(total)
        self._dirty = True

    def allocated(self, name: str, scalars: Mapping[str, float]) -> None:
        """Record an allocation (an offer) to ``name`` and its ancestors; bumps their allocation counts.

        Unless the tree is dirty, each node moves to its new place among its siblings, as
        ``DRFSorter::allocated`` does (hot path: written out by hand).
        """
        node, root, dirty, total, weights = self.clients[name], self.root, self._dirty, self.total, self.weights
        while node is not root:
            alloc = node.alloc
            for r, v in scalars.items():
                alloc[r] = alloc.get(r, 0.0) + v
            node.count += 1
            key = (dominant_share(alloc, total, weights.get(node.path, 1.0)), node.count, node.path, node.name)
            parent = node.parent
            if not dirty:                     # move the node from its old place to its new one
                order = parent.order
                del order[bisect_left(order, parent.keys[node.name])]
                insort(order, key)
            parent.keys[node.name] = key
            node = parent

    def unallocated(self, name: str, scalars: Mapping[str, float]) -> None:
        """Resources of ``name`` came back (declined, or a task ended); the tree becomes dirty, as upstream."""
        if name in self.clients:
            self._add_up(name, scalars, -1)
            self._dirty = True

    def _add_up(self, name: str, scalars: Mapping[str, float], sign: int) -> None:
        """Add (``sign`` +1) or subtract (-1) ``scalars`` on the client's node and every ancestor."""
        node = self.clients[name]
        while node is not self.root:
            alloc = node.alloc
            for r, v in scalars.items():
                left = alloc.get(r, 0.0) + sign * v
                if sign > 0 or left > 1e-9:
                    alloc[r] = left
                else:
                    alloc.pop(r, None)
            node = node.parent

    def allocation(self, name: str) -> dict[str, float]:
        """Scalars currently allocated (offered or used) to client ``name`` itself."""
        return dict(self.clients[name].alloc)

    def subtree_allocation(self, path: str) -> dict[str, float]:
        """Scalars allocated to ``path`` and every role below it (``""``: all clients)."""
        if not path:
            out: dict[str, float] = {}
            for child in self.root.children.values():
                for r, v in child.alloc.items():
                    out[r] = out.get(r, 0.0) + v
            return out
        node = self.root
        for token in path.split("/"):
            node = node.children.get(token)
            if node is None:
                return {}
        return dict(node.alloc)

    def share(self, name: str) -> float:
        """The weighted dominant share of client ``name`` (see :func:`labsupport.mesos.drf.dominant_share`)."""
        node = self.clients[name]
        return dominant_share(node.alloc, self.total, self.weights.get(node.path, 1.0))

    def sort(self) -> list[str]:
        """Client names, the one to offer to first at the front (``DRFSorter::sort``).

        If the tree is dirty, recompute every share and sort every level; then list the active
        leaves in a pre-order walk.
        """
        if self._dirty:
            self._resort(self.root)
            self._dirty = False
        return list(self._walk(self.root))

    def ordered(self) -> Iterator[str]:
        """Like ``sort()`` but lazy, for the allocator's fast path ``mesos.agent_visit``: no list of
        every client is built. Stop iterating once you change the sorter."""
        if self._dirty:
            self._resort(self.root)
            self._dirty = False
        if self._nested or self._inactive:
            return self._walk(self.root)
        return map(itemgetter(2), self.root.order)   # flat: every child of the root is an active client

    def _walk(self, node: _Node) -> Iterator[str]:
        children = node.children
        for key in node.order:
            child = children[key[3]]
            if child.children:
                yield from self._walk(child)
            elif child.active:
                yield child.client

    # -- keeping each level sorted ----------------------------------------------------------
    def _key(self, node: _Node) -> tuple:
        share = dominant_share(node.alloc, self.total, self.weights.get(node.path, 1.0))
        return (share, node.count, node.path, node.name)

    def _rekey(self, node: _Node) -> None:
        parent = node.parent
        key = self._key(node)
        parent.keys[node.name] = key
        if not self._dirty:
            insort(parent.order, key)

    def _unkey(self, node: _Node) -> None:
        parent = node.parent
        key = parent.keys.pop(node.name, None)
        if key is not None and not self._dirty:
            del parent.order[bisect_left(parent.order, key)]

    def _resort(self, node: _Node) -> None:
        node.keys = {name: self._key(child) for name, child in node.children.items()}
        node.order = sorted(node.keys.values())
        for child in node.children.values():
            if child.children:
                self._resort(child)


def make_sorter(kind: str, rng: random.Random) -> DRFSorter | RandomSorter:
    """``"drf"`` or ``"random"``, as the master flags ``--role_sorter`` / ``--framework_sorter``."""
    if kind == "drf":
        return DRFSorter()
    if kind == "random":
        return RandomSorter(rng)
    from labsupport.core import LabError

    raise LabError(f"sorter: must be 'drf' or 'random', got {kind!r}")
