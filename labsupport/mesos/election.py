"""ZooKeeper-style leader election among Mesos masters.

Each running master creates an *ephemeral sequential* znode under the election path
(``/mesos/json.info_0000000003``); the master owning the lowest sequence number leads.
When a master dies, its ZooKeeper session expires after ``--zk_session_timeout``
(default 10 s), its znode disappears, and the contender with the next lowest number takes over
(https://mesos.apache.org/documentation/latest/high-availability/ and the ZooKeeper
"Leader Election" recipe, https://zookeeper.apache.org/doc/current/recipes.html).

>>> zk = ZooKeeper()
>>> a = zk.create_ephemeral_sequential("master-1"); b = zk.create_ephemeral_sequential("master-2")
>>> zk.leader()
('/mesos/json.info_0000000000', 'master-1')
>>> zk.delete(a); zk.leader()
('/mesos/json.info_0000000001', 'master-2')
"""
from __future__ import annotations

__all__ = ["MASTER_RESTART_SECONDS", "ZK_SESSION_TIMEOUT", "ZooKeeper"]

ZK_SESSION_TIMEOUT = 10.0      # --zk_session_timeout default, ZOOKEEPER_SESSION_TIMEOUT in src/master/constants.cpp
MASTER_RESTART_SECONDS = 20.0  # our choice: a supervisor (systemd) restarts a crashed master


class ZooKeeper:
    """The few ZooKeeper operations leader election needs: sequential ephemeral znodes under one path."""

    def __init__(self, path: str = "/mesos") -> None:
        self.path = path
        self._seq = 0
        self.nodes: dict[str, str] = {}   # znode path -> owner

    def create_ephemeral_sequential(self, owner: str, prefix: str = "json.info_") -> str:
        """Create ``<path>/<prefix><10-digit sequence>`` owned by ``owner``'s session."""
        node = f"{self.path}/{prefix}{self._seq:010d}"
        self._seq += 1
        self.nodes[node] = owner
        return node

    def delete(self, node: str) -> None:
        """Remove a znode (what a session expiry does to its ephemeral nodes)."""
        self.nodes.pop(node, None)

    def children(self) -> list[str]:
        return sorted(self.nodes)

    def leader(self) -> tuple[str, str] | None:
        """``(znode, owner)`` with the lowest sequence number, or None if nobody contends."""
        kids = self.children()
        return (kids[0], self.nodes[kids[0]]) if kids else None
