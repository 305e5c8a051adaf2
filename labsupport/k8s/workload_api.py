"""API defaults and semantic validation of Job, CronJob, DaemonSet and CustomResourceDefinition.

The schema layer (unknown fields, types) is :mod:`.validation`'s, from the 1.37 OpenAPI schema; this
module adds the rules of ``pkg/apis/batch/validation``, ``pkg/apis/apps/validation`` (DaemonSet) and
``apiextensions/validation`` that matter here, and the defaults of ``pkg/apis/batch/v1/defaults.go`` and
``pkg/apis/apps/v1/defaults.go``:

* Job: ``parallelism`` 1; ``completions`` 1 when neither is set; ``backoffLimit`` 6;
  ``completionMode`` NonIndexed; ``suspend`` false; the template ``restartPolicy`` must be
  ``Never`` or ``OnFailure``; ``Indexed`` needs ``completions``; ``podFailurePolicy`` needs ``Never``;
* CronJob: ``concurrencyPolicy`` Allow, ``suspend`` false, ``successfulJobsHistoryLimit`` 3,
  ``failedJobsHistoryLimit`` 1; the schedule and ``timeZone`` parse (:mod:`.cron`); the name is at most
  52 characters (11 are left for the ``-<minutes>`` suffix of its Jobs);
* DaemonSet: ``updateStrategy`` RollingUpdate with ``maxUnavailable`` 1 and ``maxSurge`` 0,
  ``revisionHistoryLimit`` 10; the template ``restartPolicy`` must be ``Always``.

>>> job = {"kind": "Job", "metadata": {"name": "pi"}, "spec": {"template": {"spec": {"restartPolicy": "Never",
...        "containers": [{"name": "c", "image": "perl"}]}}}}
>>> d = default_workload(job)["spec"]; (d["parallelism"], d["completions"], d["backoffLimit"], d["completionMode"])
(1, 1, 6, 'NonIndexed')
>>> workload_problems({"kind": "CronJob", "metadata": {"name": "r"}, "spec": {"schedule": "0 25 * * *",
...     "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": []}}}}}})
["spec.schedule: end of range (25) above maximum (23) in the hour field: '25'"]
"""
from __future__ import annotations

from typing import Any

from labsupport.core import LabError
from labsupport.k8s.crd import crd_problems
from labsupport.k8s.cron import parse_schedule, parse_time_zone

__all__ = ["WORKLOAD_KINDS", "default_workload", "workload_problems"]

#: kind -> apiVersion served (added to :data:`labsupport.k8s.validation.SIMULATED_KINDS`).
WORKLOAD_KINDS = {"Job": "batch/v1", "CronJob": "batch/v1", "DaemonSet": "apps/v1",
                  "CustomResourceDefinition": "apiextensions.k8s.io/v1"}
_UNSIMULATED_JOB_FIELDS = ("backoffLimitPerIndex", "maxFailedIndexes", "successPolicy", "podReplacementPolicy", "managedBy")


def _default_pod_template(tmpl: dict) -> None:
    from labsupport.k8s.defaults import default_pod_spec

    default_pod_spec(tmpl.setdefault("spec", {}))


def _default_job_spec(spec: dict, name: str | None) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    tmpl = spec.setdefault("template", {})
    _default_pod_template(tmpl)
    if name:
        labels = tmpl.setdefault("metadata", {}).setdefault("labels", {})
        labels.setdefault("batch.kubernetes.io/job-name", name)
        labels.setdefault("job-name", name)


