"""Drive a real JupyterLab in headless Chromium: a throw-away server and the page actions the browser test needs.

:class:`LabServer` starts ``jupyter lab`` from the project's environment (``sys.executable``)
on 127.0.0.1 with a free port and a random token, serving a *temporary copy* of the
notebooks (the repository's files and outputs are never touched), with its own
settings, workspace and runtime directories, and stops it by its PID.

:class:`NotebookPage` opens one notebook in a Playwright page and runs it through the UI
(Run menu -> Run All), then reads what a learner would see: errors, unrendered widgets,
figures. Selectors are JupyterLab 4's (checked with 4.6).

Playwright is imported lazily, so importing this module (e.g. for doctest collection)
costs nothing.

>>> free_port() > 1024
True
>>> looks_like_error("Traceback (most recent call last):\\n  ...\\nValueError: bad"), looks_like_error("UserWarning: x")
(True, False)
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LabServer",
    "NotebookPage",
    "free_port",
    "looks_like_error",
    "BrowserTestError",
]

CHROMIUM = Path("/usr/bin/chromium")
#: Flags known to work on these machines (root, no GPU, no network chatter); see shared/notes/tooling.md.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

#: User settings written into the temporary settings dir: no news/update pop-up, every cell in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"checkForUpdates": False, "fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

_ERROR_RE = re.compile(r"Traceback \(most recent call last\)|^\s*\w*(Error|Exception)\b", re.MULTILINE)


class BrowserTestError(AssertionError):
    """Something the browser test waited for did not happen; the message says what and where."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def looks_like_error(text: str) -> bool:
    """True for a traceback or an ``XxxError:`` line; warnings on stderr are not errors."""
    return bool(_ERROR_RE.search(text))


