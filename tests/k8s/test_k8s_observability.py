"""Metrics, Prometheus, PromQL and logs of the simulated Kubernetes cluster (issue 16)."""
from __future__ import annotations

import math
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from labsupport import k8s
from labsupport.core import LabError, Simulation
from labsupport.k8s.observability import promql
from labsupport.k8s.observability.exposition import Family, render
from labsupport.k8s.observability.prometheus import Prometheus

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 200m, memory: 128Mi}}}]
"""
ORDERS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders}
spec:
  replicas: 1
  selector: {matchLabels: {app: orders}}
  template:
    metadata: {labels: {app: orders}}
    spec:
      containers:
      - name: orders
        image: busybox:1.36
        command: ["sh", "-c", "echo orders: starting; sleep 2; : \\"${DATABASE_URL:?must be set}\\"; exec orders-server"]
"""
HUGE = """
apiVersion: v1
kind: Pod
metadata: {name: huge}
spec:
  containers: [{name: c, image: "nginx:1.27", resources: {requests: {cpu: "64"}}}]
"""


@pytest.fixture(scope="module")
def shop():
    """Two nodes, a throttled web Deployment (demand 300m per Pod, limit 200m), a crash-looping orders Pod, an unschedulable Pod."""
    c = k8s.Cluster(seed=0)
    prom = c.prometheus(scrape_interval=15)
    for i in (1, 2):
        c.add_node(f"node-{i}", cpu="4", memory="8Gi")
    c.apply(WEB)
    c.apply(ORDERS)
    c.apply(HUGE)
    c.set_load("web", total=900)
    c.run(900)
    return c, prom


def _pod(c, prefix):
    return next(p.name for p in c.pods() if p.name.startswith(prefix))


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


@pytest.mark.parametrize("component", ["kube-state-metrics", "kubelet/node-1", "kubelet/node-2", "kubelet/node-1/resource",
                                       "kube-scheduler", "kube-apiserver"],
                         ids=lambda c: f"the {c} text parses with prometheus_client")
def test_every_component_text_parses(shop, component):
    c, _ = shop
    fams = list(text_string_to_metric_families(c.metrics_text(component)))
    assert fams and all(f.samples for f in fams)


# (component, family name as the parser reports it, type, label names of its samples) -- from the upstream files cited in the modules
UPSTREAM = [
    ("kube-state-metrics", "kube_pod_status_phase", "gauge", {"namespace", "pod", "uid", "phase"}),
    ("kube-state-metrics", "kube_pod_container_status_restarts", "counter", {"namespace", "pod", "uid", "container"}),
    ("kube-state-metrics", "kube_pod_container_status_waiting_reason", "gauge", {"namespace", "pod", "uid", "container", "reason"}),
    ("kube-state-metrics", "kube_pod_container_resource_limits", "gauge", {"namespace", "pod", "uid", "container", "node", "resource", "unit"}),
    ("kube-state-metrics", "kube_deployment_status_replicas_available", "gauge", {"namespace", "deployment"}),
    ("kube-state-metrics", "kube_node_status_condition", "gauge", {"node", "condition", "status"}),
    ("kube-state-metrics", "kube_node_status_allocatable", "gauge", {"node", "resource", "unit"}),
    ("kubelet/node-1", "container_cpu_usage_seconds", "counter", {"container", "id", "image", "name", "namespace", "pod"}),
    ("kubelet/node-1", "container_cpu_cfs_throttled_periods", "counter", {"container", "id", "image", "name", "namespace", "pod"}),
    ("kubelet/node-1", "container_memory_working_set_bytes", "gauge", {"container", "id", "image", "name", "namespace", "pod"}),
    ("kubelet/node-1/resource", "container_cpu_usage_seconds", "counter", {"container", "pod", "namespace"}),
    ("kubelet/node-1/resource", "node_cpu_usage_seconds", "counter", set()),
    ("kubelet/node-1/resource", "pod_memory_working_set_bytes", "gauge", {"pod", "namespace"}),
    ("kube-scheduler", "scheduler_schedule_attempts", "counter", {"result", "profile"}),
    ("kube-scheduler", "scheduler_pending_pods", "gauge", {"queue"}),
    ("kube-apiserver", "apiserver_request", "counter", {"verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component", "code"}),
]


