"""Build the learners' lessons/ from the authors' solutions/ (for authors and CI).

    python -m helpers.authoring build     check the course's rules, clean solutions/ in
                                          place, write lessons/
    python -m helpers.authoring check     exit 1 if a rule is broken, lessons/ is stale or
                                          solutions/ has outputs

Both refuse a notebook that breaks a rule of the course (see `lint`), naming the cell, and
neither imports TensorFlow: building every lesson takes a couple of seconds.

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
import importlib
import re
import sys
from pathlib import Path

import nbformat

from helpers.protocol import BEGIN, END, parse_header, stub_message

ROOT = Path(__file__).resolve().parent.parent
CELL_METADATA_KEPT = ("tags", "nbgrader")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


HOSTED_TAG = "hosted-setup"
COLAB = "https://colab.research.google.com/github/{path}/blob/{branch}/lessons/{name}"


def course_address(root=ROOT):
    """(repository URL, branch) from pyproject.toml's [tool.dl-course]: the one place the
    course's published address is set (the set-up cells and README's Colab links use it)."""
    path = Path(root) / "pyproject.toml"
    text = (path if path.exists() else ROOT / "pyproject.toml").read_text(encoding="utf-8")
    table = text.split("[tool.dl-course]", 1)[-1].split("\n[", 1)[0]
    values = dict(re.findall(r'^(repository|branch)\s*=\s*"([^"]+)"', table, re.MULTILINE))
    if "repository" not in values:
        raise AuthoringError("pyproject.toml needs [tool.dl-course] repository = \"https://...\"")
    return values["repository"].rstrip("/"), values.get("branch", "main")


def colab_link(name, root=ROOT):
    """'Open in Colab' address of lessons/<name>."""
    repository, branch = course_address(root)
    path = repository.split("github.com/", 1)[-1]
    return COLAB.format(path=path, branch=branch, name=name)


def hosted_cell_source(root=ROOT):
    """The set-up cell above `import helpers` in every lesson: on Colab or Kaggle it fetches the
    course and installs what the runtime lacks (helpers/hosted.py); elsewhere it does nothing."""
    repository, _ = course_address(root)
    return (
        "# On Colab or Kaggle: fetch the course, add what the runtime lacks. Elsewhere: nothing.\n"
        "import os\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ \\\n'
        '        or os.environ.get("DL_COURSE_HOSTED"):\n'
        f'    source = os.environ.get("DL_COURSE_REPOSITORY", "{repository}")\n'
        '    if not os.path.isdir("dl-course"):\n'
        "        !git clone -q --depth 1 $source dl-course\n"
        '    sys.path.insert(0, os.path.abspath("dl-course"))\n'
        "    from helpers import hosted\n"
        "\n"
        "    hosted.install()\n"
        '    os.chdir("dl-course/lessons")')


README_LINK = re.compile(r"\[([^\]]+)\]\(lessons/(\d\d-[^)]+\.ipynb)\)(?: · \[Colab\]\([^)]*\))?")


def readme_with_colab_links(text, root=ROOT):
    """README.md's text with '· [Colab](...)' after each lesson's link, from the address in
    pyproject.toml."""
    return README_LINK.sub(lambda m: f"[{m.group(1)}](lessons/{m.group(2)}) · "
                                     f"[Colab]({colab_link(m.group(2), root)})", text)


def with_hosted_cell(nb, root=ROOT):
    """Put the current hosted set-up cell right after the title (in place): a cell tagged
    'hosted-setup' is brought up to date, or one is inserted."""
    source = hosted_cell_source(root)
    for cell in nb.cells:
        if HOSTED_TAG in cell.metadata.get("tags", []):
            cell.source = source
            return nb
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [HOSTED_TAG]
    nb.cells.insert(1 if nb.cells else 0, cell)
    return nb


class AuthoringError(ValueError):
    """A solution notebook breaks the exercise protocol; the message names the cell."""


def _where(path, index, cell):
    return f"{path}, cell {index} (id {cell.get('id', '?')})"


def exercise_header(cell, where):
    """(number, task) from an exercise cell's first line `# Exercise 2.1: task`."""
    first = cell.source.splitlines()[0] if cell.source.strip() else ""
    header = parse_header(first)
    if not header:
        raise AuthoringError(f"{where}: an exercise cell must start with a line like "
                             f"'# Exercise 2.1: implement predict(x, w, b)'; found {first!r}.")
    return header


