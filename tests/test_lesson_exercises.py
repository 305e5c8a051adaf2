"""Lesson-specific verdicts of issue 12: DNS names judged like DNS, and a GPU Pod judged by what the scheduler does."""
from __future__ import annotations

import pytest

from labsupport.checks import Verdict
from labsupport.exercises import lesson02, lesson03
from labsupport.exercises.lesson03 import BROKEN_TRAINER


@pytest.mark.parametrize("answer, verdict, words", [
    ("checkout.shop.svc.cluster.local", Verdict.CORRECT, "names the Service checkout in namespace shop."),
    ("checkout.shop.svc.cluster.local.", Verdict.CORRECT, "The trailing dot marks an absolute name"),
    ("CHECKOUT.shop.svc.cluster.local", Verdict.CORRECT, "without regard to letter case (RFC 4343)"),
    ("checkout", Verdict.INCORRECT, "resolves only from inside a Pod, through its resolv.conf search list"),
    ("checkout.default.svc.cluster.local", Verdict.INCORRECT, "This Service is in namespace shop, not default."),
    (" checkout.shop.svc.cluster.local", Verdict.INCORRECT, "has spaces around it"),
    ("checkout.shop.svc.cluster.local..", Verdict.INCORRECT, "is not it."),
    (42, Verdict.INCORRECT, "expected the name as text (in quotes)"),
], ids=["the exact name is right", "a trailing dot is accepted and explained", "other letter case is accepted and explained",
        "a short name is explained as search-list only", "the wrong namespace gets its nudge",
        "spaces are refused", "two trailing dots are refused", "a number is refused"])
def test_lesson02_q3_accepts_what_dns_accepts(answer, verdict, words):
    result = lesson02.q3.check(answer)
    assert result.verdict is verdict and words in str(result)


NODE_NAME = BROKEN_TRAINER.replace("  nodeSelector:\n    accelerator: gpu\n", "  nodeName: gpu-1\n")
TOLERATES_ONLY = BROKEN_TRAINER.replace(
    "  nodeSelector:\n    accelerator: gpu\n",
    "  tolerations:\n  - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}\n")


@pytest.mark.parametrize("manifest, verdict, words", [
    (lesson03.q3.solution_value, Verdict.CORRECT, "explain() shows gpu-1 as the only feasible node"),
    (NODE_NAME, Verdict.INCORRECT, "spec.nodeName: gpu-1 skips the scheduler"),
    (BROKEN_TRAINER, Verdict.INCORRECT, "the scheduler filters gpu-1 out"),
    (TOLERATES_ONLY, Verdict.INCORRECT, "feasible too, so the scheduler may place it there"),
], ids=["toleration plus selector is right", "nodeName is refused although the Pod would land on gpu-1",
        "no toleration: the taint filters gpu-1", "a toleration alone leaves other nodes feasible"])
def test_lesson03_q3_is_judged_by_what_the_scheduler_does(manifest, verdict, words):
    result = lesson03.q3.check(manifest)
    assert result.verdict is verdict and words in str(result), str(result)
