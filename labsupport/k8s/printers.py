"""``kubectl get`` columns for each simulated kind (``pkg/printers/internalversion/printers.go``).

AGE uses kubectl's ``duration.HumanDuration``; a Pod's STATUS follows ``printPod``
(a waiting or terminated container's reason wins, ``Terminating`` once deleted).
One simplification: a Pod bound to a node with a running kubelet that has not posted a
status yet shows ``ContainerCreating`` (a real kubelet posts that reason within milliseconds;
here the write is saved). Bound to a node without a working kubelet it stays ``Pending``.

>>> human_duration(45), human_duration(150), human_duration(7260), human_duration(3 * 86400)
('45s', '2m30s', '121m', '3d')
"""
from __future__ import annotations

from collections.abc import Callable

from labsupport.core import Table
from labsupport.k8s.network.printers import NETWORK_PRINTERS

__all__ = ["human_duration", "pod_status", "pod_ready", "pod_restarts", "PRINTERS", "print_table", "KUBERNETES_VERSION_STRING"]

KUBERNETES_VERSION_STRING = "v1.37.0"


def human_duration(seconds: float) -> str:
    """kubectl's ``HumanDuration`` (used for AGE and LAST SEEN).

    >>> human_duration(0), human_duration(600), human_duration(9 * 3600)
    ('0s', '10m', '9h')
    """
    s = int(seconds)
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    return f"{hours // (24 * 365)}y"


