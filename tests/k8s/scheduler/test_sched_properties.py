"""Property: whatever Pods come and go, no node's requests ever exceed its allocatable."""
from hypothesis import given, settings
from hypothesis import strategies as st
from sched_helpers import make, node, pod

ops = st.lists(st.one_of(
    st.tuples(st.just("create"), st.integers(50, 3000), st.integers(16, 4096), st.integers(-1, 2)),
    st.tuples(st.just("delete"), st.integers(0, 1000)),
    st.tuples(st.just("run"), st.floats(0, 12)),
), min_size=1, max_size=30)


@settings(max_examples=25, deadline=None)
@given(nodes=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 8), st.integers(1, 6)), min_size=1, max_size=4), ops=ops)
def test_requests_never_exceed_allocatable(nodes, ops):
    sim, store, sched = make(seed=1)
    for i, (cpu, mem, pods) in enumerate(nodes):
        node(store, f"n{i}", cpu=str(cpu), memory=f"{mem}Gi", pods=str(pods))
    created = 0
    for op in ops:
        if op[0] == "create":
            _, cpu, mem, prio = op
            pod(store, f"p{created}", cpu=f"{cpu}m", memory=f"{mem}Mi", priority=prio * 100)
            created += 1
        elif op[0] == "delete":
            names = [p["metadata"]["name"] for p in store.list("Pod")]
            if names:
                store.delete("Pod", "default", names[op[1] % len(names)], actor="kubectl", grace_period_seconds=0)
        else:
            sim.run(op[1])
        c = sched.cache
        c.check_invariants()
        for s, name in enumerate(c.names):
            if name is not None:
                free_cpu, free_mem, free_pods = c.free(s)
                assert free_cpu >= 0 and free_mem >= 0 and free_pods >= 0, name
        # and the cache agrees with the store: every bound, non-terminal Pod is counted once
        in_store = {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in store.list("Pod") if p["spec"].get("nodeName")}
        assert in_store == set(c.pod_slot)
