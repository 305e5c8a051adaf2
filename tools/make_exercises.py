"""Generate exercises/NN_<topic>.ipynb from solutions/NN_<topic>.ipynb; ``--check`` reports stale ones.

The solution notebook is the source. For each ``solutions/NN_*.ipynb`` the generator

1. replaces every solution region in a code cell -- the lines between a line
   ``# BEGIN SOLUTION`` and a line ``# END SOLUTION``, markers included -- with a
   placeholder, indented like the ``# BEGIN SOLUTION`` line:

   * if the region is Python whose statements are all assignments to plain names
     (``answer = ...``, ``a, b = ...``, ``cpus: float = ...``), one line
     ``name = ____`` per assigned name, in order, so later cells can still use the names;
   * anything else (loops, a function body, YAML inside a string) becomes the single
     line ``____  # your code here``;

2. drops cells tagged ``solution-only``;
3. clears outputs and execution counts;
4. appends " — exercises" to the first markdown heading and inserts a note cell
   after it pointing to the solution notebook;
5. if any placeholder was written, adds the line :data:`BLANK_IMPORT` to the first code
   cell (after its ``%`` magics), which defines ``____`` without spelling it out: the
   placeholder appears only where the learner answers. An import of ``____`` from
   ``labsupport`` in a solution (older setup cells have one) is dropped from the exercise;
   any other ``____`` outside a solution region is refused with a :class:`GeneratorError`;
6. records ``metadata.generated_from = {"path": "solutions/NN_*.ipynb", "sha256": ...}``,
   the hash of the solution's cells and metadata without outputs, execution counts,
   ``language_info`` and saved widget state, so re-running a solution notebook does not
   make its exercise stale;
7. writes ``exercises/NN_*.ipynb`` exactly as ``nbformat.write`` would (sorted keys,
   one-space indent), so the output is byte-for-byte deterministic.

Usage::

    python tools/make_exercises.py            # (re)write exercises/, remove generated orphans
    python tools/make_exercises.py --check    # exit 1 if any exercise is stale, hand-edited, missing or orphaned

Only the standard library and nbformat are used.
"""
from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = [
    "BEGIN",
    "BLANK_IMPORT",
    "END",
    "SOLUTION_ONLY",
    "GeneratorError",
    "Problem",
    "check",
    "generate",
    "main",
    "make_exercise",
    "placeholder_for",
    "generator_input",
    "render",
    "replace_regions",
    "source_hash",
]

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
SOLUTION_ONLY = "solution-only"
PLACEHOLDER = "____"
BLANK_IMPORT = "from labsupport.exercises.blank import *   # defines the blank that marks each answer"
TITLE_SUFFIX = " — exercises"
NOTE_CELL_ID = "generated-exercise-note"
NOTEBOOK_NAME = re.compile(r"^\d\d_[^/]*\.ipynb$")
HEADING = re.compile(r"^(#{1,6}\s+)(.*?)\s*$")
STALE = "{path} is stale or was edited by hand; run `make exercises`"
VOLATILE_NOTEBOOK_METADATA = ("language_info", "widgets")
VOLATILE_CELL_METADATA = ("execution",)


class GeneratorError(Exception):
    """A solution notebook the generator cannot turn into an exercise (bad markers, no title)."""


# --- one code cell -------------------------------------------------------------------
def _assigned_names(region: str) -> list[str] | None:
    """Names assigned by ``region`` if it is Python made only of assignments to plain names, else None."""
    try:
        tree = ast.parse(textwrap.dedent(region))
    except SyntaxError:
        return None
    names: list[str] = []

    def add_target(target: ast.expr) -> bool:
        if isinstance(target, ast.Name):
            if target.id not in names:
                names.append(target.id)
            return True
        if isinstance(target, (ast.Tuple, ast.List)):
            return all(add_target(t) for t in target.elts)
        return False

    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            if not all(add_target(t) for t in stmt.targets):
                return None
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            if not add_target(stmt.target):
                return None
        else:
            return None
    return names or None


