"""Build the learners' lessons/ from the authors' solutions/ (for authors and CI).

    python -m helpers.authoring build     clean solutions/ in place, write lessons/
    python -m helpers.authoring check     exit 1 if lessons/ is stale or solutions/ has outputs

In solutions/, an exercise cell is tagged `exercise`, starts with a comment naming it, and
marks the answer with nbgrader's markers:

    # Exercise 2.1: implement `predict(x, w, b)`
    def predict(x, w, b):
        ### BEGIN SOLUTION
        return (x @ w + b > 0).astype(int)
        ### END SOLUTION

`build` gives exercise cells and check cells nbgrader's metadata (solution; graded and locked,
1 point by default), so nbgrader can use solutions/ as its source notebooks unchanged.

In lessons/, each marked region becomes `# YOUR CODE HERE` and a `raise NotImplementedError`
naming the exercise; exercise and check cells (tagged `check`) get the `raises-exception` tag
so nbval expects them, and only them, to fail. Outputs and execution counts are stripped and
only the metadata the course uses is kept.
"""

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
EXERCISE_LINE = re.compile(r"^#\s*Exercise\s+(\d+\.\d+)\s*[:·—-]\s*(.+?)\s*$")
CELL_METADATA_KEPT = ("tags", "nbgrader")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class AuthoringError(ValueError):
    """A solution notebook breaks the exercise protocol; the message names the cell."""


def _where(path, index, cell):
    return f"{path}, cell {index} (id {cell.get('id', '?')})"


def exercise_header(cell, where):
    """(number, task) from an exercise cell's first line `# Exercise 2.1: task`."""
    first = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
    match = EXERCISE_LINE.match(first)
    if not match:
        raise AuthoringError(f"{where}: an exercise cell must start with a line like "
                             f"'# Exercise 2.1: implement predict(x, w, b)'; found {first!r}.")
    return match.group(1), match.group(2).rstrip(".")


def blank_solutions(source, number, task, where):
    """Replace every BEGIN/END SOLUTION region with a stub that names the exercise."""
    out, inside, indent = [], False, ""
    message = f"Exercise {number} is yours: {task}."
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise AuthoringError(f"{where}: '{BEGIN}' again before '{END}'.")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError({message!r})"]
        elif marker == END:
            if not inside:
                raise AuthoringError(f"{where}: '{END}' without a '{BEGIN}' before it.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise AuthoringError(f"{where}: '{BEGIN}' is never closed by '{END}'.")
    return "\n".join(out)


def clean(nb, path="notebook"):
    """Strip outputs, execution counts and metadata the course does not use, and give
    exercise and check cells their nbgrader metadata (in place)."""
    nb.metadata = nbformat.NotebookNode(
        kernelspec=KERNELSPEC, language_info=nbformat.NotebookNode(name="python"))
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode(
            {k: v for k, v in cell.metadata.items() if k in CELL_METADATA_KEPT})
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    grading_metadata(nb, path)
    return nb


def grading_metadata(nb, path="notebook"):
    """nbgrader metadata for exercise cells (solution) and check cells (graded, locked).

    A check cell grades the exercise before it; its points default to 1 and an author's
    `points` is kept. Every other cell loses stray nbgrader metadata.
    """
    number = None
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        old = cell.metadata.pop("nbgrader", {})
        slug = None
        if "exercise" in tags and cell.cell_type == "code":
            number, _ = exercise_header(cell, _where(path, index, cell))
            slug = number.replace(".", "-")
            cell.metadata["nbgrader"] = {"grade": False, "grade_id": f"exercise-{slug}",
                                         "locked": False, "schema_version": 3,
                                         "solution": True, "task": False}
        elif "check" in tags:
            if number is None:
                raise AuthoringError(f"{_where(path, index, cell)}: a 'check' cell must come "
                                     "after the exercise cell it checks.")
            slug = number.replace(".", "-")
            cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"check-{slug}",
                                         "locked": True, "points": old.get("points", 1),
                                         "schema_version": 3, "solution": False,
                                         "task": False}


