"""deploy/jupyterhub/values.yaml: valid for the pinned Zero to JupyterHub chart, consistent, sized from a measurement.

The schema test validates the values the way ``helm install`` does: the chart's default values.yaml with ours
merged over it (maps merge key by key, anything else replaces), checked against the chart's own values schema.
The chart is not vendored here (the course commits no third-party files); point ``Z2JH_CHART`` at the chart
folder of version 4.4.0 (``helm pull jupyterhub/jupyterhub --version 4.4.0 --untar`` gives ``jupyterhub/``, as
does the ``jupyterhub/`` folder of a zero-to-jupyterhub-k8s checkout at tag 4.4.0). Without it the schema tests
are skipped and say so; the other tests always run.
"""
from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
VALUES = ROOT / "deploy" / "jupyterhub" / "values.yaml"
CHART_VERSION = "4.4.0"


def _values() -> dict:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


def _chart_dir() -> Path | None:
    for candidate in (os.environ.get("Z2JH_CHART"), ROOT.parent / "shared" / "vendor" / f"z2jh-{CHART_VERSION}"):
        if candidate and (Path(candidate) / "values.yaml").is_file():
            return Path(candidate)
    return None


def _schema(chart: Path) -> dict:
    if (chart / "values.schema.json").is_file():
        return json.loads((chart / "values.schema.json").read_text(encoding="utf-8"))
    return yaml.safe_load((chart / "values.schema.yaml").read_text(encoding="utf-8"))


def coalesce(defaults, overrides):
    """Helm's merge of user values over chart defaults: maps merge recursively, other values replace."""
    if isinstance(defaults, dict) and isinstance(overrides, dict):
        merged = dict(defaults)
        for key, value in overrides.items():
            merged[key] = coalesce(defaults.get(key), value) if key in defaults else value
        return merged
    return overrides


needs_chart = pytest.mark.skipif(_chart_dir() is None, reason=(
    f"set Z2JH_CHART to the Zero to JupyterHub {CHART_VERSION} chart folder to validate against its values schema"))


def _errors(values: dict) -> list[str]:
    import jsonschema

    chart = _chart_dir()
    merged = coalesce(yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8")), values)
    validator = jsonschema.Draft7Validator(_schema(chart))
    return sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(merged))


@needs_chart
def test_the_course_values_pass_the_charts_own_values_schema():
    assert _errors(_values()) == []


@needs_chart
@pytest.mark.parametrize(("path", "value"), [
    pytest.param(("singleuser", "memroy"), {"limit": "2G"}, id="a misspelt key under singleuser is refused"),
    pytest.param(("cull", "timeout"), "an hour", id="a timeout that is not a number is refused"),
    pytest.param(("scheduling", "userPlaceholder", "replica"), 4, id="replica instead of replicas is refused"),
])
def test_the_schema_check_catches_a_typo(path, value):
    values = copy.deepcopy(_values())
    node = values
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    assert _errors(values), f"the schema accepted {'.'.join(path)} = {value!r}"


def test_the_chart_version_is_pinned_in_the_install_command_and_the_readme():
    text = VALUES.read_text(encoding="utf-8")
    assert f"--version {CHART_VERSION}" in text
    assert f"--version {CHART_VERSION}" in (VALUES.parent / "README.md").read_text(encoding="utf-8")


def test_the_course_folder_is_named_the_same_everywhere():
    v = _values()["singleuser"]
    command = v["lifecycleHooks"]["postStart"]["exec"]["command"]
    assert command[0] == "gitpuller"
    folder = command[3]
    assert command[1].rstrip("/").split("/")[-1] == folder  # the clone folder nbgitpuller links assume too
    assert v["defaultUrl"] == f"/lab/tree/{folder}/notebooks/00_welcome.ipynb"
    assert v["extraEnv"]["PYTHONPATH"] == f"/home/jovyan/{folder}"
    assert (ROOT / "notebooks" / "00_welcome.ipynb").is_file()


def _bytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)([KMGT]?)", quantity).groups()
    return float(number) * {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}[unit]


def test_resources_come_from_the_measurement_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"per-learner peak[^\n]*?: (\d+) MiB", readme)
    assert m, "README must carry the measured per-learner peak (bench/learner_memory.py)"
    peak = int(m.group(1)) * 1024 * 1024
    v = _values()["singleuser"]
    assert f"peaked at {m.group(1)} MiB" in VALUES.read_text(encoding="utf-8")
    assert peak <= _bytes(v["memory"]["guarantee"]) <= 1.5 * peak, "the guarantee must cover the measured peak"
    assert _bytes(v["memory"]["limit"]) >= 2 * _bytes(v["memory"]["guarantee"])
    assert 0 < float(v["cpu"]["guarantee"]) <= float(v["cpu"]["limit"])


def test_placeholders_can_be_preempted_only_with_pod_priority_on():
    s = _values()["scheduling"]
    assert s["userPlaceholder"]["replicas"] > 0 and s["podPriority"]["enabled"] is True
