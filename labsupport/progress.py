"""Learner progress: the verdict of every checked answer, kept on the learner's own disk.

Each time an exercise check (``ex.q1.check(...)``) or a lesson's quick check (``quiz1.answer(...)``) gives a
verdict, one line of bookkeeping is added to ``my-work/progress.json`` in the course folder (``my-work/`` is
ignored by git). Nothing is sent anywhere: an instructor who wants a class overview collects the files
(for example from the JupyterHub home directories) and runs ``make progress DIR=...``.

Turning it off: ``labsupport.progress.disable()`` (remembered in the file), or the environment variable
``LABSUPPORT_PROGRESS=off``. ``LABSUPPORT_PROGRESS=/some/file.json`` records there instead (the tests do this,
so ``make test`` never touches a learner's own progress).

The file is small JSON, one entry per question::

    {"recording": true,
     "answers": {"lesson01.q1": {"lesson": 1, "question": "q1", "attempts": 3,
                                  "verdicts": {"incorrect": 2, "correct": 1}, "last": "correct"}}}

>>> import tempfile, pathlib
>>> from labsupport.checks import Verdict
>>> path = pathlib.Path(tempfile.mkdtemp()) / "progress.json"
>>> record_verdict(1, "q1", Verdict.INCORRECT, path=path)
>>> record_verdict(1, "q1", Verdict.CORRECT, path=path)
>>> load(path)["answers"]["lesson01.q1"]["attempts"], load(path)["answers"]["lesson01.q1"]["last"]
(2, 'correct')
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from labsupport.core.errors import LabError
from labsupport.core.table import Table

__all__ = [
    "COURSE_ROOT", "aggregate", "disable", "enable", "is_recording", "lesson_of", "load", "progress_path",
    "record", "record_verdict",
]

COURSE_ROOT = Path(__file__).resolve().parent.parent
"""The course folder (where ``notebooks/`` and ``my-work/`` live)."""

ENV = "LABSUPPORT_PROGRESS"
_OFF = {"off", "0", "false", "no", "none"}
_LESSON_MODULE = re.compile(r"^labsupport\.exercises\.lesson(\d\d)$")


def progress_path() -> Path | None:
    """Where progress is recorded: ``$LABSUPPORT_PROGRESS`` if set, else ``my-work/progress.json``;
    ``None`` when the environment variable turns recording off."""
    value = os.environ.get(ENV, "").strip()
    if value.lower() in _OFF and value:
        return None
    return Path(value).expanduser() if value else COURSE_ROOT / "my-work" / "progress.json"


def load(path: Path | str | None = None) -> dict[str, Any]:
    """The progress file as a dict (an empty record when it does not exist or cannot be read)."""
    path = Path(path) if path is not None else progress_path()
    empty: dict[str, Any] = {"recording": True, "answers": {}}
    if path is None or not path.is_file():
        return empty
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        return empty
    data.setdefault("recording", True)
    return data


def _save(data: dict[str, Any], path: Path) -> None:
    """Write atomically (a temporary file, then a rename), so two kernels never leave half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def is_recording(path: Path | str | None = None) -> bool:
    """True unless recording was turned off (by :func:`disable` or ``LABSUPPORT_PROGRESS=off``)."""
    if path is None and progress_path() is None:
        return False
    return bool(load(path)["recording"])


def _set_recording(on: bool, path: Path | str | None) -> str:
    target = Path(path) if path is not None else progress_path()
    if target is None:
        return f"Progress recording is off through the environment variable {ENV}."
    data = load(target)
    data["recording"] = on
    _save(data, target)
    return f"Progress recording is {'on' if on else 'off'} ({target})."


def disable(path: Path | str | None = None) -> str:
    """Stop recording verdicts (what was recorded stays; delete the file to remove it)."""
    return _set_recording(False, path)


def enable(path: Path | str | None = None) -> str:
    """Record verdicts again."""
    return _set_recording(True, path)


