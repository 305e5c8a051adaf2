"""Filter verdicts and plugin scores on hand-built clusters, checked against kube-scheduler's messages."""
import pytest

from labsupport.k8s.scheduler import Code, Framework, NodeCache, PodInfo
from labsupport.k8s.scheduler.config import parse_config


def cache_of(*nodes):
    c = NodeCache()
    for n in nodes:
        name = n["name"]
        c.set_node({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **n.get("labels", {})}},
                    "spec": {"taints": n.get("taints", []), "unschedulable": n.get("unschedulable", False)},
                    "status": {"allocatable": {"cpu": n.get("cpu", "4"), "memory": n.get("memory", "8Gi"),
                                               "pods": n.get("pods", "110")}}})
    return c


def podinfo(name="p", cpu="100m", memory="100Mi", labels=None, **spec):
    return PodInfo.from_dict({"metadata": {"name": name, "labels": labels or {"app": "web"}},
                              "spec": {"containers": [{"resources": {"requests": {"cpu": cpu, "memory": memory}}}], **spec}})


def verdicts(cache, pod):
    fw = Framework(parse_config(None)[0], cache)
    st = fw.new_state(pod)
    idx = cache.order()
    out = fw.run_filters(st, idx)
    return {cache.names[s]: out.status(i) for i, s in enumerate(idx.tolist())}


GPU_TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}


@pytest.mark.parametrize("node, pod, code, reasons", [
    (dict(name="n", cpu="1"), podinfo(cpu="2"), Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ("Insufficient cpu",)),
    (dict(name="n", memory="1Gi"), podinfo(memory="2Gi"), Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ("Insufficient memory",)),
    (dict(name="n", pods="0"), podinfo(), Code.UNSCHEDULABLE, ("Too many pods",)),
    (dict(name="n", taints=[GPU_TAINT]), podinfo(), Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ("node(s) had untolerated taint(s)",)),
    (dict(name="n", unschedulable=True), podinfo(), Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ("node(s) were unschedulable",)),
    (dict(name="n", labels={"disk": "hdd"}), podinfo(nodeSelector={"disk": "ssd"}), Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
     ("node(s) didn't match Pod's node affinity/selector",)),
], ids=["cpu request above the node is unresolvable", "memory request above the node is unresolvable",
        "pod slots exhausted says Too many pods", "NoSchedule taint without toleration is rejected",
        "cordoned node is rejected", "nodeSelector mismatch is rejected"])
def test_filter_reasons(node, pod, code, reasons):
    st = verdicts(cache_of(node), pod)["n"]
    assert (st.code, st.reasons) == (code, reasons)


def test_insufficient_resources_on_a_partly_used_node_is_resolvable_and_lists_every_resource():
    c = cache_of(dict(name="n", cpu="2", memory="2Gi"))
    c.add_pod(podinfo("old", cpu="1500m", memory="1500Mi"), "n")
    st = verdicts(c, podinfo(cpu="1", memory="1Gi"))["n"]
    assert (st.code, st.reasons, st.plugin) == (Code.UNSCHEDULABLE, ("Insufficient cpu", "Insufficient memory"), "NodeResourcesFit")


