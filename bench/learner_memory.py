"""Per-learner memory and CPU: a JupyterLab server plus a kernel running every lesson, as one learner would.

What it measures (the figures behind deploy/jupyterhub/values.yaml's guarantees and limits):

* the JupyterLab server's resident memory (RSS) once it has started and served the lab page;
* for each lesson: the peak RSS of the kernel that executes it top to bottom (sampled every 20 ms),
  and the CPU seconds that kernel used;
* the per-learner peak: server + the largest kernel + a second, idle kernel (a learner with a lesson
  and its exercise notebook open).

Run it (about a minute and a half on a 2-core machine)::

    .venv/bin/python bench/learner_memory.py
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def server_rss() -> int:
    """Start JupyterLab on a free loopback port, load /lab once, return its RSS; stop it."""
    port, token = _free_port(), "bench"
    env = {**os.environ, "JUPYTERLAB_WORKSPACES_DIR": str(ROOT / "test-artifacts" / "bench-workspaces")}
    cmd = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", "--allow-root"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1.0)
        return _tree_rss(psutil.Process(proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def run_lesson(path: Path) -> tuple[int, float]:
    """Execute one notebook in a fresh kernel; return (peak kernel RSS, kernel CPU seconds)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    peak, cpu, stop = [0], [0.0], threading.Event()

    def sample(proc: psutil.Process) -> None:
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], proc.memory_info().rss)
                times = proc.cpu_times()
                cpu[0] = times.user + times.system
            except psutil.Error:
                return
            time.sleep(0.02)

    with client.setup_kernel():
        kernel = psutil.Process(client.km.provisioner.process.pid)
        watcher = threading.Thread(target=sample, args=(kernel,), daemon=True)
        watcher.start()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        stop.set()
        watcher.join()
    return peak[0], cpu[0]


def main() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ["LABSUPPORT_PROGRESS"] = "off"
    server = server_rss()
    print(f"JupyterLab server after loading /lab: {server / MIB:.0f} MiB RSS")
    print(f"{'notebook':42} {'peak kernel RSS':>16} {'kernel CPU s':>13}")
    peaks = []
    for folder in ("notebooks", "solutions"):
        for path in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb")):
            rss, cpu = run_lesson(path)
            peaks.append(rss)
            print(f"{folder + '/' + path.name:42} {rss / MIB:13.0f} MiB {cpu:13.1f}")
    idle_kernel = min(peaks)
    learner = server + max(peaks) + idle_kernel
    print(f"per-learner peak (server + largest kernel + a second kernel at {idle_kernel / MIB:.0f} MiB): "
          f"{learner / MIB:.0f} MiB")


if __name__ == "__main__":
    main()
