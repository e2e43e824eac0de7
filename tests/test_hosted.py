"""Colab and Kaggle: what the hosted set-up installs, and that it leaves the runtime's own
TensorFlow, Keras and Jupyter alone."""

import sys
from pathlib import Path

import pytest

from helpers import hosted

ROOT = Path(__file__).resolve().parent.parent
TEST_ONLY = {"nbformat", "nbclient", "pytest", "pytest-xdist", "nbval"}  # the runtime has Jupyter's


def _pins(name):
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        bare = line.split("#")[0].split(";")[0].strip()
        if "==" in bare:
            package, version = bare.split("==")
            pins[package.strip().lower()] = version.strip()
    return pins


@pytest.mark.parametrize("env, modules, expected", [
    ({}, {}, None),
    ({}, {"google.colab": object()}, "colab"),
    ({"COLAB_RELEASE_TAG": "release-colab_20261101"}, {}, "colab"),
    ({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, {}, "kaggle"),
    ({"DL_COURSE_HOSTED": "colab"}, {}, "colab"),
])
def test_the_runtime_is_recognised(env, modules, expected):
    assert hosted.runtime(env, modules) == expected


def test_the_hosted_requirements_never_touch_what_the_runtime_owns():
    asked = set(hosted.requirement_names(ROOT / hosted.COLAB_REQUIREMENTS))
    assert not asked & set(hosted.RUNTIME_OWNS), asked & set(hosted.RUNTIME_OWNS)


def test_the_hosted_requirements_are_requirements_txt_less_what_the_runtime_has():
    learner = set(hosted.requirement_names(ROOT / "requirements.txt"))
    colab = set(hosted.requirement_names(ROOT / hosted.COLAB_REQUIREMENTS))
    assert colab == learner - set(hosted.RUNTIME_OWNS) - TEST_ONLY
    learner_pins, colab_pins = _pins("requirements.txt"), _pins(hosted.COLAB_REQUIREMENTS)
    assert {k: learner_pins[k] for k in colab_pins} == colab_pins, "versions differ"
    assert "-e ." in (ROOT / hosted.COLAB_REQUIREMENTS).read_text().splitlines()


def _course(tmp_path):
    for name in (hosted.COLAB_REQUIREMENTS, hosted.DATA_REQUIREMENTS):
        (tmp_path / name).write_text((ROOT / name).read_text())
    return tmp_path


def _fake_pip(tmp_path, code):
    """A 'python' that logs its arguments and exits with `code` (pip is never run)."""
    log = tmp_path / "calls.log"
    script = tmp_path / "python"
    script.write_text(f"#!{sys.executable}\nimport sys\n"
                      f"open({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
                      "print('ERROR: No matching distribution found for gymnasium==1.4.0')\n"
                      f"sys.exit({code})\n")
    script.chmod(0o755)
    return str(script), log


def test_install_runs_pip_twice_once_then_remembers(tmp_path, capsys):
    root = _course(tmp_path)
    python, log = _fake_pip(tmp_path, 0)
    hosted.install(root, python=python)
    calls = log.read_text().splitlines()
    assert len(calls) == 2
    assert calls[0].endswith(f"-r {root / 'requirements-colab.txt'}")
    assert "--no-deps" not in calls[0]
    assert "--no-deps" in calls[1] and calls[1].endswith("requirements-data.txt")
    hosted.install(root, python=python)                  # a second Run All
    assert len(log.read_text().splitlines()) == 2
    assert "already installed" in capsys.readouterr().out


def test_a_failed_install_says_what_pip_said_and_what_to_check(tmp_path):
    root = _course(tmp_path)
    python, _ = _fake_pip(tmp_path, 1)
    with pytest.raises(RuntimeError, match="No matching distribution.*\n.*Internet on"):
        hosted.install(root, python=python)
    assert not (root / ".hosted-installed").exists()


# A simulated hosted runtime ------------------------------------------------------------------

# What Colab and Kaggle ship and the course must not replace: TensorFlow (the full wheel, as
# there), the scientific stack and Jupyter's kernel side.
RUNTIME = ["tensorflow==2.21.0", "pandas==3.1.1", "matplotlib==3.11.2", "ipykernel==7.4.0",
           "ipywidgets==8.1.9", "nbclient==0.11.0", "nbformat==5.11.1"]
KEPT = ("tensorflow", "keras", "numpy", "pandas", "matplotlib", "ipykernel", "ipywidgets",
        "jupyter-client", "nbformat", "nbclient")
LESSON = "02-perceptron.ipynb"
RUN_LESSON = """
import json, sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, sys.argv[1])
"""


def _installer():
    """The uv that course.py put into .tools/ (CI always has it), else pip."""
    found = sorted(ROOT.glob(".tools/uv-*/bin/uv"))
    return str(found[-1]) if found else None


def _packages(python):
    import json
    import subprocess

    out = subprocess.run([python, "-m", "pip", "list", "--format=json",
                          "--disable-pip-version-check"], capture_output=True, text=True,
                         check=True).stdout
    return {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(out)}


@pytest.mark.slow
def test_a_lesson_on_a_hosted_runtime_keeps_its_tensorflow_and_jupyter(tmp_path):
    """A fresh environment with the full `tensorflow` wheel and Jupyter's kernel stands in for
    Colab; the lesson's own set-up cell (DL_COURSE_HOSTED pretends, DL_COURSE_REPOSITORY points
    at this repository instead of GitHub) fetches the course and installs requirements-colab.txt.
    TensorFlow, Keras, NumPy and Jupyter's packages must come out unchanged, tensorflow-cpu
    must not appear, and the lesson must run on `import helpers`."""
    import os
    import subprocess

    import nbformat

    runtime = tmp_path / "runtime"
    python = str(runtime / "bin" / "python")
    uv = _installer()
    if uv:
        subprocess.run([uv, "venv", "-q", "--seed", "--python", sys.executable, str(runtime)],
                       check=True)
        install = [uv, "pip", "install", "-q", "--python", python]
    else:
        subprocess.run([sys.executable, "-m", "venv", str(runtime)], check=True)
        install = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*install, *RUNTIME], check=True, timeout=900)
    before = _packages(python)
    assert "tensorflow-cpu" not in before and before["tensorflow"] == "2.21.0"

    work = tmp_path / "content"                   # Colab's /content
    work.mkdir()
    lesson = work / LESSON
    lesson.write_text((ROOT / "lessons" / LESSON).read_text())
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(DL_COURSE_HOSTED="colab", DL_COURSE_REPOSITORY=str(ROOT),
               PATH=f"{runtime / 'bin'}{os.pathsep}{env['PATH']}")
    subprocess.run([python, "-c", RUN_LESSON, str(lesson), str(work)], env=env, check=True,
                   timeout=900)

    after = _packages(python)
    assert "tensorflow-cpu" not in after
    assert {k: after.get(k) for k in KEPT} == {k: before.get(k) for k in KEPT}
    for name in ("keras-tuner", "scikit-learn", "gymnasium", "mlxtend", "dl-course-helpers"):
        assert name in after, f"{name} was not installed on the hosted runtime"

    ran = nbformat.read(lesson, as_version=4)
    code = [c for c in ran.cells if c.cell_type == "code"]
    assert "Installed the course's packages" in "".join(
        o.get("text", "") for o in code[0].outputs)
    assert "Keras 3.15" in "".join(o.get("text", "") for o in code[1].outputs)
    for cell in code:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors and "raises-exception" not in cell.metadata.get("tags", []):
            pytest.fail(f"a lesson cell failed on the hosted runtime: {errors[0].ename}: "
                        f"{errors[0].evalue}\n{cell.source[:200]}")