def default_workload(obj: dict) -> dict:
    """Fill in the defaults of a Job, CronJob or DaemonSet in place (other kinds are returned unchanged)."""
    kind, spec = obj.get("kind"), obj.get("spec")
    if not isinstance(spec, dict):
        return obj
    if kind == "Job":
        _default_job_spec(spec, obj["metadata"].get("name"))
    elif kind == "CronJob":
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        _default_job_spec(spec.setdefault("jobTemplate", {}).setdefault("spec", {}), None)
    elif kind == "DaemonSet":
        spec.setdefault("revisionHistoryLimit", 10)
        strategy = spec.setdefault("updateStrategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            ru = strategy.setdefault("rollingUpdate", {})
            ru.setdefault("maxUnavailable", 1)
            ru.setdefault("maxSurge", 0)
        _default_pod_template(spec.setdefault("template", {}))
    return obj


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _job_spec_problems(spec: dict, path: str) -> list[str]:
    from labsupport.k8s.validation import _labels_problems, _pod_spec_problems

    out: list[str] = []
    for key in ("parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"):
        v = spec.get(key)
        if _int(v) and (v < 0 or (key == "activeDeadlineSeconds" and v == 0)):
            out.append(f"{path}.{key}: must be {'greater than 0' if key == 'activeDeadlineSeconds' else 'greater than or equal to 0'}, got {v}")
    for key in _UNSIMULATED_JOB_FIELDS:
        if spec.get(key) is not None:
            out.append(f"{path}.{key}: not simulated by labsupport (simulated: completions, parallelism, backoffLimit, "
                       "activeDeadlineSeconds, completionMode, podFailurePolicy, ttlSecondsAfterFinished)")
    if spec.get("suspend"):
        out.append(f"{path}.suspend: suspended Jobs are not simulated by labsupport (leave it out or false)")
    mode = spec.get("completionMode", "NonIndexed")
    if mode == "Indexed" and spec.get("completions") is None:
        out.append(f"{path}.completions: Required value: when completion mode is Indexed")
    if spec.get("selector") is not None and not spec.get("manualSelector"):
        out.append(f"{path}.selector: `selector` will be auto-generated (set manualSelector: true to give your own)")
    tmpl = spec.get("template") or {}
    pspec = tmpl.get("spec") or {}
    policy = pspec.get("restartPolicy")
    if policy not in ("Never", "OnFailure"):
        out.append(f"{path}.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\" (got {policy!r})")
    pfp = spec.get("podFailurePolicy")
    if pfp is not None:
        if policy != "Never":
            out.append(f"{path}.template.spec.restartPolicy: Invalid value: {policy!r}: only \"Never\" is supported when podFailurePolicy is specified")
        for i, rule in enumerate(pfp.get("rules") or ()):
            codes = rule.get("onExitCodes")
            if rule.get("action") not in ("FailJob", "Ignore", "Count", "FailIndex"):
                out.append(f"{path}.podFailurePolicy.rules[{i}].action: Unsupported value: {rule.get('action')!r}: supported values: "
                           "\"Count\", \"FailIndex\", \"FailJob\", \"Ignore\"")
            if rule.get("action") == "FailIndex":
                out.append(f"{path}.podFailurePolicy.rules[{i}].action: FailIndex needs backoffLimitPerIndex, which is not simulated")
            if codes is not None and 0 in (codes.get("values") or ()) and codes.get("operator") == "In":
                out.append(f"{path}.podFailurePolicy.rules[{i}].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator")
    out += _labels_problems((tmpl.get("metadata") or {}).get("labels"), f"{path}.template.metadata.labels")
    out += _pod_spec_problems(pspec, f"{path}.template.spec", in_template=False)
    return out


def workload_problems(obj: dict) -> list[str]:
    """Semantic problems of a Job, CronJob, DaemonSet or CRD (``field.path: problem``); [] for other kinds."""
    from labsupport.k8s.objects import selector_matches
    from labsupport.k8s.validation import _labels_problems, _pod_spec_problems, int_or_percent

    kind, spec = obj.get("kind"), obj.get("spec") or {}
    out: list[str] = []
    if kind == "Job":
        out += _job_spec_problems(spec, "spec")
    elif kind == "CronJob":
        name = obj["metadata"].get("name") or ""
        if len(name) > 52:
            out.append(f"metadata.name: Invalid value: {name!r}: must be no more than 52 characters")
        try:
            parse_schedule(spec.get("schedule"), "spec.schedule")
            parse_time_zone(spec.get("timeZone"), "spec.timeZone")
        except LabError as e:
            out.append(str(e))
        if spec.get("concurrencyPolicy", "Allow") not in ("Allow", "Forbid", "Replace"):
            out.append(f"spec.concurrencyPolicy: Unsupported value: {spec.get('concurrencyPolicy')!r}: supported values: \"Allow\", \"Forbid\", \"Replace\"")
        for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
            v = spec.get(key)
            if _int(v) and v < 0:
                out.append(f"spec.{key}: must be greater than or equal to 0, got {v}")
        out += _job_spec_problems((spec.get("jobTemplate") or {}).get("spec") or {}, "spec.jobTemplate.spec")
    elif kind == "DaemonSet":
        sel = spec.get("selector")
        tmpl = spec.get("template") or {}
        tlabels = (tmpl.get("metadata") or {}).get("labels") or {}
        if not sel or not (sel.get("matchLabels") or sel.get("matchExpressions")):
            out.append("spec.selector: must not be empty (give matchLabels that match spec.template.metadata.labels)")
        elif not selector_matches(sel, tlabels):
            out.append(f"spec.template.metadata.labels: {tlabels!r} do not match spec.selector (selector does not match template labels)")
        out += _labels_problems(tlabels, "spec.template.metadata.labels")
        pspec = tmpl.get("spec") or {}
        if pspec.get("restartPolicy", "Always") != "Always":
            out.append(f"spec.template.spec.restartPolicy: Unsupported value: {pspec['restartPolicy']!r}: supported values: \"Always\"")
        out += _pod_spec_problems(pspec, "spec.template.spec", in_template=False)
        ru = ((spec.get("updateStrategy") or {}).get("rollingUpdate") or {})
        try:
            if ru.get("maxUnavailable") is not None:
                mu = int_or_percent(ru["maxUnavailable"], 100, True, "spec.updateStrategy.rollingUpdate.maxUnavailable")
                if mu == 0:
                    out.append("spec.updateStrategy.rollingUpdate.maxUnavailable: may not be 0 when maxSurge is 0")
            if ru.get("maxSurge") not in (None, 0, "0%"):
                out.append("spec.updateStrategy.rollingUpdate.maxSurge: not simulated by labsupport (leave it 0)")
        except LabError as e:
            out.append(str(e))
        if (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") not in ("RollingUpdate", "OnDelete"):
            out.append(f"spec.updateStrategy.type: Unsupported value: {spec['updateStrategy']['type']!r}: supported values: \"OnDelete\", \"RollingUpdate\"")
    elif kind == "CustomResourceDefinition":
        out += crd_problems(obj)
    return out
