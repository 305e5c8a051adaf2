"""Every quick check a lesson shows can be answered by typing the hint it prints (``quiz_x.answer("b")``).

The hint names the quiz by its ``name``; that only works if the notebook binds the quiz to a variable of
the same name. Found by fresh readers in lessons 01, 02, 05-09: quizzes shown as ``checks.quiz1`` or straight
from a constructor, whose printed hint raised NameError.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
MODULES = sorted((ROOT / "labsupport" / "exercises").glob("*.py"))
CONSTRUCTORS = {"MultipleChoice", "ShortAnswer"}


def _constructor(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id in CONSTRUCTORS) or (isinstance(f, ast.Attribute) and f.attr in CONSTRUCTORS)


def _name_kw(call: ast.Call):
    return next((k.value.value for k in call.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)), None)


def _code(path: Path) -> list[str]:
    if path.suffix == ".py":
        return [path.read_text()]
    cells = json.loads(path.read_text())["cells"]
    src = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return ["\n".join(line for line in s.splitlines() if not line.lstrip().startswith(("%", "!"))) for s in src]


def _quiz_attributes() -> set[str]:
    """Names of the quizzes the exercise modules define (shown in lessons as ``module.quizN``)."""
    names = set()
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and _constructor(node.value):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _problems(path: Path, quiz_attrs: set[str]) -> list[str]:
    out = []
    for i, src in enumerate(_code(path)):
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and _constructor(node.value):
                name = _name_kw(node.value)
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if name not in targets:
                    out.append(f"code cell {i}: {targets} = ...(name={name!r}): the hint would print {name!r}")
            elif isinstance(node, ast.Expr) and _constructor(node.value):
                out.append(f"code cell {i}: a quiz shown without a variable (its hint cannot be typed)")
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Attribute) and node.value.attr in quiz_attrs:
                out.append(f"code cell {i}: {ast.unparse(node.value)} shown as an attribute; bind it: "
                           f"{node.value.attr} = {ast.unparse(node.value)}")
    return out


@pytest.mark.parametrize("path", NOTEBOOKS + MODULES, ids=lambda p: f"{p.parent.name}/{p.name}: every quiz hint can be typed")
def test_every_quiz_is_bound_to_the_variable_its_hint_names(path):
    assert _problems(path, _quiz_attributes()) == []
