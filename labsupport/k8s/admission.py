"""Admission: what kube-apiserver does to a Pod between "valid" and "stored".

The plugins run in the API server's order on every Pod create, whoever creates it
(``kubectl apply`` or the ReplicaSet controller):

1. **NamespaceLifecycle** -- the namespace must exist and not be terminating;
2. **Priority** -- ``spec.priorityClassName`` is resolved to ``spec.priority`` (or the
   ``globalDefault`` class, else 0); an unknown class is refused;
3. **DefaultTolerationSeconds** -- every Pod without them gets
   ``node.kubernetes.io/not-ready`` and ``node.kubernetes.io/unreachable``
   ``NoExecute`` tolerations with ``tolerationSeconds: 300``;
4. **ResourceQuota** -- the Pod's requests are charged to each quota of its
   namespace; if one would go over ``spec.hard`` the Pod is refused with the API
   server's message ``exceeded quota: <name>, requested: ..., used: ..., limited: ...``.

See https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/
and https://kubernetes.io/docs/concepts/policy/resource-quotas/.

>>> pod = {"kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": {"containers": [{"name": "c"}]}}
>>> add_default_tolerations(pod)
>>> [(t["key"], t["tolerationSeconds"]) for t in pod["spec"]["tolerations"]]
[('node.kubernetes.io/not-ready', 300), ('node.kubernetes.io/unreachable', 300)]
"""
from __future__ import annotations

from collections.abc import Mapping

from labsupport.k8s.errors import ManifestError, QuotaExceededError
from labsupport.k8s.objects import is_pod_terminal
from labsupport.k8s.quantity import format_cpu, format_memory, parse_count, parse_cpu, parse_memory, pod_requests
from labsupport.k8s.store import ADDED, DELETED, APIStore, WatchEvent

__all__ = [
    "DEFAULT_TOLERATION_SECONDS",
    "BUILTIN_PRIORITY_CLASSES",
    "add_default_tolerations",
    "resolve_priority",
    "QuotaTracker",
    "Admission",
]

#: ``--default-not-ready-toleration-seconds`` and ``--default-unreachable-toleration-seconds`` (both 300).
DEFAULT_TOLERATION_SECONDS = 300

#: The two PriorityClasses every cluster has (``pkg/apis/scheduling/types.go``).
BUILTIN_PRIORITY_CLASSES = {"system-cluster-critical": 2_000_000_000, "system-node-critical": 2_000_001_000}

_TAINT_KEYS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


_TOLERATIONS_CACHE: dict[int, tuple] = {}


def add_default_tolerations(pod: dict) -> None:
    """DefaultTolerationSeconds: add the two 300 s NoExecute tolerations unless the Pod already tolerates them.

    Pods from one template share the resulting list (it is never modified in place).
    """
    spec = pod.setdefault("spec", {})
    original = spec.get("tolerations")
    hit = _TOLERATIONS_CACHE.get(id(original))
    if hit is not None and hit[0] is original:
        spec["tolerations"] = hit[1]
        return
    tolerations = list(original or ())
    for key in _TAINT_KEYS:
        if any(t.get("key") == key and t.get("effect") in (None, "", "NoExecute") for t in tolerations) or any(
            t.get("operator") == "Exists" and not t.get("key") and t.get("effect") in (None, "", "NoExecute") for t in tolerations
        ):
            continue
        tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
    spec["tolerations"] = tolerations
    if len(_TOLERATIONS_CACHE) >= 4096:
        _TOLERATIONS_CACHE.clear()
    _TOLERATIONS_CACHE[id(original)] = (original, tolerations)


_LOOK_UP = object()


