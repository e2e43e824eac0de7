"""Exercise checks: the kit, and one module of checkers per lesson (lesson00 ...).

A check cell calls one checker with the learner's answer:

    from helpers.checks import lesson02 as check
    check.predict(predict)

A checker tests behaviour, never text. Writing one:

    @exercise("2.1", forbid=("np.heaviside",))       # number; library calls it must not use
    def predict(answer, rng):                         # `rng`: a Generator seeded afresh per call
        need_callable(answer, "predict")
        for x, w, b in fixed_edge_cases + cases_drawn_from(rng):
            got = call(answer, x, w, b)               # a stub, a crash, a changed input → Reject
            expect_equal(got, reference(x, w, b), "predict(x, w, b)", given=...)
        return "right on ... (a short summary of what was checked)"

What every checker gets from the kit, so no lesson has to remember it:
- The task's words come from one place, the exercise cell's first line: a stub's
  NotImplementedError carries them (the builder wrote it), and the verdict reads them from
  the cell that defined the answer (`task_of`).
- Fresh cases: `rng` is seeded from the operating system on every call, so a table of answers
  copied from earlier messages cannot pass. A failure after a random draw names the seed, and
  `check.predict(predict, seed=...)` draws the same cases again. The global NumPy and Python
  random states are left as the lesson set them.
- Outcomes judged the same way every time: a checker that trains the learner's model and holds
  it to a target trains from `OUTCOME_SEED`, so one answer always gets one verdict, and a
  right answer cannot fail by the luck of a seed. Only what a table could copy is drawn fresh.
- Inputs left alone: `call` hands the learner's function the checker's arrays and rejects an
  answer that changes any of them in place, naming the argument and the entry.
- From scratch means from scratch: `forbid` names library calls the exercise asks the learner
  to write; an answer whose code (or a helper function of the learner's that it calls) uses one
  is told so, kindly, before anything runs.
- Odd answers get a verdict, never a crash: None, not a function, a stub, an exception inside
  the learner's code, NaN, text, wrong shapes.
A wrong answer raises `ExerciseFailed` (an AssertionError) so "Run All" stops there; in a
notebook the verdict is also shown as a coloured box.
"""

import dis
import functools
import html
import inspect
import linecache
import random
import secrets
import types

import numpy as np

from helpers.display import in_notebook as _in_notebook
from helpers.display import show_html
from helpers.protocol import STUB_MESSAGE, parse_header, stub_message

FALSE_ALARM = 1e-6  # how often a statistical check may reject a right answer (per check)
# An outcome check (train the learner's model, then hold it to a target accuracy or loss) trains
# from this seed, never a fresh one: a training run is not a table a learner could copy, and a
# fresh seed only made the verdict a lottery near the target (a right answer failed in CI).
OUTCOME_SEED = 1


class Reject(Exception):
    """Raised inside a checker: the answer is wrong, and the message says how."""


class ExerciseFailed(AssertionError):
    """What a learner sees when an answer is not right yet."""

    def __init__(self, number, message):
        super().__init__(message)
        self.number = number
        self.message = message

    def _render_traceback_(self):
        # IPython shows this instead of a long traceback into the checker's code; in a
        # notebook the coloured box above already holds the message.
        if _in_notebook():
            return [f"ExerciseFailed: Exercise {self.number} is not right yet (see above)."]
        return [f"ExerciseFailed: {self}"]


class _Stub(Exception):
    """The learner's code still raises NotImplementedError (its message is kept)."""


# The decorator -----------------------------------------------------------------------------

