"""How `python3 course.py test` finds the browser for the browser test, and installs one.

Each browser is faked on a PATH of its own: a script named like it that prints what the real
one prints for --version. The real Chromium of this machine, put on PATH under Google Chrome's
name, is then found and driven by Playwright as the browser test drives it. apt-get, apt-cache
and sudo are faked the same way, logging what they are asked to do.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import course

pytestmark = pytest.mark.skipif(os.name == "nt", reason="fakes are shell scripts")

CHROMIUM = "Chromium 156.0.8078.108 built on Debian GNU/Linux 12 (bookworm)"
CHROME = "Google Chrome 156.0.8078.108 "
# Ubuntu's chromium-browser package is a wrapper around a snap; without snapd it prints this.
SNAP_STUB = "Command '/usr/bin/chromium-browser' requires the chromium snap to be installed."


def fake(folder, name, prints, code=0):
    exe = folder / name
    exe.write_text(f"#!/bin/sh\necho \"{prints}\"\nexit {code}\n")
    exe.chmod(0o755)
    return str(exe)


@pytest.fixture
def bin_dir(tmp_path, monkeypatch):
    monkeypatch.delenv(course.BROWSER_SETTING, raising=False)
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def find(folder, **environ):
    return course.find_browser(path=str(folder), environ=environ, apps=())


def test_debians_chromium_on_path_is_found(bin_dir):
    exe = fake(bin_dir, "chromium", CHROMIUM)
    assert find(bin_dir) == (exe, CHROMIUM)


@pytest.mark.parametrize("name", ["google-chrome", "google-chrome-stable"])
def test_google_chrome_on_path_is_found(bin_dir, name):
    exe = fake(bin_dir, name, CHROME)
    assert find(bin_dir) == (exe, CHROME.strip())


def test_chromium_comes_first_when_both_are_there(bin_dir):
    fake(bin_dir, "google-chrome", CHROME)
    exe = fake(bin_dir, "chromium", CHROMIUM)
    assert find(bin_dir)[0] == exe


def test_a_wrapper_for_a_missing_snap_is_passed_over(bin_dir):
    stub = fake(bin_dir, "chromium-browser", SNAP_STUB, code=1)
    exe, why = find(bin_dir)
    assert exe is None and stub in why and "did not run" in why
    chrome = fake(bin_dir, "google-chrome", CHROME)
    assert find(bin_dir)[0] == chrome


def test_a_program_that_is_no_browser_is_passed_over(bin_dir):
    fake(bin_dir, "chromium", "tool 1.0")
    assert find(bin_dir)[0] is None


def test_with_no_browser_the_message_says_what_was_looked_for_and_what_to_do(bin_dir):
    exe, why = find(bin_dir)
    assert exe is None
    assert "chromium, chromium-browser, google-chrome" in why
    assert "apt-get install chromium" in why and course.BROWSER_SETTING in why


def test_the_setting_names_the_browser_even_off_path(bin_dir, tmp_path):
    fake(bin_dir, "chromium", CHROMIUM)
    elsewhere = tmp_path / "opt"
    elsewhere.mkdir()
    chrome = fake(elsewhere, "chrome", CHROME)
    assert find(bin_dir, COURSE_BROWSER=chrome)[0] == chrome
    # A command name works too.
    assert find(bin_dir, COURSE_BROWSER="chromium")[0] == str(bin_dir / "chromium")


@pytest.mark.parametrize("setting, says", [
    ("/nowhere/chrome", "is not a file or a command on PATH"),
    ("not-a-browser", "does not run as Chromium or Chrome"),
])
def test_a_wrong_setting_is_named_not_silently_replaced(bin_dir, setting, says):
    fake(bin_dir, "chromium", CHROMIUM)                 # there, but not what was asked for
    fake(bin_dir, "not-a-browser", "hello")
    exe, why = find(bin_dir, COURSE_BROWSER=setting)
    assert exe is None
    assert why.startswith(f"{course.BROWSER_SETTING}={setting} ") and says in why


@pytest.mark.slow
def test_the_real_chromium_under_chromes_name_is_found_and_driven(bin_dir):
    """Not a fake: this machine's Chromium on a PATH where it is called google-chrome."""
    real, _ = course.find_browser()
    if real is None:
        pytest.skip("no Chromium on this machine (the browser test says so loudly)")
    (bin_dir / "google-chrome").symlink_to(real)
    exe, version = find(bin_dir)
    assert exe == str(bin_dir / "google-chrome") and ("Chromium" in version or "Chrome" in version)
    import test_browser
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=test_browser.CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.set_content("<h1 id=x>found</h1>")
            assert page.inner_text("#x") == "found"
        finally:
            browser.close()


