"""A simulated Prometheus server: scrapes targets on the simulated clock, keeps series, answers PromQL.

Like Prometheus (https://prometheus.io/docs/prometheus/latest/configuration/configuration/):

* every ``scrape_interval`` (Prometheus' default is 1m; the learner-facing default here is 15 s, the
  value most Kubernetes setups use) each target's exposition text is fetched and parsed with the
  real parser, ``prometheus_client.parser.text_string_to_metric_families``; every sample gets the
  target labels ``job`` and ``instance`` (a family whose text did not change since an earlier
  scrape is not parsed again: its parsed samples are reused); a synthetic ``up{job,instance}`` series is written;
* sample timestamps in the text are honoured (``honor_timestamps: true``; the kubelet stamps its
  cAdvisor samples with the housekeeping time); a repeated timestamp is not stored twice;
* a series that disappears from its target's scrape gets a stale marker, so instant queries stop
  returning it at once instead of after the 5 minute lookback;
* targets are discovered at each scrape (a new node's kubelet is scraped from its first interval);
* alerting rules with ``for:`` are evaluated every ``evaluation_interval`` (default 1m): an alert is
  *pending* while its expression returns the series, *firing* once it has for ``for`` seconds.

Simplified: all targets are scraped at the same instant (Prometheus spreads them over the
interval); no relabelling, no recording rules, no remote storage; retention is unbounded.

>>> from labsupport.core import Simulation
>>> sim = Simulation(0)
>>> text = lambda: f"# TYPE jobs_total counter\\njobs_total {sim.now * 2:g}\\n"
>>> prom = Prometheus(sim, lambda: {("batch", "worker:9100"): text}, scrape_interval=15)
>>> sim.run(120)
>>> print(prom.query("rate(jobs_total[1m])"))
rate(jobs_total[1m])
instance      job     value
worker:9100   batch   2
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from labsupport.core import LabError, Simulation, Table, priorities
from labsupport.core.sim import SIM_EPOCH
from labsupport.k8s.observability import promql

__all__ = ["Prometheus", "AlertRule", "RangeResult", "DEFAULT_EVALUATION_INTERVAL"]

DEFAULT_EVALUATION_INTERVAL = 60.0
Labels = tuple[tuple[str, str], ...]
Targets = Callable[[], dict[tuple[str, str], Callable[[], str]]]


@dataclass
class AlertRule:
    """``alert: name / expr: ... / for: 5m`` with labels and annotations; ``active`` maps labels -> since."""

    name: str
    expr: str
    for_seconds: float
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    active: dict[Labels, float] = field(default_factory=dict)
    history: list[tuple[float, str, Labels]] = field(default_factory=list)   # (time, "pending"|"firing"|"resolved", labels)

    def history_state(self, labels: Labels) -> str | None:
        """The last state recorded for one alert (one label set)."""
        for _, state, lab in reversed(self.history):
            if lab == labels:
                return state
        return None


@dataclass
class RangeResult:
    """The answer of :meth:`Prometheus.query_range`: per series, ``[(t, value), ...]``."""

    query: str
    series: dict[Labels, list[tuple[float, float]]]

    def table(self) -> Table:
        """The last value of each series."""
        return _table([(labels, pts[-1][1]) for labels, pts in self.series.items() if pts], self.query)

    def plot(self, ax=None, *, title: str | None = None, ylabel: str = "value", legend_label: str | None = None,
             legend: bool = True):
        """One line per series (colour and marker both differ), time in minutes on x. Returns the Figure.

        Each line is labelled with its labels, or only with the value of ``legend_label``; ``legend=False`` draws no legend.
        """
        from labsupport.plots.style import MARKERS, color_for, new_figure

        fig = None
        if ax is None:
            fig = new_figure(1, width=8, height=3.5)
            ax = fig.axes[0]
        markers = [m for m, _ in MARKERS.values()]
        for i, (labels, pts) in enumerate(sorted(self.series.items())):
            d = dict(labels)
            name = d.get(legend_label, "") if legend_label else ", ".join(f"{k}={v}" for k, v in labels if k != "__name__")
            ax.plot([t / 60 for t, _ in pts], [v for _, v in pts], color=color_for(i), marker=markers[i % len(markers)],
                    markevery=max(len(pts) // 8, 1), label=name or "value")
        ax.set_xlabel("simulated time (minutes)")
        ax.set_ylabel(ylabel)
        ax.set_title(title or self.query, fontsize=9)
        if self.series and legend:
            ax.legend(fontsize=7, loc="best")
        return fig if fig is not None else ax.figure


def _table(rows: list[tuple[Labels, float]], title: str | None = None) -> Table:
    names = sorted({k for labels, _ in rows for k, _ in labels})
    if "__name__" in names:
        names.remove("__name__")
        names.insert(0, "__name__")
    out = []
    for labels, v in sorted(rows, key=lambda r: r[0]):
        d = dict(labels)
        d["value"] = round(v, 6) if not math.isnan(v) else v
        out.append(d)
    return Table(names + ["value"], out, title=title)


def _family_blocks(text: str) -> list[str]:
    """Split exposition text at each ``# HELP`` line: one block per metric family."""
    blocks, cur = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("# HELP ") and cur:
            blocks.append("".join(cur))
            cur = []
        cur.append(line)
    if cur:
        blocks.append("".join(cur))
    return blocks


