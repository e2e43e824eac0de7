"""Shared fixtures for the unit tests of `helpers`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_python():
    """Run Python code in a fresh interpreter (for start-up behaviour); returns CompletedProcess."""

    def run(code, env=None, timeout=120):
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("TF_CPP_MIN_LOG_LEVEL", "HELPERS_METRICS_FILE")}
        full_env.update(env or {})
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=full_env, cwd=ROOT, timeout=timeout)

    return run
