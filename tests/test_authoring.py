"""helpers.authoring: solutions/ -> lessons/, and its refusals."""

import json
import types

import nbformat
import pytest

from helpers import authoring

EXERCISE = ("# Exercise 9.1: implement `double(x)`\n"
            "def double(x):\n"
            "    ### BEGIN SOLUTION\n"
            "    y = 2 * x\n"
            "    return y\n"
            "    ### END SOLUTION\n")


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def code(source, *tags, **extra_metadata):
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags), **extra_metadata})
    cell.outputs = [nbformat.v4.new_output("stream", text="hello\n")]
    cell.execution_count = 3
    return cell


def sample():
    return notebook(nbformat.v4.new_markdown_cell("# 99 · Test"),
                    code("import helpers"),
                    code(EXERCISE, "exercise", collapsed=True),
                    code("check.double(double)", "check"))


def test_solution_region_becomes_a_named_stub_with_indentation_kept():
    lesson = authoring.lesson_from_solution(authoring.clean(sample()))
    assert lesson.cells[2].source == (
        "# Exercise 9.1: implement `double(x)`\n"
        "def double(x):\n"
        "    # YOUR CODE HERE\n"
        "    raise NotImplementedError('Exercise 9.1 is yours: implement `double(x)`.')")
    compile(lesson.cells[2].source, "cell", "exec")


def test_only_exercise_and_check_cells_may_raise():
    lesson = authoring.lesson_from_solution(authoring.clean(sample()))
    tagged = [i for i, c in enumerate(lesson.cells)
              if "raises-exception" in c.metadata.get("tags", [])]
    assert tagged == [2, 3]


def test_clean_strips_outputs_counts_and_stray_metadata_but_keeps_tags_and_nbgrader():
    nb = sample()
    nb.cells[3].metadata["nbgrader"] = {"grade": True, "grade_id": "mine", "points": 3}
    nb.cells[1].metadata["nbgrader"] = {"grade": True}
    nb.metadata["widgets"] = {"state": {}}
    cleaned = authoring.clean(nb)
    assert all(c.outputs == [] and c.execution_count is None
               for c in cleaned.cells if c.cell_type == "code")
    assert set(cleaned.cells[2].metadata) == {"tags", "nbgrader"}
    assert "nbgrader" not in cleaned.cells[1].metadata
    assert set(cleaned.metadata) == {"kernelspec", "language_info"}


def test_exercise_and_check_cells_get_nbgrader_metadata_keeping_the_authors_points():
    nb = sample()
    nb.cells[3].metadata["nbgrader"] = {"points": 3}
    cleaned = authoring.clean(nb)
    solution, check = cleaned.cells[2].metadata.nbgrader, cleaned.cells[3].metadata.nbgrader
    assert (solution["solution"], solution["grade"], solution["grade_id"]) == (
        True, False, "exercise-9-1")
    assert (check["grade"], check["locked"], check["points"], check["grade_id"]) == (
        True, True, 3, "check-9-1")


def test_a_check_before_any_exercise_is_refused():
    nb = notebook(code("check.double(double)", "check"), code(EXERCISE, "exercise"))
    with pytest.raises(authoring.AuthoringError, match="must come after the exercise"):
        authoring.clean(nb)


def test_the_solution_itself_is_not_changed_by_building_its_lesson():
    nb = authoring.clean(sample())
    before = nbformat.writes(nb)
    authoring.lesson_from_solution(nb)
    assert nbformat.writes(nb) == before