def resolve_priority(pod: dict, store: APIStore, global_default: object = _LOOK_UP) -> None:
    """Priority admission: ``spec.priorityClassName`` -> ``spec.priority`` and ``spec.preemptionPolicy``.

    A Pod without a class gets the ``globalDefault`` PriorityClass (passed in, or looked up), else priority 0.
    """
    spec = pod["spec"]
    name = spec.get("priorityClassName")
    if name:
        if name in BUILTIN_PRIORITY_CLASSES:
            spec["priority"] = BUILTIN_PRIORITY_CLASSES[name]
            return
        pc = store.get("PriorityClass", None, name)
        if pc is None:
            raise ManifestError(f'pods "{pod["metadata"]["name"]}" is forbidden: no PriorityClass with name {name} was found (spec.priorityClassName)')
        spec["priority"] = pc.get("value", 0)
        spec["preemptionPolicy"] = pc.get("preemptionPolicy", "PreemptLowerPriority")
        return
    if global_default is _LOOK_UP:
        global_default = next((pc for pc in store.list("PriorityClass") if pc.get("globalDefault")), None)
    if global_default is not None:
        spec["priorityClassName"] = global_default["metadata"]["name"]
        spec["priority"] = global_default.get("value", 0)
        spec["preemptionPolicy"] = global_default.get("preemptionPolicy", "PreemptLowerPriority")
        return
    spec.setdefault("priority", 0)


_QUOTA_FMT = {"pods": str, "requests.cpu": format_cpu, "cpu": format_cpu, "requests.memory": format_memory, "memory": format_memory}


def _hard(quota: Mapping) -> dict[str, int]:
    out = {}
    for key, q in ((quota.get("spec") or {}).get("hard") or {}).items():
        if key.endswith("cpu"):
            out[key] = parse_cpu(q, f"spec.hard.{key}")
        elif key.endswith("memory"):
            out[key] = parse_memory(q, f"spec.hard.{key}")
        else:
            out[key] = parse_count(q, f"spec.hard.{key}")
    return out


def _charge(pod: Mapping) -> dict[str, int]:
    r = pod_requests(pod)
    return {"pods": 1, "requests.cpu": r["cpu"], "cpu": r["cpu"], "requests.memory": r["memory"], "memory": r["memory"]}


class QuotaTracker:
    """Per-namespace usage of the resources ResourceQuotas limit; kept up to date from Pod watch events.

    Usage counts Pods that are not Succeeded/Failed (``pods`` quota semantics); it is only
    tracked for namespaces that have a ResourceQuota, so big quota-free clusters pay nothing.
    """

    def __init__(self, store: APIStore) -> None:
        self.store = store
        self._charged: dict[str, dict[tuple, dict[str, int]]] = {}
        store.watch("Pod", self._on_pod, owner="resourcequota-controller")
        store.watch("ResourceQuota", self._on_quota, owner="resourcequota-controller")

    def usage(self, namespace: str) -> dict[str, int]:
        """Current usage in ``namespace`` (``pods``, ``requests.cpu`` in millicores, ``requests.memory`` in bytes)."""
        total = {k: 0 for k in _QUOTA_FMT}
        for c in self._charged.get(namespace, {}).values():
            for k, v in c.items():
                total[k] += v
        return total

    def _on_quota(self, ev: WatchEvent) -> None:
        ns = ev.object["metadata"]["namespace"]
        if ev.type == ADDED and ns not in self._charged:
            self._charged[ns] = {
                (ns, p["metadata"]["name"]): _charge(p) for p in self.store.list("Pod", ns) if not is_pod_terminal(p)
            }
        if ev.type != DELETED:
            self._write_used(ev.object)

    def _on_pod(self, ev: WatchEvent) -> None:
        meta = ev.object["metadata"]
        charged = self._charged.get(meta["namespace"])
        if charged is None:
            return
        key = (meta["namespace"], meta["name"])
        if ev.type == DELETED or is_pod_terminal(ev.object):
            if charged.pop(key, None) is not None:
                self._refresh(meta["namespace"])
        elif key not in charged:
            charged[key] = _charge(ev.object)
            self._refresh(meta["namespace"])

    def _refresh(self, ns: str) -> None:
        for q in self.store.list("ResourceQuota", ns):
            self._write_used(q)

    def _write_used(self, quota: dict) -> None:
        used = self.usage(quota["metadata"]["namespace"])
        hard = (quota.get("spec") or {}).get("hard") or {}
        new = {k: _QUOTA_FMT[k](used[k]) for k in sorted(hard)}
        status = quota.setdefault("status", {})
        if status.get("used") != new or status.get("hard") != hard:
            status["hard"] = dict(hard)
            status["used"] = new
            self.store.update(quota, actor="resourcequota-controller", verb="update status")

    def check(self, pod: Mapping, extra: Mapping[str, dict[str, int]] | None = None) -> None:
        """Raise :class:`QuotaExceededError` if charging ``pod`` would exceed a quota of its namespace.

        ``extra`` adds usage not stored yet (Pods earlier in the same ``apply``).
        """
        ns = pod["metadata"]["namespace"]
        quotas = self.store.list("ResourceQuota", ns)
        if not quotas:
            return
        charge = _charge(pod)
        used = self.usage(ns) if ns in self._charged else {k: 0 for k in _QUOTA_FMT}
        for k, v in ((extra or {}).get(ns) or {}).items():
            used[k] += v
        # A Pod made by a controller is admitted under its generateName ("web-7d4b9c-"), as the API server reports it.
        name = pod["metadata"].get("generateName") or pod["metadata"]["name"]
        for q in quotas:
            hard = _hard(q)
            for key in hard:
                if key != "pods" and not _has_request(pod, key.split(".")[-1]):
                    raise QuotaExceededError(f'pods "{name}" is forbidden: failed quota: {q["metadata"]["name"]}: must specify {key}')
            over = [k for k in sorted(hard) if used[k] + charge[k] > hard[k]]
            if over:
                raise QuotaExceededError(
                    f'pods "{name}" is forbidden: exceeded quota: {q["metadata"]["name"]}, '
                    f"requested: {_fmt(charge, over)}, used: {_fmt(used, over)}, limited: {_fmt(hard, over)}"
                )


