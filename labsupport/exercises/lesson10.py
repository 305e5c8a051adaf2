"""Exercises and data of lesson 10 (workloads, ecosystem and choosing): the fact-check capstone and its sources.

* :data:`CLAIMS` -- claims from the seed article (../shared/seed/comparison-article.txt, a vendor's
  comparison of the two systems), each quoted briefly, with the course's verdict, the reason and a dated source;
* :data:`TIMELINE` and :func:`timeline_table` -- the dated events of the lesson's timeline figure, each with its source;
* :func:`decision_guide` and :func:`explain_decision` -- the decision guide behind the lesson's widget, a source per reason;
* the questions ``q1`` (a Chronos job as a CronJob), ``q2`` (an operator that keeps N replicas),
  ``q3`` (the fact-check) and ``q4`` (stretch: an Indexed Job with a pod failure policy).

Every judge runs the answer in a fresh, seeded simulator or compares it with what the simulator computes.

>>> from labsupport.exercises import lesson10 as ex
>>> len(ex.CLAIMS) >= 15, sorted({c["verdict"] for c in ex.CLAIMS})
(True, ['accurate', 'contested', 'outdated', 'wrong'])
>>> ex.decision_guide("mixed", "large", "small", "mesos", True)[0]
'Kubernetes (migrate), managed'
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from labsupport import k8s
from labsupport.checks import ClassQuestion, JudgedQuestion, ManifestQuestion
from labsupport.core import LabError, Table
from labsupport.k8s.controllers.cronjob import to_datetime
from labsupport.k8s.cron import EPOCH, parse_schedule, parse_time_zone
from labsupport.mesos.frameworks.chronos import parse_schedule as chronos_schedule

__all__ = ["CLAIMS", "TIMELINE", "VERDICTS", "SOURCES", "CHRONOS_JOB", "BACKUP_CRD", "claims_table", "decision_guide",
           "explain_decision", "timeline_table",
           "chronos_fire_times", "cronjob_fire_times", "q1", "q2", "q3", "q4"]

VERDICTS = ("accurate", "outdated", "wrong", "contested")

#: Short names of the dated sources the claims and the lesson cite.
SOURCES = {
    "attic-mesos": "Apache Attic, 'Apache Mesos' (board retired the project August 2025; moved to the Attic October 2025), attic.apache.org/projects/mesos.html",
    "mesos-1.11": "Apache Mesos 1.11.0 release announcement (November 2020), mesos.apache.org/blog",
    "attic-aurora": "Apache Attic, 'Apache Aurora' (moved 2021), attic.apache.org/projects/aurora.html",
    "dcos-eol": "D2iQ, DC/OS end of life on 31 October 2021 (DC/OS product lifecycle page)",
    "marathon": "github.com/mesosphere/marathon (repository archived, read-only)",
    "chronos": "github.com/mesos/chronos README (deprecated; Metronome replaced it in DC/OS), 2020",
    "spark-4": "Apache Spark 4.0.0 release notes (May 2025): Mesos support removed; deprecated since 3.2 (October 2021)",
    "twitter-2019": "Twitter's compute platform lead David McLaughlin announced the move from Mesos/Aurora to Kubernetes in 2019 "
                    "(Linux.com, 'Twitter Announced Switch from Mesos to Kubernetes'; Alibaba Cloud blog, 'What Can We Learn from "
                    "Twitter's Move to Kubernetes', July 2019)",
    "kube-mesos": "github.com/kubernetes-retired/kube-mesos-framework (retired 2017)",
    "cncf-k8s": "CNCF, 'Kubernetes is first CNCF project to graduate' (6 March 2018); Kubernetes was CNCF's seed project (2015)",
    "k8s-components": "kubernetes.io/docs/concepts/overview/components (control plane and nodes; docs for v1.37)",
    "mesos-containerizers": "mesos.apache.org/documentation/latest/containerizers (Mesos and Docker containerizers; 1.11)",
    "mesos-cni": "mesos.apache.org/documentation/latest/cni (network/cni isolator, IP-per-container; 1.11)",
    "mesos-ha": "mesos.apache.org/documentation/latest/high-availability (ZooKeeper leader election; 1.11)",
    "k8s-ha": "kubernetes.io/docs/setup/production-environment/tools/kubeadm/ha-topology (replicated control plane, etcd quorum)",
    "hpa": "kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale (autoscaling/v2, v1.37)",
    "gateway-ga": "Gateway API v1.0 GA (31 October 2023); Ingress API frozen (kubernetes.io/docs/concepts/services-networking/ingress)",
    "ingress-nginx": "Kubernetes blog, ingress-nginx retirement (announced November 2025, best-effort maintenance until March 2026)",
    "multi-sched": "kubernetes.io/docs/tasks/extend-kubernetes/configure-multiple-schedulers (schedulerName); Schwarzkopf et al., Omega, EuroSys 2013",
    "learning": "lesson 10, section 4: CNCF's annual surveys list complexity among the challenges of containers; a Mesos stack "
                "needed ZooKeeper and a framework per workload (Marathon, Chronos, Aurora); no source backs the article's comparison",
    "kubevirt": "kubevirt.io (VirtualMachine custom resources on Kubernetes; CNCF incubating since 19 April 2022)",
    "mesos-paper": "Hindman et al., 'Mesos: A Platform for Fine-Grained Resource Sharing in the Data Center', NSDI 2011 (March 2011)",
    "mesos-tlp": "The Apache Software Foundation, 'The ASF Announces Apache Mesos as a Top-Level Project' (24 July 2013; "
                 "graduation voted 19 June 2013, incubator.apache.org/projects/mesos.html)",
    "k8s-10y": "Kubernetes blog, '10 Years of Kubernetes' (6 June 2024): first commit on 6 June 2014; v1.0 and the CNCF in July 2015",
    "dcos-open": "Mesosphere and partners announce the open-source DC/OS project (April 2016); Linux.com, 'All About the DC/OS "
                 "Open Source Project' (23 May 2016)",
    "k8s-1.37": "kubernetes.io/releases: Kubernetes v1.37 (August 2026), the version this course simulates",
    "k8s-managed": "kubernetes.io/docs/setup/production-environment (managed control planes from cloud providers and "
                   "certified distributions; docs for v1.37)",
    "k8s-large": "kubernetes.io/docs/setup/best-practices/cluster-large (tested up to 5,000 nodes, 110 Pods per node, "
                 "150,000 Pods, 300,000 containers; docs for v1.37)",
    "batch-fair": "Kueue documentation, fair sharing (weighted dominant resource share); Volcano documentation, drf, hdrf and "
                  "gang plugins; Hadoop YARN Fair Scheduler (schedulingPolicy drf); all read December 2026",
}

#: The capstone's claims: id -> quote (brief, from the seed article), verdict(s) accepted, the reason, sources, course cell.
CLAIMS = [
    {"id": "c01", "quote": "Originally developed by Google and now maintained by the CNCF", "verdict": "accurate", "accept": {"accurate"},
     "why": "Google open-sourced Kubernetes in 2014; it was CNCF's seed project and graduated in 2018.", "source": ["cncf-k8s"],
     "cell": "lesson 10, section 3 (the timeline)"},
    {"id": "c02", "quote": "Master Node: Manages the cluster", "verdict": "outdated", "accept": {"outdated"},
     "why": "Kubernetes speaks of the control plane (API server, etcd, scheduler, controller manager), which can run on several nodes; "
            "'master' was retired as a term.", "source": ["k8s-components"], "cell": "lesson 01 (the control plane's components)"},
    {"id": "c03", "quote": "ZooKeeper provides high availability through quorum and leader election", "verdict": "accurate", "accept": {"accurate"},
     "why": "Mesos masters elect a leader through ZooKeeper; a quorum of the replicated log keeps the registry.", "source": ["mesos-ha"],
     "cell": "lesson 01 (failover) and lesson 06 (ZooKeeper quorum)"},
    {"id": "c04", "quote": "Mesos can integrate with big data tools like Cassandra, Kafka, and Spark", "verdict": "outdated", "accept": {"outdated"},
     "why": "It could; Spark deprecated Mesos in 3.2 and removed it in 4.0 (2025), and the Mesos frameworks are unmaintained.",
     "source": ["spark-4", "attic-mesos"], "cell": "lesson 10, section 3"},
    {"id": "c05", "quote": "a mix of containerized applications, virtual machines, and big data workloads", "verdict": "wrong", "accept": {"wrong"},
     "why": "Mesos 1.11 has two containerizers (Mesos: cgroups and namespaces; Docker); neither runs virtual machines. "
            "A task can start a hypervisor like any command, but VM scheduling is not a Mesos feature; on Kubernetes KubeVirt adds it.",
     "source": ["mesos-containerizers", "kubevirt"], "cell": "lesson 10, section 1 (non-container work)"},
    {"id": "c06", "quote": "Steeper Learning Curve: Can be more complex to learn and use compared to Mesos", "verdict": "contested",
     "accept": {"contested"}, "why": "The article gives no source, and the arguments cut both ways: Kubernetes has many kinds and concepts; "
                                     "a Mesos stack needed Mesos, ZooKeeper and one framework per workload, and its help stopped growing.",
     "source": ["learning"], "cell": "lesson 10, section 4 (the debates)"},
    {"id": "c07", "quote": "Twitter uses Mesos to run its big data infrastructure", "verdict": "outdated", "accept": {"outdated"},
     "why": "Twitter ran Mesos and Aurora for years; it announced its move to Kubernetes in 2019, and Aurora went to the Attic in 2021.",
     "source": ["twitter-2019", "attic-aurora"], "cell": "lesson 10, section 3"},
    {"id": "c08", "quote": "Kubernetes offers a centralized scheduler ..., while Mesos uses a distributed scheduling approach",
     "verdict": "contested", "accept": {"contested", "wrong"},
     "why": "Too simple: Kubernetes runs several schedulers side by side (schedulerName) and resolves conflicts optimistically in the API server, "
            "close to Omega's shared state; Mesos' allocator is one central component that decides who is offered what.",
     "source": ["multi-sched"], "cell": "lessons 03 and 04 (scheduling)"},
    {"id": "c09", "quote": "Auto-Scaling: Automatically scales applications based on CPU or memory utilization", "verdict": "accurate",
     "accept": {"accurate"}, "why": "The HorizontalPodAutoscaler (autoscaling/v2) scales on CPU, memory and custom metrics.", "source": ["hpa"],
     "cell": "lesson 06 (HPA)"},
    {"id": "c10", "quote": "Offers commercial support from companies like Mesosphere (now D2iQ)", "verdict": "outdated", "accept": {"outdated"},
     "why": "DC/OS, the commercial Mesos distribution, reached end of life on 31 October 2021.", "source": ["dcos-eol"], "cell": "lesson 10, section 3"},
    {"id": "c11", "quote": "it is possible to use Kubernetes in conjunction with Mesos in a hybrid setup", "verdict": "outdated",
     "accept": {"outdated"}, "why": "Kubernetes-on-Mesos (kube-mesos-framework) was retired in 2017; the hybrid is history.",
     "source": ["kube-mesos"], "cell": "lesson 10, section 3"},
    {"id": "c12", "quote": "Mesos has a smaller but still active community", "verdict": "outdated", "accept": {"outdated"},
     "why": "The last release is 1.11.0 (November 2020); the ASF board retired Mesos in August 2025 and it moved to the Attic in October 2025.",
     "source": ["mesos-1.11", "attic-mesos"], "cell": "lesson 10, section 3 (the timeline)"},
    {"id": "c13", "quote": "Mesos: Relies on frameworks to provide networking capabilities", "verdict": "wrong", "accept": {"wrong"},
     "why": "Mesos itself gives containers their own IP through CNI (the network/cni isolator) and offers host ports as resources; "
            "frameworks only ask for them.", "source": ["mesos-cni"], "cell": "lesson 05 (networking)"},
    {"id": "c14", "quote": "Ingress manages external access to services", "verdict": "outdated", "accept": {"outdated"},
     "why": "Ingress still works but its API is frozen; Gateway API is GA since 2023, and ingress-nginx was retired (announced November 2025).",
     "source": ["gateway-ga", "ingress-nginx"], "cell": "lesson 05 (networking)"},
    {"id": "c15", "quote": "Flexibility: Supports both containerized and non-containerized tasks", "verdict": "accurate", "accept": {"accurate"},
     "why": "A Mesos task can be a plain command run under cgroups without an image; every Kubernetes container needs an OCI image.",
     "source": ["mesos-containerizers"], "cell": "lesson 10, section 1 (non-container work)"},
    {"id": "c16", "quote": "frameworks and tools built around Mesos, such as Marathon ..., Chronos ..., and Aurora", "verdict": "outdated",
     "accept": {"outdated"}, "why": "Marathon's repository is archived, Chronos is deprecated, Aurora is in the Attic (2021).",
     "source": ["marathon", "chronos", "attic-aurora"], "cell": "lesson 10, section 3"},
    {"id": "c17", "quote": "High availability is ensured by replicating master nodes and using distributed storage",
     "verdict": "accurate", "accept": {"accurate", "outdated"},
     "why": "Right in substance: an HA control plane replicates the API server and runs etcd with a quorum (only the word 'master' is dated).",
     "source": ["k8s-ha"], "cell": "lesson 06 (etcd quorum and leases)"},
]

#: (year, month, system, event, source) for the timeline figure; ``source`` is a key of :data:`SOURCES`.
TIMELINE = [
    (2011, 3, "Mesos", "Mesos paper at NSDI", "mesos-paper"),
    (2013, 6, "Mesos", "Mesos graduates to an Apache top-level project", "mesos-tlp"),
    (2014, 6, "Kubernetes", "Kubernetes open-sourced by Google", "k8s-10y"),
    (2015, 7, "Kubernetes", "Kubernetes 1.0; CNCF founded", "k8s-10y"),
    (2016, 4, "Mesos", "DC/OS open-sourced", "dcos-open"),
    (2017, 12, "Kubernetes", "kube-mesos-framework retired", "kube-mesos"),
    (2018, 3, "Kubernetes", "Kubernetes graduates in the CNCF", "cncf-k8s"),
    (2019, 7, "Mesos", "Twitter announces its move to Kubernetes", "twitter-2019"),
    (2020, 11, "Mesos", "Mesos 1.11.0, the last release", "mesos-1.11"),
    (2021, 4, "Mesos", "Aurora moves to the Apache Attic", "attic-aurora"),
    (2021, 10, "Mesos", "DC/OS end of life (31 Oct)", "dcos-eol"),
    (2023, 10, "Kubernetes", "Gateway API v1.0 GA", "gateway-ga"),
    (2025, 5, "Mesos", "Spark 4.0 removes Mesos support", "spark-4"),
    (2025, 8, "Mesos", "ASF board retires Apache Mesos", "attic-mesos"),
    (2025, 10, "Mesos", "Mesos moves to the Apache Attic", "attic-mesos"),
    (2026, 8, "Kubernetes", "Kubernetes 1.37 (this course)", "k8s-1.37"),
]


def timeline_table() -> Table:
    """The timeline's events with the source of each (the figure's data as a table).

    >>> row = timeline_table().rows[0]
    >>> row["DATE"], row["EVENT"], row["SOURCE"][:14]
    ('2011-03', 'Mesos paper at NSDI', 'Hindman et al.')
    """
    return Table(["DATE", "SYSTEM", "EVENT", "SOURCE"],
                 [{"DATE": f"{y}-{m:02d}", "SYSTEM": system, "EVENT": event, "SOURCE": SOURCES[src]}
                  for y, m, system, event, src in TIMELINE], title="Timeline events and their sources")


def claims_table() -> Table:
    """The claims to fact-check: ID and the quoted words (attributed to the seed article)."""
    return Table(["ID", "CLAIM (quoted from the seed article)"], [{"ID": c["id"], "CLAIM (quoted from the seed article)": f"“{c['quote']}”"}
                                                                    for c in CLAIMS], title="Claims to fact-check")


# ------------------------------------------------------------------------------------------- decision guide
def decision_guide(workloads: str, scale: str, team: str, estate: str, need_support: bool
                   ) -> tuple[str, list[str], list[list[str]]]:
    """A recommendation for 2026, its reasons, and for each reason the keys of :data:`SOURCES` behind it.

    ``workloads``: ``"services"``, ``"batch"``, ``"mixed"`` or ``"non-container"``; ``scale``: ``"small"``,
    ``"medium"`` or ``"large"``; ``team``: ``"small"`` or ``"platform"``; ``estate``: ``"none"``, ``"mesos"``
    or ``"hadoop"``; ``need_support``: whether vendor support or security fixes are required.
    ``reasons[i]`` is backed by ``sources[i]``; :func:`explain_decision` prints them together.

    >>> rec, reasons, sources = decision_guide("services", "small", "small", "none", False)
    >>> rec, len(reasons) == len(sources), sources[0]
    ('Kubernetes, managed', True, ['attic-mesos', 'mesos-1.11'])
    """
    for name, value, allowed in (("workloads", workloads, ("services", "batch", "mixed", "non-container")),
                                 ("scale", scale, ("small", "medium", "large")), ("team", team, ("small", "platform")),
                                 ("estate", estate, ("none", "mesos", "hadoop"))):
        if value not in allowed:
            raise LabError(f"{name}: must be one of {', '.join(allowed)}, got {value!r}")
    reasons = ["Apache Mesos is retired (Attic, October 2025; last release 1.11.0, November 2020): no security fixes, "
               "so it is not a choice for a new deployment in 2026."]
    sources = [["attic-mesos", "mesos-1.11"]]
    rec = "Kubernetes"
    if estate == "mesos":
        rec = "Kubernetes (migrate)"
        reasons.append("An existing Mesos estate runs on unmaintained software (DC/OS end of life 2021, Marathon archived): plan a migration; "
                       "Jobs, CronJobs and DaemonSets cover Chronos and UNIQUE-constraint apps.")
        sources.append(["dcos-eol", "marathon", "chronos"])
    if team == "small":
        rec += ", managed"
        reasons.append("A small team should not run a control plane: a managed Kubernetes service runs etcd and upgrades for it.")
        sources.append(["k8s-managed"])
    if need_support:
        reasons.append("Vendor support exists for Kubernetes (managed services, distributions); none is sold for Mesos any more.")
        sources.append(["k8s-managed", "dcos-eol"])
    if workloads == "non-container":
        reasons.append("Plain commands need an image on Kubernetes (a small base image is enough); VMs run through KubeVirt.")
        sources.append(["mesos-containerizers", "kubevirt"])
    if workloads in ("batch", "mixed") or estate == "hadoop":
        reasons.append("Fair sharing and gang scheduling for batch: Kueue (weighted dominant resource share) or Volcano (drf, gang) on "
                       "Kubernetes; YARN's DRF policy if the estate is Hadoop. Mesos' ideas (DRF, two-level scheduling, offers) live on there.")
        sources.append(["batch-fair"])
    if scale == "large":
        reasons.append("Kubernetes' tested envelope is 5,000 nodes and 150,000 Pods per cluster; larger fleets run several clusters.")
        sources.append(["k8s-large"])
    return rec, reasons, sources


def explain_decision(workloads: str, scale: str, team: str, estate: str, need_support: bool) -> str:
    """:func:`decision_guide` as text: the recommendation, then every reason followed by its sources.

    >>> print(explain_decision("services", "small", "platform", "none", False))  # doctest: +ELLIPSIS
    Recommendation: Kubernetes
     1. Apache Mesos is retired (Attic, October 2025; last release 1.11.0, November 2020): no security fixes, ...
        Sources: Apache Attic, 'Apache Mesos' (...), attic.apache.org/projects/mesos.html; Apache Mesos 1.11.0 ...
    """
    rec, reasons, sources = decision_guide(workloads, scale, team, estate, need_support)
    lines = [f"Recommendation: {rec}"]
    for i, (reason, keys) in enumerate(zip(reasons, sources, strict=True), start=1):
        lines += [f"{i:2d}. {reason}", "    Sources: " + "; ".join(SOURCES[k] for k in keys)]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------- q1: Chronos -> CronJob
#: A Chronos job (Chronos' job JSON) to convert: daily at 02:30 UTC from 2 January 2026, forever.
CHRONOS_JOB = {"name": "nightly-report", "command": "make report", "schedule": "R/2026-01-02T02:30:00Z/P1D", "retries": 2,
               "cpus": 0.5, "mem": 256}


def chronos_fire_times(schedule: str, n: int = 10) -> list[datetime]:
    """The first ``n`` fire times of a Chronos ``Rn/start/period`` schedule (UTC), simulated second 0 = EPOCH."""
    reps, start, period = chronos_schedule(schedule, EPOCH)
    count = n if reps is None else min(n, reps + 1)
    return [to_datetime(start + i * period) for i in range(count)]


def cronjob_fire_times(cronjob: Mapping, n: int = 10, after: datetime = EPOCH) -> list[datetime]:
    """The first ``n`` fire times (UTC) of a CronJob's schedule after ``after``, in its ``timeZone``."""
    spec = cronjob.get("spec") or {}
    tz = parse_time_zone(spec.get("timeZone"))
    times = parse_schedule(spec.get("schedule")).next_times(after.astimezone(tz), n)
    return [t.astimezone(UTC) for t in times]