class LabServer:
    """``jupyter lab`` serving a temporary copy of ``notebooks_dir``; use as a context manager."""

    def __init__(self, notebooks_dir: Path, log_path: Path, startup_timeout: float = 90.0) -> None:
        self.notebooks_dir = Path(notebooks_dir)
        self.log_path = Path(log_path)
        self.startup_timeout = startup_timeout
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="lab-browser-test-"))
        self.root = self.tmp / "root"
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        """Lab URL that opens ``notebooks/<notebook>`` in a fresh workspace of its own (no other tabs restored)."""
        workspace = Path(notebook).stem
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/notebooks/{notebook}?token={self.token}"

    def __enter__(self) -> LabServer:
        shutil.copytree(self.notebooks_dir, self.root / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        settings = self.tmp / "settings"
        for rel, value in LAB_SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        env = dict(os.environ)
        env.update({
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.tmp / "workspaces"),
            "JUPYTER_CONFIG_DIR": str(self.tmp / "config"),
            "JUPYTER_RUNTIME_DIR": str(self.tmp / "runtime"),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        })
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--ServerApp.open_browser=False", "--ServerApp.port_retries=0", "--LabApp.news_url=", ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=self.root,
                                     start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        url = f"{self.base_url}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrowserTestError(f"jupyter lab exited with code {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise BrowserTestError(f"jupyter lab did not answer on {self.base_url} within {self.startup_timeout:.0f} s; "
                               f"see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # the server and its kernels share a session: stop them by that group id, the server's PID
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class NotebookPage:
    """One notebook open in JupyterLab in a Playwright ``page``."""

    def __init__(self, page, name: str) -> None:
        self.page = page
        self.name = name

    def wait_for(self, selector: str, what: str, timeout: float) -> None:
        try:
            self.page.wait_for_selector(selector, timeout=timeout * 1000)
        except Exception as e:   # playwright's TimeoutError
            raise BrowserTestError(f"{self.name}: {what} did not happen within {timeout:.0f} s ({selector})") from e

    def open(self, url: str, timeout: float = 60.0) -> None:
        self.page.goto(url, timeout=timeout * 1000)
        self.wait_for(".jp-Notebook .jp-Cell", "the notebook did not open", timeout)
        panels = self.page.locator(".jp-NotebookPanel").count()
        if panels != 1:
            raise BrowserTestError(f"{self.name}: expected one open notebook, found {panels} (workspace state leaked?)")
        self.wait_for(".jp-Notebook-ExecutionIndicator[data-status='idle']", "the kernel becoming idle", timeout)
        self.dismiss_kernel_dialog()

    def dismiss_kernel_dialog(self, wait: float = 2.0) -> None:
        """Accept JupyterLab's "Select Kernel" dialog (shown for a notebook whose kernelspec it cannot
        match at once); any other modal dialog is a failure, reported with its text."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            dialog = self.page.locator(".jp-Dialog")
            if dialog.count():
                text = dialog.first.inner_text()
                if "Select Kernel" in text:
                    dialog.first.locator(".jp-Dialog-button.jp-mod-accept").click()
                    self.page.wait_for_selector(".jp-Dialog", state="detached", timeout=10_000)
                    return
                raise BrowserTestError(f"{self.name}: an unexpected dialog is open: {text[:300]!r}")
            time.sleep(0.2)

    def run_all(self, timeout: float = 120.0, settle: float = 3.0) -> list[str]:
        """Run menu -> Run All; wait until the kernel is idle with no cell running ('[*]').

        Returns the prompts of cells that never ran ('[ ]'): after an error JupyterLab stops
        the queue (the kernel's stop_on_error), so the caller reports the error first. Waiting
        ends early once nothing is running for ``settle`` seconds.
        """
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        self.page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
        deadline = time.monotonic() + timeout
        quiet_since = None
        prompts: list[str] = []
        while time.monotonic() < deadline:
            prompts = self.page.eval_on_selector_all(
                ".jp-Notebook .jp-CodeCell .jp-InputArea-prompt", "els => els.map(e => e.textContent.trim())")
            idle = self.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count() > 0
            ran = [bool(re.fullmatch(r"\[\d+\]:", p)) for p in prompts]
            if prompts and all(ran) and idle:
                return []
            if self.page.locator(".jp-Dialog").count():
                raise BrowserTestError(f"{self.name}: a dialog blocks Run All: "
                                       f"{self.page.locator('.jp-Dialog').first.inner_text()[:300]!r}")
            if idle and any(ran) and "[*]:" not in prompts:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= settle:
                    return [p for p, r in zip(prompts, ran, strict=True) if not r]
            else:
                quiet_since = None
            time.sleep(0.25)
        raise BrowserTestError(f"{self.name}: Run All did not finish within {timeout:.0f} s "
                               f"(prompts: {prompts}; a '[*]' cell is still running, '[ ]' never ran)")

    def cell_outputs_with_errors(self, allowed: set[int]) -> list[tuple[int, str]]:
        """``(cell index, first lines)`` of every cell showing an error, except cells in ``allowed``."""
        found = self.page.eval_on_selector_all(".jp-Notebook .jp-Cell", """cells => cells.map((c, i) => {
            const outs = [...c.querySelectorAll(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")];
            const widgetErr = [...c.querySelectorAll('.jupyter-widgets')].filter(w => /Error displaying widget/.test(w.textContent));
            return [i, outs.map(o => o.textContent).join('\\n') + widgetErr.map(w => w.textContent).join('\\n')];
        })""")
        return [(i, text.strip()[:600]) for i, text in found
                if i not in allowed and (looks_like_error(text) or "Error displaying widget" in text)]

    def loading_widgets(self) -> int:
        """How many 'Loading widget...' placeholders are left (widgets that never rendered)."""
        return self.page.locator(".jp-Notebook").get_by_text("Loading widget...").count()

    def sliders(self) -> list[tuple[Any, int]]:
        """``(cell, n)`` for every rendered slider: the ``n``-th slider in the outputs of ``cell``."""
        cells = self.page.locator(".jp-Notebook .jp-Cell").filter(has=self.page.locator(".jp-OutputArea-output .widget-slider"))
        out = []
        for i in range(cells.count()):
            cell = cells.nth(i)
            out += [(cell, n) for n in range(cell.locator(".jp-OutputArea-output .widget-slider").count())]
        return out

    @staticmethod
    def figure_srcs(cell) -> list[str]:
        return cell.locator(".jp-OutputArea-output img").evaluate_all("els => els.map(e => e.getAttribute('src'))")

    def move_slider(self, cell, n: int = 0, timeout: float = 30.0) -> None:
        """Drag the ``n``-th slider handle of ``cell`` a third of the way; fail unless one of the cell's figures changes."""
        before = self.figure_srcs(cell)
        if not before:
            raise BrowserTestError(f"{self.name}: the slider's cell shows no figure (no <img> in its outputs)")
        handle = cell.locator(".widget-slider .noUi-handle").nth(n)
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        track = cell.locator(".widget-slider .noUi-target").nth(n).bounding_box()
        if box is None or track is None:
            raise BrowserTestError(f"{self.name}: the slider handle is not visible")
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        # move towards the far side of the track, a third of its length
        target = x + track["width"] / 3 if x < track["x"] + track["width"] / 2 else x - track["width"] / 3
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(target, y, steps=8)
        self.page.mouse.up()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            after = self.figure_srcs(cell)
            if after and after != before:
                return
            time.sleep(0.2)
        raise BrowserTestError(f"{self.name}: moving the slider did not change the figure within {timeout:.0f} s")
