"""Every lesson runs clean in a real JupyterLab, widgets render, and a slider really redraws its figure.

nbval proves the kernel side; this test proves what a learner sees: JupyterLab (from this
environment) in headless Chromium, each lesson notebook opened and run through the Run
menu, then checked for error outputs, for "Loading widget..." placeholders that never
turned into widgets, and -- where the notebook has a slider -- that dragging it changes
the figure next to it. Screenshots go to ``test-artifacts/browser/`` (git-ignored).

The server serves a temporary copy of ``notebooks/`` (the repository's notebooks and
their outputs are never modified) and is killed in teardown.

Enable: ``apt-get install chromium`` (Debian; ``.ci/run`` does it) -- the test skips
without ``/usr/bin/chromium``. Run alone: ``.venv/bin/pytest -m browser tests/test_browser.py``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from browser.lab import CHROMIUM, CHROMIUM_ARGS, BrowserTestError, LabServer, NotebookPage

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
# BROWSER_TEST_NOTEBOOKS points the test at another folder (for developing the test itself)
NOTEBOOKS = Path(os.environ.get("BROWSER_TEST_NOTEBOOKS", ROOT / "notebooks"))
ARTIFACTS = ROOT / "test-artifacts" / "browser"
LESSONS = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def _cells(name: str) -> list[dict]:
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]


def _allowed_error_cells(name: str) -> set[int]:
    """Cells tagged ``raises-exception`` may show an error (as under nbval)."""
    return {i for i, c in enumerate(_cells(name)) if "raises-exception" in c.get("metadata", {}).get("tags", [])}


def _has_slider(name: str) -> bool:
    """Does the notebook create a slider? (Read from its source, so a slider that fails to render is caught.)"""
    src = "\n".join("".join(c["source"]) for c in _cells(name) if c["cell_type"] == "code")
    return "Slider" in src or "labsupport.widgets" in src or "from labsupport import widgets" in src


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
                    "(as root; .ci/run does this) to run the real-browser test")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -r requirements.txt)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):      # screenshots of an earlier run would mislead
        old.unlink()
    with LabServer(NOTEBOOKS, ARTIFACTS / "jupyterlab.log") as server, sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield server, chromium
        finally:
            chromium.close()


@pytest.mark.parametrize("name", LESSONS, ids=[f"{n} runs clean in JupyterLab" for n in LESSONS])
def test_lesson_runs_in_a_real_browser(browser, name):
    server, chromium = browser
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    stem = Path(name).stem
    nb = NotebookPage(page, name)
    try:
        nb.open(server.url(name))
        never_ran = nb.run_all(timeout=120)
        page.screenshot(path=str(ARTIFACTS / f"{stem}-after-run-all.png"))
        errors = nb.cell_outputs_with_errors(allowed=_allowed_error_cells(name))
        assert not errors, f"{name}: cells show errors:\n" + "\n\n".join(f"cell {i}:\n{t}" for i, t in errors)
        assert not never_ran, f"{name}: {len(never_ran)} code cell(s) never ran, and no error is shown"
        page.wait_for_timeout(300)   # let widget views finish mounting
        assert nb.loading_widgets() == 0, f"{name}: {nb.loading_widgets()} widget(s) still say 'Loading widget...'"
        if _has_slider(name):
            sliders = nb.sliders()
            assert sliders, f"{name}: its code creates a slider but none rendered in the page"
            misses = []
            for cell, n in sliders:      # the first slider that redraws a figure proves the round trip
                try:
                    nb.move_slider(cell, n, timeout=15)
                except BrowserTestError as e:
                    misses.append(str(e))
                    continue
                cell.screenshot(path=str(ARTIFACTS / f"{stem}-after-slider.png"))
                break
            else:
                pytest.fail(f"{name}: no slider changed a figure:\n" + "\n".join(misses))
            errors = nb.cell_outputs_with_errors(allowed=_allowed_error_cells(name))
            assert not errors, f"{name}: moving the slider caused errors:\n" + "\n\n".join(t for _, t in errors)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{stem}-FAILED.png"))
        raise
    finally:
        context.close()   # nothing is saved: the server serves a temporary copy anyway
