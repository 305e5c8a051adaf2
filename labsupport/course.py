"""The course map, built from the ``course`` metadata every lesson notebook carries.

Each lesson stores ``{"lesson": N, "title": ..., "objectives": [...], "keypoints": [...],
"teaching_minutes": M, "exercise_minutes": E}`` in its notebook metadata, so the schedule and
the index are read from the lessons themselves and never drift from them.

>>> m = course_map()
>>> m.rows[0]["LESSON"], m.rows[0]["FILE"]
(0, 'notebooks/00_welcome.ipynb')
"""
from __future__ import annotations

import json
from pathlib import Path

from labsupport.core.table import Table

__all__ = ["NOTEBOOKS", "lesson_metadata", "course_map"]

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


def course_map(folder: Path | str = NOTEBOOKS) -> Table:
    """A table of the lessons: number, title, minutes of teaching and exercises, objectives, file."""
    rows = [
        {
            "LESSON": m["lesson"],
            "TITLE": m["title"],
            "MINUTES": f"{m.get('teaching_minutes', 0)} + {m.get('exercise_minutes', 0)}",
            "YOU WILL BE ABLE TO": m["objectives"][0] + (f" (+{len(m['objectives']) - 1} more)" if len(m["objectives"]) > 1 else ""),
            "FILE": m["file"],
        }
        for m in lesson_metadata(folder)
    ]
    total = sum(m.get("teaching_minutes", 0) + m.get("exercise_minutes", 0) for m in lesson_metadata(folder))
    return Table(["LESSON", "TITLE", "MINUTES", "YOU WILL BE ABLE TO", "FILE"], rows,
                 title=f"Course map: {len(rows)} lesson{'' if len(rows) == 1 else 's'}, about {total} minutes (teaching + exercises)")
