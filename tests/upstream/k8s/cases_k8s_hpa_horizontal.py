"""pkg/controller/podautoscaler/horizontal_test.go as data: normalization of an HPA without ``behavior``.

Transcribed from the copy in the search index (an older revision: its TestConvertDesiredReplicasWithRules and
TestNormalizeDesiredReplicas are the functions 1.37 still has for an HPA without ``behavior``).

Runs against :func:`~labsupport.k8s.controllers.hpa.convert_desired_replicas_with_rules` and
:func:`~labsupport.k8s.controllers.hpa.stabilize_recommendation` (downscale stabilization 5 min,
recommendation times in seconds relative to now).
"""
from labsupport.k8s.controllers.hpa import (
    calculate_scale_up_limit,
    convert_desired_replicas_with_rules,
    stabilize_recommendation,
)

F = "pkg/controller/podautoscaler/horizontal_test.go"

CASES = [
    *({"upstream_file": F, "upstream_test": "TestConvertDesiredReplicasWithRules", "id": f"ConvertDesiredReplicasWithRules: {note}",
       "fn": "convert", "current": cur, "desired": des, "min": mn, "max": mx, "expected": exp, "condition": cond}
      for cur, des, mn, mx, exp, cond, note in (
          (5, 7, 3, 8, 7, "DesiredWithinRange", "prenormalized desired replicas within range"),
          (3, 1, 2, 8, 2, "TooFewReplicas", "prenormalized desired replicas < minReplicas"),
          (1, 0, 0, 10, 0, "DesiredWithinRange", "prenormalized desired replicas within range (min 0)"),
          (20, 1000, 1, 10, 10, "TooManyReplicas", "maxReplicas is the limit because maxReplicas < scaleUpLimit"),
          (3, 1000, 1, 2000, calculate_scale_up_limit(3), "ScaleUpLimit",
           "scaleUpLimit is the limit because scaleUpLimit < maxReplicas"),
      )),
    *({"upstream_file": F, "upstream_test": f"TestNormalizeDesiredReplicas/{name}", "id": f"NormalizeDesiredReplicas: {name}",
       "fn": "stabilize", "recommendations": recs, "proposal": prop, "expected": exp, "log_length": n}
      for name, recs, prop, exp, n in (
          ("empty log", [], 5, 5, 1),
          ("stabilize", [(4, -120), (5, -60)], 3, 5, 3),
          ("no stabilize", [(1, -120), (2, -60)], 3, 3, 3),
          ("no stabilize - old recommendations", [(10, -600), (9, -540)], 3, 3, 2),
          ("stabilize - old recommendations", [(10, -600), (4, -60), (5, -120), (9, -540)], 3, 5, 4),
      )),
]

_R_FAKE = ("drives the whole controller through fake API/metrics clients and compares full HPA status objects "
           "(custom/external metrics, selectors, scale subresources); the simulator's controller is covered by "
           "tests/k8s/test_k8s_hpa.py and the replica-calculator cases")
_R_RATE = ("the indexed copy targets the pre-autoscaling/v2 HPAScaleConstraint API (rate.Pods / rate.Percent) and "
           "builds event histories at random offsets from time.Now() (generateEvents); the v2 behavior rate limits "
           "are checked with fixed histories in tests/k8s/test_k8s_hpa.py")
NOT_EXPRESSIBLE = [
    {"upstream_file": F, "upstream_test": "tests driven by testCase.runTest (TestScaleUp*, TestScaleDown*, "
     "TestUpscaleCap*, TestCondition*, ...)", "reason": _R_FAKE},
    {"upstream_file": F, "upstream_test": "TestScaleRate", "reason": _R_RATE},
    {"upstream_file": F, "upstream_test": "TestConvertDesiredReplicasConstrainedWithRules", "reason": _R_RATE},
]


def run(case):
    if case["fn"] == "convert":
        got, cond, _msg = convert_desired_replicas_with_rules(case["current"], case["desired"], case["min"], case["max"])
        assert (got, cond) == (case["expected"], case["condition"]), (got, cond)
    else:
        recs = [(r, float(t)) for r, t in case["recommendations"]]
        got = stabilize_recommendation(recs, case["proposal"], now=0.0, window=300.0)
        assert got == case["expected"], got
        assert len(recs) == case["log_length"], recs
