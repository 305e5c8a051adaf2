"""KubeSchedulerConfiguration parsing: defaults, merges, and errors that name the field."""
import pytest
from sched_helpers import bound, make, node, pod

from labsupport.k8s.scheduler import SchedulerConfigError, parse_scheduler_config
from labsupport.k8s.scheduler.config import parse_config

HEAD = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration"}


def cfg(**kw):
    return {**HEAD, **kw}


def test_default_profile_matches_default_plugins_go():
    p = parse_config(None)[0]
    assert p.filters == ["NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts",
                         "NodeResourcesFit", "VolumeRestrictions", "VolumeBinding", "VolumeZone",  # issue 15
                         "PodTopologySpread", "InterPodAffinity"]
    assert p.score_weights == {"TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1, "PodTopologySpread": 2,
                               "InterPodAffinity": 2, "NodeResourcesBalancedAllocation": 1}
    assert p.preemption and p.scheduler_name == "default-scheduler"


@pytest.mark.parametrize("plugins, check", [
    ({"score": {"disabled": [{"name": "NodeResourcesBalancedAllocation"}]}},
     lambda p: "NodeResourcesBalancedAllocation" not in p.score_weights),
    ({"score": {"enabled": [{"name": "NodeResourcesFit", "weight": 5}]}}, lambda p: p.score_weights["NodeResourcesFit"] == 5),
    ({"multiPoint": {"enabled": [{"name": "TaintToleration", "weight": 7}]}}, lambda p: p.score_weights["TaintToleration"] == 7),
    ({"score": {"disabled": [{"name": "*"}]}}, lambda p: p.score_weights == {}),
    ({"postFilter": {"disabled": [{"name": "DefaultPreemption"}]}}, lambda p: not p.preemption),
    ({"filter": {"disabled": [{"name": "TaintToleration"}]}}, lambda p: "TaintToleration" not in p.filters),
    ({"multiPoint": {"disabled": [{"name": "PodTopologySpread"}]}},
     lambda p: "PodTopologySpread" not in p.filters and "PodTopologySpread" not in p.score_weights),
], ids=["disable one score plugin", "re-weight a score plugin", "re-weight through multiPoint", "disable all scores with *",
        "turn preemption off", "disable a filter", "multiPoint disable removes every extension point"])
def test_plugin_sets_merge_like_kube_scheduler(plugins, check):
    assert check(parse_config(cfg(profiles=[{"plugins": plugins}]))[0])


def test_scoring_strategy_and_yaml_string():
    text = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
profiles:
- schedulerName: bin-packer
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: RequestedToCapacityRatio
        resources: [{name: cpu, weight: 2}, {name: memory, weight: 1}]
        requestedToCapacityRatio:
          shape: [{utilization: 0, score: 0}, {utilization: 100, score: 10}]
"""
    c = parse_scheduler_config(text)
    p = c.profiles[0]
    assert c.percentage_of_nodes_to_score == 30 and p.scheduler_name == "bin-packer"
    assert p.plugin_args["NodeResourcesFit"] == {"strategy": "RequestedToCapacityRatio",
                                                 "resources": (("cpu", 2), ("memory", 1)), "shape": ((0, 0), (100, 10))}


@pytest.mark.parametrize("config, field", [
    ({"apiVersion": "kubescheduler.config.k8s.io/v1beta3", "kind": "KubeSchedulerConfiguration"}, "apiVersion"),
    ({**HEAD, "kind": "Policy"}, "kind"),
    (cfg(percentageOfNodesToScore=101), "percentageOfNodesToScore"),
    (cfg(extenders=[]), "extenders"),
    (cfg(profiles=[{"plugins": {"score": {"enabled": [{"name": "Magic"}]}}}]), "profiles[0].plugins.score.enabled[0].name"),
    (cfg(profiles=[{"plugins": {"score": {"enabled": [{"name": "NodeResourcesFit", "weight": 500}]}}}]),
     "profiles[0].plugins.score.enabled[0].weight"),
    (cfg(profiles=[{"plugins": {"scoring": {}}}]), "profiles[0].plugins.scoring"),
    (cfg(profiles=[{"plugins": {"score": {"enabled": [{"name": "NodeUnschedulable"}]}}}]), "profiles[0].plugins.score"),
    (cfg(profiles=[{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "Random"}}}]}]),
     "profiles[0].pluginConfig[0].args.scoringStrategy.type"),
    (cfg(profiles=[{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {
        "resources": [{"name": "storage", "weight": 1}]}}}]}]),
     "profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].name"),
    (cfg(profiles=[{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {
        "type": "RequestedToCapacityRatio", "requestedToCapacityRatio": {"shape": [
            {"utilization": 50, "score": 1}, {"utilization": 40, "score": 2}]}}}}]}]),
     "profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1].utilization"),
    (cfg(profiles=[{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {
        "type": "RequestedToCapacityRatio"}}}]}]),
     "profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape"),
    (cfg(profiles=[{}, {}]), "profiles[1].schedulerName"),
    (cfg(profiles=[{"schedulerName": ""}]), "profiles[0].schedulerName"),
    ("profiles: [", "scheduler_config"),
], ids=["old apiVersion", "wrong kind", "percentage above 100", "extenders are not simulated", "unknown plugin name",
        "weight out of range", "unknown extension point", "filter-only plugin under score", "unknown scoring strategy",
        "a resource name that is neither native nor extended", "shape utilization must increase", "shape required for RTCR",
        "duplicate schedulerName", "empty schedulerName", "broken YAML"])
def test_bad_config_names_the_field(config, field):
    with pytest.raises(SchedulerConfigError) as e:
        parse_scheduler_config(config)
    assert str(e.value).startswith(field + ":")


def test_bad_config_raises_from_the_scheduler_with_a_short_traceback():
    with pytest.raises(SchedulerConfigError) as e:
        make(config=cfg(percentageOfNodesToScore=-1))
    assert e.value.__cause__ is None and e.value.__suppress_context__


def test_most_allocated_packs_and_least_allocated_spreads():
    packing = cfg(profiles=[{"pluginConfig": [{"name": "NodeResourcesFit",
                                               "args": {"scoringStrategy": {"type": "MostAllocated"}}}],
                             "plugins": {"score": {"disabled": [{"name": "NodeResourcesBalancedAllocation"}]}}}])
    results = {}
    for label, config in (("least", None), ("most", packing)):
        sim, store, _ = make(config=config)
        node(store, "n1")
        node(store, "n2")
        for i in range(4):
            pod(store, f"p{i}", cpu="500m", memory="512Mi")
            sim.run(1)
        results[label] = sorted(set(bound(store).values()))
    assert results["least"] == ["n1", "n2"] and len(results["most"]) == 1


def test_pods_of_an_unknown_scheduler_stay_pending_and_a_second_profile_serves_its_own():
    sim, store, sched = make(config=cfg(profiles=[{}, {"schedulerName": "batch"}]))
    node(store, "n1")
    pod(store, "mine", schedulerName="batch")
    pod(store, "nobody", schedulerName="other")
    sim.run(1)
    assert bound(store) == {"mine": "n1", "nobody": None}
    assert sched.profiles == ["default-scheduler", "batch"]
    assert [e.source for e in store.events if e.reason == "Scheduled"] == ["batch"]