@pytest.mark.parametrize("component,name,type_,labels", UPSTREAM, ids=[f"{u[1]} from {u[0]} is a {u[2]} with upstream labels" for u in UPSTREAM])
def test_names_types_and_labels_follow_upstream(shop, component, name, type_, labels):
    c, _ = shop
    fam = families(c.metrics_text(component))[name]
    assert fam.type == type_
    assert {frozenset(s.labels) for s in fam.samples} == {frozenset(labels)}


def test_kube_state_metrics_values(shop):
    c, _ = shop
    ksm = families(c.metrics_text("kube-state-metrics"))
    orders = _pod(c, "orders")
    waiting = [s for s in ksm["kube_pod_container_status_waiting_reason"].samples if s.labels["pod"] == orders]
    phases = {s.labels["phase"]: s.value for s in ksm["kube_pod_status_phase"].samples if s.labels["pod"] == "huge"}
    avail = {s.labels["deployment"]: s.value for s in ksm["kube_deployment_status_replicas_available"].samples}
    assert waiting[0].labels["reason"] == "CrashLoopBackOff"
    assert phases == {"Pending": 1, "Running": 0, "Succeeded": 0, "Failed": 0, "Unknown": 0}
    assert avail == {"orders": 0, "web": 3}


def test_scheduler_counts_unschedulable_attempts_and_pending_pods(shop):
    c, _ = shop
    fams = families(c.metrics_text("kube-scheduler"))
    attempts = {s.labels["result"]: s.value for s in fams["scheduler_schedule_attempts"].samples}
    pending = {s.labels["queue"]: s.value for s in fams["scheduler_pending_pods"].samples}
    assert attempts["scheduled"] == 4 and attempts["unschedulable"] >= 1
    assert pending["unschedulable"] + pending["backoff"] + pending["active"] == 1


def test_apiserver_counter_never_decreases(shop):
    c, _ = shop
    first = sum(s.value for s in families(c.metrics_text("kube-apiserver"))["apiserver_request"].samples)
    c.run(30)
    second = sum(s.value for s in families(c.metrics_text("kube-apiserver"))["apiserver_request"].samples)
    assert second > first


def test_cpu_counter_integrates_usage_capped_at_the_limit(shop):
    c, prom = shop
    web = _pod(c, "web")
    rate = prom.value("sum(rate(container_cpu_usage_seconds_total[1m])) by (pod)", pod=web)
    throttled = prom.value("sum(rate(container_cpu_cfs_throttled_periods_total[1m])) by (pod) / sum(rate(container_cpu_cfs_periods_total[1m])) by (pod)", pod=web)
    assert rate == pytest.approx(0.2)
    assert throttled == pytest.approx(1.0)


def test_topk_finds_the_busiest_pods(shop):
    c, prom = shop
    t = prom.query("topk(1, sum(rate(container_cpu_usage_seconds_total[1m])) by (pod))")
    assert len(t) == 1 and t.rows[0]["pod"].startswith("web")


def test_top_reads_the_metrics_api(shop):
    c, _ = shop
    pods = {r["NAME"]: r for r in c.top("pods")}
    nodes = c.top("nodes")
    pm = c.pod_metrics()
    assert {r["CPU(cores)"] for n, r in pods.items() if n.startswith("web")} == {"200m"}
    assert sum(int(r["CPU(cores)"][:-1]) for r in nodes) == 600
    assert pm[0]["apiVersion"] == "metrics.k8s.io/v1beta1" and pm[0]["window"] == "15s"
    assert pm[0]["containers"][0]["usage"]["cpu"].endswith("n")


def test_crash_logs_previous_and_events(shop):
    c, _ = shop
    orders = _pod(c, "orders")
    assert c.logs(orders) == "orders: starting\nsh: DATABASE_URL: must be set"
    assert c.logs(orders, previous=True, tail=1) == "sh: DATABASE_URL: must be set"
    assert any(r["REASON"] == "BackOff" and orders in r["MESSAGE"] for r in c.events())


