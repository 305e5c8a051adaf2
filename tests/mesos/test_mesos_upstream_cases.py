"""Run the Mesos value/resource/attribute/role cases ported from the upstream tests (tests/upstream/mesos).

``make fidelity`` and tests/upstream/test_upstream.py count the same modules once the shared runner is merged;
this file keeps them in ``make test`` on its own. Ids read ``<upstream test>: <case>``.
"""
import importlib.util
from pathlib import Path

import pytest

_DIR = Path(__file__).resolve().parents[1] / "upstream" / "mesos"
_NAMES = ("cases_mesos_values", "cases_mesos_resources", "cases_mesos_attributes", "cases_mesos_roles")


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_robust_{name}", _DIR / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MODULES = [_load(n) for n in _NAMES]
PARAMS = [pytest.param(m, c, id=f"{c['upstream_test']}: {c['id']}") for m in MODULES for c in m.CASES]


@pytest.mark.parametrize(("mod", "case"), PARAMS)
def test_mesos_behaves_as_its_own_unit_test(mod, case):
    mod.run(case)


@pytest.mark.parametrize("mod", MODULES, ids=_NAMES)
def test_every_case_cites_its_upstream_test(mod):
    for c in mod.CASES:
        assert c["upstream_file"].startswith("src/tests/") and c["upstream_test"] and c["id"]
    for n in mod.NOT_EXPRESSIBLE:
        assert n["upstream_file"].startswith("src/tests/") and n["upstream_test"] and n["reason"]
