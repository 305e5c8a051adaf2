"""Things to play with: controls that re-run a simulation from its seed and redraw the picture.

Each function returns a :class:`LiveFigure` (an ``ipywidgets.VBox``: the controls, then an
``Output`` holding the figure). Every interaction rebuilds the cluster from the same seed
and replays the same inputs with the new setting, so what you see depends only on the
controls, never on the order you moved them in. Put one as the last expression of a cell:

.. code-block:: python

    from labsupport import widgets
    widgets.scoring()                 # strategy dropdown + plugin weight sliders -> explain + placement
    widgets.hpa()                     # target utilization and peak load sliders -> HPA chart
    widgets.failures("k8s")           # fail/restore a node, replay -> timeline
    widgets.failures("mesos")         # fail/restore an agent, fail the leading master, replay -> timeline
    widgets.drf()                     # role weight sliders -> dominant shares over time

Each takes ``build=`` (your own function that makes the cluster) and ``seed=``.

>>> w = drf(seed=0)
>>> before = w.png
>>> w.controls["weight a"].value = 3.0          # what moving the slider does
>>> w.png != before, w.redraws
(True, 2)
"""
from __future__ import annotations

import base64
import gc
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as W
from matplotlib.figure import Figure

from labsupport.core import LabError, fast
from labsupport.plots import drf_shares, explain_chart, placement, png_bytes
from labsupport.plots import hpa as hpa_chart
from labsupport.plots import timeline as timeline_chart
from labsupport.plots.k8s_data import sample_hpa

__all__ = [
    "LiveFigure",
    "scoring",
    "hpa",
    "failures",
    "drf",
    "scheduler_config",
    "STRATEGIES",
    "SCORE_PLUGINS",
    "WIDGET_DPI",
]

#: Figures in widgets are drawn at this resolution (lower than print quality, so redraws stay fast).
WIDGET_DPI = 72
#: NodeResourcesFit scoring strategies (kube-scheduler's ScoringStrategyType).
STRATEGIES = ("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio")
#: Score plugins whose weights the scoring widget exposes, with the default profile's weights.
SCORE_PLUGINS = {"NodeResourcesFit": 1, "NodeResourcesBalancedAllocation": 1, "TaintToleration": 3}


