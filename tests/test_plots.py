"""labsupport.plots: every plot returns a pyplot-free Figure, labels its axes, and is byte-for-byte deterministic."""
from __future__ import annotations

import functools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from labsupport import k8s, mesos, plots  # noqa: E402
from labsupport.core import LabError  # noqa: E402
from labsupport.plots import k8s_data, mesos_data  # noqa: E402
from labsupport.plots.data import (  # noqa: E402
    Architecture,
    Bin,
    Component,
    Flow,
    HPASample,
    Item,
    Mark,
    OfferSpan,
    Span,
    Timeline,
)
from labsupport.plots.style import HATCHES, OKABE_ITO, SERIES_COLORS, png_bytes  # noqa: E402

# ---------------------------------------------------------------- plain data


def _bins():
    return [Bin("node-1", 4, 8192, [Item("web-1", "web", 1, 1024), Item("db-1", "db", 2, 4096)]),
            Bin("node-2", 4, 8192, [Item("web-2", "web", 1, 1024)], down=True)]


def _timeline():
    return Timeline(["node-1", "node-2"],
                    [Span("node-1", "web-1", "web", 0, 80, "evicted"), Span("node-2", "web-2", "web", 85, None)],
                    [Mark("node-1", 30, "failure"), Mark("node-1", 80, "eviction"), Mark("node-1", 120, "recovery")], now=150)


def _explanation():
    rows = [{"node": "node-1", "feasible": True, "reason": None, "scores": {"NodeResourcesFit": 50, "TaintToleration": 100}, "total": 350},
            {"node": "node-2", "feasible": False, "reason": "Insufficient cpu", "scores": {}, "total": 0},
            {"node": "node-3", "feasible": True, "reason": None, "scores": {"NodeResourcesFit": 80, "TaintToleration": 100}, "total": 380}]
    return {"rows": rows, "chosen": "node-3", "weights": {"NodeResourcesFit": 1, "TaintToleration": 3}}


PLAIN = [
    ("placement of pods on nodes", plots.placement, _bins),
    ("timeline with failure, eviction and recovery", plots.timeline, _timeline),
    ("offer timeline with every outcome", plots.offer_timeline,
     lambda: [OfferSpan("agent-1", "marathon", 0, 0, "accepted"), OfferSpan("agent-1", "spark", 1, 6, "declined"),
              OfferSpan("agent-2", "spark", 1, 9, "rescinded"), OfferSpan("agent-2", "marathon", 10, 12, "outstanding")]),
    ("explain chart with a filtered node", plots.explain_chart, _explanation),
    ("DRF shares from (time, shares) pairs", plots.drf_shares, lambda: [(0, {"a": 0.0, "b": 0.0}), (1, {"a": 0.2, "b": 0.0}), (2, {"a": 0.2, "b": 0.3})]),
    ("HPA from samples", plots.hpa, lambda: [HPASample(0, 1, 50, 50, 2, 2), HPASample(15, 3, 150, 50, 6, 2), HPASample(30, 3, 60, 50, 6, 6)]),
    ("architecture from components and flows", plots.architecture,
     lambda: Architecture("toy", [Component("client", 0), Component("server", 1, highlight=True)], [Flow("client", "server", "call", 3)])),
]


@pytest.mark.parametrize("fn,make", [(f, m) for _, f, m in PLAIN], ids=[f"{n} returns a pyplot-free Figure" for n, _, _ in PLAIN])
def test_returns_a_figure_not_managed_by_pyplot(fn, make):
    before = plt.get_fignums()
    fig = fn(make())
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == before, "pyplot-managed figures would show twice in Jupyter"


@pytest.mark.parametrize("fn,make", [(f, m) for _, f, m in PLAIN[:-1]], ids=[f"{n} labels its axes" for n, _, _ in PLAIN[:-1]])
def test_axes_are_labelled_with_units_and_titled(fn, make):
    fig = fn(make())
    assert fig.axes[-1].get_xlabel(), "the bottom panel needs an x label (panels above may share it)"
    for ax in fig.axes:
        assert ax.get_ylabel(), "every panel needs a y label"
    assert any(ax.get_title() for ax in fig.axes) or fig.get_suptitle()
    units = " ".join(ax.get_xlabel() + ax.get_ylabel() for ax in fig.axes)
    assert any(u in units for u in ("(s)", "(cores)", "(MiB)", "(%)", "points", "fraction", "node", "agent"))


