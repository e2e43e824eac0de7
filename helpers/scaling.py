"""Worker processes for lesson 16 (scaling and performance): run a script the lesson wrote,
start several copies of it as a `MultiWorkerMirroredStrategy` cluster on localhost, kill one
mid-run. Every process is waited for with a timeout and killed if it outlives it, so a failing
cell never leaves a process behind.

The scripts themselves are written in the lesson, where the learner reads them; this module
only starts, watches and stops them. One small helper for the lesson's measurements sits here
too: `cpu_flags()`.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class WorkerFailed(RuntimeError):
    """A worker process exited with an error or ran past its time limit."""


def free_ports(n):
    """`n` distinct TCP ports on localhost that were free a moment ago."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("localhost", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(ports, index):
    """The TF_CONFIG (a JSON string) of worker `index` in a cluster of localhost `ports`."""
    return json.dumps({"cluster": {"worker": [f"localhost:{p}" for p in ports]},
                       "task": {"type": "worker", "index": index}})


def write_script(source, folder=None, name="worker.py"):
    """Write `source` to `folder/name` (a new temporary folder by default); return its path."""
    folder = Path(folder or tempfile.mkdtemp(prefix="lesson16-"))
    path = folder / name
    path.write_text(source, encoding="utf-8")
    return path


def _environment(extra):
    env = {k: v for k, v in os.environ.items() if k != "HELPERS_METRICS_FILE"}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


def start(script, *args, env=None):
    """Start `python script *args`, its output to a log file beside the script (`.log` of the
    returned Popen); returns the Popen."""
    script = Path(script)
    runs = len(list(script.parent.glob(f"{script.stem}-*.log")))
    log = script.with_name(f"{script.stem}-{runs}.log")   # one log per process started
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, str(script), *map(str, args)], cwd=ROOT,
                                   env=_environment(env), stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    process.log = log
    return process


def output(process):
    """What a process started by `start` has printed so far."""
    return process.log.read_text(encoding="utf-8", errors="replace") \
        if process.log.exists() else ""


def stop(process):
    """Kill `process` (and anything it started) if it is still running; wait for it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    process.wait()


def _tail(process, lines=15):
    return "\n".join(output(process).splitlines()[-lines:])


def wait_all(processes, timeout):
    """Wait for every process; if one fails or time runs out, kill them all and raise
    `WorkerFailed` with the tail of the failing one's output."""
    deadline = time.monotonic() + timeout
    try:
        while any(p.poll() is None for p in processes):
            failed = [p for p in processes if p.poll() not in (None, 0)]
            if failed or time.monotonic() > deadline:
                culprit = failed[0] if failed else processes[0]
                why = (f"exited with status {culprit.returncode}" if failed else
                       f"ran past {timeout} s")
                raise WorkerFailed(f"a worker process {why}; its last lines:\n"
                                   f"{_tail(culprit)}")
            time.sleep(0.05)
        failed = [p for p in processes if p.returncode != 0]
        if failed:
            raise WorkerFailed(f"a worker process exited with status {failed[0].returncode}; "
                               f"its last lines:\n{_tail(failed[0])}")
    finally:
        for p in processes:
            stop(p)


def run_script(source, *args, env=None, timeout=120, folder=None):
    """Write `source` to a script, run it once (`*args` on its command line) and return the
    JSON object its last line of output prints. Without a `folder`, the script lives in a
    temporary folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lesson16-") as scratch:
        process = start(write_script(source, folder or scratch), *args, env=env)
        wait_all([process], timeout)
        return last_json(process)


def last_json(process):
    """The JSON object on the last line a finished process printed."""
    lines = [line for line in output(process).splitlines() if line.startswith("{")]
    if not lines:
        raise WorkerFailed(f"the process printed no result; its last lines:\n{_tail(process)}")
    return json.loads(lines[-1])


def run_workers(source, n=2, timeout=120, env=None, folder=None):
    """Start `n` copies of the script `source` as the workers of one cluster on localhost
    (each gets its own TF_CONFIG and its index as its argument); wait for all of them and
    return the JSON result each printed, in worker order."""
    with tempfile.TemporaryDirectory(prefix="lesson16-") as scratch:
        script = write_script(source, folder or scratch)
        ports = free_ports(n)
        processes = [start(script, i, env={**(env or {}), "TF_CONFIG": tf_config(ports, i)})
                     for i in range(n)]
        wait_all(processes, timeout)
        return [last_json(p) for p in processes]


def kill_when(process, ready, timeout=60, signal_number=signal.SIGKILL):
    """Send `signal_number` (SIGKILL: no chance to clean up, like a machine that dies) to
    `process` as soon as `ready()` returns True; raise `WorkerFailed` if the process ends
    first or `timeout` passes. The process is always gone when this returns."""
    deadline = time.monotonic() + timeout
    try:
        while not ready():
            if process.poll() is not None:
                raise WorkerFailed("the process ended before it could be killed; its last "
                                   f"lines:\n{_tail(process)}")
            if time.monotonic() > deadline:
                raise WorkerFailed(f"the process was not ready to be killed within {timeout} s; "
                                   f"its last lines:\n{_tail(process)}")
            time.sleep(0.01)
        os.killpg(process.pid, signal_number)
        process.wait(timeout=30)
        return process.returncode
    finally:
        stop(process)


def cpu_flags():
    """The CPU's instruction-set flags (a set of strings; empty where /proc/cpuinfo is
    missing, as on macOS and Windows)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()
