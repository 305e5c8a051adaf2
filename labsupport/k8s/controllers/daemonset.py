"""DaemonSet controller: one Pod on every matching node, as ``pkg/controller/daemon/daemon_controller.go``.

https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/ and the source:

* **Which nodes** (``NodeShouldRunDaemonPod``): the template's ``nodeSelector`` and required node
  affinity match the node's labels, and the Pod tolerates the node's ``NoSchedule``/``NoExecute``
  taints. Node resources are *not* checked here: the Pod is created and the scheduler decides.
* **Pinning**: each Pod gets a required node affinity term ``matchFields metadata.name In [<node>]``
  (``ReplaceDaemonSetPodNodeNameNodeAffinity``) and is bound by the default scheduler.
* **Default tolerations** (``AddOrUpdateDaemonPodTolerations``): ``node.kubernetes.io/not-ready`` and
  ``/unreachable`` (NoExecute, no time limit), ``/disk-pressure``, ``/memory-pressure``,
  ``/pid-pressure`` and ``/unschedulable`` (NoSchedule), and ``/network-unavailable`` with host networking.
  So a DaemonSet Pod is never evicted from a NotReady node and lands on a cordoned one.
* **Node added**: a Pod is created there (``SuccessfulCreate``). **Node no longer matching**: its Pod
  is deleted (``SuccessfulDelete``). A removed Node's Pods are deleted by the Pod garbage collector.
* **RollingUpdate** (default, ``maxUnavailable: 1``, ``maxSurge: 0``): after a template change, old
  Pods are deleted so that at most ``maxUnavailable`` nodes lack an available new Pod; the replacement
  is created on the next sync. ``OnDelete`` replaces a Pod only when someone deletes it.
* **Status**: ``desiredNumberScheduled``, ``currentNumberScheduled``, ``numberReady``,
  ``updatedNumberScheduled``, ``numberAvailable``, ``numberMisscheduled``.

Simplified: revisions are a template hash in the label ``controller-revision-hash`` (no
ControllerRevision objects); ``maxSurge`` > 0 is refused by validation; Pod creation is not
slow-started (burst 250 upstream).

>>> from labsupport import k8s
>>> cluster = k8s.Cluster(seed=0)
>>> for n in ("node-1", "node-2"):
...     cluster.add_node(n)
>>> _ = cluster.apply('''
... apiVersion: apps/v1
... kind: DaemonSet
... metadata: {name: log-agent}
... spec:
...   selector: {matchLabels: {app: log-agent}}
...   template:
...     metadata: {labels: {app: log-agent}}
...     spec:
...       containers: [{name: agent, image: "fluent-bit:3.2"}]
... ''')
>>> cluster.run(10); cluster.add_node("node-3"); cluster.run(10)
>>> print(cluster.get("daemonsets"))
NAME        DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE
log-agent   3         3         3       3            3           <none>          20s
"""
from __future__ import annotations

from labsupport.core import LabError, Simulation
from labsupport.k8s.controllers.base import Controller
from labsupport.k8s.controllers.names import NameGenerator
from labsupport.k8s.objects import controller_of, is_pod_active, is_pod_ready, owner_reference, template_hash
from labsupport.k8s.store import APIStore, WatchEvent

__all__ = ["DaemonSetController", "node_should_run", "daemon_tolerations", "REVISION_HASH"]

REVISION_HASH = "controller-revision-hash"
_NOT_READY = "node.kubernetes.io/not-ready"
_UNREACHABLE = "node.kubernetes.io/unreachable"


def daemon_tolerations(pod_spec: dict) -> list[dict]:
    """The tolerations a DaemonSet Pod gets in addition to its own (``util.AddOrUpdateDaemonPodTolerations``).

    >>> [t["key"].split("/")[1] for t in daemon_tolerations({})]
    ['not-ready', 'unreachable', 'disk-pressure', 'memory-pressure', 'pid-pressure', 'unschedulable']
    """
    extra = [{"key": _NOT_READY, "operator": "Exists", "effect": "NoExecute"},
             {"key": _UNREACHABLE, "operator": "Exists", "effect": "NoExecute"}]
    extra += [{"key": f"node.kubernetes.io/{k}", "operator": "Exists", "effect": "NoSchedule"}
              for k in ("disk-pressure", "memory-pressure", "pid-pressure", "unschedulable")]
    if pod_spec.get("hostNetwork"):
        extra.append({"key": "node.kubernetes.io/network-unavailable", "operator": "Exists", "effect": "NoSchedule"})
    own = [t for t in pod_spec.get("tolerations") or () if (t.get("key"), t.get("effect")) not in {(e["key"], e["effect"]) for e in extra}]
    return own + extra


