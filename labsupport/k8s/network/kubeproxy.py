"""kube-proxy in its three 1.37 modes: how a node picks the Pod behind a Service IP, and the rules it holds.

Every node runs kube-proxy, which watches Services and EndpointSlices and programs the node's kernel so
that a packet to ``ClusterIP:port`` is rewritten (DNAT) to one endpoint ``podIP:targetPort``. The three
modes (https://kubernetes.io/docs/reference/networking/virtual-ips/, Kubernetes 1.37):

* ``iptables`` (the default): chain ``KUBE-SERVICES`` jumps to one ``KUBE-SVC-<hash>`` chain per Service
  port, whose rules jump to one ``KUBE-SEP-<hash>`` chain per endpoint. Rule ``i`` of ``n`` matches with
  probability ``1/(n-i)`` (``-m statistic --mode random --probability``, printed with ten decimals as
  ``fmt.Sprintf("%0.10f", 1.0/float64(n))``), the last one unconditionally, so each endpoint gets 1/n
  (pkg/proxy/iptables/proxier.go: ``computeProbability``, ``writeServiceToEndpointRules``);
* ``ipvs``: one IPVS virtual server per Service port, real servers = endpoints, scheduler ``rr``
  (round robin, the default ``--ipvs-scheduler``); deprecated since 1.35;
* ``nftables`` (GA since 1.33): a ``service-ips`` verdict map leads to one chain per Service port holding
  ``numgen random mod n vmap { 0 : goto endpoint-..., ... }`` (pkg/proxy/nftables/proxier.go).

Chain names are computed as kube-proxy does: ``KUBE-SVC-`` + the first 16 base32 characters of
sha256(servicePortName + protocol) (``portProtoHash``); ``KUBE-SEP-`` hashes the endpoint ``ip:port``
too; nftables names are ``<8 hash chars>-<ns>/<name>/<proto>/<port>`` (``hashAndTruncate``).
Endpoints are ordered by their ``ip:port`` string (endpointslicecache.go sorts ``byEndpoint``). Only
``ready`` endpoints get new traffic; if none is ready, ``serving`` + ``terminating`` ones are used
(ProxyTerminatingEndpoints, GA in 1.28). ``sessionAffinity: ClientIP`` pins a client IP to its endpoint
for ``timeoutSeconds`` (default 10800: ``-m recent --rcheck --seconds 10800``).

Simplified: only TCP, one address family (IPv4), no masquerade/``KUBE-MARK-MASQ`` rules, no conntrack
(each simulated request is a new connection), no topology-aware hints.

>>> iptables_probabilities(3)
[0.3333333333, 0.5, 1.0]
>>> iptables_probability_strings(4)
['0.2500000000', '0.3333333333', '0.5000000000']
>>> svc_chain("default/web:http", "tcp")
'KUBE-SVC-CDGGSHYLG3RE2FKL'
"""
from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from labsupport.core import LabError, Table

__all__ = [
    "PROXY_MODES", "DEFAULT_AFFINITY_TIMEOUT", "Endpoint", "KubeProxy", "iptables_probabilities",
    "iptables_probability_strings", "svc_chain", "sep_chain", "nft_chain_base", "order_endpoints",
]

PROXY_MODES = ("iptables", "ipvs", "nftables")
#: ``sessionAffinityConfig.clientIP.timeoutSeconds`` default (3 hours).
DEFAULT_AFFINITY_TIMEOUT = 10800
IPVS_DEPRECATION = ("kube-proxy: the ipvs proxy mode is deprecated since Kubernetes 1.35 "
                    "(use nftables, GA since 1.33, or the default iptables)")


