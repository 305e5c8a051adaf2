"""``kubectl get`` columns for the networking kinds (NetworkPolicy, Ingress, GatewayClass, Gateway, HTTPRoute).

Columns as kubectl 1.37 prints them (the Gateway API ones from the CRDs' ``additionalPrinterColumns``).
"""
from __future__ import annotations

__all__ = ["NETWORK_PRINTERS"]


def _age(o: dict, now: float) -> str:
    from labsupport.k8s.printers import human_duration

    return human_duration(now - o["metadata"].get("creationTimestamp", now))


def _cond(o: dict, type_: str) -> str:
    c = next((c for c in (o.get("status") or {}).get("conditions") or () if c["type"] == type_), None)
    return c["status"] if c else "Unknown"


def _networkpolicies(o, now):
    sel = o["spec"].get("podSelector") or {}
    labels = ",".join(f"{k}={v}" for k, v in (sel.get("matchLabels") or {}).items())
    return {"NAME": o["metadata"]["name"], "POD-SELECTOR": labels or ("<none>" if not sel.get("matchExpressions") else "<expressions>"), "AGE": _age(o, now)}


def _ingresses(o, now):
    hosts = ",".join(r.get("host") or "*" for r in o["spec"].get("rules") or ()) or "*"
    ips = ",".join(i.get("ip", "") for i in ((o.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ())
    return {"NAME": o["metadata"]["name"], "CLASS": o["spec"].get("ingressClassName") or "<none>", "HOSTS": hosts,
            "ADDRESS": ips, "PORTS": "80", "AGE": _age(o, now)}


def _gatewayclasses(o, now):
    return {"NAME": o["metadata"]["name"], "CONTROLLER": o["spec"].get("controllerName"), "ACCEPTED": _cond(o, "Accepted"), "AGE": _age(o, now)}


def _gateways(o, now):
    addr = ",".join(a["value"] for a in (o.get("status") or {}).get("addresses") or ())
    return {"NAME": o["metadata"]["name"], "CLASS": o["spec"].get("gatewayClassName"), "ADDRESS": addr,
            "PROGRAMMED": _cond(o, "Programmed"), "AGE": _age(o, now)}


def _httproutes(o, now):
    return {"NAME": o["metadata"]["name"], "HOSTNAMES": str(o["spec"].get("hostnames") or []), "AGE": _age(o, now)}


NETWORK_PRINTERS = {
    "NetworkPolicy": (["NAME", "POD-SELECTOR", "AGE"], _networkpolicies),
    "Ingress": (["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], _ingresses),
    "GatewayClass": (["NAME", "CONTROLLER", "ACCEPTED", "AGE"], _gatewayclasses),
    "Gateway": (["NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"], _gateways),
    "HTTPRoute": (["NAME", "HOSTNAMES", "AGE"], _httproutes),
}