def _tolerates(tolerations: list[dict], taint: dict) -> bool:
    for t in tolerations:
        if t.get("effect") not in (None, "", taint.get("effect")):
            continue
        if t.get("operator") == "Exists" and not t.get("key"):
            return True
        if t.get("key") != taint.get("key"):
            continue
        if t.get("operator") == "Exists" or t.get("value", "") == taint.get("value", ""):
            return True
    return False


def _affinity_matches(term: dict, node: dict) -> bool:
    labels = node["metadata"].get("labels") or {}
    for e in term.get("matchExpressions") or ():
        v = labels.get(e["key"])
        op = e["operator"]
        ok = {"In": v in (e.get("values") or ()), "NotIn": v not in (e.get("values") or ()), "Exists": e["key"] in labels,
              "DoesNotExist": e["key"] not in labels}.get(op)
        if op in ("Gt", "Lt"):
            try:
                ok = (int(v) > int(e["values"][0])) if op == "Gt" else (int(v) < int(e["values"][0]))
            except (TypeError, ValueError):
                ok = False
        if not ok:
            return False
    for e in term.get("matchFields") or ():
        name = node["metadata"]["name"]
        if (name in (e.get("values") or ())) != (e["operator"] == "In"):
            return False
    return bool(term.get("matchExpressions") or term.get("matchFields"))


def node_should_run(pod_spec: dict, node: dict) -> bool:
    """Whether a DaemonSet with this Pod template wants a Pod on ``node`` (selector, affinity, taints).

    >>> node = {"metadata": {"name": "gpu-1", "labels": {"gpu": "true"}}, "spec": {"taints": [{"key": "gpu", "effect": "NoSchedule"}]}}
    >>> node_should_run({"nodeSelector": {"gpu": "true"}}, node)
    False
    >>> node_should_run({"nodeSelector": {"gpu": "true"}, "tolerations": [{"key": "gpu", "operator": "Exists"}]}, node)
    True
    """
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (pod_spec.get("nodeSelector") or {}).items()):
        return False
    req = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = req.get("nodeSelectorTerms")
    if terms and not any(_affinity_matches(t, node) for t in terms):
        return False
    tolerations = daemon_tolerations(pod_spec)
    return all(_tolerates(tolerations, t) for t in (node.get("spec") or {}).get("taints") or () if t.get("effect") in ("NoSchedule", "NoExecute")
               and t.get("key") not in (_NOT_READY, _UNREACHABLE))