def record_verdict(lesson: int, question: str, verdict: Any, path: Path | str | None = None) -> None:
    """Add one verdict (a :class:`labsupport.checks.Verdict`) for ``question`` of ``lesson``."""
    target = Path(path) if path is not None else progress_path()
    if target is None:
        return
    data = load(target)
    if not data["recording"]:
        return
    key = f"lesson{lesson:02d}.{question}"
    entry = data["answers"].setdefault(key, {"lesson": lesson, "question": question, "attempts": 0,
                                             "verdicts": {}, "last": None})
    name = getattr(verdict, "value", str(verdict))
    entry["attempts"] += 1
    entry["verdicts"][name] = entry["verdicts"].get(name, 0) + 1
    entry["last"] = name
    _save(data, target)


def lesson_of(obj: Any) -> tuple[int, str] | None:
    """``(lesson number, variable name)`` of a question defined in a ``labsupport.exercises.lessonNN`` module."""
    for modname, module in sorted(sys.modules.items()):
        m = _LESSON_MODULE.match(modname)
        if not m or module is None:
            continue
        for name in getattr(module, "__all__", ()):
            if getattr(module, name, None) is obj:
                return int(m.group(1)), name
    return None


def record(obj: Any, result: Any) -> None:
    """Record ``result`` (a check's Result) for the lesson question ``obj``; never fails a check.

    Answers that were not attempted are not recorded, nor are questions outside the lesson modules
    (the examples and tests build their own).
    """
    verdict = getattr(result, "verdict", None)
    if verdict is None or getattr(verdict, "value", None) == "not attempted":
        return
    where = lesson_of(obj)
    if where is None:
        return
    try:
        record_verdict(where[0], where[1], verdict)
    except OSError:  # a read-only home or a full disk must never break a learner's check
        pass


# --- the instructor's side: many learners' files -> one overview ----------------------------------------
def _learner_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.rglob("progress.json") if p.is_file())
    return files


def aggregate(folder: Path | str, learners: bool = False) -> Table:
    """A class overview from every ``progress.json`` under ``folder`` (e.g. the JupyterHub home directories).

    One row per question, the most-missed first: how many learners tried it, got it right, tried and are not
    there yet, and their mean number of attempts. With ``learners=True``: one row per learner instead (the
    folder a file was found in, relative to ``folder``), with the questions they are stuck on.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise LabError(f"DIR: {str(folder)!r} is not a folder; give the folder that holds the learners' progress files")
    files = _learner_files(folder)
    if learners:
        rows = []
        for f in files:
            answers = load(f)["answers"]
            stuck = sorted(k for k, e in answers.items() if e.get("last") != "correct")
            rows.append({"LEARNER": str(f.parent.relative_to(folder)).replace("/my-work", "") or ".",
                         "CORRECT": sum(1 for e in answers.values() if e.get("last") == "correct"),
                         "NOT YET": len(stuck), "STUCK ON": ", ".join(stuck) or "-"})
        return Table(["LEARNER", "CORRECT", "NOT YET", "STUCK ON"], rows,
                     title=f"{len(files)} learner progress file{'s' if len(files) != 1 else ''} under {folder}")
    per: dict[str, dict[str, Any]] = {}
    for f in files:
        for key, e in load(f)["answers"].items():
            row = per.setdefault(key, {"tried": 0, "correct": 0, "attempts": 0})
            row["tried"] += 1
            row["correct"] += e.get("last") == "correct"
            row["attempts"] += int(e.get("attempts", 0))
    rows = [{"QUESTION": key, "TRIED": r["tried"], "CORRECT": r["correct"], "NOT YET": r["tried"] - r["correct"],
             "MEAN ATTEMPTS": f"{r['attempts'] / r['tried']:.1f}"}
            for key, r in per.items()]
    rows.sort(key=lambda r: (-r["NOT YET"], -float(r["MEAN ATTEMPTS"]), r["QUESTION"]))
    return Table(["QUESTION", "TRIED", "CORRECT", "NOT YET", "MEAN ATTEMPTS"], rows,
                 title=f"Class overview from {len(files)} learner file{'s' if len(files) != 1 else ''}: most missed first")


def _main(argv: Iterable[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m labsupport.progress",
                                     description="Aggregate learners' progress.json files into a class overview.")
    parser.add_argument("folder", help="folder holding the learners' files, e.g. a copy of the hub's home directories")
    parser.add_argument("--learners", action="store_true", help="one row per learner instead of per question")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        print(aggregate(args.folder, learners=args.learners))
    except LabError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
