"""tools/make_exercises.py: exercises generated from solutions, and --check catching stale or hand-edited ones."""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from labsupport.checks import Verdict

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools" / "make_exercises.py")
mx = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("make_exercises", mx)  # dataclasses look their module up while the class is created
_spec.loader.exec_module(mx)

SETUP = "%matplotlib inline\nfrom labsupport.exercises import example as ex"
ANSWER_CELL = "# BEGIN SOLUTION\nanswer = 4 - (1 + 0.5)\n# END SOLUTION\nr2 = ex.q2.check(answer)\nr2"
FUNCTION_CELL = (
    "def least_requested_score(requested, capacity):\n"
    "    # BEGIN SOLUTION\n"
    "    if capacity == 0 or requested > capacity:\n"
    "        return 0\n"
    "    return (capacity - requested) * 100 // capacity\n"
    "    # END SOLUTION\n"
    "r7 = ex.q7.check(least_requested_score)"
)
MANIFEST_CELL = (
    'manifest = """\\\n'
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
    "  # BEGIN SOLUTION\n  replicas: 3\n  # END SOLUTION\n"
    "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
    '"""\nr9 = ex.q9.check(manifest)'
)


def solution_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[
        new_markdown_cell("# 03 Scheduling\n\nWhere Pods and tasks land, and why."),
        new_code_cell(SETUP),
        new_code_cell(ANSWER_CELL, execution_count=2,
                      outputs=[new_output("execute_result", {"text/plain": "✔ Correct -- q2: 2.5 is right."},
                                          execution_count=2)]),
        new_markdown_cell("Why 2.5: requests, not usage.", metadata={"tags": ["solution-only"]}),
        new_code_cell(FUNCTION_CELL),
        new_code_cell(MANIFEST_CELL),
        new_markdown_cell("## Next\n\nLesson 04."),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    return nb


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "solutions").mkdir()
    nbformat.write(solution_notebook(), tmp_path / "solutions" / "03_scheduling.ipynb")
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = mx.main(list(args))
    return code, out.getvalue()


def generated(repo: Path) -> nbformat.NotebookNode:
    assert run("--root", str(repo)) == (0, "wrote   exercises/03_scheduling.ipynb\n")
    return nbformat.read(repo / "exercises" / "03_scheduling.ipynb", as_version=4)


# --- what the generator writes -------------------------------------------------------------------


def test_solution_regions_become_placeholders_keeping_indentation(repo):
    code = [c.source for c in generated(repo).cells if c.cell_type == "code"]
    assert code[0] == SETUP.replace("%matplotlib inline\n", "%matplotlib inline\n" + mx.BLANK_IMPORT + "\n")
    assert code[1] == "answer = ____\nr2 = ex.q2.check(answer)\nr2"
    assert code[2] == ("def least_requested_score(requested, capacity):\n    ____  # your code here\n"
                       "r7 = ex.q7.check(least_requested_score)")
    assert "spec:\n  ____  # your code here\n  selector:" in code[3]


def test_title_note_outputs_and_solution_only_cells(repo):
    nb = generated(repo)
    assert nb.cells[0].source.startswith("# 03 Scheduling — exercises\n")
    note = nb.cells[1]
    assert note.cell_type == "markdown" and note.id == "generated-exercise-note"
    assert "[solutions/03_scheduling.ipynb](../solutions/03_scheduling.ipynb)" in note.source
    assert "`make exercises`" in note.source and "`make my-work`" in note.source
    assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    assert not any("solution-only" in c.metadata.get("tags", []) for c in nb.cells)
    assert [c.id for c in nb.cells] == ["cell-0", "generated-exercise-note", "cell-1", "cell-2", "cell-4", "cell-5",
                                        "cell-6"]
    assert nb.cells[-1].source == "## Next\n\nLesson 04."  # only the first heading changes


