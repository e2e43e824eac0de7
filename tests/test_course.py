"""course.py's checks before it installs anything: which Python can run the course, and what
a failed pip install is told (its real cause, not always "the network")."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
course = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course)


@pytest.mark.parametrize("version", [(3, 10, 0), (3, 11, 7), (3, 12, 3), (3, 13, 1)])
def test_pythons_tensorflow_has_wheels_for_are_accepted(version):
    assert course.version_problem(version) is None


@pytest.mark.parametrize("version", [(3, 14, 0), (3, 9, 18), (3, 15, 0)])
def test_other_pythons_are_told_which_versions_work(version):
    problem = course.version_problem(version)
    assert ".".join(map(str, version)) in problem
    assert "3.10 to 3.13" in problem and "TensorFlow 2.21" in problem


def test_the_requirements_pin_the_tensorflow_the_version_range_is_for():
    pins = (ROOT / "requirements.txt").read_text()
    assert "tensorflow-cpu==2.21.0" in pins and "tensorflow==2.21.0" in pins, \
        "TensorFlow's pin moved: update course.SUPPORTED to the Pythons it has wheels for"


def _fake_interpreters(folder, names):
    for name in names:
        exe = folder / name
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)


@pytest.mark.skipif(os.name == "nt", reason="executables on PATH are .exe files on Windows")
def test_supported_interpreters_on_path_are_found_newest_first(tmp_path):
    _fake_interpreters(tmp_path, ["python3.14", "python3.11", "python3.13", "python3.9"])
    found = course.other_pythons(path=str(tmp_path))
    assert [Path(p).name for p in found] == ["python3.13", "python3.11"]


def test_an_unsupported_python_reruns_the_course_with_a_supported_one(monkeypatch, capsys):
    monkeypatch.setattr(course, "version_problem", lambda: "this is Python 3.14.0, ...")
    monkeypatch.setattr(course, "other_pythons", lambda: ["/opt/py/python3.12"])
    monkeypatch.delenv("COURSE_REEXEC", raising=False)
    ran = []
    monkeypatch.setattr(course.os, "execv", lambda exe, args: ran.append((exe, args)))
    monkeypatch.setattr(course.os, "environ", dict(os.environ))
    with pytest.raises(SystemExit):       # execv is faked, so it falls through to the message
        course.check_python(["lab"])
    assert ran == [("/opt/py/python3.12", ["/opt/py/python3.12", str(ROOT / "course.py"),
                                           "lab"])]
    assert "running the course with /opt/py/python3.12" in capsys.readouterr().out


def test_with_no_supported_python_the_message_says_how_to_get_one(monkeypatch):
    monkeypatch.setattr(course, "version_problem", lambda: "this is Python 3.14.0, ...")
    monkeypatch.setattr(course, "other_pythons", lambda: [])
    with pytest.raises(SystemExit) as stop:
        course.check_python(["lab"])
    message = str(stop.value)
    assert "python3.12 course.py lab" in message and "python.org" in message
    assert "network" not in message


@pytest.mark.parametrize("printed, cause", [
    ("ERROR: Could not find a version that satisfies the requirement tensorflow-cpu==2.21.0 "
     "(from versions: none)\nERROR: No matching distribution found for tensorflow-cpu==2.21.0",
     "found no package for this machine: Python 3.14.0 on linux x86_64"),
    ("WARNING: Retrying ... NewConnectionError('<pip._vendor...>: Failed to establish a new "
     "connection: [Errno -3] Temporary failure in name resolution')",
     "could not reach the Python package index"),
    ("ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device",
     "the disk is full"),
    ("ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE ... hash ... "
     "do not match", "did not match its expected hash"),
    ("ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: "
     "'/x/.venv/lib'", "not allowed to write"),
    ("ERROR: something new went wrong", "its last lines above say why"),
])
def test_a_failed_install_is_told_its_real_cause(printed, cause):
    message = course.pip_failure(printed, "requirements.txt", python="Python 3.14.0",
                                 platform="linux x86_64")
    assert message.startswith("pip could not install requirements.txt")
    assert cause in message
    if "network" not in cause and "index" not in cause:
        assert "reach" not in message


def test_a_real_pip_failure_is_read_from_its_output(tmp_path):
    """pip itself, offline (--no-index), asked for a package it cannot find."""
    code, output = course.tee([sys.executable, "-m", "pip", "install", "--no-index",
                               "--disable-pip-version-check", "no-such-package-dl-course==1.0"])
    assert code != 0
    assert "found no package for this machine" in course.pip_failure(output, "requirements.txt")


def test_the_gpu_route_installs_tensorflows_cuda_build_instead_of_the_cpu_wheel(tmp_path):
    dev = course.gpu_requirements("requirements-dev.txt", tmp_path)
    learner = (tmp_path / "gpu-requirements.txt").read_text()
    assert f"-r {tmp_path / 'gpu-requirements.txt'}" in dev.read_text()
    pins = [line for line in learner.splitlines() if line.startswith("tensorflow")]
    assert pins == ["tensorflow[and-cuda]==2.21.0"]
    assert f"-e {ROOT}" in learner.splitlines()
    untouched = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
                 if not line.startswith(("tensorflow", "-e"))]
    assert [line for line in learner.splitlines()
            if not line.startswith(("tensorflow", "-e"))] == untouched


def test_choosing_the_gpu_route_makes_the_next_run_reinstall(tmp_path, monkeypatch):
    monkeypatch.setattr(course, "GPU_MARKER", tmp_path / "course-gpu")
    before = course.requirements_digest("learner")
    course.GPU_MARKER.write_text("tensorflow[and-cuda]\n")
    assert course.requirements_digest("learner") != before


def test_the_gpu_route_refuses_where_tensorflow_has_no_gpu_build(monkeypatch):
    monkeypatch.setattr(course.sys, "platform", "darwin")
    with pytest.raises(SystemExit) as stop:
        course.gpu([])
    assert "only under Linux" in str(stop.value) and "WSL2" in str(stop.value)
