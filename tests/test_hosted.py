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
