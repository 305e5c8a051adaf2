"""Read a ``labsupport.mesos.Cluster`` into plot records: agents, tasks, offers, shares, messages.

Sources, all public read-outs of the cluster: ``agent_accounting(name)`` (total, offered,
used, idle), ``tasks()`` (each with its ``history`` of ``(time, state)``), ``offers_log()``,
``status_updates()``, ``get("roles")`` (weights) and ``events()`` (agent failures, elections).

>>> from labsupport import mesos
>>> c = mesos.Cluster(seed=0)
>>> c.add_agent("agent-1", resources="cpus:4;mem:8192")
>>> [(b.name, b.cpu, b.memory) for b in bins(c)]
[('agent-1', 4.0, 8192.0)]
"""
from __future__ import annotations

import re
from typing import Any

from labsupport.plots.data import Architecture, Bin, Component, Flow, Item, Mark, OfferSpan, ShareSample, Span, Timeline

__all__ = ["bins", "timeline", "offers", "shares", "architecture", "leadership"]

#: terminal task state -> how a timeline span ended
_OUTCOME = {"TASK_FINISHED": "succeeded", "TASK_FAILED": "failed", "TASK_KILLED": "killed", "TASK_ERROR": "failed",
            "TASK_LOST": "lost", "TASK_GONE": "lost", "TASK_DROPPED": "lost"}
_ELECTED = re.compile(r"^(?P<name>\S+) owns the lowest znode \S+: elected leading master$")
_CRASHED = "leading master crashed"
#: Registrations in ``events()`` as (SOURCE it must have, or None for any; pattern; arrow label). The sender is
#: the ``who`` group, else the SOURCE; the receiver is the ``to`` group, else the master leading at that time
#: (src/master/master.cpp: ``registerSlave``, ``reregisterSlave``, ``subscribe``).
_REGISTRATIONS = (
    ("master", re.compile(r"^agent (?P<who>\S+) registered with "), "register (resources)"),
    ("master", re.compile(r"^agent (?P<who>\S+) re-registered "), "re-register"),
    ("master", re.compile(r"^registered framework '(?P<who>[^']+)' as "), "register"),
    ("master", re.compile(r"^framework '(?P<who>[^']+)' re-registered$"), "re-register"),
    (None, re.compile(r"^re-registered with new leader (?P<to>\S+)$"), "re-register"),
)


def bins(cluster: Any) -> list[Bin]:
    """One :class:`Bin` per agent: its running tasks, then its outstanding offers (as "offered"), then free."""
    out = []
    for name in sorted(cluster.agents):
        acc = cluster.agent_accounting(name)
        total = acc["total"].scalars()
        items = []
        for t in cluster.tasks():
            if t.agent == name and not t.state.is_terminal:
                sc = t.resources.scalars()
                items.append(Item(t.task_id, t.framework_name, sc.get("cpus", 0.0), sc.get("mem", 0.0)))
        offered = acc["offered"].scalars()
        if offered.get("cpus", 0.0) or offered.get("mem", 0.0):
            items.append(Item("offered", "outstanding offers", offered.get("cpus", 0.0), offered.get("mem", 0.0)))
        out.append(Bin(name, total.get("cpus", 0.0), total.get("mem", 0.0), tuple(items), down=cluster.agents[name].failed))
    return out


def leadership(cluster: Any) -> list[tuple[float, float | None, str]]:
    """``(from, until, master)`` for every leadership term, read from the election events."""
    terms: list[tuple[float, float | None, str]] = []
    for e in cluster.events().rows:
        m = _ELECTED.match(e["EVENT"]) if e["SOURCE"] == "zookeeper" else None
        if m:
            terms.append((e["TIME"], None, m["name"]))
        elif e["EVENT"] == _CRASHED and terms and terms[-1][1] is None and terms[-1][2] == e["SOURCE"]:
            terms[-1] = (terms[-1][0], e["TIME"], terms[-1][2])
    return terms


