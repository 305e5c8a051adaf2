"""KubeSchedulerConfiguration (``kubescheduler.config.k8s.io/v1``) parsed into :class:`Profile` s.

Reproduces what the learner can set in the real file (docs: "Scheduler
Configuration"; defaults from ``pkg/scheduler/apis/config/v1/default_plugins.go`` and
``defaults.go``):

* ``percentageOfNodesToScore`` (0 = adaptive default), ``podInitialBackoffSeconds``
  (1), ``podMaxBackoffSeconds`` (10);
* ``profiles[].schedulerName`` (default ``default-scheduler``), per-profile
  ``percentageOfNodesToScore``;
* ``profiles[].plugins.<extension point>.enabled/disabled`` (``multiPoint``,
  ``filter``, ``score``, ``postFilter``, ...; ``"*"`` disables all defaults), score
  ``weight`` s;
* ``profiles[].pluginConfig`` args: NodeResourcesFitArgs ``scoringStrategy``
  (``type`` LeastAllocated / MostAllocated / RequestedToCapacityRatio, ``resources``,
  ``requestedToCapacityRatio.shape``), NodeResourcesBalancedAllocationArgs
  ``resources``, PodTopologySpreadArgs ``defaultingType`` / ``defaultConstraints``,
  InterPodAffinityArgs ``hardPodAffinityWeight``.

Anything else raises :class:`SchedulerConfigError` naming the field.

>>> p = parse_config(None)[0]
>>> p.scheduler_name, p.score_weights
('default-scheduler', {'TaintToleration': 3, 'NodeAffinity': 2, 'NodeResourcesFit': 1, 'PodTopologySpread': 2, 'InterPodAffinity': 2, 'NodeResourcesBalancedAllocation': 1})
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from labsupport.core.errors import LabError
from labsupport.k8s.extended_resources import is_extended_resource_name
from labsupport.k8s.scheduler.plugins import BUILTIN, NOT_SIMULATED, REGISTRY

__all__ = ["SchedulerConfigError", "Profile", "SchedulerConfig", "parse_config", "DEFAULT_PLUGINS", "API_VERSION"]

API_VERSION = "kubescheduler.config.k8s.io/v1"

#: getDefaultPlugins(): multiPoint order and score weights (None: not a score plugin / no weight).
DEFAULT_PLUGINS: tuple[tuple[str, int | None], ...] = (
    ("SchedulingGates", None), ("PrioritySort", None), ("NodeUnschedulable", None), ("NodeName", None),
    ("TaintToleration", 3), ("NodeAffinity", 2), ("NodePorts", None), ("NodeResourcesFit", 1),
    ("VolumeRestrictions", None), ("NodeVolumeLimits", None), ("VolumeBinding", None), ("VolumeZone", None),
    ("PodTopologySpread", 2), ("InterPodAffinity", 2), ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1), ("ImageLocality", 1), ("DefaultBinder", None),
)
_KNOWN = set(REGISTRY) | set(BUILTIN) | set(NOT_SIMULATED)
_POINTS = ("multiPoint", "preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore", "score",
           "reserve", "permit", "preBind", "bind", "postBind")
_TOP_FIELDS = {"apiVersion", "kind", "profiles", "percentageOfNodesToScore", "podInitialBackoffSeconds",
               "podMaxBackoffSeconds", "parallelism", "leaderElection", "clientConnection",
               "healthzBindAddress", "metricsBindAddress", "enableProfiling", "enableContentionProfiling",
               "delayCacheUntilActive"}


class SchedulerConfigError(LabError):
    """An invalid KubeSchedulerConfiguration; the message names the field.

    >>> parse_config({"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
    ...               "percentageOfNodesToScore": 140})
    Traceback (most recent call last):
    ...
    labsupport.k8s.scheduler.config.SchedulerConfigError: percentageOfNodesToScore: must be an integer from 0 to 100, got 140
    """


@dataclass
class Profile:
    """One scheduling profile: which plugins run at Filter and Score, their weights and args."""

    scheduler_name: str = "default-scheduler"
    filters: list[str] = field(default_factory=list)
    score_weights: dict[str, int] = field(default_factory=dict)
    preemption: bool = True
    percentage_of_nodes_to_score: int | None = None
    plugin_args: dict[str, dict] = field(default_factory=dict)


@dataclass
class SchedulerConfig:
    """The whole configuration: profiles plus the global knobs."""

    profiles: list[Profile]
    percentage_of_nodes_to_score: int = 0
    pod_initial_backoff_seconds: float = 1.0
    pod_max_backoff_seconds: float = 10.0


def _int_in(value: Any, lo: int, hi: int, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise SchedulerConfigError(f"{path}: must be an integer from {lo} to {hi}, got {value!r}")
    return value


def _plugin_list(items: Any, path: str, with_weight: bool) -> list[tuple[str, int | None]]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise SchedulerConfigError(f"{path}: must be a list of {{name: ...}} entries, got {type(items).__name__}")
    out = []
    for i, it in enumerate(items):
        p = f"{path}[{i}]"
        if not isinstance(it, Mapping) or not isinstance(it.get("name"), str):
            raise SchedulerConfigError(f"{p}.name: required (a plugin name such as NodeResourcesFit)")
        name = it["name"]
        if name != "*" and name not in _KNOWN:
            raise SchedulerConfigError(f"{p}.name: unknown plugin {name!r} (known: {', '.join(sorted(_KNOWN))})")
        w = it.get("weight")
        if w is not None:
            if not with_weight:
                raise SchedulerConfigError(f"{p}.weight: only score plugins (and multiPoint entries) take a weight")
            w = _int_in(w, 0, 100, f"{p}.weight") or None  # 0 = unset, as in kube-scheduler
        out.append((name, w))
    return out


def _merge(base: list[tuple[str, int | None]], point: Any, path: str, with_weight: bool) -> list[tuple[str, int | None]]:
    """mergePluginSet: drop disabled ('*' = all defaults), re-configure enabled defaults in place, append the rest."""
    if point is None:
        return list(base)
    if not isinstance(point, Mapping):
        raise SchedulerConfigError(f"{path}: must be a mapping with 'enabled' and/or 'disabled'")
    for k in point:
        if k not in ("enabled", "disabled"):
            raise SchedulerConfigError(f"{path}.{k}: unknown field (expected enabled or disabled)")
    disabled = {n for n, _ in _plugin_list(point.get("disabled"), f"{path}.disabled", False)}
    enabled = _plugin_list(point.get("enabled"), f"{path}.enabled", with_weight)
    if "*" in {n for n, _ in enabled}:
        raise SchedulerConfigError(f"{path}.enabled: '*' is only allowed under disabled")
    custom = {n: w for n, w in enabled}
    out: list[tuple[str, int | None]] = []
    if "*" not in disabled:
        for n, w in base:
            if n in disabled:
                continue
            out.append((n, custom.get(n) or w) if n in custom else (n, w))
    present = {n for n, _ in out}
    out += [(n, w) for n, w in enabled if n not in present]
    return out


def _resources(value: Any, path: str) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, list) or not value:
        raise SchedulerConfigError(f"{path}: must be a non-empty list of {{name, weight}}")
    out = []
    for i, r in enumerate(value):
        name = r.get("name") if isinstance(r, Mapping) else r
        if not isinstance(r, Mapping) or not (name in ("cpu", "memory") or is_extended_resource_name(name)
                                              or str(name).startswith("hugepages-")):
            raise SchedulerConfigError(f"{path}[{i}].name: must be cpu, memory, an extended resource such as "
                                       f"nvidia.com/gpu or hugepages-<size>, got {name!r}")
        out.append((r["name"], _int_in(r.get("weight", 1), 1, 100, f"{path}[{i}].weight")))
    return tuple(out)


def _plugin_args(name: str, args: Any, path: str) -> dict:
    if args is None:
        return {}
    if not isinstance(args, Mapping):
        raise SchedulerConfigError(f"{path}: must be a mapping")
    args = {k: v for k, v in args.items() if k not in ("apiVersion", "kind")}
    out: dict = {}
    if name == "NodeResourcesFit":
        for k in args:
            if k not in ("scoringStrategy", "ignoredResources", "ignoredResourceGroups"):
                raise SchedulerConfigError(f"{path}.{k}: unknown field of NodeResourcesFitArgs")
        ss = args.get("scoringStrategy") or {}
        sp = f"{path}.scoringStrategy"
        typ = ss.get("type", "LeastAllocated")
        if typ not in ("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"):
            raise SchedulerConfigError(f"{sp}.type: must be LeastAllocated, MostAllocated or RequestedToCapacityRatio, got {typ!r}")
        out["strategy"] = typ
        if "resources" in ss:
            out["resources"] = _resources(ss["resources"], f"{sp}.resources")
        if typ == "RequestedToCapacityRatio":
            shape = (ss.get("requestedToCapacityRatio") or {}).get("shape")
            shp = f"{sp}.requestedToCapacityRatio.shape"
            if not isinstance(shape, list) or not shape:
                raise SchedulerConfigError(f"{shp}: required for type RequestedToCapacityRatio (list of {{utilization, score}})")
            pts = []
            for i, pt in enumerate(shape):
                if not isinstance(pt, Mapping):
                    raise SchedulerConfigError(f"{shp}[{i}]: must be a mapping {{utilization, score}}")
                u = _int_in(pt.get("utilization"), 0, 100, f"{shp}[{i}].utilization")
                s = _int_in(pt.get("score"), 0, 10, f"{shp}[{i}].score")
                if pts and u <= pts[-1][0]:
                    raise SchedulerConfigError(f"{shp}[{i}].utilization: must be greater than the previous point's ({pts[-1][0]})")
                pts.append((u, s))
            out["shape"] = tuple(pts)
    elif name == "NodeResourcesBalancedAllocation":
        for k in args:
            if k != "resources":
                raise SchedulerConfigError(f"{path}.{k}: unknown field of NodeResourcesBalancedAllocationArgs")
        if "resources" in args:
            out["resources"] = _resources(args["resources"], f"{path}.resources")
    elif name == "PodTopologySpread":
        for k in args:
            if k not in ("defaultingType", "defaultConstraints"):
                raise SchedulerConfigError(f"{path}.{k}: unknown field of PodTopologySpreadArgs")
        dt = args.get("defaultingType", "System")
        if dt not in ("System", "List"):
            raise SchedulerConfigError(f"{path}.defaultingType: must be System or List, got {dt!r}")
        dc = args.get("defaultConstraints") or []
        if dt == "System" and dc:
            raise SchedulerConfigError(f"{path}.defaultConstraints: must be empty when defaultingType is System")
        for i, c in enumerate(dc):
            cp = f"{path}.defaultConstraints[{i}]"
            if not isinstance(c, Mapping) or not c.get("topologyKey"):
                raise SchedulerConfigError(f"{cp}.topologyKey: required")
            _int_in(c.get("maxSkew"), 1, 2**31 - 1, f"{cp}.maxSkew")
            if c.get("whenUnsatisfiable") not in ("DoNotSchedule", "ScheduleAnyway"):
                raise SchedulerConfigError(f"{cp}.whenUnsatisfiable: must be DoNotSchedule or ScheduleAnyway")
            if "labelSelector" in c:
                raise SchedulerConfigError(f"{cp}.labelSelector: not allowed in default constraints (the selector comes from Services and ReplicaSets)")
        out = {"defaultingType": dt, "defaultConstraints": list(dc)}
    elif name == "InterPodAffinity":
        for k in args:
            if k not in ("hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods"):
                raise SchedulerConfigError(f"{path}.{k}: unknown field of InterPodAffinityArgs")
        if "hardPodAffinityWeight" in args:
            out["hardPodAffinityWeight"] = _int_in(args["hardPodAffinityWeight"], 0, 100, f"{path}.hardPodAffinityWeight")
        if "ignorePreferredTermsOfExistingPods" in args:
            v = args["ignorePreferredTermsOfExistingPods"]
            if not isinstance(v, bool):
                raise SchedulerConfigError(f"{path}.ignorePreferredTermsOfExistingPods: must be true or false, got {v!r}")
            out["ignorePreferredTermsOfExistingPods"] = v
    elif name in ("DefaultPreemption",) + NOT_SIMULATED:
        return {}
    else:
        raise SchedulerConfigError(f"{path}: plugin {name!r} takes no args in this simulator")
    return out


def _profile(raw: Any, path: str, defaults: list[tuple[str, int | None]]) -> Profile:
    if not isinstance(raw, Mapping):
        raise SchedulerConfigError(f"{path}: must be a mapping")
    for k in raw:
        if k not in ("schedulerName", "plugins", "pluginConfig", "percentageOfNodesToScore"):
            raise SchedulerConfigError(f"{path}.{k}: unknown field of a profile")
    name = raw.get("schedulerName", "default-scheduler")
    if not isinstance(name, str) or not name:
        raise SchedulerConfigError(f"{path}.schedulerName: must be a non-empty string")
    plugins = raw.get("plugins") or {}
    if not isinstance(plugins, Mapping):
        raise SchedulerConfigError(f"{path}.plugins: must be a mapping of extension points")
    for k in plugins:
        if k not in _POINTS:
            raise SchedulerConfigError(f"{path}.plugins.{k}: unknown extension point (known: {', '.join(_POINTS)})")
    multi = _merge(defaults, plugins.get("multiPoint"), f"{path}.plugins.multiPoint", True)
    filters = _merge([(n, None) for n, _ in multi if n in REGISTRY and REGISTRY[n].filters],
                     plugins.get("filter"), f"{path}.plugins.filter", False)
    for n, _ in filters:
        if n in REGISTRY and not REGISTRY[n].filters:
            raise SchedulerConfigError(f"{path}.plugins.filter: {n} is not a Filter plugin")
    scores = _merge([(n, w) for n, w in multi if n in REGISTRY and REGISTRY[n].scores],
                    plugins.get("score"), f"{path}.plugins.score", True)
    for n, _ in scores:
        if n in REGISTRY and not REGISTRY[n].scores:
            raise SchedulerConfigError(f"{path}.plugins.score: {n} is not a Score plugin")
    post = _merge([(n, None) for n, _ in multi if n == "DefaultPreemption"], plugins.get("postFilter"),
                  f"{path}.plugins.postFilter", False)
    pct = raw.get("percentageOfNodesToScore")
    if pct is not None:
        pct = _int_in(pct, 0, 100, f"{path}.percentageOfNodesToScore")
    args: dict[str, dict] = {}
    seen = set()
    for i, pc in enumerate(raw.get("pluginConfig") or ()):
        pp = f"{path}.pluginConfig[{i}]"
        if not isinstance(pc, Mapping) or pc.get("name") not in _KNOWN:
            got = pc.get("name") if isinstance(pc, Mapping) else pc
            raise SchedulerConfigError(f"{pp}.name: unknown plugin {got!r}")
        if pc["name"] in seen:
            raise SchedulerConfigError(f"{pp}.name: {pc['name']} configured twice")
        seen.add(pc["name"])
        args[pc["name"]] = _plugin_args(pc["name"], pc.get("args"), f"{pp}.args")
    return Profile(
        scheduler_name=name,
        filters=[n for n, _ in filters if n in REGISTRY],
        score_weights={n: (w or 1) for n, w in scores if n in REGISTRY},
        preemption=any(n == "DefaultPreemption" for n, _ in post),
        percentage_of_nodes_to_score=pct,
        plugin_args=args,
    )


def parse_config(config: Any) -> list[Profile]:
    """Profiles of a configuration (None -> the default profile). See :func:`parse_scheduler_config`."""
    return parse_scheduler_config(config).profiles


def parse_scheduler_config(config: Any) -> SchedulerConfig:
    """Validate a KubeSchedulerConfiguration (dict, YAML string or None) and return a :class:`SchedulerConfig`."""
    defaults = list(DEFAULT_PLUGINS)
    if config is None:
        return SchedulerConfig([_profile({}, "profiles[0]", defaults)])
    if isinstance(config, str):
        try:
            config = yaml.safe_load(config)
        except yaml.YAMLError as e:
            raise SchedulerConfigError(f"scheduler_config: not valid YAML ({e.__class__.__name__})") from None
    if not isinstance(config, Mapping):
        raise SchedulerConfigError("scheduler_config: must be a KubeSchedulerConfiguration mapping or YAML string")
    if config.get("apiVersion") != API_VERSION:
        raise SchedulerConfigError(f"apiVersion: must be {API_VERSION!r}, got {config.get('apiVersion')!r}")
    if config.get("kind") != "KubeSchedulerConfiguration":
        raise SchedulerConfigError(f"kind: must be 'KubeSchedulerConfiguration', got {config.get('kind')!r}")
    for k in config:
        if k not in _TOP_FIELDS:
            raise SchedulerConfigError(f"{k}: unknown field of KubeSchedulerConfiguration (extenders are not simulated)"
                                       if k == "extenders" else f"{k}: unknown field of KubeSchedulerConfiguration")
    pct = _int_in(config.get("percentageOfNodesToScore", 0) or 0, 0, 100, "percentageOfNodesToScore")
    init = config.get("podInitialBackoffSeconds", 1)
    mx = config.get("podMaxBackoffSeconds", 10)
    init = _int_in(init, 1, 2**31 - 1, "podInitialBackoffSeconds")
    mx = _int_in(mx, init, 2**31 - 1, "podMaxBackoffSeconds")
    raw_profiles = config.get("profiles")
    if raw_profiles is None:
        raw_profiles = [{}]
    if not isinstance(raw_profiles, list) or not raw_profiles:
        raise SchedulerConfigError("profiles: must be a non-empty list")
    profiles = [_profile(p, f"profiles[{i}]", defaults) for i, p in enumerate(raw_profiles)]
    names = [p.scheduler_name for p in profiles]
    for i, n in enumerate(names):
        if n in names[:i]:
            raise SchedulerConfigError(f"profiles[{i}].schedulerName: {n!r} is used by another profile")
    return SchedulerConfig(profiles, pct, float(init), float(mx))
