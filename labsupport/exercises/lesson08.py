"""Exercises of lesson 08 (observability): the questions, their judges and the scenarios they run in.

* q1 runs the learner's PromQL on :func:`busy_cluster`'s Prometheus, where the Pod with the most CPU
  seconds so far (``batch``, busy only in its first 10 minutes) is not the one using the most CPU now (``api``);
* q2 applies the learner's fixed ``ORDERS_DEPLOYMENT`` to a fresh cluster and wants it running without restarts;
* q3 reads a Mesos ``/metrics/snapshot`` (:func:`quota_cell`) for the role holding more CPU than its quota guarantee;
* q4 (stretch) wants the function metrics-server would be on Mesos: CPU rates from two ``/monitor/statistics`` reads.

>>> from labsupport.exercises import lesson08 as ex
>>> print(ex.q1.check('topk(1, sum(rate(container_cpu_usage_seconds_total[1m])) by (pod))').verdict.name)
CORRECT
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import yaml

from labsupport import k8s, mesos
from labsupport.checks import Case, FunctionQuestion, JudgedQuestion, ManifestQuestion, ValueQuestion
from labsupport.core import LabError
from labsupport.k8s.observability.promql import PromQLError

__all__ = ["busy_cluster", "ORDERS_DEPLOYMENT", "crashing_cluster", "quota_cell", "SNAPSHOT_Q3", "STATS_BEFORE", "STATS_AFTER",
           "q1", "q2", "q3", "q4"]

# ----------------------------------------------------------------------------- q1: the busiest Pod, in PromQL
_DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: {name}, image: "registry.example/{name}:1.0", resources: {{requests: {{cpu: 100m}}}}}}]
"""


@lru_cache(maxsize=1)
def busy_cluster(seed: int = 0):
    """Three workloads on two nodes, 20 simulated minutes with Prometheus scraping every 15 s.

    ``batch`` burned 3 cores for its first 10 minutes and then idles (10m); ``api`` (1 Pod) serves 900m;
    ``web`` (3 Pods) serves 100m each. Returns ``(cluster, prometheus)``; do not change them.
    """
    c = k8s.Cluster(seed=seed)
    prom = c.prometheus(scrape_interval=15)
    for i in (1, 2):
        c.add_node(f"node-{i}", cpu="8", memory="16Gi")
    for name, n in (("batch", 1), ("api", 1), ("web", 3)):
        c.apply(_DEPLOY.format(name=name, replicas=n))
    c.set_load("batch", per_pod=lambda t: 3000 if t < 600 else 10)
    c.set_load("api", per_pod=900)
    c.set_load("web", per_pod=100)
    c.run(1200)
    return c, prom


def _busiest() -> str:
    c, prom = busy_cluster()
    rates = prom.query("sum(rate(container_cpu_usage_seconds_total[1m])) by (pod)")
    return max(rates.rows, key=lambda r: (r["value"], r["pod"]))["pod"]


def _judge_query(query: Any) -> tuple[bool, str]:
    if not isinstance(query, str):
        return False, f"a PromQL query is a string, got {type(query).__name__}"
    c, prom = busy_cluster()
    try:
        result = prom.query(query)
    except PromQLError as e:
        return False, f"Prometheus cannot run it: {e}"
    if "value" not in result.columns or not result.rows:
        return False, "your query returns no series at all."
    if "pod" not in result.columns:
        return False, (f"the result has no pod label (columns: {', '.join(result.columns)}): keep it with "
                       "`sum(...) by (pod)` so the answer names a Pod.")
    if len(result.rows) != 1:
        return False, (f"your query returns {len(result.rows)} series ({', '.join(str(r['pod']) for r in result.rows[:4])}...); "
                       "the question wants exactly one: the top Pod. Which aggregation keeps the k largest?")
    pod = result.rows[0]["pod"]
    if pod != _busiest():
        if pod.startswith("batch"):
            return False, (f"{pod} has used the most CPU seconds since it started, but it is idle now: a counter only "
                           "grows. Rank the per-second rate over the last minute instead.")
        return False, f"{pod} is not the Pod using the most CPU now."
    return True, f"{pod} uses {result.rows[0]['value']:.2f} cores now (rate over the last minute)."


