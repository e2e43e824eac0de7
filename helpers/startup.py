"""Import TensorFlow without its start-up noise (lesson 00).

TensorFlow's C++ core writes log lines straight to the process's stderr, and in a notebook
they land in the learner's output. `helpers` sets TF_CPP_MIN_LOG_LEVEL=3, which silences the
core's own logging once it is set up, but a few lines are printed before that, at import and
at first device use, whatever the level: the absl pre-initialisation notice, oneDNN's notice,
CUDA/cuDNN/TensorRT probes on machines without a GPU. We capture file descriptor 2 while
those happen, drop the known start-up lines and pass everything else on, so real warnings and
errors still reach the learner.
"""

import contextlib
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
