"""The contract every checker keeps, tested on every checker found, with no list to update.

Each checker in helpers/checks/lessonNN.py is found with its exercise in solutions/NN-*.ipynb.
The answer under test is the solution's own exercise cell, run as a kernel would run it (its
text in linecache, after the lesson's set-up cell); the check is the notebook's check cell.
Then every checker must:
- pass the solution, twice, on cases drawn afresh each time (an outcome once: its seed is fixed);
- relay the builder's stub message from lessons/, with the task's words of the cell's first line;
- give a verdict, not a crash, for None, a non-function and an answer that raises;
- reject an answer that returns the right result but changes its inputs in place;
- reject an answer that calls a library function the exercise `forbid`s;
- reject a lookup table of the answers to every case it has shown before (fresh cases).
"""

import ast
import functools
import importlib
import json
import linecache
import re
from pathlib import Path

import keras
import numpy as np
import pytest
from answers import args_key

from helpers.checks import ExerciseFailed
from helpers.protocol import parse_header, stub_message

ROOT = Path(__file__).resolve().parent.parent

# Checkers whose answers take no input: a fixed set of weights checked on a whole truth table.
# There is nothing to draw at random and nothing a lookup table could key on.
NO_INPUTS = {
    "2.3": "majority_neuron() takes no input; its weights are checked on all 8 rows",
    "2.4": "xor_network() takes no input; its weights are checked on all 4 rows",
}
# Checkers judged by one outcome: they train the learner's model from the kit's OUTCOME_SEED,
# so that one answer always gets one verdict. A training run is not a table to copy.
OUTCOMES = {"4.4", "5.4", "7.3", "9.3", "10.3", "11.3", "12.4", "13.3", "14.3", "15.3", "16.3"}


def _source(cell):
    return "".join(cell["source"])


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _checkers():
    found = []
    for module_path in sorted((ROOT / "helpers" / "checks").glob("lesson*.py")):
        module = importlib.import_module(f"helpers.checks.{module_path.stem}")
        for name, value in vars(module).items():
            if callable(value) and hasattr(value, "exercise") and \
                    getattr(value, "__module__", None) == module.__name__:
                found.append(pytest.param((module.__name__, name), id=f"{value.exercise}-{name}"))
    return found


CHECKERS = _checkers()


@functools.lru_cache(maxsize=None)
def _notebook(number):
    """(solution cells, lesson cells) of lesson `number` ('02')."""
    [solution] = (ROOT / "solutions").glob(f"{number}-*.ipynb")
    lesson = ROOT / "lessons" / solution.name
    return (json.loads(solution.read_text(encoding="utf-8"))["cells"],
            json.loads(lesson.read_text(encoding="utf-8"))["cells"])


@functools.lru_cache(maxsize=None)
def _setup_namespace(number, before):
    """What a kernel has after the lesson's set-up cell and every import of the cells before
    cell `before` (the narrative's computations are left out: an exercise stands alone)."""
    cells, _ = _notebook(number)
    code = [c for c in cells[:before] if c["cell_type"] == "code"
            and "hosted-setup" not in _tags(c)]          # Colab/Kaggle only, IPython syntax
    namespace = {"__name__": "__main__"}
    exec(compile(_source(code[0]), f"<{number}-setup>", "exec"), namespace)
    for cell in code[1:]:
        tree = ast.parse(_source(cell))
        tree.body = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        exec(compile(tree, f"<{number}-imports>", "exec"), namespace)
    return namespace