def test_server_logs_show_requests_and_throttled_latency(shop):
    c, _ = shop
    lines = c.logs(_pod(c, "web"), tail=2, timestamps=True).splitlines()
    assert len(lines) == 2
    assert re.match(r"2026-01-01T00:\d\d:\d0\.000000000Z ", lines[-1]) and lines[-1].endswith("served 1000 requests in the last 10s, mean latency 30 ms")


@pytest.mark.parametrize("call,message", [
    (lambda c: c.logs("nope"), 'pods "nope" not found'),
    (lambda c: c.logs(_pod(c, "web"), container="sidecar"), "container sidecar is not valid for pod"),
    (lambda c: c.logs(_pod(c, "web"), previous=True), 'previous terminated container "web"'),
    (lambda c: c.logs("huge"), 'is waiting to start'),
    (lambda c: c.logs(_pod(c, "web"), tail=-5), "tail: must be a whole number"),
    (lambda c: c.metrics_text("etcd"), "unknown component 'etcd'"),
    (lambda c: c.metrics_text("kubelet/node-9"), 'no kubelet on node "node-9"'),
    (lambda c: c.top("deployments"), "kubectl top takes 'pods' or 'nodes'"),
    (lambda c: c.prometheus(scrape_interval=0), "scrape_interval: must be a number of seconds"),
], ids=["an unknown Pod is not found", "an unknown container is named", "--previous without a restart fails as kubectl",
        "a Pending Pod has no logs yet", "a negative tail is refused", "an unknown component is named",
        "an unknown node is named", "top takes only pods or nodes", "a zero scrape interval is refused"])
def test_learner_errors(shop, call, message):
    c, _ = shop
    with pytest.raises(LabError, match=message.replace("(", r"\(")):
        call(c)


