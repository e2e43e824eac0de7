"""Checkers for lesson 02 (The perceptron).

Conventions the lesson states and these checkers test: labels are 0 and 1; a perceptron
predicts 1 where w·x + b > 0 and 0 otherwise (a point on the boundary gets 0); a
McCulloch–Pitts neuron fires (1) where inputs @ weights >= threshold.
"""

import itertools

import numpy as np

from helpers.checks import (Reject, as_array, as_number, call, exercise, expect_close,
                            expect_finite, expect_shape, need_callable, short)

# Sums that reach a threshold up to float round-off count as reaching it (0.1 + 0.2 >= 0.3).
_EPS = 1e-9


def _reference_predict(x, w, b):
    return (x @ w + b > 0).astype(int)


def _all_inputs(d):
    return np.array(list(itertools.product([0, 1], repeat=d)))


def _fmt_point(v):
    return "(" + ", ".join(f"{float(a):g}" for a in np.ravel(v)) + ")"


def _unpack(value, count, what, names):
    """`value` as a tuple of `count` parts, or a Reject naming what should come back."""
    if isinstance(value, (tuple, list)) and len(value) == count:
        return tuple(value)
    got = f"{len(value)} things" if isinstance(value, (tuple, list)) else short(value, 40)
    raise Reject(f"{what} should return {count} things, {names}; yours returned {got}.")


def _labels(value, n, what):
    """`value` as an int array of n labels 0/1, or a Reject saying what is off."""
    out = as_array(value, what)
    if out.shape in ((n, 1), (1, n)):
        raise Reject(f"{what} should have shape ({n},), one label per point; yours has shape "
                     f"{out.shape}. Flatten it (or use a w of shape (d,), not (d, 1)).")
    expect_shape(out, (n,), what)
    expect_finite(out, what)
    odd = out[(out != 0) & (out != 1)]
    if odd.size:
        if np.any(odd == -1):
            hint = " Labels in this lesson are 0 and 1, not -1 and +1 (np.sign gives -1)."
        else:
            hint = " Did you forget the step, turning the score w·x + b into 0 or 1?"
        raise Reject(f"{what} should hold only 0s and 1s; yours has "
                     f"{short(np.unique(odd))}.{hint}")
    return out.astype(int)


@exercise("2.1")
def predict(answer):
    """Random points in 1, 2 and 5 dimensions, float32 inputs, and points on the boundary."""
    need_callable(answer, "predict")
    rng = np.random.default_rng(2)
    cases = []
    for n, d in ((200, 2), (7, 1), (50, 5), (1, 3)):
        cases.append((rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal())))
    cases.append((rng.normal(size=(30, 2)).astype("float32"),
                  rng.normal(size=2).astype("float32"), np.float32(0.25)))
    cases.append((rng.normal(size=(20, 3)), rng.normal(size=3), 1))  # b an int
    for x, w, b in cases:
        n, d = x.shape
        what = f"predict(x, w, b) for x of shape ({n}, {d})"
        got = _labels(call(answer, x.copy(), w.copy(), b, name="predict"), n, what)
        want = _reference_predict(x.astype(float), w.astype(float), float(b))
        wrong = np.flatnonzero(got != want)
        if wrong.size == n and n > 1:
            raise Reject(f"{what}: every label is flipped. Predict 1 where w·x + b > 0 and "
                         "0 elsewhere.")
        if wrong.size:
            i = wrong[0]
            score = float(x[i] @ w + b)
            raise Reject(f"{what}: for the point x[{i}] = {_fmt_point(x[i])} with "
                         f"w = {_fmt_point(w)}, b = {float(b):g} the score w·x + b is "
                         f"{score:.4g}, so the label should be {want[i]}; yours gave "
                         f"{got[i]} ({wrong.size} of {n} points wrong).")
    # On the boundary: the scores below are exactly 0 for rows 0, 1 and 3.
    boundary = [
        (np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 0.0], [0.0, 0.0]]), np.array([1.0, -1.0]),
         0.0),
        (np.array([[1.0, 1.0], [1.5, 1.0], [0.5, 0.5], [2.0, 0.0]]), np.array([1.0, 1.0]),
         -2.0),
    ]
    for x, w, b in boundary:
        got = _labels(call(answer, x.copy(), w.copy(), b, name="predict"), len(x),
                      "predict(x, w, b) for 4 points")
        want = _reference_predict(x, w, b)
        on_line = np.flatnonzero((x @ w + b == 0) & (got != want))
        if on_line.size:
            i = on_line[0]
            raise Reject(f"on the boundary, where w·x + b = 0, the label should be 0; yours "
                         f"gave {got[i]} for x = {_fmt_point(x[i])}, w = {_fmt_point(w)}, "
                         f"b = {b:g}. Use `> 0`, not `>= 0`.")
        wrong = np.flatnonzero(got != want)
        if wrong.size:
            i = wrong[0]
            raise Reject(f"for x = {_fmt_point(x[i])}, w = {_fmt_point(w)}, b = {b:g} the "
                         f"label should be {want[i]}; yours gave {got[i]}.")
    return "right on 308 random points in 1 to 5 dimensions and on the boundary (label 0)."


