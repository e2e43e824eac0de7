"""The CI files a fork runs: .github/workflows/course.yml and .gitlab-ci.yml.

Neither can be run here, so what can be checked offline is: each file is valid against the
schema its service publishes (bundled with check-jsonschema, never fetched), each runs only
commands the README documents (so CI and the README cannot drift apart), each caches what
course.py installs under a key made of the files course.py reinstalls on, and each keeps the
JUnit report and the browser's screenshots that `python3 course.py test` writes.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import course

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / ".github" / "workflows" / "course.yml"
GITLAB = ROOT / ".gitlab-ci.yml"
SCHEMAS = {GITHUB: ["--builtin-schema", "vendor.github-workflows"],
           GITLAB: ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"]}
# GitLab's top-level keys that are settings, not jobs.
GITLAB_GLOBALS = {"default", "include", "stages", "variables", "workflow", "image", "services",
                  "cache", "before_script", "after_script"}


def load(path):
    return YAML(typ="safe").load(path.read_text())


def validate(path, schema):
    """check-jsonschema against a service's bundled schema, with every proxy pointing at a
    closed port, so the check fails rather than fetch anything."""
    offline = dict(os.environ, HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
                   http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")
    offline.pop("NO_PROXY", None)
    offline.pop("no_proxy", None)
    return subprocess.run([sys.executable, "-m", "check_jsonschema", *schema, str(path)],
                          capture_output=True, text=True, env=offline, timeout=120)


def github_jobs():
    return load(GITHUB)["jobs"]


def gitlab_jobs():
    return {name: job for name, job in load(GITLAB).items()
            if name not in GITLAB_GLOBALS and not name.startswith(".")}


def github_commands():
    return [line.strip() for job in github_jobs().values() for step in job["steps"]
            for line in step.get("run", "").splitlines() if line.strip()]


def gitlab_commands():
    config = load(GITLAB)
    blocks = [config.get("default", {}).get(k, []) for k in ("before_script", "after_script")]
    blocks += [job.get(k, []) for job in gitlab_jobs().values()
               for k in ("before_script", "script", "after_script")]
    return [line.strip() for block in blocks
            for line in ([block] if isinstance(block, str) else block) if line.strip()]


def readme_commands():
    """Every command line in the README's shell blocks, its trailing comment dropped."""
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return {line.split("  #")[0].strip() for block in blocks for line in block.splitlines()
            if line.strip() and not line.lstrip().startswith("#")}


@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=["github", "gitlab"])
def test_each_ci_file_is_valid_against_its_services_published_schema(path):
    result = validate(path, SCHEMAS[path])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validation done" in result.stdout


@pytest.mark.parametrize("path, broken, complaint", [
    (GITHUB, ("    runs-on: ubuntu-24.04", "    runs_on: ubuntu-24.04"), "runs-on"),
    (GITHUB, ("      - uses: actions/checkout@v5", "      - checkout: actions/checkout@v5"),
     "steps"),
    (GITLAB, ("    when: always\n    expire_in", "    when: sometimes\n    expire_in"),
     "sometimes"),
    (GITLAB, ("  timeout: 90 minutes", "  timeout: [90]"), "timeout"),
], ids=["github-runs_on", "github-step", "gitlab-artifacts-when", "gitlab-timeout"])
def test_the_schema_check_rejects_a_broken_file(tmp_path, path, broken, complaint):
    """The validation above can fail: the same files with one realistic slip are refused."""
    old, new = broken
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is no longer in {path.name}: update this test"
    copy = tmp_path / path.name
    copy.write_text(text.replace(old, new))
    result = validate(copy, SCHEMAS[path])
    assert result.returncode != 0
    assert complaint in result.stdout + result.stderr


def test_ci_runs_the_readme_test_command_and_nothing_the_readme_does_not_document():
    documented = readme_commands()
    test_command = "python3 course.py test"
    assert test_command in documented, "the README no longer shows the test command"
    assert (ROOT / ".ci" / "run").read_text().strip().endswith(f"exec {test_command}")
    for name, commands in [("GitHub", github_commands()), ("GitLab", gitlab_commands())]:
        assert test_command in commands, f"{name} CI does not run `{test_command}`"
        undocumented = [c for c in commands if c not in documented]
        assert not undocumented, (f"{name} CI runs {undocumented}, which the README does not "
                                  "document: document them or run the README's commands")