def timeline(cluster: Any) -> Timeline:
    """Tasks per agent from launch to their terminal state; agent failures/returns and master changes as marks."""
    now = cluster.now
    spans = []
    for t in cluster.tasks():
        end, outcome = None, None
        for when, state in t.history:
            if state.value in _OUTCOME:
                end, outcome = when, _OUTCOME[state.value]
                break
        spans.append(Span(t.agent, t.task_id, t.framework_name, t.launched_at, end, outcome))
    marks = []
    for e in cluster.events().rows:
        src, text = e["SOURCE"], e["EVENT"]
        if src in cluster.agents and text.startswith("agent stopped answering"):
            marks.append(Mark(src, e["TIME"], "failure", text))
        elif src in cluster.agents and text.startswith("agent is back"):
            marks.append(Mark(src, e["TIME"], "recovery", text))
    for start, until, master in leadership(cluster):
        if start > 0:
            marks.extend(Mark(a, start, "leader", f"{master} elected") for a in sorted(cluster.agents))
        if until is not None:
            marks.extend(Mark(a, until, "failure", f"{master} crashed") for a in sorted(cluster.agents))
    return Timeline(sorted(cluster.agents), spans, tuple(marks), now=now, lane_title="agent")


def offers(cluster: Any) -> list[OfferSpan]:
    """Every offer from ``offers_log()``: made at TIME, answered at AT (still outstanding: until now)."""
    out = []
    for r in cluster.offers_log().rows:
        outcome = str(r["OUTCOME"] or "outstanding")
        end = r.get("AT")
        if end is None:
            end, outcome = cluster.now, "outstanding"
        out.append(OfferSpan(r["AGENT"], r["FRAMEWORK"], float(r["TIME"]), float(end), outcome, str(r.get("RESOURCES", ""))))
    return out


def _scalars(resources: Any) -> dict[str, float]:
    """Scalar amounts of a ``Resources`` or of a resource string (the offers log has carried both)."""
    if not resources:
        return {}
    if isinstance(resources, str):
        from labsupport.mesos.resources import parse_resources
        resources = parse_resources(resources)
    return dict(resources.scalars())


def shares(cluster: Any, by: str = "role") -> list[ShareSample]:
    """Weighted dominant share of each role (or framework, ``by="framework"``) at every moment it changed.

    Allocation counts what the DRF sorter counts: resources in outstanding offers plus
    resources of tasks not yet terminal (``Sorter::allocated`` is called on offer,
    ``unallocated`` on decline or task end). Total = all agents' resources. Role weights
    from ``get("roles")``; a framework is weighted by its role's weight.
    """
    from labsupport.mesos.drf import dominant_share

    if by not in ("role", "framework"):
        from labsupport.core import LabError
        raise LabError(f"by: must be 'role' or 'framework', got {by!r}")
    total: dict[str, float] = {}
    for name in sorted(cluster.agents):
        for k, v in cluster.agent_accounting(name)["total"].scalars().items():
            total[k] = total.get(k, 0.0) + v
    total = {k: v for k, v in total.items() if k in ("cpus", "mem", "disk", "gpus")}
    role_of = {r["NAME"]: r["ROLE"] for r in cluster.get("frameworks").rows}
    weight = {r["ROLE"]: float(r["WEIGHT"]) for r in cluster.get("roles").rows}
    changes: list[tuple[float, int, str, dict[str, float]]] = []   # (time, +1/-1, client, scalars)

    def client(framework_name: str) -> str:
        return role_of.get(framework_name, "*") if by == "role" else framework_name

    for o in cluster.offers_log().rows:
        sc = _scalars(o["RESOURCES"])
        changes.append((float(o["TIME"]), 1, client(o["FRAMEWORK"]), sc))
        if o.get("AT") is not None:
            changes.append((float(o["AT"]), -1, client(o["FRAMEWORK"]), sc))
    for t in cluster.tasks():
        sc = t.resources.scalars()
        changes.append((t.launched_at, 1, client(t.framework_name), sc))
        end = next((w for w, s in t.history if s.value in _OUTCOME), None)
        if end is not None:
            changes.append((end, -1, client(t.framework_name), sc))
    clients = sorted({c for _, _, c, _ in changes} | ({client(n) for n in role_of}))
    alloc = {c: {} for c in clients}
    samples: list[ShareSample] = [ShareSample(0.0, {c: 0.0 for c in clients})]
    changes.sort(key=lambda x: (x[0], -x[1], x[2]))
    i = 0
    while i < len(changes):
        t = changes[i][0]
        while i < len(changes) and changes[i][0] == t:
            _, sign, c, sc = changes[i]
            for k, v in sc.items():
                alloc[c][k] = alloc[c].get(k, 0.0) + sign * v
            i += 1
        w = {c: (weight.get(c, 1.0) if by == "role" else weight.get(role_of.get(c, "*"), 1.0)) for c in clients}
        snap = {c: round(dominant_share({k: max(0.0, v) for k, v in alloc[c].items()}, total, w[c]), 9) for c in clients}
        if snap != samples[-1].shares:
            samples.append(ShareSample(t, snap))
    if samples[-1].time < cluster.now:
        samples.append(ShareSample(cluster.now, dict(samples[-1].shares)))
    return samples


