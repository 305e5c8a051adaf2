"""pkg/controller/deployment/util/deployment_util_test.go (Kubernetes 1.37) as data.

Runs against :mod:`labsupport.k8s.controllers.deploymentutil`.
"""
from labsupport.k8s.controllers import deploymentutil
from labsupport.k8s.controllers.deployment import DeploymentController, strip_hash
from labsupport.k8s.errors import ManifestError

F = "pkg/controller/deployment/util/deployment_util_test.go"


def _dep(replicas, max_unavailable=None, max_surge=1, strategy="RollingUpdate"):
    spec = {"strategy": {"type": strategy}}
    if replicas is not None:
        spec["replicas"] = replicas
    if strategy == "RollingUpdate":
        spec["strategy"]["rollingUpdate"] = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    return {"spec": spec}


CASES = [
    # TestMaxUnavailable: deployment(replicas, maxUnavailable) with maxSurge 1
    *({"upstream_file": F, "upstream_test": f"TestMaxUnavailable/{name}", "id": f"MaxUnavailable: {name}",
       "fn": "max_unavailable", "replicas": r, "max_unavailable": mu, "strategy": st, "expected": exp}
      for name, r, mu, st, exp in (
          ("maxUnavailable less than replicas", 10, 5, "RollingUpdate", 5),
          ("maxUnavailable equal replicas", 10, 10, "RollingUpdate", 10),
          ("maxUnavailable greater than replicas", 5, 10, "RollingUpdate", 5),
          ("maxUnavailable with replicas is 0", 0, 10, "RollingUpdate", 0),
          ("maxUnavailable with Recreate deployment strategy", None, None, "Recreate", 0),
          ("maxUnavailable less than replicas with percents", 10, "50%", "RollingUpdate", 5),
          ("maxUnavailable equal replicas with percents", 10, "100%", "RollingUpdate", 10),
          ("maxUnavailable greater than replicas with percents", 5, "100%", "RollingUpdate", 5),
      )),
    # TestResolveFenceposts: (maxSurge, maxUnavailable, desired) -> (surge, unavailable) or error
    *({"upstream_file": F, "upstream_test": f"TestResolveFenceposts/{i}", "id": f"ResolveFenceposts #{i}: "
       f"surge {ms!r} unavailable {mu!r} of {desired}", "fn": "resolve_fenceposts", "max_surge": ms,
       "max_unavailable": mu, "desired": desired, "expected": exp}
      for i, (ms, mu, desired, exp) in enumerate((
          ("0%", "0%", 0, (0, 1)),
          ("39%", "39%", 10, (4, 3)),
          ("oops", "39%", 10, "error"),
          ("55%", "urg", 10, "error"),
          (None, "39%", 10, (0, 3)),
          ("39%", None, 10, (4, 0)),
          (None, None, 10, (0, 1)),
      ))),
    # TestNewRSNewReplicas: one old ReplicaSet of 5, maxUnavailable 1
    *({"upstream_file": F, "upstream_test": f"TestNewRSNewReplicas/{name}", "id": f"NewRSNewReplicas: {name}",
       "fn": "new_rs_new_replicas", "strategy": st, "dep_replicas": dr, "new_rs_replicas": nr, "max_surge": ms,
       "expected": exp}
      for name, st, dr, nr, ms, exp in (
          ("can not scale up - to newRSReplicas", "RollingUpdate", 1, 5, 1, 5),
          ("scale up - to depReplicas", "RollingUpdate", 6, 2, 10, 6),
          ("recreate - to depReplicas", "Recreate", 3, 1, 1, 3),
      )),
]

_H = "pod-template-hash"


def _tpl(name, node, annotations, labels):
    return {"metadata": {"name": name, "annotations": annotations, "labels": labels}, "spec": {"nodeName": node}}


