"""pkg/controller/tainteviction/taint_eviction_test.go as data.

Each case is a script of steps against :class:`~labsupport.k8s.controllers.nodelifecycle.TaintEvictionController`
on an :class:`~labsupport.k8s.store.APIStore` (the fake clientset of the Go test): ``("node", [taint indices])``
creates or updates ``node1`` with the NoExecute taints ``testTaint<i>=test<i>``; ``("pod", name, node,
toleration)`` creates or updates a Pod, ``toleration`` being ``(index, seconds)`` with seconds None for
"forever" (``addToleration``); ``("delete-pod", name)``, ``("delete-node",)``; ``("run", seconds)``
advances simulated time. Upstream's ``verifyPodActions`` waits up to 5 s, so a case ends by running
5 s and compares which Pods were deleted (and patched with the DisruptionTarget condition).
"""
from labsupport.core import Simulation
from labsupport.k8s.controllers.nodelifecycle import TaintEvictionController, min_toleration_time, no_execute_taints
from labsupport.k8s.store import APIStore

F = "pkg/controller/tainteviction/taint_eviction_test.go"


def _script(test, steps, deleted, queued=None, events=None):
    return {"upstream_file": F, "upstream_test": test, "id": test.replace("Test", "", 1), "fn": "script",
            "steps": steps, "deleted": deleted, "queued": queued, "events": events}