def _fmt(values: Mapping[str, int], keys: list[str]) -> str:
    return ",".join(f"{k}={_QUOTA_FMT[k](values[k])}" for k in keys)


def _has_request(pod: Mapping, resource: str) -> bool:
    for c in (pod.get("spec") or {}).get("containers") or ():
        res = c.get("resources") or {}
        if resource not in (res.get("requests") or {}) and resource not in (res.get("limits") or {}):
            return False
    return True


class Admission:
    """The admission chain for Pods, installed on the store so every creator goes through it."""

    def __init__(self, store: APIStore) -> None:
        self.store = store
        self.quota = QuotaTracker(store)
        self._global_default: dict | None = None
        #: extra validating plugins called last with the Pod (PodSecurity, labsupport.k8s.podsecurity)
        self.validators: list = []
        store.watch("PriorityClass", self._on_priority_class, owner="kube-apiserver")

    def _on_priority_class(self, ev: WatchEvent) -> None:
        self._global_default = next((pc for pc in self.store.list("PriorityClass") if pc.get("globalDefault")), None)

    def admit_pod(self, pod: dict, extra_usage: Mapping | None = None, namespaces: set[str] | None = None) -> None:
        """Run the plugins on ``pod`` (mutating it); raise a LabError if refused."""
        meta = pod["metadata"]
        ns = meta.setdefault("namespace", "default")
        nso = self.store.get("Namespace", None, ns)
        if (nso is None and ns not in (namespaces or ())) or (nso is not None and nso["metadata"].get("deletionTimestamp") is not None):
            raise ManifestError(f'metadata.namespace: namespace "{ns}" not found' if nso is None else f'pods "{meta["name"]}" is forbidden: unable to create new content in namespace {ns} because it is being terminated')
        resolve_priority(pod, self.store, self._global_default)
        add_default_tolerations(pod)
        self.quota.check(pod, extra_usage)
        for validate in self.validators:
            validate(pod)

    @staticmethod
    def charge(pod: Mapping) -> dict[str, int]:
        """What ``pod`` adds to its namespace's quota usage."""
        return _charge(pod)
