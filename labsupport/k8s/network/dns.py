"""Cluster DNS as CoreDNS's ``kubernetes`` plugin answers it, and a Pod's resolver (resolv.conf search path, ndots:5).

Records (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/ and
https://github.com/kubernetes/dns/blob/master/docs/specification.md, version 1.1.0):

* ``<svc>.<ns>.svc.cluster.local`` A: the ClusterIP; for a headless Service (``clusterIP: None``) the IPs
  of its ready endpoints (all of them with ``publishNotReadyAddresses: true``);
* ``<host>.<svc>.<ns>.svc.cluster.local`` A, headless only: one per endpoint; ``<host>`` is the Pod's
  ``spec.hostname`` when its ``spec.subdomain`` names the Service, else the IP with dashes (``10-244-0-5``);
* ``_<port>._<proto>.<svc>.<ns>.svc.cluster.local`` SRV, for each *named* port:
  ``0 100 <port> <svc>.<ns>.svc.cluster.local.``; headless: one per endpoint, weight 100/count;
* ExternalName Services: a CNAME to ``spec.externalName``;
* ``<a-b-c-d>.<ns>.pod.cluster.local`` A for Pods (CoreDNS ``pods insecure``, kubeadm's default Corefile).

A Pod with ``dnsPolicy: ClusterFirst`` gets this resolv.conf (kubelet, pkg/kubelet/network/dns)::

    search <ns>.svc.cluster.local svc.cluster.local cluster.local
    nameserver 10.96.0.10
    options ndots:5

so its resolver (glibc ``res_search``) tries a name with fewer than 5 dots with each search suffix first
and as written last; a name with 5 or more dots, as written first; a name ending in ``.`` only as written.
That is why ``web``, ``web.other`` and ``web.other.svc.cluster.local`` all work from a Pod.
Names outside the cluster domain have no upstream here, except host names that an Ingress rule or an
HTTPRoute attached to a Gateway claims: they resolve to its address, as external-dns would publish them.

>>> candidates("web", "default")
['web.default.svc.cluster.local', 'web.svc.cluster.local', 'web.cluster.local', 'web']
>>> candidates("web.other.svc.cluster.local", "default")[0]
'web.other.svc.cluster.local.default.svc.cluster.local'
>>> candidates("a.b.c.d.e.f", "default")[0], candidates("web.", "default")
('a.b.c.d.e.f', ['web'])
"""
from __future__ import annotations

from collections.abc import Callable

from labsupport.core import LabError

__all__ = ["CLUSTER_DOMAIN", "DNS_SERVICE_IP", "NDOTS", "DNSError", "candidates", "resolv_conf", "search_path", "RECORD_TYPES",
           "ClusterDNS", "dashed"]

CLUSTER_DOMAIN = "cluster.local"
#: kubeadm's kube-dns Service IP (the tenth address of 10.96.0.0/12); the kubelet's ``clusterDNS``.
DNS_SERVICE_IP = "10.96.0.10"
NDOTS = 5
RECORD_TYPES = ("A", "SRV", "CNAME")


class DNSError(LabError):
    """A name did not resolve (NXDOMAIN for every name the resolver tried)."""


def search_path(namespace: str, domain: str = CLUSTER_DOMAIN) -> list[str]:
    """The ``search`` line of a ClusterFirst Pod's resolv.conf."""
    return [f"{namespace}.svc.{domain}", f"svc.{domain}", domain]


def resolv_conf(namespace: str, domain: str = CLUSTER_DOMAIN) -> str:
    """The resolv.conf the kubelet writes into a ``dnsPolicy: ClusterFirst`` Pod."""
    return f"search {' '.join(search_path(namespace, domain))}\nnameserver {DNS_SERVICE_IP}\noptions ndots:{NDOTS}\n"


def candidates(name: str, namespace: str, domain: str = CLUSTER_DOMAIN, ndots: int = NDOTS) -> list[str]:
    """The names the Pod's resolver asks for, in order (glibc ``res_search`` with ``ndots``)."""
    if name.endswith("."):
        return [name[:-1]]
    searched = [f"{name}.{s}" for s in search_path(namespace, domain)]
    return [name] + searched if name.count(".") >= ndots else searched + [name]


def dashed(ip: str) -> str:
    """``10.244.0.5`` -> ``10-244-0-5``."""
    return ip.replace(".", "-")