CASES = [
    {"upstream_file": F, "upstream_test": "TestFilterNoExecuteTaints", "id": "FilterNoExecuteTaints", "fn": "filter",
     "taints": [{"key": "one", "value": "one", "effect": "NoExecute"}, {"key": "two", "value": "two", "effect": "NoSchedule"}],
     "expected": ["one"]},
    *({"upstream_file": F, "upstream_test": "TestGetMinTolerationTime", "id": f"GetMinTolerationTime #{i}", "fn": "min",
       "seconds": secs, "expected": exp}
      for i, (secs, exp) in enumerate(
          (([], 0), ([None], "forever"), ([1, 2], 1), ([1, None], 1), ([None, 1], 1)))),
    # TestCreatePod: the controller already knows node1's taints; the Pod appears (PodUpdated(nil, pod))
    _script("TestCreatePod/not scheduled - ignore", [("node", [1]), ("pod", "pod1", "", None)], []),
    _script("TestCreatePod/scheduled on untainted Node", [("node", []), ("pod", "pod1", "node1", None)], []),
    _script("TestCreatePod/schedule on tainted Node", [("node", [1]), ("pod", "pod1", "node1", None)], ["pod1"]),
    _script("TestCreatePod/schedule on tainted Node with finite toleration",
            [("node", [1]), ("pod", "pod1", "node1", (1, 100))], []),
    _script("TestCreatePod/schedule on tainted Node with infinite toleration",
            [("node", [1]), ("pod", "pod1", "node1", (1, None))], []),
    _script("TestCreatePod/schedule on tainted Node with infinite invalid toleration",
            [("node", [1]), ("pod", "pod1", "node1", (2, None))], ["pod1"]),
    _script("TestDeletePod", [("node", [1]), ("pod", "pod1", "node1", (1, 100)), ("delete-pod", "pod1")], [],
            queued=[]),
    # TestUpdatePod: PodUpdated(prev, new)
    _script("TestUpdatePod/scheduling onto tainted Node",
            [("node", [1]), ("pod", "pod1", "", None), ("pod", "pod1", "node1", None)], ["pod1"]),
    _script("TestUpdatePod/scheduling onto tainted Node with toleration",
            [("node", [1]), ("pod", "pod1", "", (1, None)), ("pod", "pod1", "node1", (1, None))], []),
    _script("TestUpdatePod/removing toleration",
            [("node", [1]), ("pod", "pod1", "node1", (1, 100)), ("run", 0.01), ("pod", "pod1", "node1", None)],
            ["pod1"]),
    _script("TestUpdatePod/lengthening toleration shouldn't work",
            [("node", [1]), ("pod", "pod1", "node1", (1, 1)), ("run", 0.01), ("pod", "pod1", "node1", (1, 100))],
            ["pod1"]),
    # TestCreateNode: Pods assigned to node1 exist before the Node does
    _script("TestCreateNode/Creating Node matching already assigned Pod",
            [("pod", "pod1", "node1", None), ("node", [])], []),
    _script("TestCreateNode/Creating tainted Node matching already assigned Pod",
            [("pod", "pod1", "node1", None), ("node", [1])], ["pod1"]),
    _script("TestCreateNode/Creating tainted Node matching already assigned tolerating Pod",
            [("pod", "pod1", "node1", (1, None)), ("node", [1])], []),
    _script("TestDeleteNode", [("node", [1]), ("delete-node",)], [], queued=[]),
    # TestUpdateNode: NodeUpdated(old, new)
    _script("TestUpdateNode/Added taint, expect node patched and deleted",
            [("node", []), ("pod", "pod1", "node1", None), ("node", [1])], ["pod1"]),
    _script("TestUpdateNode/Added tolerated taint",
            [("node", []), ("pod", "pod1", "node1", (1, 100)), ("node", [1])], []),
    _script("TestUpdateNode/Only one added taint tolerated",
            [("node", []), ("pod", "pod1", "node1", (1, 100)), ("node", [1, 2])], ["pod1"]),
    _script("TestUpdateNode/Taint removed",
            [("node", [1]), ("pod", "pod1", "node1", (1, 1)), ("node", []), ("run", 1.5)], []),
    _script("TestUpdateNode/Pod with multiple tolerations are evicted when first one runs out",
            [("node", []), ("pod", "pod1", "node1", [(1, 1), (2, 100)]), ("node", [1, 2])], ["pod1"]),
    # TestUpdateNodeWithMultipleTaints: Exists tolerations, taint1 forever, taint2 for 60 s
    _script("TestUpdateNodeWithMultipleTaints",
            [("pod", "pod1", "node1", "exists"), ("node", []), ("expect-queued", []), ("node", [1]),
             ("expect-queued", []), ("node", [1, 2]), ("expect-queued", ["pod1"]), ("node", [1]),
             ("expect-queued", [])], []),
    # TestUpdateNodeWithMultiplePods: deletion times
    _script("TestUpdateNodeWithMultiplePods/Pods with different toleration times are evicted appropriately",
            [("node", []), ("pod", "pod1", "node1", None), ("pod", "pod2", "node1", (1, 1)),
             ("pod", "pod3", "node1", (1, None)), ("node", [1]), ("run", 0.5), ("expect-deleted", ["pod1"]),
             ("run", 1.0), ("expect-deleted", ["pod1", "pod2"])], ["pod1", "pod2"]),
    _script("TestUpdateNodeWithMultiplePods/Evict all pods not matching all taints instantly",
            [("node", []), ("pod", "pod1", "node1", None), ("pod", "pod2", "node1", (1, 1)),
             ("pod", "pod3", "node1", (1, None)), ("node", [1, 2]), ("expect-deleted", ["pod1", "pod2", "pod3"])],
            ["pod1", "pod2", "pod3"]),
    # TestEventualConsistency: the node update deletes pod1 before pod2's binding arrives
    *(_script(f"TestEventualConsistency/{name}",
              [("node", []), ("pod", "pod1", "node1", None)] + ([("pod", "pod2", "", tol)] if existing else [])
              + [("node", [1]), ("expect-deleted", ["pod1"]), ("pod", "pod2", "node1", tol)],
              ["pod1"] + ([] if tol else ["pod2"]))
      for name, existing, tol in (
          ("existing pod2 scheduled onto tainted Node", True, None),
          ("existing pod2 with taint toleration scheduled onto tainted Node", True, (1, 100)),
          ("new pod2 created on tainted Node", False, None),
          ("new pod2 with tait toleration created on tainted Node", False, (1, 100)),
      )),
    _script("TestPodDeletionEvent", [("node", [1]), ("pod", "pod1", "node1", (1, 100)), ("run", 0.01),
                                     ("pod", "pod1", "node1", (1, None)), ("pod", "pod2", "node1", None)], ["pod2"],
            events=["Cancelling deletion of Pod default/pod1", "Marking for deletion Pod default/pod2"]),
]

