"""Solutions are tested one way here: every check whose output a solution notebook stores says "Correct".

`make test` runs the solution notebooks under strict nbval, so a fresh run must reproduce these
stored outputs; together the two prove that every check in a solution reports correct. (The other
way -- every check in a generated exercise reports "not attempted" -- needs the exercise executed;
see the nbval hook suggested in the report of issue 5.)
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from labsupport.checks import Verdict, verdicts_in_outputs

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_stored_check_in_a_solution_notebook_reports_correct(path):
    nb = nbformat.read(path, as_version=4)
    verdicts = [
        (index, verdict, line)
        for index, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "code"
        for verdict, line in verdicts_in_outputs(cell.get("outputs", []))
    ]
    assert verdicts, f"{path.name} stores no check output: run `make execute`, and end each exercise in a check"
    wrong = [f"cell {i}: {line}" for i, verdict, line in verdicts if verdict is not Verdict.CORRECT]
    assert not wrong, f"{path.name} has checks that do not report correct:\n" + "\n".join(wrong)