def exercise(number, *, forbid=()):
    """Turn a checker body `body(*answers[, rng])` into the check a lesson calls.

    `forbid`: dotted names of library functions the exercise asks the learner to write
    ("tf.nn.conv2d", "sklearn.metrics.confusion_matrix"); matched by their last part.
    The check returns True on a right answer (None inside a notebook, where the box says it)
    and raises `ExerciseFailed` otherwise. `check(answer, seed=S)` repeats the random cases.
    """
    forbid = tuple(forbid)

    def decorate(body):
        wants_rng = "rng" in inspect.signature(body).parameters

        @functools.wraps(body)
        def check(*answers, seed=None, **kwargs):
            seed = fresh_seed() if seed is None else int(seed)
            rng = np.random.default_rng(seed)
            start = rng.bit_generator.state
            saved = np.random.get_state(), random.getstate()
            task = next(filter(None, (task_of(a, number) for a in answers)), None)
            try:
                for answer in answers:
                    _refuse_library(answer, forbid)
                summary = body(*answers, rng=rng, **kwargs) if wants_rng else \
                    body(*answers, **kwargs)
            except Reject as reason:
                drawn = rng.bit_generator.state != start
                message = str(reason) + (_seed_note(body.__name__, seed) if drawn else "")
            except (_Stub, NotImplementedError) as stub:   # not tried yet: nothing recorded
                message = _stub_verdict(number, task, str(stub))
                _show(False, _verdict(number, task, message))
                raise ExerciseFailed(number, _verdict(number, task, message)) from None
            except Exception as error:  # the learner's object tripped the checker itself
                message = (f"checking your answer raised {type(error).__name__}: {error}. "
                           "Look at the type and shape of what your code returns.")
            else:
                check.draws = rng.bit_generator.state != start
                _show(True, _verdict(number, task, summary or "correct."))
                _record(number, True)
                # In a notebook the verdict box says it all; a bare `True` below it would not.
                return None if _in_notebook() else True
            finally:
                np.random.set_state(saved[0])
                random.setstate(saved[1])
            message = _verdict(number, task, message)
            _show(False, message)
            _record(number, False)
            raise ExerciseFailed(number, message) from None

        check.exercise = number
        check.forbid = forbid
        check.draws = None  # after a pass: whether the check drew random cases
        return check

    return decorate


def _record(number, passed):
    """A learner's verdict goes to their progress file (helpers.tracking); checks run by
    tests, outside a notebook, record nothing."""
    if _in_notebook():
        from helpers import tracking

        tracking.record(number, passed)


def fresh_seed():
    """A seed from the operating system, untouched by `helpers.setup()`'s seeding."""
    return secrets.randbelow(2**32)


def _seed_note(name, seed):
    return (f" [Cases drawn at random with seed {seed}; `check.{name}(..., seed={seed})` "
            "draws the same ones again.]")


def _stub_verdict(number, task, raised):
    """'Exercise 2.1 is yours: <task from the cell>.' and what to do."""
    if not STUB_MESSAGE.match(raised or ""):
        raised = stub_message(number, task) if task else f"Exercise {number} is yours."
    return (f"{raised} Write your code in the exercise cell (where it says # YOUR CODE HERE), "
            "run that cell, then this one.")


def _verdict(number, task, message):
    """'Exercise 2.1 (task): message', unless the message already starts with 'Exercise 2.1'."""
    head = f"Exercise {number}"
    if message.startswith(head):
        return message
    return f"{head} ({task}): {message}" if task else f"{head}: {message}"


def _show(passed, text):
    """The verdict as a coloured box in a notebook; plain text elsewhere (passes only)."""
    icon, colour, bg = ("✓", "#1b5e20", "#e8f5e9") if passed else ("✗", "#b71c1c", "#ffebee")
    if not _in_notebook():
        if passed:
            print(f"{icon} {text}")
        return
    box = (f'<div style="border-left:4px solid {colour};background:{bg};color:{colour};'
           f'padding:6px 10px;margin:4px 0;font-family:sans-serif">'
           f'{icon} {html.escape(text)}</div>')
    show_html(box, f"{icon} {text}")


def task_of(answer, number):
    """The task's words from the first line of the cell (or file) that defined `answer`,
    if that line is `# Exercise <number>: ...`; else None."""
    for function in _functions_of(answer):
        filename = getattr(getattr(function, "__code__", None), "co_filename", None)
        lines = linecache.getlines(filename) if filename else []
        first = next((line for line in lines if line.strip()), "")
        header = parse_header(first)
        if header and header[0] == number:
            return header[1]
    return None


def _functions_of(answer):
    """The plain functions behind an answer: itself, or a class's own methods."""
    if isinstance(answer, type):
        return [v for v in vars(answer).values() if isinstance(v, types.FunctionType)]
    answer = inspect.unwrap(answer) if callable(answer) else answer
    return [answer] if isinstance(answer, types.FunctionType) else []


# "From scratch" ------------------------------------------------------------------------------

def _refuse_library(answer, forbid):
    """Reject an answer whose code uses one of the `forbid`den library calls."""
    if not forbid:
        return
    leaves = {name.rsplit(".", 1)[-1]: name for name in forbid}
    found = library_calls(answer, leaves)
    if found:
        raise Reject(f"your answer uses `{found[0]}`, the library's own version of what this "
                     "exercise asks you to write. It is a fine tool elsewhere; here, write "
                     "that part yourself (NumPy's basic operations are fine), then compare "
                     "your result with it if you like.")


