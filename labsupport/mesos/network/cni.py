"""CNI networks for IP-per-container: named networks with their own IPAM pool (as Calico gives each container an IP).

The Mesos containerizer's ``network/cni`` isolator (http://mesos.apache.org/documentation/latest/cni/, Mesos 1.11)
attaches a container to the CNI networks its ``NetworkInfo`` names; the agent finds them in
``--network_cni_config_dir``, and the network's IPAM plugin (Calico's, for ``calico``) hands the container
its own IP. A task on such a network needs no host port: it listens on its own address, and any other
container or host reaches it there. Marathon asks for it with ``"networks": [{"mode": "container", "name": "calico"}]``.

Simplified: every agent has every network configured (one config directory shared by all agents, the usual
setup); addresses are handed out in task-launch order from the pool and not reused; no CNI policy is simulated
(Calico's own network policies are a separate product; Mesos itself has none).

>>> nets = CNINetworks()
>>> nets.add("calico", "10.8.0.0/24")
>>> nets.address("calico", "web.instance-1"), nets.address("calico", "web.instance-2"), nets.address("calico", "web.instance-1")
('10.8.0.1', '10.8.0.2', '10.8.0.1')
"""
from __future__ import annotations

import ipaddress

from labsupport.core import LabError

__all__ = ["CNINetworks"]


class CNINetworks:
    """Named CNI networks and their IPAM: ``add(name, subnet)``, ``address(network, task_id)``."""

    def __init__(self) -> None:
        self.subnets: dict[str, ipaddress.IPv4Network] = {}
        self._hosts: dict[str, object] = {}
        self.assigned: dict[str, tuple[str, str]] = {}   # task id -> (network, ip)

    def add(self, name: str, subnet: str) -> None:
        if not isinstance(name, str) or not name or not name.replace("-", "").isalnum():
            raise LabError(f"name: a CNI network needs a name such as 'calico', got {name!r}")
        if name in self.subnets:
            raise LabError(f"name: CNI network {name!r} already exists")
        try:
            net = ipaddress.IPv4Network(subnet)
        except ValueError:
            raise LabError(f"subnet: {subnet!r} is not an IPv4 CIDR such as '10.8.0.0/16'") from None
        for other, o in sorted(self.subnets.items()):
            if net.overlaps(o):
                raise LabError(f"subnet: {subnet} overlaps network {other!r} ({o})")
        self.subnets[name] = net
        self._hosts[name] = net.hosts()

    def address(self, network: str, task_id: str) -> str | None:
        """The task's IP on ``network`` (assigned on first use), or None if the network is not configured."""
        if task_id in self.assigned:
            return self.assigned[task_id][1]
        if network not in self.subnets:
            return None
        ip = next(self._hosts[network], None)
        if ip is None:
            raise LabError(f"network {network!r}: IPAM pool {self.subnets[network]} is exhausted")
        self.assigned[task_id] = (network, str(ip))
        return str(ip)