CASES += [
    # TestMinAvailable: replicas - MaxUnavailable
    *({"upstream_file": F, "upstream_test": f"TestMinAvailable/{name}", "id": f"MinAvailable: {name}",
       "fn": "min_available", "replicas": r, "max_unavailable": mu, "strategy": st, "expected": exp}
      for name, r, mu, st, exp in (
          ("replicas greater than maxUnavailable", 10, 5, "RollingUpdate", 5),
          ("replicas equal maxUnavailable", 10, 10, "RollingUpdate", 0),
          ("replicas less than maxUnavailable", 5, 10, "RollingUpdate", 0),
          ("replicas is 0", 0, 10, "RollingUpdate", 0),
          ("minAvailable with Recreate deployment strategy", 10, None, "Recreate", 0),
          ("replicas greater than maxUnavailable with percents", 10, "60%", "RollingUpdate", 4),
          ("replicas equal maxUnavailable with percents", 10, "100%", "RollingUpdate", 0),
          ("replicas less than maxUnavailable with percents", 5, "100%", "RollingUpdate", 0),
      )),
    # TestDeploymentComplete: deployment(desired, current, updated, available, maxUnavailable, maxSurge)
    *({"upstream_file": F, "upstream_test": f"TestDeploymentComplete/{name}", "id": f"DeploymentComplete: {name}",
       "fn": "complete", "status": dict(zip(("desired", "replicas", "updatedReplicas", "availableReplicas"), args[:4], strict=True)),
       "expected": exp}
      for name, args, exp in (
          ("not complete: min but not all pods become available", (5, 5, 5, 4, 1, 0), False),
          ("not complete: min availability is not honored", (5, 5, 5, 3, 1, 0), False),
          ("complete", (5, 5, 5, 5, 0, 0), True),
          ("not complete: all pods are available but not updated", (5, 5, 4, 5, 0, 0), False),
          ("not complete: still running old pods", (1, 2, 1, 1, 0, 1), False),
          ("not complete: one replica deployment never comes up", (1, 1, 1, 0, 1, 1), False),
      )),
    # TestEqualIgnoreHash: templates equal once the pod-template-hash label is ignored (both orders)
    *({"upstream_file": F, "upstream_test": f"TestEqualIgnoreHash/{name}", "id": f"EqualIgnoreHash: {name}",
       "fn": "equal_ignore_hash", "former": a, "latter": b, "expected": exp}
      for name, a, b, exp in (
          ("Same spec, same labels", _tpl("foo", "foo-node", {}, {_H: "value-1", "something": "else"}),
           _tpl("foo", "foo-node", {}, {_H: "value-1", "something": "else"}), True),
          ("Same spec, only pod-template-hash label value is different",
           _tpl("foo", "foo-node", {}, {_H: "value-1", "something": "else"}),
           _tpl("foo", "foo-node", {}, {_H: "value-2", "something": "else"}), True),
          ("Same spec, the former doesn't have pod-template-hash label", _tpl("foo", "foo-node", {}, {"something": "else"}),
           _tpl("foo", "foo-node", {}, {_H: "value-2", "something": "else"}), True),
          ("Same spec, the label is different, the former doesn't have pod-template-hash label, same number of labels",
           _tpl("foo", "foo-node", {}, {"something": "else"}), _tpl("foo", "foo-node", {}, {_H: "value-2"}), False),
          ("Same spec, the label is different, the latter doesn't have pod-template-hash label, same number of labels",
           _tpl("foo", "foo-node", {}, {_H: "value-1"}), _tpl("foo", "foo-node", {}, {"something": "else"}), False),
          ("Same spec, the label is different, and the pod-template-hash label value is the same",
           _tpl("foo", "foo-node", {}, {_H: "value-1"}), _tpl("foo", "foo-node", {}, {_H: "value-1", "something": "else"}),
           False),
          ("Different spec, same labels", _tpl("foo", "foo-node", {"former": "value"}, {_H: "value-1", "something": "else"}),
           _tpl("foo", "foo-node", {"latter": "value"}, {_H: "value-1", "something": "else"}), False),
          ("Different spec, different pod-template-hash label value",
           _tpl("foo-1", "foo-node", {}, {_H: "value-1", "something": "else"}),
           _tpl("foo-2", "foo-node", {}, {_H: "value-2", "something": "else"}), False),
          ("Different spec, the former doesn't have pod-template-hash label",
           _tpl("foo-1", "foo-node-1", {}, {"something": "else"}),
           _tpl("foo-2", "foo-node-2", {}, {_H: "value-2", "something": "else"}), False),
          ("Different spec, different labels", _tpl("foo", "foo-node-1", {}, {"something": "else"}),
           _tpl("foo", "foo-node-2", {}, {"nothing": "else"}), False),
      )),
]