def architecture(cluster: Any) -> Architecture:
    """Frameworks, masters (+ ZooKeeper) and agents, with the messages counted from the cluster's logs.

    Offers and launches are credited to the master that led when they happened; so are the
    registrations: an agent's "register (resources)" (it reports its resources, the master's
    allocator then offers them), a framework's "register", and the "re-register" of both
    with a newly elected leader.
    """
    terms = leadership(cluster)

    def master_at(t: float) -> str:
        name = terms[0][2] if terms else (cluster.leader or "master")
        for start, _until, m in terms:
            if start <= t:
                name = m
        return name

    fw_rows = cluster.get("frameworks").rows
    frameworks = sorted({r["NAME"] for r in fw_rows})
    name_of = {r["ID"]: r["NAME"] for r in fw_rows}
    masters = sorted(cluster.masters)
    agents = sorted(cluster.agents)
    comps = [Component(f, 0, i, "framework") for i, f in enumerate(frameworks)]
    comps += [Component(m, 1, i, "master", highlight=(m == cluster.leader)) for i, m in enumerate(masters)]
    comps.append(Component("zookeeper", 1, len(masters), "coordination"))
    comps += [Component(a, 2, i, "agent") for i, a in enumerate(agents)]
    counts: dict[tuple[str, str, str], int] = {}

    def add(src: str, dst: str, label: str, n: int = 1) -> None:
        counts[(src, dst, label)] = counts.get((src, dst, label), 0) + n

    for o in cluster.offers_log().rows:
        m = master_at(float(o["TIME"]))
        add(m, o["FRAMEWORK"], "offers")
        if o["OUTCOME"] in ("accepted", "declined"):
            add(o["FRAMEWORK"], master_at(float(o["AT"])), "accept" if o["OUTCOME"] == "accepted" else "decline")
        elif o["OUTCOME"] in ("rescinded", "expired"):
            add(m, o["FRAMEWORK"], "rescind")
    agent_of = {}
    for t in cluster.tasks():
        agent_of[(t.framework, t.task_id)] = t.agent
        add(master_at(t.launched_at), t.agent, "launch")
    for u in cluster.status_updates().rows:
        a = agent_of.get((u["FRAMEWORK"], u["TASK"]))
        name = name_of.get(u["FRAMEWORK"], u["FRAMEWORK"])
        m = master_at(float(u["TIME"]))
        if a is not None:
            add(a, m, "status")
        add(m, name, "status")
    for e in cluster.events().rows:
        if e["SOURCE"] == "zookeeper" and _ELECTED.match(e["EVENT"]):
            add("zookeeper", _ELECTED.match(e["EVENT"])["name"], "elected")
        for source, pattern, label in _REGISTRATIONS:
            m = pattern.match(e["EVENT"]) if source in (None, e["SOURCE"]) else None
            if m:
                sender = m.groupdict().get("who") or e["SOURCE"]
                add(sender, m.groupdict().get("to") or master_at(float(e["TIME"])), label)
                break
    flows = tuple(Flow(s, d, label, n) for (s, d, label), n in sorted(counts.items()))
    return Architecture(f"Mesos: two-level scheduling\n(messages up to t = {cluster.now:g} s; leader: {cluster.leader})",
                        comps, flows)
