"""A learner's view, in a real browser: JupyterLab, Run All on lesson 02, what shows up.

Starts JupyterLab from this environment on 127.0.0.1 (free port, a token, no browser of its
own), drives the Chromium or Google Chrome that `course.find_browser` finds (COURSE_BROWSER
names one) with Playwright, and saves screenshots to test-artifacts/browser/: each step's, and
the page as it stood when a step failed, with JupyterLab's log beside it. Without a browser the
test fails in CI and is skipped, loudly, elsewhere; it never downloads one.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import course

ROOT = Path(__file__).resolve().parent.parent
LESSON = "02-perceptron.ipynb"
ARTIFACTS = course.ARTIFACTS / "browser"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]
# JupyterLab asks the internet for news and updates; the course works offline.
LAB_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                {"fetchNews": "false", "checkForUpdates": False}}


def server_info(runtime_dir, server):
    """The running server's own record of where it listens (jpserver-<pid>.json)."""
    path = Path(runtime_dir) / f"jpserver-{server.pid}.json"
    return json.loads(path.read_text()) if path.exists() else None


def api(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def wait_for(condition, timeout, what, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except OSError:
            pass
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def browser_path():
    """The browser's path; without one, a failure in CI and a skip elsewhere, both saying why,
    before any server starts."""
    exe, found = course.find_browser()
    if exe is None:
        message = (f"The real-browser test cannot run: {found}. `python3 course.py test` "
                   "installs the distribution's Chromium where it runs as root or with "
                   "password-less sudo.")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return exe


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server over a copy of the lesson; always stopped afterwards."""
    root = tmp_path / "course"
    (root / "lessons").mkdir(parents=True)
    shutil.copy(ROOT / "lessons" / LESSON, root / "lessons" / LESSON)
    settings = tmp_path / "settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    token, runtime = secrets.token_hex(16), tmp_path / "runtime"
    log = open(tmp_path / "jupyterlab.log", "w")  # copied to ARTIFACTS when the test fails
    # Port 0: the server asks the OS for a free port itself and records it in its runtime
    # file, so no port is picked here, let go, and raced for.
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         "--ServerApp.port=0", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         f"--LabApp.user_settings_dir={settings}",
         f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        stdout=log, stderr=subprocess.STDOUT, cwd=root,
        env=dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime)))
    try:
        info = wait_for(lambda: server_info(runtime, server), 60, "JupyterLab's runtime file")
        base = f"http://127.0.0.1:{info['port']}"
        wait_for(lambda: api(f"{base}/api/status", token), 60, "JupyterLab to start")
        yield base, token, tmp_path / "jupyterlab.log"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def kernel_state(base, token):
    kernels = api(f"{base}/api/kernels", token)
    return kernels[0] if kernels else None


@pytest.mark.slow
def test_a_learner_runs_lesson_02_in_jupyterlab(browser_path, jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    base, token, server_log = jupyterlab
    shutil.rmtree(ARTIFACTS, ignore_errors=True)    # no screenshot left from an earlier run
    ARTIFACTS.mkdir(parents=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=CHROMIUM_FLAGS)
        page = None
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/lessons/{LESSON}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)

            # A Run All clicked before the kernel is connected is lost: wait for it first.
            wait_for(lambda: (k := kernel_state(base, token)) and k["connections"] >= 1
                     and k["execution_state"] == "idle", 90, "the kernel to connect")
            page.locator(".jp-Notebook").click()  # focus the notebook, as a learner would
            page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
            page.locator(".lm-Menu-content").get_by_text("Run All Cells", exact=True).click()
            expect(page.locator(".jp-InputPrompt").filter(has_text="[*]").first
                   ).to_be_visible(timeout=20_000)
            page.screenshot(path=ARTIFACTS / "1-running.png")

            # Run All stops at the first exercise: wait until nothing is queued or running.
            wait_for(lambda: page.locator(".jp-InputPrompt").filter(has_text="[*]").count() == 0
                     and kernel_state(base, token)["execution_state"] == "idle",
                     180, "Run All to finish")

            notebook = page.locator(".jp-Notebook")
            figures = notebook.locator(".jp-RenderedImage img")
            assert figures.count() >= 2, "the figures before the first exercise are not shown"
            assert all(figures.nth(i).evaluate("img => img.naturalWidth") > 100
                       for i in range(figures.count())), "a figure did not render"

            check_cell = notebook.locator(".jp-CodeCell").filter(has_text="check.margin(margin)")
            message = check_cell.locator(".jp-OutputArea-output").filter(
                has_text="Exercise 2.1 is yours: implement `margin(x, y, w, b)`").first
            expect(message.first).to_be_visible(timeout=10_000)
            check_cell.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            check_cell.screenshot(path=ARTIFACTS / "2-first-exercise-message.png")

            # The explorer (margin, learning rate and epochs sliders): move the margin.
            explorer = notebook.locator(".widget-vbox").first
            explorer.evaluate("el => el.scrollIntoView({block: 'center'})")
            expect(explorer).to_be_visible(timeout=10_000)
            image = explorer.locator("img")
            expect(image).to_be_visible()
            before = image.get_attribute("src")
            explorer.screenshot(path=ARTIFACTS / "3-explorer.png")
            readout = explorer.locator(".widget-readout").first
            new_value = "0.5" if readout.inner_text().strip() != "0.50" else "0.2"
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type(new_value)
            page.keyboard.press("Enter")
            wait_for(lambda: image.get_attribute("src") != before, 30,
                     "the explorer's figure to change after moving its slider")
            assert readout.inner_text().strip().startswith(new_value)
            explorer.screenshot(path=ARTIFACTS / "4-explorer-moved.png")
        except BaseException:
            # What an instructor opens first when CI goes red: the page as it stood.
            shutil.copy(server_log, ARTIFACTS / "jupyterlab.log")
            try:
                if page is not None:
                    page.screenshot(path=ARTIFACTS / "failed.png", full_page=True)
            except Exception as error:              # a crashed page: keep the real failure
                (ARTIFACTS / "failed.txt").write_text(f"no screenshot: {error}\n")
            raise
        finally:
            browser.close()