def placeholder_for(region_lines: list[str], indent: str) -> list[str]:
    """The lines that replace one solution region (see the module docstring for the rule).

    >>> placeholder_for(["free = 4 - 1.5", "answer = free"], "")
    ['free = ____', 'answer = ____']
    >>> placeholder_for(["    for o in offers:", "        launch(o)"], "    ")
    ['    ____  # your code here']
    """
    names = _assigned_names("\n".join(region_lines))
    if names:
        return [f"{indent}{name} = ____" for name in names]
    return [f"{indent}____  # your code here"]


_IMPORT = re.compile(r"^(\s*from\s+labsupport(?:\.checks)?\s+import\s+)(.*?)\s*$")


def _without_placeholder_import(line: str) -> str | None:
    """``line`` with ``____`` dropped if it only imports it (the generator defines it), else ``line`` unchanged.

    Older solutions import the placeholder in their setup cell; the exercise gets :data:`BLANK_IMPORT` instead.

    >>> _without_placeholder_import("from labsupport import ____, k8s, mesos")
    'from labsupport import k8s, mesos'
    >>> _without_placeholder_import("from labsupport import ____") is None
    True
    """
    match = _IMPORT.match(line)
    if not match or "(" in match.group(2):
        return line
    names = [n.strip() for n in match.group(2).split(",")]
    kept = [n for n in names if n != PLACEHOLDER]
    if len(kept) == len(names):
        return line
    return match.group(1) + ", ".join(kept) if kept else None


