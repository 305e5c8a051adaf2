"""Fuzz settings: a fixed-seed profile inside ``make test``; ``make fuzz`` raises the example counts.

``FUZZ_K8S_EXAMPLES`` / ``FUZZ_MESOS_EXAMPLES`` (or ``FUZZ_EXAMPLES`` for both) set the Hypothesis examples per
side; ``FUZZ_SEED`` switches from the fixed seed to random generation. ``COUNTS`` (inputs per side and how they
ended) is printed by tests/fuzz/conftest.py at the end of the run.
"""
from __future__ import annotations

import collections
import os

from hypothesis import HealthCheck, settings

QUICK = {"k8s": 40, "mesos": 80}
COUNTS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


def examples(side: str) -> int:
    return int(os.environ.get(f"FUZZ_{side.upper()}_EXAMPLES", os.environ.get("FUZZ_EXAMPLES", QUICK[side])))


def fuzz_settings(side: str):
    """Derandomized (fixed seed) unless FUZZ_SEED is given; no deadline (the machine is shared)."""
    seed = os.environ.get("FUZZ_SEED")
    return settings(max_examples=examples(side), deadline=None, derandomize=seed is None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)