class LiveFigure(W.VBox):
    """Controls above an ``Output`` with the figure(s) ``render()`` returns; ``redraw()`` runs on every change.

    ``controls`` maps a name to each control; ``figures`` and ``png`` hold what was drawn
    last (``png``: the PNG bytes of all figures, concatenated), ``redraws`` counts redraws.
    """

    def __init__(self, controls: Mapping[str, W.Widget], render: Callable[[], Sequence[Figure]],
                 extra: Sequence[W.Widget] = (), observe: bool = True) -> None:
        self.controls = dict(controls)
        self.render = render
        self.output = W.Output()
        self.figures: list[Figure] = []
        self.png = b""
        self.redraws = 0
        self._layouts: list[list] = []     # axes positions from the first, constrained-layout render
        super().__init__([*self.controls.values(), *extra, self.output])
        if observe:
            for c in self.controls.values():
                if isinstance(c, W.ValueWidget):
                    c.observe(self.redraw, names="value")
        self.redraw()

    def redraw(self, *_: Any) -> None:
        """Re-simulate and redraw (errors from a bad setting are shown as text, not raised).

        The cyclic garbage collector is paused meanwhile (a redraw allocates many short-lived
        matplotlib objects; collecting them in mid-draw cost ~20% of a redraw) and resumed after:
        the ``widgets.gc`` fast path of :mod:`labsupport.core.fast`.
        """
        was_enabled = gc.isenabled() and fast.enabled("widgets.gc")
        if was_enabled:
            gc.disable()
        try:
            self._redraw()
        finally:
            if was_enabled:
                gc.enable()

    def _redraw(self) -> None:
        self.redraws += 1
        for old in self.figures:     # break the old figures' reference cycles now: far less work for the GC later
            old.clear()
        try:
            figures = list(self.render())
        except LabError as e:
            self.output.outputs = ({"output_type": "stream", "name": "stdout", "text": f"Cannot draw this setting: {e}\n"},)
            return
        images = [self._png(i, f) for i, f in enumerate(figures)]
        self.figures, self.png = figures, b"".join(images)
        # replace the Output's content in one message (no flicker, works outside a kernel too)
        self.output.outputs = tuple(
            {"output_type": "display_data", "metadata": {},
             "data": {"image/png": base64.b64encode(img).decode("ascii"), "text/plain": repr(f)}}
            for img, f in zip(images, figures, strict=True))


    def axes_positions(self, i: int) -> list | None:
        """The axes positions of the ``i``-th figure from the first render, or ``None`` before it."""
        return self._layouts[i] if i < len(self._layouts) else None

    def _png(self, i: int, fig: Figure) -> bytes:
        """PNG of the ``i``-th figure. The first render lays it out (constrained layout, the slow part);
        later renders of a figure with the same axes reuse those positions, which keeps a redraw fast.

        The layout engine is removed (``None``), not set to ``"none"``: ``"none"`` leaves a
        placeholder engine behind, and ``savefig`` then draws the whole figure twice (a dry run
        for the layout, then the real one); the PNG is the same byte for byte.
        """
        if i < len(self._layouts) and len(self._layouts[i]) == len(fig.axes):
            fig.set_layout_engine(None)
            for ax, pos in zip(fig.axes, self._layouts[i], strict=True):
                ax.set_position(pos)
            return png_bytes(fig, dpi=WIDGET_DPI)
        png = png_bytes(fig, dpi=WIDGET_DPI)
        del self._layouts[i:]
        self._layouts.append([ax.get_position() for ax in fig.axes])
        return png


# --------------------------------------------------------------------------- scheduling
def scheduler_config(strategy: str = "LeastAllocated", weights: Mapping[str, int] | None = None) -> dict:
    """A KubeSchedulerConfiguration (v1) setting NodeResourcesFit's scoring strategy and score plugin weights.

    ``RequestedToCapacityRatio`` gets the bin-packing shape from the docs' example
    (utilization 0 -> score 0, 100 -> 10; https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/).

    >>> cfg = scheduler_config("MostAllocated", {"NodeResourcesFit": 5})
    >>> cfg["profiles"][0]["plugins"]["score"]["enabled"]
    [{'name': 'NodeResourcesFit', 'weight': 5}]
    >>> cfg["profiles"][0]["pluginConfig"][0]["args"]["scoringStrategy"]["type"]
    'MostAllocated'
    """
    if strategy not in STRATEGIES:
        raise LabError(f"strategy: must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    ss: dict[str, Any] = {"type": strategy, "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]}
    if strategy == "RequestedToCapacityRatio":
        ss["requestedToCapacityRatio"] = {"shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]}
    enabled = [{"name": n, "weight": int(w)} for n, w in (weights or {}).items()]
    return {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "profiles": [{
            "schedulerName": "default-scheduler",
            "plugins": {"score": {"enabled": enabled}},
            "pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": ss}}],
        }],
    }


_SCORING_MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 5
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 500m, memory: 1Gi}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: batch}
spec:
  replicas: 3
  selector: {matchLabels: {app: batch}}
  template:
    metadata: {labels: {app: batch}}
    spec:
      containers: [{name: batch, image: "busybox:1.36", resources: {requests: {cpu: "1", memory: 512Mi}}}]
