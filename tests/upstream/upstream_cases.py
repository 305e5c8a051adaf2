"""Discover the ported upstream table tests (``tests/upstream/<system>/cases_*.py``) and run one case.

Shared by ``tests/upstream/test_upstream.py`` (pytest) and ``tools/fidelity.py`` (``make fidelity``).
The data format is described in ``tests/upstream/README.md``.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["ROOT", "SYSTEMS", "case_modules", "run_case", "check_module"]

ROOT = Path(__file__).resolve().parent
SYSTEMS = ("k8s", "mesos")
_REQUIRED_CASE = ("upstream_file", "upstream_test", "id")
_REQUIRED_NE = ("upstream_file", "upstream_test", "reason")


def _load(path: Path) -> ModuleType:
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = path.stem
    mod = sys.modules.get(name)
    if mod is not None and Path(getattr(mod, "__file__", "") or "").resolve() == path.resolve():
        return mod
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return mod


def case_modules() -> list[tuple[str, ModuleType]]:
    """``(system, module)`` for every case module, sorted by system then file name."""
    out = []
    for system in SYSTEMS:
        for path in sorted((ROOT / system).glob("cases_*.py")):
            out.append((system, _load(path)))
    return out


def check_module(mod: ModuleType) -> list[str]:
    """Problems with a module's data (missing keys, duplicate ids, no runner); empty when it is well formed."""
    problems = []
    cases, ne = getattr(mod, "CASES", None), getattr(mod, "NOT_EXPRESSIBLE", None)
    if not isinstance(cases, list) or not isinstance(ne, list):
        return [f"{mod.__name__}: needs module-level lists CASES and NOT_EXPRESSIBLE"]
    if cases and not callable(getattr(mod, "run", None)):
        problems.append(f"{mod.__name__}: has CASES but no run(case)")
    seen = set()
    for c in cases:
        missing = [k for k in _REQUIRED_CASE if not c.get(k)]
        if missing:
            problems.append(f"{mod.__name__}: case {c.get('id')!r} lacks {missing}")
        if c.get("id") in seen:
            problems.append(f"{mod.__name__}: duplicate id {c.get('id')!r}")
        seen.add(c.get("id"))
    for n in ne:
        missing = [k for k in _REQUIRED_NE if not n.get(k)]
        if missing:
            problems.append(f"{mod.__name__}: NOT_EXPRESSIBLE entry {n.get('upstream_test')!r} lacks {missing}")
    return problems


def run_case(mod: ModuleType, case: dict) -> None:
    """Run one case with its module's ``run``; raises AssertionError (or another error) on a mismatch."""
    mod.run(case)
