"""Every ported upstream table-test case (``tests/upstream/*/cases_*.py``) as one pytest test."""
import pytest
from upstream_cases import case_modules, check_module, run_case

MODULES = case_modules()
PARAMS = [pytest.param(mod, case, id=f"{mod.__name__}::{case['id']}")
          for _system, mod in MODULES for case in mod.CASES]


@pytest.mark.parametrize(("mod", "case"), PARAMS)
def test_upstream_case_behaves_as_upstream(mod, case):
    run_case(mod, case)


@pytest.mark.parametrize("mod", [m for _s, m in MODULES], ids=[m.__name__ for _s, m in MODULES])
def test_case_module_is_well_formed(mod):
    assert check_module(mod) == []


def test_some_case_modules_exist():
    assert any(system == "k8s" for system, _m in MODULES)