def library_calls(answer, leaves, _seen=None):
    """(name as written, forbidden name) for the first use of a name in `leaves` in the code
    of `answer` or of the learner's own functions it calls; None if there is none.

    Reads bytecode, so it works for lambdas and notebook cells alike; `leaves` maps a last
    name part ("conv2d") to the library name it stands for ("tf.nn.conv2d"). An attribute
    (`tf.nn.conv2d`), an import (`from scipy.signal import correlate2d`) or a global bound to
    a library object counts; a local variable or the learner's own function or class of the
    same name does not.
    """
    seen = set() if _seen is None else _seen
    for function in _functions_of(answer):
        if function in seen:
            continue
        seen.add(function)
        for code in _code_objects(function.__code__):
            for chain, root in _name_chains(code):
                leaf = _library_leaf(function, chain, root)
                if leaf in leaves:
                    return chain, leaves[leaf]
        for helper in _learners_helpers(function):
            found = library_calls(helper, leaves, seen)
            if found:
                return found
    return None


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


_GLOBAL_LOADS = ("LOAD_GLOBAL", "LOAD_NAME")
_LOCAL_LOADS = ("LOAD_FAST", "LOAD_DEREF", "LOAD_CLASSDEREF", "LOAD_FAST_CHECK",
                "LOAD_FAST_AND_CLEAR", "LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW")


def _name_chains(code):
    """(dotted name, how its first part was loaded) for each name the code loads:
    ('tf.nn.conv2d', 'LOAD_GLOBAL'), ('scipy.signal.correlate2d', 'IMPORT_FROM'), ..."""
    chain, root = [], None
    for instruction in dis.get_instructions(code):
        op, name = instruction.opname, instruction.argval
        if op in _GLOBAL_LOADS + _LOCAL_LOADS or op == "IMPORT_NAME":
            if chain:
                yield ".".join(chain), root
            chain, root = ([name], op) if isinstance(name, str) else ([], None)
        elif op in ("LOAD_ATTR", "LOAD_METHOD") and isinstance(name, str):
            chain = chain + [name] if chain else [name]
        elif op == "IMPORT_FROM":
            yield f"{chain[0]}.{name}" if chain else name, "IMPORT_FROM"
        else:
            if chain:
                yield ".".join(chain), root
            chain, root = [], None
    if chain:
        yield ".".join(chain), root


def _library_leaf(function, chain, root):
    """The last name part of what a loaded name may be in a library: an attribute's or an
    import's own; for a bare global bound to a library object (an alias too), that object's
    `__name__`; None for a local variable or the learner's own function or class."""
    if "." in chain or root in ("IMPORT_FROM", "IMPORT_NAME"):
        return chain.rsplit(".", 1)[-1]
    if root not in _GLOBAL_LOADS:
        return None  # a local variable
    target = function.__globals__.get(chain)
    if target is None or getattr(target, "__module__", None) == function.__module__:
        return None
    return getattr(target, "__name__", chain)


def _learners_helpers(function):
    """Functions and classes of the learner's (same module) that `function` refers to."""
    names = set()
    for code in _code_objects(function.__code__):
        names.update(code.co_names)
    found = [function.__globals__.get(n) for n in names]
    found += [_contents(cell) for cell in (function.__closure__ or ())]
    return [f for f in found if isinstance(f, (types.FunctionType, type))
            and getattr(f, "__module__", None) == function.__module__]


def _contents(cell):
    """What a closure cell holds (None while it is still empty)."""
    try:
        return cell.cell_contents
    except ValueError:
        return None


# Calling the learner's code ------------------------------------------------------------------

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