@pytest.mark.parametrize("source, message", [
    ("# Exercise 9.1: x\n### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("# Exercise 9.1: x\nx = 1\n### END SOLUTION\n", "without a '### BEGIN SOLUTION'"),
    ("# Exercise 9.1: x\n### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
     "again before"),
    ("def f():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n",
     "must start with a line like"),
])
def test_unbalanced_or_unnamed_exercises_are_refused_naming_the_cell(source, message):
    nb = notebook(code("import helpers"), code(source, "exercise"))
    with pytest.raises(authoring.AuthoringError, match=message) as info:
        authoring.lesson_from_solution(nb, "solutions/99-test.ipynb")
    assert "solutions/99-test.ipynb, cell 1" in str(info.value)


def test_markers_outside_an_exercise_cell_are_refused():
    nb = notebook(code("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n"))
    with pytest.raises(authoring.AuthoringError, match="not tagged 'exercise'"):
        authoring.lesson_from_solution(nb)


def test_an_exercise_cell_without_markers_is_refused():
    nb = notebook(code("# Exercise 9.1: x\nx = 1\n", "exercise"))
    with pytest.raises(authoring.AuthoringError, match="has no '### BEGIN SOLUTION'"):
        authoring.lesson_from_solution(nb)


def exercise_cells(number, name="double"):
    return [nbformat.v4.new_markdown_cell(f"### Exercise {number} · Double it"),
            code(f"# Exercise {number}: implement `{name}(x)`\n"
                 f"def {name}(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                 "    ### END SOLUTION\n", "exercise"),
            code(f"check.{name}({name})", "check")]


def lesson(*extra_cells):
    """A small lesson that keeps every rule: title, set-up, time to run, three exercises."""
    return notebook(nbformat.v4.new_markdown_cell("# 99 · Test\n\nTime to run: 5 s."),
                    code("import helpers\nimport keras\nhelpers.setup()"),
                    nbformat.v4.new_markdown_cell("Some $\\text{maths}$."),
                    code("plt.plot([1, 2])"),
                    *exercise_cells("99.1", "one"), *exercise_cells("99.2", "two"),
                    *exercise_cells("99.3", "three"), *extra_cells)


@pytest.fixture
def checkers(monkeypatch):
    """helpers.checks.lesson99 with a checker for each of the sample's exercises."""
    module = types.SimpleNamespace(**{name: types.SimpleNamespace(exercise=f"99.{k}")
                                      for k, name in enumerate(["one", "two", "three"], 1)})
    monkeypatch.setattr(authoring, "checker_module",
                        lambda number: module if number == "99" else None)
    return module


def test_a_lesson_that_keeps_every_rule_has_no_problems(checkers):
    assert authoring.lint(lesson(), "solutions/99-test.ipynb") == []


def broken(change):
    nb = lesson()
    change(nb)
    return nb


@pytest.mark.parametrize("nb, cell, message", [
    (broken(lambda nb: setattr(nb.cells[2], "source", "Some $\text{maths}$.")), 2,
     "control character '\\t'"),
    (broken(lambda nb: nb.cells.append(code("plt.imshow(x)"))), 13, "a figure after the "
                                                                      "first exercise"),
    (broken(lambda nb: setattr(nb.cells[9], "source", "check.one(two)")), 9,
     "check.one is not the checker of Exercise 99.2"),
    (broken(lambda nb: setattr(nb.cells[9], "source", "two(3)")), 9, "calls its checker"),
    (broken(lambda nb: nb.cells.pop(9)), 8, "needs exactly one cell tagged 'check'"),
    (broken(lambda nb: setattr(nb.cells[1], "source", "import keras\nimport helpers\n"
                                                      "helpers.setup()")), 1,
     "import helpers before keras"),
    (broken(lambda nb: setattr(nb.cells[1], "source", "import helpers")), 1,
     "call helpers.setup()"),
    (broken(lambda nb: setattr(nb.cells[0], "source", "# Test")), 0, "'# 99 · '"),
    (broken(lambda nb: setattr(nb.cells[8], "source", nb.cells[8].source.replace(
        "99.2", "99.4"))), 8, "should be 99.2, not 99.4"),
])
def test_a_broken_rule_is_named_with_its_cell(checkers, nb, cell, message):
    found = authoring.lint(nb, "solutions/99-test.ipynb")
    assert any(f"cell {cell} " in line and message in line for line in found), found


@pytest.mark.parametrize("change, message", [
    (lambda nb: nb.cells.pop(7) and nb.cells.pop(7) and nb.cells.pop(7), "at least three"),
    (lambda nb: setattr(nb.cells[4], "source", "### Exercise 99.1 without a dot"),
     "markdown heading"),
    (lambda nb: setattr(nb.cells[0], "source", "# 99 · Test"), "Time to run"),
])
def test_lesson_wide_rules_are_refused(checkers, change, message):
    assert any(message in line for line in authoring.lint(broken(change),
                                                          "solutions/99-test.ipynb"))


def test_a_badly_named_notebook_is_refused(checkers):
    assert any("kebab-case" in line for line in authoring.lint(lesson(),
                                                               "solutions/99_Test.ipynb"))


def test_build_refuses_a_notebook_that_breaks_a_rule_naming_the_cell(tmp_path, capsys,
                                                                     checkers):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    nb = lesson(code("plt.show()"))
    nbformat.write(nb, solutions / "99-test.ipynb")
    assert authoring.main(["build", "--solutions", str(solutions),
                           "--lessons", str(tmp_path / "lessons")]) == 1
    # cell 14: the builder put its Colab/Kaggle set-up cell after the title first
    assert "99-test.ipynb, cell 14" in capsys.readouterr().err
    assert not (tmp_path / "lessons" / "99-test.ipynb").exists()


def test_the_builder_does_not_import_tensorflow(run_python):
    result = run_python("import sys\n"
                        "from helpers import authoring\n"
                        "assert authoring.main(['check']) == 0\n"
                        "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_build_then_check_round_trip(tmp_path, capsys, checkers):
    solutions, lessons = tmp_path / "solutions", tmp_path / "lessons"
    solutions.mkdir()
    nbformat.write(lesson(), solutions / "99-test.ipynb")
    args = ["--solutions", str(solutions), "--lessons", str(lessons)]
    assert authoring.main(["check", *args]) == 1  # outputs in the solution, no lesson yet
    assert "is not clean" in capsys.readouterr().err
    assert authoring.main(["build", *args]) == 0
    assert authoring.main(["check", *args]) == 0
    stored = json.loads((solutions / "99-test.ipynb").read_text())
    assert all(not c.get("outputs") for c in stored["cells"])

    built = lessons / "99-test.ipynb"
    built.write_text(built.read_text().replace("YOUR CODE HERE", "my edit"))
    assert authoring.main(["check", *args]) == 1
    assert "out of date" in capsys.readouterr().err
    (lessons / "98-orphan.ipynb").write_text(built.read_text())
    authoring.main(["build", *args])
    assert authoring.main(["check", *args]) == 1
    assert "98-orphan.ipynb has no solution" in capsys.readouterr().err


def test_build_refuses_a_broken_notebook_with_exit_code_1(tmp_path, capsys):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    nbformat.write(notebook(code("### BEGIN SOLUTION\n", "exercise")), solutions / "99-bad.ipynb")
    assert authoring.main(["build", "--solutions", str(solutions),
                           "--lessons", str(tmp_path / "lessons")]) == 1
    assert "99-bad.ipynb, cell 0" in capsys.readouterr().err


def test_the_hosted_set_up_cell_is_put_after_the_title_and_kept_current():
    nb = authoring.with_hosted_cell(sample())
    assert authoring.HOSTED_TAG in nb.cells[1].metadata["tags"]
    assert nb.cells[1].source == authoring.hosted_cell_source()
    assert nb.cells[2].source == "import helpers"           # the lesson's own set-up follows
    nb.cells[1].source = "# an old version"
    again = authoring.with_hosted_cell(nb)
    assert len(again.cells) == 5 and again.cells[1].source == authoring.hosted_cell_source()


def test_the_hosted_cell_fetches_from_the_one_address_and_does_nothing_elsewhere():
    repository, _ = authoring.course_address()
    source = authoring.hosted_cell_source()
    assert f'"{repository}"' in source and "hosted.install()" in source
    namespace = {}
    body = source.replace("!git clone", "raise SystemExit  # git clone")
    exec(compile(body, "hosted", "exec"), namespace)        # not Colab, not Kaggle: no-op
    assert "hosted" not in namespace


def test_readme_colab_links_follow_the_address_and_are_idempotent():
    text = "| 02 | [The perceptron](lessons/02-perceptron.ipynb) | ... |"
    linked = authoring.readme_with_colab_links(text)
    assert f"· [Colab]({authoring.colab_link('02-perceptron.ipynb')})" in linked
    assert authoring.readme_with_colab_links(linked) == linked
