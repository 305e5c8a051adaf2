"""Pod Security Admission: the baseline and restricted levels, enforce/audit/warn via namespace labels.

From staging/src/k8s.io/pod-security-admission (``policy/check_*.go`` for the checks and their
``ForbiddenReason`` / ``ForbiddenDetail`` wording, ``admission/admission.go`` for the messages
``violates PodSecurity "restricted:latest": ...`` and ``would violate PodSecurity ...``,
``api/constants.go`` for the labels ``pod-security.kubernetes.io/{enforce,audit,warn}[-version]``);
https://kubernetes.io/docs/concepts/security/pod-security-standards/ (v1.37).

* enforce: a violating Pod is refused (``pods "x" is forbidden: violates PodSecurity ...``); Pods made
  by a controller are refused too, so a Deployment shows ``FailedCreate`` on its ReplicaSet.
* warn: the request succeeds with a warning, for Pods and for workload templates (Deployments, ...).
* audit: the request succeeds; an audit annotation is recorded (here: :attr:`PodSecurity.audit_log`).
Checks are evaluated in the order of their check IDs, and the results joined by ``, ``.

Checks simulated (level, ID): baseline -- hostNamespaces, privileged, capabilities_baseline,
hostPathVolumes, hostPorts; restricted adds allowPrivilegeEscalation, capabilities_restricted,
restrictedVolumes, runAsNonRoot, runAsUser, seccompProfile_restricted. Not simulated: AppArmor,
SELinux, procMount, sysctls, Windows hostProcess, seccomp baseline (Unconfined), the exemptions and
version pinning (every version is treated as ``latest``).

>>> spec = {"containers": [{"name": "web", "image": "nginx"}]}
>>> check_pod(spec, "baseline")
[]
>>> check_pod(spec, "restricted")[0]
'allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false)'
"""
from __future__ import annotations

from collections.abc import Mapping

from labsupport.core import LabError
from labsupport.k8s.errors import ManifestError

__all__ = ["check_pod", "LEVELS", "MODES", "LABEL_PREFIX", "PodSecurity", "namespace_policy"]

LEVELS = ("privileged", "baseline", "restricted")
MODES = ("enforce", "audit", "warn")
LABEL_PREFIX = "pod-security.kubernetes.io/"
_BASELINE_CAPS = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                  "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
_RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"}


def _containers(spec: Mapping):
    for group in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(group) or ()


def _names(label: str, names: list[str]) -> str:
    quoted = ", ".join(f'"{n}"' for n in names)
    return f'{label} {quoted}' if len(names) == 1 else f'{label}s {quoted}'


def _sc(obj: Mapping) -> Mapping:
    return obj.get("securityContext") or {}


def _host_namespaces(spec):
    bad = [f"{k}=true" for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k)]
    return ("host namespaces", ", ".join(bad)) if bad else None


def _privileged(spec):
    bad = [c["name"] for c in _containers(spec) if _sc(c).get("privileged")]
    return ("privileged", f"{_names('container', bad)} must not set securityContext.privileged=true") if bad else None


def _capabilities_baseline(spec):
    details = []
    for c in _containers(spec):
        extra = [cap for cap in (_sc(c).get("capabilities") or {}).get("add") or () if cap not in _BASELINE_CAPS]
        if extra:
            details.append(f'container "{c["name"]}" must not include {", ".join(chr(34) + x + chr(34) for x in extra)} in securityContext.capabilities.add')
    return ("non-default capabilities", "; ".join(details)) if details else None


def _host_path(spec):
    bad = [v["name"] for v in spec.get("volumes") or () if "hostPath" in v]
    return ("hostPath volumes", _names("volume", bad)) if bad else None


def _host_ports(spec):
    details = []
    for c in _containers(spec):
        ports = [str(p["hostPort"]) for p in c.get("ports") or () if p.get("hostPort")]
        if ports:
            details.append(f'{_names("container", [c["name"]])} uses {"hostPort" if len(ports) == 1 else "hostPorts"} {", ".join(ports)}')
    return ("hostPort", "; ".join(details)) if details else None


def _allow_privilege_escalation(spec):
    bad = [c["name"] for c in _containers(spec) if _sc(c).get("allowPrivilegeEscalation") is not False]
    return ("allowPrivilegeEscalation != false", f"{_names('container', bad)} must set securityContext.allowPrivilegeEscalation=false") if bad else None


def _capabilities_restricted(spec):
    no_drop, bad_add = [], []
    for c in _containers(spec):
        caps = _sc(c).get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or ()):
            no_drop.append(c["name"])
        extra = [x for x in caps.get("add") or () if x != "NET_BIND_SERVICE"]
        if extra:
            bad_add.append((c["name"], extra))
    details = []
    if no_drop:
        details.append(f'{_names("container", no_drop)} must set securityContext.capabilities.drop=["ALL"]')
    for name, extra in bad_add:
        details.append(f'container "{name}" must not include {", ".join(chr(34) + x + chr(34) for x in extra)} in securityContext.capabilities.add')
    return ("unrestricted capabilities", "; ".join(details)) if details else None


def _restricted_volumes(spec):
    details = []
    for v in spec.get("volumes") or ():
        kinds = [k for k in v if k != "name" and k not in _RESTRICTED_VOLUMES]
        if kinds:
            details.append(f'volume "{v["name"]}" uses restricted volume type "{kinds[0]}"')
    return ("restricted volume types", ", ".join(details)) if details else None


