"""Course-wide rules for the notebooks: in sync, no outputs, the design's anatomy."""

import importlib
import json
import re
from pathlib import Path

import pytest

from helpers import authoring

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
NAME = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb$")


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def test_lessons_are_in_sync_with_solutions():
    assert authoring.problems() == []


@pytest.mark.parametrize("path", SOLUTIONS + sorted((ROOT / "lessons").glob("*.ipynb")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_notebooks_carry_no_outputs(path):
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_notebook_follows_the_anatomy(path):
    number = path.name[:2]
    assert NAME.match(path.name)
    found = cells(path)
    assert found[0]["cell_type"] == "markdown"
    assert "".join(found[0]["source"]).startswith(f"# {number} · ")
    first_code = next(c for c in found if c["cell_type"] == "code")
    assert "helpers.setup()" in "".join(first_code["source"])
    text = "".join("".join(c["source"]) for c in found if c["cell_type"] == "markdown")
    assert "Time to run" in text


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_exercise_has_a_check_calling_this_lessons_checker(path):
    number = path.name[:2]
    module = importlib.import_module(f"helpers.checks.lesson{number}")
    found = cells(path)
    exercises = [c for c in found if "exercise" in tags(c)]
    checks = [c for c in found if "check" in tags(c)]
    assert len(exercises) >= 3 and len(checks) == len(exercises)
    declared = [re.match(r"# Exercise (\d+\.\d+)", "".join(c["source"])).group(1)
                for c in exercises]
    checked = []
    for cell in checks:
        call = re.search(r"\bcheck\.(\w+)\(", "".join(cell["source"]))
        assert call, f"check cell without a check.<name>(...) call: {cell['source']}"
        checked.append(getattr(module, call.group(1)).exercise)
    assert checked == declared
    assert declared == [f"{int(number)}.{k}" for k in range(1, len(declared) + 1)]


FIGURE = re.compile(r"\bplt\.|\bplots\.|\bexplore\(|LivePlot|LiveProgress")


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_exercises_come_after_every_figure(path):
    """Run All stops at the first exercise of a lesson, so every figure (and explorer) a
    learner should see when the narrative runs must come before it."""
    found = cells(path)
    first = next(i for i, c in enumerate(found) if "exercise" in tags(c))
    for cell in found[first:]:
        if cell["cell_type"] == "code" and not {"exercise", "check"} & set(tags(cell)):
            assert not FIGURE.search("".join(cell["source"])), (
                "a figure after the first exercise:\n" + "".join(cell["source"])[:200])


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_helpers_is_imported_before_keras_and_tensorflow(path):
    """`import helpers` first keeps TensorFlow's start-up lines out of the notebook."""
    setup = "".join(next(c for c in cells(path) if c["cell_type"] == "code")["source"])
    lines = setup.splitlines()
    first_tf = [i for i, line in enumerate(lines)
                if re.match(r"\s*(import|from)\s+(keras|tensorflow)\b", line)]
    helpers_at = next(i for i, line in enumerate(lines) if re.match(r"\s*import helpers\b", line))
    assert all(helpers_at < i for i in first_tf)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_each_exercise_has_a_heading_with_its_number(path):
    found = cells(path)
    headings = re.findall(r"^### Exercise (\d+\.\d+) · ", "\n".join(
        "".join(c["source"]) for c in found if c["cell_type"] == "markdown"), re.M)
    numbers = [re.match(r"# Exercise (\d+\.\d+)", "".join(c["source"])).group(1)
               for c in found if "exercise" in tags(c)]
    assert headings == numbers