@pytest.mark.parametrize("fn,make", [(f, m) for _, f, m in PLAIN], ids=[f"{n} gives identical PNG bytes twice" for n, _, _ in PLAIN])
def test_same_input_same_png_bytes(fn, make):
    assert png_bytes(fn(make()), dpi=50) == png_bytes(fn(make()), dpi=50)


def test_architecture_writes_counts_on_arrows_and_marks_the_leader():
    fig = plots.architecture(PLAIN[-1][2]())
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.endswith("call \u00d73") for t in texts)
    assert "server\n(leader)" in texts


def test_groups_differ_by_hatch_as_well_as_colour():
    fig = plots.placement([Bin("n", 10, 10, [Item(f"p{i}", f"g{i}", 1, 1) for i in range(7)])])
    handles = fig.legends[0].legend_handles
    pairs = {(h.get_facecolor(), h.get_hatch()) for h in handles}
    hatches = [h.get_hatch() for h in handles[:-1]]      # last one is "free"
    assert len(pairs) == len(handles) and len(set(hatches)) == 7


def test_palette_is_okabe_ito():
    assert set(SERIES_COLORS) <= set(OKABE_ITO.values()) and len(set(HATCHES)) == len(HATCHES)


def test_explain_chart_stars_the_chosen_node_and_states_the_filter_reason():
    fig = plots.explain_chart(_explanation())
    ax = fig.axes[0]
    starred = [t.get_text() for t in ax.get_yticklabels() if t.get_text().startswith("\u2605")]
    assert starred == ["\u2605 node-3"]
    assert any("filtered out: Insufficient cpu" in t.get_text() for t in ax.texts)
    assert ax.get_xlabel().startswith("weighted score")


@pytest.mark.parametrize("fn,bad,field", [
    (plots.placement, "nodes", "placement"),
    (plots.timeline, 42, "timeline"),
    (plots.offer_timeline, [1, 2], "offer_timeline"),
    (plots.explain_chart, {"no": "rows"}, "explain_chart"),
    (plots.architecture, "k8s", "architecture"),
], ids=["placement of a string names placement", "timeline of a number names timeline",
        "offers of numbers name offer_timeline", "explain without rows names explain_chart",
        "architecture of a string names architecture"])
def test_bad_input_names_the_plot(fn, bad, field):
    with pytest.raises(LabError, match=field):
        fn(bad)


