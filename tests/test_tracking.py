"""A learner's progress (helpers.tracking): recorded by checks in a real kernel, safe under
concurrent writers, forgiving of a corrupt file, shown as a table and a figure."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import tracking

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def progress(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    monkeypatch.setenv("DL_COURSE_PROGRESS", str(path))
    return path


def test_a_verdict_is_recorded_and_a_pass_is_remembered_after_a_later_failure(progress):
    tracking.record("4.2", True)
    tracking.record("4.2", False)
    tracking.record("4.3", False)
    mine = tracking.read()
    assert mine["4.2"]["passed"] is False and mine["4.2"]["passed_once"] is True
    assert mine["4.2"]["tries"] == 2
    assert mine["4.3"] == {**mine["4.3"], "passed": False, "passed_once": False, "tries": 1}
    assert json.loads(progress.read_text())["format"] == tracking.FORMAT


def test_two_processes_writing_at_once_lose_nothing(progress):
    writer = ("import sys\nfrom helpers import tracking\n"
              "for k in range(40):\n    tracking.record(f'{sys.argv[1]}.{k}', k % 2 == 0)\n")
    workers = [subprocess.Popen([sys.executable, "-c", writer, lesson]) for lesson in ("3", "5")]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    mine = tracking.read()
    assert len(mine) == 80
    assert all(mine[f"{lesson}.{k}"]["passed"] == (k % 2 == 0)
               for lesson in ("3", "5") for k in range(40))


@pytest.mark.parametrize("text", ["{not json", '{"exercises": [1, 2]}', '"just a string"', ""])
def test_a_corrupt_file_is_nothing_done_yet_with_a_note_never_a_crash(progress, text):
    progress.write_text(text)
    with pytest.warns(UserWarning, match="could not be read.*kept as progress.json.unreadable"):
        assert tracking.read() == {}
    assert (progress.parent / "progress.json.unreadable").read_text() == text
    tracking.record("2.1", True)                        # and recording starts afresh
    assert tracking.read()["2.1"]["passed"] is True


def test_a_file_that_cannot_be_written_is_a_warning_not_a_failed_check(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DL_COURSE_PROGRESS", str(blocker / "progress.json"))
    with pytest.warns(UserWarning, match="the check itself is unaffected"):
        tracking.record("2.1", True)


def _course(tmp_path):
    """Two tiny lessons: 01 with exercises 1.1-1.3, 02 with 2.1-2.2."""
    for lesson, title, count in (("01", "First", 3), ("02", "Second", 2)):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {lesson} · {title}")] + [
            nbformat.v4.new_markdown_cell(f"### Exercise {int(lesson)}.{k} · task")
            for k in range(1, count + 1)]
        (tmp_path / "lessons").mkdir(exist_ok=True)
        nbformat.write(nb, tmp_path / "lessons" / f"{lesson}-lesson.ipynb")
    return tmp_path


def test_the_table_counts_exercises_done_per_lesson(progress, tmp_path):
    course = _course(tmp_path)
    tracking.record("1.1", True)
    tracking.record("1.2", False)
    tracking.record("1.3", True)
    tracking.record("1.3", False)                 # passed once: still done
    rows = tracking.table(course)
    assert [(r["lesson"], r["title"], r["done"], r["total"]) for r in rows] == \
        [("01", "First", 2, 3), ("02", "Second", 0, 2)]
    assert rows[1]["last activity"] == "-"
    text = tracking.format_table(rows)
    assert "2/3" in text and "0/2" in text and "2 of 5 exercises done." in text


def test_the_course_table_lists_every_lesson_with_its_exercises(progress):
    rows = tracking.table()
    lessons = sorted(p.name[:2] for p in (ROOT / "lessons").glob("[0-9][0-9]-*.ipynb"))
    assert [r["lesson"] for r in rows] == lessons
    assert all(r["total"] >= 3 and r["done"] == 0 for r in rows)


def test_the_figure_has_one_cell_per_exercise_coloured_by_state(progress, tmp_path):
    from matplotlib.colors import to_hex

    course = _course(tmp_path)
    tracking.record("1.1", True)
    tracking.record("2.2", False)
    fig = tracking.figure(course)
    ax = fig.axes[0]
    colours = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert len(colours) == 5
    assert colours.count(tracking.COLOURS["passed"]) == 1
    assert colours.count(tracking.COLOURS["tried"]) == 1
    assert colours.count(tracking.COLOURS["open"]) == 3
    assert ax.get_title(loc="left") == "Your progress: 1 of 5 exercises done"


@pytest.mark.slow
def test_checks_in_a_real_kernel_record_their_verdicts_and_stubs_record_nothing(progress):
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (
        "from helpers.checks import exercise, Reject\n"
        "@exercise('99.1')\n"
        "def positive(answer):\n"
        "    if answer() <= 0:\n"
        "        raise Reject('should be positive')\n",
        "positive(lambda: 1)",
        "try:\n    positive(lambda: -1)\nexcept AssertionError:\n    pass",
        "@exercise('99.2')\ndef other(answer):\n    answer()\n",
        "def stub():\n    raise NotImplementedError\n"
        "try:\n    other(stub)\nexcept AssertionError:\n    pass",
    )]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    mine = tracking.read()
    assert set(mine) == {"99.1"}
    assert mine["99.1"]["tries"] == 2 and mine["99.1"]["passed_once"] is True
    assert mine["99.1"]["passed"] is False


def test_checks_outside_a_notebook_record_nothing(progress):
    from helpers.checks import exercise

    @exercise("99.3")
    def always(answer):
        return None

    assert always(1) is True
    assert not progress.exists()


def test_course_py_progress_prints_the_table(progress):
    result = subprocess.run([sys.executable, "-m", "helpers.tracking"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert str(progress) in result.stdout and "exercises done." in result.stdout
