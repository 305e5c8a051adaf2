"""The course map, built from the ``course`` metadata every lesson notebook carries.

Each lesson stores ``{"lesson": N, "title": ..., "objectives": [...], "keypoints": [...],
"teaching_minutes": M, "exercise_minutes": E}`` in its notebook metadata, so the schedule and
the index are read from the lessons themselves and never drift from them.

>>> m = course_map()
>>> m.rows[0]["LESSON"], m.rows[0]["FILE"]
(0, 'notebooks/00_welcome.ipynb')
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path

from labsupport import progress as _progress
from labsupport.core.table import Table

__all__ = ["NOTEBOOKS", "lesson_metadata", "course_map", "lesson_questions", "progress"]

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def lesson_metadata(folder: Path | str = NOTEBOOKS) -> list[dict]:
    """The ``course`` metadata of every lesson in ``folder``, in lesson order, with the file name added."""
    folder = Path(folder)
    lessons = []
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("course")
        if meta:
            lessons.append({**meta, "file": f"{folder.name}/{path.name}"})
    return sorted(lessons, key=lambda m: m["lesson"])


def lesson_questions(lesson: int) -> list[str]:
    """Names of the checked questions of a lesson (its exercises ``q1``.. and quick checks ``quiz1``..),
    read from ``labsupport.exercises.lessonNN``; empty for a lesson without one.

    >>> lesson_questions(1)[:2]
    ['q1', 'q2']
    """
    try:
        module = importlib.import_module(f"labsupport.exercises.lesson{lesson:02d}")
    except ModuleNotFoundError:
        return []
    return [n for n in getattr(module, "__all__", ()) if hasattr(getattr(module, n), "answer") or hasattr(getattr(module, n), "check")]


def _done(lesson: int, answers: dict) -> tuple[int, int]:
    names = lesson_questions(lesson)
    done = sum(1 for n in names if answers.get(f"lesson{lesson:02d}.{n}", {}).get("last") == "correct")
    return done, len(names)


def progress(folder: Path | str = NOTEBOOKS) -> Table:
    """Your progress per lesson: checked questions answered correctly (latest verdict) out of all.

    Read from your local ``my-work/progress.json`` (see :mod:`labsupport.progress`; nothing is sent anywhere).
    """
    answers = _progress.load()["answers"]
    rows = []
    for m in lesson_metadata(folder):
        done, total = _done(m["lesson"], answers)
        tried = sum(1 for k in answers if k.startswith(f"lesson{m['lesson']:02d}."))
        rows.append({"LESSON": m["lesson"], "TITLE": m["title"], "CORRECT": f"{done}/{total}" if total else "-",
                     "TRIED": tried, "FILE": m["file"]})
    state = "on" if _progress.is_recording() else "off"
    return Table(["LESSON", "TITLE", "CORRECT", "TRIED", "FILE"], rows,
                 title=f"Your progress (recording {state}; labsupport.progress.disable() turns it off)")


def course_map(folder: Path | str = NOTEBOOKS) -> Table:
    """A table of the lessons: number, title, minutes of teaching and exercises, objectives, your progress, file."""
    answers = _progress.load()["answers"]
    rows = []
    for m in lesson_metadata(folder):
        done, total = _done(m["lesson"], answers)
        rows.append({
            "LESSON": m["lesson"],
            "TITLE": m["title"],
            "MINUTES": f"{m.get('teaching_minutes', 0)} + {m.get('exercise_minutes', 0)}",
            "YOU WILL BE ABLE TO": m["objectives"][0] + (f" (+{len(m['objectives']) - 1} more)" if len(m["objectives"]) > 1 else ""),
            "DONE": f"{done}/{total}" if total else "-",
            "FILE": m["file"],
        })
    total = sum(m.get("teaching_minutes", 0) + m.get("exercise_minutes", 0) for m in lesson_metadata(folder))
    return Table(["LESSON", "TITLE", "MINUTES", "YOU WILL BE ABLE TO", "DONE", "FILE"], rows,
                 title=f"Course map: {len(rows)} lesson{'' if len(rows) == 1 else 's'}, about {total} minutes (teaching + exercises)")