# ---------------------------------------------------------------- live clusters
WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 500m, memory: 512Mi}}}]
"""


def _k8s(fail: bool = True):
    c = k8s.Cluster(seed=1)
    for i in range(3):
        c.add_node(f"node-{i + 1}", cpu="2", memory="4Gi")
    c.apply(WEB)
    c.run(20)
    if fail:
        c.fail_node("node-1")
        c.run(400)
        c.restore_node("node-1")
        c.run(30)
    return c


def test_k8s_placement_sums_the_requests_of_bound_pods():
    c = _k8s(fail=False)
    bins = k8s_data.bins(c)
    assert [b.name for b in bins] == ["node-1", "node-2", "node-3"]
    assert sum(len(b.items) for b in bins) == 4
    assert sum(b.used("cpu") for b in bins) == pytest.approx(2.0)
    assert sum(b.used("memory") for b in bins) == pytest.approx(2048)
    assert {i.group for b in bins for i in b.items} == {"web"}


def test_k8s_timeline_shows_not_ready_after_the_grace_period_then_evictions():
    c = _k8s()
    tl = k8s_data.timeline(c)
    failures = [m for m in tl.marks if m.kind == "failure"]
    assert [m.lane for m in failures] == ["node-1"]
    assert 20 + 40 <= failures[0].time <= 20 + 60     # node-monitor-grace-period 50 s (+ lease timing)
    evicted = [s for s in tl.spans if s.outcome == "evicted"]
    assert evicted and all(s.lane == "node-1" for s in evicted)
    assert any(m.kind == "eviction" for m in tl.marks) and any(m.kind == "recovery" for m in tl.marks)


def test_k8s_architecture_counts_the_scheduler_binds():
    c = _k8s(fail=False)
    arch = k8s_data.architecture(c)
    binds = [f for f in arch.flows if f.src == "kube-scheduler" and f.label == "bind Pod"]
    assert binds and binds[0].count == 4


def test_k8s_explain_uses_the_schedulers_weights():
    c = _k8s(fail=False)
    e = c.scheduler.explain({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
                             "spec": {"containers": [{"name": "a", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}}]}})
    fig = plots.explain_chart(e)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "TaintToleration (x3)" in labels


def test_hpa_sampler_reads_status_every_sync_period():
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="8", memory="16Gi")
    c.apply(WEB + """---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 8
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
""")
    c.run(5)
    c.set_load("web", total=lambda t: 3000.0)
    samples = k8s_data.sample_hpa(c, "web", 300, every=15, load=lambda t: 3.0)
    assert len(samples) == 21 and samples[1].time - samples[0].time == 15
    assert samples[-1].desired > 4 and samples[-1].target == 50
    assert isinstance(plots.hpa(samples), Figure)
    with pytest.raises(LabError, match="sample_hpa"):
        plots.hpa(c)


class _OnePerOffer(mesos.Scheduler):
    def __init__(self, prefix, cpus, mem):
        self.prefix, self.cpus, self.mem, self.n = prefix, cpus, mem, 0

    def resource_offers(self, driver, offers):
        for o in offers:
            if o.resources.get("cpus", 0) >= self.cpus and o.resources.get("mem", 0) >= self.mem:
                self.n += 1
                driver.accept([o.id], [mesos.Task(f"{self.prefix}{self.n}", {"cpus": self.cpus, "mem": self.mem})], filters=0)
            else:
                driver.decline([o.id], filters=0)


def _mesos(fail: bool = False):
    c = mesos.Cluster(seed=0, masters=2)
    c.add_agent("agent-1", resources="cpus:9;mem:18432")
    c.register(_OnePerOffer("a", 1, 4096), name="fw-a", role="a")
    c.register(_OnePerOffer("b", 3, 1024), name="fw-b", role="b")
    c.run(12)
    if fail:
        c.fail_master()
        c.run(30)
    return c


def test_mesos_drf_shares_reach_the_papers_allocation():
    shares = mesos_data.shares(_mesos())
    final = shares[-1].shares
    assert final["a"] == pytest.approx(12 / 18) and final["b"] == pytest.approx(6 / 9)
    assert shares[0].shares == {"a": 0.0, "b": 0.0}
    by_framework = mesos_data.shares(_mesos(), by="framework")[-1].shares
    assert set(by_framework) == {"fw-a", "fw-b"} and by_framework["fw-a"] == pytest.approx(12 / 18)


def test_mesos_offers_and_placement_agree_with_the_cluster():
    c = _mesos()
    offers = mesos_data.offers(c)
    assert {o.outcome for o in offers} <= {"accepted", "declined", "rescinded", "expired", "outstanding"}
    assert sum(o.outcome == "accepted" for o in offers) == 5
    (b,) = mesos_data.bins(c)
    assert b.used("cpu") == pytest.approx(9) or b.used("cpu") <= 9


def test_mesos_master_failover_appears_on_the_timeline_and_diagram():
    c = _mesos(fail=True)
    tl = mesos_data.timeline(c)
    assert any(m.kind == "leader" for m in tl.marks)
    arch = mesos_data.architecture(c)
    leader = [x.name for x in arch.components if x.highlight]
    assert leader == [c.leader] and c.leader != "master-1"
    assert any(f.src == "zookeeper" and f.dst == c.leader for f in arch.flows)


def _pngs(cluster, fns):
    return [png_bytes(fn(cluster), dpi=40) for fn in fns]


def test_mesos_plots_of_the_same_run_are_identical():
    fns = [plots.placement, plots.timeline, plots.offer_timeline, plots.drf_shares, plots.architecture]
    assert _pngs(_mesos(fail=True), fns) == _pngs(_mesos(fail=True), fns)


def test_k8s_plots_of_the_same_run_are_identical():
    fns = [plots.placement, plots.timeline, plots.architecture]
    assert _pngs(_k8s(), fns) == _pngs(_k8s(), fns)


# ---------------------------------------------------------------- legible layouts (lesson-sized clusters)
class _Web(mesos.Scheduler):
    """Lesson 01's framework: two tasks of 0.5 CPU, one per offer, then suppress."""

    def __init__(self):
        self.launched = 0

    def resource_offers(self, driver, offers):
        for o in offers:
            if self.launched < 2 and o.resources.get("cpus", 0) >= 0.5:
                self.launched += 1
                driver.accept([o.id], [mesos.Task(f"web-{self.launched}", "cpus:0.5;mem:128")])
            else:
                driver.decline([o.id])
        if self.launched == 2:
            driver.suppress()


