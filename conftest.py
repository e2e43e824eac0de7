"""How `python3 course.py test` runs the notebooks: each lesson once, its answers after it.

nbval on its own would run every notebook twice over: `solutions/NN` and `lessons/NN` share
their whole narrative (the builder blanks only the answers, and the design puts the exercises
at the end with no later cell depending on an answer). So each lesson is one kernel:

1. `lessons/NN`, top to bottom, exactly as a learner opens it; only the cells the builder
   tagged `raises-exception` (the stubs and their checks) may raise;
2. then, in the same kernel, the solution's cells from its first exercise to its end: every
   answer, and every check, which must pass.

Step 2 starts from the state the solution notebook has at its first exercise, because the code
before it is the same in both (checked here, cell by cell). Together the two steps run every
cell of both notebooks. A notebook named on the command line
(`python3 course.py test solutions/07-convolutional-networks.ipynb`) runs on its own, as nbval
runs it.
"""

import copy
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent

# Checks run by the suite's kernels record verdicts like a learner's (helpers.tracking): into a
# throwaway file, never into the progress of whoever runs the tests.
os.environ["DL_COURSE_PROGRESS"] = os.path.join(tempfile.mkdtemp(prefix="dl-course-progress-"),
                                                "progress.json")


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _code_sources(cells):
    return [cell.source for cell in cells if cell.cell_type == "code"]


def lesson_run(lesson_path, solution_path):
    """The code cells of the one kernel run: (name, cell) pairs, lesson first, then the
    solution's cells from its first exercise on. Raises ValueError if the two notebooks do not
    share the code before it."""
    lesson = nbformat.read(lesson_path, as_version=4)
    solution = nbformat.read(solution_path, as_version=4)
    first = next((i for i, cell in enumerate(solution.cells) if "exercise" in _tags(cell)),
                 len(solution.cells))
    if _code_sources(lesson.cells[:first]) != _code_sources(solution.cells[:first]):
        raise ValueError(f"lessons/{lesson_path.name} and solutions/{solution_path.name} differ "
                         "before the first exercise: rebuild it with `python3 course.py build`.")
    code = [cell for cell in lesson.cells if cell.cell_type == "code"]
    answers = [copy.deepcopy(cell) for cell in solution.cells[first:] if cell.cell_type == "code"]
    return lesson, ([(f"Cell {n}", cell) for n, cell in enumerate(code)] +
                    [(f"solution Cell {len(code) - len(answers) + n}", cell)
                     for n, cell in enumerate(answers)])


try:
    from nbval.plugin import IPyNbCell, IPyNbFile, find_metadata_tags
except ImportError:  # a learner's environment has no nbval; only the test run needs this
    IPyNbFile = None
else:
    class LessonRun(IPyNbFile):
        """lessons/NN under nbval, then solutions/NN's exercises and checks in its kernel."""

        def collect(self):
            solution = ROOT / "solutions" / self.path.name
            if not solution.exists():
                raise pytest.UsageError(f"lessons/{self.path.name} has no solutions/ notebook; "
                                        "lessons/ is built from solutions/ and never by hand.")
            self.nb, cells = lesson_run(self.path, solution)
            for number, (name, cell) in enumerate(cells):
                options = defaultdict(bool, find_metadata_tags(cell.metadata))
                options.setdefault("check", False)
                yield IPyNbCell.from_parent(self, name=name, cell_num=number, cell=cell,
                                            options=options)


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    collected = yield
    if IPyNbFile is None or file_path.suffix != ".ipynb":
        return collected
    folder = file_path.parent.resolve()
    named = parent.config.args_source == pytest.Config.ArgsSource.ARGS
    if folder == ROOT / "lessons":
        return [LessonRun.from_parent(parent, path=file_path) if type(item) is IPyNbFile
                else item for item in collected]
    if folder == ROOT / "solutions" and not named:
        return [item for item in collected if type(item) is not IPyNbFile]
    return collected
