"""The course foundation: pins agree everywhere, and strict nbval really compares stored outputs."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement

from labsupport.envcheck import check_environment, read_pins

ROOT = Path(__file__).resolve().parent.parent


def _env_yml():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _env_pip_entries():
    deps = _env_yml()["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    return [e for e in pip if not e.startswith("-e")]


def test_environment_yml_pins_exactly_the_requirements():
    env = {}
    for entry in _env_pip_entries():
        req = Requirement(entry)  # raises on an invalid entry
        (spec,) = req.specifier
        assert spec.operator == "==", f"{entry}: environment.yml must pin exactly"
        env[req.name] = spec.version
    assert env == read_pins(direct_only=False)


def test_environment_yml_uses_the_same_python_as_the_project():
    conda = [d for d in _env_yml()["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in conda
    assert sys.version_info[:2] >= (3, 11)


def test_every_requirement_is_valid_and_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            req = Requirement(line.split("#")[0].strip())
            assert [s.operator for s in req.specifier] == ["=="], line


def test_every_direct_dependency_says_why_it_is_needed():
    section = (ROOT / "requirements.txt").read_text().split("# --- transitive")[0]
    for line in section.splitlines():
        if "==" in line and not line.startswith("#"):
            assert "  # " in line and len(line.split("  # ", 1)[1]) > 10, f"no reason given: {line}"


def test_environment_check_reports_every_direct_pin(capsys):
    table = check_environment()
    assert [r["PACKAGE"] for r in table] == list(read_pins())
    assert all(r["CHECK"] == "[ OK ]" for r in table), str(table)
    assert "All packages match their pins." in capsys.readouterr().out


def test_environment_check_flags_a_wrong_pin(tmp_path, capsys):
    req = tmp_path / "requirements.txt"
    req.write_text("# --- direct\npytest==0.0.1  # wrong on purpose\n")
    table = check_environment(req)
    assert table.rows[0]["CHECK"] == "[FAIL]"
    assert "1 package(s) differ" in capsys.readouterr().out


def _notebook(path: Path, stored_output: str) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(6 * 7)")
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored_output)]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def _run_nbval(tmp_path: Path, folder: str) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    return subprocess.run(
        [sys.executable, "-m", "pytest", folder, "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize(
    "folder, stored, passes",
    [
        ("notebooks", "42\n", True),
        ("notebooks", "43\n", False),
        ("solutions", "43\n", False),
        ("exercises", "43\n", True),
    ],
    ids=[
        "a lesson whose stored output matches a fresh run passes",
        "a lesson whose stored output differs from a fresh run fails",
        "a solution whose stored output differs fails too",
        "an exercise is only run, so a stale output does not fail it",
    ],
)
def test_strict_nbval_compares_lessons_and_solutions_but_not_exercises(tmp_path, folder, stored, passes):
    _notebook(tmp_path / folder / "x.ipynb", stored)
    result = _run_nbval(tmp_path, folder)
    assert (result.returncode == 0) == passes, result.stdout[-2000:]
