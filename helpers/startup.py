"""Import TensorFlow without its start-up noise, and only when something needs it (lesson 00).

TensorFlow's C++ core writes log lines straight to the process's stderr, and in a notebook
they land in the learner's output. `helpers` sets TF_CPP_MIN_LOG_LEVEL=3, which silences the
core's own logging once it is set up, but a few lines are printed before that, at import and
at first device use, whatever the level: the absl pre-initialisation notice, oneDNN's notice,
CUDA/cuDNN/TensorRT probes on machines without a GPU. We capture file descriptor 2 while
those happen, drop the known start-up lines and pass everything else on, so real warnings and
errors still reach the learner.

`import helpers` does not import TensorFlow (the lesson builder and the NumPy-only checks never
need it). It installs `QuietTensorFlow`, an import hook: whichever comes first, `import keras`,
`import tensorflow` or `helpers.setup()`, TensorFlow is then imported quietly.
"""

import contextlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile

NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|^[IWE]\d{4} .*(oneDNN custom operations|cpu_feature_guard|cuda|cudnn|cufft|cublas"
    r"|tensorrt|TF-TRT|cuInit|computation placer|gpu_device|GPU will not be used)"
    r"|^To enable the following instructions: .* rebuild TensorFlow"
    r"|Could not find cuda drivers|TF-TRT Warning|Unable to register cu(DNN|FFT|BLAS) factory",
    re.IGNORECASE,
)


def is_noise(line):
    """True for a TensorFlow start-up line a learner should not see."""
    return bool(NOISE.search(line))


@contextlib.contextmanager
def quiet_startup():
    """Capture fd 2 for the duration; re-emit every line that `is_noise` does not drop."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded interpreters): nothing to filter
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines() if line.strip() and not is_noise(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr, flush=True)


def import_tensorflow():
    """Return the `tensorflow` module, imported with its start-up noise filtered out."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with quiet_startup():
        import tensorflow as tf
    return tf


def import_keras():
    """Return the `keras` module (TensorFlow backend), imported quietly."""
    import_tensorflow()
    import keras

    return keras


class QuietTensorFlow(importlib.abc.MetaPathFinder):
    """An import hook: the first `import tensorflow`, direct or through keras, runs inside
    `quiet_startup()`. It removes itself once TensorFlow is imported."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        uninstall_quiet_import()
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    """Runs the real loader inside `quiet_startup()`, then steps aside."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader
        with quiet_startup():
            self.loader.exec_module(module)


def install_quiet_import():
    """Make the first import of TensorFlow quiet, whoever triggers it (idempotent)."""
    if "tensorflow" not in sys.modules and \
            not any(isinstance(f, QuietTensorFlow) for f in sys.meta_path):
        sys.meta_path.insert(0, QuietTensorFlow())


def uninstall_quiet_import():
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, QuietTensorFlow)]