def _judge_cronjob(docs: list[dict]) -> tuple[bool, str]:
    cronjobs = [d for d in docs if isinstance(d, dict) and d.get("kind") == "CronJob"]
    if len(cronjobs) != 1:
        return False, f"expected one CronJob in your YAML, found {len(cronjobs)}."
    cluster = k8s.Cluster(seed=0)
    cluster.add_node("node-1")
    try:
        cluster.apply(cronjobs[0])
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    want = chronos_fire_times(CHRONOS_JOB["schedule"])
    # a cron pattern has no start date: compare from just before Chronos' first run
    got = cronjob_fire_times(cluster.object("cronjob", cronjobs[0]["metadata"]["name"]), after=want[0] - timedelta(seconds=1))
    for i, (a, b) in enumerate(zip(got, want, strict=False)):
        if a != b:
            return False, (f"fire time {i + 1} differs: your CronJob fires at {a:%Y-%m-%d %H:%M} UTC, Chronos at {b:%Y-%m-%d %H:%M} UTC. "
                           "Read the hour and minute of Chronos' start, and its period.")
    cmd = " ".join(cronjobs[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0].get("command") or ())
    if "make report" not in cmd:
        return False, f"the schedule agrees, but the container does not run `make report` (command: {cmd!r})."
    bl = cronjobs[0]["spec"]["jobTemplate"]["spec"].get("backoffLimit")
    if bl != 2:
        return False, f"the schedule agrees; Chronos retries a failed run {CHRONOS_JOB['retries']} times: set the Job's backoffLimit to 2 (got {bl!r})."
    return True, f"the first {len(want)} fire times agree ({want[0]:%Y-%m-%d %H:%M} UTC, then daily) and failures are retried twice."


_CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly-report}
spec:
  schedule: "30 2 * * *"
  timeZone: Etc/UTC
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: report
            image: registry.example/report:1.0
            command: ["sh", "-c", "make report"]
            resources: {requests: {cpu: 500m, memory: 256Mi}}
"""

q1 = ManifestQuestion(
    "q1", _judge_cronjob,
    prompt="Write a CronJob equivalent to CHRONOS_JOB: same fire times (checked over the first 10), same command, same retries.",
    hints=["R/2026-01-02T02:30:00Z/P1D repeats forever, every day, at 02:30 UTC. Cron fields: minute hour day-of-month month day-of-week.",
           "Chronos 'retries: 2' is the Job's backoffLimit: 2; 'cpus: 0.5, mem: 256' become resources.requests.",
           "Add timeZone: Etc/UTC so the schedule does not depend on the controller's zone."],
    solution=_CRONJOB, solution_value=_CRONJOB,
    insight="A cron pattern has no start date: Chronos' R/<start>/<period> can begin mid-week or repeat every 90 minutes, which no "
            "single five-field pattern expresses (try PT90M).",
    wrong_examples=[_CRONJOB.replace('"30 2 * * *"', '"2 30 * * *"'), _CRONJOB.replace('"30 2 * * *"', '"30 2 * * 1"'),
                    _CRONJOB.replace("backoffLimit: 2", "backoffLimit: 6")],
)


# ------------------------------------------------------------------------------ q2: an operator keeping N replicas
BACKUP_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: backups.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: backups, singular: backup, kind: Backup, shortNames: [bk]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [schedule]
            properties:
              schedule: {type: string}
              replicas: {type: integer, minimum: 0, default: 1}
          status:
            type: object
            properties:
              replicas: {type: integer}
"""


