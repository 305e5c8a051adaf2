"""What the scheduler reads from a Pod dict, parsed once: requests, tolerations, affinity, spread constraints.

Also the matching rules it needs: label selectors (``metav1.LabelSelector``), node
selector terms (``component-helpers/scheduling/corev1/nodeaffinity``) and taint
tolerations (``ToleratesTaint``, ``k8s.io/api/core/v1/toleration.go``).

>>> pi = PodInfo.from_dict({"metadata": {"name": "web", "labels": {"app": "web"}},
...                         "spec": {"containers": [{"resources": {"requests": {"cpu": "250m"}}}]}})
>>> pi.key, pi.requests, pi.nonzero_requests
(('default', 'web'), (250, 0), (250, 209715200))
>>> selector_matches({"matchLabels": {"app": "web"}}, pi.labels)
True
"""
from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from labsupport.k8s import objects
from labsupport.k8s.extended_resources import scalar_requests
from labsupport.k8s.quantity import pod_requests
from labsupport.k8s.scheduler import fastpath

__all__ = [
    "PodInfo",
    "DEFAULT_MILLI_CPU_REQUEST",
    "DEFAULT_MEMORY_REQUEST",
    "selector_matches",
    "node_selector_term_matches",
    "node_selector_term_valid",
    "node_matches_required_affinity",
    "toleration_tolerates",
    "tolerates_all",
    "LABEL_HOSTNAME",
    "LABEL_ZONE",
]

#: Non-zero defaults used for SCORING only (pkg/scheduler/util/pod_resources.go):
#: a container with no cpu / memory request counts as 100m / 200Mi.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ZONE = "topology.kubernetes.io/zone"


def selector_matches(selector: Mapping | None, labels: Mapping[str, str]) -> bool:
    """``metav1.LabelSelector`` semantics: matchLabels AND matchExpressions; ``{}`` matches all, None matches nothing.

    >>> selector_matches({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}, {"tier": "web"})
    True
    >>> selector_matches(None, {"a": "b"}), selector_matches({}, {"a": "b"})
    (False, True)
    """
    if selector is None:
        return False
    return objects.selector_matches(selector, labels)


def _requirement_matches(e: Mapping, value: str | None) -> bool:
    op, values = e["operator"], e.get("values") or ()
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt"):
        try:
            a, b = int(value), int(values[0])  # type: ignore[arg-type]
        except (TypeError, ValueError, IndexError):
            return False
        return a > b if op == "Gt" else a < b
    return False