_R_ANNOT = ("tests a Go helper for annotations or conditions that the simulator does not need as a separate "
            "function (conditions and revision annotations are written in place by DeploymentController)")
_R_LOOKUP = ("tests ReplicaSet lookup via informers/listers, feature-gated dropped fields or collision counts; "
             "the simulator finds a Deployment's ReplicaSets by owner reference and has no dropped fields")
_R_FRACTION = ("getReplicaSetFraction reads the max-replicas annotation of a hand-built ReplicaSet; the simulator's "
               "proportional scaling is only reachable through a running Deployment (covered in tests/k8s)")
_R_TERMINATING = ("checks status.terminatingReplicas (DeploymentReplicaSetTerminatingReplicas, beta); the simulator "
                  "does not report terminating replicas")
_R_TIME = ("DeploymentProgressing/DeploymentTimedOut compare two status snapshots / a stubbed wall clock; the "
           "simulator folds this into DeploymentController._status on the simulated clock")
NOT_EXPRESSIBLE = [
    *({"upstream_file": F, "upstream_test": t, "reason": _R_ANNOT}
      for t in ("TestGetCondition", "TestSetCondition", "TestRemoveCondition", "TestGetNonNegativeInt32FromAnnotation",
                "TestAnnotationUtils", "TestReplicasAnnotationsNeedUpdate")),
    *({"upstream_file": F, "upstream_test": t, "reason": _R_LOOKUP}
      for t in ("TestEqualIgnoreHashAndDroppedFields", "TestFindNewReplicaSet", "TestFindOldReplicaSets",
                "TestGetDeploymentsForReplicaSet")),
    {"upstream_file": F, "upstream_test": "TestGetReplicaSetFraction", "reason": _R_FRACTION},
    {"upstream_file": F, "upstream_test": "TestGetReplicaCountForReplicaSets", "reason": _R_TERMINATING},
    *({"upstream_file": F, "upstream_test": t, "reason": _R_TIME}
      for t in ("TestDeploymentProgressing", "TestDeploymentTimedOut")),
]


def run(case):
    fn = case["fn"]
    if fn == "max_unavailable":
        d = _dep(case["replicas"], case["max_unavailable"], strategy=case["strategy"])
        assert deploymentutil.max_unavailable(d) == case["expected"]
    elif fn == "resolve_fenceposts":
        if case["expected"] == "error":
            try:
                deploymentutil.resolve_fenceposts(case["max_surge"], case["max_unavailable"], case["desired"])
            except ManifestError:
                return
            raise AssertionError("expected an error")
        got = deploymentutil.resolve_fenceposts(case["max_surge"], case["max_unavailable"], case["desired"])
        assert got == case["expected"], got
    elif fn == "new_rs_new_replicas":
        d = _dep(case["dep_replicas"], 1, case["max_surge"], case["strategy"])
        new_rs = {"spec": {"replicas": case["new_rs_replicas"]}}
        got = deploymentutil.new_rs_new_replicas(d, [{"spec": {"replicas": 5}}], new_rs)
        assert got == case["expected"], got
    elif fn == "min_available":
        d = _dep(case["replicas"], case["max_unavailable"], strategy=case["strategy"])
        assert deploymentutil.min_available(d) == case["expected"]
    elif fn == "complete":
        st = dict(case["status"])
        # Go zero values: generation 0, observedGeneration 0
        d = {"metadata": {"generation": 0}, "spec": {"replicas": st.pop("desired")}, "status": {**st, "observedGeneration": 0}}
        assert DeploymentController._complete(d) is case["expected"]
    elif fn == "equal_ignore_hash":
        for a, b in ((case["former"], case["latter"]), (case["latter"], case["former"])):
            assert (strip_hash(a) == strip_hash(b)) is case["expected"]
    else:  # pragma: no cover - data error
        raise AssertionError(f"unknown fn {fn}")