@pytest.mark.parametrize("toleration", [
    {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
    {"key": "dedicated", "operator": "Exists"},
    {"operator": "Exists"},
], ids=["exact toleration passes", "Exists on the key passes", "empty key with Exists tolerates everything"])
def test_tolerations_pass_the_taint_filter(toleration):
    assert verdicts(cache_of(dict(name="n", taints=[GPU_TAINT])), podinfo(tolerations=[toleration]))["n"].ok


def test_first_failing_filter_wins():
    # tainted AND too small: TaintToleration runs before NodeResourcesFit in the default profile
    st = verdicts(cache_of(dict(name="n", cpu="1", taints=[GPU_TAINT])), podinfo(cpu="2"))["n"]
    assert st.plugin == "TaintToleration"


def test_prefer_no_schedule_taints_are_reverse_normalised():
    def soft(key):
        return {"key": key, "value": "x", "effect": "PreferNoSchedule"}

    c = cache_of(dict(name="a"), dict(name="b", taints=[soft("k1")]), dict(name="c", taints=[soft("k1"), soft("k2")]))
    fw = Framework(parse_config(None)[0], c)
    st = fw.new_state(podinfo())
    out = fw.run_scores(st, c.order())
    assert out.raw["TaintToleration"].tolist() == [0, 1, 2]
    assert out.normalized["TaintToleration"].tolist() == [100, 50, 0]


def spread_pod(max_skew=1, min_domains=None, name="new"):
    c = {"maxSkew": max_skew, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
         "labelSelector": {"matchLabels": {"app": "web"}}}
    if min_domains:
        c["minDomains"] = min_domains
    return podinfo(name, topologySpreadConstraints=[c])


@pytest.mark.parametrize("existing, pod, feasible", [
    ({"a1": 2, "b1": 0}, spread_pod(), {"a1": False, "b1": True}),
    ({"a1": 1, "b1": 1}, spread_pod(), {"a1": True, "b1": True}),
    ({"a1": 1, "b1": 1}, spread_pod(min_domains=3), {"a1": False, "b1": False}),
    ({"a1": 2, "b1": 0}, spread_pod(max_skew=3), {"a1": True, "b1": True}),
], ids=["skew 2+1-0 over maxSkew 1 rejects the crowded zone", "balanced zones accept both",
        "fewer domains than minDomains makes the minimum 0", "maxSkew 3 tolerates the imbalance"])
def test_topology_spread_filter(existing, pod, feasible):
    c = cache_of(dict(name="a1", labels={"zone": "a"}), dict(name="b1", labels={"zone": "b"}))
    for n, k in existing.items():
        for i in range(k):
            c.add_pod(podinfo(f"{n}-{i}"), n)
    got = {n: st.ok for n, st in verdicts(c, pod).items()}
    assert got == feasible


def test_topology_spread_rejects_nodes_without_the_key_as_unresolvable():
    c = cache_of(dict(name="a1", labels={"zone": "a"}), dict(name="x"))
    st = verdicts(c, spread_pod())["x"]
    assert st.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE
    assert st.reasons == ("node(s) didn't match pod topology spread constraints (missing required label)",)


def test_required_anti_affinity_of_existing_pods_is_symmetric():
    c = cache_of(dict(name="n1"), dict(name="n2"))
    loner = PodInfo.from_dict({"metadata": {"name": "loner", "labels": {"app": "db"}}, "spec": {"affinity": {
        "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "web"}}}]}}}})
    c.add_pod(loner, "n1")
    v = verdicts(c, podinfo())
    assert v["n1"].reasons == ("node(s) didn't satisfy existing pods anti-affinity rules",)
    assert v["n2"].ok


def test_required_pod_affinity_allows_the_first_pod_of_a_group_anywhere():
    aff = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "web"}}}]}}
    c = cache_of(dict(name="n1"), dict(name="n2"))
    assert all(st.ok for st in verdicts(c, podinfo(affinity=aff)).values())
    c.add_pod(podinfo("first"), "n2")
    v = verdicts(c, podinfo("second", affinity=aff))
    assert v["n1"].reasons == ("node(s) didn't match pod affinity rules",) and v["n2"].ok


def test_preferred_node_affinity_scores_weights_normalised():
    c = cache_of(dict(name="ssd", labels={"disk": "ssd"}), dict(name="fast", labels={"disk": "ssd", "net": "fast"}),
                 dict(name="plain"))
    pref = [{"weight": 20, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}},
            {"weight": 60, "preference": {"matchExpressions": [{"key": "net", "operator": "Exists"}]}}]
    fw = Framework(parse_config(None)[0], c)
    out = fw.run_scores(fw.new_state(podinfo(affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": pref}})),
                        c.order())
    assert out.raw["NodeAffinity"].tolist() == [20, 80, 0]
    assert out.normalized["NodeAffinity"].tolist() == [25, 100, 0]


def test_best_effort_pod_skips_balanced_allocation():
    c = cache_of(dict(name="n"))
    fw = Framework(parse_config(None)[0], c)
    be = PodInfo.from_dict({"metadata": {"name": "be"}, "spec": {"containers": [{"name": "c"}]}})
    out = fw.run_scores(fw.new_state(be), c.order())
    assert "NodeResourcesBalancedAllocation" not in out.normalized
    assert be.nonzero_requests == (100, 200 * 2**20)   # scoring counts the 100m / 200Mi defaults


def test_scores_work_on_a_matrix_of_windows_like_on_one_window():
    c = cache_of(*[dict(name=f"n{i}", cpu=str(1 + i % 4)) for i in range(8)])
    fw = Framework(parse_config(None)[0], c)
    st = fw.new_state(podinfo())
    idx = c.order()
    rows = fw.run_scores(st, idx.reshape(2, 4)).total
    one = [fw.run_scores(fw.new_state(podinfo()), idx[i * 4:(i + 1) * 4]).total for i in range(2)]
    assert rows.tolist() == [o.tolist() for o in one]


@pytest.mark.parametrize(("terms", "reason"), [
    ({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "db"}}}]}},
     "node(s) didn't match pod anti-affinity rules"),
], ids=["the incoming Pod's anti-affinity still sees a terminating Pod"])
def test_interpodaffinity_counts_terminating_pods(terms, reason):
    """kube-scheduler walks nodeInfo.Pods, terminating Pods included (kubernetes issue #111793, fix closed unmerged)."""
    c = cache_of(dict(name="n1"), dict(name="n2"))
    old = podinfo("db-0", labels={"app": "db"})
    c.add_pod(old, "n1")
    c.mark_terminating(old.key)
    v = verdicts(c, podinfo("db-1", labels={"app": "db"}, affinity=terms))
    assert v["n1"].reasons == (reason,) and v["n2"].ok
    # PodTopologySpread, by contrast, does not count it (countPodsMatchSelector skips terminating Pods)
    assert int(c.matching_counts(["default"], {"matchLabels": {"app": "db"}}).sum()) == 0
    assert int(c.matching_counts(["default"], {"matchLabels": {"app": "db"}}, include_terminating=True).sum()) == 1