def built_model(answer, name, *args, fresh=True):
    """The Keras model the learner's `name(*args)` builds, or a Reject that says what came
    back instead (a model passed in place of the function, None, a class, anything else).

    `fresh`: call it twice and refuse the same object twice, for a checker that trains what
    it gets (a function that hands out one shared model would carry training between calls).
    """
    from helpers.startup import import_keras

    keras = import_keras()
    if isinstance(answer, keras.Model):
        raise Reject(f"Pass the function, `check.{name}({name})`, not a model it built: the "
                     "checker builds a fresh model and trains it itself.")
    need_callable(answer, name)
    shown = f"`{name}({', '.join(map(short, args))})`"
    model = call(answer, *args, name=name)
    if model is None:
        raise Reject(f"{shown} returned None: did you forget to `return` the model?")
    if isinstance(model, type):
        raise Reject(f"{shown} returned the class {model.__name__}, not a model: call it, "
                     "e.g. keras.Sequential([...]).")
    if not isinstance(model, keras.Model):
        raise Reject(f"{shown} should return a Keras model; it returned {short(model, 40)} "
                     f"({type(model).__name__}).")
    if fresh and call(answer, *args, name=name) is model:
        raise Reject(f"{shown} returned the same model object twice. Build and compile a new "
                     "model on every call: the checker trains a fresh one.")
    return model


def outcome_model(answer, name, *args):
    """The fresh model `name(*args)` builds for an outcome check, its weights drawn from
    OUTCOME_SEED: the checker then trains it, so one answer always gets one verdict."""
    from helpers.startup import import_keras

    import_keras().utils.set_random_seed(OUTCOME_SEED)
    return built_model(answer, name, *args)


def expect_untrained(name, before, limit, measured, lower_is_better=False):
    """Reject a model that, before the checker trains it, already scores past what an untrained
    one can (`limit`): `name()` handed back a model trained earlier. `measured` says what
    `before` is, with a `{}` for it, e.g. "the model is right on {:.1%} of the validation
    digits"."""
    if (before < limit) if lower_is_better else (before > limit):
        raise Reject(f"before any training, {measured.format(before)}: `{name}()` should return "
                     "a new, untrained model (the checker trains it itself), not one trained "
                     "earlier.")


def as_learning_rate(value):
    """A learner's learning rate as a float, or a Reject: not a number, or not in (0, 1)."""
    try:
        rate = float(value)
    except (TypeError, ValueError):
        raise Reject(f"the learning rate should be a number; got {short(value, 40)}.") \
            from None
    if not 0 < rate < 1:
        raise Reject(f"the learning rate should be between 0 and 1; got {rate:g}.")
    return rate


def ready_to_train(model, name, max_params, why=""):
    """Reject a learner's model the checker cannot train as it is: not compiled, or over
    `max_params` parameters (`why` says what the limit is for)."""
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise Reject("the model is not compiled: call `model.compile(optimizer=..., loss=...)` "
                     f"inside `{name}` (under `device.scope()`), so that the checker can "
                     "train it.")
    if model.count_params() > max_params:
        raise Reject(f"the model has {model.count_params():,} parameters; keep it to "
                     f"{max_params:,} at most{why}.")


def digit_accuracy(model, x, y, batch_size=500):
    """Accuracy of a 10-class model's predictions on (x, y), taking the largest of its 10
    outputs; a model that does not give 10 outputs per image is rejected."""
    scores = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    if scores.ndim != 2 or scores.shape[1] != 10:
        raise Reject(f"the model should give 10 scores per image; it gave an array of shape "
                     f"{scores.shape} for {len(x)} images.")
    return float(np.mean(np.argmax(scores, axis=1) == y))


def call(fn, *args, name=None, **kwargs):
    """Call the learner's `fn` and return what it returns.

    A stub, an exception inside `fn`, or an argument that `fn` changed in place becomes a
    Reject that names the call.
    """
    name = name or getattr(fn, "__name__", "your function")
    before = [_snapshot(a) for a in args], {k: _snapshot(v) for k, v in kwargs.items()}
    try:
        out = fn(*args, **kwargs)
    except NotImplementedError as stub:
        raise _Stub(str(stub)) from None
    except Exception as error:
        shown = ", ".join([short(a, 30) for a in args] +
                          [f"{k}={short(v, 20)}" for k, v in kwargs.items()])
        raise Reject(f"`{name}({shown})` raised {type(error).__name__}: {error}") from None
    _expect_unchanged(fn, name, args, kwargs, before)
    return out