def _backup(name: str, replicas: int) -> dict:
    return {"apiVersion": "example.com/v1", "kind": "Backup", "metadata": {"name": name}, "spec": {"schedule": "@daily", "replicas": replicas}}


def _owned_pods(cluster: k8s.Cluster, name: str) -> list:
    return [p for p in cluster.pods() if p.owner == f"Backup/{name}" and p.status != "Terminating"]


def _judge_operator(cls: type) -> tuple[bool, str]:
    if not issubclass(cls, k8s.Controller):
        return False, "your class must subclass k8s.Controller."
    cluster = k8s.Cluster(seed=0)
    for i in (1, 2):
        cluster.add_node(f"node-{i}", cpu="4", memory="8Gi")
    cluster.apply(BACKUP_CRD)
    cluster.add_controller(cls())
    cluster.apply(_backup("nightly", 3))
    cluster.run(10)
    steps = []
    errors = [r for r in cluster.reconcile_log().rows if r["RESULT"] == "error"]
    if errors:
        return False, f"reconcile raised: {errors[0]['DETAIL']}"
    n = len(_owned_pods(cluster, "nightly"))
    if n != 3:
        return False, f"with spec.replicas: 3 there are {n} Pods owned by Backup/nightly after 10 s (set ownerReferences with api.owner_reference(obj))."
    steps.append("3 Pods for replicas: 3")
    victim = _owned_pods(cluster, "nightly")[0].name
    cluster.delete("pod", victim)
    cluster.run(40)
    n = len(_owned_pods(cluster, "nightly"))
    if n != 3:
        return False, f"after deleting Pod {victim}, {n} Pods remain 40 s later: list the Pods in reconcile and create the missing ones " \
                      "(add owns = (('v1', 'Pod'),) so a Pod change wakes your operator)."
    steps.append("a deleted Pod was replaced")
    cluster.apply(_backup("nightly", 1))
    cluster.run(40)
    n = len(_owned_pods(cluster, "nightly"))
    if n != 1:
        return False, f"after scaling to replicas: 1 there are {n} Pods: delete the extra ones."
    steps.append("scaled down to 1")
    status = (cluster.object("backups", "nightly").get("status") or {}).get("replicas")
    if status != 1:
        return False, f"status.replicas is {status!r}; write the number of Pods with api.update_status(obj)."
    cluster.delete("backup", "nightly")
    cluster.run(40)
    if _owned_pods(cluster, "nightly"):
        return False, "deleting the Backup left its Pods behind: give each Pod an ownerReference to the Backup."
    steps.append("status.replicas written, Pods gone with the Backup")
    return True, "; ".join(steps) + "."


