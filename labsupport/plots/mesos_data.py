"""Read a ``labsupport.mesos.Cluster`` into plot records: agents, tasks, offers, shares, messages.

Sources, all public read-outs of the cluster: ``agent_accounting(name)`` (total, offered,
used, idle), ``tasks()`` (each with its ``history`` of ``(time, state)``), ``offer_records()``,
``status_updates()``, ``get("frameworks")`` and ``get("roles")`` (ids, roles, weights) and
``event_records()`` (agent failures, elections, registrations). Events are read by ``reason``
and by the ids of the objects they involve, frameworks are told apart by id: a framework
called ``bob's web``, an agent called ``agent 1`` or ``zookeeper``, or two frameworks with the
same name are drawn like any other (:func:`labels` adds the id where names collide).

>>> from labsupport import mesos
>>> c = mesos.Cluster(seed=0)
>>> c.add_agent("agent-1", resources="cpus:4;mem:8192")
>>> [(b.name, b.cpu, b.memory) for b in bins(c)]
[('agent-1', 4.0, 8192.0)]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labsupport.mesos import events as ev
from labsupport.plots.data import Architecture, Bin, Component, Flow, Item, Mark, OfferSpan, ShareSample, Span, Timeline

__all__ = ["bins", "timeline", "offers", "shares", "architecture", "leadership", "labels", "Labels"]

#: terminal task state -> how a timeline span ended
_OUTCOME = {"TASK_FINISHED": "succeeded", "TASK_FAILED": "failed", "TASK_KILLED": "killed", "TASK_ERROR": "failed",
            "TASK_LOST": "lost", "TASK_GONE": "lost", "TASK_DROPPED": "lost"}
#: Registrations in the events as (reason, arrow label): the involved Agent or Framework sends to the involved Master
#: if the event names one, else to the master leading at that time (src/master/master.cpp: ``registerSlave``,
#: ``reregisterSlave``, ``subscribe``).
_REGISTRATIONS = {
    ev.AGENT_REGISTERED: "register (resources)",
    ev.AGENT_REREGISTERED: "re-register",
    ev.FRAMEWORK_REGISTERED: "register",
    ev.FRAMEWORK_REREGISTERED: "re-register",
}
ZOOKEEPER = "zookeeper"


@dataclass(frozen=True)
class Labels:
    """What each framework, agent and master is called in a figure: its name, plus its id or kind if names collide."""

    frameworks: dict[str, str]     # framework id -> label
    agents: dict[str, str]         # agent id -> label
    masters: dict[str, str]        # master name -> label
    roles: dict[str, str]          # framework id -> role

    def framework(self, fid: str) -> str:
        return self.frameworks.get(fid, fid)

    def agent(self, name: str) -> str:
        return self.agents.get(name, name)

    def master(self, name: str) -> str:
        return self.masters.get(name, name)


def labels(cluster: Any) -> Labels:
    """Unique display labels: a name shared by two objects (or with the ZooKeeper box) gets ``(id)`` or ``(kind)`` added.

    >>> from labsupport import mesos
    >>> c = mesos.Cluster(seed=0)
    >>> c.add_agent("zookeeper")
    >>> a, b = c.register(mesos.Scheduler(), name="web", role="x"), c.register(mesos.Scheduler(), name="web", role="y")
    >>> lab = labels(c)
    >>> lab.agent("zookeeper"), lab.framework(a), lab.framework(b)
    ('zookeeper (agent)', 'web (0000-web)', 'web (0001-web)')
    """
    rows = cluster.get("frameworks").rows
    names = [ZOOKEEPER] + [r["NAME"] for r in rows] + sorted(cluster.masters) + sorted(cluster.agents)
    taken = {n: names.count(n) for n in names}
    frameworks = {r["ID"]: r["NAME"] if taken[r["NAME"]] == 1 else f"{r['NAME']} ({r['ID']})" for r in rows}
    masters = {m: m if taken[m] == 1 else f"{m} (master)" for m in sorted(cluster.masters)}
    agents = {a: a if taken[a] == 1 else f"{a} (agent)" for a in sorted(cluster.agents)}
    return Labels(frameworks, agents, masters, {r["ID"]: r["ROLE"] for r in rows})


def bins(cluster: Any) -> list[Bin]:
    """One :class:`Bin` per agent: its running tasks, then its outstanding offers (as "offered"), then free."""
    lab = labels(cluster)
    out = []
    for name in sorted(cluster.agents):
        acc = cluster.agent_accounting(name)
        total = acc["total"].scalars()
        items = []
        for t in cluster.tasks():
            if t.agent == name and not t.state.is_terminal:
                sc = t.resources.scalars()
                items.append(Item(t.task_id, lab.framework(t.framework), sc.get("cpus", 0.0), sc.get("mem", 0.0)))
        offered = acc["offered"].scalars()
        if offered.get("cpus", 0.0) or offered.get("mem", 0.0):
            items.append(Item("offered", "outstanding offers", offered.get("cpus", 0.0), offered.get("mem", 0.0)))
        out.append(Bin(name, total.get("cpus", 0.0), total.get("mem", 0.0), tuple(items), down=cluster.agents[name].failed))
    return out


def leadership(cluster: Any) -> list[tuple[float, float | None, str]]:
    """``(from, until, master)`` for every leadership term, read from the election events."""
    terms: list[tuple[float, float | None, str]] = []
    for e in cluster.event_records():
        if e.reason == ev.LEADER_ELECTED:
            terms.append((e.time, None, e.ids("Master")[0]))
        elif e.reason == ev.MASTER_CRASHED and terms and terms[-1][1] is None and terms[-1][2] == e.ids("Master")[0]:
            terms[-1] = (terms[-1][0], e.time, terms[-1][2])
    return terms


def timeline(cluster: Any) -> Timeline:
    """Tasks per agent from launch to their terminal state; agent failures/returns and master changes as marks."""
    lab = labels(cluster)
    now = cluster.now
    spans = []
    for t in cluster.tasks():
        end, outcome = None, None
        for when, state in t.history:
            if state.value in _OUTCOME:
                end, outcome = when, _OUTCOME[state.value]
                break
        spans.append(Span(t.agent, t.task_id, lab.framework(t.framework), t.launched_at, end, outcome))
    marks = []
    kinds = {ev.AGENT_FAILED: "failure", ev.AGENT_RESTORED: "recovery"}
    for e in cluster.event_records():
        if e.reason in kinds:
            marks.extend(Mark(a, e.time, kinds[e.reason], e.message) for a in e.ids("Agent") if a in cluster.agents)
    for start, until, master in leadership(cluster):
        if start > 0:
            marks.extend(Mark(a, start, "leader", f"{master} elected") for a in sorted(cluster.agents))
        if until is not None:
            marks.extend(Mark(a, until, "failure", f"{master} crashed") for a in sorted(cluster.agents))
    return Timeline(sorted(cluster.agents), spans, tuple(marks), now=now, lane_title="agent")


def offers(cluster: Any) -> list[OfferSpan]:
    """Every offer from ``offer_records()``: made at ``time``, answered ``at`` (still outstanding: until now)."""
    lab = labels(cluster)
    out = []
    for r in cluster.offer_records():
        outcome = str(r.outcome or "outstanding")
        end = r.at
        if end is None:
            end, outcome = cluster.now, "outstanding"
        out.append(OfferSpan(r.agent, lab.framework(r.framework_id), float(r.time), float(end), outcome, str(r.resources)))
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
    from ``get("roles")``; a framework is weighted by its role's weight. Frameworks are told
    apart by id (two frameworks called ``web`` in roles ``a`` and ``b`` stay two lines).
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
    lab = labels(cluster)
    role_of = lab.roles                                       # framework id -> role
    weight = {r["ROLE"]: float(r["WEIGHT"]) for r in cluster.get("roles").rows}
    changes: list[tuple[float, int, str, dict[str, float]]] = []   # (time, +1/-1, client, scalars)

    def client(fid: str) -> str:
        return role_of.get(fid, "*") if by == "role" else lab.framework(fid)

    role_of_client = {client(fid): role_of[fid] for fid in role_of}
    for o in cluster.offer_records():
        sc = _scalars(o.resources)
        changes.append((float(o.time), 1, client(o.framework_id), sc))
        if o.at is not None:
            changes.append((float(o.at), -1, client(o.framework_id), sc))
    for t in cluster.tasks():
        sc = t.resources.scalars()
        changes.append((t.launched_at, 1, client(t.framework), sc))
        end = next((w for w, s in t.history if s.value in _OUTCOME), None)
        if end is not None:
            changes.append((end, -1, client(t.framework), sc))
    clients = sorted({c for _, _, c, _ in changes} | ({client(fid) for fid in role_of}))
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
        w = {c: (weight.get(c, 1.0) if by == "role" else weight.get(role_of_client.get(c, "*"), 1.0)) for c in clients}
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
    with a newly elected leader. Boxes are keyed by :func:`labels` (unique even when names collide).
    """
    terms = leadership(cluster)
    lab = labels(cluster)

    def master_at(t: float) -> str:
        name = terms[0][2] if terms else (cluster.leader or "master")
        for start, _until, m in terms:
            if start <= t:
                name = m
        return lab.master(name)

    frameworks = sorted(lab.frameworks.values())
    masters = sorted(cluster.masters)
    agents = sorted(cluster.agents)
    comps = [Component(f, 0, i, "framework") for i, f in enumerate(frameworks)]
    comps += [Component(lab.master(m), 1, i, "master", highlight=(m == cluster.leader)) for i, m in enumerate(masters)]
    comps.append(Component(ZOOKEEPER, 1, len(masters), "coordination"))
    comps += [Component(lab.agent(a), 2, i, "agent") for i, a in enumerate(agents)]
    counts: dict[tuple[str, str, str], int] = {}

    def add(src: str, dst: str, label: str, n: int = 1) -> None:
        counts[(src, dst, label)] = counts.get((src, dst, label), 0) + n

    for o in cluster.offer_records():
        m = master_at(float(o.time))
        fw = lab.framework(o.framework_id)
        add(m, fw, "offers")
        if o.outcome in ("accepted", "declined"):
            add(fw, master_at(float(o.at)), "accept" if o.outcome == "accepted" else "decline")
        elif o.outcome in ("rescinded", "expired"):
            add(m, fw, "rescind")
    agent_of = {}
    for t in cluster.tasks():
        agent_of[(t.framework, t.task_id)] = t.agent
        add(master_at(t.launched_at), lab.agent(t.agent), "launch")
    for u in cluster.status_updates().rows:
        a = agent_of.get((u["FRAMEWORK"], u["TASK"]))
        m = master_at(float(u["TIME"]))
        if a is not None:
            add(lab.agent(a), m, "status")
        add(m, lab.framework(u["FRAMEWORK"]), "status")
    for e in cluster.event_records():
        if e.reason == ev.LEADER_ELECTED:
            add(ZOOKEEPER, lab.master(e.ids("Master")[0]), "elected")
        elif e.reason in _REGISTRATIONS:
            senders = [lab.agent(a) for a in e.ids("Agent")] or [lab.framework(f) for f in e.ids("Framework")]
            to = lab.master(e.ids("Master")[0]) if e.reason == ev.FRAMEWORK_REREGISTERED and e.ids("Master") else master_at(e.time)
            for sender in senders:
                add(sender, to, _REGISTRATIONS[e.reason])
    flows = tuple(Flow(s, d, label, n) for (s, d, label), n in sorted(counts.items()))
    return Architecture(f"Mesos: two-level scheduling\n(messages up to t = {cluster.now:g} s; leader: {cluster.leader})",
                        comps, flows)