def blank_solutions(source, number, task, where):
    """Replace every BEGIN/END SOLUTION region with a stub that names the exercise."""
    out, inside, indent = [], False, ""
    message = stub_message(number, task)
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


NAME = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb$")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # every control character but newline
HEADING = re.compile(r"^### Exercise (\d+\.\d+) · ", re.M)
CHECK_CALL = re.compile(r"\bcheck\.(\w+)\(")
FIGURE = re.compile(r"\bplt\.|\bplots\.|\bexplore\(|LivePlot|LiveProgress")
TF_IMPORT = re.compile(r"\s*(import|from)\s+(keras|tensorflow)\b")


def lint(nb, path):
    """The course's rules a solution notebook breaks: a list of sentences naming the cell.

    Anatomy (COURSE_DESIGN.md): file name NN-slug, a '# NN · Title' first cell, a set-up cell
    that imports helpers before keras/tensorflow and calls helpers.setup(), a 'Time to run'
    line. Exercises: at least three, numbered N.1, N.2, ... in order, each under a
    '### Exercise N.k · ' heading and followed by one check cell that calls this lesson's
    checker for that number; no figure after the first exercise (Run All stops there). No
    control characters in markdown (a TAB typed as '\\t' in LaTeX ate '\\text').
    """
    path = Path(path)
    found = []
    number = path.name[:2]

    def problem(index, text):
        where = _where(path, index, nb.cells[index]) if index is not None else str(path)
        found.append(f"{where}: {text}")

    if not NAME.match(path.name):
        problem(None, "the name must be two digits, a dash and a kebab-case slug "
                      "(07-convolutional-networks.ipynb).")
    if not nb.cells or nb.cells[0].cell_type != "markdown" or \
            not nb.cells[0].source.startswith(f"# {number} · "):
        problem(0 if nb.cells else None, f"the first cell must be markdown starting "
                                         f"'# {number} · ' and the lesson's title.")
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and HOSTED_TAG not in c.metadata.get("tags", [])]
    if code:
        lines = nb.cells[code[0]].source.splitlines()
        helpers_at = next((k for k, line in enumerate(lines)
                           if re.match(r"\s*import helpers\b", line)), None)
        if "helpers.setup(" not in nb.cells[code[0]].source or helpers_at is None:
            problem(code[0], "the first code cell must `import helpers` and call "
                             "helpers.setup().")
        elif any(TF_IMPORT.match(line) for line in lines[:helpers_at]):
            problem(code[0], "import helpers before keras and tensorflow (it keeps their "
                             "start-up noise out of the notebook).")
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    if "Time to run" not in markdown:
        problem(None, "the introduction must state the 'Time to run'.")
    for index, cell in enumerate(nb.cells):
        bad = CONTROL.search(cell.source) if cell.cell_type == "markdown" else None
        if bad:
            around = cell.source[max(0, bad.start() - 20): bad.start() + 10]
            problem(index, f"markdown holds the control character {bad.group()!r} in "
                           f"{around!r}: an escape such as the \\t of \\text that became a "
                           "character; type the backslash twice in code that writes notebooks.")
    found += _exercise_problems(nb, path, number)
    return found


