"""Stand-ins for a learner's answers, shared by the tests of every lesson's checkers."""

import functools

import numpy as np
import pytest

from helpers.checks import ExerciseFailed

# What the kit appends to a failure found on a case drawn at random.
SEED_NOTE = r"Cases drawn at random with seed \d+"


def rejects(checker, *answers, match):
    """Run `checker` on answers it must reject; the failure's message must match `match` (a
    regular expression) and is returned."""
    with pytest.raises(ExerciseFailed, match=match) as info:
        checker(*answers)
    return str(info.value)


def raises_value_error(*args):
    """An answer whose code crashes."""
    raise ValueError("boom")


def stub_for(number, task):
    """The answer as lessons/ hands it out: the builder's NotImplementedError stub."""

    def stub(*args):
        raise NotImplementedError(f"Exercise {number} is yours: {task}.")

    return stub


def args_key(value):
    """A hashable key for a call's arguments: arrays by shape, dtype and bytes; any function
    counts as the same (a checker makes a new one for every case)."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.str, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(args_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, args_key(v)) for k, v in sorted(value.items())))
    if callable(value):
        return "function"
    return repr(value)


def lookup_table(checker, right, fallback=None):
    """The answer a learner builds from earlier messages: it knows the result of every case
    one run of `checker` showed `right` (the fixed cases and one draw of random ones) and
    returns `fallback(*args)` (None without one) for any other."""
    table = {}

    @functools.wraps(right)
    def recording(*args):
        out = right(*args)
        table[args_key(args)] = out
        return out

    assert checker(recording) is True

    @functools.wraps(right)
    def lookup(*args):
        key = args_key(args)
        if key in table:
            return table[key]
        return fallback(*args) if fallback else None

    return lookup


def table_of(inputs, right, otherwise):
    """A lookup-table answer: right on the given inputs (the fixed cases a learner has seen in
    earlier messages), `otherwise(*args)` elsewhere."""
    table = {args_key(args): right(*args) for args in inputs}

    def lookup(*args):
        key = args_key(args)
        return table[key] if key in table else otherwise(*args)

    return lookup
