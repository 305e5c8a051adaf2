"""Learner progress: recorded locally per checked answer, can be turned off, aggregated for an instructor."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from labsupport import course, progress
from labsupport.checks import Verdict
from labsupport.exercises import lesson01


@pytest.fixture
def progress_file(tmp_path, monkeypatch):
    path = tmp_path / "my-work" / "progress.json"
    monkeypatch.setenv("LABSUPPORT_PROGRESS", str(path))
    return path


def test_a_checked_exercise_answer_is_recorded_with_its_verdict(progress_file):
    lesson01.q1.check(lambda n: n // 2)
    lesson01.q1.check(lambda n: n - (n // 2 + 1))
    entry = progress.load(progress_file)["answers"]["lesson01.q1"]
    assert entry == {"lesson": 1, "question": "q1", "attempts": 2,
                     "verdicts": {"incorrect": 1, "correct": 1}, "last": "correct"}


def test_a_quick_check_in_a_lesson_is_recorded_too(progress_file):
    quiz = lesson01.quiz1
    quiz.answer(quiz.correct_key)
    assert progress.load(progress_file)["answers"]["lesson01.quiz1"]["last"] == "correct"


def test_an_untouched_placeholder_is_not_recorded(progress_file):
    from labsupport import ____
    lesson01.q1.check(____)
    assert not progress_file.exists()


def test_questions_outside_the_lesson_modules_are_not_recorded(progress_file):
    from labsupport.checks import ValueQuestion
    q = ValueQuestion("q9", 3, solution="3")
    q.check(3)
    assert not progress_file.exists()


def test_disable_stops_recording_and_keeps_what_was_recorded(progress_file):
    lesson01.q1.check(lambda n: n // 2)
    assert "off" in progress.disable()
    lesson01.q1.check(lambda n: n // 2)
    assert progress.load(progress_file)["answers"]["lesson01.q1"]["attempts"] == 1
    assert not progress.is_recording()
    progress.enable()
    lesson01.q1.check(lambda n: n // 2)
    assert progress.load(progress_file)["answers"]["lesson01.q1"]["attempts"] == 2


def test_the_environment_variable_off_records_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("LABSUPPORT_PROGRESS", "off")
    assert progress.progress_path() is None
    lesson01.q1.check(lambda n: n // 2)
    assert not list(tmp_path.iterdir())
    assert "environment variable" in progress.disable()


def test_a_corrupt_progress_file_is_read_as_empty_and_never_breaks_a_check(progress_file):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text("{not json")
    assert lesson01.q1.check(lambda n: n - (n // 2 + 1)).correct
    assert progress.load(progress_file)["answers"]["lesson01.q1"]["attempts"] == 1


def test_a_read_only_progress_folder_never_breaks_a_check(tmp_path, monkeypatch):
    monkeypatch.setenv("LABSUPPORT_PROGRESS", str(tmp_path / "file-not-folder" / "progress.json"))
    (tmp_path / "file-not-folder").write_text("a file where a folder should be")
    assert lesson01.q1.check(lambda n: n - (n // 2 + 1)).correct


def test_course_progress_and_course_map_show_correct_answers_per_lesson(progress_file):
    lesson01.q1.check(lambda n: n - (n // 2 + 1))
    total = len(course.lesson_questions(1))
    row = next(r for r in course.progress() if r["LESSON"] == 1)
    assert row["CORRECT"] == f"1/{total}" and row["TRIED"] == 1
    map_row = next(r for r in course.course_map() if r["LESSON"] == 1)
    assert map_row["DONE"] == f"1/{total}"
    assert next(r for r in course.course_map() if r["LESSON"] == 0)["DONE"] == "-"


def _learner(root, name, answers):
    path = root / name / "my-work" / "progress.json"
    for lesson, q, verdicts in answers:
        for v in verdicts:
            progress.record_verdict(lesson, q, Verdict(v), path=path)


def test_aggregate_lists_the_most_missed_question_first(tmp_path):
    _learner(tmp_path, "ada", [(1, "q1", ["incorrect", "correct"]), (1, "q4", ["incorrect", "incorrect"])])
    _learner(tmp_path, "bob", [(1, "q1", ["correct"]), (1, "q4", ["incorrect"])])
    _learner(tmp_path, "cy", [(1, "q4", ["correct"])])
    table = progress.aggregate(tmp_path)
    assert [r["QUESTION"] for r in table] == ["lesson01.q4", "lesson01.q1"]
    first = table.rows[0]
    assert (first["TRIED"], first["CORRECT"], first["NOT YET"], first["MEAN ATTEMPTS"]) == (3, 1, 2, "1.3")
    learners = progress.aggregate(tmp_path, learners=True)
    assert {r["LEARNER"]: r["STUCK ON"] for r in learners} == {"ada": "lesson01.q4", "bob": "lesson01.q4", "cy": "-"}


def test_make_progress_command_prints_the_overview_and_names_a_bad_folder(tmp_path):
    _learner(tmp_path, "ada", [(2, "q3", ["incorrect"])])
    out = subprocess.run([sys.executable, "-m", "labsupport.progress", str(tmp_path)],
                         capture_output=True, text=True, check=True).stdout
    assert "lesson02.q3" in out and "most missed first" in out
    bad = subprocess.run([sys.executable, "-m", "labsupport.progress", str(tmp_path / "nope")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "is not a folder" in bad.stderr


def test_the_progress_file_is_plain_json_a_learner_can_read(progress_file):
    lesson01.q1.check(lambda n: n // 2)
    data = json.loads(progress_file.read_text())
    assert data["recording"] is True and list(data["answers"]) == ["lesson01.q1"]