_OPERATOR_SOLUTION = '''\
class KeepReplicas(k8s.Controller):
    watches = ("example.com/v1", "Backup")
    owns = (("v1", "Pod"),)

    def reconcile(self, api, obj):
        name, want = obj["metadata"]["name"], obj["spec"]["replicas"]
        pods = [p for p in api.list("pods", labels={"backup": name}) if p["metadata"].get("deletionTimestamp") is None]
        taken = {p["metadata"]["name"] for p in pods}
        i = 0
        while len(taken) < want:
            pod_name = f"{name}-{i}"
            if pod_name not in taken:
                api.create({"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": pod_name, "labels": {"backup": name},
                                         "ownerReferences": [api.owner_reference(obj)]},
                            "spec": {"restartPolicy": "Always",
                                     "containers": [{"name": "backup", "image": "restic/restic:0.17"}]}})
                taken.add(pod_name)
            i += 1
        for p in sorted(pods, key=lambda p: p["metadata"]["name"])[want:]:
            api.delete("pods", p["metadata"]["name"])
        obj["status"] = {"replicas": min(len(taken), want)}
        api.update_status(obj)
'''


def _solution_class() -> type:
    scope: dict = {"k8s": k8s}
    exec(_OPERATOR_SOLUTION, scope)  # the worked answer, kept as text so solution() shows it
    return scope["KeepReplicas"]