def _exercise_problems(nb, path, number):
    found = []
    exercises = [i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and "exercise" in c.metadata.get("tags", [])]
    if len(exercises) < 3:
        found.append(f"{path}: a lesson has at least three exercises; this one has "
                     f"{len(exercises)}.")
    numbers = []
    for k, index in enumerate(exercises):
        where = _where(path, index, nb.cells[index])
        try:
            got, _ = exercise_header(nb.cells[index], where)
        except AuthoringError as error:
            found.append(str(error))
            continue
        numbers.append(got)
        want = f"{int(number)}.{k + 1}" if number.isdigit() else got
        if got != want:
            found.append(f"{where}: exercises are numbered in order; this one should be "
                         f"{want}, not {got}.")
        end = exercises[k + 1] if k + 1 < len(exercises) else len(nb.cells)
        checks = [i for i in range(index + 1, end) if "check" in nb.cells[i].metadata.get(
            "tags", [])]
        if len(checks) != 1:
            found.append(f"{where}: Exercise {got} needs exactly one cell tagged 'check' "
                         f"after it (found {len(checks)}).")
            continue
        found += _check_call_problems(nb, path, checks[0], got, number)
    headings = HEADING.findall("\n".join(c.source for c in nb.cells
                                          if c.cell_type == "markdown"))
    if headings != numbers:
        found.append(f"{path}: each exercise needs a markdown heading '### Exercise N.k · "
                     f"title' before it; headings {headings} vs exercises {numbers}.")
    if exercises:
        for index in range(exercises[0], len(nb.cells)):
            cell = nb.cells[index]
            if cell.cell_type == "code" and not {"exercise", "check"} & set(
                    cell.metadata.get("tags", [])) and FIGURE.search(cell.source):
                found.append(f"{_where(path, index, cell)}: a figure after the first "
                             "exercise; Run All stops at that exercise, so a learner would "
                             "never see it. Move it before the exercises.")
    return found


def checker_module(number):
    """helpers.checks.lessonNN (NumPy only, no TensorFlow), or None if there is none."""
    try:
        return importlib.import_module(f"helpers.checks.lesson{number}")
    except ModuleNotFoundError:
        return None


def _check_call_problems(nb, path, index, exercise_number, number):
    where = _where(path, index, nb.cells[index])
    call = CHECK_CALL.search(nb.cells[index].source)
    if not call:
        return [f"{where}: a check cell calls its checker as check.<name>(answer)."]
    module = checker_module(number)
    if module is None:
        return [f"{where}: there is no helpers/checks/lesson{number}.py for its checkers."]
    checker = getattr(module, call.group(1), None)
    if getattr(checker, "exercise", None) != exercise_number:
        return [f"{where}: check.{call.group(1)} is not the checker of Exercise "
                f"{exercise_number} in helpers/checks/lesson{number}.py."]
    return []


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
        nb = with_hosted_cell(nbformat.read(src, as_version=4))
        broken = lint(nb, where)
        if broken:
            raise AuthoringError("\n".join(broken))
        nb = clean(nb, where)
        lesson = lesson_from_solution(nb, where)
        _write_if_changed(src, notebook_text(nb))
        _write_if_changed(lessons / src.name, notebook_text(lesson))
        written.append(lessons / src.name)
    readme = Path(solutions).parent / "README.md"
    if not names and readme.exists():
        _write_if_changed(readme, readme_with_colab_links(readme.read_text(encoding="utf-8"),
                                                          Path(solutions).parent))
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
        nb = nbformat.reads(original, as_version=4)
        found += lint(nb, where)
        hosted = [c for c in nb.cells if HOSTED_TAG in c.metadata.get("tags", [])]
        if (len(hosted) != 1 or hosted[0].source != hosted_cell_source(
                solutions.parent) or nb.cells.index(hosted[0]) != 1):
            found.append(f"{src}: the Colab/Kaggle set-up cell (tagged '{HOSTED_TAG}', right "
                         "after the title) is missing or out of date; run "
                         "`python3 course.py build`.")
        nb = clean(nb, where)
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
    readme = solutions.parent / "README.md"
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        if readme_with_colab_links(text, solutions.parent) != text:
            found.append(f"{readme}: its Colab links do not match [tool.dl-course] in "
                         "pyproject.toml; run `python3 course.py build`.")
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
