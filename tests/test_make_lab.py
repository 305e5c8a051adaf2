"""`make lab` serves JupyterLab on 127.0.0.1 only, with a token, opened at the welcome lesson."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except urllib.error.URLError:  # not listening yet
        return None


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_prints_a_token_url_on_loopback_and_serves_the_welcome_lesson():
    port = _free_port()
    proc = subprocess.Popen(["make", "-s", "lab", f"PORT={port}"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={**os.environ, "JUPYTER_TOKEN": ""})
    try:
        url, lines, deadline = None, [], time.monotonic() + 120
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(rf"http://127\.0\.0\.1:{port}/lab/tree/notebooks/00_welcome\.ipynb\?token=([0-9a-f]{{32}})", line)
            if m:
                url, token = m.group(0), m.group(1)
        assert url, "make lab printed no URL:\n" + "".join(lines)
        status = None
        while time.monotonic() < deadline:
            status = _get(f"http://127.0.0.1:{port}/api/status?token={token}")
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200
        assert _get(f"http://127.0.0.1:{port}/api/contents/notebooks/00_welcome.ipynb?token={token}") == 200
        assert _get(f"http://127.0.0.1:{port}/api/status") == 403, "the server must require the token"
        import psutil

        listening = {c.laddr.ip for c in psutil.net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port}
        assert listening == {"127.0.0.1"}, listening
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