def _hash16(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def svc_chain(service_port_name: str, protocol: str = "tcp") -> str:
    """``KUBE-SVC-`` chain of a Service port; ``service_port_name`` is ``ns/name`` plus ``:port-name`` if named."""
    return "KUBE-SVC-" + _hash16(service_port_name + protocol)


def sep_chain(service_port_name: str, endpoint: str, protocol: str = "tcp") -> str:
    """``KUBE-SEP-`` chain of one endpoint (``ip:port``) of a Service port."""
    return "KUBE-SEP-" + _hash16(service_port_name + protocol + endpoint)


def nft_chain_base(namespace: str, name: str, port_name: str, protocol: str = "tcp", endpoint: str | None = None) -> str:
    """nftables chain suffix: ``HASH8-ns/name/proto/port`` (``__ip/port`` appended for an endpoint).

    >>> nft_chain_base("ns1", "svc1", "p80", endpoint="10.180.0.1:80")[8:]
    '-ns1/svc1/tcp/p80__10.180.0.1/80'
    """
    name_ = f"{namespace}/{name}/{protocol}/{port_name}"
    if endpoint is not None:
        ip, port = endpoint.rsplit(":", 1)
        name_ += f"__{ip}/{port}"
    h = base64.b32encode(hashlib.sha256(name_.encode()).digest()).decode()[:8]
    return f"{h}-{name_}"


def iptables_probability_strings(n: int) -> list[str]:
    """The ``--probability`` arguments of the first ``n-1`` rules of a ``KUBE-SVC`` chain (ten decimals)."""
    _check_n(n)
    return ["%0.10f" % (1.0 / (n - i)) for i in range(n - 1)]


def iptables_probabilities(n: int) -> list[float]:
    """Probability that rule ``i`` of ``n`` matches, given the earlier ones did not: ``1/(n-i)``, the last 1.0.

    Each endpoint ends up with ``1/n`` of the traffic: rule ``i`` is reached with probability
    ``(n-i)/n`` and then matches with ``1/(n-i)``.

    >>> iptables_probabilities(1), iptables_probabilities(2)
    ([1.0], [0.5, 1.0])
    """
    return [float(s) for s in iptables_probability_strings(n)] + [1.0]


def _check_n(n: object) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise LabError(f"n: the number of endpoints must be a whole number >= 1, got {n!r}")


@dataclass(frozen=True)
class Endpoint:
    """One endpoint kube-proxy can send to: the Pod, its IP and port, its node and conditions."""

    pod: str
    ip: str
    port: int
    node: str | None
    ready: bool = True
    serving: bool = True
    terminating: bool = False

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


def order_endpoints(endpoints: Sequence[Endpoint]) -> list[Endpoint]:
    """The endpoints kube-proxy would use, in its order (by the ``ip:port`` string).

    Ready ones; if none is ready, the serving and terminating ones.
    """
    ready = [e for e in endpoints if e.ready]
    if not ready:
        ready = [e for e in endpoints if e.serving and e.terminating]
    return sorted(ready, key=lambda e: e.address)


class KubeProxy:
    """One node's kube-proxy: picks an endpoint per new connection, with the node's own state (round robin, affinity)."""

    def __init__(self, node: str, mode: str, rng: random.Random) -> None:
        if mode not in PROXY_MODES:
            raise LabError(f"proxy_mode: must be one of {', '.join(map(repr, PROXY_MODES))}, got {mode!r}")
        self.node = node
        self.mode = mode
        self.rng = rng
        self._rr: dict[str, int] = {}
        self._affinity: dict[tuple[str, str], tuple[str, float]] = {}

    def pick(self, spn: str, endpoints: Sequence[Endpoint], client_ip: str, now: float,
             affinity_timeout: float | None = None) -> tuple[Endpoint, str]:
        """Choose the endpoint for one new connection; returns it and the rule that chose it (for traces)."""
        eps = list(endpoints)
        if affinity_timeout is not None:
            hit = self._affinity.get((spn, client_ip))
            if hit is not None and now - hit[1] <= affinity_timeout:
                for e in eps:
                    if e.address == hit[0]:
                        self._affinity[(spn, client_ip)] = (e.address, now)
                        return e, f"session affinity ClientIP: {client_ip} seen {now - hit[1]:g} s ago, same endpoint"
        n = len(eps)
        if self.mode == "iptables":
            chosen, why = n - 1, f"rule {n} of {n}: unconditional"
            for i, p in enumerate(iptables_probability_strings(n)):
                if self.rng.random() < float(p):
                    chosen, why = i, f"rule {i + 1} of {n}: matched --probability {p}"
                    break
        elif self.mode == "ipvs":
            key = spn
            chosen = self._rr.get(key, -1) + 1
            chosen %= n
            self._rr[key] = chosen
            why = f"ipvs rr: real server {chosen + 1} of {n} (round robin)"
        else:
            chosen = self.rng.randrange(n)
            why = f"numgen random mod {n} = {chosen}"
        e = eps[chosen]
        if affinity_timeout is not None:
            self._affinity[(spn, client_ip)] = (e.address, now)
        return e, why

    # ------------------------------------------------------------------ rules
    def rules(self, services: Sequence[dict]) -> Table:
        """The rules this node holds, one row per rule, for ``services`` as built by the cluster's network view.

        Each entry: ``spn`` (``ns/name:port``), ``namespace``, ``name``, ``port_name``, ``cluster_ip``, ``port``,
        ``node_port`` (or None), ``external_ips``, ``endpoints`` (ordered), ``affinity`` (seconds or None).
        """
        rows: list[dict] = []
        if self.mode == "iptables":
            self._iptables_rows(services, rows)
        elif self.mode == "ipvs":
            self._ipvs_rows(services, rows)
        else:
            self._nft_rows(services, rows)
        title = f"kube-proxy on {self.node} (mode {self.mode})"
        if self.mode == "ipvs":
            title += ": DEPRECATED since 1.35"
        return Table(["TABLE", "CHAIN", "RULE"], rows, title=title)

    @staticmethod
    def _iptables_rows(services: Sequence[dict], rows: list[dict]) -> None:
        def add(table: str, chain: str, rule: str) -> None:
            rows.append({"TABLE": table, "CHAIN": chain, "RULE": rule})

        for s in services:
            comment = f'"{s["spn"]}'
            chain = svc_chain(s["spn"])
            dests = [(s["cluster_ip"], s["port"], "cluster IP")] if s["cluster_ip"] else []
            dests += [(ip, s["port"], "loadbalancer IP") for ip in s["external_ips"]]
            for ip, port, what in dests:
                if s["endpoints"]:
                    add("nat", "KUBE-SERVICES", f"-d {ip}/32 -p tcp -m comment --comment {comment} {what}\" -m tcp --dport {port} -j {chain}")
                else:
                    add("filter", "KUBE-SERVICES", f"-d {ip}/32 -p tcp -m comment --comment {comment} has no endpoints\" -m tcp --dport {port} -j REJECT")
            if s["node_port"]:
                if s["endpoints"]:
                    add("nat", "KUBE-NODEPORTS", f"-p tcp -m comment --comment {comment}\" -m tcp --dport {s['node_port']} -j {chain}")
                else:
                    add("filter", "KUBE-EXTERNAL-SERVICES", f"-p tcp -m comment --comment {comment} has no endpoints\" -m addrtype --dst-type LOCAL -m tcp --dport {s['node_port']} -j REJECT")
            eps = s["endpoints"]
            n = len(eps)
            if s["affinity"] is not None:
                for e in eps:
                    sep = sep_chain(s["spn"], e.address)
                    add("nat", chain, f"-m comment --comment {comment} -> {e.address}\" -m recent --name {sep} --mask 255.255.255.255 --rsource --rcheck --seconds {s['affinity']:g} --reap -j {sep}")
            probs = iptables_probability_strings(n) if n else []
            for i, e in enumerate(eps):
                sep = sep_chain(s["spn"], e.address)
                stat = f" -m statistic --mode random --probability {probs[i]}" if i < n - 1 else ""
                add("nat", chain, f"-m comment --comment {comment} -> {e.address}\"{stat} -j {sep}")
            for e in eps:
                sep = sep_chain(s["spn"], e.address)
                recent = f" -m recent --name {sep} --mask 255.255.255.255 --rsource --set" if s["affinity"] is not None else ""
                add("nat", sep, f"-p tcp -m comment --comment {comment}\" -m tcp{recent} -j DNAT --to-destination {e.address}")

    @staticmethod
    def _ipvs_rows(services: Sequence[dict], rows: list[dict]) -> None:
        for s in services:
            vips = ([s["cluster_ip"]] if s["cluster_ip"] else []) + list(s["external_ips"])
            persist = f" persistent {s['affinity']:g}" if s["affinity"] is not None else ""
            for vip in vips + (["<node IPs>"] if s["node_port"] else []):
                port = s["node_port"] if vip == "<node IPs>" else s["port"]
                rows.append({"TABLE": "ipvs", "CHAIN": f"TCP {vip}:{port}", "RULE": f"rr{persist}"})
                for e in s["endpoints"]:
                    rows.append({"TABLE": "ipvs", "CHAIN": f"TCP {vip}:{port}", "RULE": f"-> {e.address}  Masq  weight 1"})

    @staticmethod
    def _nft_rows(services: Sequence[dict], rows: list[dict]) -> None:
        for s in services:
            base = nft_chain_base(s["namespace"], s["name"], s["port_name"])
            target = f"goto service-{base}" if s["endpoints"] else "goto reject-chain"
            for ip in ([s["cluster_ip"]] if s["cluster_ip"] else []) + list(s["external_ips"]):
                mapname = "service-ips" if s["endpoints"] else "no-endpoint-services"
                rows.append({"TABLE": "ip kube-proxy", "CHAIN": f"map {mapname}", "RULE": f"{ip} . tcp . {s['port']} : {target}"})
            if s["node_port"]:
                mapname = "service-nodeports" if s["endpoints"] else "no-endpoint-nodeports"
                rows.append({"TABLE": "ip kube-proxy", "CHAIN": f"map {mapname}", "RULE": f"tcp . {s['node_port']} : {target}"})
            eps = s["endpoints"]
            if not eps:
                continue
            chain = f"service-{base}"
            if s["affinity"] is not None:
                for e in eps:
                    eb = nft_chain_base(s["namespace"], s["name"], s["port_name"], endpoint=e.address)
                    rows.append({"TABLE": "ip kube-proxy", "CHAIN": chain,
                                 "RULE": f"ip saddr @affinity-{eb} goto endpoint-{eb}"})
            vmap = ", ".join(f"{i} : goto endpoint-{nft_chain_base(s['namespace'], s['name'], s['port_name'], endpoint=e.address)}"
                             for i, e in enumerate(eps))
            rows.append({"TABLE": "ip kube-proxy", "CHAIN": chain, "RULE": f"numgen random mod {len(eps)} vmap {{ {vmap} }}"})
            for e in eps:
                eb = nft_chain_base(s["namespace"], s["name"], s["port_name"], endpoint=e.address)
                upd = f"update @affinity-{eb} {{ ip saddr }} " if s["affinity"] is not None else ""
                rows.append({"TABLE": "ip kube-proxy", "CHAIN": f"endpoint-{eb}", "RULE": f"{upd}meta l4proto tcp dnat to {e.address}"})
