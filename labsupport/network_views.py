"""Pictures and a widget for lesson 05 (networking): where simulated requests went, on both systems.

* :func:`traffic_split` -- one bar chart panel per :class:`~labsupport.core.traffic.Traffic`: requests per backend
  (Pod or task), dropped requests as a hatched bar, each bar labelled with its count;
* :func:`split_clusters` -- a Kubernetes cluster (Deployment + Service behind kube-proxy) and a Mesos cluster
  (Marathon app behind marathon-lb) with the same number of copies, some of them not ready / unhealthy;
* :func:`traffic_widget` -- sliders for copies and broken copies and a proxy-mode menu; both splits redraw.

>>> kc, mc = split_clusters(copies=3, broken=1, proxy_mode="ipvs", seed=0)
>>> k = kc.request("client", "http://web/", count=60); m = mc.request("http://marathon-lb:10000/", count=60)
>>> sorted(k.by_backend.values()), sorted(m.by_backend.values())
([30, 30], [30, 30])
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping

import ipywidgets as W
from matplotlib.figure import Figure

from labsupport import k8s, mesos
from labsupport.core import LabError
from labsupport.core.traffic import Traffic
from labsupport.mesos.frameworks import Marathon
from labsupport.plots.style import FREE_HATCH, color_for, hatch_for, new_figure

__all__ = ["traffic_split", "split_clusters", "traffic_widget", "WEB_SERVICE"]

WEB_SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {app: client}}
spec:
  containers: [{name: c, image: "busybox:1.36", command: ["sleep", "100000"]}]
"""


def _deployment(name: str, replicas: int, ready: bool) -> str:
    probe = "" if ready else ', readinessProbe: {exec: {command: ["false"]}}'
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web, variant: {name}}}}}
  template:
    metadata: {{labels: {{app: web, variant: {name}}}}}
    spec:
      containers: [{{name: web, image: "nginx:1.27", ports: [{{containerPort: 8080}}]{probe}}}]
"""


def split_clusters(copies: int = 3, broken: int = 0, proxy_mode: str = "iptables", seed: int = 0) -> tuple[k8s.Cluster, mesos.Cluster]:
    """Both systems serving ``web`` with ``copies`` copies, ``broken`` of which fail their readiness / health checks.

    Kubernetes: two nodes; Deployment ``web`` (ready copies) and ``web-broken`` (readiness probe ``false``), both
    labelled ``app: web`` and selected by Service ``web``; a Pod ``client``. Mesos: three agents; Marathon app
    ``/web`` with a health check every 5 s and ``HAPROXY_GROUP=external``; ``broken`` tasks stop answering it.
    Both are run for 40 simulated seconds.
    """
    for field, v, lo in (("copies", copies, 1), ("broken", broken, 0)):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= 10:
            raise LabError(f"{field}: must be a whole number from {lo} to 10, got {v!r}")
    if broken > copies:
        raise LabError(f"broken: cannot exceed copies ({copies}), got {broken}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", k8s.ProxyModeDeprecationWarning)
        kc = k8s.Cluster(seed=seed, proxy_mode=proxy_mode)
    for i in (1, 2):
        kc.add_node(f"node-{i}", cpu="4", memory="8Gi")
    docs = [WEB_SERVICE]
    if copies - broken:
        docs.append(_deployment("web", copies - broken, True))
    if broken:
        docs.append(_deployment("web-broken", broken, False))
    kc.apply("\n---\n".join(docs))
    kc.run(40)
    mc = mesos.Cluster(seed=seed)
    for i in (1, 2, 3):
        mc.add_agent(f"agent-{i}", "cpus:4;mem:8192;ports:[31000-31099]")
    marathon = Marathon(mc.sim)
    mc.register(marathon, name="marathon")
    marathon.add_app({"id": "/web", "cmd": "./serve --port $PORT0", "cpus": 0.25, "mem": 128, "instances": copies,
                      "labels": {"HAPROXY_GROUP": "external"},
                      "healthChecks": [{"gracePeriodSeconds": 0, "intervalSeconds": 5, "maxConsecutiveFailures": 100}]})
    mc.run(5)
    for row in marathon.tasks().rows[:broken]:
        marathon.fail_health(row["ID"])
    mc.run(35)
    return kc, mc


def traffic_split(traffics: Mapping[str, Traffic], title: str = "Where the requests went") -> Figure:
    """One panel per Traffic: a bar per backend (and one hatched bar for dropped requests), labelled with counts."""
    cols = min(len(traffics), 2)
    fig = new_figure(cols, -(-len(traffics) // cols), width=4.6, height=3.2)
    for ax, (name, t) in zip(fig.axes, traffics.items(), strict=True):
        labels = [b.split("-")[-1] if len(b) > 14 else b for b in t.by_backend] + (["dropped"] if t.dropped else [])
        counts = list(t.by_backend.values()) + ([t.dropped] if t.dropped else [])
        bars = ax.bar(range(len(counts)), counts, color=[color_for(i) for i in range(len(t.by_backend))] + (["white"] if t.dropped else []),
                      edgecolor="black", hatch=None)
        for i, b in enumerate(bars):
            b.set_hatch(FREE_HATCH if i >= len(t.by_backend) else hatch_for(i))
            ax.annotate(str(counts[i]), (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom", fontsize=9)
        ax.set_xticks(range(len(counts)), labels, rotation=20, fontsize=8)
        ax.set_ylabel("requests")
        ax.set_ylim(0, max(counts + [1]) * 1.2)
        ax.set_title(name, fontsize=10)
    fig.suptitle(title, fontsize=11)
    return fig


def traffic_widget(seed: int = 0, requests: int = 300):
    """Copies, broken copies and kube-proxy mode -> where ``requests`` requests go on each system."""
    from labsupport.widgets import LiveFigure

    controls = {"copies": W.IntSlider(value=3, min=1, max=5, description="copies"),
                "broken": W.IntSlider(value=0, min=0, max=5, description="not ready"),
                "mode": W.Dropdown(options=["iptables", "nftables", "ipvs"], value="iptables", description="proxy mode")}

    def render():
        copies, broken, mode = controls["copies"].value, controls["broken"].value, controls["mode"].value
        kc, mc = split_clusters(copies, min(broken, copies), mode, seed)
        k = kc.request("client", "http://web/", count=requests)
        m = mc.request("http://marathon-lb:10000/", count=requests)
        return [traffic_split({f"Kubernetes: Service web, kube-proxy {mode}": k, "Mesos: marathon-lb :10000 (roundrobin)": m},
                              title=f"{requests} requests, {copies} copies, {min(broken, copies)} not ready / unhealthy")]

    return LiveFigure(controls, render)
