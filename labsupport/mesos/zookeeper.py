"""A ZooKeeper *ensemble*: N servers that serve reads and writes only while a majority runs.

ZooKeeper replicates its tree with the Zab protocol; an ensemble of ``2f + 1`` servers
tolerates ``f`` failures, because every write (creating or deleting a znode, ending a
session) needs a **majority** ("quorum") of the servers
(https://zookeeper.apache.org/doc/current/zookeeperAdmin.html, "Clustered (Multi-Server) Setup":
"a minimum of three servers ... it is strongly recommended that you have an odd number of servers").

For Mesos (https://mesos.apache.org/documentation/latest/high-availability/) that means:
with quorum the masters' ephemeral znodes and the leader election work as in
:mod:`labsupport.mesos.election`; without it no master can be elected, and the leading
master, disconnected from ZooKeeper for ``--zk_session_timeout`` (10 s), treats its
session as expired, loses its candidacy and exits ("committing suicide"), to be restarted
by its supervisor. Tasks keep running on the agents all the while.

>>> zk = ZooKeeperEnsemble(3)
>>> zk.quorum, zk.fail("zk-1"), zk.has_quorum()
(2, None, True)
>>> zk.fail("zk-2"); zk.has_quorum()
False
"""
from __future__ import annotations

from labsupport.core import LabError, Table

__all__ = ["ZooKeeperEnsemble"]


class ZooKeeperEnsemble:
    """Servers ``zk-1`` .. ``zk-N`` and whether each runs."""

    def __init__(self, size: int = 1) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 9:
            raise LabError(f"zookeepers: must be an integer number of servers between 1 and 9, got {size!r}")
        self.servers = {f"zk-{i}": True for i in range(1, size + 1)}

    @property
    def size(self) -> int:
        return len(self.servers)

    @property
    def quorum(self) -> int:
        """Servers a write needs: a strict majority."""
        return self.size // 2 + 1

    def running(self) -> list[str]:
        return [n for n, up in self.servers.items() if up]

    def has_quorum(self) -> bool:
        return len(self.running()) >= self.quorum

    def _server(self, name: str) -> str:
        if name not in self.servers:
            raise LabError(f"server: no ZooKeeper server {name!r} (servers: {', '.join(self.servers)})")
        return name

    def fail(self, name: str) -> None:
        self.servers[self._server(name)] = False

    def restore(self, name: str) -> None:
        self.servers[self._server(name)] = True

    def status(self) -> Table:
        """One row per server: SERVER, RUNNING, QUORUM."""
        ok = self.has_quorum()
        q = f"{len(self.running())}/{self.size} up, needs {self.quorum}: " + ("serving" if ok else "NOT SERVING")
        return Table(["SERVER", "RUNNING", "QUORUM"], [{"SERVER": n, "RUNNING": up, "QUORUM": q} for n, up in self.servers.items()],
                     title="ZooKeeper ensemble")
