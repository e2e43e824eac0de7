"""The notebook run of conftest.py: each lesson once, then its solution's answers and checks."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]


def notebook(*cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def tagged(source, *tags):
    cell = new_code_cell(source)
    cell.metadata["tags"] = list(tags)
    return cell


def pair(answer, check, narrative="x = 41", before_exercise=""):
    """(lesson, solution) the way the builder makes them: the lesson's answer is a stub."""
    given = [new_code_cell(before_exercise)] if before_exercise else []
    solution = notebook(new_markdown_cell("# 99 · A test"), new_code_cell(narrative), *given,
                        tagged(answer, "exercise"), tagged(check, "check"),
                        new_markdown_cell("Summary"))
    lesson = notebook(new_markdown_cell("# 99 · A test"), new_code_cell(narrative), *given,
                      tagged("def answer():\n    raise NotImplementedError('Exercise 99.1')",
                             "exercise", "raises-exception"),
                      tagged(check, "check", "raises-exception"),
                      new_markdown_cell("Summary"))
    return lesson, solution


@pytest.fixture
def course(pytester):
    """A throwaway course folder with this project's conftest.py."""
    shutil.copy(ROOT / "conftest.py", pytester.path / "conftest.py")
    (pytester.path / "lessons").mkdir()
    (pytester.path / "solutions").mkdir()

    def write(lesson, solution, name="99-test.ipynb"):
        nbformat.write(lesson, pytester.path / "lessons" / name)
        nbformat.write(solution, pytester.path / "solutions" / name)

    return write


def test_a_lesson_runs_once_then_its_answers_and_checks(course, pytester):
    course(*pair("def answer():\n    return x + 1", "assert answer() == 42",
                 before_exercise="y = 1"))
    result = pytester.runpytest("--nbval-lax", "-v", "lessons", "-p", "no:cacheprovider")
    # the lesson's four code cells, then the solution's exercise and check
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*::Cell 3 PASSED*", "*::solution Cell 2 PASSED*",
                                 "*::solution Cell 3 PASSED*"])


def test_a_wrong_answer_in_the_solution_fails_the_run(course, pytester):
    course(*pair("def answer():\n    return x", "assert answer() == 42"))
    result = pytester.runpytest("--nbval-lax", "lessons", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*FAILED lessons/99-test*::solution Cell 2*"])


def test_an_untagged_lesson_cell_that_raises_fails_the_run(course, pytester):
    lesson, solution = pair("def answer():\n    return x + 1", "assert answer() == 42")
    lesson.cells[2].metadata["tags"] = ["exercise"]
    lesson.cells[3].metadata["tags"] = ["check"]
    course(lesson, solution)
    result = pytester.runpytest("--nbval-lax", "lessons", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*FAILED lessons/99-test*::Cell 2*"])


def test_a_lesson_whose_narrative_differs_from_its_solution_is_an_error(course, pytester):
    lesson, _ = pair("def answer():\n    return x + 1", "assert answer() == 42")
    _, solution = pair("def answer():\n    return x + 1", "assert answer() == 42",
                       narrative="x = 40")
    course(lesson, solution)
    result = pytester.runpytest("--nbval-lax", "lessons", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*differ before the first exercise*course.py build*"])
    assert result.ret != 0


@pytest.mark.slow
def test_the_course_run_collects_each_lesson_with_its_answers_and_no_solution_twice():
    def collect(*args):
        return subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "--collect-only",
                               "-q", "-p", "no:cacheprovider", *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=120).stdout

    # named on the command line, a solution notebook runs on its own
    named = collect("solutions/02-perceptron.ipynb", "lessons/02-perceptron.ipynb")
    assert "solutions/02-perceptron.ipynb::Cell 0" in named
    assert "lessons/02-perceptron.ipynb::solution Cell" in named
    # the course's run (no paths given: pyproject's testpaths, here without tests/)
    default = collect("-o", "testpaths=solutions lessons").splitlines()
    assert not [line for line in default if line.startswith("solutions/")]
    for lesson in sorted((ROOT / "lessons").glob("*.ipynb")):
        assert any(line.startswith(f"lessons/{lesson.name}::solution Cell") for line in default)