def _update_case_text(w, b, x, y, lr):
    score = float(x @ w + b)
    y_hat = int(score > 0)
    verdict = "correct, so nothing should change" if y_hat == y else "a mistake"
    return (f"w = {_fmt_point(w)}, b = {b:g}, x_i = {_fmt_point(x)}, y_i = {y}, lr = {lr:g} "
            f"(score {score:.4g}, predicted {y_hat}: {verdict})")


@exercise("2.2")
def perceptron_update(answer):
    """Both kinds of mistake, correct points, the boundary at w = 0, and random cases."""
    need_callable(answer, "perceptron_update")
    zero = np.zeros(2)
    cases = [
        (zero, 0.0, np.array([1.5, -0.5]), 1, 1.0),          # score 0 -> predicted 0: mistake
        (zero, 0.0, np.array([1.5, -0.5]), 0, 1.0),          # score 0 -> predicted 0: correct
        (np.array([1.0, 2.0]), 0.5, np.array([1.0, 1.0]), 0, 0.5),    # false 1
        (np.array([1.0, -2.0]), 0.0, np.array([0.5, 1.0]), 1, 0.1),   # false 0
        (np.array([1.0, 2.0]), 0.5, np.array([1.0, 1.0]), 1, 0.5),    # right 1
        (np.array([1.0, -2.0]), 0.0, np.array([0.5, 1.0]), 0, 0.1),   # right 0
    ]
    rng = np.random.default_rng(3)
    for _ in range(40):
        cases.append((rng.normal(size=3), float(rng.normal()), rng.normal(size=3),
                      np.int64(rng.integers(0, 2)), float(rng.choice([0.1, 0.5, 1.0, 2.0]))))
    for w, b, x, y, lr in cases:
        given = _update_case_text(w, b, x, y, lr)
        error = int(y) - int(x @ w + b > 0)
        want_w, want_b = w + lr * error * x, b + lr * error
        out = call(answer, w.copy(), b, x.copy(), y, lr, name="perceptron_update")
        new_w, new_b = _unpack(out, 2, "perceptron_update", "the new w and the new b "
                               "(`return w, b`)")
        new_w = as_array(new_w, "the new w")
        expect_shape(new_w, w.shape, "the new w")
        new_b = as_number(new_b, "the new b")
        try:
            expect_close(new_w, want_w, "the new w", rtol=1e-5, atol=1e-6, given=given)
            expect_close(new_b, want_b, "the new b", rtol=1e-5, atol=1e-6, given=given)
        except Reject as reason:
            fires_at_zero = int(y) - 1  # the error if score 0 were wrongly predicted 1
            if x @ w + b == 0 and np.allclose(new_w, w + lr * fires_at_zero * x) and \
                    np.isclose(new_b, b + lr * fires_at_zero):
                raise Reject(f"{reason} At a score of exactly 0 the prediction is 0 (the "
                             "boundary belongs to class 0).") from None
            raise
    return ("right on both kinds of mistake, on correct points (unchanged), at w = 0 "
            "(score 0 predicts 0) and on 40 random cases.")


