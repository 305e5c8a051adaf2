"""Fuzz settings: a fixed-seed profile inside ``make test``; ``make fuzz`` raises the example counts.

``FUZZ_EXAMPLES`` (environment) sets the Hypothesis examples per fuzz test (default: the quick profile).
The counters below are printed at the end of the run: inputs applied per side, and how they ended.
"""
from __future__ import annotations

import collections
import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

QUICK = {"k8s": 60, "mesos": 150}
COUNTS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


def examples(side: str) -> int:
    return int(os.environ.get("FUZZ_EXAMPLES", QUICK[side]))


def fuzz_settings(side: str):
    """Derandomized (fixed seed) unless FUZZ_SEED is given; no deadline (the machine is shared)."""
    seed = os.environ.get("FUZZ_SEED")
    return settings(max_examples=examples(side), deadline=None, derandomize=seed is None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


def pytest_terminal_summary(terminalreporter):
    for side in sorted(COUNTS):
        c = COUNTS[side]
        parts = ", ".join(f"{k} {v}" for k, v in sorted(c.items()) if k != "inputs")
        terminalreporter.write_line(f"fuzz {side}: {c['inputs']} inputs ({parts})")