@pytest.mark.slow
@pytest.mark.parametrize("ci, outcome, code", [("true", "1 error", 1), ("", "1 skipped", 0)])
def test_without_a_browser_the_browser_test_fails_in_ci_and_skips_elsewhere_saying_why(
        ci, outcome, code):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(COURSE_BROWSER="/nowhere/chrome", **({"CI": ci} if ci else {}))
    root = Path(course.__file__).parent
    done = subprocess.run([sys.executable, "-m", "pytest", "-rfs", "-p", "no:cacheprovider",
                           "tests/test_browser.py"], capture_output=True, text=True, env=env,
                          cwd=root, timeout=300)
    assert done.returncode == code and outcome in done.stdout, done.stdout[-3000:]
    assert "The real-browser test cannot run: COURSE_BROWSER=/nowhere/chrome is not a file" \
        in done.stdout
    assert "jupyterlab.log" not in done.stdout        # it said so before starting a server


# Installing: apt-get, apt-cache and sudo faked, each logging its arguments.

def fake_system(folder, known_packages, sudo_works=True, installs=CHROMIUM, installs_code=0):
    log = folder.parent / "calls.log"
    (folder / "env").symlink_to("/usr/bin/env")          # sudo runs `env VAR=... apt-get ...`
    name = "chromium-browser" if installs == SNAP_STUB else "chromium"
    scripts = {
        "apt-get": f"""echo "apt-get $*" >> {log}
if [ "$1" = install ]; then
  printf '#!/bin/sh\\necho "{installs}"\\nexit {installs_code}\\n' > {folder}/{name}
  /bin/chmod +x {folder}/{name}
fi""",
        "apt-cache": f"""echo "apt-cache $*" >> {log}
for known in {' '.join(known_packages)}; do [ "$3" = "$known" ] && exit 0; done
exit 100""",
        "sudo": f"""echo "sudo $*" >> {log}
[ "$1" = -n ] && shift
[ "$1" = true ] && exit {0 if sudo_works else 1}
exec "$@\"""",
    }
    for command, body in scripts.items():
        (folder / command).write_text(f"#!/bin/sh\n{body}\n")
        (folder / command).chmod(0o755)
    return log


def calls(log):
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")


def test_without_root_it_installs_chromium_through_password_less_sudo(bin_dir, linux, capsys):
    log = fake_system(bin_dir, ["chromium"])
    exe = course.ensure_browser(path=str(bin_dir), euid=1001)
    assert exe == str(bin_dir / "chromium")
    install = [c for c in calls(log) if c.startswith("sudo") and " install " in c]
    assert install == [f"sudo -n env DEBIAN_FRONTEND=noninteractive {bin_dir}/apt-get install "
                       "-y -qq chromium"]
    assert f"sudo -n env DEBIAN_FRONTEND=noninteractive {bin_dir}/apt-get update -qq" in calls(log)
    assert "browser for the browser test" in capsys.readouterr().out


def test_as_root_it_installs_without_sudo(bin_dir, linux):
    log = fake_system(bin_dir, ["chromium"])
    assert course.ensure_browser(path=str(bin_dir), euid=0) == str(bin_dir / "chromium")
    assert not [c for c in calls(log) if c.startswith("sudo")]
    assert "apt-get install -y -qq chromium" in calls(log)


def test_on_ubuntu_the_snap_wrapper_is_installed_and_found_not_to_run(bin_dir, linux, capsys):
    log = fake_system(bin_dir, ["chromium-browser"], installs=SNAP_STUB, installs_code=1)
    assert course.ensure_browser(path=str(bin_dir), euid=0) is None
    assert "apt-get install -y -qq chromium-browser" in calls(log)
    said = capsys.readouterr().out
    assert "chromium-browser is installed but" in said and "the browser test will say so" in said


def test_without_root_or_sudo_nothing_is_installed_and_it_says_why(bin_dir, linux, capsys):
    log = fake_system(bin_dir, ["chromium"], sudo_works=False)
    assert course.ensure_browser(path=str(bin_dir), euid=1001) is None
    assert not [c for c in calls(log) if c.startswith("apt-get")]
    assert "needs root or password-less sudo" in capsys.readouterr().out


def test_a_browser_already_there_installs_nothing(bin_dir, linux):
    log = fake_system(bin_dir, ["chromium"])
    chrome = fake(bin_dir, "google-chrome", CHROME)
    assert course.ensure_browser(path=str(bin_dir), euid=0) == chrome
    assert calls(log) == []


def test_a_wrong_setting_installs_nothing(bin_dir, linux, monkeypatch, capsys):
    log = fake_system(bin_dir, ["chromium"])
    monkeypatch.setenv(course.BROWSER_SETTING, "/nowhere/chrome")
    assert course.ensure_browser(path=str(bin_dir), euid=0) is None
    assert calls(log) == [] and "COURSE_BROWSER=/nowhere/chrome" in capsys.readouterr().out


def test_where_apt_get_has_no_chromium_it_says_so(bin_dir, linux, capsys):
    fake_system(bin_dir, [])
    assert course.ensure_browser(path=str(bin_dir), euid=0) is None
    assert "apt-get has none of chromium, chromium-browser" in capsys.readouterr().out


def test_the_readme_and_the_browser_test_name_the_one_setting():
    root = Path(course.__file__).parent
    assert course.BROWSER_SETTING in (root / "README.md").read_text()
    assert "course.find_browser()" in (root / "tests" / "test_browser.py").read_text()
