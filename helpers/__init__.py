"""The course's shared helpers, imported by every notebook (introduced in lesson 00).

`import helpers; helpers.setup()` is the first code cell of every lesson. Import helpers
before keras or tensorflow: `import helpers` itself is light (no TensorFlow, so the lesson
builder and the NumPy-only checks start in a moment), and it arranges that TensorFlow, when
keras, tensorflow or `setup()` first imports it, starts without its log noise.
"""

import os

# Before TensorFlow is imported anywhere: hide the log lines of its C++ core (real problems
# there surface as Python exceptions; Python warnings, Keras' included, still show) and pin
# the Keras backend the course is tested on.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from helpers.startup import install_quiet_import  # noqa: E402

install_quiet_import()

from helpers.claims import claim  # noqa: E402
from helpers.session import setup  # noqa: E402


def progress():
    """Draw where you stand: one row per lesson, one cell per exercise, from the verdicts your
    check cells recorded (helpers.tracking; `python3 course.py progress` prints it)."""
    import matplotlib.pyplot as plt

    from helpers import tracking

    tracking.figure()
    plt.show()


__all__ = ["claim", "progress", "setup"]
