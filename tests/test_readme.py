"""README.md: its lesson table lists every lesson, with the time each notebook states."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| (\d\d) \| \[[^\]]+\]\((lessons/[^)]+\.ipynb)\) · \[Colab\]\(([^)]+)\) \|"
                 r".*\(about (\d+) s\) \|$", re.M)
STATED = re.compile(r"Time to run:\*\* about (\d+) s")


def _rows():
    return {number: (path, int(seconds))
            for number, path, _, seconds in ROW.findall((ROOT / "README.md").read_text())}


def _stated_time(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = [m for c in cells for m in STATED.findall("".join(c["source"]))]
    assert len(found) == 1, f"{path.name}: expected one 'Time to run' line, found {len(found)}"
    return int(found[0])


def test_the_lesson_table_lists_every_lesson_once():
    lessons = sorted(p.name for p in (ROOT / "lessons").glob("*.ipynb"))
    rows = _rows()
    assert sorted(Path(path).name for path, _ in rows.values()) == lessons
    assert all(Path(path).name.startswith(number) for number, (path, _) in rows.items())


def test_the_table_quotes_the_time_each_notebook_states():
    for number, (path, seconds) in _rows().items():
        stated = _stated_time(ROOT / "solutions" / Path(path).name)
        assert seconds == stated, (f"README says lesson {number} runs in about {seconds} s; "
                                   f"the notebook says about {stated} s (bench/notebooks.py)")


def test_every_lesson_has_an_open_in_colab_link_built_from_the_one_address():
    from helpers import authoring

    links = {path: colab for _, path, colab, _ in ROW.findall((ROOT / "README.md").read_text())}
    assert links and all(colab == authoring.colab_link(Path(path).name)
                         for path, colab in links.items())
    repository, branch = authoring.course_address()
    assert all(colab.startswith("https://colab.research.google.com/github/") and
               repository.split("github.com/")[1] in colab and f"/blob/{branch}/" in colab
               for colab in links.values())
