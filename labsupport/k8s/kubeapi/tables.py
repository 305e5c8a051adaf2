"""Server-side printing: ``kubectl get`` asks the API server for a ``Table``, not for objects.

kubectl sends ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` and prints the
``columnDefinitions`` (upper-cased) and each row's ``cells``; columns with ``priority`` 1
appear only with ``-o wide``. The cells are computed by the server, so AGE here is simulated
time (``cluster.now``), the same as :meth:`Cluster.get` prints. Column sets follow
``pkg/printers/internalversion/printers.go`` (1.37); the row values come from
:mod:`labsupport.k8s.printers`, plus the wide columns defined here.

>>> t = table("Namespace", [{"metadata": {"name": "default", "creationTimestamp": 0.0}}], now=90.0)
>>> [c["name"] for c in t["columnDefinitions"]], t["rows"][0]["cells"]
(['Name', 'Status', 'Age'], ['default', 'Active', '90s'])
"""
from __future__ import annotations

from collections.abc import Callable

from labsupport.k8s.printers import PRINTERS, human_duration

__all__ = ["table", "COLUMNS", "event_row"]

_NONE = "<none>"


def _title(name: str) -> str:
    special = {"UP-TO-DATE": "Up-to-date", "CLUSTER-IP": "Cluster-IP", "EXTERNAL-IP": "External-IP", "PORT(S)": "Port(s)",
               "GLOBAL-DEFAULT": "Global-Default", "PREEMPTIONPOLICY": "PreemptionPolicy", "MINPODS": "MinPods", "MAXPODS": "MaxPods",
               "ADDRESSTYPE": "AddressType", "INTERNAL-IP": "Internal-IP", "OS-IMAGE": "OS-Image", "KERNEL-VERSION": "Kernel-Version",
               "CONTAINER-RUNTIME": "Container-Runtime", "LAST SEEN": "Last Seen", "FIRST SEEN": "First Seen"}
    return special.get(name, name.title())


def _selector_text(sel: dict | None) -> str:
    if not sel:
        return _NONE
    parts = [f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for e in sel.get("matchExpressions") or ():
        op = e.get("operator")
        if op in ("In", "NotIn"):
            parts.append(f"{e['key']} {op.lower()} ({','.join(e.get('values') or ())})")
        elif op == "Exists":
            parts.append(e["key"])
        else:
            parts.append(f"!{e['key']}")
    return ",".join(parts)


def _containers(tpl_spec: dict) -> dict:
    cs = tpl_spec.get("containers") or ()
    return {"CONTAINERS": ",".join(c.get("name", "") for c in cs), "IMAGES": ",".join(c.get("image", "") for c in cs)}


def _wide(kind: str, o: dict) -> dict:
    if kind == "Pod":
        gates = o["spec"].get("readinessGates")
        return {"READINESS GATES": f"{len(gates)}" if gates else _NONE}
    if kind in ("Deployment", "ReplicaSet"):
        return {**_containers(o["spec"]["template"].get("spec") or {}), "SELECTOR": _selector_text(o["spec"].get("selector"))}
    if kind == "Service":
        sel = o["spec"].get("selector")
        return {"SELECTOR": ",".join(f"{k}={v}" for k, v in sorted(sel.items())) if sel else _NONE}
    if kind == "Node":
        addrs = {a["type"]: a["address"] for a in (o.get("status") or {}).get("addresses") or ()}
        info = (o.get("status") or {}).get("nodeInfo") or {}
        return {"INTERNAL-IP": addrs.get("InternalIP", _NONE), "EXTERNAL-IP": addrs.get("ExternalIP", _NONE),
                "OS-IMAGE": info.get("osImage") or "<unknown>", "KERNEL-VERSION": info.get("kernelVersion") or "<unknown>",
                "CONTAINER-RUNTIME": info.get("containerRuntimeVersion") or "<unknown>"}
    return {}


#: kind -> (default columns, wide columns)
COLUMNS: dict[str, tuple[list[str], list[str]]] = {
    "Pod": (["NAME", "READY", "STATUS", "RESTARTS", "AGE"], ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]),
    "Deployment": (["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"]),
    "ReplicaSet": (["NAME", "DESIRED", "CURRENT", "READY", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"]),
    "Service": (["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], ["SELECTOR"]),
    "Node": (["NAME", "STATUS", "ROLES", "AGE", "VERSION"], ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"]),
    "Event": (["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], ["SUBOBJECT", "SOURCE", "FIRST SEEN", "COUNT", "NAME"]),
}
for _kind, (_cols, _) in PRINTERS.items():
    COLUMNS.setdefault(_kind, (list(_cols), []))


def _cell(v):
    if v is None or v == "":
        return _NONE if v is None else v
    return v


def event_row(e: dict, now: float) -> dict:
    """A core/v1 Event (wire form, times in simulated seconds) as ``kubectl get events`` prints it."""
    io = e["involvedObject"]
    last = e.get("lastTimestamp")
    first = e.get("firstTimestamp")
    return {"LAST SEEN": human_duration(now - last) if last is not None else "<unknown>", "TYPE": e.get("type", ""), "REASON": e.get("reason", ""),
            "OBJECT": f"{io['kind'].lower()}/{io['name']}", "MESSAGE": e.get("message", ""), "SUBOBJECT": io.get("fieldPath", ""),
            "SOURCE": (e.get("source") or {}).get("component", ""), "FIRST SEEN": human_duration(now - first) if first is not None else "<unknown>",
            "COUNT": e.get("count", 1), "NAME": e["metadata"]["name"]}


def table(kind: str, objs: list[dict], now: float, kubelet_up: Callable[[str], bool] | None = None, metadata: Callable[[dict], dict] | None = None,
          resource_version: str = "") -> dict:
    """A ``meta.k8s.io/v1`` Table of stored objects of one kind (``metadata(obj)`` gives each row's object metadata)."""
    default, wide = COLUMNS[kind]
    defs = [{"name": _title(c), "type": "string", "format": "name" if c == "NAME" else "", "description": "", "priority": 0} for c in default]
    defs += [{"name": _title(c), "type": "string", "format": "", "description": "", "priority": 1} for c in wide]
    rows = []
    row_fn = PRINTERS[kind][1] if kind in PRINTERS else None
    for o in objs:
        if kind == "Event":
            r = event_row(o, now)
        elif kind == "Pod":
            r = row_fn(o, now, kubelet_up)  # the Pod printer also takes kubelet_up
        else:
            r = row_fn(o, now)
        r = {**r, **_wide(kind, o)}
        cells = [_cell(r.get(c)) for c in default + wide]
        row = {"cells": cells}
        if metadata is not None:
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata(o)}
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version}, "columnDefinitions": defs, "rows": rows}

