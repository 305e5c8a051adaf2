"""Mesos networking in the simulator: host ports, Mesos-DNS, marathon-lb and CNI IP-per-container.

Mesos leaves networking to add-ons; each one has its own module, modelled on the real component:

* :mod:`.mesosdns` -- A and SRV records, refreshed every 60 s from the master's state;
* :mod:`.marathonlb` -- HAProxy frontends on Marathon service ports (``HAPROXY_GROUP``), virtual hosts;
* :mod:`.cni` -- named CNI networks with an IPAM pool (a container gets its own IP, as with Calico);
* :mod:`.traffic` -- one request from a datacenter host, hop by hop; :mod:`.api` -- the methods `mesos.Cluster` gets.

>>> from labsupport.mesos.network import last_refresh
>>> last_refresh(61)
60.0
"""
from labsupport.mesos.network.cni import CNINetworks
from labsupport.mesos.network.marathonlb import DEFAULT_GROUP, MARATHON_LB_IP, MarathonLB, exposed
from labsupport.mesos.network.mesosdns import REFRESH_SECONDS, MesosDNS, MesosDNSError, last_refresh
from labsupport.mesos.network.traffic import CellNetwork

__all__ = ["CNINetworks", "CellNetwork", "DEFAULT_GROUP", "MARATHON_LB_IP", "MarathonLB", "MesosDNS", "MesosDNSError",
           "REFRESH_SECONDS", "exposed", "last_refresh"]
