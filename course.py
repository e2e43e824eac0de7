#!/usr/bin/env python3
"""The course's one entry point: set-up, JupyterLab, tests.

    python3 course.py lab            open the course in JupyterLab
    python3 course.py test [ARGS]    run every test (ARGS go to pytest, e.g. one notebook)
    python3 course.py build          regenerate lessons/ from solutions/ (for authors)

The first run creates a virtual environment in .venv and installs requirements.txt into it
(about 3 minutes); later runs reuse it and reinstall only when requirements.txt or
pyproject.toml changed. Needs nothing but Python 3.10+ (standard library only).
"""

import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("COURSE_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / "course-requirements.sha256"
INSTALL_INPUTS = ("requirements.txt", "pyproject.toml")

# JupyterLab asks the internet for news and updates at start-up; the course is offline.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "checkForUpdates": False,
        "fetchNews": "false",
    }
}


def say(message):
    print(f"[course] {message}", flush=True)


def requirements_digest():
    """sha256 over the files that decide what gets installed."""
    digest = hashlib.sha256()
    for name in INSTALL_INPUTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_environment():
    """Create .venv and install the pinned requirements unless they are already there."""
    if sys.version_info < (3, 10):
        sys.exit(f"[course] Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    wanted = requirements_digest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not PYTHON.exists():
        say(f"creating a virtual environment in {VENV} ...")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("installing the pinned requirements (first time: about 3 minutes) ...")
    result = subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check",
         "-r", str(ROOT / "requirements.txt")],
        cwd=ROOT,
    )
    if result.returncode != 0:
        sys.exit("[course] pip could not install requirements.txt (see above). Check that this "
                 "machine reaches the Python package index, then run the command again.")
    write_lab_overrides()
    STAMP.write_text(wanted + "\n")
    say("environment ready.")


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


def lab(extra):
    return run([str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT}", *extra])


def test(extra):
    # Two workers; --dist loadfile keeps each notebook's cells together on one worker.
    return run([str(PYTHON), "-m", "pytest", "-n", "2", "--dist", "loadfile", "--nbval-lax",
                *extra])


def build(extra):
    return run([str(PYTHON), "-m", "helpers.authoring", "build", *extra])


COMMANDS = {"lab": lab, "test": test, "build": build}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip())
        return 2
    ensure_environment()
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