def _snapshot(value):
    """A deep copy of the mutable containers of NumPy arrays a learner could change."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value) if isinstance(value, list) else \
            tuple(_snapshot(v) for v in value)
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    return value


def _difference(old, new):
    """Where `new` differs from the snapshot `old`: a short phrase, or None if unchanged."""
    if isinstance(old, np.ndarray):
        if not isinstance(new, np.ndarray) or new.shape != old.shape:
            return "its shape"
        same = (old == new) | (np.isnan(old) & np.isnan(new)) if old.dtype.kind in "fc" \
            else old == new
        if np.all(same):
            return None
        i = tuple(int(k) for k in np.argwhere(~same)[0])
        index = f"[{', '.join(map(str, i))}]"
        was, now = short(old[i].item()), short(new[i].item())
        if was == now:  # changed in the last digits only (x + h - h): show them all
            was, now = repr(old[i].item()), repr(new[i].item())
        return f"entry {index} was {was}, is now {now}"
    if isinstance(old, (list, tuple, dict)):
        if type(new) is not type(old) or len(new) != len(old):
            return f"it was {short(old, 40)}, is now {short(new, 40)}"
        keys = old.keys() if isinstance(old, dict) else range(len(old))
        for k in keys:
            found = _difference(old[k], new[k])
            if found:
                return f"item {k!r}: {found}"
        return None
    if isinstance(old, (bool, int, float, complex, str, np.generic)):  # inside a list
        same = old == new or (old != old and new != new)  # NaN stays NaN
        return None if same else f"it was {short(old, 30)}, is now {short(new, 30)}"
    return None


def _expect_unchanged(fn, name, args, kwargs, before):
    try:
        names = list(inspect.signature(fn).bind(*args, **kwargs).arguments)
    except (TypeError, ValueError):
        names = []
    for i, (old, new) in enumerate(zip(before[0], args)):
        found = _difference(old, new)
        if found:
            arg = f"`{names[i]}`" if i < len(names) else f"argument {i + 1}"
            raise Reject(f"`{name}` changed its input {arg} in place ({found}). Leave the "
                         "caller's data as it was: build a new array (or work on a copy).")
    for key, old in before[1].items():
        found = _difference(old, kwargs[key])
        if found:
            raise Reject(f"`{name}` changed its input `{key}` in place ({found}). Leave the "
                         "caller's data as it was: build a new array (or work on a copy).")


# Reading and comparing results -------------------------------------------------------------

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


def same_values(a, b, rtol=1e-5, atol=1e-6):
    """True when `a` and `b` have one shape, are finite and agree within rtol/atol: the
    `same` that `one_mistake` and `diagnose` take, for arrays and numbers."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.isfinite(a)) and np.all(np.isfinite(b))) \
        and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def one_mistake(actual, mistakes, same):
    """The message of the one known mistake whose result `actual` is, or None.

    `mistakes`: (what the mistake gives on this input, message) pairs; `same(a, b)` compares
    two results. None when no mistake matches or mistakes with different messages do: naming
    a wrong guess is worse than naming none.
    """
    found = {message for result, message in mistakes if same(actual, result)}
    return found.pop() if len(found) == 1 else None


def diagnose(actual, right, mistakes, same):
    """Reject with a known mistake's message when `actual` is not `right` but is what that one
    mistake gives (mistakes that give the right result on this input are left out); else
    return, and the caller's neutral "should be X, yours gave Y" speaks."""
    if same(actual, right):
        return
    named = one_mistake(actual, [(result, message) for result, message in mistakes
                                 if not same(right, result)], same)
    if named:
        raise Reject(named)


def expect_frequencies(counts, probabilities, what, false_alarm=FALSE_ALARM, labels=None):
    """Reject unless `counts` (observed, one per outcome) fit `probabilities` by a chi-square
    goodness-of-fit test; a right answer is rejected with probability `false_alarm`.

    `labels` names the outcomes in the message (default: their index). Needs an expected
    count of at least 5 per outcome for the test to be valid. Returns the p-value.
    """
    from scipy import stats

    counts = np.asarray(counts, dtype=float).ravel()
    expected = np.asarray(probabilities, dtype=float).ravel() * counts.sum()
    if expected.min() < 5:
        raise ValueError("expect_frequencies needs an expected count of at least 5 per outcome")
    p = float(stats.chisquare(counts, expected).pvalue)
    if p < false_alarm:
        worst = int(np.argmax(np.abs(counts - expected) / np.sqrt(expected)))
        name = labels[worst] if labels is not None else worst
        raise Reject(f"{what} are not spread as they should be: outcome {name} came up "
                     f"{int(counts[worst])} times where about {expected[worst]:.0f} were "
                     f"expected (chi-square p = {p:.1e}; a right answer gets p below "
                     f"{false_alarm:g} once in {1 / false_alarm:,.0f} checks).")
    return p