def replace_regions(source: str, where: str = "cell") -> str:
    """``source`` with every ``# BEGIN SOLUTION`` .. ``# END SOLUTION`` region replaced by its placeholder.

    >>> print(replace_regions("x = 1\\n# BEGIN SOLUTION\\nanswer = x + 1\\n# END SOLUTION\\nprint(answer)"))
    x = 1
    answer = ____
    print(answer)
    """
    out: list[str] = []
    region: list[str] | None = None
    indent = ""
    start = 0
    for number, line in enumerate(source.split("\n"), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if region is not None:
                raise GeneratorError(f"{where}, line {number}: `{BEGIN}` inside the region opened on line {start}")
            region, indent, start = [], line[: len(line) - len(line.lstrip())], number
        elif marker == END:
            if region is None:
                raise GeneratorError(f"{where}, line {number}: `{END}` without a `{BEGIN}` before it")
            out.extend(placeholder_for(region, indent))
            region = None
        elif "BEGIN SOLUTION" in line.upper() or "END SOLUTION" in line.upper():
            raise GeneratorError(
                f"{where}, line {number}: write the marker on a line of its own, exactly `{BEGIN}` or `{END}`"
                f" (found {marker!r})"
            )
        elif region is not None:
            region.append(line)
        else:
            if PLACEHOLDER in line:
                line = _without_placeholder_import(line)
                if line is None:
                    continue
            if PLACEHOLDER in line:
                raise GeneratorError(
                    f"{where}, line {number}: `{PLACEHOLDER}` outside a solution region; the placeholder may appear "
                    f"only where the learner answers (the generator defines it in the exercise's setup cell)"
                )
            out.append(line)
    if region is not None:
        raise GeneratorError(f"{where}, line {start}: `{BEGIN}` is never closed by `{END}`")
    return "\n".join(out)


# --- one notebook --------------------------------------------------------------------
def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def generator_input(nb: dict) -> dict:
    """The part of a solution notebook the exercise is made from.

    Outputs, execution counts and what running a notebook records (``metadata.language_info``,
    saved widget state, per-cell ``metadata.execution``) are left out, so re-executing a
    solution (``make execute``) neither changes its exercise nor makes it stale.
    """
    nb = copy.deepcopy(nb)
    for key in VOLATILE_NOTEBOOK_METADATA:
        nb.get("metadata", {}).pop(key, None)
    for cell in nb.get("cells", []):
        cell["source"] = _source(cell)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    return nb


def source_hash(nb: dict) -> str:
    """sha256 of :func:`generator_input` of a solution notebook (canonical JSON)."""
    text = json.dumps(generator_input(nb), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _define_blank(cells: list[dict]) -> None:
    """Add :data:`BLANK_IMPORT` to the first code cell, after its ``%`` magics, if any cell holds a placeholder."""
    code = [c for c in cells if c.get("cell_type") == "code"]
    if not any(PLACEHOLDER in c["source"] for c in code):
        return
    lines = code[0]["source"].split("\n")
    at = 0
    while at < len(lines) and lines[at].lstrip().startswith("%"):
        at += 1
    lines.insert(at, BLANK_IMPORT)
    code[0]["source"] = "\n".join(lines)


def make_exercise(solution: dict, solution_path: str) -> dict:
    """The exercise notebook (a plain dict) generated from the solution notebook ``solution``.

    ``solution_path`` is the solution's path relative to the repository root, e.g.
    ``"solutions/03_scheduling.ipynb"``; it is recorded in the metadata and linked from the note.
    """
    if solution.get("nbformat") != 4:
        raise GeneratorError(f"{solution_path}: only nbformat 4 notebooks are supported")
    nb = generator_input(solution)
    cells = []
    for index, cell in enumerate(nb.get("cells", [])):
        if SOLUTION_ONLY in cell.get("metadata", {}).get("tags", []):
            continue
        where = f"{solution_path}, cell {index + 1}" + (f" (id {cell['id']})" if "id" in cell else "")
        if cell.get("cell_type") == "code":
            cell["source"] = replace_regions(cell["source"], where)
        cells.append(cell)
    _define_blank(cells)

    title_at = next(
        (i for i, c in enumerate(cells) if c.get("cell_type") == "markdown"
         and any(HEADING.match(line) for line in c["source"].split("\n"))),
        None,
    )
    if title_at is None:
        raise GeneratorError(f"{solution_path}: no markdown heading to turn into the exercise title")
    lines = cells[title_at]["source"].split("\n")
    first = next(i for i, line in enumerate(lines) if HEADING.match(line))
    prefix, text = HEADING.match(lines[first]).groups()
    if not text.endswith(TITLE_SUFFIX):
        lines[first] = f"{prefix}{text}{TITLE_SUFFIX}"
    cells[title_at]["source"] = "\n".join(lines)

    name = Path(solution_path).name
    note = {
        "cell_type": "markdown",
        "metadata": {"tags": ["generated-note"]},
        "source": (
            f"> **Exercises.** Replace each `____` with your answer and run the cell. Every check answers "
            f"*Correct*, *Not yet* (with a nudge) or *Not attempted yet*; stuck, ask a question for `.hint()`, "
            f"`.hint(2)`, then `.solution()`. Worked answers: [solutions/{name}](../solutions/{name}).\n>\n"
            f"> This notebook is generated from the solution notebook by `make exercises`: edits here are "
            f"overwritten and fail `make test`. Work in your own copy: `make my-work` puts one in `my-work/`."
        ),
    }
    if nb.get("nbformat_minor", 0) >= 5:
        taken = {c.get("id") for c in cells}
        note_id = NOTE_CELL_ID
        while note_id in taken:
            note_id += "-x"
        note["id"] = note_id
    cells.insert(title_at + 1, note)
    nb["cells"] = cells
    nb.setdefault("metadata", {})["generated_from"] = {"path": solution_path, "sha256": source_hash(solution)}
    return nb


def render(nb: dict) -> str:
    """The file text ``nbformat.write`` produces for ``nb`` (sorted keys, indent 1, final newline)."""
    text = nbformat.writes(nbformat.from_dict(nb), version=nbformat.NO_CONVERT)
    return text if text.endswith("\n") else text + "\n"


# --- the repository --------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One exercise that is not what the generator would write."""

    path: str
    message: str
    removable: bool = False  # a generated exercise whose solution is gone


def _first_difference(current: str, wanted: str) -> str:
    try:
        have, want = json.loads(current), json.loads(wanted)
    except ValueError:
        return "it is not valid notebook JSON"
    if have.get("metadata", {}).get("generated_from") != want["metadata"]["generated_from"]:
        return "its solution notebook changed since it was generated"
    for i, (a, b) in enumerate(zip(have.get("cells", []), want["cells"], strict=False), start=1):
        if a != b:
            return f"cell {i} differs from the generated one"
    if len(have.get("cells", [])) != len(want["cells"]):
        return f"it has {len(have.get('cells', []))} cells, the generated one {len(want['cells'])}"
    return "its metadata or formatting differs from the generated one"


def _plan(root: Path) -> tuple[dict[str, str], list[Problem], list[str]]:
    """{exercise path relative to root: wanted text}, the orphaned exercises, and warnings."""
    solutions = sorted(p for p in (root / "solutions").glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))
    wanted: dict[str, str] = {}
    warnings: list[str] = []
    for sol in solutions:
        rel = f"solutions/{sol.name}"
        try:
            data = json.loads(sol.read_text(encoding="utf-8"))
        except ValueError as e:
            raise GeneratorError(f"{rel}: not valid notebook JSON ({e})") from None
        wanted[f"exercises/{sol.name}"] = render(make_exercise(data, rel))
        if not any(line.strip() == BEGIN for c in data.get("cells", []) if c.get("cell_type") == "code"
                   for line in _source(c).split("\n")):
            warnings.append(f"warning: {rel} has no `{BEGIN}` region: its exercise has nothing to fill in")
    orphans = []
    for ex in sorted((root / "exercises").glob("*.ipynb")):
        rel = f"exercises/{ex.name}"
        if NOTEBOOK_NAME.match(ex.name) and rel not in wanted:
            try:
                generated = "generated_from" in json.loads(ex.read_text(encoding="utf-8")).get("metadata", {})
            except ValueError:
                generated = False
            if generated:
                orphans.append(Problem(rel, STALE.format(path=rel) + f"\n  (solutions/{ex.name} is gone; "
                                       "`make exercises` removes this exercise)", removable=True))
            else:
                orphans.append(Problem(rel, f"{rel} has no solution notebook solutions/{ex.name}: exercises are "
                                       "generated from solutions/; move it there and add solution markers"))
    return wanted, orphans, warnings


def check(root: Path) -> list[Problem]:
    """Every exercise that regenerating would create, change or remove (plus hand-made orphans)."""
    wanted, problems, _ = _plan(root)
    for rel, text in wanted.items():
        path = root / rel
        if not path.exists():
            problems.append(Problem(rel, f"{rel} is missing; run `make exercises`"))
            continue
        current = path.read_text(encoding="utf-8")
        if current != text:
            problems.append(Problem(rel, STALE.format(path=rel) + f"\n  ({_first_difference(current, text)})"))
    return sorted(problems, key=lambda p: p.path)


def generate(root: Path) -> tuple[list[str], list[Problem]]:
    """Write every stale or missing exercise and remove generated orphans.

    Returns the paths written or removed, and the problems left (hand-made orphans).
    """
    wanted, orphans, warnings = _plan(root)
    changed = list(warnings)
    for rel, text in wanted.items():
        path = root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(f"wrote   {rel}")
    left = []
    for orphan in orphans:
        if orphan.removable:
            (root / orphan.path).unlink()
            changed.append(f"removed {orphan.path} (its solution notebook is gone)")
        else:
            left.append(orphan)
    return changed, left


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any exercise is out of date")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="repository root holding solutions/ and exercises/ (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check(args.root)
            for p in problems:
                print(p.message)
            if not problems:
                print(f"exercises: all {len(_plan(args.root)[0])} up to date")
            return 1 if problems else 0
        changed, left = generate(args.root)
    except GeneratorError as e:
        print(f"make_exercises: {e}", file=sys.stderr)
        return 2
    for line in changed:
        print(line)
    for p in left:
        print(p.message)
    if not changed and not left:
        print("exercises: nothing to do, all up to date")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
