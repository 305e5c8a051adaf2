"""Mesos persistent volumes made visible: ``cell.get("volumes")``.

In Mesos 1.11 a persistent volume is reserved disk with an id (``disk(db)[data]:500``), created by a
framework with the CREATE offer operation (https://mesos.apache.org/documentation/latest/persistent-volume/,
https://mesos.apache.org/documentation/latest/reservation/, read 2026-12). It belongs to the *role*, lives
on *one agent*, and comes back in that role's offers from that agent after the task using it ends, so a
framework that remembers "my data is on agent X as volume `data`" can relaunch there. It is gone
with the agent: a machine that is lost (or re-registers with a new agent id) takes its volumes along;
nothing moves them elsewhere.

Columns: AGENT, ROLE, FRAMEWORK (the framework of that role that created it or uses it now),
PATH (the volume id; Mesos mounts it in the task's sandbox under that path), SIZE (MB),
IN USE BY (live tasks holding it), AGENT STATE.

Simplified: volumes are not ``shared`` (1.11's SharedInfo: offered to several frameworks of the role at
once, requiring the SHARED_RESOURCES capability) -- the lesson explains shared volumes in text; no
``container_path`` distinct from the id; no DiskInfo sources (MOUNT/PATH disks) or CSI volumes
(Mesos' CSI support is experimental; see the storage lesson).
"""
from __future__ import annotations

from labsupport.core import Table
from labsupport.mesos import events as ev

__all__ = ["volume_table", "VOLUME_COLUMNS", "VolumesMixin"]

VOLUME_COLUMNS = ["AGENT", "ROLE", "FRAMEWORK", "PATH", "SIZE", "IN USE BY", "AGENT STATE"]


def _creators(cluster) -> dict[tuple[str, str], str]:
    """(agent, role) -> name of the last framework that applied an operation there (CREATE among them)."""
    out: dict[tuple[str, str], str] = {}
    for e in cluster.event_records():
        if e.reason != ev.OPERATION_APPLIED or "CREATE" not in e.message:
            continue
        ids = {ref[0]: ref[1] for ref in e.involved}
        fw = cluster.master.frameworks.get(ids.get("Framework", ""))
        if fw is not None:
            out[(ids.get("Agent", ""), fw.role)] = fw.name
    return out


def volume_table(cluster) -> Table:
    """One row per persistent volume on every agent the master knows."""
    creators = _creators(cluster)
    rows = []
    for name in sorted(cluster.agents):
        agent = cluster.agents[name]
        state = "failed" if agent.failed else str(agent.state)
        live = [t for t in cluster.master.tasks.values() if t.agent == name and not t.state.is_terminal]
        for (_name, role, vol), amount in sorted(agent.total.entries.items()):
            if not vol:
                continue
            users = [t for t in live if any(k[2] == vol and k[1] == role for k in t.resources.entries)]
            fw = users[0].framework_name if users else creators.get((name, role), "-")
            rows.append({"AGENT": name, "ROLE": role, "FRAMEWORK": fw, "PATH": vol, "SIZE": amount,
                         "IN USE BY": ",".join(sorted(t.task_id for t in users)) or "-", "AGENT STATE": state})
    return Table(VOLUME_COLUMNS, rows, title="Persistent volumes")


class VolumesMixin:
    """``mesos.Cluster.get("volumes")`` (the Cluster's ``get`` dispatches to ``_table_<name>``)."""

    def _table_volumes(self) -> Table:
        return volume_table(self)