def test_metadata_records_the_source_and_its_hash(repo):
    meta = generated(repo).metadata
    source = json.loads((repo / "solutions" / "03_scheduling.ipynb").read_text())
    assert meta["generated_from"] == {"path": "solutions/03_scheduling.ipynb", "sha256": mx.source_hash(source)}
    assert meta["kernelspec"]["name"] == "python3"


def test_output_is_deterministic_and_formatted_like_nbformat_write(repo):
    generated(repo)
    path = repo / "exercises" / "03_scheduling.ipynb"
    first = path.read_bytes()
    assert run("--root", str(repo)) == (0, "exercises: nothing to do, all up to date\n")
    assert path.read_bytes() == first
    rewritten = io.StringIO()
    nbformat.write(nbformat.read(path, as_version=4), rewritten)
    assert rewritten.getvalue().encode() == first


@pytest.mark.parametrize(
    "region, placeholder",
    [(["answer = 3"], ["answer = ____"]),
     (["free = 4 - 1.5", "answer = free / 4"], ["free = ____", "answer = ____"]),
     (["a, (b, c) = 1, (2, 3)"], ["a = ____", "b = ____", "c = ____"]),
     (["cpus: float = 2.5"], ["cpus = ____"]),
     (["answer = [", "    1,", "    2,", "]"], ["answer = ____"]),
     (["x = 1", "print(x)"], ["____  # your code here"]),
     (["obj.attr = 1"], ["____  # your code here"]),
     (["replicas: 3"], ["____  # your code here"]),
     (["%time answer = 3"], ["____  # your code here"]),
     ([], ["____  # your code here"])],
    ids=["one assignment keeps its name", "several assignments keep every name", "tuple unpacking keeps every name",
         "an annotated assignment keeps its name", "a multi-line assignment keeps its name",
         "code that is not only assignments becomes one placeholder line",
         "an attribute assignment becomes one placeholder line", "YAML in a string becomes one placeholder line",
         "an IPython magic becomes one placeholder line", "an empty region becomes one placeholder line"],
)
def test_placeholder_rule(region, placeholder):
    assert mx.placeholder_for(region, "") == placeholder


@pytest.mark.parametrize(
    "source, message",
    [("# BEGIN SOLUTION\nx = 1", "line 1: `# BEGIN SOLUTION` is never closed by `# END SOLUTION`"),
     ("x = 1\n# END SOLUTION", "line 2: `# END SOLUTION` without a `# BEGIN SOLUTION` before it"),
     ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "line 2: `# BEGIN SOLUTION` inside the region opened on line 1"),
     ("# begin solution\nx = 1\n# END SOLUTION", "line 1: write the marker on a line of its own, exactly"),
     ("x = 1  # BEGIN SOLUTION", "line 1: write the marker on a line of its own")],
    ids=["an unclosed region", "an end without a begin", "a nested begin", "a marker in lower case",
         "a marker after code"],
)
def test_bad_markers_are_reported_with_notebook_cell_and_line(repo, source, message):
    nb = solution_notebook()
    nb.cells[2].source = source
    nbformat.write(nb, repo / "solutions" / "03_scheduling.ipynb")
    code, out = run("--root", str(repo))
    assert code == 2
    assert out.startswith("make_exercises: solutions/03_scheduling.ipynb, cell 3 (id cell-2), ") and message in out
    assert not (repo / "exercises").exists()


def test_a_solution_without_any_solution_region_gets_a_warning(repo):
    nb = solution_notebook()
    nb.cells = nb.cells[:2]
    nbformat.write(nb, repo / "solutions" / "03_scheduling.ipynb")
    code, out = run("--root", str(repo))
    assert (code, out) == (0, "warning: solutions/03_scheduling.ipynb has no `# BEGIN SOLUTION` region: its exercise "
                              "has nothing to fill in\nwrote   exercises/03_scheduling.ipynb\n")