def _run_cell(source, namespace, filename):
    """Run a cell's code the way IPython does: its text is kept in linecache."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


class Exercise:
    """An exercise as the solution notebook has it: its cells, task and answers."""

    def __init__(self, module_name, checker_name):
        self.checker = getattr(importlib.import_module(module_name), checker_name)
        self.number = self.checker.exercise
        lesson = f"{int(self.number.split('.')[0]):02d}"
        cells, lesson_cells = _notebook(lesson)
        index = next(i for i, c in enumerate(cells) if "exercise" in _tags(c) and
                     parse_header(_source(c).splitlines()[0])[0] == self.number)
        self.exercise_source = _source(cells[index])
        self.lesson_source = _source(lesson_cells[index])
        self.check_source = _source(next(c for c in cells[index:] if "check" in _tags(c)))
        self.task = parse_header(self.exercise_source.splitlines()[0])[1]
        call = ast.parse(self.check_source).body[-1].value
        assert isinstance(call, ast.Call) and call.func.attr == checker_name, self.check_source
        self.answer_names = [arg.id for arg in call.args]
        self.base = _setup_namespace(lesson, index)

    def namespace(self, source=None, filename=None):
        namespace = dict(self.base)
        _run_cell(source or self.exercise_source, namespace,
                  filename or f"<exercise-{self.number}>")
        return namespace

    def check(self, namespace, **replace):
        """Run the check cell in `namespace`, the answers in `replace` swapped in."""
        namespace = dict(namespace, **replace)
        exec(compile(self.check_source, f"<check-{self.number}>", "exec"), namespace)

    def rejects(self, match=None, **replace):
        with pytest.raises(ExerciseFailed, match=match) as info:
            self.check(self.namespace(), **replace)
        return str(info.value)


@pytest.fixture(params=CHECKERS)
def exercise(request):
    return Exercise(*request.param)


def test_every_checker_is_found():
    assert len(CHECKERS) >= 35


def test_the_solution_passes_on_fresh_cases_twice(exercise):
    namespace = exercise.namespace()
    # An outcome is judged from one fixed seed: a second run would repeat the first.
    for _ in range(1 if exercise.number in OUTCOMES else 2):
        exercise.check(namespace)
    if exercise.number in OUTCOMES:
        assert not exercise.checker.draws, f"Exercise {exercise.number} drew a training seed"
    elif exercise.number not in NO_INPUTS:
        assert exercise.checker.draws, (f"Exercise {exercise.number}: the checker drew no "
                                        "random cases")


def test_the_stub_in_lessons_gets_the_task_from_the_cells_first_line(exercise):
    filename = f"<lesson-{exercise.number}>"
    namespace = exercise.namespace(exercise.lesson_source, filename)
    with pytest.raises(ExerciseFailed) as info:
        exercise.check(namespace)
    assert str(info.value).startswith(stub_message(exercise.number, exercise.task) + " Write")


@pytest.mark.parametrize("stand_in, message", [
    (None, "is None"),
    ("my answer", "should be a function; got a str"),
])
def test_odd_answers_get_a_verdict(exercise, stand_in, message):
    for name in exercise.answer_names:
        exercise.rejects(re.escape(message), **{name: stand_in})


def test_an_answer_that_raises_gets_a_verdict_naming_the_error(exercise):
    for name in exercise.answer_names:
        right = exercise.namespace()[name]
        if isinstance(right, type):
            def broken_init(self, *args, **kwargs):
                raise RuntimeError("a bug of mine")
            broken = type(right.__name__, (right,), {"__init__": broken_init})
        else:
            def broken(*args, **kwargs):
                raise RuntimeError("a bug of mine")
        exercise.rejects("RuntimeError: a bug of mine", **{name: broken})


def _mutate(value):
    """Change a mutable argument in place as a careless answer would; True if it could."""
    if isinstance(value, np.ndarray) and value.size and value.flags.writeable:
        value.flat[0] = value.flat[0] + 1 if value.dtype != bool else not value.flat[0]
        return True
    if isinstance(value, list):
        value.append(value[-1] if value else 0)
        return True
    if isinstance(value, dict) and value:
        return any(_mutate(v) for v in value.values())
    return False


def test_an_answer_that_changes_its_inputs_is_rejected(exercise):
    name = exercise.answer_names[0]
    right = exercise.namespace()[name]
    if isinstance(right, type):
        pytest.skip("the answer is a class; its methods receive Keras' own objects")
    changed = []

    @functools.wraps(right)
    def careless(*args, **kwargs):
        out = right(*args, **kwargs)
        changed.extend(_mutate(a) for a in list(args) + list(kwargs.values()))
        models = out if isinstance(out, (tuple, list)) else (out,)
        if not any(changed) and any(isinstance(m, keras.Model) for m in models):
            # A model builder given nothing mutable (the outcome exercises): stop before the
            # checker trains the model, since there is nothing to catch.
            pytest.skip("the answer builds a model from arguments it cannot change in place")
        return out

    try:
        exercise.check(exercise.namespace(), **{name: careless})
    except ExerciseFailed as failed:
        assert "in place" in str(failed), str(failed)
    else:
        assert not any(changed), "an answer that changed its inputs passed"


def test_an_answer_that_calls_a_forbidden_library_function_is_told_so(exercise):
    name = exercise.answer_names[0]
    right = exercise.namespace()[name]
    for forbidden in exercise.checker.forbid:
        source = (f"def {name}(*args, **kwargs):\n"
                  f"    if args is None:\n"
                  f"        return {forbidden}(*args)\n"
                  f"    return right(*args, **kwargs)\n")
        namespace = {"right": right}
        exec(source, namespace)
        message = exercise.rejects("your answer uses", **{name: namespace[name]})
        assert forbidden in message


def test_a_table_of_the_answers_to_earlier_cases_is_rejected(exercise):
    if exercise.number in NO_INPUTS:
        pytest.skip(NO_INPUTS[exercise.number])
    name = exercise.answer_names[0]
    right = exercise.namespace()[name]
    if isinstance(right, type):
        pytest.skip("the answer is a class, not a function of the inputs")
    table = {}

    @functools.wraps(right)
    def recording(*args, **kwargs):
        out = right(*args, **kwargs)
        table[args_key((args, kwargs))] = out
        return out

    exercise.check(exercise.namespace(), **{name: recording})

    @functools.wraps(right)
    def lookup(*args, **kwargs):
        return table.get(args_key((args, kwargs)))

    exercise.rejects(**{name: lookup})