@pytest.mark.parametrize("query,message", [
    ("rate(container_cpu_usage_seconds_total)", "rate() needs a range vector"),
    ("sum(rate(x[1m])) by pod", "expected '(' at position"),
    ('x{pod="a"', "expected '}'"),
    ("x[5q]", "is not a duration"),
    ("histogram_quantile(0.9, x)", "function 'histogram_quantile'"),
    ("x offset 5m", "offset modifiers"),
    ("x and y", "the and operator"),
    ("{}", "needs a metric name or a label matcher"),
    ('x{pod=~"("}', "invalid regular expression"),
    ("x{pod=a}", "label values are quoted strings"),
    ("", "must be a non-empty PromQL string"),
    ("topk(x, y)", "topk needs a number k first"),
    ("x[1m]", "cannot be the result here"),
], ids=lambda v: v if " " not in v else None)
def test_bad_queries_name_the_problem(shop, query, message):
    _, prom = shop
    with pytest.raises(promql.PromQLError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        prom.query(query)


# extrapolatedRate cases worked by hand from promql/functions.go
RATES = [
    ("samples at both edges: no extrapolation", [(0, 0), (30, 30), (60, 60)], 0, 60, False, 60.0),
    ("a counter reset adds the value before the drop", [(10, 50), (20, 60), (30, 5), (40, 15)], 0, 40, False, 100 / 3),
    ("a late start extrapolates by half an interval", [(30, 10), (45, 25), (60, 40)], 0, 60, False, 37.5),
    ("the zero point limits extrapolation to the left", [(30, 1), (45, 16), (60, 31)], 0, 60, False, 31.0),
    ("rate divides by the range", [(15, 1.5), (30, 3), (45, 4.5), (60, 6)], 0, 60, True, 0.1),
]


@pytest.mark.parametrize("samples,start,end,is_rate,expected", [r[1:] for r in RATES], ids=[r[0] for r in RATES])
def test_extrapolated_rate(samples, start, end, is_rate, expected):
    assert promql.extrapolated_rate([(float(t), float(v)) for t, v in samples], start, end, is_rate=is_rate) == pytest.approx(expected)


def test_single_sample_gives_no_rate():
    assert promql.extrapolated_rate([(5.0, 1.0)], 0, 60, is_rate=True) is None


def _toy(interval=15):
    sim = Simulation(0)
    state = {"jobs": 0.0, "present": True}

    def text():
        fam = Family("jobs_total", "counter", "Jobs done.")
        if state["present"]:
            fam.add(state["jobs"], queue="a")
            fam.add(2 * state["jobs"], queue="b")
        return render([fam]) or "# HELP x y\n"

    def tick():
        state["jobs"] += 1
        sim.schedule(1, tick)

    sim.schedule(1, tick)
    prom = Prometheus(sim, lambda: {("batch", "worker:9100"): text}, scrape_interval=interval)
    return sim, prom, state


@pytest.mark.parametrize("query,expected", [
    ('rate(jobs_total{queue="a"}[1m])', 1.0),
    ('sum(rate(jobs_total[1m]))', 3.0),
    ('max(rate(jobs_total[2m])) by (job)', 2.0),
    ('sum(increase(jobs_total[1m])) * 2', 360.0),
    ('count(jobs_total > 100)', 2.0),
    ('sum(jobs_total{queue!="a"}) - sum(jobs_total{queue=~"a|c"})', 300.0),
], ids=["rate of a counter growing 1/s is 1", "sum adds the series", "max by keeps the job label",
        "arithmetic with a number", "a comparison filters", "matchers != and =~"])
def test_prometheus_queries_over_a_toy_target(query, expected):
    sim, prom, _ = _toy()
    sim.run(300)
    result = prom.query(query)
    assert result.rows[0]["value"] == pytest.approx(expected)


def test_stale_series_vanish_at_once():
    sim, prom, state = _toy()
    sim.run(120)
    state["present"] = False
    sim.run(15)
    assert len(prom.query("jobs_total")) == 0
    assert prom.query("up").rows[0]["value"] == 1


def test_query_range_and_plot():
    sim, prom, _ = _toy()
    sim.run(600)
    rr = prom.query_range("sum(rate(jobs_total[1m]))", start=60, step=60)
    pts = next(iter(rr.series.values()))
    fig = rr.plot(title="jobs")
    assert [t for t, _ in pts] == [60.0 * i for i in range(1, 11)]
    assert all(v == pytest.approx(3.0) for _, v in pts[1:])
    assert fig.axes[0].get_xlabel() == "simulated time (minutes)"


def test_crashloop_alert_goes_pending_then_firing():
    c = k8s.Cluster(seed=0)
    prom = c.prometheus(scrape_interval=15)
    c.add_node("node-1", cpu="4", memory="8Gi")
    from labsupport.k8s.observability import CRASHLOOP_ALERT
    expr, for_ = CRASHLOOP_ALERT
    rule = prom.add_alert("KubePodCrashLooping", expr, for_)
    c.apply(ORDERS)
    c.run(120)
    states_early = [s for _, s, _ in rule.history]
    c.run(600)
    table = prom.alerts()
    assert states_early == ["pending"]
    assert table.rows[0]["STATE"] == "firing" and "orders" in table.rows[0]["LABELS"]
    assert [s for _, s, _ in rule.history] == ["pending", "firing"]


def test_same_seed_same_texts():
    def run():
        c = k8s.Cluster(seed=3)
        p = c.prometheus()
        c.add_node("node-1", cpu="4", memory="8Gi")
        c.apply(WEB)
        c.set_load("web", total=lambda t: 100 + t / 10)
        c.run(300)
        return c.metrics_text("kubelet/node-1"), str(p.query("sum(rate(container_cpu_usage_seconds_total[1m])) by (pod)")), c.logs(_pod(c, "web"))
    assert run() == run()


def test_label_values_are_escaped_as_the_parser_expects():
    f = Family("x", "gauge", "help with \\ backslash\nand newline")
    f.add(1, msg='say "hi"\\n\nnext')
    fam = next(text_string_to_metric_families(render([f])))
    assert fam.samples[0].labels["msg"] == 'say "hi"\\n\nnext'
    assert math.isnan(next(text_string_to_metric_families(render([Family("y", "gauge", "h", [({}, float("nan"), None)])]))).samples[0].value)


@pytest.mark.parametrize("kwargs,message", [
    ({"step": 0}, "need step > 0"),
    ({"start": 100, "end": 50}, "need step > 0 and end >= start"),
    ({"step": 0.001}, "more than 20,000 points"),
], ids=["a zero step is refused", "an end before the start is refused", "too many points are refused"])
def test_query_range_errors(kwargs, message):
    sim, prom, _ = _toy()
    sim.run(60)
    with pytest.raises(LabError, match=message):
        prom.query_range("sum(jobs_total)", **kwargs)
