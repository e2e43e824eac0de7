"""Where a learner stands across lessons.

Every check run in a notebook records its verdict (exercise, passed or not, when) in one small
JSON file on this machine: `.progress.json` at the course's root (never committed: it is in
.gitignore), or wherever DL_COURSE_PROGRESS points. Nothing is sent anywhere.

    helpers.progress()                 a figure: one row per lesson, one cell per exercise
    python3 course.py progress         the same as a table in the terminal

Two kernels may check at the same moment: a write takes a lock and replaces the file whole
(write a temporary file, then rename), so the file is never half-written. A file that cannot
be read is "nothing done yet", with a note, and is kept aside for a curious learner; recording
never stops a check. Grading (nbgrader) neither reads nor needs this file.
"""

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADING = re.compile(r"^#{2,4} Exercise (\d+)\.(\d+)\b", re.MULTILINE)
FORMAT = 1


def progress_file():
    """The progress file's path: $DL_COURSE_PROGRESS, else .progress.json at the course root."""
    return Path(os.environ.get("DL_COURSE_PROGRESS") or ROOT / ".progress.json")


@contextlib.contextmanager
def _locked(path):
    """Hold an exclusive lock on `path`.lock while reading and rewriting `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "a+b") as handle:
        try:
            import fcntl
        except ImportError:                      # Windows
            import msvcrt

            handle.seek(0)
            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:               # LK_LOCK gives up after 10 s; try again
                    continue
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def read(path=None):
    """{exercise number: {"passed": bool, "passed_once": bool, "when": ISO time, "tries": n}};
    {} for a missing file, and for an unreadable one with a note (the file is kept as
    <name>.unreadable)."""
    path = Path(path) if path else progress_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        warnings.warn(f"Could not read your progress file {path} ({error}); showing nothing "
                      "done yet.", stacklevel=2)
        return {}
    try:
        data = json.loads(text)
        exercises = data["exercises"]
        if not isinstance(exercises, dict) or not all(
                isinstance(v, dict) and "passed" in v for v in exercises.values()):
            raise ValueError("unexpected layout")
        return exercises
    except (ValueError, KeyError, TypeError) as error:
        kept = path.with_name(path.name + ".unreadable")
        with contextlib.suppress(OSError):
            os.replace(path, kept)
        warnings.warn(f"Your progress file {path} could not be read ({error}); it is kept as "
                      f"{kept.name} and progress starts afresh. Your notebooks are not "
                      "affected: run a check cell to record it again.", stacklevel=2)
        return {}


def _write(path, exercises):
    text = json.dumps({"format": FORMAT, "exercises": exercises}, indent=1, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=".progress-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def record(number, passed, when=None, path=None):
    """Record one verdict. Never raises: a progress file that cannot be written is a warning,
    not a failed check."""
    path = Path(path) if path else progress_file()
    when = (when or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    try:
        with _locked(path):
            exercises = read(path)
            old = exercises.get(str(number), {})
            exercises[str(number)] = {"passed": bool(passed), "when": when,
                                      "passed_once": bool(passed or old.get("passed_once")),
                                      "tries": int(old.get("tries", 0)) + 1}
            _write(path, exercises)
    except OSError as error:
        warnings.warn(f"Could not record this check in {path} ({error}); the check itself "
                      "is unaffected.", stacklevel=2)


def lessons(root=ROOT):
    """[(lesson "07", title, [exercise numbers "7.1", ...])] from the notebooks in lessons/
    (solutions/ where lessons/ is absent)."""
    import nbformat

    root = Path(root)
    folder = root / "lessons" if (root / "lessons").is_dir() else root / "solutions"
    found = []
    for path in sorted(folder.glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        title = nb.cells[0].source.splitlines()[0].split("·", 1)[-1].strip() if nb.cells else ""
        numbers = sorted({(int(a), int(b)) for a, b in HEADING.findall(markdown)})
        found.append((path.name[:2], title, [f"{a}.{b}" for a, b in numbers]))
    return found


def table(root=ROOT, path=None):
    """One row per lesson: exercises done (passed at least once) of the total, last activity."""
    exercises = read(path)
    rows = []
    for lesson, title, numbers in lessons(root):
        mine = [exercises[n] for n in numbers if n in exercises]
        done = sum(e.get("passed_once", e["passed"]) for e in mine)
        last = max((e["when"] for e in mine), default="")
        rows.append({"lesson": lesson, "title": title, "done": done, "total": len(numbers),
                     "last activity": last[:16].replace("T", " ") if last else "-"})
    return rows


def format_table(rows):
    """The table as text for a terminal."""
    head = f"{'lesson':<6}  {'title':<42} {'done':>9}  last activity (UTC)"
    lines = [head, "-" * len(head)]
    for r in rows:
        bar = "#" * r["done"] + "." * (r["total"] - r["done"])
        lines.append(f"{r['lesson']:<6}  {r['title'][:42]:<42} {r['done']:>2}/{r['total']:<2} "
                     f"{bar:<5}  {r['last activity']}")
    done = sum(r["done"] for r in rows)
    total = sum(r["total"] for r in rows)
    lines.append(f"{done} of {total} exercises done.")
    return "\n".join(lines)


COLOURS = {"passed": "#2e7d32", "tried": "#ef6c00", "open": "#e0e0e0"}


def figure(root=ROOT, path=None):
    """One row per lesson, one cell per exercise: green passed (at least once), orange tried
    and not passed yet, grey not tried."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    exercises = read(path)
    rows = lessons(root)
    widest = max((len(n) for _, _, n in rows), default=1)
    fig, ax = plt.subplots(figsize=(3.6 + 0.6 * widest, 0.3 * len(rows) + 1.4),
                           layout="constrained")
    for y, (_, _, numbers) in enumerate(rows):
        for x, n in enumerate(numbers):
            e = exercises.get(n)
            state = "open" if e is None else \
                "passed" if e.get("passed_once", e["passed"]) else "tried"
            ax.add_patch(Rectangle((x + 0.05, y + 0.1), 0.9, 0.8, color=COLOURS[state]))
            ax.text(x + 0.5, y + 0.5, n, ha="center", va="center", fontsize=7,
                    color="white" if state != "open" else "#616161")
    ax.set_xlim(0, widest)
    ax.set_ylim(len(rows), 0)
    ax.set_yticks([y + 0.5 for y in range(len(rows))],
                  [f"{lesson} {title}" for lesson, title, _ in rows], fontsize=8)
    ax.tick_params(length=0)
    ax.set_xticks([])
    ax.grid(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    done = sum(1 for _, _, ns in rows for n in ns
               if n in exercises and exercises[n].get("passed_once", exercises[n]["passed"]))
    total = sum(len(ns) for _, _, ns in rows)
    ax.set_title(f"Your progress: {done} of {total} exercises done", loc="left")
    ax.legend(handles=[Patch(color=COLOURS[k], label=label) for k, label in
                       (("passed", "passed"), ("tried", "tried, not passed yet"),
                        ("open", "not tried"))],
              loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=3, fontsize=8)
    return fig


def progress(path=None):
    """Draw where you stand: one row per lesson, one cell per exercise (the figure)."""
    return figure(path=path)


if __name__ == "__main__":
    print(f"Progress recorded in {progress_file()}\n")
    print(format_table(table()))
