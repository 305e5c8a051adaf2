"""labsupport.plots: every plot returns a pyplot-free Figure, labels its axes, and is byte-for-byte deterministic."""
from __future__ import annotations

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
    assert "call \u00d73" in texts
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
