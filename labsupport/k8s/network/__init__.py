"""Kubernetes networking in the simulator: Services, kube-proxy, cluster DNS, Ingress/Gateway API, NetworkPolicy.

Each concept has its own small module; :mod:`.traffic` wires them into the requests a learner sends with
``cluster.request(...)`` / ``cluster.trace(...)``.

* :mod:`.services` -- NodePort allocation, LoadBalancer provisioning, ExternalName, Service type checks;
* :mod:`.kubeproxy` -- the iptables / ipvs / nftables modes: endpoint picks and the rules a node holds;
* :mod:`.dns` -- CoreDNS records and a Pod's resolver (search path, ndots:5);
* :mod:`.gateway` -- Ingress and Gateway API routing, Gateway API schema validation;
* :mod:`.networkpolicy` -- isolation and allow rules;
* :mod:`.traffic` -- one request, hop by hop; :mod:`.routing` -- its HTTP routing at a Gateway or Ingress.

>>> from labsupport.k8s.network import iptables_probabilities
>>> iptables_probabilities(3)
[0.3333333333, 0.5, 1.0]
"""
from labsupport.k8s.network.dns import DNSError, candidates, resolv_conf
from labsupport.k8s.network.kubeproxy import PROXY_MODES, iptables_probabilities, iptables_probability_strings
from labsupport.k8s.network.traffic import ClusterNetwork, ProxyModeDeprecationWarning

__all__ = ["ClusterNetwork", "DNSError", "PROXY_MODES", "ProxyModeDeprecationWarning", "candidates", "iptables_probabilities",
           "iptables_probability_strings", "resolv_conf"]
