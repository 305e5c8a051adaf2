"""Builders shared by the Kubernetes case modules: the Go tests' ``st.MakeNode()``/``st.MakePod()`` as dicts,
and runners that put them into a :class:`~labsupport.k8s.scheduler.cache.NodeCache` and run one plugin.

Node dicts: ``{"name", "labels", "taints", "alloc", "unschedulable"}``; Pod dicts: ``{"name", "namespace",
"labels", "node", "terminating", "spec"}`` (``spec`` is the Pod spec, API form).
"""
from __future__ import annotations

import numpy as np

from labsupport.k8s.scheduler import NodeCache, PodInfo
from labsupport.k8s.scheduler.plugins import REGISTRY
from labsupport.k8s.scheduler.plugins.base import CycleState
from labsupport.k8s.scheduler.status import Code

__all__ = ["node", "pod", "req", "fit_args", "spread", "exists_selector", "build_cache", "pod_info", "run_scores", "run_filter", "CODES"]

CODES = {"Success": Code.SUCCESS, "Unschedulable": Code.UNSCHEDULABLE,
         "UnschedulableAndUnresolvable": Code.UNSCHEDULABLE_AND_UNRESOLVABLE}
BIG = {"cpu": "1000", "memory": "1000Gi", "pods": "1000"}


def node(name, labels=None, taints=None, alloc=None, unschedulable=False):
    """``st.MakeNode().Name(name).Label(...).Taints(...)`` (plenty of capacity unless ``alloc`` says otherwise)."""
    return {"name": name, "labels": dict(labels or {}), "taints": list(taints or ()), "alloc": BIG if alloc is None else alloc,
            "unschedulable": unschedulable}


def pod(name="p", labels=None, node=None, namespace="default", terminating=False, **spec):
    """``st.MakePod().Name(name).Label(...).Node(node)``; keyword arguments go into the Pod spec."""
    return {"name": name, "labels": dict(labels or {}), "node": node, "namespace": namespace,
            "terminating": terminating, "spec": spec}


def exists_selector(*keys):
    """``st.MakeLabelSelector().Exists(k)...``"""
    return {"matchExpressions": [{"key": k, "operator": "Exists"} for k in keys]}


def spread(max_skew, key, mode, selector, min_domains=None, affinity_policy=None, taints_policy=None,
           match_label_keys=None):
    """``SpreadConstraint(maxSkew, key, mode, selector, minDomains, nodeAffinityPolicy, nodeTaintsPolicy, matchLabelKeys)``."""
    c = {"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": mode}
    if selector is not None:
        c["labelSelector"] = selector
    if min_domains is not None:
        c["minDomains"] = min_domains
    if affinity_policy is not None:
        c["nodeAffinityPolicy"] = affinity_policy
    if taints_policy is not None:
        c["nodeTaintsPolicy"] = taints_policy
    if match_label_keys is not None:
        c["matchLabelKeys"] = match_label_keys
    return c


def pod_info(p):
    meta = {"name": p["name"], "namespace": p["namespace"], "labels": p["labels"]}
    if p.get("terminating"):
        meta["deletionTimestamp"] = 1.0
    spec = dict(p["spec"])
    spec.setdefault("containers", [])  # st.MakePod() has no containers (so no non-zero default requests)
    if p.get("node"):
        spec["nodeName"] = p["node"]
    return PodInfo.from_dict({"metadata": meta, "spec": spec})


def build_cache(nodes, existing=()):
    c = NodeCache()
    for n in nodes:
        c.set_node({"metadata": {"name": n["name"], "labels": n["labels"]},
                    "spec": {"taints": n["taints"], "unschedulable": n["unschedulable"]},
                    "status": {"allocatable": n["alloc"]}})
    for p in existing:
        # a Pod bound to a node the snapshot does not have is invisible to the plugins (nodeInfo without node)
        if p["node"] in c.slot:
            c.add_pod(pod_info(p), p["node"])
    return c


def req(*containers):
    """``.Req(map)`` once per container: ``req({"cpu": "1000", "memory": "2000"}, ...)`` -> a containers list."""
    return [{"name": f"c{i}", "resources": {"requests": dict(r)}} for i, r in enumerate(containers)]


def fit_args(strategy, resources=None, shape=None):
    """NodeResourcesFitArgs through the simulator's KubeSchedulerConfiguration parser (validation included)."""
    from labsupport.k8s.scheduler.config import parse_config
    ss = {"type": strategy}
    if resources is not None:
        ss["resources"] = [{"name": n, "weight": w} for n, w in resources]
    if shape is not None:
        ss["requestedToCapacityRatio"] = {"shape": [{"utilization": u, "score": sc} for u, sc in shape]}
    cfg = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
           "profiles": [{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": ss}}]}]}
    return parse_config(cfg)[0].plugin_args["NodeResourcesFit"]


def _plugin(name, cache, args, default_selector):
    cls = REGISTRY[name]
    if name == "PodTopologySpread":
        return cls(cache, args or {}, default_selector=(lambda _p: default_selector) if default_selector else None)
    return cls(cache, args or {})


def run_scores(case):
    """PreScore/Score/NormalizeScore of ``case["plugin"]`` over the candidate ``nodes`` (``failed_nodes`` are in the
    snapshot but not scored); returns ``{node: normalized score}``, or None if PreScore skipped."""
    cache = build_cache(case["nodes"] + case.get("failed_nodes", []), case.get("existing", ()))
    pl = _plugin(case["plugin"], cache, case.get("args"), case.get("default_selector"))
    st = CycleState(pod_info(case["pod"]), cache)
    idx = np.array([cache.slot[n["name"]] for n in case["nodes"]], dtype=np.int64)
    if not pl.pre_score(st, idx):
        return None
    raw = pl.score(st, idx)
    out = pl.normalize(st, idx, raw)
    return {n["name"]: int(v) for n, v in zip(case["nodes"], out.tolist(), strict=True)}


def run_filter(case):
    """PreFilter + Filter of ``case["plugin"]`` on every node: ``{node: (code name, reasons)}``."""
    cache = build_cache(case["nodes"], case.get("existing", ()))
    pl = _plugin(case["plugin"], cache, case.get("args"), case.get("default_selector"))
    st = CycleState(pod_info(case["pod"]), cache)
    pre = pl.pre_filter(st)
    names = [n["name"] for n in case["nodes"]]
    if pre is not None and pre.code == Code.SKIP:
        return {n: ("Success", ()) for n in names}
    if pre is not None and pre.code != Code.SUCCESS:
        return {n: (pre.code.name if hasattr(pre.code, "name") else str(pre.code), tuple(pre.reasons)) for n in names}
    idx = np.array([cache.slot[n] for n in names], dtype=np.int64)
    rej = pl.filter(st, idx)
    out = {}
    for i, n in enumerate(names):
        s = rej.status(i, pl.name) if rej is not None else None
        if s is None or s.code == Code.SUCCESS:
            out[n] = ("Success", ())
        else:
            out[n] = (next(k for k, v in CODES.items() if v == s.code), tuple(s.reasons))
    return out