def pod_status(pod: dict, kubelet_up: Callable[[str], bool] | None = None) -> str:
    """The STATUS column of ``kubectl get pods``; ``kubelet_up(node)`` says whether that node's kubelet runs."""
    st = pod.get("status") or {}
    reason = st.get("reason") or st.get("phase") or "Pending"
    statuses = st.get("containerStatuses") or []
    has_running = False
    for cs in reversed(statuses):
        state = cs.get("state") or {}
        if (state.get("waiting") or {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif (state.get("terminated") or {}).get("reason"):
            reason = state["terminated"]["reason"]
        elif cs.get("ready") and "running" in state:
            has_running = True
    if reason == "Completed" and has_running:
        reason = "Running"
    node = pod["spec"].get("nodeName")
    if not statuses and reason == "Pending" and node and (kubelet_up is None or kubelet_up(node)):
        reason = "ContainerCreating"
    if pod["metadata"].get("deletionTimestamp") is not None:
        reason = "Terminating"
    return reason


def pod_ready(pod: dict) -> str:
    """READY: ready containers / containers."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    total = len(pod["spec"].get("containers") or ())
    return f"{sum(1 for cs in statuses if cs.get('ready'))}/{total}"


def pod_restarts(pod: dict, now: float) -> str:
    """RESTARTS, with kubectl's "(45s ago)" for the last restart."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    n = sum(cs.get("restartCount", 0) for cs in statuses)
    last = [cs["lastState"]["terminated"]["finishedAt"] for cs in statuses if (cs.get("lastState") or {}).get("terminated")]
    if n and last:
        return f"{n} ({human_duration(now - max(last))} ago)"
    return str(n)


def _age(obj: dict, now: float) -> str:
    return human_duration(now - obj["metadata"]["creationTimestamp"])


def _pods(o, now, kubelet_up=None):
    return {"NAME": o["metadata"]["name"], "READY": pod_ready(o), "STATUS": pod_status(o, kubelet_up), "RESTARTS": pod_restarts(o, now),
            "AGE": _age(o, now), "IP": (o.get("status") or {}).get("podIP"), "NODE": o["spec"].get("nodeName"),
            "NOMINATED NODE": (o.get("status") or {}).get("nominatedNodeName")}


def _deployments(o, now):
    s = o.get("status") or {}
    return {"NAME": o["metadata"]["name"], "READY": f"{s.get('readyReplicas', 0)}/{o['spec'].get('replicas', 1)}",
            "UP-TO-DATE": s.get("updatedReplicas", 0), "AVAILABLE": s.get("availableReplicas", 0), "AGE": _age(o, now)}


def _replicasets(o, now):
    s = o.get("status") or {}
    return {"NAME": o["metadata"]["name"], "DESIRED": o["spec"].get("replicas", 1), "CURRENT": s.get("replicas", 0),
            "READY": s.get("readyReplicas", 0), "AGE": _age(o, now)}


def _services(o, now):
    ports = ",".join(f"{p['port']}" + (f":{p['nodePort']}" if p.get("nodePort") else "") + f"/{p.get('protocol', 'TCP')}" for p in o["spec"].get("ports") or ())
    return {"NAME": o["metadata"]["name"], "TYPE": o["spec"].get("type", "ClusterIP"), "CLUSTER-IP": o["spec"].get("clusterIP"),
            "EXTERNAL-IP": _external_ip(o), "PORT(S)": ports or "<none>", "AGE": _age(o, now)}


def _external_ip(o):
    """EXTERNAL-IP as kubectl prints it: the externalName, the load balancer's IP, or <pending> (labsupport.k8s.network)."""
    spec = o["spec"]
    if spec.get("type") == "ExternalName":
        return spec.get("externalName")
    if spec.get("type") == "LoadBalancer":
        ips = [i.get("ip") for i in ((o.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()]
        return ",".join(ips) or "<pending>"
    return "<none>"


def _nodes(o, now):
    ready = next((c for c in o["status"].get("conditions") or () if c["type"] == "Ready"), None)
    status = "Ready" if ready and ready["status"] == "True" else "NotReady"
    if o["spec"].get("unschedulable"):
        status += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in o["metadata"].get("labels") or {} if k.startswith("node-role.kubernetes.io/"))
    return {"NAME": o["metadata"]["name"], "STATUS": status, "ROLES": ",".join(roles) or "<none>", "AGE": _age(o, now),
            "VERSION": KUBERNETES_VERSION_STRING}


def _hpas(o, now):
    s = o.get("status") or {}
    current = {m["resource"]["name"]: m["resource"]["current"] for m in s.get("currentMetrics") or () if m.get("type") == "Resource"}
    targets = []
    for m in o["spec"].get("metrics") or ():
        res = m.get("resource") or {}
        t = res.get("target") or {}
        cur = current.get(res.get("name"), {})
        if t.get("type") == "Utilization":
            c = f"{cur['averageUtilization']}%" if "averageUtilization" in cur else "<unknown>"
            targets.append(f"{res.get('name')}: {c}/{t.get('averageUtilization')}%")
        else:
            targets.append(f"{res.get('name')}: {cur.get('averageValue', '<unknown>')}/{t.get('averageValue')}")
    ref = o["spec"]["scaleTargetRef"]
    return {"NAME": o["metadata"]["name"], "REFERENCE": f"{ref['kind']}/{ref['name']}", "TARGETS": ", ".join(targets),
            "MINPODS": o["spec"].get("minReplicas", 1), "MAXPODS": o["spec"]["maxReplicas"], "REPLICAS": s.get("currentReplicas", 0),
            "AGE": _age(o, now)}


def _namespaces(o, now):
    return {"NAME": o["metadata"]["name"], "STATUS": "Terminating" if o["metadata"].get("deletionTimestamp") is not None else "Active",
            "AGE": _age(o, now)}


def _priorityclasses(o, now):
    return {"NAME": o["metadata"]["name"], "VALUE": o.get("value", 0), "GLOBAL-DEFAULT": bool(o.get("globalDefault")),
            "AGE": _age(o, now), "PREEMPTIONPOLICY": o.get("preemptionPolicy", "PreemptLowerPriority")}


def _resourcequotas(o, now):
    used = (o.get("status") or {}).get("used") or {}
    hard = o["spec"].get("hard") or {}
    req = ", ".join(f"{k}: {used.get(k, '0')}/{v}" for k, v in sorted(hard.items()))
    return {"NAME": o["metadata"]["name"], "AGE": _age(o, now), "REQUEST": req, "LIMIT": ""}


def _endpointslices(o, now):
    ports = ",".join(str(p["port"]) for p in o.get("ports") or ()) or "<unset>"
    eps = [e["addresses"][0] for e in o.get("endpoints") or ()]
    shown = ",".join(eps[:3]) + (f" + {len(eps) - 3} more..." if len(eps) > 3 else "")
    return {"NAME": o["metadata"]["name"], "ADDRESSTYPE": o.get("addressType", "IPv4"), "PORTS": ports,
            "ENDPOINTS": shown or "<unset>", "AGE": _age(o, now)}


def _leases(o, now):
    return {"NAME": o["metadata"]["name"], "HOLDER": o["spec"].get("holderIdentity"), "AGE": _age(o, now)}


def _pdbs(o, now):
    spec, st = o["spec"], o.get("status") or {}
    return {"NAME": o["metadata"]["name"], "MIN AVAILABLE": spec.get("minAvailable", "N/A"), "MAX UNAVAILABLE": spec.get("maxUnavailable", "N/A"),
            "ALLOWED DISRUPTIONS": st.get("disruptionsAllowed", 0), "AGE": _age(o, now)}
def _conditions(o) -> set:
    return {c["type"] for c in (o.get("status") or {}).get("conditions") or () if c.get("status") == "True"}


def _jobs(o, now):
    """``printJob`` (1.30+): STATUS from the conditions, COMPLETIONS succeeded/completions, DURATION start to completion."""
    s, spec, conds = o.get("status") or {}, o["spec"], _conditions(o)
    status = next((name for cond, name in (("Complete", "Complete"), ("Failed", "Failed")) if cond in conds), None)
    if status is None:
        status = "Terminating" if o["metadata"].get("deletionTimestamp") is not None else next(
            (c for c in ("Suspended", "FailureTarget", "SuccessCriteriaMet") if c in conds), "Running")
    if spec.get("completions") is not None:
        completions = f"{s.get('succeeded', 0)}/{spec['completions']}"
    else:
        par = spec.get("parallelism", 0)
        completions = f"{s.get('succeeded', 0)}/1 of {par}" if par > 1 else f"{s.get('succeeded', 0)}/1"
    start = s.get("startTime")
    duration = "" if start is None else human_duration((s["completionTime"] if s.get("completionTime") is not None else now) - start)
    return {"NAME": o["metadata"]["name"], "STATUS": status, "COMPLETIONS": completions, "DURATION": duration, "AGE": _age(o, now)}


def _cronjobs(o, now):
    s, spec = o.get("status") or {}, o["spec"]
    last = s.get("lastScheduleTime")
    return {"NAME": o["metadata"]["name"], "SCHEDULE": spec["schedule"], "TIMEZONE": spec.get("timeZone") or "<none>",
            "SUSPEND": "True" if spec.get("suspend") else "False", "ACTIVE": len(s.get("active") or ()),
            "LAST SCHEDULE": "<none>" if last is None else human_duration(now - last), "AGE": _age(o, now)}


def _daemonsets(o, now):
    s = o.get("status") or {}
    sel = (o["spec"]["template"].get("spec") or {}).get("nodeSelector") or {}
    return {"NAME": o["metadata"]["name"], "DESIRED": s.get("desiredNumberScheduled", 0), "CURRENT": s.get("currentNumberScheduled", 0),
            "READY": s.get("numberReady", 0), "UP-TO-DATE": s.get("updatedNumberScheduled", 0), "AVAILABLE": s.get("numberAvailable", 0),
            "NODE SELECTOR": ",".join(f"{k}={v}" for k, v in sorted(sel.items())) or "<none>", "AGE": _age(o, now)}


def _crds(o, now):
    from labsupport.k8s.cron import EPOCH

    created = EPOCH.timestamp() + o["metadata"]["creationTimestamp"]
    from datetime import UTC, datetime

    return {"NAME": o["metadata"]["name"], "CREATED AT": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _custom(o, now):
    """A custom resource without additionalPrinterColumns: NAME and AGE."""
    return {"NAME": o["metadata"]["name"], "AGE": _age(o, now)}


# issue 15 (storage): kubectl's columns for the storage kinds (printers.go printPersistentVolume ...)
def _modes(modes) -> str:
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(m, m) for m in modes or ())


def _pvs(o, now):
    spec, ref = o["spec"], o["spec"].get("claimRef") or {}
    return {"NAME": o["metadata"]["name"], "CAPACITY": (spec.get("capacity") or {}).get("storage", ""), "ACCESS MODES": _modes(spec.get("accessModes")),
            "RECLAIM POLICY": spec.get("persistentVolumeReclaimPolicy", "Retain"), "STATUS": (o.get("status") or {}).get("phase", "Pending"),
            "CLAIM": f"{ref.get('namespace', 'default')}/{ref['name']}" if ref else "", "STORAGECLASS": spec.get("storageClassName", ""),
            "VOLUMEATTRIBUTESCLASS": "<unset>", "REASON": (o.get("status") or {}).get("reason", ""), "AGE": _age(o, now)}


def _pvcs(o, now):
    st = o.get("status") or {}
    return {"NAME": o["metadata"]["name"], "STATUS": st.get("phase", "Pending"), "VOLUME": o["spec"].get("volumeName", ""),
            "CAPACITY": (st.get("capacity") or {}).get("storage", ""), "ACCESS MODES": _modes(st.get("accessModes")),
            "STORAGECLASS": o["spec"].get("storageClassName", ""), "VOLUMEATTRIBUTESCLASS": "<unset>", "AGE": _age(o, now)}


def _storageclasses(o, now):
    return {"NAME": o["metadata"]["name"], "PROVISIONER": o.get("provisioner", ""), "RECLAIMPOLICY": o.get("reclaimPolicy", "Delete"),
            "VOLUMEBINDINGMODE": o.get("volumeBindingMode", "Immediate"), "ALLOWVOLUMEEXPANSION": bool(o.get("allowVolumeExpansion", False)),
            "AGE": _age(o, now)}


def _statefulsets(o, now):
    st = o.get("status") or {}
    return {"NAME": o["metadata"]["name"], "READY": f"{st.get('readyReplicas', 0)}/{o['spec'].get('replicas', 1)}", "AGE": _age(o, now)}


def _volumeattachments(o, now):
    return {"NAME": o["metadata"]["name"], "ATTACHER": o["spec"]["attacher"], "PV": o["spec"]["source"].get("persistentVolumeName", ""),
            "NODE": o["spec"]["nodeName"], "ATTACHED": bool((o.get("status") or {}).get("attached")), "AGE": _age(o, now)}


#: kind -> (columns, row function)
PRINTERS: dict[str, tuple[list[str], Callable[[dict, float], dict]]] = {
    "Pod": (["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE"], _pods),
    "Deployment": (["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], _deployments),
    "ReplicaSet": (["NAME", "DESIRED", "CURRENT", "READY", "AGE"], _replicasets),
    "Service": (["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], _services),
    "Node": (["NAME", "STATUS", "ROLES", "AGE", "VERSION"], _nodes),
    "HorizontalPodAutoscaler": (["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], _hpas),
    "Namespace": (["NAME", "STATUS", "AGE"], _namespaces),
    "PriorityClass": (["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"], _priorityclasses),
    "ResourceQuota": (["NAME", "AGE", "REQUEST", "LIMIT"], _resourcequotas),
    "EndpointSlice": (["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], _endpointslices),
    "Lease": (["NAME", "HOLDER", "AGE"], _leases),
    # security (labsupport.k8s.auth, .secrets): kubectl's columns
    "Secret": (["NAME", "TYPE", "DATA", "AGE"], lambda o, now: {"NAME": o["metadata"]["name"], "TYPE": o.get("type", "Opaque"),
                                                              "DATA": len(o.get("data") or {}), "AGE": _age(o, now)}),
    "ConfigMap": (["NAME", "DATA", "AGE"], lambda o, now: {"NAME": o["metadata"]["name"],
                                                         "DATA": len(o.get("data") or {}) + len(o.get("binaryData") or {}), "AGE": _age(o, now)}),
    "ServiceAccount": (["NAME", "SECRETS", "AGE"], lambda o, now: {"NAME": o["metadata"]["name"], "SECRETS": len(o.get("secrets") or []),
                                                                 "AGE": _age(o, now)}),
    "Role": (["NAME", "AGE"], lambda o, now: {"NAME": o["metadata"]["name"], "AGE": _age(o, now)}),
    "ClusterRole": (["NAME", "AGE"], lambda o, now: {"NAME": o["metadata"]["name"], "AGE": _age(o, now)}),
    "RoleBinding": (["NAME", "ROLE", "AGE"], lambda o, now: {"NAME": o["metadata"]["name"],
                                                           "ROLE": f'{o["roleRef"]["kind"]}/{o["roleRef"]["name"]}', "AGE": _age(o, now)}),
    "ClusterRoleBinding": (["NAME", "ROLE", "AGE"], lambda o, now: {"NAME": o["metadata"]["name"],
                                                                  "ROLE": f'{o["roleRef"]["kind"]}/{o["roleRef"]["name"]}', "AGE": _age(o, now)}),
    "PodDisruptionBudget": (["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"], _pdbs),
    "Job": (["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], _jobs),
    "CronJob": (["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"], _cronjobs),
    "DaemonSet": (["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"], _daemonsets),
    "CustomResourceDefinition": (["NAME", "CREATED AT"], _crds),
    # issue 15 (storage)
    "PersistentVolume": (["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS",
                          "REASON", "AGE"], _pvs),
    "PersistentVolumeClaim": (["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"], _pvcs),
    "StorageClass": (["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"], _storageclasses),
    "StatefulSet": (["NAME", "READY", "AGE"], _statefulsets),
    "VolumeAttachment": (["NAME", "ATTACHER", "PV", "NODE", "ATTACHED", "AGE"], _volumeattachments),
}
_CUSTOM_PRINTER = (["NAME", "AGE"], _custom)
# networking kinds (labsupport.k8s.network, issue 13)
PRINTERS.update(NETWORK_PRINTERS)


def print_table(kind: str, objs: list[dict], now: float, all_namespaces: bool = False, title: str | None = None,
                kubelet_up: Callable[[str], bool] | None = None) -> Table:
    """A kubectl-get-style :class:`~labsupport.core.Table` of ``objs`` (all of one kind)."""
    columns, row = PRINTERS.get(kind, _CUSTOM_PRINTER)
    rows = []
    for o in objs:
        r = _pods(o, now, kubelet_up) if kind == "Pod" else row(o, now)
        if all_namespaces:
            r = {"NAMESPACE": o["metadata"].get("namespace"), **r}
        rows.append(r)
    cols = (["NAMESPACE"] if all_namespaces else []) + columns
    if kind == "Pod" and not any(r.get("NOMINATED NODE") for r in rows):
        cols.remove("NOMINATED NODE")
    return Table(cols, rows, title=title)
