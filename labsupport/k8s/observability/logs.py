"""Container logs: what each simulated container writes to stdout/stderr, as ``kubectl logs`` shows it.

The kubelet keeps the log of a container's current run and of the run before it (the
``--previous`` one); both are rebuilt here from the Pod's status (``state``/``lastState`` with
``startedAt``/``finishedAt``/``exitCode``) and the container's behaviour:

* a shell script (``sh -c "..."``) prints its ``echo`` lines at the simulated time the script
  reaches them (``sleep`` advances it; ``>&2`` sends a line to stderr); a failing
  ``: "${NAME:?message}"`` prints ``sh: NAME: message`` on stderr and ends the run
  (see :func:`labsupport.k8s.kubelet.container_behaviour`);
* a server (no command, or a program the simulator does not read) prints a start-up line, then
  one line every :data:`REQUEST_LOG_SECONDS` with the requests it served and their mean latency,
  computed from its CPU share (:data:`CPU_SECONDS_PER_REQUEST` of CPU per request) and slowed down
  by the ratio demand / usage when its CPU limit throttles it (a queueing picture, chosen).
  Request lines need the cAdvisor accounting, i.e. observability switched on.

``kubectl logs`` errors reproduced: an unknown Pod or container, a container still waiting to start,
and ``--previous`` without an earlier run (``previous terminated container "x" in pod "y" not found``).

>>> [line for _, _, line in script_lines('echo start; sleep 2; echo "fatal: no config" >&2; exit 1', 0.0, 10.0)]
['start', 'fatal: no config']
"""
from __future__ import annotations

from datetime import UTC, datetime

from labsupport.core import LabError
from labsupport.core.shell import (
    BASE_LATENCY_MS,
    CPU_SECONDS_PER_REQUEST,
    REQUEST_LOG_SECONDS,
    LogLine,
    request_lines,
    script_lines,
)
from labsupport.core.sim import SIM_EPOCH
from labsupport.k8s.kubelet import container_behaviour, container_script, env_names

__all__ = ["LogLine", "container_log", "request_lines", "RunTracker", "script_lines", "rfc3339", "REQUEST_LOG_SECONDS", "CPU_SECONDS_PER_REQUEST", "BASE_LATENCY_MS"]

def rfc3339(t: float) -> str:
    """Simulated seconds as the RFC 3339 timestamp ``kubectl logs --timestamps`` prints.

    >>> rfc3339(61.5)
    '2026-01-01T00:01:01.500000000Z'
    """
    d = datetime.fromtimestamp(SIM_EPOCH + t, UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(round((SIM_EPOCH + t) % 1 * 1e9)):09d}Z"


def _server_lines(container: dict, start: float, end: float, history: list[tuple[float, float, float]] | None) -> list[LogLine]:
    image = container.get("image", "")
    out: list[LogLine] = [(start, "stdout", f"{container.get('name')}: starting {image}"),
                          (start, "stdout", f"{container.get('name')}: listening on :8080")]
    return out + request_lines(start, end, history)


def _run_lines(container: dict, start: float, end: float, history) -> list[LogLine]:
    script = container_script(container)
    if script is None:
        return _server_lines(container, start, end, history)
    lines = script_lines(script, start, end, env_names(container))
    if container_behaviour(container).runs_for is None and "sleep infinity" not in script:
        lines += _server_lines(container, start, end, history)   # the script ends by starting a server
    return lines


class RunTracker:
    """Remembers each container run (start, end, restart count) from the Pod watch, as the kubelet keeps dead containers.

    The Pod status only carries the current state (and not the run that just ended while the container
    waits in CrashLoopBackOff), so runs are recorded as the status changes: a new ``running.startedAt``
    opens a run, leaving ``running`` closes it.
    """

    def __init__(self, store) -> None:
        self.runs: dict[tuple[str, str, str, str], list[list]] = {}
        store.watch("Pod", self._on_pod, owner="observability")

    def _on_pod(self, ev) -> None:
        pod = ev.object
        m = pod["metadata"]
        statuses = (pod.get("status") or {}).get("containerStatuses") or ()
        for cs in statuses:
            runs = self.runs.setdefault((m["namespace"], m["name"], m["uid"], cs["name"]), [])
            state = cs.get("state") or {}
            if "running" in state and not ev.type == "DELETED":
                started = state["running"]["startedAt"]
                if not runs or runs[-1][0] != started:
                    if runs and runs[-1][1] is None:
                        runs[-1][1] = started
                    runs.append([started, None, cs.get("restartCount", 0)])
            elif runs and runs[-1][1] is None:
                done = state.get("terminated") or {}
                runs[-1][1] = done.get("finishedAt", ev.time)

    def for_container(self, pod: dict, container: str) -> list[list]:
        m = pod["metadata"]
        return self.runs.get((m["namespace"], m["name"], m["uid"], container), [])


def container_log(pod: dict, container: str | None, previous: bool, now: float, runs: list[list] | None = None,
                  history_for=None) -> list[LogLine]:
    """The log of one container run of ``pod`` (the current one, or the previous one), oldest line first.

    ``runs`` are ``[start, end or None, restart count]`` from :class:`RunTracker`;
    ``history_for(container_name, restart_count)`` gives the accounting samples ``(t, demand, usage)``
    of that run, for the request lines of a server.
    """
    name = pod["metadata"]["name"]
    specs = {c["name"]: c for c in pod["spec"].get("containers") or ()}
    if container is None:
        container = next(iter(specs))
    if not isinstance(container, str) or container not in specs:
        raise LabError(f'container: container {container} is not valid for pod {name} (containers: {", ".join(specs)})')
    cs = next((c for c in (pod.get("status") or {}).get("containerStatuses") or () if c["name"] == container), None)
    state = (cs or {}).get("state") or {}
    runs = list(runs or ())
    if not runs and "running" in state:       # observability switched on after the container started
        runs = [[state["running"]["startedAt"], None, cs.get("restartCount", 0)]]
    if not runs:
        reason = (state.get("waiting") or {}).get("reason", "ContainerCreating")
        raise LabError(f'container: container "{container}" in pod "{name}" is waiting to start: {reason}')
    if previous:
        # running: the run before this one; waiting to restart: the run that just ended
        if "running" in state and len(runs) < 2 or "running" not in state and runs[-1][1] is None:
            raise LabError(f'previous: previous terminated container "{container}" in pod "{name}" not found')
        pick = runs[-2] if "running" in state else runs[-1]
    else:
        pick = runs[-1]
    start, end, index = pick
    return _run_lines(specs[container], start, now if end is None else end, history_for(container, index) if history_for else None)
