"""Runs every ported Mesos 1.11.0 case in ``tests/upstream/mesos/cases_*.py`` (format: ../README.md).

Each ``CASES`` entry becomes one test ``<module>::<id>``; its module's ``run(case)`` replays it.
Each ``NOT_EXPRESSIBLE`` entry is checked for a citation and a reason, so none is dropped silently.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _modules():
    for path in sorted(HERE.glob("cases_*.py")):
        spec = importlib.util.spec_from_file_location(f"upstream_mesos_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield path.stem, module


MODULES = dict(_modules())
CASES = [(name, case) for name, m in MODULES.items() for case in m.CASES]
SKIPPED = [(name, entry) for name, m in MODULES.items() for entry in m.NOT_EXPRESSIBLE]


@pytest.mark.parametrize("module, case", CASES, ids=[f"{n}::{c['id']}" for n, c in CASES])
def test_upstream_case(module, case):
    MODULES[module].run(case)


@pytest.mark.parametrize("module, entry", SKIPPED,
                         ids=[f"{n}::not expressible: {e['upstream_test']}" for n, e in SKIPPED])
def test_not_expressible_entries_cite_a_test_and_a_reason(module, entry):
    assert entry["upstream_file"].startswith("src/tests/") and entry["upstream_test"] and len(entry["reason"]) > 20


def test_case_ids_are_unique_and_cite_the_upstream_test():
    for name, m in MODULES.items():
        ids = [c["id"] for c in m.CASES]
        assert len(ids) == len(set(ids)), name
        for c in m.CASES:
            assert c["upstream_file"].startswith("src/tests/") and "." in c["upstream_test"], c["id"]