def test_a_solution_without_a_heading_is_reported(repo):
    nb = solution_notebook()
    nb.cells[0].source = "No heading here."
    nb.cells[-1].source = "Nor here."
    nbformat.write(nb, repo / "solutions" / "03_scheduling.ipynb")
    assert run("--root", str(repo)) == (2, "make_exercises: solutions/03_scheduling.ipynb: no markdown heading to "
                                           "turn into the exercise title\n")


# --- --check -------------------------------------------------------------------------------------

STALE = "exercises/03_scheduling.ipynb is stale or was edited by hand; run `make exercises`"


def test_check_passes_when_exercises_are_up_to_date(repo):
    generated(repo)
    assert run("--root", str(repo), "--check") == (0, "exercises: all 1 up to date\n")


def test_check_reports_a_missing_exercise(repo):
    assert run("--root", str(repo), "--check") == (1, "exercises/03_scheduling.ipynb is missing; run `make exercises`\n")


def test_check_reports_a_stale_exercise_after_the_solution_changed(repo):
    generated(repo)
    nb = solution_notebook()
    nb.cells[2].source = nb.cells[2].source.replace("0.5", "2")
    nbformat.write(nb, repo / "solutions" / "03_scheduling.ipynb")
    assert run("--root", str(repo), "--check") == (
        1, STALE + "\n  (its solution notebook changed since it was generated)\n")


def test_check_reports_a_hand_edited_exercise_and_regenerating_repairs_it(repo):
    generated(repo)
    path = repo / "exercises" / "03_scheduling.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source = "answer = 2.5\nr2 = ex.q2.check(answer)\nr2"
    nbformat.write(nb, path)
    assert run("--root", str(repo), "--check") == (1, STALE + "\n  (cell 4 differs from the generated one)\n")
    assert run("--root", str(repo)) == (0, "wrote   exercises/03_scheduling.ipynb\n")
    assert run("--root", str(repo), "--check")[0] == 0


def test_check_reports_an_exercise_saved_with_outputs(repo):
    generated(repo)
    path = repo / "exercises" / "03_scheduling.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].outputs = [new_output("stream", name="stdout", text="hi\n")]
    nbformat.write(nb, path)
    assert run("--root", str(repo), "--check")[0] == 1