def test_both_use_a_python_the_course_supports_on_linux():
    (job,) = github_jobs().values()
    assert job["runs-on"].startswith("ubuntu-")
    (setup,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python")]
    versions = [str(setup["with"]["python-version"])]
    (gitlab,) = gitlab_jobs().values()
    image = re.fullmatch(r"python:(3\.\d+)-[a-z]+", gitlab["image"])
    assert image, f"GitLab's image {gitlab['image']} is not an official python:3.N-<debian> one"
    versions.append(image.group(1))
    low, high = course.SUPPORTED
    for version in versions:
        minor = tuple(int(part) for part in version.split("."))
        assert low <= minor <= high, f"Python {version} cannot run the course"


def test_every_action_is_pinned_to_a_major_version():
    uses = [s["uses"] for job in github_jobs().values() for s in job["steps"] if "uses" in s]
    assert uses and all(re.fullmatch(r"actions/[\w/-]+@v\d+", u) for u in uses), uses


def _github_cache_steps():
    steps = [s for job in github_jobs().values() for s in job["steps"]]
    restore = [s for s in steps if s.get("uses", "").startswith("actions/cache/restore@")]
    save = [s for s in steps if s.get("uses", "").startswith("actions/cache/save@")]
    return restore, save, steps


def test_github_caches_the_downloads_and_environment_by_the_files_course_py_installs_from():
    (restore,), (save,), steps = _github_cache_steps()
    hashed = re.search(r"hashFiles\(([^)]*)\)", restore["with"]["key"]).group(1)
    assert sorted(re.findall(r"'([^']+)'", hashed)) == sorted(course.requirement_files("dev"))
    assert "steps.python.outputs.python-version" in restore["with"]["key"], \
        "the environment links to its interpreter: key the cache on its exact version"
    paths = set(restore["with"]["path"].split())
    assert paths == set(save["with"]["path"].split()) == {".cache", ".venv", ".tools"}
    (job,) = github_jobs().values()
    assert {job["env"]["UV_CACHE_DIR"], job["env"]["PIP_CACHE_DIR"]} == {
        "${{ github.workspace }}/.cache/uv", "${{ github.workspace }}/.cache/pip"}
    # Saved after the tests, failed ones included: the next run does not install again.
    order = [s.get("uses") or s.get("run") for s in steps]
    assert order.index(restore["uses"]) < order.index("python3 course.py test") < \
        order.index(save["uses"])
    assert "!cancelled()" in save["if"] and save["with"]["key"] == \
        "${{ steps.cache.outputs.cache-primary-key }}" and restore["id"] == "cache"


def test_gitlab_caches_the_downloads_and_environment_by_the_files_course_py_installs_from():
    (job,) = gitlab_jobs().values()
    cache = job["cache"]
    assert sorted(cache["key"]["files"]) == sorted(course.requirement_files("dev"))
    assert cache["when"] == "always"
    assert {p.rstrip("/") for p in cache["paths"]} == {".cache", ".venv", ".tools"}
    assert {job["variables"]["UV_CACHE_DIR"], job["variables"]["PIP_CACHE_DIR"]} == {
        "$CI_PROJECT_DIR/.cache/uv", "$CI_PROJECT_DIR/.cache/pip"}
    ignored = (ROOT / ".gitignore").read_text().split()
    assert {".cache/", ".venv/", ".tools/", "test-artifacts/"} <= set(ignored)


def test_both_keep_the_junit_report_and_screenshots_even_when_tests_fail():
    artifacts = course.ARTIFACTS.relative_to(ROOT).as_posix() + "/"
    junit = course.JUNIT.relative_to(ROOT).as_posix()
    (job,) = github_jobs().values()
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload["with"]["path"] == artifacts and "!cancelled()" in upload["if"]
    (gitlab,) = gitlab_jobs().values()
    kept = gitlab["artifacts"]
    assert kept["when"] == "always" and kept["paths"] == [artifacts]
    assert kept["reports"]["junit"] == junit


def test_the_test_command_writes_the_junit_report_ci_keeps(monkeypatch):
    ran = []
    monkeypatch.setattr(course, "ensure_environment", lambda kind: None)
    monkeypatch.setattr(course, "ensure_browser", lambda: None)
    monkeypatch.setattr(course, "run", lambda args: ran.append(args) or 0)
    course.test(["lessons/02-perceptron.ipynb"])
    (args,) = ran
    assert f"--junitxml={course.JUNIT.relative_to(ROOT)}" in args
    assert args[-1] == "lessons/02-perceptron.ipynb", "a learner's own arguments come last"
    import test_browser
    assert test_browser.ARTIFACTS.parent == course.ARTIFACTS