class _CreatesOnly(k8s.Controller):
    """A plausible wrong answer: creates Pods but never deletes extra ones."""

    watches = ("example.com/v1", "Backup")
    owns = (("v1", "Pod"),)

    def reconcile(self, api, obj):
        name = obj["metadata"]["name"]
        have = {p["metadata"]["name"] for p in api.list("pods", labels={"backup": name})}
        for i in range(obj["spec"]["replicas"]):
            if f"{name}-{i}" not in have:
                api.create({"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": f"{name}-{i}", "labels": {"backup": name}, "ownerReferences": [api.owner_reference(obj)]},
                            "spec": {"containers": [{"name": "backup", "image": "restic/restic:0.17"}]}})


q2 = ClassQuestion(
    "q2", _judge_operator,
    prompt="Write an operator (a k8s.Controller subclass) that keeps spec.replicas Pods for every Backup and reports status.replicas.",
    hints=["reconcile gets a copy of the Backup: list its Pods by a label, create the missing ones, delete the extra ones.",
           "Put api.owner_reference(obj) into each Pod's metadata.ownerReferences, and set owns = (('v1', 'Pod'),).",
           "Finish with obj['status'] = {'replicas': ...}; api.update_status(obj). Skip Pods that have a deletionTimestamp."],
    solution=_OPERATOR_SOLUTION, solution_value=_solution_class(),
    insight="Like a Mesos framework, an operator is your code in the control loop; unlike one, it never sees offers: it writes desired "
            "objects and leaves placement to the scheduler.",
    wrong_examples=[_CreatesOnly],
)


