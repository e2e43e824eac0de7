"""The course's shared helpers, imported by every notebook (introduced in lesson 00).

`import helpers; helpers.setup()` is the first code cell of every lesson; import helpers
before keras or tensorflow: it imports TensorFlow itself, without the start-up noise.
"""

import os

# Before TensorFlow is imported anywhere: hide the log lines of its C++ core (real problems
# there surface as Python exceptions; Python warnings, Keras' included, still show) and pin
# the Keras backend the course is tested on.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from helpers.startup import import_tensorflow  # noqa: E402

import_tensorflow()  # now, so that a later `import keras` prints nothing either

from helpers.claims import claim  # noqa: E402
from helpers.session import setup  # noqa: E402

__all__ = ["claim", "setup"]
