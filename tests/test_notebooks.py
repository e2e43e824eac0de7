"""Course-wide rules for the notebooks: in sync, no outputs, the design's anatomy."""

import json
from pathlib import Path

import nbformat
import pytest

from helpers import authoring

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_lessons_are_in_sync_with_solutions():
    assert authoring.problems() == []


@pytest.mark.parametrize("path", SOLUTIONS + sorted((ROOT / "lessons").glob("*.ipynb")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_notebooks_carry_no_outputs(path):
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_follows_the_course_rules(path):
    """The builder's rules (anatomy, exercise protocol, no figure after the first exercise,
    no control characters): the same check `python3 course.py build` makes."""
    nb = nbformat.read(path, as_version=4)
    assert authoring.lint(nb, path.relative_to(ROOT)) == []