def test_re_executing_a_solution_keeps_its_exercise_fresh(repo):
    generated(repo)
    nb = solution_notebook()
    nb.cells[2].outputs = []
    nb.cells[2].execution_count = 7
    nb.cells[4].outputs = [new_output("stream", name="stdout", text="ran\n")]
    nb.cells[4].metadata["execution"] = {"iopub.status.busy": "2026-11-25T04:50:00Z"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nbformat.write(nb, repo / "solutions" / "03_scheduling.ipynb")
    assert run("--root", str(repo), "--check")[0] == 0


def test_a_generated_exercise_whose_solution_is_gone_is_stale_and_removed(repo):
    generated(repo)
    (repo / "solutions" / "03_scheduling.ipynb").rename(repo / "solutions" / "04_networking.ipynb")
    code, out = run("--root", str(repo), "--check")
    assert code == 1 and STALE + "\n  (solutions/03_scheduling.ipynb is gone" in out
    assert "exercises/04_networking.ipynb is missing" in out
    assert run("--root", str(repo)) == (0, "wrote   exercises/04_networking.ipynb\nremoved exercises/03_scheduling.ipynb "
                                           "(its solution notebook is gone)\n")
    assert sorted(p.name for p in (repo / "exercises").iterdir()) == ["04_networking.ipynb"]


def test_a_hand_made_exercise_without_a_solution_is_reported_and_kept(repo):
    generated(repo)
    nbformat.write(new_notebook(cells=[new_markdown_cell("# mine")]), repo / "exercises" / "05_scaling.ipynb")
    message = ("exercises/05_scaling.ipynb has no solution notebook solutions/05_scaling.ipynb: exercises are "
               "generated from solutions/; move it there and add solution markers\n")
    assert run("--root", str(repo), "--check") == (1, message)
    assert run("--root", str(repo)) == (1, message)
    assert (repo / "exercises" / "05_scaling.ipynb").exists()


# --- tested both ways ------------------------------------------------------------------------------


def run_cells(nb: nbformat.NotebookNode) -> dict:
    """Execute a notebook's code cells in one namespace (no kernel: fast, enough for plain Python cells)."""
    namespace: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            source = "\n".join(line for line in cell.source.split("\n") if not line.startswith("%"))  # no IPython
            exec(compile(source, f"<cell {cell.get('id')}>", "exec"), namespace)  # noqa: S102
    return namespace


def test_the_solution_checks_are_correct_and_the_generated_exercise_runs_and_is_not_attempted(repo):
    solved = run_cells(nbformat.read(repo / "solutions" / "03_scheduling.ipynb", as_version=4))
    assert [solved[r].verdict for r in ("r2", "r7", "r9")] == [Verdict.CORRECT] * 3
    untouched = run_cells(generated(repo))
    assert [untouched[r].verdict for r in ("r2", "r7", "r9")] == [Verdict.NOT_ATTEMPTED] * 3


# --- the placeholder appears only where the learner answers (issue 12) -----------------------------


def test_the_placeholder_appears_only_in_lines_the_learner_replaces(repo):
    exercise = generated(repo)
    code = [c for c in exercise.cells if c.cell_type == "code"]
    assert code[0].source.split("\n")[:3] == ["%matplotlib inline", mx.BLANK_IMPORT,
                                              "from labsupport.exercises import example as ex"]
    blank_lines = [line.strip() for c in code for line in c.source.split("\n") if "____" in line]
    assert blank_lines == ["answer = ____", "____  # your code here", "____  # your code here"]


@pytest.mark.parametrize("setup, where", [
    ("from labsupport.exercises import example as ex\nprint(____)", "line 2"),
    ("from labsupport.exercises import example as ex\nx = ____ + 1", "line 2"),
], ids=["a placeholder printed outside a solution region is refused",
        "a placeholder computed with outside a solution region is refused"])
def test_a_placeholder_outside_a_solution_region_is_refused(repo, setup, where):
    nb = solution_notebook()
    nb.cells[1].source = setup
    nbformat.write(nb, repo / "solutions" / "03_scheduling.ipynb")
    code, out = run("--root", str(repo))
    assert code == 2
    assert out == (f"make_exercises: solutions/03_scheduling.ipynb, cell 2 (id cell-1), {where}: `____` outside a "
                   "solution region; the placeholder may appear only where the learner answers (the generator "
                   "defines it in the exercise's setup cell)\n")


def test_an_exercise_without_blanks_gets_no_blank_import(repo):
    nb = solution_notebook()
    nb.cells = [c for c in nb.cells if "# BEGIN SOLUTION" not in c.source]
    nbformat.write(nb, repo / "solutions" / "03_scheduling.ipynb")
    run("--root", str(repo))
    exercise = nbformat.read(repo / "exercises" / "03_scheduling.ipynb", as_version=4)
    assert all(mx.BLANK_IMPORT not in c.source for c in exercise.cells)


@pytest.mark.parametrize("setup, first_lines", [
    ("from labsupport import ____, k8s\nfrom labsupport.exercises import example as ex",
     [mx.BLANK_IMPORT, "from labsupport import k8s"]),
    ("from labsupport import ____\nfrom labsupport.exercises import example as ex",
     [mx.BLANK_IMPORT, "from labsupport.exercises import example as ex"]),
], ids=["an older setup cell's import of the placeholder is dropped, the other names kept",
        "an import of the placeholder alone is dropped with its line"])
def test_an_older_import_of_the_placeholder_is_replaced_by_the_generated_one(repo, setup, first_lines):
    nb = solution_notebook()
    nb.cells[1].source = setup
    nbformat.write(nb, repo / "solutions" / "03_scheduling.ipynb")
    code = [c for c in generated(repo).cells if c.cell_type == "code"]
    assert code[0].source.split("\n")[:2] == first_lines
