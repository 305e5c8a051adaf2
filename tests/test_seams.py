"""The seams between labsupport's modules stay typed and public (issue 20, part 4)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import labsupport
from labsupport.core import priorities

ROOT = Path(labsupport.__file__).parent
MODULES = sorted(p for p in ROOT.rglob("*.py"))

#: private names still imported across modules, each with why; remove an entry when its import goes.
PRIVATE_IMPORTS_PENDING = {
    # owned by other branches in this wave (k8s deployment util, validation tables, checks rendering)
    ("labsupport/k8s/cluster.py", "_bounds"), ("labsupport/k8s/cluster.py", "_DNS1123_SUBDOMAIN"),
    ("labsupport/quiz.py", "_inline_html"),
}


def _private_imports():
    found = set()
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("labsupport"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__") and alias.name != "____":
                        found.add((str(path.relative_to(ROOT.parent)), alias.name))
    return found


def test_no_new_private_names_are_imported_across_modules():
    found = _private_imports()
    assert found - PRIVATE_IMPORTS_PENDING == set(), "import a public name instead (or make the name public)"
    assert PRIVATE_IMPORTS_PENDING - found == set(), "an import went away: drop it from PRIVATE_IMPORTS_PENDING"


def _priority_arguments():
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "priority" and isinstance(node.func, ast.Attribute) and node.func.attr.startswith("schedule"):
                        yield str(path.relative_to(ROOT.parent)), kw.value


def test_event_priorities_are_named_constants_of_the_one_tie_break_table():
    args = list(_priority_arguments())
    assert args, "the simulators schedule prioritised events"
    for where, value in args:
        assert not isinstance(value, ast.Constant), f"{where}: use a name from labsupport.core.priorities, not {value.value!r}"
    assert sorted(priorities.TIE_BREAKS.values()) == [0, 1, 5, 9, 10, 10, 11, 11, 12]


@pytest.mark.parametrize("module", ["labsupport.mesos", "labsupport.k8s", "labsupport.core"],
                         ids=lambda m: f"import {m} loads no IPython, ipywidgets or matplotlib")
def test_importing_a_simulator_does_not_load_the_notebook_stack(module):
    code = (f"import sys, {module}; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'IPython', 'ipywidgets', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", ["master", "agent", "calls", "health", "failover", "messages", "events", "cluster", "scheduler"],
                         ids=lambda n: f"mesos/{n}.py is at most 400 lines")
def test_the_mesos_master_and_agent_modules_stay_small(name):
    assert len((ROOT / "mesos" / f"{name}.py").read_text().splitlines()) <= 400


@pytest.mark.parametrize("term", ["k8s.Scheduler", "mesos.Scheduler", "k8s.scheduler.framework.Framework",
                                  "mesos.master.Framework", "a Mesos framework", "EventRecord"],
                         ids=lambda t: f"the package glossary explains {t}")
def test_the_package_glossary_names_the_homonyms(term):
    assert term in labsupport.__doc__


def test_scheduler_callbacks_are_delivered_by_one_function():
    """Every call into a framework's scheduler goes through messages.deliver (a time limit wraps one place)."""
    callbacks = {"registered", "reregistered", "disconnected", "resource_offers", "offer_rescinded", "status_update"}
    for path in sorted((ROOT / "mesos").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in callbacks:
                receiver = node.func.value
                if not ("scheduler" in getattr(receiver, "id", "") or "scheduler" in getattr(receiver, "attr", "")):
                    continue   # e.g. Master.status_update: the agent's update to the master, not a callback
                assert path.name == "messages.py", f"{path.name} calls scheduler.{node.func.attr} directly"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
                assert path.name != "master.py", "no getattr-by-name callbacks in the master"


def _imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("side, other", [("k8s", "mesos"), ("mesos", "k8s"), ("core", "k8s"), ("core", "mesos")],
                         ids=["the Kubernetes simulator does not import the Mesos one",
                              "the Mesos simulator does not import the Kubernetes one",
                              "core imports neither simulator (k8s)", "core imports neither simulator (mesos)"])
def test_the_simulators_share_only_core(side, other):
    crossing = sorted(str(p.relative_to(ROOT.parent)) for p in (ROOT / side).rglob("*.py")
                      if any(m == f"labsupport.{other}" or m.startswith(f"labsupport.{other}.") for m in _imports_of(p)))
    assert crossing == [], f"move what both need into labsupport.core: {crossing}"