def _run_as_non_root(spec):
    pod_sc = _sc(spec)
    explicit_bad = [c["name"] for c in _containers(spec) if _sc(c).get("runAsNonRoot") is False]
    pod_bad = pod_sc.get("runAsNonRoot") is False
    unset = [c["name"] for c in _containers(spec) if _sc(c).get("runAsNonRoot") is None and pod_sc.get("runAsNonRoot") is not True
             and not (_sc(c).get("runAsUser") or pod_sc.get("runAsUser"))]
    details = []
    if pod_bad:
        details.append("pod must not set securityContext.runAsNonRoot=false")
    if explicit_bad:
        details.append(f"{_names('container', explicit_bad)} must not set securityContext.runAsNonRoot=false")
    if unset and not pod_bad:
        details.append(f"pod or {_names('container', unset)} must set securityContext.runAsNonRoot=true")
    return ("runAsNonRoot != true", "; ".join(details)) if details else None


def _run_as_user(spec):
    details = []
    if _sc(spec).get("runAsUser") == 0:
        details.append("pod must not set runAsUser=0")
    bad = [c["name"] for c in _containers(spec) if _sc(c).get("runAsUser") == 0]
    if bad:
        details.append(f"{_names('container', bad)} must not set runAsUser=0")
    return ("runAsUser=0", "; ".join(details)) if details else None


def _seccomp_restricted(spec):
    pod_type = (_sc(spec).get("seccompProfile") or {}).get("type")
    ok = ("RuntimeDefault", "Localhost")
    details = []
    if pod_type is not None and pod_type not in ok:
        details.append(f'pod must not set securityContext.seccompProfile.type to "{pod_type}"')
    bad_set = [c["name"] for c in _containers(spec) if (_sc(c).get("seccompProfile") or {}).get("type") not in (None, *ok)]
    if bad_set:
        details.append(f'{_names("container", bad_set)} must not set securityContext.seccompProfile.type to "Unconfined"')
    if pod_type is None:
        unset = [c["name"] for c in _containers(spec) if (_sc(c).get("seccompProfile") or {}).get("type") is None]
        if unset:
            details.append(f'pod or {_names("container", unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"')
    return ("seccompProfile", "; ".join(details)) if details else None


#: (check ID, level, function), in check-ID order (the evaluator's order)
CHECKS = sorted([
    ("allowPrivilegeEscalation", "restricted", _allow_privilege_escalation),
    ("capabilities_baseline", "baseline", _capabilities_baseline),
    ("capabilities_restricted", "restricted", _capabilities_restricted),
    ("hostNamespaces", "baseline", _host_namespaces),
    ("hostPathVolumes", "baseline", _host_path),
    ("hostPorts", "baseline", _host_ports),
    ("privileged", "baseline", _privileged),
    ("restrictedVolumes", "restricted", _restricted_volumes),
    ("runAsNonRoot", "restricted", _run_as_non_root),
    ("runAsUser", "restricted", _run_as_user),
    ("seccompProfile_restricted", "restricted", _seccomp_restricted),
], key=lambda t: t[0])


def check_pod(spec: Mapping, level: str) -> list[str]:
    """Every violation of ``level`` by a PodSpec, each ``reason (detail)``, in the evaluator's order."""
    if level not in LEVELS:
        raise LabError(f"level: {level!r} is not a Pod Security level ({', '.join(LEVELS)})")
    if level == "privileged":
        return []
    wanted = ("baseline",) if level == "baseline" else ("baseline", "restricted")
    out = []
    for _id, lvl, fn in CHECKS:
        if lvl in wanted:
            r = fn(spec)
            if r:
                out.append(f"{r[0]} ({r[1]})")
    return out


def namespace_policy(labels: Mapping | None) -> dict[str, str]:
    """``{"enforce": level, "audit": level, "warn": level}`` from a namespace's labels (default privileged)."""
    labels = labels or {}
    out = {}
    for mode in MODES:
        level = labels.get(LABEL_PREFIX + mode, "privileged")
        out[mode] = level if level in LEVELS else "privileged"
    return out


_TEMPLATE_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job")


class PodSecurity:
    """The PodSecurity admission plugin over a store: ``admit(pod)`` for Pods, ``warnings(obj)`` for any object."""

    def __init__(self, store) -> None:
        self.store = store
        self.audit_log: list[str] = []
        self.last_warnings: list[str] = []

    def _policy(self, ns: str) -> dict[str, str]:
        nso = self.store.get("Namespace", None, ns)
        return namespace_policy((nso or {}).get("metadata", {}).get("labels"))

    def admit(self, pod: dict) -> None:
        """Enforce on a Pod (raise ManifestError); record audit annotations and warnings."""
        ns = pod["metadata"].get("namespace", "default")
        policy = self._policy(ns)
        spec = pod.get("spec") or {}
        v = check_pod(spec, policy["enforce"])
        if v:
            # a controller's Pod is admitted before its name is generated: the message shows the generateName prefix
            name = pod["metadata"].get("generateName") or pod["metadata"].get("name", "")
            raise ManifestError(f'pods "{name}" is forbidden: violates PodSecurity "{policy["enforce"]}:latest": {", ".join(v)}')
        a = check_pod(spec, policy["audit"])
        if a:
            self.audit_log.append(f'{ns}/{pod["metadata"].get("name")}: would violate PodSecurity "{policy["audit"]}:latest": {", ".join(a)}')

    def warnings(self, obj: Mapping) -> list[str]:
        """``Warning: would violate PodSecurity ...`` lines kubectl prints for a Pod or workload under ``warn``."""
        kind = obj.get("kind")
        if kind == "Pod":
            spec = obj.get("spec") or {}
        elif kind in _TEMPLATE_KINDS:
            spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
        else:
            return []
        ns = (obj.get("metadata") or {}).get("namespace") or "default"
        level = self._policy(ns)["warn"]
        v = check_pod(spec, level)
        return [f'Warning: would violate PodSecurity "{level}:latest": {", ".join(v)}'] if v else []