"""

#: The Pod whose placement the scoring widget explains.
PROBE_POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe"},
             "spec": {"containers": [{"name": "probe", "image": "nginx:1.27",
                                      "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}]}}


def scoring_cluster(seed: int, scheduler_config: dict | None):
    """The scoring widget's default cluster: four unequal nodes (one tainted PreferNoSchedule), two Deployments."""
    from labsupport import k8s

    c = k8s.Cluster(seed=seed, scheduler_config=scheduler_config)
    c.add_node("node-1", cpu="4", memory="8Gi")
    c.add_node("node-2", cpu="8", memory="16Gi")
    c.add_node("node-3", cpu="4", memory="8Gi", taints=[{"key": "dedicated", "value": "gpu", "effect": "PreferNoSchedule"}])
    c.add_node("node-4", cpu="2", memory="4Gi")
    c.apply(_SCORING_MANIFEST)
    c.run(10)
    return c


def scoring(build: Callable[[int, dict], Any] = scoring_cluster, pod: Any = None, seed: int = 0,
            resources: Sequence[str] = ("cpu",)) -> LiveFigure:
    """Scoring strategy dropdown and plugin weight sliders; redraws ``explain_chart`` for ``pod`` and ``placement``.

    ``build(seed, scheduler_config)`` returns a ``k8s.Cluster`` after placing its workload;
    ``pod`` (a manifest, default a 500m/1Gi Pod) is explained, not bound. ``resources``
    are the placement panels (CPU only by default: each extra panel costs ~40 ms per redraw).
    """
    pod = PROBE_POD if pod is None else pod
    controls: dict[str, W.Widget] = {
        "strategy": W.Dropdown(options=STRATEGIES, value="LeastAllocated", description="scoringStrategy",
                               style={"description_width": "initial"}),
    }
    for name, default in SCORE_PLUGINS.items():
        controls[name] = W.IntSlider(value=default, min=1, max=10, description=name, continuous_update=False,
                                     style={"description_width": "initial"}, layout=W.Layout(width="480px"))

    def render() -> list[Figure]:
        weights = {n: controls[n].value for n in SCORE_PLUGINS}
        cluster = build(seed, scheduler_config(controls["strategy"].value, weights))
        return [explain_chart(cluster.scheduler.explain(pod)), placement(cluster, resources=resources)]

    return LiveFigure(controls, render)


# ------------------------------------------------------------------------------- HPA
_HPA_MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: "nginx:1.27", resources: {{requests: {{cpu: 500m, memory: 256Mi}}}}}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: 1
  maxReplicas: 10
  metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {target}}}}}}}]
"""


def hpa_cluster(seed: int, target: int, load: Callable[[float], float]):
    """The HPA widget's default cluster: 3 nodes, Deployment ``web`` (500m requests) with an HPA; ``load`` in cores."""
    from labsupport import k8s

    c = k8s.Cluster(seed=seed)
    for i in range(3):
        c.add_node(f"node-{i + 1}", cpu="4", memory="8Gi")
    c.apply(_HPA_MANIFEST.format(target=int(target)))
    c.run(5)
    c.set_load("web", total=lambda t: 1000.0 * load(t))
    return c


def hpa(build: Callable[[int, int, Callable[[float], float]], Any] = hpa_cluster, seed: int = 0,
        seconds: float = 900, every: float = 15) -> LiveFigure:
    """Target utilization and peak load sliders; redraws the HPA chart of a load spike from t = 120 s to 420 s."""
    controls = {
        "target": W.IntSlider(value=50, min=10, max=100, step=5, description="target utilization (%)",
                              continuous_update=False, style={"description_width": "initial"}, layout=W.Layout(width="480px")),
        "peak": W.FloatSlider(value=3.0, min=0.5, max=8.0, step=0.5, description="peak load (cores)",
                              continuous_update=False, style={"description_width": "initial"}, layout=W.Layout(width="480px")),
    }

    def render() -> list[Figure]:
        peak = float(controls["peak"].value)

        def load(t: float) -> float:
            return peak if 120 <= t < 420 else 0.5

        cluster = build(seed, controls["target"].value, load)
        return [hpa_chart(sample_hpa(cluster, "web", seconds, every=every, load=load))]

    return LiveFigure(controls, render)