def _lesson01_mesos(failover: bool):
    c = mesos.Cluster(seed=0, masters=3)
    c.add_agent("agent-1", resources="cpus:2;mem:4096")
    c.add_agent("agent-2", resources="cpus:2;mem:4096")
    c.register(_Web(), name="web")
    c.run(5)
    if failover:
        c.fail_master()
        c.run(30)
    return c


def _lesson01_k8s():
    c = k8s.Cluster(seed=0)
    for name in ("node-1", "node-2"):
        c.add_node(name, cpu="2", memory="4Gi")
    c.run(1)
    c.apply(WEB.replace("replicas: 4", "replicas: 2"))
    c.run(10)
    return c


def _drf_paper():
    from labsupport import widgets
    return widgets.drf_cluster(0, {})


def _mesos_3x4x2(failover: bool):
    """3 masters x 4 agents x 2 frameworks: the size issue 12 asks a diagram to stay readable at."""
    c = mesos.Cluster(seed=0, masters=3)
    for i in range(1, 5):
        c.add_agent(f"agent-{i}", resources="cpus:2;mem:4096")
    c.register(_Web(), name="web")
    c.register(_Web(), name="batch")
    c.run(5)
    if failover:
        c.fail_master()
        c.run(30)
    return c


LESSON_DIAGRAMS = [
    ("k8s with two nodes after one Deployment (lesson 01)", _lesson01_k8s),
    ("k8s with three nodes after a node failure", _k8s),
    ("mesos with three masters and two agents (lesson 01)", lambda: _lesson01_mesos(False)),
    ("mesos after a master failover (lesson 01)", lambda: _lesson01_mesos(True)),
    ("mesos with two frameworks after a failover", lambda: _mesos(fail=True)),
    ("mesos with 3 masters, 4 agents and 2 frameworks", lambda: _mesos_3x4x2(False)),
    ("mesos with 3 masters, 4 agents and 2 frameworks after a failover", lambda: _mesos_3x4x2(True)),
]


@functools.cache
def _diagram(name: str):
    """The drawn architecture figure of one LESSON_DIAGRAMS case (built once, read by several tests)."""
    fig = plots.architecture(dict(LESSON_DIAGRAMS)[name]())
    fig.draw_without_rendering()
    return fig


def _arrow_labels(fig):
    """Window extents (with their white bbox) of the texts that label arrows, in a drawn figure."""
    ax = fig.axes[0]
    return [(t.get_text(), t.get_bbox_patch().get_window_extent()) for t in ax.texts if "\u00d7" in t.get_text()]


def _overlapping(boxes):
    return [(a, b) for i, (a, ea) in enumerate(boxes) for b, eb in boxes[i + 1:]
            if min(ea.x1, eb.x1) - max(ea.x0, eb.x0) > 0 and min(ea.y1, eb.y1) - max(ea.y0, eb.y0) > 0]


@pytest.mark.parametrize("name", [n for n, _ in LESSON_DIAGRAMS], ids=[f"{n}: no two arrow labels overlap" for n, _ in LESSON_DIAGRAMS])
def test_architecture_labels_do_not_overlap(name):
    fig = _diagram(name)
    labels = _arrow_labels(fig)
    boxes = [(t.get_text(), t.get_window_extent()) for t in fig.axes[0].texts if "\u00d7" not in t.get_text()]
    assert len(labels) >= 3 and len(boxes) >= 5
    assert _overlapping(labels) == []
    assert [pair for pair in _overlapping(labels + boxes) if pair[0] in dict(labels) and pair[1] in dict(boxes)] == []
    shown = fig.get_tightbbox().transformed(fig.dpi_scale_trans)        # what Jupyter's inline backend crops to
    assert all(shown.x0 <= e.x0 and e.x1 <= shown.x1 and shown.y0 <= e.y0 and e.y1 <= shown.y1 for _, e in labels)


@pytest.mark.parametrize("name", [n for n, _ in LESSON_DIAGRAMS],
                         ids=[f"{n}: no arrow crosses a box it does not join" for n, _ in LESSON_DIAGRAMS])
