"""The course's shared helpers, imported by every notebook (introduced in lesson 00).

`import helpers; helpers.setup()` is the first code cell of every lesson. Importing this
package is cheap: TensorFlow and Keras are imported by `setup()`, quietly.
"""

import os

# Before TensorFlow is imported anywhere: hide its C++ INFO/WARNING start-up lines (real
# Python warnings still show) and pin the Keras backend the course is tested on.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from helpers.claims import claim  # noqa: E402
from helpers.session import setup  # noqa: E402

__all__ = ["claim", "setup"]
