"""`setup()`: the first call of every lesson (lesson 00)."""

import random

import numpy as np

from helpers.startup import import_keras, import_tensorflow

DEFAULT_SEED = 42

PLOT_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "legend.frameon": False,
    "image.cmap": "viridis",
}


def set_plot_style():
    """Apply the course's matplotlib style (readable, light grid, no top/right spines)."""
    import matplotlib.pyplot as plt

    plt.rcParams.update(PLOT_STYLE)


# Whether this process turned TensorFlow's op determinism on: TensorFlow has a public switch
# to turn it on and none to turn it off again.
_deterministic_ops = False

STILL_DETERMINISTIC = ("Note: TensorFlow's ops stay deterministic (an earlier helpers.setup() "
                       "in this kernel turned that on, and it cannot be turned off): restart the "
                       "kernel (Kernel > Restart Kernel) and run the notebook from the top.")


def seed_everything(seed=DEFAULT_SEED, deterministic=True):
    """Seed Python, NumPy, TensorFlow and Keras; with `deterministic`, make TensorFlow's ops
    deterministic too.

    PYTHONHASHSEED is not set: it is read once, when Python starts, so setting it in a
    running kernel changes nothing. Nothing in the course depends on the order of a set of
    strings.
    """
    global _deterministic_ops
    tf = import_tensorflow()
    keras = import_keras()
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # Python, NumPy and the backend together
    enable = getattr(tf.config.experimental, "enable_op_determinism", None)
    if deterministic and enable is not None:
        enable()
        _deterministic_ops = True


def setup(seed=DEFAULT_SEED, verbose=True, deterministic=True):
    """Seed everything, set the plot style, print one line on device and backend.

    `deterministic=False` leaves TensorFlow's ops free to be fast rather than repeatable, and
    lets Keras compile with XLA (`jit_compile=True`, which it declines while ops are
    deterministic): for a lesson that measures speed (16). It must be the kernel's first
    `setup()`; after a deterministic one it prints a note saying to restart the kernel.

    Returns nothing, so a set-up cell shows just that line; `helpers.device.detect()` gives
    the details.
    """
    from helpers import device

    seed_everything(seed, deterministic)
    set_plot_style()
    found = device.detect()
    if verbose:
        keras = import_keras()
        tf = import_tensorflow()
        ops = "" if deterministic else ", fast (non-deterministic) ops"
        print(f"Keras {keras.__version__} · backend {keras.backend.backend()} "
              f"(TensorFlow {tf.__version__}) · {found.summary()} · seed {seed}{ops}")
        for note in found.notes:   # e.g. a GPU that TensorFlow cannot use, and what to run
            print(note)
    if not deterministic and _deterministic_ops:
        print(STILL_DETERMINISTIC)
