"""Task sandboxes: the ``stdout`` and ``stderr`` files the agent keeps in each task's work directory.

In Mesos the executor's and the task's output go to two files in the sandbox
(``/var/lib/mesos/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/latest/{stdout,stderr}``),
read through the agent's ``/files/read`` endpoint or the web UI; nothing collects them centrally.
For a command task the command executor (src/launcher/executor.cpp, 1.11.0) logs with glog to
``stderr``: ``Received SUBSCRIBED event`` (line 190), ``Subscribed executor on <host>`` (194),
``Received LAUNCH event``, ``Starting task <id>`` (722), ``Forked command at <pid>`` (740), and when the
command ends ``Command exited with status <n> (pid: <pid>)`` (1041). The command's own output goes
to ``stdout`` (``echo`` lines, as in :mod:`labsupport.core.shell`) or ``stderr`` (``>&2``,
a failing ``${NAME:?message}``).

:func:`command_task` builds a :class:`~labsupport.mesos.tasks.Task` whose run time and exit code are read
from its shell command, the same way the kubelet reads a container's (so both simulators crash alike).

>>> t = command_task("orders-1", "cpus:0.5;mem:128", 'echo starting; sleep 2; : "${DATABASE_URL:?must be set}"; exec orders')
>>> t.duration, t.exit_code
(2.0, 1)
"""
from __future__ import annotations

from datetime import UTC, datetime

from labsupport.core import LabError
from labsupport.core.shell import request_lines, script_behaviour, script_lines
from labsupport.core.sim import SIM_EPOCH
from labsupport.mesos.tasks import Task, TaskInfo, TaskState

__all__ = ["command_task", "sandbox_files", "glog_prefix"]


def command_task(task_id: str, resources, command: str, env: dict[str, str] | None = None) -> Task:
    """A command task whose ``duration``/``exit_code`` follow its shell ``command`` and ``env``."""
    if not isinstance(command, str) or not command.strip():
        raise LabError(f"command: must be a non-empty shell command, got {command!r}")
    b = script_behaviour(command, {k for k, v in (env or {}).items() if v})
    prefix = " ".join(f"{k}={v}" for k, v in sorted((env or {}).items()))
    return Task(task_id, resources, command=f"{prefix} {command}".strip() if prefix else command,
                duration=b.runs_for, exit_code=b.exit_code, task_id=task_id)


def glog_prefix(t: float, line: int, pid: int = 1) -> str:
    """``I1205 00:01:02.000000  1234 executor.cpp:722]``: glog's INFO prefix at simulated time ``t``."""
    d = datetime.fromtimestamp(SIM_EPOCH + t, UTC)
    return f"I{d:%m%d %H:%M:%S}.{d.microsecond:06d} {pid:>6} executor.cpp:{line}]"


def _split_env(command: str) -> tuple[set[str], str]:
    env, words = set(), command.split(" ")
    while words and "=" in words[0] and not words[0].startswith(("'", '"')) and words[0].split("=", 1)[0].isidentifier():
        name, value = words.pop(0).split("=", 1)
        if value:
            env.add(name)
    return env, " ".join(words)


def sandbox_files(task: TaskInfo, now: float, pid: int, usage: list | None = None) -> dict[str, list[tuple[float, str]]]:
    """``{"stdout": [(t, line)], "stderr": [(t, line)]}`` of one task's sandbox at ``now``.

    ``usage`` (``[(t, demand, usage)]`` in millicores) adds a server's request lines, as in the Kubernetes logs.
    """
    running = next((t for t, s in task.history if s == TaskState.TASK_RUNNING), None)
    ended = next((t for t, s in task.history if s.is_terminal), None)
    launched = task.launched_at
    err: list[tuple[float, str]] = [(launched, f"{glog_prefix(launched, 190, pid)} Received SUBSCRIBED event"),
                                    (launched, f"{glog_prefix(launched, 194, pid)} Subscribed executor on {task.agent}"),
                                    (launched, f"{glog_prefix(launched, 190, pid)} Received LAUNCH event")]
    out: list[tuple[float, str]] = []
    if running is None:
        return {"stdout": out, "stderr": err}
    err.append((running, f"{glog_prefix(running, 722, pid)} Starting task {task.task_id}"))
    err.append((running, f"{glog_prefix(running, 740, pid)} Forked command at {pid + 1}"))
    end = now if ended is None else ended
    if task.command:
        env, script = _split_env(task.command)
        for t, stream, text in script_lines(script, running, end, env):
            (err if stream == "stderr" else out).append((t, text))
        if task.duration is None and "sleep infinity" not in script:   # a server program
            out += [(t, text) for t, _, text in request_lines(running, end, usage)]
    if ended is not None:
        state = next(s for t, s in task.history if s.is_terminal)
        if state in (TaskState.TASK_FINISHED, TaskState.TASK_FAILED):
            err.append((ended, f"{glog_prefix(ended, 1041, pid)} Command exited with status {task.exit_code} (pid: {pid + 1})"))
    out.sort(key=lambda r: r[0])
    err.sort(key=lambda r: r[0])
    return {"stdout": out, "stderr": err}
