"""The questions behind each lesson's exercise notebook, one module per lesson.

A lesson module (``lesson03.py`` for ``exercises/03_scheduling_kubernetes.ipynb``) binds each
question to the name the notebook uses (``q1 = NumberQuestion("q1", ...)``) and lists
them in ``__all__``. The notebook imports it as
``from labsupport.exercises import lesson03 as ex`` and calls ``ex.q1.check(answer)``.

``tests/test_exercise_checks.py`` imports every module here and checks that each
question has a hint, a solution, a plausible wrong answer it rejects with a message,
and accepts its ``solution_value``. :mod:`labsupport.exercises.example` shows every
kind of question; copy its pattern.
"""

__all__: list[str] = []
