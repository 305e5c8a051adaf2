"""tools/schedule.py: workshop schedules built from the lessons' card minutes."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import schedule  # noqa: E402

CARDS = [{"lesson": 0, "title": "Welcome", "teaching_minutes": 20, "exercise_minutes": 0},
         {"lesson": 1, "title": "Architecture", "teaching_minutes": 80, "exercise_minutes": 50},
         {"lesson": 2, "title": "Core concepts", "teaching_minutes": 80, "exercise_minutes": 50},
         {"lesson": 3, "title": "Scheduling", "teaching_minutes": 75, "exercise_minutes": 40}]


@pytest.mark.parametrize("fmt", schedule.FORMATS, ids=[f"{f.name}: no session idles while parts wait" for f in schedule.FORMATS])
def test_no_session_is_left_idle_for_min_split_minutes_while_parts_wait(fmt):
    rows, _ = schedule.plan(fmt, CARDS)
    last = fmt.sessions.index(rows[-1][0])
    for s in fmt.sessions[:last]:       # every session before the one where the plan ends
        end = max((b for sess, _, b, _ in rows if sess == s), default=s.start)
        assert s.end - end < schedule.MIN_SPLIT, (s, end)


def test_a_lesson_longer_than_what_is_left_before_a_break_is_split_across_it():
    rows, _ = schedule.plan(schedule.FORMATS[1], CARDS)
    whats = [what for *_, what in rows]
    assert whats[:3] == ["00 Welcome: lesson", "01 Architecture: lesson (part 1)", "01 Architecture: lesson (part 2)"]
    assert [(schedule._hm(a), schedule._hm(b)) for _, a, b, _ in rows[1:3]] == [("09:20", "10:30"), ("10:45", "10:55")]


def test_a_part_begun_in_class_is_listed_after_the_workshop_as_its_rest():
    cards = CARDS + [{"lesson": 4, "title": "Long", "teaching_minutes": 200, "exercise_minutes": 0}]
    rows, later = schedule.plan(schedule.FORMATS[1], cards)
    assert later[0] == "04 Long: lesson (the rest, from part 2)" or not any("04 Long" in w for *_, w in rows)


def test_every_minute_is_either_scheduled_or_left_for_later():
    rows, later = schedule.plan(schedule.FORMATS[2], CARDS)
    scheduled = sum(b - a for _, a, b, _ in rows)
    assert later == [] and scheduled == sum(c["teaching_minutes"] + c["exercise_minutes"] for c in CARDS)
