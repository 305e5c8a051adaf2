"""What a throw-away shell script does in both simulators: how long it runs, its exit code, what it prints.

Learners give containers (Kubernetes) and command tasks (Mesos) short ``sh -c`` scripts. Neither
simulator runs them; both read them the same way here, so a crash looks alike on both sides
(:func:`labsupport.k8s.kubelet.container_behaviour`, :func:`labsupport.mesos.sandbox.command_task`):

* ``sleep N`` advances the script's clock; ``sleep infinity`` runs forever;
* ``exit N`` ends it with code N (``exit`` alone: 0); ``true``/``false`` end it with 0/1;
* ``: "${NAME:?message}"`` ends it with code 1 (and ``sh: NAME: message`` on stderr) when the
  environment has no non-empty ``NAME`` (simplified: bash exits 1, dash 2);
* ``echo ...`` prints a line (``>&2``: on stderr) at the script's clock;
* ``trap '' TERM`` ignores SIGTERM;
* any other statement is a real program the simulator does not read: a server that runs until
  stopped (or ``default_seconds``).

A server also writes one request summary every :data:`REQUEST_LOG_SECONDS`, computed from its CPU
use (:func:`request_lines`; a queueing picture, chosen).

>>> script_behaviour("echo start; sleep 5; exit 1", env=set())
Behaviour(runs_for=5.0, exit_code=1, ignores_sigterm=False)
>>> [text for _, _, text in script_lines('echo start; sleep 2; echo "fatal: no config" >&2; exit 1', 0.0, 10.0)]
['start', 'fatal: no config']
"""
from __future__ import annotations

import re
import shlex
from typing import NamedTuple

__all__ = ["BASE_LATENCY_MS", "Behaviour", "CPU_SECONDS_PER_REQUEST", "LogLine", "REQUEST_LOG_SECONDS",
           "REQUIRED_VAR", "request_lines", "script_behaviour", "script_lines"]

REQUEST_LOG_SECONDS = 10.0
CPU_SECONDS_PER_REQUEST = 0.002   # (chosen) 2 ms of CPU per request
BASE_LATENCY_MS = 20.0            # (chosen) mean latency when not throttled

#: ``: "${NAME:?message}"``: the shell stops when NAME is unset or empty
REQUIRED_VAR = re.compile(r"""^:\s+["']?\$\{([A-Za-z_][A-Za-z0-9_]*):\?([^}]*)\}["']?$""")
_SLEEP = re.compile(r"^sleep\s+(\d+(?:\.\d+)?|infinity)$")
_EXIT = re.compile(r"^exit(?:\s+(\d+))?$")

LogLine = tuple[float, str, str]   # (simulated time, "stdout" | "stderr", text)


class Behaviour(NamedTuple):
    """What a simulated process does: run ``runs_for`` seconds (None = forever), then exit."""

    runs_for: float | None
    exit_code: int
    ignores_sigterm: bool


def _statements(script: str) -> list[str]:
    return [s.strip() for s in re.split(r";|&&|\n", script)]


def script_behaviour(script: str, env: set[str], default_seconds: float | None = None) -> Behaviour:
    """How long ``script`` runs and how it exits, given the names of the non-empty environment variables."""
    ignores = bool(re.search(r"trap\s+(''|\"\")\s+(SIG)?TERM", script))
    elapsed = 0.0
    for stmt in _statements(script):
        if not stmt or stmt.startswith("#") or stmt.startswith("echo ") or stmt == "echo" or stmt.startswith("trap "):
            continue
        m = _SLEEP.match(stmt)
        if m:
            if m.group(1) == "infinity":
                return Behaviour(None, 0, ignores)
            elapsed += float(m.group(1))
            continue
        m = _EXIT.match(stmt)
        if m:
            return Behaviour(elapsed, int(m.group(1) or 0), ignores)
        if stmt == "true":
            return Behaviour(elapsed, 0, ignores)
        if stmt == "false":
            return Behaviour(elapsed, 1, ignores)
        m = REQUIRED_VAR.match(stmt)
        if m:
            if m.group(1) not in env:
                return Behaviour(elapsed, 1, ignores)
            continue
        return Behaviour(default_seconds, 0, ignores)  # a real program: treat as a server
    return Behaviour(elapsed, 0, ignores)


def script_lines(script: str, start: float, end: float, env: set[str] | None = None) -> list[LogLine]:
    """The lines a ``sh -c`` script prints between ``start`` and ``end`` (simulated seconds)."""
    t = start
    out: list[LogLine] = []
    for stmt in _statements(script):
        if t > end:
            break
        if stmt.startswith("echo"):
            stream = "stderr" if re.search(r"\s*1?>&2\s*$", stmt) else "stdout"
            text = re.sub(r"\s*1?>&2\s*$", "", stmt)[4:].strip()
            try:
                text = " ".join(shlex.split(text))
            except ValueError:
                pass
            out.append((t, stream, text))
            continue
        m = _SLEEP.match(stmt)
        if m:
            if m.group(1) == "infinity":
                break
            t += float(m.group(1))
            continue
        m = REQUIRED_VAR.match(stmt)
        if m and m.group(1) not in (env or set()):
            out.append((t, "stderr", f"sh: {m.group(1)}: {m.group(2) or 'parameter not set or null'}"))
            break
    return [line for line in out if line[0] <= end]


def request_lines(start: float, end: float, history: list[tuple[float, float, float]] | None) -> list[LogLine]:
    """A server's request summary lines from accounting samples ``(t, demand, usage)`` (usage in millicores).

    >>> request_lines(0, 20, [(10.0, 300.0, 200.0)])
    [(10.0, 'stdout', 'served 1000 requests in the last 10s, mean latency 30 ms')]
    """
    out: list[LogLine] = []
    for t, demand, usage in history or ():
        if t <= start or t > end:
            continue
        requests = int(usage / 1000.0 * REQUEST_LOG_SECONDS / CPU_SECONDS_PER_REQUEST)
        latency = BASE_LATENCY_MS * (demand / usage if usage and demand > usage else 1.0)
        if requests:
            out.append((t, "stdout", f"served {requests} requests in the last {REQUEST_LOG_SECONDS:g}s, mean latency {latency:.0f} ms"))
    return out
