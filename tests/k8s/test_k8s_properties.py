"""Property tests: phases are exclusive, Deployments converge, runs are reproducible."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from k8s_helpers import deployment, pod

from labsupport import k8s

PHASES = {"Pending", "Running", "Succeeded", "Failed", "Unknown"}
COMMANDS = [None, ["sh", "-c", "sleep 3"], ["sh", "-c", "sleep 2; exit 1"], ["sh", "-c", "exit 1"], ["sleep", "20"]]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=st.lists(st.sampled_from(range(len(COMMANDS))), min_size=1, max_size=6),
       restart=st.sampled_from(["Always", "OnFailure", "Never"]), steps=st.lists(st.floats(0.5, 40), min_size=1, max_size=6))
def test_every_pod_is_in_exactly_one_phase(commands, restart, steps):
    c = k8s.Cluster(seed=0)
    c.add_node("node-1")
    c.apply([pod(f"p{i}", command=COMMANDS[j], restart=restart) for i, j in enumerate(commands)])
    for s in steps:
        c.run(s)
        for p in c.store.list("Pod"):
            assert p["status"].get("phase", "Pending") in PHASES
        assert len({p.name for p in c.pods()}) == len(commands)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.integers(1, 4), replicas=st.integers(0, 12), rescale=st.integers(0, 12),
       surge=st.sampled_from(["25%", 0, 1, "50%"]), unavailable=st.sampled_from(["25%", 1, "50%"]))
def test_a_deployment_converges_to_its_replicas_when_capacity_allows(nodes, replicas, rescale, surge, unavailable):
    c = k8s.Cluster(seed=1)
    for i in range(nodes):
        c.add_node(f"node-{i}", cpu="4")
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}
    c.apply(deployment(replicas=replicas, strategy=strategy))
    c.run(30)
    c.apply(deployment(replicas=rescale, strategy=strategy, image="nginx:1.28"))
    c.run(120)
    pods = c.pods()
    assert len(pods) == rescale and all(p.status == "Running" for p in pods)
    assert c.rollout_status("web") == 'deployment "web" successfully rolled out'


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), replicas=st.integers(1, 8))
def test_same_seed_same_trace(seed, replicas):
    def trace():
        c = k8s.Cluster(seed=seed)
        for i in range(3):
            c.add_node(f"node-{i}", cpu="2")
        c.apply(deployment(replicas=replicas))
        c.run(30)
        c.fail_node("node-0")
        c.run(360)
        return [tuple(r) for r in c.writes()], str(c.events())

    assert trace() == trace()
