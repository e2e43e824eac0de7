"""Instructors can hand solutions/ to nbgrader unchanged: generate, autograde, full marks;
and a learner's progress file (helpers.tracking) changes no mark."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# One lesson is enough to prove the round trip (every solution follows the same protocol, which
# tests/test_notebooks.py checks); autograding runs it three times, for three students:
# "complete" is graded with no progress file, "complete-too" (the same notebook) with one that
# says every exercise failed, "untouched" with one that says every exercise passed.
LESSONS = ["02-perceptron"]
CONFIG = """\
c = get_config()
c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.db_assignments = [{assignments}]
c.CourseDirectory.db_students = [{{"id": "complete"}}, {{"id": "complete-too"}},
                                 {{"id": "untouched"}}]
c.Execute.timeout = 600
"""

# nbgrader comes with requirements-dev.txt, which `python3 course.py test` installs: a missing
# install fails here rather than skipping.
import nbgrader  # noqa: E402, F401


@pytest.fixture(autouse=True)
def venv_on_path(monkeypatch):
    """nbgrader runs the `alembic` command it installed: find it beside this Python."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


STUDENTS = {"complete": ("source", None), "complete-too": ("source", False),
            "untouched": ("release", True)}     # submission's origin, what its progress file says


def run_nbgrader(course, *args, env=None):
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course,
                            capture_output=True, text=True, timeout=900, env=env)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stderr[-3000:]}"
    return result


def round_trip(course, names):
    """source/ = solutions/; release/ generated; submissions autograded. Returns scores."""
    from nbgrader.api import Gradebook

    assignments = ", ".join(f'{{"name": "{n}"}}' for n in names)
    (course / "nbgrader_config.py").write_text(CONFIG.format(assignments=assignments))
    for name in names:
        (course / "source" / name).mkdir(parents=True)
        shutil.copy(ROOT / "solutions" / f"{name}.ipynb", course / "source" / name)
        run_nbgrader(course, "generate_assignment", name, "--force")
        for student, (origin, says) in STUDENTS.items():
            folder = course / "submitted" / student / name
            folder.mkdir(parents=True)
            shutil.copy(course / origin / name / f"{name}.ipynb", folder)
            progress = course / "progress" / f"{student}.json"
            progress.parent.mkdir(exist_ok=True)
            if says is not None:
                lesson = int(name[:2])
                progress.write_text(json.dumps({"format": 1, "exercises": {
                    f"{lesson}.{k}": {"passed": says, "passed_once": says, "tries": 1,
                                      "when": "2026-01-01T00:00:00+00:00"}
                    for k in range(1, 10)}}))
            env = dict(os.environ, DL_COURSE_PROGRESS=str(progress))
            run_nbgrader(course, "autograde", name, "--student", student, "--force", env=env)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {(name, student): (gradebook.find_submission(name, student).score,
                                  gradebook.find_assignment(name).max_score)
                for name in names for student in STUDENTS}


@pytest.mark.slow
def test_nbgrader_generates_and_autogrades_a_lesson(tmp_path):
    scores = round_trip(tmp_path, LESSONS)
    for name in LESSONS:
        score, top = scores[(name, "complete")]
        assert top >= 3 and score == top, f"{name}: the full solution scored {score}/{top}"
        assert scores[(name, "complete-too")] == (score, top), \
            f"{name}: a progress file that says 'failed' changed the marks"
        score, _ = scores[(name, "untouched")]
        assert score == 0, f"{name}: the untouched student version scored {score} (its " \
                           "progress file said every exercise passed: it must not count)"

        student = json.loads((tmp_path / "release" / name / f"{name}.ipynb").read_text())
        solution_cells = [c for c in student["cells"]
                          if c["metadata"].get("nbgrader", {}).get("solution")]
        assert solution_cells and all("BEGIN SOLUTION" not in "".join(c["source"]) and
                                      "YOUR CODE HERE" in "".join(c["source"])
                                      for c in solution_cells)

        graded = json.loads(
            (tmp_path / "autograded" / "untouched" / name / f"{name}.ipynb").read_text())
        for cell in graded["cells"]:
            errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
            meta = cell["metadata"].get("nbgrader", {})
            if errors:
                assert meta.get("grade") or meta.get("solution"), (
                    f"{name}: narrative cell failed in the student version:\n"
                    f"{''.join(cell['source'])[:300]}\n{errors[0]['ename']}")
        executed = [c for c in graded["cells"] if c["cell_type"] == "code"]
        assert all(c["execution_count"] for c in executed), "not every cell was executed"