_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _valid_label_key(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return False
    return len(name) <= 63 and bool(_LABEL_NAME.match(name))


@functools.lru_cache(maxsize=4096)
def _requirement_valid(key: str, op: str, values: tuple, field: bool) -> bool:
    if field:  # nodeSelectorRequirementsAsFieldSelector: metadata.name, In/NotIn with exactly one value
        return key == "metadata.name" and op in ("In", "NotIn") and len(values) == 1
    if not _valid_label_key(key):
        return False
    if op in ("In", "NotIn"):
        ok = len(values) > 0
    elif op in ("Exists", "DoesNotExist"):
        ok = len(values) == 0
    elif op in ("Gt", "Lt"):
        ok = len(values) == 1 and bool(re.fullmatch(r"[+-]?\d+", str(values[0])))
    else:
        ok = False
    return ok and all(isinstance(v, str) and len(v) <= 63 and _LABEL_VALUE.match(v) for v in values)


def node_selector_term_valid(term: Mapping) -> bool:
    """Would ``labels.NewRequirement`` accept every expression of the term? (valid keys, label values, value counts)

    kube-scheduler parses a term into a selector first; a term that does not parse matches no node
    (``component-helpers/scheduling/corev1/nodeaffinity``; TestNodeAffinity "Pod with an invalid value in
    Affinity term won't be scheduled onto the node"). The API server does not check these values.

    >>> node_selector_term_valid({"matchExpressions": [{"key": "foo", "operator": "In", "values": ["invalid value: ___@#$%^"]}]})
    False
    """
    for e in term.get("matchExpressions") or ():
        if not _requirement_valid(str(e.get("key", "")), str(e.get("operator", "")), tuple(e.get("values") or ()), False):
            return False
    for e in term.get("matchFields") or ():
        if not _requirement_valid(str(e.get("key", "")), str(e.get("operator", "")), tuple(e.get("values") or ()), True):
            return False
    return True


def node_selector_term_matches(term: Mapping, node_name: str, node_labels: Mapping[str, str]) -> bool:
    """One ``NodeSelectorTerm``: all matchExpressions (labels) and matchFields (``metadata.name``) hold; empty matches nothing.

    A term that is not a valid selector (see :func:`node_selector_term_valid`) matches nothing.

    >>> node_selector_term_matches({"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]},
    ...                            "n1", {"disk": "ssd"})
    True
    >>> node_selector_term_matches({}, "n1", {})
    False
    """
    exprs, fields = term.get("matchExpressions") or (), term.get("matchFields") or ()
    if not exprs and not fields:
        return False
    if not node_selector_term_valid(term):
        return False
    for e in exprs:
        if not _requirement_matches(e, node_labels.get(e["key"])):
            return False
    for e in fields:
        if e["key"] != "metadata.name" or not _requirement_matches(e, node_name):
            return False
    return True


def node_matches_required_affinity(pod: PodInfo, node_name: str, node_labels: Mapping[str, str]) -> bool:
    """``nodeSelector`` (every pair) AND at least one required node-affinity term (terms are ORed)."""
    for k, v in pod.node_selector.items():
        if node_labels.get(k) != v:
            return False
    if pod.required_node_terms is not None:
        return any(node_selector_term_matches(t, node_name, node_labels) for t in pod.required_node_terms)
    return True


def toleration_tolerates(tol: Mapping, taint: Mapping) -> bool:
    """``Toleration.ToleratesTaint``: effect (empty = all), key (empty + Exists = all keys), Equal/Exists value check.

    >>> toleration_tolerates({"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
    ...                      {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"})
    True
    >>> toleration_tolerates({"operator": "Exists"}, {"key": "anything", "effect": "NoExecute"})
    True
    """
    effect = tol.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = tol.get("key") or ""
    if key and key != taint.get("key"):
        return False
    op = tol.get("operator") or "Equal"
    if op == "Exists":
        return True
    if op == "Equal":
        return (tol.get("value") or "") == (taint.get("value") or "")
    return False


def tolerates_all(tolerations: Sequence[Mapping], taint: Mapping) -> bool:
    """True if any toleration tolerates ``taint`` (``TolerationsTolerateTaint``)."""
    return any(toleration_tolerates(t, taint) for t in tolerations)


def _nonzero(pod: Mapping) -> tuple[int, int]:
    """Like :func:`pod_requests` but a container without a cpu/memory request counts 100m/200Mi (scoring only)."""
    spec = pod.get("spec") or {}

    def fill(cs):
        out = []
        for c in cs or ():
            res = c.get("resources") or {}
            req = dict(res.get("requests") or {})
            lim = res.get("limits") or {}
            if "cpu" not in req and "cpu" not in lim:
                req["cpu"] = f"{DEFAULT_MILLI_CPU_REQUEST}m"
            if "memory" not in req and "memory" not in lim:
                req["memory"] = str(DEFAULT_MEMORY_REQUEST)
            out.append({**c, "resources": {**res, "requests": req}})
        return out

    r = pod_requests({"spec": {**spec, "containers": fill(spec.get("containers")), "initContainers": fill(spec.get("initContainers"))}})
    return r["cpu"], r["memory"]


def _host_ports(spec: Mapping) -> tuple:
    """``(hostIP, protocol, hostPort)`` wanted by the containers (and restartable init containers), as in NodePorts."""
    out = []
    sidecars = [c for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always"]
    for c in list(spec.get("containers") or ()) + sidecars:
        for p in c.get("ports") or ():
            if p.get("hostPort"):
                out.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", int(p["hostPort"])))
    return tuple(out)


_REQ_CACHE: dict[Any, tuple[tuple[int, int], tuple[int, int], tuple]] = {}
_EMPTY: dict = {}
_NONE: tuple = ()


def _requests_key(spec: Mapping) -> str:
    return repr((spec.get("containers"), spec.get("initContainers"), spec.get("overhead")))


@dataclass(slots=True)
class PodInfo:
    """The scheduler's parsed view of one Pod (``framework.PodInfo``).

    Lists and dicts are shared with the Pod dict, not copied (one Pod costs few objects,
    which keeps Python's garbage collector fast on 150,000-Pod clusters); treat them as read-only.
    """

    namespace: str
    name: str
    uid: str
    labels: dict
    priority: int
    requests: tuple[int, int]            # (millicores, bytes) actual effective requests
    nonzero_requests: tuple[int, int]    # with the 100m / 200Mi defaults, for scoring
    tolerations: list = field(default_factory=list)
    node_selector: dict = field(default_factory=dict)
    required_node_terms: list | None = None
    preferred_node_terms: list = field(default_factory=list)
    pod_affinity_required: list = field(default_factory=list)
    pod_affinity_preferred: list = field(default_factory=list)
    pod_anti_affinity_required: list = field(default_factory=list)
    pod_anti_affinity_preferred: list = field(default_factory=list)
    spread_constraints: list = field(default_factory=list)
    owner_uid: str | None = None
    owner_kind: str | None = None
    scheduler_name: str = "default-scheduler"
    node_name: str | None = None
    nominated_node_name: str | None = None
    preemption_policy: str = "PreemptLowerPriority"
    creation_time: float = 0.0
    start_time: float = 0.0
    terminating: bool = False
    #: effective requests of extended resources, hugepages and ephemeral-storage: sorted (name, amount)
    scalar_requests: tuple = ()
    _signature: tuple | None = None
    #: label-group key the cache counted this Pod under (labels may change in place later)
    group: tuple | None = None
    #: (hostIP, protocol, hostPort) of every container port with a hostPort
    host_ports: tuple = ()

    @property
    def key(self) -> tuple[str, str]:
        """``(namespace, name)``."""
        return (self.namespace, self.name)

    @property
    def signature(self) -> tuple:
        """Everything the plugins read from the Pod except its name: Pods with equal signatures
        (replicas of one template) get the same Filter verdicts and scores on the same cluster."""
        sig = self._signature
        if sig is None:
            sig = self._signature = (
                self.namespace, frozenset(self.labels.items()), self.priority, self.requests, self.nonzero_requests,
                self.scalar_requests,
                repr((self.tolerations, self.node_selector, self.required_node_terms, self.preferred_node_terms,
                      self.pod_affinity_required, self.pod_affinity_preferred, self.pod_anti_affinity_required,
                      self.pod_anti_affinity_preferred, self.spread_constraints, self.host_ports)),
                self.scheduler_name, self.preemption_policy)
        return sig

    @property
    def has_affinity_terms(self) -> bool:
        """Does the Pod carry any (anti-)affinity term (``NodeInfo.PodsWithAffinity``)."""
        return bool(self.pod_affinity_required or self.pod_affinity_preferred
                    or self.pod_anti_affinity_required or self.pod_anti_affinity_preferred)

    @classmethod
    def from_dict(cls, pod: Mapping) -> PodInfo:
        """Parse a Pod dict (API JSON form)."""
        meta = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        status = pod.get("status") or {}
        def parse() -> tuple:
            r = pod_requests(pod)
            return (r["cpu"], r["memory"]), _nonzero(pod), scalar_requests(spec)

        # fast path k8s.plugin_memos: Pods stamped from one template parse to the same requests
        cached = fastpath.remembered(_REQ_CACHE, _requests_key(spec), parse, limit=10_000)
        aff = spec.get("affinity") or {}
        na = aff.get("nodeAffinity") or {}
        required = (na.get("requiredDuringSchedulingIgnoredDuringExecution") or {})
        pa = aff.get("podAffinity") or {}
        paa = aff.get("podAntiAffinity") or {}
        owners = meta.get("ownerReferences") or ()
        created = float(meta.get("creationTimestamp") or 0.0)
        start = status.get("startTime")
        return cls(
            namespace=meta.get("namespace") or "default",
            name=meta.get("name", ""),
            uid=meta.get("uid", ""),
            labels=meta.get("labels") or _EMPTY,
            priority=int(spec.get("priority") or 0),
            requests=cached[0],
            nonzero_requests=cached[1],
            scalar_requests=cached[2],
            tolerations=spec.get("tolerations") or _NONE,
            node_selector=spec.get("nodeSelector") or _EMPTY,
            required_node_terms=(required.get("nodeSelectorTerms") or _NONE) if required else None,
            preferred_node_terms=na.get("preferredDuringSchedulingIgnoredDuringExecution") or _NONE,
            pod_affinity_required=pa.get("requiredDuringSchedulingIgnoredDuringExecution") or _NONE,
            pod_affinity_preferred=pa.get("preferredDuringSchedulingIgnoredDuringExecution") or _NONE,
            pod_anti_affinity_required=paa.get("requiredDuringSchedulingIgnoredDuringExecution") or _NONE,
            pod_anti_affinity_preferred=paa.get("preferredDuringSchedulingIgnoredDuringExecution") or _NONE,
            spread_constraints=spec.get("topologySpreadConstraints") or _NONE,
            owner_uid=owners[0].get("uid") if owners else None,
            owner_kind=owners[0].get("kind") if owners else None,
            scheduler_name=spec.get("schedulerName") or "default-scheduler",
            node_name=spec.get("nodeName") or None,
            nominated_node_name=status.get("nominatedNodeName") or None,
            preemption_policy=spec.get("preemptionPolicy") or "PreemptLowerPriority",
            creation_time=created,
            start_time=float(start) if isinstance(start, (int, float)) else created,
            host_ports=_host_ports(spec),
            terminating=meta.get("deletionTimestamp") is not None,
        )