class Prometheus:
    """Scrapes ``targets()`` (``{(job, instance): text_fn}``) every ``scrape_interval`` simulated seconds."""

    def __init__(self, sim: Simulation, targets: Targets, scrape_interval: float = 15.0,
                 evaluation_interval: float = DEFAULT_EVALUATION_INTERVAL) -> None:
        for name, v in (("scrape_interval", scrape_interval), ("evaluation_interval", evaluation_interval)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 1 <= v <= 3600:
                raise LabError(f"{name}: must be a number of seconds between 1 and 3600, got {v!r}")
        self.sim, self.targets = sim, targets
        self.scrape_interval = float(scrape_interval)
        self.evaluation_interval = float(evaluation_interval)
        self.series: dict[Labels, list[tuple[float, float]]] = {}
        self._last_seen: dict[tuple[str, str], set[Labels]] = {}
        self.rules: list[AlertRule] = []
        self._order: list[Labels] | None = None
        self._parsed: dict[str, list] = {}
        self.scrapes = 0
        sim.schedule(0, self._scrape_loop, priority=priorities.SCRAPE, label="prometheus scrape")

    # ------------------------------------------------------------ scraping
    def _scrape_loop(self) -> None:
        self.scrape()
        self.sim.schedule(self.scrape_interval, self._scrape_loop, priority=priorities.SCRAPE, label="prometheus scrape")

    def scrape(self) -> None:
        """Scrape every target once now (the loop calls this every interval)."""
        now = self.sim.now
        self.scrapes += 1
        for (job, instance), fn in sorted(self.targets().items()):
            seen: set[Labels] = set()
            for block in _family_blocks(fn()):
                for name, sample_labels, value, stamp in self._parse_block(block):
                    labels = tuple(sorted({**sample_labels, "__name__": name, "job": job, "instance": instance}.items()))
                    t = now if stamp is None else stamp - SIM_EPOCH
                    self._append(labels, min(t, now), value)
                    seen.add(labels)
            up = (("__name__", "up"), ("instance", instance), ("job", job))
            self._append(up, now, 1.0)
            for gone in sorted(self._last_seen.get((job, instance), set()) - seen):
                self._append(gone, now, math.nan)        # stale marker
            self._last_seen[(job, instance)] = seen

    def _parse_block(self, block: str) -> list[tuple[str, dict, float, float | None]]:
        """Samples of one metric family's text, parsed by prometheus_client (an unchanged block is parsed once)."""
        hit = self._parsed.get(block)
        if hit is None:
            if len(self._parsed) > 20_000:
                self._parsed.clear()
            hit = self._parsed[block] = [(s.name, dict(s.labels), float(s.value), None if s.timestamp is None else float(s.timestamp))
                                         for fam in text_string_to_metric_families(block) for s in fam.samples]
        return hit

    def _append(self, labels: Labels, t: float, v: float) -> None:
        pts = self.series.setdefault(labels, [])
        if pts and pts[-1][0] >= t:
            return
        pts.append((t, v))

    def select(self, vs: promql.VectorSelector) -> list[tuple[Labels, list[tuple[float, float]]]]:
        """Series matching a selector, in label order (used by the PromQL evaluator)."""
        if self._order is None or len(self._order) != len(self.series):
            self._order = sorted(self.series)
        return [(labels, self.series[labels]) for labels in self._order if promql.matches(dict(labels), vs)]

    # ------------------------------------------------------------ queries
    def _eval(self, query: str, t: float):
        node = promql.parse(query)
        return promql.evaluate(node, t, self)

    def query(self, query: str, at: float | None = None) -> Table:
        """An instant query at ``at`` (default: now), as a table: one row per series, labels and ``value``."""
        t = self.sim.now if at is None else float(at)
        result = self._eval(query, t)
        if not isinstance(result, list):
            return Table(["value"], [{"value": round(result, 6)}], title=query)
        return _table(result, query)

    def value(self, query: str, at: float | None = None, **labels: str) -> float | None:
        """The value of the one series of ``query``'s result whose labels include ``labels`` (None if none)."""
        t = self.sim.now if at is None else float(at)
        result = self._eval(query, t)
        if not isinstance(result, list):
            return result
        hits = [v for lab, v in result if all(dict(lab).get(k) == str(w) for k, w in labels.items())]
        if len(hits) > 1:
            raise LabError(f"labels: {len(hits)} series match {labels}; give more labels")
        return hits[0] if hits else None

    def query_range(self, query: str, start: float = 0.0, end: float | None = None, step: float | None = None) -> RangeResult:
        """The query evaluated at ``start, start + step, ... end`` (defaults: from 0 to now, step = scrape interval)."""
        end = self.sim.now if end is None else float(end)
        step = self.scrape_interval if step is None else float(step)
        if step <= 0 or end < start:
            raise LabError(f"step: need step > 0 and end >= start, got start={start}, end={end}, step={step}")
        if (end - start) / step > 20_000:
            raise LabError(f"step: {step:g}s over {end - start:g}s gives more than 20,000 points; use a larger step")
        node = promql.parse(query)
        out: dict[Labels, list[tuple[float, float]]] = {}
        n = int(math.floor((end - start) / step + 1e-9))
        for i in range(n + 1):
            t = start + i * step
            result = promql.evaluate(node, t, self)
            if not isinstance(result, list):
                result = [((), result)]
            for labels, v in result:
                out.setdefault(labels, []).append((t, v))
        return RangeResult(query, dict(sorted(out.items())))

    # ------------------------------------------------------------ alerting
    def add_alert(self, name: str, expr: str, for_: str | float = 0, labels: dict | None = None, annotations: dict | None = None) -> AlertRule:
        """An alerting rule (``alert``, ``expr``, ``for``) evaluated every ``evaluation_interval``."""
        promql.parse(expr)
        for_seconds = promql.parse_duration(for_) if isinstance(for_, str) else float(for_)
        if not self.rules:
            self.sim.schedule(self.evaluation_interval, self._evaluate_rules, priority=priorities.RULES, label="prometheus rules")
        rule = AlertRule(name, expr, for_seconds, dict(labels or {}), dict(annotations or {}))
        self.rules.append(rule)
        return rule

    def _evaluate_rules(self) -> None:
        now = self.sim.now
        for rule in self.rules:
            result = self._eval(rule.expr, now)
            current = {labels for labels, _ in result} if isinstance(result, list) else set()
            for labels in sorted(current):
                if labels not in rule.active:
                    rule.active[labels] = now
                    rule.history.append((now, "pending", labels))
                elif now - rule.active[labels] >= rule.for_seconds and rule.history_state(labels) == "pending":
                    rule.history.append((now, "firing", labels))
            for labels in sorted(set(rule.active) - current):
                del rule.active[labels]
                rule.history.append((now, "resolved", labels))
        self.sim.schedule(self.evaluation_interval, self._evaluate_rules, priority=priorities.RULES, label="prometheus rules")

    def alerts(self) -> Table:
        """Active alerts now, like the Prometheus UI's Alerts page: NAME, STATE, ACTIVE SINCE, LABELS."""
        rows = []
        for rule in self.rules:
            for labels, since in sorted(rule.active.items()):
                state = "firing" if self.sim.now - since >= rule.for_seconds and rule.history_state(labels) == "firing" else "pending"
                shown = {k: v for k, v in labels if k in ("namespace", "pod", "container", "reason", "node")}
                rows.append({"ALERT": rule.name, "STATE": state, "ACTIVE SINCE": since, "LABELS": ", ".join(f"{k}={v}" for k, v in shown.items())})
        return Table(["ALERT", "STATE", "ACTIVE SINCE", "LABELS"], rows, title="Alerts")