# ------------------------------------------------------------------------------------ q3: the fact-check capstone
def _judge_factcheck(answers: Any) -> tuple[bool, str]:
    if not isinstance(answers, Mapping):
        return False, "give a dict {claim id: (verdict, evidence)}, e.g. {'c01': ('accurate', 'lesson 10 timeline: ...'), ...}."
    lines, right = [], 0
    for c in CLAIMS:
        given = answers.get(c["id"])
        src = "; ".join(SOURCES[s] for s in c["source"])
        if not (isinstance(given, (tuple, list)) and len(given) == 2):
            lines.append(f"✘ {c['id']}: no (verdict, evidence) pair given.")
            continue
        verdict, evidence = given
        if verdict not in VERDICTS:
            lines.append(f"✘ {c['id']}: {verdict!r} is not one of {', '.join(VERDICTS)}.")
            continue
        if not (isinstance(evidence, str) and len(evidence.strip()) >= 10):
            lines.append(f"✘ {c['id']}: '{verdict}' needs evidence: a course cell or a dated source (at least a few words).")
            continue
        if verdict in c["accept"]:
            right += 1
            lines.append(f"✔ {c['id']}: {verdict}. {c['why']} Source: {src}. In the course: {c['cell']}.")
        else:
            lines.append(f"✘ {c['id']}: not '{verdict}'. Look again at {c['cell']} and: {src}.")
    ok = right == len(CLAIMS)
    head = f"{right} of {len(CLAIMS)} claims classified as the course's sources support.\n"
    return ok, head + "\n".join(lines)


_FACTCHECK = {c["id"]: (c["verdict"], f"{c['cell']}; {SOURCES[c['source'][0]]}") for c in CLAIMS}

q3 = JudgedQuestion(
    "q3", _judge_factcheck,
    prompt="Capstone: classify every claim of claims_table() as accurate, outdated, wrong or contested, with evidence.",
    hints=["Start with the dated ones: anything about Mesos frameworks, companies or support is checked against 2026.",
           "'contested' is for claims where serious sources disagree (learning curve, 'centralized vs distributed').",
           "'wrong' is for claims that were never true of the software (VMs in Mesos, networking only through frameworks)."],
    solution="answers = {\n" + "\n".join(f"    {k!r}: {v!r}," for k, v in _FACTCHECK.items()) + "\n}",
    solution_value=_FACTCHECK,
    insight="A vendor comparison ages fast: most of its errors are tense (is/was) rather than invention; dates and sources fix both.",
    wrong_examples=[{k: ("accurate", v[1]) for k, v in _FACTCHECK.items()}, {**_FACTCHECK, "c05": ("accurate", "the article says so")},
                    {k: (v[0], "") for k, v in _FACTCHECK.items()}],
)