q1 = JudgedQuestion(
    "q1", _judge_query,
    prompt="Write a PromQL query that returns one series: the Pod using the most CPU now, with its pod label.",
    hints=["container_cpu_usage_seconds_total is a counter of CPU seconds; rate(...[1m]) turns it into cores.",
           "sum(...) by (pod) adds a Pod's containers; topk(1, ...) keeps the largest series."],
    solution="answer = 'topk(1, sum(rate(container_cpu_usage_seconds_total[1m])) by (pod))'",
    insight=("This is what `kubectl top pods --sort-by=cpu` answers from metrics-server; Prometheus can also answer it "
             "for any past minute (add the time to query(..., at=t))."),
    wrong_examples=["topk(1, container_cpu_usage_seconds_total)",
                    "sum(rate(container_cpu_usage_seconds_total[1m])) by (pod)",
                    "topk(1, sum(rate(container_cpu_usage_seconds_total[1m])))",
                    "topk(1, sum(rate(container_cpu_usage_seconds_total)) by (pod))"],
    solution_value="topk(1, sum(rate(container_cpu_usage_seconds_total[1m])) by (pod))",
)

# ----------------------------------------------------------------------------- q2: a CrashLoopBackOff
ORDERS_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: 1
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      containers:
      - name: orders
        image: busybox:1.36
        command: ["sh", "-c", "echo orders: starting; sleep 2; : \\"${DATABASE_URL:?must be set}\\"; echo orders: connected; exec orders-server"]
        env:
        - name: DATABASE_HOST
          value: postgres.shop.svc.cluster.local