def _tag(cell, tag):
    tags = cell.metadata.setdefault("tags", [])
    if tag not in tags:
        tags.append(tag)


def lesson_from_solution(nb, path="notebook"):
    """The learner's copy of a (cleaned) solution notebook; `nb` is left unchanged."""
    lesson = nbformat.reads(nbformat.writes(nb), as_version=4)  # a deep copy
    for index, cell in enumerate(lesson.cells):
        where = _where(path, index, cell)
        tags = cell.metadata.get("tags", [])
        has_markers = BEGIN in cell.source or END in cell.source
        if cell.cell_type != "code":
            if has_markers:
                raise AuthoringError(f"{where}: solution markers belong in code cells only.")
            continue
        if "exercise" in tags:
            if not has_markers:
                raise AuthoringError(f"{where}: tagged 'exercise' but has no '{BEGIN}' region.")
            number, task = exercise_header(cell, where)
            cell.source = blank_solutions(cell.source, number, task, where)
            _tag(cell, "raises-exception")
        elif has_markers:
            raise AuthoringError(f"{where}: has solution markers but is not tagged 'exercise'.")
        if "check" in tags:
            _tag(cell, "raises-exception")
    return lesson


def notebook_text(nb):
    """The notebook as it is stored: nbformat's JSON and a final newline."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def build(solutions=ROOT / "solutions", lessons=ROOT / "lessons", only=()):
    """Clean solution notebooks in place and write their lessons. Returns the lesson paths.

    `only`: notebook paths or names to build (default: all of solutions/).
    """
    lessons = Path(lessons)
    lessons.mkdir(parents=True, exist_ok=True)
    names = {Path(p).name for p in only}
    written = []
    for src in sorted(Path(solutions).glob("*.ipynb")):
        if names and src.name not in names:
            continue
        where = src.relative_to(src.parent.parent)
        nb = clean(nbformat.read(src, as_version=4), where)
        lesson = lesson_from_solution(nb, where)
        _write_if_changed(src, notebook_text(nb))
        _write_if_changed(lessons / src.name, notebook_text(lesson))
        written.append(lessons / src.name)
    return written


def _write_if_changed(path, text):
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def problems(solutions=ROOT / "solutions", lessons=ROOT / "lessons"):
    """What `check` complains about: a list of sentences, empty when all is in order."""
    found = []
    solutions, lessons = Path(solutions), Path(lessons)
    for src in sorted(solutions.glob("*.ipynb")):
        original = src.read_text(encoding="utf-8")
        where = src.relative_to(solutions.parent)
        nb = clean(nbformat.reads(original, as_version=4), where)
        if original != notebook_text(nb):
            found.append(f"{src} is not clean (outputs, execution counts, stray or missing "
                         "metadata); run `python3 course.py build`.")
        expected = notebook_text(lesson_from_solution(nb, where))
        target = lessons / src.name
        if not target.exists():
            found.append(f"{target} is missing; run `python3 course.py build`.")
        elif target.read_text(encoding="utf-8") != expected:
            found.append(f"{target} is out of date with {src}; run `python3 course.py build` "
                         "(never edit lessons/ by hand).")
    for extra in sorted(set(p.name for p in lessons.glob("*.ipynb")) -
                        set(p.name for p in solutions.glob("*.ipynb"))):
        found.append(f"{lessons / extra} has no solution in {solutions}; delete it or add one.")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m helpers.authoring", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "check"])
    parser.add_argument("notebooks", nargs="*", help="build only these (default: all)")
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions")
    parser.add_argument("--lessons", type=Path, default=ROOT / "lessons")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            for path in build(args.solutions, args.lessons, args.notebooks):
                print(f"wrote {path}")
            return 0
        issues = problems(args.solutions, args.lessons)
    except AuthoringError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for line in issues:
        print(line, file=sys.stderr)
    if not issues:
        print("lessons/ is in sync with solutions/.")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main())