# -------------------------------------------------------------------- q4 (stretch): an Indexed Job that fails fast
def _run_job(doc: dict, command: list[str], seconds: float = 600) -> tuple[dict, int]:
    job = {**doc, "spec": {**doc["spec"], "template": {**doc["spec"]["template"], "spec": dict(doc["spec"]["template"]["spec"])}}}
    containers = [dict(c) for c in job["spec"]["template"]["spec"].get("containers") or ()]
    if containers:
        containers[0]["command"] = command
    job["spec"]["template"]["spec"]["containers"] = containers
    cluster = k8s.Cluster(seed=0)
    for i in (1, 2, 3):
        cluster.add_node(f"node-{i}", cpu="8", memory="16Gi")
    cluster.apply(job)
    peak = [0]

    def watch(ev):
        peak[0] = max(peak[0], sum(1 for p in cluster.store.list("Pod") if (p.get("status") or {}).get("phase") in ("Pending", "Running")
                                   and p["metadata"].get("deletionTimestamp") is None))
    cluster.store.watch("Pod", watch, owner="judge")
    cluster.run(seconds)
    return cluster.object("job", doc["metadata"]["name"]), peak[0]


def _judge_stretch(docs: list[dict]) -> tuple[bool, str]:
    jobs = [d for d in docs if isinstance(d, dict) and d.get("kind") == "Job"]
    if len(jobs) != 1:
        return False, f"expected one Job, found {len(jobs)}."
    try:
        ok_job, peak = _run_job(jobs[0], ["sleep", "20"])
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    st = ok_job.get("status") or {}
    if st.get("completedIndexes") != "0-7" or peak > 3:
        return False, (f"with containers that succeed: completedIndexes {st.get('completedIndexes')!r} (want '0-7'), at most {peak} Pods at once "
                       "(want at most 3).")
    bad, _ = _run_job(jobs[0], ["sh", "-c", "sleep 5; exit 2"], seconds=120)
    cond = [c for c in (bad.get("status") or {}).get("conditions") or () if c["type"] == "Failed"]
    if not cond or cond[0]["reason"] != "PodFailurePolicy" or (bad["status"].get("failed") or 0) > 3:
        return False, ("when a container exits with code 2 the Job must fail at once (reason PodFailurePolicy), "
                       f"got {cond[0]['reason'] if cond else 'no Failed condition'} after {bad['status'].get('failed', 0)} failed Pods.")
    flaky, _ = _run_job(jobs[0], ["sh", "-c", "sleep 5; exit 1"], seconds=900)
    fcond = [c for c in (flaky.get("status") or {}).get("conditions") or () if c["type"] == "Failed"]
    if not fcond or fcond[0]["reason"] != "BackoffLimitExceeded" or flaky["status"].get("failed") != 3:
        return False, (f"with exit code 1 the Job should retry and give up after 3 failed Pods (backoffLimit: 2); it ended with "
                       f"{fcond[0]['reason'] if fcond else 'no Failed condition'} and {flaky['status'].get('failed', 0)} failed Pods.")
    return True, "8 indexes done with at most 3 Pods at once; exit 2 fails the Job at once; exit 1 is retried twice, then the Job fails."


_STRETCH = """\
apiVersion: batch/v1
kind: Job
metadata: {name: shards}
spec:
  completionMode: Indexed
  completions: 8
  parallelism: 3
  backoffLimit: 2
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: {containerName: worker, operator: In, values: [2]}
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: worker
        image: registry.example/shard-worker:1.0
        command: ["sh", "-c", "process-shard $JOB_COMPLETION_INDEX"]
"""

q4 = ManifestQuestion(
    "q4", _judge_stretch,
    prompt="Stretch: an Indexed Job for 8 shards, 3 at a time, that fails at once on exit code 2 and retries other failures twice.",
    hints=["completionMode: Indexed with completions: 8 and parallelism: 3.",
           "podFailurePolicy rules need restartPolicy: Never; action FailJob with onExitCodes operator In values [2].",
           "backoffLimit counts failed Pods: 2 allows two retries, the third failure fails the Job."],
    solution=_STRETCH, solution_value=_STRETCH,
    insight="Mesos' Batch framework (or Spark) would decide this in its own scheduler code; here it is three fields of a manifest that "
            "the Job controller enforces for every team.",
    wrong_examples=[_STRETCH.replace("parallelism: 3", "parallelism: 8"), _STRETCH.replace("values: [2]", "values: [1]"),
                    _STRETCH.replace("backoffLimit: 2", "backoffLimit: 6")],
)
