"""InterPodAffinity: required (anti-)affinity as a Filter, preferred terms as a Score.

Source: ``interpodaffinity/filtering.go`` and ``scoring.go``. A term's Pods are those
in the term's ``namespaces`` (default: the Pod's own namespace; an empty
``namespaceSelector: {}`` means all namespaces) whose labels match its
``labelSelector``; a term holds on a node when such a Pod runs anywhere in the node's
``topologyKey`` domain.

Filter, in this order:

1. every required podAffinity term must hold (UnschedulableAndUnresolvable,
   "node(s) didn't match pod affinity rules"), counting only Pods that match all the terms -- unless no Pod anywhere matches the
   terms and the Pod matches them itself (the first Pod of a group may land anywhere);
2. no required podAntiAffinity term may hold (Unschedulable,
   "node(s) didn't match pod anti-affinity rules");
3. no existing Pod's required anti-affinity term may match this Pod within that Pod's
   domain (Unschedulable, "node(s) didn't satisfy existing pods anti-affinity rules").

Pods count whether or not they are terminating: kube-scheduler walks ``nodeInfo.Pods``, which
still holds a Pod after its deletionTimestamp is set until it is gone (kubernetes issue #111793;
the change to skip them was closed unmerged). So right after a delete, a replacement Pod with
required anti-affinity is still kept off the node the old Pod is leaving.

Score: for each node, ``sum(weight * matching Pods in the domain)`` over the Pod's
preferred affinity terms, minus the same for preferred anti-affinity terms, plus
(symmetrically) existing Pods' preferred terms that match this Pod and their required
affinity terms at ``hardPodAffinityWeight`` (default 1). NormalizeScore:
``100 * (score - min) / (max - min)``.

>>> import numpy as np
>>> from labsupport.k8s.scheduler.cache import NodeCache
>>> from labsupport.k8s.scheduler.podinfo import PodInfo
>>> c = NodeCache()
>>> for n in ("n1", "n2"):
...     _ = c.set_node({"metadata": {"name": n, "labels": {"kubernetes.io/hostname": n}},
...                     "status": {"allocatable": {"cpu": "4", "pods": "9"}}})
>>> _ = c.add_pod(PodInfo.from_dict({"metadata": {"name": "db", "labels": {"app": "db"}}, "spec": {}}), "n1")
>>> pod = PodInfo.from_dict({"metadata": {"name": "db2", "labels": {"app": "db"}}, "spec": {"affinity": {
...     "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
...         {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "db"}}}]}}}})
>>> pl = InterPodAffinity(c); st = CycleState(pod, c)
>>> _ = pl.pre_filter(st); r = pl.filter(st, np.array([0, 1])); r.mask.tolist()
[True, False]
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from labsupport.k8s.scheduler import scoring
from labsupport.k8s.scheduler.plugins.base import CycleState, Plugin, Rejection
from labsupport.k8s.scheduler.podinfo import selector_matches
from labsupport.k8s.scheduler.status import Code, Status

__all__ = ["InterPodAffinity", "term_namespaces", "term_matches_pod"]


def term_namespaces(term: Mapping, own_namespace: str) -> list[str] | None:
    """Namespaces a term looks at; None means all (``namespaceSelector: {}``)."""
    ns_sel = term.get("namespaceSelector")
    if ns_sel is not None and not ns_sel.get("matchLabels") and not ns_sel.get("matchExpressions"):
        return None
    names = list(term.get("namespaces") or ())
    return names or [own_namespace]


def term_matches_pod(term: Mapping, term_owner_namespace: str, pod) -> bool:
    """Does ``pod`` fall under ``term`` (namespace and labelSelector)?"""
    nss = term_namespaces(term, term_owner_namespace)
    return (nss is None or pod.namespace in nss) and selector_matches(term.get("labelSelector"), pod.labels)


class InterPodAffinity(Plugin):
    """Place a Pod near (affinity) or away from (anti-affinity) other Pods."""

    name = "InterPodAffinity"
    filters = True
    scores = True
    REASON_AFFINITY = "node(s) didn't match pod affinity rules"
    REASON_ANTI = "node(s) didn't match pod anti-affinity rules"
    REASON_EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules"

    def __init__(self, cache, args: dict | None = None) -> None:
        super().__init__(cache, args)
        self.hard_pod_affinity_weight = int(self.args.get("hardPodAffinityWeight", 1))
        self.ignore_preferred_of_existing = bool(self.args.get("ignorePreferredTermsOfExistingPods", False))

    def _domain_totals(self, term: Mapping, namespace: str) -> tuple[np.ndarray, np.ndarray]:
        """(per-slot domain id, per-domain count of Pods matching ``term``)."""
        ids, values = self.cache.domains(term.get("topologyKey", ""))
        counts = self.cache.matching_counts(term_namespaces(term, namespace), term.get("labelSelector"),
                                            include_terminating=True)
        has = ids >= 0
        totals = np.bincount(ids[has], weights=counts[has], minlength=len(values)).astype(np.int64)
        return ids, totals

    def _affinity_totals(self, pod) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per required affinity term, (domain ids, per-domain count) of the Pods matching *all* the terms.

        ``updateWithAffinityTerms`` counts an existing Pod only if it matches every required affinity term
        of the incoming Pod (``podMatchesAllAffinityTerms``), so two terms cannot be met by two different Pods.
        """
        terms = pod.pod_affinity_required
        if len(terms) <= 1:
            return [self._domain_totals(t, pod.namespace) for t in terms]
        counts = self.cache.matching_all_counts(
            [(term_namespaces(t, pod.namespace), t.get("labelSelector")) for t in terms], include_terminating=True)
        out = []
        for t in terms:
            ids, values = self.cache.domains(t.get("topologyKey", ""))
            has = ids >= 0
            out.append((ids, np.bincount(ids[has], weights=counts[has], minlength=len(values)).astype(np.int64)))
        return out

    def node_local(self, state: CycleState) -> bool:
        """True when neither this Pod nor any existing Pod has (anti-)affinity terms."""
        pod = state.pod
        return not (self.cache.pods_with_affinity or pod.has_affinity_terms)

    def pre_filter(self, state: CycleState) -> Status | None:
        pod, cache = state.pod, self.cache
        existing = [p for p in cache.pods_with_affinity.values() if p.pod_anti_affinity_required]
        if not (pod.pod_affinity_required or pod.pod_anti_affinity_required or existing):
            return Status(Code.SKIP, (), self.name)
        forbidden = np.zeros(len(cache.alive), dtype=bool)
        for other in sorted(existing, key=lambda p: p.key):
            s = cache.pod_slot.get(other.key)
            if s is None:
                continue
            for term in other.pod_anti_affinity_required:
                if term_matches_pod(term, other.namespace, pod):
                    ids = cache.domains(term.get("topologyKey", ""))[0]
                    if ids[s] >= 0:
                        forbidden |= ids == ids[s]
        affinity = self._affinity_totals(pod)
        anti = [self._domain_totals(t, pod.namespace) for t in pod.pod_anti_affinity_required]
        nobody = all(int(tot.sum()) == 0 for _ids, tot in affinity)
        self_match = all(term_matches_pod(t, pod.namespace, pod) for t in pod.pod_affinity_required)
        state.data[self.name + "/filter"] = (forbidden, affinity, anti, nobody and self_match)
        return None

    def filter(self, state: CycleState, idx: np.ndarray) -> Rejection | None:
        prepared = state.data.get(self.name + "/filter")
        if prepared is None:
            return None
        forbidden, affinity, anti, first_of_group = prepared
        n = len(idx)
        aff_fail = np.zeros(n, dtype=bool)
        for ids, totals in affinity:
            dom = ids[idx]
            ok = (dom >= 0) & (np.where(dom >= 0, totals[np.where(dom >= 0, dom, 0)] if len(totals) else 0, 0) > 0)
            if first_of_group:
                ok |= dom >= 0
            aff_fail |= ~ok
        anti_fail = np.zeros(n, dtype=bool)
        for ids, totals in anti:
            dom = ids[idx]
            anti_fail |= (dom >= 0) & (np.where(dom >= 0, totals[np.where(dom >= 0, dom, 0)] if len(totals) else 0, 0) > 0)
        anti_fail &= ~aff_fail
        existing_fail = forbidden[idx] & ~aff_fail & ~anti_fail
        mask = aff_fail | anti_fail | existing_fail
        if not mask.any():
            return None

        def code(pos):
            return Code.UNSCHEDULABLE_AND_UNRESOLVABLE if aff_fail[pos] else Code.UNSCHEDULABLE

        def reasons(pos):
            if aff_fail[pos]:
                return (self.REASON_AFFINITY,)
            return (self.REASON_ANTI,) if anti_fail[pos] else (self.REASON_EXISTING,)

        return Rejection(mask, code, reasons)

    def pre_score(self, state: CycleState, idx: np.ndarray) -> bool:
        pod = state.pod
        own = bool(pod.pod_affinity_preferred or pod.pod_anti_affinity_preferred)
        if self.ignore_preferred_of_existing and not own:
            return False  # IgnorePreferredTermsOfExistingPods: Skip unless the Pod has preferred terms itself
        return bool(own or self.cache.pods_with_affinity)

    def score(self, state: CycleState, idx: np.ndarray) -> np.ndarray:
        pod, cache = state.pod, self.cache
        total = np.zeros(len(idx), dtype=np.int64)
        for sign, terms in ((1, pod.pod_affinity_preferred), (-1, pod.pod_anti_affinity_preferred)):
            for wt in terms:
                term = wt.get("podAffinityTerm") or {}
                ids, totals = self._domain_totals(term, pod.namespace)
                dom = ids[idx]
                got = np.where(dom >= 0, totals[np.where(dom >= 0, dom, 0)] if len(totals) else 0, 0)
                total += sign * int(wt.get("weight", 0)) * got
        for key in sorted(cache.pods_with_affinity):
            other = cache.pods_with_affinity[key]
            s = cache.pod_slot.get(key)
            if s is None:
                continue
            contributions = [(self.hard_pod_affinity_weight, t) for t in other.pod_affinity_required]
            contributions += [(int(w.get("weight", 0)), w.get("podAffinityTerm") or {}) for w in other.pod_affinity_preferred]
            contributions += [(-int(w.get("weight", 0)), w.get("podAffinityTerm") or {}) for w in other.pod_anti_affinity_preferred]
            for weight, term in contributions:
                if weight and term_matches_pod(term, other.namespace, pod):
                    ids = cache.domains(term.get("topologyKey", ""))[0]
                    if ids[s] >= 0:
                        total += weight * (ids[idx] == ids[s])
        return total

    def normalize(self, state: CycleState, idx: np.ndarray, raw: np.ndarray) -> np.ndarray:
        return scoring.inter_pod_affinity_normalize(raw)
