"""Exercise checks: the machinery, and one module of checkers per lesson (lesson00 ...).

A check cell calls one checker with the learner's answer:

    from helpers.checks import lesson02 as check
    check.perceptron_predict(perceptron_predict)

A checker tests behaviour, never text: seeded random inputs, edge cases, shapes, dtypes and
tolerances, compared with NumPy's or Keras' own result where one exists. It shows a short,
specific verdict and, on a wrong answer, raises `ExerciseFailed` so "Run All" stops there.

Writing a checker: decorate a function with `@exercise("2.1", "implement ...")`; inside it,
use `need_callable`, `call`, `as_array`, `expect_shape`, `expect_close`, ... which raise
`Reject("specific message")`; return a short summary of what was checked.
"""

import functools
import html

import numpy as np

from helpers.session import in_notebook as _in_notebook


class Reject(Exception):
    """Raised inside a checker: the answer is wrong, and the message says how."""


class ExerciseFailed(AssertionError):
    """What a learner sees when an answer is not right yet."""

    def __init__(self, number, message):
        super().__init__(_verdict(number, message))
        self.number = number
        self.message = message

    def _render_traceback_(self):
        # IPython shows this instead of a long traceback into the checker's code; in a
        # notebook the coloured box above already holds the message.
        if _in_notebook():
            return [f"ExerciseFailed: Exercise {self.number} is not right yet (see above)."]
        return [f"ExerciseFailed: {self}"]


def _verdict(number, message):
    """'Exercise 2.1: message', unless the message already starts with 'Exercise 2.1'."""
    head = f"Exercise {number}"
    return message if message.startswith(head) else f"{head}: {message}"


def _show(passed, number, message):
    """Render the verdict as a coloured box in a notebook (plain text elsewhere)."""
    icon, colour, bg = ("✓", "#1b5e20", "#e8f5e9") if passed else ("✗", "#b71c1c", "#ffebee")
    text = f"{icon} {_verdict(number, message)}"
    if not _in_notebook():
        if passed:
            print(text)
        return
    from IPython.display import display

    box = (f'<div style="border-left:4px solid {colour};background:{bg};color:{colour};'
           f'padding:6px 10px;margin:4px 0;font-family:sans-serif">'
           f'{icon} {html.escape(_verdict(number, message))}</div>')
    display({"text/html": box, "text/plain": text}, raw=True)


def exercise(number, task):
    """Decorator turning a checker body `body(answer, ...)` into a learner-facing check.

    `task` completes "Exercise 2.1 is yours: ..." for an answer that is still a stub. The check
    returns True on a right answer (None inside a notebook) and raises `ExerciseFailed`.
    """

    def decorate(body):
        @functools.wraps(body)
        def check(*answers, **kwargs):
            try:
                summary = body(*answers, **kwargs)
            except Reject as reason:
                message = str(reason)
            except _Stub:
                message = (f"Exercise {number} is yours: {task}. Write your code in the "
                           "exercise cell (where it says # YOUR CODE HERE), run that cell, "
                           "then this one.")
            except Exception as error:  # the learner's object tripped the checker itself
                message = (f"checking your answer raised {type(error).__name__}: {error}. "
                           "Look at the type and shape of what your code returns.")
            else:
                _show(True, number, summary or "correct.")
                # In a notebook the verdict box says it all; a bare `True` below it would not.
                return None if _in_notebook() else True
            _show(False, number, message)
            raise ExerciseFailed(number, message) from None

        check.exercise = number
        check.task = task
        return check

    return decorate


class _Stub(Exception):
    """The learner's code still raises NotImplementedError."""


# Tools for checker bodies ------------------------------------------------------------------

def short(value, limit=70):
    """A compact one-line repr of a value for messages."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, separator=", ", threshold=8,
                               suppress_small=True).replace("\n", "")
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def need_callable(answer, name):
    """Reject unless `answer` is a function (the usual first line of a checker)."""
    if answer is None:
        raise Reject(f"`{name}` is None. Define it in the exercise cell and run that cell.")
    if not callable(answer):
        raise Reject(f"`{name}` should be a function; got a {type(answer).__name__}.")


def call(fn, *args, name=None, **kwargs):
    """Call the learner's `fn`; a stub or an exception inside it becomes a clear verdict."""
    name = name or getattr(fn, "__name__", "your function")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise _Stub() from None
    except Exception as error:
        shown = ", ".join([short(a, 30) for a in args] +
                          [f"{k}={short(v, 20)}" for k, v in kwargs.items()])
        raise Reject(f"`{name}({shown})` raised {type(error).__name__}: {error}") from None


def as_array(value, what, dtype=float):
    """`value` as a NumPy array of `dtype`, or a Reject naming what was wrong with it."""
    if value is None:
        raise Reject(f"{what} is None: did you forget a `return`?")
    if isinstance(value, (str, bytes)):
        raise Reject(f"{what} should be numbers; got the text {short(value, 30)}.")
    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise Reject(f"{what} could not be read as numbers ({error}); got "
                     f"{type(value).__name__}.") from None
    return array


def as_number(value, what):
    """`value` as a Python float (a 0-d or one-element array is fine)."""
    array = as_array(value, what)
    if array.size != 1:
        raise Reject(f"{what} should be a single number; got shape {array.shape}.")
    return float(array.reshape(()))


def expect_shape(array, shape, what):
    """Reject unless `array.shape == shape`."""
    if tuple(np.shape(array)) != tuple(shape):
        raise Reject(f"{what} should have shape {tuple(shape)}; yours has shape "
                     f"{tuple(np.shape(array))}.")


def expect_finite(array, what):
    """Reject NaN or infinity anywhere in `array`."""
    if not np.all(np.isfinite(array)):
        raise Reject(f"{what} contains NaN or infinity: {short(np.asarray(array))}.")


def expect_close(actual, expected, what, rtol=1e-5, atol=1e-7, given=None):
    """Reject unless `actual` matches `expected` elementwise (shape first, then values).

    `given` describes the input, for the message ("for x = [...]").
    """
    actual = as_array(actual, what)
    expected = np.asarray(expected, dtype=float)
    expect_shape(actual, expected.shape, what)
    expect_finite(actual, what)
    bad = ~np.isclose(actual, expected, rtol=rtol, atol=atol)
    if bad.any():
        where = f" for {given}" if given else ""
        if actual.ndim == 0:
            raise Reject(f"{what} should be {short(float(expected))}{where}; yours gave "
                         f"{short(float(actual))}.")
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        raise Reject(f"{what}{where} is wrong at index {i}: it should be "
                     f"{short(float(expected[i]))}, yours gave {short(float(actual[i]))} "
                     f"({int(bad.sum())} of {bad.size} entries differ).")


def expect_equal(actual, expected, what, given=None):
    """Reject unless `actual` equals `expected` exactly (labels, counts, integer results)."""
    expected = np.asarray(expected)
    actual = as_array(actual, what, dtype=expected.dtype if expected.dtype.kind in "iub"
                      else float)
    expect_shape(actual, expected.shape, what)
    if not np.array_equal(actual, expected):
        where = f" for {given}" if given else ""
        if actual.ndim == 0:
            raise Reject(f"{what} should be {short(expected.item())}{where}; yours gave "
                         f"{short(actual.item())}.")
        i = tuple(int(k) for k in np.argwhere(actual != expected)[0])
        raise Reject(f"{what}{where} is wrong at index {i}: it should be "
                     f"{expected[i].item()}, yours gave {actual[i].item()}.")
