"""Print the fuzz counters at the end of the run; with ``FUZZ_MIN_INPUTS`` (``make fuzz``) fail below that many per side."""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz_settings import COUNTS  # noqa: E402


def pytest_terminal_summary(terminalreporter):
    for side in sorted(COUNTS):
        c = COUNTS[side]
        parts = ", ".join(f"{k} {v}" for k, v in sorted(c.items()) if k != "inputs")
        terminalreporter.write_line(f"fuzz {side}: {c['inputs']} inputs ({parts})")


def pytest_sessionfinish(session, exitstatus):
    need = int(os.environ.get("FUZZ_MIN_INPUTS", "0"))
    short = [side for side in ("k8s", "mesos") if COUNTS[side]["inputs"] < need]
    if need and short and session.exitstatus == 0:
        print(f"\nfuzz: fewer than {need} inputs for {', '.join(short)}; raise FUZZ_K8S_EXAMPLES/FUZZ_MESOS_EXAMPLES")
        session.exitstatus = 1
