"""Repository-wide pytest configuration for `make test`.

* The nbval sanitize file is resolved from the repository root, wherever pytest is started.
* One run covers everything: notebooks/ and solutions/ are compared strictly (every stored output must match a
  fresh run), exercises/ laxly (they must run top to bottom; their outputs are not compared).
* A run that collects nothing, or that skips a notebook folder which has notebooks, fails instead of passing.
* Learner progress (labsupport.progress) is not recorded: checks answered by tests and notebooks never touch the
  learner's my-work/ (the notebook kernels nbval starts inherit the setting; progress tests pass their own paths).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
LAX_FOLDERS = ("exercises",)
NOTEBOOK_FOLDERS = ("notebooks", "solutions", "exercises")


def pytest_configure(config: pytest.Config) -> None:
    # checks answered by tests and notebooks must not count as the learner's own progress
    os.environ["LABSUPPORT_PROGRESS"] = "off"
    opt = config.option
    sanitize = getattr(opt, "nbval_sanitize_with", None)
    if sanitize and not Path(sanitize).is_absolute():
        opt.nbval_sanitize_with = str(Path(config.rootpath) / sanitize)


def pytest_collectstart(collector: pytest.Collector) -> None:
    """Make nbval lax (run, do not compare outputs) for generated exercise notebooks."""
    path = getattr(collector, "path", None)
    if path is not None and path.suffix == ".ipynb" and hasattr(collector, "compare_outputs"):
        if path.resolve().parent.name in LAX_FOLDERS:
            collector.compare_outputs = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """An untouched generated exercise must report "not attempted" for every check it runs, never a verdict."""
    result = yield
    outputs = getattr(item, "test_outputs", None)  # set by nbval after it ran a cell
    if outputs and Path(str(item.path)).parent.name in LAX_FOLDERS:
        from labsupport.checks import Verdict, verdicts_in_outputs

        bad = [line for verdict, line in verdicts_in_outputs(outputs) if verdict is not Verdict.NOT_ATTEMPTED]
        if bad:
            raise AssertionError("an untouched exercise must report 'not attempted', got:\n" + "\n".join(bad))
    return result


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.items:
        raise pytest.UsageError("no tests were collected: this run would prove nothing")
    opt = session.config.option
    if not (getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False)):
        return
    args = [Path(a).resolve() for a in session.config.args]
    seen = {Path(str(item.path)).resolve().parent for item in session.items if str(item.path).endswith(".ipynb")}
    for folder in NOTEBOOK_FOLDERS:
        path = ROOT / folder
        asked = any(a == path or path in a.parents or a in path.parents for a in args)
        if asked and any(path.glob("*.ipynb")) and path not in seen:
            raise pytest.UsageError(f"{folder}/ has notebooks but none was collected by nbval")
