"""NetworkPolicy (networking.k8s.io/v1): which connections between Pods are allowed.

Semantics from https://kubernetes.io/docs/concepts/services-networking/network-policies/ (1.37):

* a Pod is *isolated for ingress* once any NetworkPolicy in its namespace selects it (``spec.podSelector``)
  and has ``Ingress`` in ``policyTypes``; likewise for egress. A Pod no policy selects for a direction
  allows everything in that direction;
* policies are additive: a connection is allowed if *any* policy that selects the Pod for that direction
  has a rule allowing it; there are no deny rules;
* a connection from Pod A to Pod B needs both A's egress and B's ingress to allow it;
* ``policyTypes`` defaults to ``["Ingress"]``, plus ``"Egress"`` when the policy has egress rules;
* a peer is ``podSelector`` (Pods in the policy's namespace), ``namespaceSelector`` (all Pods of the
  selected namespaces), both in one element (Pods matching the podSelector *in* those namespaces), or
  ``ipBlock`` (``cidr`` minus ``except``); an empty ``from``/``to`` list matches every peer, an empty
  ``ports`` list every port; a port can be a number (with ``endPort`` for a range) or a named container port;
* every namespace carries the immutable label ``kubernetes.io/metadata.name``.

Simplified: rules are evaluated per simulated connection (no conntrack; replies are always allowed, as
real plugins allow established traffic); ``ipBlock`` is matched against Pod IPs too (the docs leave that
implementation-defined); only TCP and UDP.

>>> deny = {"metadata": {"name": "deny", "namespace": "default"}, "spec": {"podSelector": {}}}
>>> policy_types(deny["spec"]), policy_types({"egress": [{}]})
(['Ingress'], ['Ingress', 'Egress'])
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from labsupport.k8s.objects import selector_matches

__all__ = ["Peer", "policy_types", "selects", "direction_allows", "NAMESPACE_NAME_LABEL", "networkpolicy_problems"]

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Peer:
    """One end of a connection: a Pod (namespace, labels, IP, named container ports) or an outside IP."""

    ip: str
    namespace: str | None = None
    labels: Mapping[str, str] | None = None
    name: str | None = None
    named_ports: Mapping[str, int] | None = None

    @property
    def is_pod(self) -> bool:
        return self.namespace is not None


def policy_types(spec: Mapping) -> list[str]:
    """``spec.policyTypes`` or its default (``Ingress``, plus ``Egress`` if there are egress rules)."""
    if spec.get("policyTypes"):
        return list(spec["policyTypes"])
    return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


def selects(policy: Mapping, pod: Peer, direction: str) -> bool:
    """Does ``policy`` select ``pod`` for ``direction`` (``"Ingress"`` or ``"Egress"``)?"""
    return (pod.is_pod and policy["metadata"].get("namespace", "default") == pod.namespace
            and direction in policy_types(policy["spec"]) and selector_matches(policy["spec"].get("podSelector"), pod.labels))


def _peer_matches(rule_peer: Mapping, policy_ns: str, other: Peer, ns_labels: Mapping[str, Mapping[str, str]]) -> bool:
    if "ipBlock" in rule_peer:
        block = rule_peer["ipBlock"]
        addr = ipaddress.ip_address(other.ip)
        if addr not in ipaddress.ip_network(block["cidr"], strict=False):
            return False
        return not any(addr in ipaddress.ip_network(x, strict=False) for x in block.get("except") or ())
    if not other.is_pod:
        return False
    pod_sel, ns_sel = rule_peer.get("podSelector"), rule_peer.get("namespaceSelector")
    if ns_sel is None:
        return other.namespace == policy_ns and selector_matches(pod_sel, other.labels)
    labels = {**(ns_labels.get(other.namespace) or {}), NAMESPACE_NAME_LABEL: other.namespace}
    return selector_matches(ns_sel, labels) and (pod_sel is None or selector_matches(pod_sel, other.labels))


def _port_matches(rule_ports: Sequence[Mapping] | None, port: int, protocol: str, target: Peer) -> bool:
    if not rule_ports:
        return True
    for p in rule_ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        want = p.get("port")
        if want is None:
            return True
        if isinstance(want, str):
            if (target.named_ports or {}).get(want) == port:
                return True
            continue
        if want <= port <= (p.get("endPort") or want):
            return True
    return False


def direction_allows(policies: Sequence[Mapping], pod: Peer, other: Peer, direction: str, port: int, protocol: str,
                     ns_labels: Mapping[str, Mapping[str, str]], target: Peer) -> tuple[bool, str]:
    """Is ``pod``'s traffic in ``direction`` with ``other`` allowed? Returns (allowed, reason naming the policy).

    ``target`` is the destination Pod (named ports are looked up on it).
    """
    selecting = [p for p in policies if selects(p, pod, direction)]
    if not selecting:
        return True, f"no NetworkPolicy selects {pod.name} for {direction.lower()}: not isolated"
    key = "ingress" if direction == "Ingress" else "egress"
    peers_key = "from" if direction == "Ingress" else "to"
    for pol in selecting:
        pns = pol["metadata"].get("namespace", "default")
        for i, rule in enumerate(pol["spec"].get(key) or ()):
            peers = rule.get(peers_key)
            if peers and not any(_peer_matches(rp, pns, other, ns_labels) for rp in peers):
                continue
            if not _port_matches(rule.get("ports"), port, protocol, target):
                continue
            return True, f"allowed by NetworkPolicy {pns}/{pol['metadata']['name']} {key}[{i}]"
    names = ", ".join(f"{p['metadata'].get('namespace', 'default')}/{p['metadata']['name']}" for p in selecting)
    return False, f"{direction.lower()} of {pod.name} isolated by {names}: no rule allows {other.name or other.ip} on {protocol}/{port}"


def networkpolicy_problems(obj: Mapping) -> list[str]:
    """Semantic checks the API server makes (pkg/apis/networking/validation), beyond the schema."""
    spec = obj.get("spec") or {}
    out = []
    for t in spec.get("policyTypes") or ():
        if t not in ("Ingress", "Egress"):
            out.append(f"spec.policyTypes: Unsupported value: {t!r}: supported values: 'Ingress', 'Egress'")
    for key, peers_key in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(key) or ()):
            for j, peer in enumerate(rule.get(peers_key) or ()):
                where = f"spec.{key}[{i}].{peers_key}[{j}]"
                kinds = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if k in peer]
                if not kinds:
                    out.append(f"{where}: Required value: must specify a podSelector, namespaceSelector or ipBlock")
                if "ipBlock" in peer and len(kinds) > 1:
                    out.append(f"{where}: Forbidden: may not specify more than 1 peer type when ipBlock is set")
                block = peer.get("ipBlock")
                if block:
                    try:
                        net = ipaddress.ip_network(block.get("cidr", ""), strict=False)
                    except ValueError:
                        out.append(f"{where}.ipBlock.cidr: Invalid value: {block.get('cidr')!r}: must be a valid CIDR such as '10.0.0.0/16'")
                        continue
                    for k, x in enumerate(block.get("except") or ()):
                        try:
                            sub = ipaddress.ip_network(x, strict=False)
                        except ValueError:
                            out.append(f"{where}.ipBlock.except[{k}]: Invalid value: {x!r}: must be a valid CIDR")
                            continue
                        if not sub.subnet_of(net) or sub == net:
                            out.append(f"{where}.ipBlock.except[{k}]: Invalid value: {x!r}: must be a strict subset of `cidr` {block['cidr']}")
            for j, p in enumerate(rule.get("ports") or ()):
                where = f"spec.{key}[{i}].ports[{j}]"
                if p.get("protocol", "TCP") not in ("TCP", "UDP", "SCTP"):
                    out.append(f"{where}.protocol: Unsupported value: {p['protocol']!r}: supported values: 'TCP', 'UDP', 'SCTP'")
                port, end = p.get("port"), p.get("endPort")
                if isinstance(port, int) and not 1 <= port <= 65535:
                    out.append(f"{where}.port: Invalid value: {port}: must be between 1 and 65535, inclusive")
                if end is not None:
                    if not isinstance(port, int):
                        out.append(f"{where}.endPort: Invalid value: {end}: may not be set when port is not a number")
                    elif end < port:
                        out.append(f"{where}.endPort: Invalid value: {end}: must be greater than or equal to `port`")
    return out