"""

_FIXED_ORDERS = ORDERS_DEPLOYMENT.replace(
    "        - name: DATABASE_HOST\n          value: postgres.shop.svc.cluster.local\n",
    "        - name: DATABASE_HOST\n          value: postgres.shop.svc.cluster.local\n"
    "        - name: DATABASE_URL\n          value: postgres://postgres.shop.svc.cluster.local:5432/orders\n")


def crashing_cluster(manifest: str = ORDERS_DEPLOYMENT, seconds: float = 120, seed: int = 0) -> k8s.Cluster:
    """A one-node cluster that applied ``manifest`` and ran ``seconds`` (observability on from the start)."""
    c = k8s.Cluster(seed=seed)
    c.prometheus(scrape_interval=15)
    c.add_node("node-1", cpu="4", memory="8Gi")
    c.apply(manifest)
    c.run(seconds)
    return c


_ORIGINAL_COMMAND = yaml.safe_load(ORDERS_DEPLOYMENT)["spec"]["template"]["spec"]["containers"][0]["command"]


def _judge_orders(docs: list[dict]) -> tuple[bool, str]:
    deps = [d for d in docs if d.get("kind") == "Deployment" and d.get("metadata", {}).get("name") == "orders"]
    if len(deps) != 1:
        return False, "expected the one Deployment named orders."
    containers = ((deps[0].get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or [{}]
    if containers[0].get("command") != _ORIGINAL_COMMAND:
        return False, ("you changed the container's command; the program is fine, it only lacks its configuration. "
                       "Keep the command and give the container what its log asks for.")
    c = k8s.Cluster(seed=0)
    c.add_node("node-1", cpu="4", memory="8Gi")
    try:
        c.apply(docs)
    except LabError as e:
        return False, f"the API server rejected it: {e}"
    c.run(120)
    pods = [p for p in c.pods() if p.name.startswith("orders-")]
    if not pods or pods[0].phase != "Running" or pods[0].restarts or not pods[0].ready:
        status = f"{pods[0].status}, {pods[0].restarts} restarts" if pods else "no Pod"
        env = {e.get("name"): e.get("value") for e in containers[0].get("env") or ()}
        if "DATABASE_URL" in env and not env["DATABASE_URL"]:
            return False, f"after 120 s: {status}. DATABASE_URL is there but empty: ':?' fails for an empty value too."
        return False, f"after 120 s the orders Pod is {status}; read `cluster.logs(pod, previous=True)` again."
    return True, f"after 120 s {pods[0].name} is Running and Ready with 0 restarts."


q2 = ManifestQuestion(
    "q2", _judge_orders,
    prompt="Fix ORDERS_DEPLOYMENT so the orders Pod stops crash-looping (read its logs and events first).",
    hints=["`cluster.logs(pod, previous=True)` shows what the last run printed before it exited.",
           "The shell line `: \"${DATABASE_URL:?must be set}\"` stops the script when that variable is unset or empty.",
           "Add an env entry named DATABASE_URL (any non-empty value) next to DATABASE_HOST."],
    solution=_FIXED_ORDERS,
    insight=("Events said *that* it crashed (BackOff) and kube-state-metrics *how often*; only the log said *why*. "
             "On Mesos the same line sits in the task sandbox's stderr."),
    wrong_examples=[ORDERS_DEPLOYMENT,
                    ORDERS_DEPLOYMENT.replace("echo orders: starting; sleep 2; : \\\"${DATABASE_URL:?must be set}\\\"; ", ""),
                    _FIXED_ORDERS.replace("postgres://postgres.shop.svc.cluster.local:5432/orders", '""')],
    solution_value=_FIXED_ORDERS,
)


# ----------------------------------------------------------------------------- q3: a Mesos snapshot
class _Greedy(mesos.Scheduler):
    """Launches long-running tasks of a fixed size on every offer, up to ``n``."""

    def __init__(self, prefix: str, size: str, n: int) -> None:
        self.prefix, self.size, self.n, self.launched = prefix, size, n, 0

    def resource_offers(self, driver, offers):
        for o in offers:
            tasks = []
            free = o.resources.scalars()
            need = mesos.parse_resources(self.size).scalars()
            while self.launched < self.n and all(free.get(k, 0) >= v for k, v in need.items()):
                self.launched += 1
                tasks.append(mesos.Task(f"{self.prefix}-{self.launched}", self.size))
                free = {k: free.get(k, 0) - need.get(k, 0) for k in free}
            if tasks:
                driver.accept([o.id], tasks)
            else:
                driver.decline([o.id])


@lru_cache(maxsize=1)
def quota_cell(seed: int = 0):
    """Three agents of 8 cpus, three roles with quota guarantees, one framework per role; 60 s run."""
    cell = mesos.Cluster(seed=seed)
    for i in (1, 2, 3):
        cell.add_agent(f"agent-{i}", resources="cpus:8;mem:32768")
    cell.set_quota("analytics", guarantee="cpus:6;mem:8192")
    cell.set_quota("web", guarantee="cpus:8;mem:8192")
    cell.set_quota("batch", guarantee="cpus:2;mem:4096")
    cell.register(_Greedy("spark", "cpus:1;mem:1024", 5), name="spark", role="analytics")
    cell.register(_Greedy("web", "cpus:1;mem:512", 7), name="marathon", role="web")
    cell.register(_Greedy("job", "cpus:2;mem:1024", 4), name="chronos", role="batch")
    cell.run(60)
    return cell


SNAPSHOT_Q3: dict[str, float] = dict(quota_cell().metrics_snapshot())


def _over_guarantee(snap: Mapping[str, float]) -> str:
    over = {}
    for key, v in snap.items():
        if key.startswith("allocator/mesos/quota/roles/") and key.endswith("/cpus/guarantee"):
            role = key.split("/")[4]
            consumed = snap.get(key.replace("/guarantee", "/consumed"), 0.0)
            over[role] = consumed - v
    return max(over, key=lambda r: (over[r], r))


q3 = ValueQuestion(
    "q3", expected=_over_guarantee(SNAPSHOT_Q3),
    prompt="In SNAPSHOT_Q3, which role holds more CPU than its quota guarantees it?",
    hints=["Look at the keys allocator/mesos/quota/roles/<role>/resources/cpus/...",
           "Compare each role's .../cpus/consumed with its .../cpus/guarantee."],
    solution="answer = 'batch'   # consumed 8 cpus against a guarantee of 2",
    insight=("Mesos lets a role use more than its guarantee while the cluster has room (the guarantee is a floor, "
             "not a cap; a limit would be the cap). Nothing in Mesos takes it back when another role claims its guarantee."),
    mistakes={"web": "web holds 7 cpus against a guarantee of 8: it is below its guarantee (it simply has the largest guarantee).",
              "analytics": "analytics holds 5 cpus against a guarantee of 6: it is below its guarantee.",
              "*": "The default role has no quota here; look at the quota keys."},
)

# ----------------------------------------------------------------------------- q4 (stretch): rates from /monitor/statistics


def _stat(executor: str, t: float, user: float, system: float, limit: float = 1.0) -> dict:
    return {"executor_id": executor, "framework_id": "0001-marathon", "source": executor,
            "statistics": {"timestamp": t, "cpus_limit": limit, "cpus_user_time_secs": user, "cpus_system_time_secs": system}}


STATS_BEFORE = [_stat("web.1", 1000.0, 100.0, 20.0), _stat("web.2", 1000.0, 50.0, 10.0), _stat("old.1", 1000.0, 7.0, 1.0)]
STATS_AFTER = [_stat("web.1", 1015.0, 112.0, 21.5), _stat("web.2", 1015.0, 50.6, 10.0), _stat("new.1", 1015.0, 0.3, 0.0)]


def _rates_solution(before, after):
    old = {e["executor_id"]: e["statistics"] for e in before}
    out = {}
    for e in after:
        s1, s0 = e["statistics"], old.get(e["executor_id"])
        if s0 is None or s1["timestamp"] <= s0["timestamp"]:
            continue
        used = (s1["cpus_user_time_secs"] + s1["cpus_system_time_secs"]) - (s0["cpus_user_time_secs"] + s0["cpus_system_time_secs"])
        out[e["executor_id"]] = used / (s1["timestamp"] - s0["timestamp"])
    return out


def _user_only(before, after):
    old = {e["executor_id"]: e["statistics"] for e in before}
    return {e["executor_id"]: (e["statistics"]["cpus_user_time_secs"] - old[e["executor_id"]]["cpus_user_time_secs"])
            / (e["statistics"]["timestamp"] - old[e["executor_id"]]["timestamp"]) for e in after if e["executor_id"] in old}


def _not_divided(before, after):
    old = {e["executor_id"]: e["statistics"] for e in before}
    return {e["executor_id"]: (e["statistics"]["cpus_user_time_secs"] + e["statistics"]["cpus_system_time_secs"])
            - (old[e["executor_id"]]["cpus_user_time_secs"] + old[e["executor_id"]]["cpus_system_time_secs"])
            for e in after if e["executor_id"] in old}


def _keeps_new(before, after):
    out = _rates_solution(before, after)
    for e in after:
        if e["executor_id"] not in out:
            out[e["executor_id"]] = (e["statistics"]["cpus_user_time_secs"] + e["statistics"]["cpus_system_time_secs"]) / 15.0
    return out


q4 = FunctionQuestion(
    "q4",
    [((copy.deepcopy(STATS_BEFORE), copy.deepcopy(STATS_AFTER)), _rates_solution(STATS_BEFORE, STATS_AFTER)),
     Case((copy.deepcopy(STATS_AFTER), copy.deepcopy(STATS_AFTER)), {}, label="cpu_rates(STATS_AFTER, STATS_AFTER) (same timestamps)"),
     Case(([_stat("a", 0.0, 0.0, 0.0)], [_stat("a", 20.0, 10.0, 10.0, limit=2.0)]), {"a": 1.0}, label="one executor using 1 core"),
     ],
    tolerance=1e-9,
    prompt=("Stretch: write cpu_rates(before, after) -> {executor_id: cores}, the CPU rate of every executor present in "
            "both /monitor/statistics reads (user + system time over the time between the two reads)."),
    hints=["Index the first read by executor_id; skip executors missing from it (new ones) and any pair whose timestamps do not advance.",
           "cores = (cpu seconds after - cpu seconds before) / (timestamp after - timestamp before); cpu seconds = user + system."],
    solution=("def cpu_rates(before, after):\n"
              "    old = {e['executor_id']: e['statistics'] for e in before}\n"
              "    out = {}\n"
              "    for e in after:\n"
              "        s1, s0 = e['statistics'], old.get(e['executor_id'])\n"
              "        if s0 is None or s1['timestamp'] <= s0['timestamp']:\n"
              "            continue\n"
              "        used = (s1['cpus_user_time_secs'] + s1['cpus_system_time_secs']) - (s0['cpus_user_time_secs'] + s0['cpus_system_time_secs'])\n"
              "        out[e['executor_id']] = used / (s1['timestamp'] - s0['timestamp'])\n"
              "    return out"),
    insight=("This is metrics-server's job in Kubernetes (two scrapes of the kubelet, rate between them); on Mesos an "
             "operator or a monitoring agent had to do it for every agent."),
    wrong_examples=[_user_only, _not_divided, _keeps_new],
    solution_value=_rates_solution,
    mistakes=[({"web.1": 0.8, "web.2": 0.04}, "Count system time too: cpus_user_time_secs + cpus_system_time_secs."),
              ({"web.1": 13.5, "web.2": 0.6}, "That is CPU seconds used in the interval; divide by the seconds between the reads (15)."),
              ({"web.1": 0.9, "web.2": 0.04, "new.1": 0.02}, "new.1 was not in the first read: it has no rate yet, leave it out.")],
)
