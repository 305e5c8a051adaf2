"""`make test` leaves the learner's JupyterLab alone: the browser test's server keeps its own settings and workspaces.

The learner's directories are stood in for by temporary ones set in the environment (as a learner's own
``JUPYTERLAB_WORKSPACES_DIR``/``JUPYTERLAB_SETTINGS_DIR`` would be); the test's server saves a workspace and a
setting through JupyterLab's REST API, exactly as the browser does when it opens a lesson, and the learner's
directories must stay untouched.
"""
import json
import urllib.request

from tests.browser.lab import LabServer


def _snapshot(folder):
    return sorted((p.relative_to(folder).as_posix(), p.read_bytes()) for p in folder.rglob("*") if p.is_file())


def _put(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="PUT",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status


def test_the_browser_tests_lab_writes_nothing_into_the_learners_lab_dirs(tmp_path, monkeypatch):
    user_ws, user_settings = tmp_path / "user-workspaces", tmp_path / "user-settings"
    for d in (user_ws, user_settings):
        d.mkdir()
    (user_ws / "default-37a8.jupyterlab-workspace").write_text('{"data": {}, "metadata": {"id": "default"}}')
    monkeypatch.setenv("JUPYTERLAB_WORKSPACES_DIR", str(user_ws))
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(user_settings))
    before = (_snapshot(user_ws), _snapshot(user_settings))
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    with LabServer(notebooks, tmp_path / "lab.log") as server:
        base, token = server.base_url, server.token
        assert _put(f"{base}/lab/api/workspaces/default?token={token}",
                    {"data": {"layout-restorer:data": {"main": {"dock": {}}}}, "metadata": {"id": "default"}}) == 204
        assert _put(f"{base}/lab/api/settings/@jupyterlab/notebook-extension:tracker?token={token}",
                    {"raw": '{"windowingMode": "none", "kernelShutdown": true}'}) == 204
        own = list((server.tmp / "workspaces").glob("*.jupyterlab-workspace"))
        assert own, "the test server should save its workspace in its own temporary directory"
    assert (_snapshot(user_ws), _snapshot(user_settings)) == before
