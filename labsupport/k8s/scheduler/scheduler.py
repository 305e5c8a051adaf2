"""The Scheduler: watches Pods and Nodes in the API store, schedules pending Pods, binds them.

One scheduling cycle (``pkg/scheduler/schedule_one.go``) for the Pod at the head of
the queue:

1. if the Pod has a ``status.nominatedNodeName`` (after preemption), try that node first;
2. **Filter** nodes in NodeTree order starting where the last cycle stopped
   (``nextStartNodeIndex``), until ``numFeasibleNodesToFind`` feasible nodes are found
   (``percentageOfNodesToScore``; adaptive default ``max(50 - N/125, 5)`` percent,
   at least 100 nodes);
3. none feasible -> ``0/N nodes are available: ...``; PostFilter (DefaultPreemption)
   may nominate a node and evict victims; the Pod waits in the queue;
4. one feasible -> it is chosen; otherwise **Score**, NormalizeScore, weight and sum,
   and take the highest total. Ties are broken uniformly at random with the cluster's
   ``sim.rng`` (kube-scheduler gives each node a random number and keeps the largest
   among equal totals -- the same distribution);
5. **assume** the Pod in the cache and **bind** it through the store
   (``pods/binding``), recording a ``Scheduled`` event.

Every cycle runs at the simulated instant the queue became non-empty; scheduling
itself takes no simulated time.

Differences from kube-scheduler 1.37 (on purpose, to keep the model small):

* binding is synchronous and takes no simulated time (kube-scheduler binds asynchronously);
* the queue has no QueueingHints: every node change or assigned-Pod deletion moves every
  unschedulable Pod; there are no PreEnqueue plugins / scheduling gates;
* the Filter walk is sequential (kube-scheduler checks 16 nodes in parallel, so its
  ``nextStartNodeIndex`` advance is only approximately "nodes examined");
* plugins with nothing to act on are not simulated: the volume plugins,
  ImageLocality (weight 1, but no images here: it would add 0 to every node),
  DynamicResources, SchedulingGates; resources are cpu, memory, the pod count and the scalar
  resources of :mod:`labsupport.k8s.extended_resources` (``nvidia.com/gpu``, hugepages, ephemeral-storage);
* preemption ignores PodDisruptionBudgets, runs synchronously, and a nominated Pod
  reserves only its cpu / memory / pod slot on its node for other Pods' NodeResourcesFit;
* InterPodAffinity: a non-empty ``namespaceSelector`` is not evaluated (only ``{}`` = all
  namespaces, or the ``namespaces`` list); TaintToleration: no alpha Gt/Lt operators.

This module is the *reference path*: one Pod per cycle, as kube-scheduler does it. At 150,000
Pods a few speed tricks give the same answers sooner; they live in
:mod:`labsupport.k8s.scheduler.fastpath` behind the switch :mod:`labsupport.core.fast`
(``with fast.off(): ...`` or ``LABSUPPORT_FAST=0`` runs this path alone). The one this module calls
is ``k8s.batch``: runs of identical Pods (one ReplicaSet's replicas) are decided together when that
provably gives the same bindings as one cycle each. ``scheduler.batching = False`` (or ``True``)
overrides the switch for one scheduler.

:meth:`Scheduler.explain` runs steps 2-4 over *all* nodes with the same plugin code,
without binding and without touching the cluster's random generator (ties use a copy).
Because the real cycle scores only the sampled nodes, normalisation (which divides by
the maximum among the scored nodes) and therefore the chosen node can differ from
``explain`` on clusters with 100 nodes or more.
"""
from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np
import yaml

from labsupport.core import LabError, Simulation
from labsupport.k8s.errors import NotFoundError
from labsupport.k8s.scheduler import fastpath
from labsupport.k8s.scheduler.cache import NodeCache
from labsupport.k8s.scheduler.config import SchedulerConfigError, parse_scheduler_config
from labsupport.k8s.scheduler.explain import Explanation
from labsupport.k8s.scheduler.framework import Framework
from labsupport.k8s.scheduler.podinfo import PodInfo, selector_matches
from labsupport.k8s.scheduler.preemption import preempt
from labsupport.k8s.scheduler.queue import QueuedPodInfo, SchedulingQueue
from labsupport.k8s.scheduler.scoring import num_feasible_nodes_to_find
from labsupport.k8s.scheduler.status import Status, fit_error_message

__all__ = ["Scheduler", "ExplainError", "select_host", "NO_NODES_MESSAGE"]

NO_NODES_MESSAGE = "no nodes available to schedule pods"
_TERMINAL = ("Succeeded", "Failed")


