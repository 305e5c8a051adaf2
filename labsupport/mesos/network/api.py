"""The networking methods of :class:`labsupport.mesos.Cluster` (kept here so the cluster module stays small).

``cell.resolve(name, record)``, ``cell.request(url, count)``, ``cell.trace(url)``, ``cell.add_cni_network(name, subnet)``
and ``cell.network`` (the :class:`~labsupport.mesos.network.CellNetwork`), as the issue's learner-facing API names them.
"""
from __future__ import annotations

from labsupport.core import Table

__all__ = ["ClusterNetworking"]


class ClusterNetworking:
    """Mixin of :class:`labsupport.mesos.Cluster`; the CellNetwork is created on first use."""

    @property
    def network(self):
        """Mesos-DNS, marathon-lb and CNI networks of this cluster (:class:`~labsupport.mesos.network.CellNetwork`)."""
        if getattr(self, "_network", None) is None:
            from labsupport.mesos.network import CellNetwork

            self._network = CellNetwork(self)
        return self._network

    def add_cni_network(self, name: str, subnet: str) -> None:
        """Configure a CNI network (e.g. ``"calico"``, ``"10.8.0.0/16"``) on every agent: its tasks get their own IPs."""
        self.network.cni.add(name, subnet)

    def resolve(self, name: str, record: str = "A") -> list[str]:
        """Mesos-DNS: ``web.marathon.mesos`` (A) or ``_web._tcp.marathon.mesos`` (SRV), as of its last 60 s refresh."""
        return self.network.resolve(name, record)

    def request(self, url: str, count: int = 1, *, headers: dict | None = None):
        """Send ``count`` simulated requests (``http://marathon-lb:10000/``, ``http://<agent>:<hostPort>/``, ...) -> Traffic."""
        return self.network.request(url, count, headers)

    def trace(self, url: str, *, headers: dict | None = None) -> Table:
        """One simulated request, hop by hop (DNS, marathon-lb, host port or container IP, the task)."""
        return self.network.trace(url, headers)