NOT_EXPRESSIBLE = []


def _taint(i):
    return {"key": f"testTaint{i}", "value": f"test{i}", "effect": "NoExecute"}


def _tolerations(spec):
    if spec is None:
        return []
    if spec == "exists":
        return [{"key": "testTaint1", "operator": "Exists", "effect": "NoExecute"},
                {"key": "testTaint2", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}]
    out = []
    for i, secs in spec if isinstance(spec, list) else [spec]:
        t = {"key": f"testTaint{i}", "value": f"test{i}", "effect": "NoExecute"}
        if secs is not None:
            t["tolerationSeconds"] = secs
        out.append(t)
    return out


def _deleted(store):
    return sorted(w.name for w in store.writes()
                  if w.kind == "Pod" and w.verb == "delete" and w.actor == TaintEvictionController.name)


def run(case):
    if case["fn"] == "filter":
        assert [t["key"] for t in no_execute_taints(case["taints"])] == case["expected"]
        return
    if case["fn"] == "min":
        got = min_toleration_time([{"tolerationSeconds": s} for s in case["seconds"]])
        assert got == (float("inf") if case["expected"] == "forever" else case["expected"]), got
        return
    sim = Simulation(seed=0)
    store = APIStore(sim)
    store.add_index("Pod", "pods-by-node", lambda p: p["spec"].get("nodeName") or None)
    ctrl = TaintEvictionController(store, sim)
    for step in case["steps"]:
        op = step[0]
        if op == "node":
            node = store.get("Node", None, "node1")
            taints = [_taint(i) for i in step[1]]
            if node is None:
                store.create({"kind": "Node", "metadata": {"name": "node1"}, "spec": {"taints": taints}, "status": {}},
                             actor="test")
            else:
                node["spec"]["taints"] = taints
                store.update(node, actor="test")
        elif op == "pod":
            _, name, node_name, tol = step
            pod = store.get("Pod", "default", name)
            if pod is None:
                store.create({"kind": "Pod", "metadata": {"name": name, "namespace": "default"},
                              "spec": {"nodeName": node_name, "tolerations": _tolerations(tol)},
                              "status": {"phase": "Running"}}, actor="test")
            else:
                pod["spec"] = {**pod["spec"], "nodeName": node_name, "tolerations": _tolerations(tol)}
                store.update(pod, actor="test")
        elif op == "delete-pod":
            store.delete("Pod", "default", step[1], actor="test", grace_period_seconds=0)  # gone (PodUpdated(pod, nil))
        elif op == "delete-node":
            store.delete("Node", None, "node1", actor="test")
        elif op == "run":
            sim.run(step[1])
        elif op == "expect-queued":
            assert [k[1] for k in ctrl.scheduled_evictions()] == step[1], ctrl.scheduled_evictions()
        elif op == "expect-deleted":
            assert _deleted(store) == step[1], _deleted(store)
    sim.run(5.0)  # verifyPodActions polls for up to 5 s
    assert _deleted(store) == sorted(case["deleted"]), _deleted(store)
    patched = sorted(w.name for w in store.writes() if w.kind == "Pod" and w.actor == ctrl.name and w.verb == "update status")
    assert patched == sorted(case["deleted"]), patched  # the DisruptionTarget condition precedes every delete
    if case["queued"] is not None:
        assert list(ctrl.scheduled_evictions()) == case["queued"]
    if case["events"] is not None:
        assert [e.message for e in store.events if e.reason == "TaintManagerEviction"] == case["events"]