# -------------------------------------------------------------------------- failures
_FAILURE_MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 500m, memory: 512Mi}}}]
"""


def k8s_failure_cluster(seed: int):
    """Three nodes and a 6-replica Deployment, settled for 30 s."""
    from labsupport import k8s

    c = k8s.Cluster(seed=seed)
    for i in range(3):
        c.add_node(f"node-{i + 1}", cpu="4", memory="8Gi")
    c.apply(_FAILURE_MANIFEST)
    c.run(30)
    return c


def mesos_failure_cluster(seed: int):
    """Three masters, three agents and a framework keeping 6 one-cpu tasks running (relaunching lost ones)."""
    from labsupport import mesos

    class KeepRunning(mesos.Scheduler):
        """Keeps ``n`` long-running tasks alive: launches on offers, relaunches when a task ends."""

        def __init__(self, n: int) -> None:
            self.n, self.live, self.seq = n, set(), 0

        def resource_offers(self, driver, offers):
            for o in offers:
                tasks, cpus, mem = [], o.resources.get("cpus", 0), o.resources.get("mem", 0)
                while len(self.live) < self.n and cpus >= 1 and mem >= 512:
                    self.seq += 1
                    tid = f"web-{self.seq}"
                    self.live.add(tid)
                    tasks.append(mesos.Task(tid, "cpus:1;mem:512"))
                    cpus, mem = cpus - 1, mem - 512
                if tasks:
                    driver.accept([o.id], tasks)
                else:
                    driver.decline([o.id])

        def status_update(self, driver, status):
            if status.state.is_terminal or status.state.value == "TASK_UNREACHABLE":
                self.live.discard(status.task_id)

    c = mesos.Cluster(seed=seed, masters=3)
    for i in range(3):
        c.add_agent(f"agent-{i + 1}", resources="cpus:4;mem:8192")
    c.register(KeepRunning(6), name="web", role="web")
    c.run(30)
    return c


_ACTIONS = {
    "k8s": {"fail node": "fail_node", "restore node": "restore_node"},
    "mesos": {"fail agent": "fail_agent", "restore agent": "restore_agent", "fail leading master": "fail_master"},
}


def failures(system: str = "k8s", build: Callable[[int], Any] | None = None, seed: int = 0,
             until: float | None = None) -> LiveFigure:
    """Fail and restore nodes, agents or the leading master at chosen times; the timeline replays from the seed.

    Pick a node (agent) and a time with "at t", click a button: the step joins the script.
    The "show until" slider sets how far the simulation runs (default 600 s for Kubernetes,
    where eviction comes 50 s + 300 s after a failure; 300 s for Mesos). Every change
    rebuilds the cluster from ``seed`` and replays the script in time order, so clicks made
    in a different order give the same picture. "reset" empties the script.
    """
    if system not in _ACTIONS:
        raise LabError(f"system: must be 'k8s' or 'mesos', got {system!r}")
    build = build or (k8s_failure_cluster if system == "k8s" else mesos_failure_cluster)
    probe = build(seed)
    start = probe.now
    targets = sorted(probe.agents) if system == "mesos" else [n["metadata"]["name"] for n in probe.store.list("Node")]
    until = float(until if until is not None else (600 if system == "k8s" else 300))
    script: list[tuple[float, str, str | None]] = []
    wide = {"continuous_update": False, "style": {"description_width": "initial"}, "layout": W.Layout(width="480px")}
    target = W.Dropdown(options=targets, value=targets[0], description="agent" if system == "mesos" else "node")
    at = W.IntSlider(value=int(start) + 30, min=int(start), max=int(until), step=5, description="at t (s)", **wide)
    horizon = W.IntSlider(value=int(until), min=int(start) + 10, max=int(3 * until), step=10,
                          description="show until t (s)", **wide)
    log = W.HTML()
    buttons = {label: W.Button(description=label) for label in _ACTIONS[system]}
    buttons["reset"] = W.Button(description="reset", button_style="warning")

    def render() -> list[Figure]:
        cluster = build(seed)
        for t, label, name in sorted(script, key=lambda step: step[0]):
            if t > horizon.value:
                break
            cluster.run(max(0.0, t - cluster.now))
            method = getattr(cluster, _ACTIONS[system][label])
            method() if name is None else method(name)
        cluster.run(max(0.0, horizon.value - cluster.now))
        steps = "; ".join(f"t={t:g} s: {lbl}{' ' + n if n else ''}" for t, lbl, n in sorted(script, key=lambda s: s[0]))
        log.value = f"<b>script</b>: {steps or 'no failures yet'}"
        return [timeline_chart(cluster)]

    live = LiveFigure({"until": horizon, "target": target, "at": at}, render,
                      extra=[W.HBox(list(buttons.values())), log], observe=False)
    horizon.observe(live.redraw, names="value")

    def on_click(label: str) -> Callable[[Any], None]:
        def click(_: Any) -> None:
            if label == "reset":
                script.clear()
            else:
                script.append((float(at.value), label, None if label == "fail leading master" else target.value))
            live.redraw()
        return click

    for label, b in buttons.items():
        b.on_click(on_click(label))
    live.buttons = buttons
    live.script = script
    return live


# ------------------------------------------------------------------------------- DRF
def drf_cluster(seed: int, weights: Mapping[str, float]):
    """The DRF paper's example as a Mesos cluster: one agent <9 CPUs, 18 GB>, role ``a`` runs <1 CPU, 4 GB>
    tasks, role ``b`` runs <3 CPUs, 1 GB> tasks; each framework takes one task per offer (progressive filling)."""
    from labsupport import mesos

    class OnePerOffer(mesos.Scheduler):
        def __init__(self, prefix: str, cpus: float, mem: float) -> None:
            self.prefix, self.cpus, self.mem, self.n = prefix, cpus, mem, 0

        def resource_offers(self, driver, offers):
            for o in offers:
                if o.resources.get("cpus", 0) >= self.cpus and o.resources.get("mem", 0) >= self.mem:
                    self.n += 1
                    driver.accept([o.id], [mesos.Task(f"{self.prefix}-{self.n}", {"cpus": self.cpus, "mem": self.mem})],
                                  filters={"refuse_seconds": 0})
                else:
                    driver.decline([o.id], filters={"refuse_seconds": 0})

    c = mesos.Cluster(seed=seed)
    c.add_agent("agent-1", resources="cpus:9;mem:18432")
    c.register(OnePerOffer("a", 1, 4096), name="fw-a", role="a", weight=float(weights.get("a", 1.0)))
    c.register(OnePerOffer("b", 3, 1024), name="fw-b", role="b", weight=float(weights.get("b", 1.0)))
    c.run(12)
    return c


def drf(build: Callable[[int, Mapping[str, float]], Any] = drf_cluster, seed: int = 0) -> LiveFigure:
    """Role weight sliders; redraws the roles' weighted dominant shares over time (``drf_shares``)."""
    controls = {
        f"weight {r}": W.FloatSlider(value=1.0, min=0.5, max=4.0, step=0.5, description=f"weight of role {r}",
                                     continuous_update=False, style={"description_width": "initial"},
                                     layout=W.Layout(width="480px"))
        for r in ("a", "b")
    }

    live: list[LiveFigure] = []

    def render() -> list[Figure]:
        known = live[0].axes_positions(0) if live else None   # skip the layout pass on redraws
        weights = {r: controls[f"weight {r}"].value for r in ("a", "b")}
        cluster = build(seed, weights)
        tasks = {}
        for t in cluster.tasks():
            if not t.state.is_terminal:
                tasks[t.framework_name] = tasks.get(t.framework_name, 0) + 1
        got = ", ".join(f"{k}: {v} tasks" for k, v in sorted(tasks.items())) or "no tasks"
        return [drf_shares(cluster, title=f"DRF with weights a={weights['a']:g}, b={weights['b']:g} ({got})",
                           position=known[0] if known and len(known) == 1 else None)]

    live.append(LiveFigure(controls, render))
    return live[0]