@exercise("2.3")
def majority_neuron(answer):
    """The truth table of the neuron the answer's weights and threshold define."""
    need_callable(answer, "majority_neuron")
    out = call(answer, name="majority_neuron")
    weights, threshold = _unpack(out, 2, "majority_neuron()", "(weights, threshold)")
    weights = as_array(weights, "the weights")
    expect_shape(weights, (3,), "the weights (one per input)")
    expect_finite(weights, "the weights")
    threshold = as_number(threshold, "the threshold")
    expect_finite(threshold, "the threshold")
    x = _all_inputs(3)
    fires = (x @ weights >= threshold - _EPS).astype(int)
    want = (x.sum(axis=1) >= 2).astype(int)
    wrong = np.flatnonzero(fires != want)
    if wrong.size:
        i = wrong[0]
        raise Reject(f"with weights {short(weights)} and threshold {threshold:g} the neuron "
                     f"gives {fires[i]} for the inputs {_fmt_point(x[i])} (weighted sum "
                     f"{float(x[i] @ weights):g}); a majority vote gives {want[i]} "
                     f"({wrong.size} of 8 rows wrong).")
    return "all 8 rows of the majority truth table are right."


def _run_network(x, hidden_weights, hidden_thresholds, output_weights, output_threshold):
    hidden = (x @ hidden_weights.T >= hidden_thresholds - _EPS).astype(int)
    return hidden, (hidden @ output_weights >= output_threshold - _EPS).astype(int)


@exercise("2.4")
def xor_network(answer):
    """The four rows of XOR through the answer's hidden layer and output neuron."""
    need_callable(answer, "xor_network")
    out = call(answer, name="xor_network")
    parts = _unpack(out, 4, "xor_network()", "(hidden_weights, hidden_thresholds, "
                    "output_weights, output_threshold)")
    hidden_weights = as_array(parts[0], "hidden_weights")
    if hidden_weights.ndim != 2 or hidden_weights.shape[1] != 2:
        raise Reject(f"hidden_weights should have shape (k, 2), one row of two input weights "
                     f"per hidden neuron; yours has shape {hidden_weights.shape}.")
    k = hidden_weights.shape[0]
    hidden_thresholds = as_array(parts[1], "hidden_thresholds")
    expect_shape(hidden_thresholds, (k,), "hidden_thresholds (one per hidden neuron)")
    output_weights = as_array(parts[2], "output_weights")
    expect_shape(output_weights, (k,), "output_weights (one per hidden neuron)")
    output_threshold = as_number(parts[3], "output_threshold")
    for value, what in ((hidden_weights, "hidden_weights"),
                        (hidden_thresholds, "hidden_thresholds"),
                        (output_weights, "output_weights"),
                        (output_threshold, "output_threshold")):
        expect_finite(value, what)
    x = _all_inputs(2)
    want = x[:, 0] ^ x[:, 1]
    hidden, got = _run_network(x, hidden_weights, hidden_thresholds, output_weights,
                               output_threshold)
    wrong = np.flatnonzero(got != want)
    if wrong.size:
        if k == 2:
            _, flipped = _run_network(x, hidden_weights.T, hidden_thresholds, output_weights,
                                      output_threshold)
            if np.array_equal(flipped, want):
                raise Reject("your network computes XOR only with hidden_weights transposed: "
                             "row j of hidden_weights should hold the two input weights of "
                             "hidden neuron j.")
        i = wrong[0]
        raise Reject(f"for the inputs {_fmt_point(x[i])} your hidden layer gives "
                     f"{_fmt_point(hidden[i])} and the output is {got[i]}; XOR is {want[i]} "
                     f"({wrong.size} of 4 rows wrong).")
    return f"XOR is right on all 4 inputs, with {k} hidden neurons."