def test_architecture_arrows_go_around_other_boxes(name):
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    ax = _diagram(name).axes[0]
    boxes = {p.get_gid(): p.get_window_extent() for p in ax.patches if isinstance(p, FancyBboxPatch)}
    for arrow in (p for p in ax.patches if isinstance(p, FancyArrowPatch)):
        src, dst = arrow.get_gid().split("->")
        drawn = arrow.get_transform().transform_path(arrow.get_path())          # display units
        points = [xy for poly in drawn.to_polygons(closed_only=False) for xy in poly]   # curves flattened
        assert len(points) > 2
        for name, box in boxes.items():
            if name not in (src, dst):
                assert not any(box.contains(x, y) for x, y in points), f"{src} -> {dst} crosses {name}"


def test_mesos_failover_draws_the_reregistrations_with_the_new_leader():
    c = _lesson01_mesos(True)
    flows = {(f.src, f.dst, f.label): f.count for f in mesos_data.architecture(c).flows}
    assert c.leader == "master-2"
    assert flows[("agent-1", "master-1", "register (resources)")] == 1
    assert flows[("agent-2", "master-1", "register (resources)")] == 1
    assert flows[("web", "master-1", "register")] == 1
    for sender in ("agent-1", "agent-2", "web"):
        assert flows[(sender, "master-2", "re-register")] == 1
    assert ("zookeeper", "master-2", "elected") in flows and not any(d == "master-3" for _, d, _ in flows)


def test_drf_labels_of_equal_shares_merge_and_none_overlap():
    fig = plots.drf_shares(_drf_paper())
    fig.draw_without_rendering()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["a, b 0.67"]
    fig = plots.drf_shares([(0, {"a": 0.0, "b": 0.0, "c": 0.0}), (1, {"a": 0.5, "b": 0.5, "c": 0.49})])
    fig.draw_without_rendering()
    ends = [(t.get_text(), t.get_window_extent()) for t in fig.axes[0].texts]
    assert [n for n, _ in ends] == ["c 0.49", "a, b 0.50"] and _overlapping(ends) == []


def test_k8s_timeline_recovery_is_the_kubelets_node_ready_event():
    c = _k8s()
    ready = [e for e in c.store.events if e.kind == "Node" and e.reason == "NodeReady"]
    recovery = [m for m in k8s_data.timeline(c).marks if m.kind == "recovery"]
    assert [(m.lane, m.time) for m in recovery] == [(e.name, e.first_time) for e in ready] == [("node-1", 420.0)]


def test_k8s_watch_arrows_count_the_writes_of_the_kinds_each_component_watches():
    c = _lesson01_k8s()
    flows = {(f.dst, f.label): f.count for f in k8s_data.architecture(c).flows if f.src == "kube-apiserver"}
    writes = [w for w in c.store.writes(0) if w.kind != "Lease"]
    scheduler_kinds = {w.kind for w in c.store.watchers() if w.owner == "kube-scheduler"}
    assert {"Pod", "Node"} <= scheduler_kinds
    assert flows[("kube-scheduler", "watch")] == sum(w.kind in scheduler_kinds for w in writes)
    binds = {(w.namespace, w.name): w.resource_version for w in writes if w.verb == "bind"}
    on = {p.name: p.node for p in c.pods()}
    for node in ("node-1", "node-2"):
        mine = [w for w in writes if w.kind == "Pod" and on.get(w.name) == node
                and w.resource_version >= binds[(w.namespace, w.name)]]
        assert flows[(f"kubelet/{node}", "watch own Pods")] == len(mine) >= 2, "the binding and the kubelet's status write"


@pytest.mark.parametrize("failover", [False, True], ids=["the leader sits between its standbys", "after a failover too"])
def test_the_leading_master_is_drawn_between_the_standbys(failover):
    ax = plots.architecture(_lesson01_mesos(failover)).axes[0]
    from matplotlib.patches import FancyBboxPatch
    x = {p.get_gid(): p.get_x() for p in ax.patches if isinstance(p, FancyBboxPatch)}
    leader = "master-2" if failover else "master-1"
    standbys = sorted(m for m in ("master-1", "master-2", "master-3") if m != leader)
    assert x[standbys[0]] < x[leader] < x[standbys[1]]