class ClusterDNS:
    """CoreDNS's answers, computed from the API objects at query time (CoreDNS watches them).

    ``endpoints(ns, svc)`` returns (pod dict, ready) pairs; ``external(name)`` returns an address for
    names outside the cluster domain, or None.
    """

    def __init__(self, store, endpoints: Callable[[str, str], list], external: Callable[[str], str | None],
                 domain: str = CLUSTER_DOMAIN) -> None:
        self.store, self._endpoints, self._external, self.domain = store, endpoints, external, domain

    def lookup(self, fqdn: str, record: str) -> list[str] | None:
        """Answers for one fully qualified name, or None for NXDOMAIN. A queries follow a CNAME."""
        fqdn = fqdn.lower().rstrip(".")
        suffix = "." + self.domain
        if not fqdn.endswith(suffix):
            ext = self._external(fqdn)
            return None if ext is None else ([ext] if record == "A" else [])
        labels = fqdn[: -len(suffix)].split(".")
        if len(labels) == 3 and labels[2] == "pod" and record == "A":
            ip = labels[0].replace("-", ".")
            pods = [p for p in self.store.list("Pod", labels[1]) if (p.get("status") or {}).get("podIP") == ip]
            return [ip] if pods else None
        if len(labels) >= 3 and labels[-1] == "svc":
            return self._service(labels[:-1], record)
        return None

    def _service(self, labels: list[str], record: str) -> list[str] | None:
        if record == "SRV" and len(labels) == 4 and labels[0].startswith("_") and labels[1].startswith("_"):
            port_name, proto, svc_name, ns = labels[0][1:], labels[1][1:], labels[2], labels[3]
            svc = self.store.get("Service", ns, svc_name)
            if svc is None:
                return None
            ports = [p for p in svc["spec"].get("ports") or () if p.get("name") == port_name and p.get("protocol", "TCP").lower() == proto]
            if not ports:
                return None
            port = ports[0]["port"]
            target = f"{svc_name}.{ns}.svc.{self.domain}."
            if svc["spec"].get("clusterIP") != "None":
                return [f"0 100 {port} {target}"]
            hosts = self._headless_hosts(svc)
            if not hosts:
                return None
            weight = 100 // len(hosts)
            tport = ports[0].get("targetPort", port)
            return [f"0 {weight} {tport if isinstance(tport, int) else port} {h}.{target}" for h, _ in hosts]
        if len(labels) == 2:
            svc_name, ns = labels
            svc = self.store.get("Service", ns, svc_name)
            if svc is None:
                return None
            spec = svc["spec"]
            if spec.get("type") == "ExternalName":
                target = spec["externalName"].rstrip(".")
                if record == "CNAME":
                    return [target + "."]
                if record == "A":
                    return self.lookup(target, "A") or []
                return []
            if record != "A":
                return [] if record == "CNAME" else None
            if spec.get("clusterIP") != "None":
                return [spec["clusterIP"]]
            return [ip for _, ip in self._headless_hosts(svc)]
        if len(labels) == 3 and record == "A":
            host, svc_name, ns = labels
            svc = self.store.get("Service", ns, svc_name)
            if svc is None or svc["spec"].get("clusterIP") != "None":
                return None
            ips = [ip for h, ip in self._headless_hosts(svc) if h == host]
            return ips or None
        return None

    def _headless_hosts(self, svc: dict) -> list[tuple[str, str]]:
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        publish = svc["spec"].get("publishNotReadyAddresses", False)
        out = []
        for pod, ready in self._endpoints(ns, name):
            ip = pod["status"]["podIP"]
            if not ready and not publish:
                continue
            spec = pod["spec"]
            host = spec.get("hostname") if spec.get("hostname") and spec.get("subdomain") == name else dashed(ip)
            out.append((host, ip))
        return sorted(out, key=lambda hi: hi[1])

    def resolve(self, name: str, namespace: str, record: str = "A") -> tuple[list[str], list[str]]:
        """Resolve ``name`` as a Pod in ``namespace`` would; returns (answers, names tried). Raises :class:`DNSError`."""
        if record not in RECORD_TYPES:
            raise LabError(f"record: must be one of {', '.join(map(repr, RECORD_TYPES))}, got {record!r}")
        if not isinstance(name, str) or not name or " " in name:
            raise LabError(f"name: must be a DNS name such as 'web' or 'web.default.svc.cluster.local', got {name!r}")
        tried = []
        for fqdn in candidates(name.lower(), namespace, self.domain):
            tried.append(fqdn)
            answers = self.lookup(fqdn, record)
            if answers is not None:
                if not answers:
                    raise DNSError(f"{name}: {fqdn} exists but has no {record} record")
                return answers, tried
        raise DNSError(f"{name}: NXDOMAIN (no such name); the resolver tried {', '.join(tried)}")
