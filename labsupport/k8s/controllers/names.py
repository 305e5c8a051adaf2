"""Generated object names (``metadata.generateName``): ``<base>-<5 characters>``, repeatable.

Kubernetes appends 5 random characters from ``ALPHANUMS`` (``names.SimpleNameGenerator``); here they
are derived from the owner's uid and a counter (the same Weyl step the ReplicaSet controller uses), so a
run repeats exactly and two owners do not collide.

>>> from labsupport.core import Simulation
>>> from labsupport.k8s.store import APIStore
>>> gen = NameGenerator(APIStore(Simulation(0)))
>>> owner = {"metadata": {"name": "pi", "namespace": "default", "uid": "u1"}}
>>> gen.next_name("Pod", owner, "pi-"), gen.next_name("Pod", owner, "pi-0-")
('pi-k6bpf', 'pi-0-6gmhf')
"""
from __future__ import annotations

from labsupport.k8s.objects import ALPHANUMS, fnv32a
from labsupport.k8s.store import APIStore

__all__ = ["NameGenerator", "MAX_GENERATE_NAME_BASE"]

#: ``names.maxGeneratedNameLength``: 63 - 5 characters of the base are kept.
MAX_GENERATE_NAME_BASE = 58


class NameGenerator:
    """Hands out ``<prefix><5 characters>`` names not yet taken in the store (per owner uid)."""

    def __init__(self, store: APIStore) -> None:
        self.store = store
        self._seq: dict[str, int] = {}

    def next_name(self, kind: str, owner: dict, prefix: str) -> str:
        """A free name of ``kind`` in ``owner``'s namespace, starting with ``prefix`` (cut to 58 characters)."""
        uid = owner["metadata"]["uid"]
        ns = owner["metadata"].get("namespace")
        base = fnv32a(f"{uid}/".encode())
        while True:
            seq = self._seq.get(uid, 0) + 1
            self._seq[uid] = seq
            h = (base + seq * 0x9E3779B1) & 0xFFFFFFFF
            suffix = ""
            for _ in range(5):
                h, r = divmod(h, len(ALPHANUMS))
                suffix += ALPHANUMS[r]
            name = prefix[:MAX_GENERATE_NAME_BASE] + suffix
            if self.store.get(kind, ns, name) is None:
                return name
