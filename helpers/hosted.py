"""Colab and Kaggle: the set-up cell at the top of every lesson calls `install()` there.

A hosted runtime already has TensorFlow (its GPU/TPU build), Keras, NumPy, pandas, matplotlib
and Jupyter. `pip install -r requirements.txt` would put the CPU-only `tensorflow-cpu` beside
that TensorFlow and re-pin Jupyter's packages under the running kernel: the GPU would be lost.
So a hosted runtime gets only what it lacks: requirements-colab.txt (the course's helpers,
KerasTuner, ...) with their dependencies, and the data-only packages without theirs.

On a learner's own machine nothing here runs: `course.py` makes the environment there.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLAB_REQUIREMENTS = "requirements-colab.txt"
DATA_REQUIREMENTS = "requirements-data.txt"
# Never installed on a hosted runtime: the runtime's own builds of these must stay.
# Colab and Kaggle ship JAX too, built for their GPUs and TPUs.
RUNTIME_OWNS = ("tensorflow", "tensorflow-cpu", "keras", "jax", "jaxlib", "jupyter",
                "jupyterlab", "notebook", "ipykernel", "ipywidgets", "numpy", "pandas",
                "matplotlib")


def runtime(env=None, modules=None):
    """'colab', 'kaggle' or None (a learner's own machine). DL_COURSE_HOSTED=colab|kaggle
    pretends, for the course's own test of this path."""
    env = os.environ if env is None else env
    modules = sys.modules if modules is None else modules
    if env.get("DL_COURSE_HOSTED"):
        return env["DL_COURSE_HOSTED"]
    if "google.colab" in modules or env.get("COLAB_RELEASE_TAG"):
        return "colab"
    if env.get("KAGGLE_KERNEL_RUN_TYPE") or env.get("KAGGLE_URL_BASE"):
        return "kaggle"
    return None


def requirement_names(path):
    """The distribution names a requirements file asks for (lower case, '_' as '-')."""
    names = []
    for line in Path(path).read_text().splitlines():
        bare = line.split("#")[0].strip()
        if not bare or bare.startswith("-"):
            continue
        for stop in "=<>!~;[ ":
            bare = bare.split(stop)[0]
        names.append(bare.lower().replace("_", "-"))
    return names


def _digest(root):
    h = hashlib.sha256()
    for name in (COLAB_REQUIREMENTS, DATA_REQUIREMENTS):
        h.update((root / name).read_bytes())
    return h.hexdigest()


def install(root=ROOT, python=sys.executable, quiet=True):
    """Install what a hosted runtime lacks, once per set of requirements (a second Run All
    skips it). Prints one line; raises RuntimeError naming the cause if pip fails."""
    root = Path(root)
    stamp = root / ".hosted-installed"
    if stamp.exists() and stamp.read_text().strip() == _digest(root):
        print("The course's packages are already installed on this runtime.")
        return
    steps = [([], COLAB_REQUIREMENTS), (["--no-deps"], DATA_REQUIREMENTS)]
    for options, name in steps:
        result = subprocess.run(
            [python, "-m", "pip", "install", "--disable-pip-version-check",
             *(["-q"] if quiet else []), *options, "-r", str(root / name)],
            cwd=root, capture_output=True, text=True)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-5:])
            raise RuntimeError(f"pip could not install {name} on this runtime:\n{tail}\n"
                               "Check that the runtime has internet access (Kaggle: Settings > "
                               "Internet on), then run this cell again.")
    stamp.write_text(_digest(root) + "\n")
    print("Installed the course's packages on this runtime (its TensorFlow, Keras and Jupyter "
          "are untouched).")