def _pin(pod_spec: dict, node_name: str) -> dict:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``: the required affinity becomes ``metadata.name In [node]``."""
    field_term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    affinity = dict(pod_spec.get("affinity") or {})
    node_aff = dict(affinity.get("nodeAffinity") or {})
    req = node_aff.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    terms = req.get("nodeSelectorTerms") or []
    if terms:
        terms = [{**t, "matchFields": field_term["matchFields"]} for t in terms]
    else:
        terms = [field_term]
    node_aff["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": terms}
    affinity["nodeAffinity"] = node_aff
    return affinity


class DaemonSetController(Controller):
    """Keeps exactly one Pod of each DaemonSet on every node that should run it."""

    name = "daemonset-controller"

    def __init__(self, store: APIStore, sim: Simulation, admit_pod) -> None:
        super().__init__(store, sim)
        self.admit_pod = admit_pod
        self.names = NameGenerator(store)
        store.watch("DaemonSet", self._on_ds)
        store.watch("Pod", self._on_pod)
        store.watch("Node", self._on_node)

    def _on_ds(self, ev: WatchEvent) -> None:
        if ev.type != "DELETED":
            m = ev.object["metadata"]
            self.enqueue((m["namespace"], m["name"]))

    def _on_pod(self, ev: WatchEvent) -> None:
        if ev.verb == "bind":
            return
        ref = controller_of(ev.object)
        if ref is not None and ref["kind"] == "DaemonSet":
            self.enqueue((ev.object["metadata"]["namespace"], ref["name"]))

    def _on_node(self, ev: WatchEvent) -> None:
        if ev.type == "MODIFIED" and ev.verb == "update status":
            return  # heartbeats and conditions do not change placement here (taints and labels do)
        for ds in self.store.list("DaemonSet"):
            self.enqueue((ds["metadata"]["namespace"], ds["metadata"]["name"]))

    def sync(self, key) -> None:
        ds = self.store.get("DaemonSet", *key)
        if ds is None or ds["metadata"].get("deletionTimestamp") is not None:
            return
        tmpl = ds["spec"]["template"]
        revision = template_hash(tmpl)
        nodes = {n["metadata"]["name"]: n for n in self.store.list("Node")}
        pods = [p for p in self.store.by_index("pods-by-controller", ds["metadata"]["uid"]) if is_pod_active(p)]
        by_node: dict[str, list[dict]] = {}
        for p in pods:
            by_node.setdefault(_pinned_node(p), []).append(p)
        wanted = sorted(n for n, node in nodes.items() if node_should_run(tmpl["spec"], node))
        for name in sorted(set(by_node) - set(wanted)):
            for p in by_node.pop(name):
                self._delete(ds, p)
        for name in wanted:
            extra = sorted(by_node.get(name, []), key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]))[1:]
            for p in extra:  # more than one Pod on a node: keep the oldest
                self._delete(ds, p)
                by_node[name].remove(p)
        for name in wanted:
            if not by_node.get(name):
                pod = self._new_pod(ds, name, revision)
                try:
                    self.admit_pod(pod)
                except LabError as e:
                    self.store.record_event(ds, "FailedCreate", f"Error creating: {e}", type="Warning", source=self.name)
                    continue
                self.store.create(pod, actor=self.name)
                self.store.record_event(ds, "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}", source=self.name)
                by_node[name] = [pod]
        self._rolling_update(ds, wanted, by_node, revision)
        self._update_status(ds, nodes, wanted, by_node, revision)

    def _delete(self, ds: dict, pod: dict) -> None:
        self.store.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"], actor=self.name)
        self.store.record_event(ds, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", source=self.name)

    def _rolling_update(self, ds: dict, wanted: list[str], by_node: dict, revision: str) -> None:
        strategy = ds["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        from labsupport.k8s.validation import int_or_percent
        max_unavailable = int_or_percent((strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1), len(wanted), True,
                                         "spec.updateStrategy.rollingUpdate.maxUnavailable") or 1
        unavailable = [n for n in wanted if not any(is_pod_ready(p) for p in by_node.get(n, ()))]
        old = [n for n in wanted if any(_revision(p) != revision for p in by_node.get(n, ())) and n not in unavailable]
        budget = max_unavailable - len(unavailable)
        for n in old[: max(0, budget)]:
            for p in by_node[n]:
                self._delete(ds, p)
        # old Pods that are not ready anyway are replaced at once (they cost no availability)
        for n in unavailable:
            for p in by_node.get(n, ()):
                if _revision(p) != revision:
                    self._delete(ds, p)

    def _new_pod(self, ds: dict, node: str, revision: str) -> dict:
        tmpl = ds["spec"]["template"]
        tmeta = tmpl.get("metadata") or {}
        spec = dict(tmpl["spec"])
        spec["affinity"] = _pin(spec, node)
        spec["tolerations"] = daemon_tolerations(spec)
        meta = {"name": self.names.next_name("Pod", ds, ds["metadata"]["name"] + "-"), "generateName": ds["metadata"]["name"] + "-",
                "namespace": ds["metadata"]["namespace"], "labels": {**(tmeta.get("labels") or {}), REVISION_HASH: revision},
                "ownerReferences": [owner_reference(ds)]}
        if tmeta.get("annotations"):
            meta["annotations"] = dict(tmeta["annotations"])
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": "Pending"}}

    def _update_status(self, ds: dict, nodes: dict, wanted: list[str], by_node: dict, revision: str) -> None:
        current = [n for n in wanted if by_node.get(n)]
        ready = [n for n in current if any(is_pod_ready(p) for p in by_node[n])]
        updated = [n for n in current if any(_revision(p) == revision for p in by_node[n])]
        misscheduled = [n for n, ps in by_node.items() if ps and n not in wanted and n in nodes]
        new = {"desiredNumberScheduled": len(wanted), "currentNumberScheduled": len(current), "numberReady": len(ready),
               "updatedNumberScheduled": len(updated), "numberAvailable": len(ready), "numberUnavailable": len(wanted) - len(ready),
               "numberMisscheduled": len(misscheduled), "observedGeneration": ds["metadata"].get("generation", 1)}
        status = ds.setdefault("status", {})
        if any(status.get(k) != v for k, v in new.items()):
            status.update(new)
            self.store.update(ds, actor=self.name, verb="update status")


def _pinned_node(pod: dict) -> str:
    if pod["spec"].get("nodeName"):
        return pod["spec"]["nodeName"]
    req = ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    for term in req.get("nodeSelectorTerms") or ():
        for f in term.get("matchFields") or ():
            if f.get("key") == "metadata.name" and f.get("values"):
                return f["values"][0]
    return ""


def _revision(pod: dict) -> str | None:
    return (pod["metadata"].get("labels") or {}).get(REVISION_HASH)