class ExplainError(LabError):
    """``explain`` was given something it cannot explain (a bound Pod, a non-Pod manifest, ...)."""


def select_host(total: np.ndarray, rng: random.Random) -> int:
    """Position of the highest total; equal totals are broken uniformly at random with ``rng``.

    >>> select_host(np.array([5, 9, 9, 1]), random.Random(0)) in (1, 2)
    True
    """
    best = total.max()
    ties = np.flatnonzero(total == best)
    if len(ties) == 1:
        return int(ties[0])
    return int(ties[rng.randrange(len(ties))])


class Scheduler:
    """kube-scheduler over an :class:`~labsupport.k8s.store.APIStore`: queue, filter, score, bind, preempt.

    ``config`` is a KubeSchedulerConfiguration (dict or YAML string) or None for the
    default profile; an invalid one raises :class:`SchedulerConfigError`.

    >>> from labsupport.k8s.store import APIStore
    >>> sim = Simulation(seed=0); store = APIStore(sim); sched = Scheduler(store, sim)
    >>> for name, cpu in (("small", "1"), ("big", "4")):
    ...     _ = store.create({"kind": "Node", "metadata": {"name": name},
    ...                       "status": {"allocatable": {"cpu": cpu, "memory": "4Gi", "pods": "10"}}}, actor="kubelet")
    >>> _ = store.create({"kind": "Pod", "metadata": {"name": "web"}, "spec": {"containers": [
    ...     {"name": "c", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}]}}, actor="kubectl")
    >>> [(r["node"], r["total"]) for r in sched.explain("web").rows]   # 3*100 + (50+75)//2 + 87; 3*100 + (87+75)//2 + 93
    [('small', 449), ('big', 474)]
    >>> sim.run(1); store.get("Pod", "default", "web")["spec"]["nodeName"]
    'big'
    """

    def __init__(self, store, sim: Simulation, config: Any = None) -> None:
        try:
            self.config = parse_scheduler_config(config)
        except SchedulerConfigError as e:
            raise SchedulerConfigError(str(e)) from None
        self.store = store
        self.sim = sim
        self.cache = NodeCache()
        self.frameworks = {p.scheduler_name: Framework(p, self.cache, self._default_selector) for p in self.config.profiles}
        self.queue = SchedulingQueue(sim, self.config.pod_initial_backoff_seconds, self.config.pod_max_backoff_seconds,
                                     on_active=self._kick)
        self.next_start_node_index = 0
        #: None: follow the ``k8s.batch`` fast path switch; True / False: batch (or not) on this scheduler only
        self.batching: bool | None = None
        #: bumped by every cache change that is not our own bind (a batch stops binding when it moves)
        self.epoch = 0
        self._drain_pending = False
        self._selector_memo: dict[tuple, dict | None] = {}   # fast path k8s.plugin_memos
        self._ring: tuple[int, np.ndarray] | None = None
        #: scheduling attempts and binds so far (for benchmarks and lessons)
        self.attempts = 0
        self.bound = 0
        for node in store.list("Node"):
            self.cache.set_node(node)
        for pod in store.list("Pod"):
            self._pod_added(pod)
        store.watch("Node", self._on_node, owner="kube-scheduler")
        store.watch("Pod", self._on_pod, owner="kube-scheduler")
        for kind in ("Service", "ReplicaSet", "StatefulSet", "ReplicationController"):
            store.watch(kind, self._on_selector_source, owner="kube-scheduler")

    # ------------------------------------------------------------------ profiles
    @property
    def profiles(self) -> list[str]:
        """Scheduler names this scheduler serves (``spec.schedulerName`` of its Pods)."""
        return list(self.frameworks)

    def percentage(self, fw: Framework) -> int:
        """The profile's percentageOfNodesToScore (or the configuration's)."""
        p = fw.profile.percentage_of_nodes_to_score
        return self.config.percentage_of_nodes_to_score if p is None else p

    # ------------------------------------------------------------ watch handlers
    def _on_node(self, ev) -> None:
        if ev.type == "DELETED":
            self.cache.remove_node(ev.object["metadata"]["name"])
            self._ring = None
            self.epoch += 1
            return
        if self.cache.set_node(ev.object):
            self._ring = None
            self.epoch += 1
            self.queue.move_all_to_active_or_backoff()

    def _pod_added(self, obj: Mapping) -> None:
        spec, meta = obj.get("spec") or {}, obj["metadata"]
        phase = (obj.get("status") or {}).get("phase")
        if spec.get("nodeName"):
            if phase not in _TERMINAL:
                self.cache.add_pod(PodInfo.from_dict(obj), spec["nodeName"])
                self.epoch += 1
        elif (spec.get("schedulerName") or "default-scheduler") in self.frameworks and meta.get("deletionTimestamp") is None:
            self.queue.add(PodInfo.from_dict(obj))

    def _on_pod(self, ev) -> None:
        obj = ev.object
        meta, spec = obj["metadata"], obj.get("spec") or {}
        key = (meta.get("namespace") or "default", meta["name"])
        if ev.type == "ADDED":
            self._pod_added(obj)
            return
        if ev.type == "DELETED":
            self.queue.delete(key)
            self.cache.nominated.pop(key, None)
            if self.cache.remove_pod(key) is not None:
                self.epoch += 1
                self.queue.move_all_to_active_or_backoff()
            return
        # MODIFIED
        if spec.get("nodeName"):
            self.queue.delete(key)
            self.cache.nominated.pop(key, None)
            if key in self.cache.pod_slot:
                if (obj.get("status") or {}).get("phase") in _TERMINAL:
                    self.cache.remove_pod(key)
                    self.epoch += 1
                    self.queue.move_all_to_active_or_backoff()
                elif meta.get("deletionTimestamp") is not None:
                    self.cache.mark_terminating(key)
                    self.epoch += 1
                else:
                    cached = self.cache.pods[self.cache.pod_slot[key]][key]
                    if cached.group is not None and frozenset((meta.get("labels") or {}).items()) != cached.group[1]:
                        # labels changed (kubectl label): re-count the Pod for spreading and affinity
                        self.cache.remove_pod(key)
                        self.cache.add_pod(PodInfo.from_dict(obj), spec["nodeName"])
                        self.epoch += 1
                        self.queue.move_all_to_active_or_backoff()
            else:
                self._pod_added(obj)
            return
        q = self.queue.entries.get(key)
        if q is not None:
            q.pod.nominated_node_name = (obj.get("status") or {}).get("nominatedNodeName") or None
        else:
            self._pod_added(obj)

    def _on_selector_source(self, ev) -> None:
        if ev.type != "MODIFIED" or ev.object.get("kind") == "Service":
            self._selector_memo.clear()
            for fw in self.frameworks.values():
                fw.invalidate()

    def _default_selector(self, pod: PodInfo) -> dict | None:
        """``helper.DefaultSelector``: the selectors of Services, ReplicationControllers, ReplicaSets and
        StatefulSets that select the Pod, ANDed together (None if there are none)."""
        key = (pod.namespace, frozenset(pod.labels.items()))
        return fastpath.remembered(self._selector_memo, key, lambda: self._selectors_of(pod), limit=10_000)

    def _selectors_of(self, pod: PodInfo) -> dict | None:
        reqs: list[dict] = []
        for kind in ("Service", "ReplicationController"):
            for o in self.store.list(kind, pod.namespace):
                sel = (o.get("spec") or {}).get("selector") or {}
                if sel and all(pod.labels.get(k) == v for k, v in sel.items()):
                    reqs += [{"key": k, "operator": "In", "values": [v]} for k, v in sorted(sel.items())]
        for kind in ("ReplicaSet", "StatefulSet"):
            for o in self.store.list(kind, pod.namespace):
                sel = (o.get("spec") or {}).get("selector")
                if sel and (sel.get("matchLabels") or sel.get("matchExpressions")) and selector_matches(sel, pod.labels):
                    reqs += [{"key": k, "operator": "In", "values": [v]} for k, v in sorted((sel.get("matchLabels") or {}).items())]
                    reqs += list(sel.get("matchExpressions") or ())
        return {"matchExpressions": reqs} if reqs else None

    # -------------------------------------------------------------- the loop
    def _kick(self) -> None:
        if not self._drain_pending:
            self._drain_pending = True
            self.sim.schedule(0, self._drain, label="kube-scheduler: scheduleOne")

    def _drain(self) -> None:
        self._drain_pending = False
        while (q := self.queue.pop()) is not None:
            if fastpath.batching_enabled(self) and fastpath.try_batch(self, self.frameworks.get(q.pod.scheduler_name), q):
                continue
            self.schedule_one(q)

    def node_ring(self, n: int) -> np.ndarray:
        """Node slots in NodeTree order, twice over, so ``ring[start:start + n]`` walks all ``n`` from ``start``."""
        gen = self.cache.generation
        if self._ring is None or self._ring[0] != gen:
            order = self.cache.order()
            self._ring = (gen, np.concatenate([order, order]))
        return self._ring[1]

    def schedule_one(self, q: QueuedPodInfo) -> str | None:
        """One scheduling cycle for a popped Pod; returns the node it was bound to, or None."""
        pod = q.pod
        obj = self.store.get("Pod", pod.namespace, pod.name)
        fw = self.frameworks.get(pod.scheduler_name)
        if obj is None or fw is None or (obj.get("spec") or {}).get("nodeName") or obj["metadata"].get("deletionTimestamp") is not None:
            self.queue.done(q)
            return None
        self.attempts += 1
        node, statuses, message = self._schedule_pod(fw, pod)
        if node is not None:
            return self.assume_and_bind(fw, q, obj, node)
        self._handle_failure(fw, q, obj, statuses, message)
        return None

    def _schedule_pod(self, fw: Framework, pod: PodInfo) -> tuple[str | None, dict[int, Status], str]:
        cache = self.cache
        n = cache.num_nodes
        if n == 0:
            return None, {}, NO_NODES_MESSAGE
        state = fw.new_state(pod)
        active = fw.run_pre_filter(state)
        if pod.nominated_node_name in cache.slot:
            s = cache.slot[pod.nominated_node_name]
            if fw.run_filters(state, np.array([s]), active).feasible[0]:
                return pod.nominated_node_name, {}, ""
        ring = self.node_ring(n)
        to_find = num_feasible_nodes_to_find(self.percentage(fw), n)
        start = self.next_start_node_index % n
        parts, outcomes = [], []
        found = pos = 0
        while found < to_find and pos < n:
            need = to_find - found
            take = min(max(need, 64), n - pos)
            win = ring[start + pos:start + pos + take]
            out = fw.run_filters(state, win, active)
            f = np.flatnonzero(out.feasible)
            cut = take
            if len(f) > need:
                f = f[:need]
                cut = int(f[-1]) + 1
            parts.append(win[f])
            outcomes.append((out, cut))
            found += len(f)
            pos += cut
        self.next_start_node_index = (start + pos) % n
        feasible = parts[0] if len(parts) == 1 else np.concatenate(parts)
        if len(feasible) == 0:
            statuses: dict[int, Status] = {}
            for out, cut in outcomes:
                for i in range(cut):
                    statuses[int(out.idx[i])] = out.status(i)
            return None, statuses, fit_error_message(n, [st.reasons for st in statuses.values()])
        if len(feasible) == 1:
            return cache.names[int(feasible[0])], {}, ""
        scores = fw.run_scores(state, feasible)
        return cache.names[int(feasible[select_host(scores.total, self.sim.rng)])], {}, ""

    def assume_and_bind(self, fw: Framework, q: QueuedPodInfo, obj: dict, node: str) -> str | None:
        pod = q.pod
        pod.node_name = node
        self.cache.add_pod(pod, node)            # assume: the cache counts the Pod before the API confirms
        actor = fw.profile.scheduler_name
        try:
            self.store.bind(pod.namespace, pod.name, node, actor=actor)
        except LabError:
            self.cache.remove_pod(pod.key)       # ForgetPod
            self.queue.done(q)
            return None
        self.cache.nominated.pop(pod.key, None)
        self.queue.done(q)
        self.bound += 1
        self.store.record_event(obj, "Scheduled", f"Successfully assigned {pod.namespace}/{pod.name} to {node}",
                                source=actor, related=("Node", "", node))
        return node

    def _handle_failure(self, fw: Framework, q: QueuedPodInfo, obj: dict, statuses: dict[int, Status], message: str) -> None:
        pod = q.pod
        actor = fw.profile.scheduler_name
        nominated = None
        if statuses and fw.profile.preemption:
            result = preempt(fw, pod, statuses, self.cache.num_nodes, self.sim.rng)
            if result.node is not None:
                nominated = result.node
                self._evict(fw, pod, result.node, result.victims)
            else:
                message += " " + result.message
        self.store.record_event(obj, "FailedScheduling", message, type="Warning", source=actor)
        status = obj.setdefault("status", {})
        conds = [c for c in status.get("conditions") or () if c.get("type") != "PodScheduled"]
        new = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}
        old = next((c for c in status.get("conditions") or () if c.get("type") == "PodScheduled"), None)
        changed = old is None or any(old.get(k) != v for k, v in new.items())
        if nominated is not None and status.get("nominatedNodeName") != nominated:
            status["nominatedNodeName"] = nominated
            pod.nominated_node_name = nominated
            self.cache.nominate(pod, nominated)
            changed = True
        if changed:
            new["lastTransitionTime"] = self.sim.now
            status["conditions"] = conds + [new]
            self.store.update(obj, actor=actor, verb="update status")
        self.queue.add_unschedulable(q)

    def _evict(self, fw: Framework, pod: PodInfo, node: str, victims: list[PodInfo]) -> None:
        actor = fw.profile.scheduler_name
        for v in victims:
            vobj = self.store.get("Pod", v.namespace, v.name)
            if vobj is None:
                continue
            self.store.record_event(vobj, "Preempted", f"Preempted by pod {pod.uid} on node {node}", source=actor)
            self.store.delete("Pod", v.namespace, v.name, actor=actor)
        # lower-priority Pods nominated to the same node lose their nomination
        s = self.cache.slot[node]
        for key, (slot, other) in sorted(self.cache.nominated.items()):
            if slot == s and other.priority < pod.priority and key != pod.key:
                self.cache.nominated.pop(key, None)
                other.nominated_node_name = None
                oobj = self.store.get("Pod", key[0], key[1])
                if oobj is not None and (oobj.get("status") or {}).get("nominatedNodeName"):
                    oobj["status"]["nominatedNodeName"] = None
                    self.store.update(oobj, actor=actor, verb="update status")

    # -------------------------------------------------------------- explain
    def _resolve(self, pod: Any) -> dict:
        if isinstance(pod, str) and (":" in pod or "\n" in pod):
            try:
                pod = yaml.safe_load(pod)
            except yaml.YAMLError as e:
                raise ExplainError(f"pod: not valid YAML ({e.__class__.__name__})") from None
        if isinstance(pod, str):
            ns, _, name = pod.rpartition("/")
            obj = self.store.get("Pod", ns or "default", name)
            if obj is None:
                raise NotFoundError(f'pods "{name}" not found in namespace "{ns or "default"}"')
            if (obj.get("spec") or {}).get("nodeName"):
                raise ExplainError(f"pod {ns or 'default'}/{name}: already bound to node {obj['spec']['nodeName']!r}; "
                                   "explain a pending Pod or pass a manifest")
            return obj
        if not isinstance(pod, Mapping):
            raise ExplainError(f"pod: expected a Pod manifest (dict or YAML) or a Pod name, got {type(pod).__name__}")
        if pod.get("kind", "Pod") != "Pod":
            raise ExplainError(f"kind: explain takes a Pod, got {pod.get('kind')!r}")
        if not isinstance(pod.get("metadata") or {}, Mapping) or not isinstance(pod.get("spec") or {}, Mapping):
            raise ExplainError("spec: must be a mapping")
        return {"kind": "Pod", "metadata": {"name": "explain", **(pod.get("metadata") or {})}, "spec": dict(pod.get("spec") or {}),
                "status": dict(pod.get("status") or {})}

    def explain(self, pod: Any) -> Explanation:
        """Why would ``pod`` land where it lands? Every node's Filter verdict and Score, without binding.

        ``pod`` is a Pod manifest (dict or YAML string) or the name of a pending Pod
        (``"name"`` in namespace default, or ``"namespace/name"``).
        """
        obj = self._resolve(pod)
        pi = PodInfo.from_dict(obj)
        fw = self.frameworks.get(pi.scheduler_name)
        if fw is None:
            raise ExplainError(f"spec.schedulerName: {pi.scheduler_name!r} is not served by this scheduler "
                               f"(profiles: {', '.join(self.frameworks)}); such a Pod stays Pending")
        idx = self.cache.order()
        state = fw.new_state(pi)
        active = fw.run_pre_filter(state)
        out = fw.run_filters(state, idx, active)
        feasible_pos = np.flatnonzero(out.feasible)
        scores = fw.run_scores(state, idx[feasible_pos]) if len(feasible_pos) else None
        rows: list[dict] = []
        score_at = {int(p): k for k, p in enumerate(feasible_pos)}
        for pos, s in enumerate(idx.tolist()):
            name = self.cache.names[s]
            if pos in score_at:
                k = score_at[pos]
                rows.append({"node": name, "feasible": True, "reason": None,
                             "scores": {p: int(v[k]) for p, v in scores.normalized.items()},
                             "total": int(scores.total[k])})
            else:
                rows.append({"node": name, "feasible": False, "reason": out.status(pos).message, "scores": {}, "total": None})
        chosen, message = None, None
        if scores is not None:
            rng = random.Random()
            rng.setstate(self.sim.rng.getstate())
            chosen = self.cache.names[int(idx[feasible_pos[select_host(scores.total, rng)]])]
        else:
            n = self.cache.num_nodes
            message = fit_error_message(n, [out.status(p).reasons for p in range(len(idx))]) if n else NO_NODES_MESSAGE
        label = f"{pi.namespace}/{pi.name}"
        return Explanation(label, rows, chosen, weights=fw.weights, message=message)
