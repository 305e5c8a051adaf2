"""Job, CronJob and DaemonSet controllers: completion, back-off, limits, concurrency policies, placement."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labsupport import k8s
from labsupport.k8s.controllers.job import job_finished, pod_failure_backoff


def job(name="j", command=("sleep", "10"), restart="Never", **spec):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {**spec, "template": {"spec": {"restartPolicy": restart,
                                                   "containers": [{"name": "main", "image": "busybox:1.36", "command": list(command)}]}}}}


def cronjob(name="c", schedule="*/1 * * * *", seconds=30, policy="Allow", **spec):
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": schedule, "concurrencyPolicy": policy, **spec, "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox:1.36", "command": ["sleep", str(seconds)]}]}}}}}}


def daemonset(name="agent", node_selector=None, tolerations=None, image="fluent-bit:3.2"):
    spec = {"containers": [{"name": "agent", "image": image}]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    if tolerations:
        spec["tolerations"] = tolerations
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}


def new_cluster(nodes=2, seed=0):
    c = k8s.Cluster(seed=seed)
    for i in range(1, nodes + 1):
        c.add_node(f"node-{i}", cpu="16", memory="32Gi")
    return c


def reasons(c, prefix):
    return [e["REASON"] for e in c.events().rows if e["OBJECT"].startswith(prefix)]


# ------------------------------------------------------------------ Job
@pytest.mark.parametrize(("manifest", "seconds", "status", "succeeded", "failed", "reason"), [
    pytest.param(job(), 60, "Complete", 1, 0, "CompletionsReached", id="one Pod that succeeds completes the Job"),
    pytest.param(job(completions=5, parallelism=2), 120, "Complete", 5, 0, "CompletionsReached", id="five completions two at a time"),
    pytest.param(job(parallelism=3, completions=None), 60, "Complete", 3, 0, "CompletionsReached",
                 id="a work queue completes when its Pods have succeeded and none runs"),
    pytest.param(job(completions=3, parallelism=3, completionMode="Indexed"), 60, "Complete", 3, 0, "CompletionsReached",
                 id="an Indexed Job completes every index"),
    pytest.param(job(command=("sh", "-c", "exit 1"), backoffLimit=2), 600, "Failed", 0, 3, "BackoffLimitExceeded",
                 id="more failures than backoffLimit fail the Job"),
    pytest.param(job(command=("sh", "-c", "exit 1"), backoffLimit=0), 60, "Failed", 0, 1, "BackoffLimitExceeded",
                 id="backoffLimit 0 fails at the first failure"),
    pytest.param(job(command=("sh", "-c", "sleep 1; exit 1"), restart="OnFailure", backoffLimit=2), 600, "Failed", 0, 0, "BackoffLimitExceeded",
                 id="with OnFailure the container restarts count toward backoffLimit"),
    pytest.param(job(command=("sleep", "100"), activeDeadlineSeconds=30), 60, "Failed", 0, 0, "DeadlineExceeded",
                 id="activeDeadlineSeconds fails a Job that runs too long"),
    pytest.param(job(command=("sh", "-c", "exit 3"), podFailurePolicy={"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [3]}}]}),
                 60, "Failed", 0, 1, "PodFailurePolicy", id="a FailJob rule fails the Job at the first matching exit code"),
    pytest.param(job(command=("sh", "-c", "exit 3"), backoffLimit=1,
                     podFailurePolicy={"rules": [{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [3]}}]}),
                 200, "Running", 0, 0, None, id="an Ignore rule does not count the failure"),
])
def test_job_outcomes(manifest, seconds, status, succeeded, failed, reason):
    c = new_cluster()
    c.apply(manifest)
    c.run(seconds)
    row = c.get("jobs").rows[0]
    st_ = c.object("job", "j")["status"]
    assert (row["STATUS"], st_.get("succeeded"), st_.get("failed")) == (status, succeeded, failed)
    if reason:
        cond = next(x for x in st_["conditions"] if x["type"] in ("Complete", "Failed"))
        assert cond["reason"] == reason


def test_indexed_job_pods_carry_their_index():
    c = new_cluster()
    c.apply(job(completions=3, parallelism=3, completionMode="Indexed"))
    c.run(2)
    pods = c.store.list("Pod")
    idx = sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] for p in pods)
    assert idx == ["0", "1", "2"]
    assert all(p["metadata"]["name"].startswith(f"j-{p['metadata']['labels']['batch.kubernetes.io/job-completion-index']}-") for p in pods)
    env = pods[0]["spec"]["containers"][0]["env"]
    assert env[-1]["name"] == "JOB_COMPLETION_INDEX"
    c.run(60)
    assert c.object("job", "j")["status"]["completedIndexes"] == "0-2"


@pytest.mark.parametrize(("n", "delay"), [(0, 0.0), (1, 10.0), (2, 20.0), (3, 40.0), (6, 320.0), (7, 600.0), (50, 600.0)],
                         ids=[f"after {n} failures wait {d:g} s" for n, d in
                              [(0, 0.0), (1, 10.0), (2, 20.0), (3, 40.0), (6, 320.0), (7, 600.0), (50, 600.0)]])
def test_pod_failure_backoff(n, delay):
    assert pod_failure_backoff(n) == delay


def test_failed_pods_are_replaced_after_the_exponential_backoff():
    c = new_cluster()
    c.apply(job(command=("sh", "-c", "sleep 2; exit 1"), backoffLimit=4))
    c.run(400)
    pods = sorted(c.store.list("Pod"), key=lambda p: p["metadata"]["creationTimestamp"])
    created = [p["metadata"]["creationTimestamp"] for p in pods]
    finished = [p["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"] for p in pods]
    gaps = [round(created[i + 1] - finished[i], 3) for i in range(len(pods) - 1)]
    assert gaps == [10.0, 20.0, 40.0, 80.0]
    assert job_finished(c.object("job", "j")) == "Failed"
    assert reasons(c, "job/").count("BackoffLimitExceeded") == 1


def test_ttl_after_finished_deletes_the_job_and_its_pods():
    c = new_cluster()
    c.apply(job(ttlSecondsAfterFinished=60))
    c.run(30)
    assert c.get("jobs").rows and c.store.list("Pod")
    c.run(60)
    assert not c.get("jobs").rows and not c.store.list("Pod")


@pytest.mark.parametrize(("change", "fragment"), [
    pytest.param({"restart": "Always"}, "spec.template.spec.restartPolicy: Required value", id="a Job template may not restart Always"),
    pytest.param({"completionMode": "Indexed", "completions": None, "parallelism": 2}, "spec.completions: Required value: when completion mode is Indexed",
                 id="Indexed needs completions"),
    pytest.param({"backoffLimit": -1}, "spec.backoffLimit: must be greater than or equal to 0", id="a negative backoffLimit"),
    pytest.param({"activeDeadlineSeconds": 0}, "spec.activeDeadlineSeconds: must be greater than 0", id="a zero deadline"),
    pytest.param({"restart": "OnFailure", "podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]}}]}},
                 "only \"Never\" is supported when podFailurePolicy is specified", id="podFailurePolicy needs restartPolicy Never"),
    pytest.param({"podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [0]}}]}},
                 "must not be 0 for the In operator", id="exit code 0 cannot be a failure"),
    pytest.param({"backoffLimitPerIndex": 1, "completionMode": "Indexed", "completions": 2}, "spec.backoffLimitPerIndex: not simulated",
                 id="unsimulated fields are refused by name"),
])
def test_bad_jobs_are_refused_and_change_nothing(change, fragment):
    c = new_cluster()
    restart = change.pop("restart", "Never")
    m = job(restart=restart, **{k: v for k, v in change.items() if v is not None})
    rv = c.store.resource_version
    with pytest.raises(k8s.ManifestError) as info:
        c.apply(m)
    assert fragment in str(info.value)
    assert c.store.resource_version == rv


# -------------------------------------------------------------- CronJob
def _max_active(c, seconds):
    """Run and record the most Jobs of the CronJob that were running (not finished) at once."""
    seen = [0]

    def on_job(ev):
        running = sum(1 for j in c.store.list("Job") if not job_finished(j))
        seen[0] = max(seen[0], running)
    c.store.watch("Job", on_job, owner="test")
    c.run(seconds)
    return seen[0]


@pytest.mark.parametrize(("policy", "max_active", "created", "events"), [
    pytest.param("Allow", 3, 10, {"SuccessfulCreate"}, id="Allow lets runs overlap"),
    pytest.param("Forbid", 1, 4, {"SuccessfulCreate", "JobAlreadyActive"}, id="Forbid skips a run while one is active and starts it late"),
    pytest.param("Replace", 1, 10, {"SuccessfulCreate", "SuccessfulDelete"}, id="Replace deletes the running Job for the new one"),
])
def test_concurrency_policies(policy, max_active, created, events):
    c = new_cluster()
    c.apply(cronjob(seconds=150, policy=policy))
    assert _max_active(c, 630) == max_active
    evs = reasons(c, "cronjob/")
    assert sum(e["COUNT"] for e in c.events().rows if e["REASON"] == "SuccessfulCreate" and e["OBJECT"].startswith("cronjob/")) == created
    assert events <= set(evs)


@settings(max_examples=12, deadline=None)
@given(minute_step=st.sampled_from([1, 2, 5]), seconds=st.integers(min_value=10, max_value=400), seed=st.integers(0, 3))
def test_forbid_never_runs_two_jobs_at_once(minute_step, seconds, seed):
    c = new_cluster(nodes=1, seed=seed)
    c.apply(cronjob(schedule=f"*/{minute_step} * * * *", seconds=seconds, policy="Forbid"))
    assert _max_active(c, 1800) <= 1


def test_history_limits_keep_three_successful_and_one_failed_job():
    c = new_cluster()
    c.apply(cronjob(seconds=5))
    c.run(10 * 60 + 30)
    assert len(c.get("jobs").rows) == 3
    assert reasons(c, "cronjob/").count("SuccessfulDelete") >= 1


def test_job_names_are_the_scheduled_minute_and_annotated():
    c = new_cluster()
    c.apply(cronjob(schedule="@hourly", seconds=5))
    c.run(3601)
    j = c.store.list("Job")[0]
    assert j["metadata"]["name"] == "c-29453820"      # 2026-01-01T01:00:00Z = 29453820 minutes since 1970
    assert j["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2026-01-01T01:00:00Z"


def test_a_long_suspension_warns_about_too_many_missed_start_times_and_starts_one_job():
    c = new_cluster()
    c.apply(cronjob(suspend=True, seconds=5))
    c.run(3 * 3600 + 30)
    assert not c.get("jobs").rows
    c.apply(cronjob(suspend=False, seconds=5))
    c.run(5)
    assert "TooManyMissedTimes" in reasons(c, "cronjob/")
    msg = next(e["MESSAGE"] for e in c.events().rows if e["REASON"] == "TooManyMissedTimes")
    assert msg.startswith("too many missed start times: 180. Set or decrease .spec.startingDeadlineSeconds")
    assert len(c.get("jobs").rows) == 1


def test_starting_deadline_skips_a_run_that_is_too_late():
    c = new_cluster()
    c.apply(cronjob(suspend=True, startingDeadlineSeconds=20, seconds=5))
    c.run(3 * 3600 + 30)
    c.apply(cronjob(suspend=False, startingDeadlineSeconds=20, seconds=5))
    c.run(5)
    assert "TooManyMissedTimes" not in reasons(c, "cronjob/")
    assert not c.get("jobs").rows   # the 3:00 run is 35 s late, more than 20 s


@pytest.mark.parametrize(("spec", "fragment"), [
    pytest.param({"schedule": "0 0 31 2 * *"}, "spec.schedule: expected exactly 5 fields", id="six fields"),
    pytest.param({"schedule": "@often"}, "unrecognized descriptor", id="an unknown macro"),
    pytest.param({"timeZone": "Moon/Base"}, "spec.timeZone: unknown time zone", id="an unknown time zone"),
    pytest.param({"concurrencyPolicy": "Sometimes"}, "spec.concurrencyPolicy: ", id="an unknown concurrency policy"),
    pytest.param({"name": "x" * 53}, "must be no more than 52 characters", id="a name too long for its Jobs' names"),
])
def test_bad_cronjobs_are_refused(spec, fragment):
    c = new_cluster()
    m = cronjob()
    if "name" in spec:
        m["metadata"]["name"] = spec.pop("name")
    m["spec"].update(spec)
    with pytest.raises(k8s.ManifestError) as info:
        c.apply(m)
    assert fragment in str(info.value)


# ------------------------------------------------------------ DaemonSet
GPU_TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}


@pytest.mark.parametrize(("nodes", "manifest", "expected"), [
    pytest.param([("n1", {}, []), ("n2", {}, [])], daemonset(), ["n1", "n2"], id="one Pod on every node"),
    pytest.param([("n1", {"disk": "ssd"}, []), ("n2", {}, [])], daemonset(node_selector={"disk": "ssd"}), ["n1"], id="a nodeSelector limits the nodes"),
    pytest.param([("n1", {}, [GPU_TAINT]), ("n2", {}, [])], daemonset(), ["n2"], id="a NoSchedule taint keeps the Pod away"),
    pytest.param([("n1", {}, [GPU_TAINT]), ("n2", {}, [])], daemonset(tolerations=[{"key": "dedicated", "operator": "Exists"}]), ["n1", "n2"],
                 id="a toleration lets it onto the tainted node"),
    pytest.param([("n1", {}, [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}])], daemonset(), ["n1"],
                 id="a cordoned node still gets its DaemonSet Pod"),
])
def test_daemonset_placement(nodes, manifest, expected):
    c = k8s.Cluster(seed=0)
    for name, labels, taints in nodes:
        c.add_node(name, labels=labels, taints=taints)
    c.apply(manifest)
    c.run(10)
    assert sorted(p.node for p in c.pods()) == expected
    assert all(p.phase == "Running" for p in c.pods())


def test_daemonset_follows_node_additions_and_removals():
    c = new_cluster(nodes=2)
    c.apply(daemonset())
    c.run(10)
    c.add_node("node-3")
    c.run(10)
    assert sorted(p.node for p in c.pods()) == ["node-1", "node-2", "node-3"]
    c.remove_node("node-2")
    c.run(5)
    assert sorted(p.node for p in c.pods()) == ["node-1", "node-3"]
    assert c.get("daemonsets").rows[0]["DESIRED"] == 2


def test_daemonset_pods_stay_on_a_not_ready_node():
    c = new_cluster(nodes=2)
    c.apply(daemonset())
    c.run(10)
    c.fail_node("node-1")
    c.run(400)   # past the 300 s after which Deployment Pods would be evicted
    assert sorted(p.node for p in c.pods() if p.status != "Terminating") == ["node-1", "node-2"]


def test_daemonset_rolling_update_replaces_one_node_at_a_time():
    c = new_cluster(nodes=3)
    c.apply(daemonset())
    c.run(20)
    c.apply(daemonset(image="fluent-bit:3.3"))
    updated = []
    for _ in range(10):
        c.run(1)
        row = c.get("daemonsets").rows[0]
        updated.append(row["UP-TO-DATE"])
        assert row["READY"] >= 2          # maxUnavailable 1 of 3
    assert updated[-1] == 3 and updated[0] < 3


def test_daemonset_pods_are_pinned_with_node_affinity_and_tolerate_node_problems():
    c = new_cluster(nodes=1)
    c.apply(daemonset())
    c.run(1)
    spec = c.store.list("Pod")[0]["spec"]
    term = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
    assert term["matchFields"] == [{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]
    keys = {(t["key"], t["effect"]) for t in spec["tolerations"]}
    assert {("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
            ("node.kubernetes.io/unschedulable", "NoSchedule")} <= keys


def test_daemonset_refuses_a_restart_policy_other_than_always():
    c = new_cluster()
    m = daemonset()
    m["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    with pytest.raises(k8s.ManifestError, match="spec.template.spec.restartPolicy: Unsupported value: 'Never'"):
        c.apply(m)
