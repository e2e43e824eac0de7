"""Checkers for lesson 02 (The perceptron).

Conventions the lesson states and these checkers test: labels are 0 and 1; a perceptron
predicts 1 where w·x + b > 0 and 0 otherwise (a point on the boundary gets 0, a point whose
score is positive however small gets 1); a McCulloch–Pitts neuron fires (1) where
inputs @ weights >= threshold. The lesson builds the perceptron from scratch in NumPy, so 2.1
and 2.2 may not hand the work to scikit-learn's `Perceptron`. 2.1 and 2.2 mix fixed edge cases
with cases drawn from the kit's `rng`; 2.3 and 2.4 take no input.
"""

import itertools

import numpy as np

from helpers.checks import (
    Reject,
    as_array,
    as_number,
    call,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    need_callable,
    short,
)

# Sums that reach a threshold up to float round-off count as reaching it (0.1 + 0.2 >= 0.3).
_EPS = 1e-9
# Drawn points score at least this far from the boundary, relative to the size of the terms
# of w·x + b, so that a right answer summing in another order (or in float32) cannot land on
# the other side.
_MARGIN = 1e-3
_TINY = 2.0 ** -30  # a score just above 0 that float32 holds exactly
_PERCEPTRON = ("sklearn.linear_model.Perceptron",)


def _reference_predict(x, w, b):
    return (np.asarray(x, dtype=float) @ np.asarray(w, dtype=float) + float(b) > 0).astype(int)


def _all_inputs(d):
    return np.array(list(itertools.product([0, 1], repeat=d)))


def _number(a):
    """A float shown short when that is exact, in full when it is not (1.0000009536...)."""
    a = float(a)
    return f"{a:g}" if float(f"{a:g}") == a else repr(a)


def _fmt_point(v):
    return "(" + ", ".join(_number(a) for a in np.ravel(v)) + ")"


def _unpack(value, count, what, names):
    """`value` as a tuple of `count` parts, or a Reject naming what should come back."""
    if isinstance(value, (tuple, list)) and len(value) == count:
        return tuple(value)
    got = f"{len(value)} things" if isinstance(value, (tuple, list)) else short(value, 40)
    raise Reject(f"{what} should return {count} things, {names}; yours returned {got}.")


def _labels(value, n, what, scores):
    """`value` as an int array of n labels 0/1, or a Reject saying what is off."""
    out = as_array(value, what)
    if out.shape in ((n, 1), (1, n)) and n > 1:
        raise Reject(f"{what} should have shape ({n},), one label per point; yours has shape "
                     f"{out.shape}. Flatten it (or use a w of shape (d,), not (d, 1)).")
    expect_shape(out, (n,), what)
    expect_finite(out, what)
    odd = out[(out != 0) & (out != 1)]
    if odd.size:
        if np.any(odd == -1):
            hint = " Labels in this lesson are 0 and 1, not -1 and +1 (np.sign gives -1)."
        elif np.allclose(out, scores, rtol=1e-4, atol=1e-6):
            hint = " These are the scores w·x + b themselves, before the step to 0 or 1."
        else:
            hint = ""
        raise Reject(f"{what} should hold only 0s and 1s; yours has "
                     f"{short(np.unique(odd))}.{hint}")
    return out.astype(int)


# Exercise 2.1 --------------------------------------------------------------------------------

def _away_from_boundary(rng, n, d, w, b, scale):
    """(n, d) points drawn with |w·x + b| >= _MARGIN·(1 + |x|·|w| + |b|) (rows too close are
    drawn again)."""
    x = rng.normal(size=(n, d)) * scale
    for _ in range(100):
        near = np.abs(x @ w + b) < _MARGIN * (1 + np.abs(x) @ np.abs(w) + abs(b))
        if not near.any():
            return x
        x[near] = rng.normal(size=(int(near.sum()), d)) * scale
    raise RuntimeError("could not draw points away from the boundary")  # never in practice


def _predict_cases(rng):
    fixed = np.random.default_rng(2)  # the edge cases are the same on every call
    cases = []
    for n, d in ((200, 2), (7, 1), (50, 5), (1, 3)):
        cases.append((fixed.normal(size=(n, d)), fixed.normal(size=d), float(fixed.normal())))
    cases.append((fixed.normal(size=(30, 2)).astype("float32"),
                  fixed.normal(size=2).astype("float32"), np.float32(0.25)))
    cases.append((fixed.normal(size=(20, 3)), fixed.normal(size=3), 1))  # b an int
    for i in range(5):
        n, d = int(rng.integers(1, 200)), int(rng.integers(1, 7))
        scale = 10 ** rng.uniform(-1, 1)
        w, b = rng.normal(size=d) * 10 ** rng.uniform(-1, 1), float(rng.normal())
        x = _away_from_boundary(rng, n, d, w, b, scale)
        if i == 0:
            x, w, b = x.astype("float32"), w.astype("float32"), np.float32(b)
        elif i == 1:
            b = int(np.round(b * 3))
            x = _away_from_boundary(rng, n, d, w, b, scale)
        cases.append((x, w, b))
    # Exactly on the boundary (score 0: rows 0, 1, 3 of the first two) and just off it; these
    # numbers are sums of powers of two, so the score is exact in any order and in float32.
    e = _TINY
    cases += [
        (np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 0.0], [0.0, 0.0]]), np.array([1.0, -1.0]), 0.0),
        (np.array([[1.0, 1.0], [1.5, 1.0], [0.5, 0.5], [2.0, 0.0]]), np.array([1.0, 1.0]), -2.0),
        (np.array([[e, 0.0], [0.0, e], [-e, 0.0], [e, -e]]), np.array([1.0, 1.0]), 0.0),
        (np.array([[1 + 2.0**-20, 1.0], [1.0, 1.0], [1 - 2.0**-20, 1.0]], dtype="float32"),
         np.array([1.0, -1.0], dtype="float32"), np.float32(0.0)),
        (np.array([[1.0], [2.0], [0.5]]), np.array([1.0]), -1 + 2.0**-20),
    ]
    return cases


def _predict_diagnosis(got, want, x, w, b):
    """What is wrong with the labels `got` (some differ from `want`), as specific as the
    evidence allows."""
    n = len(want)
    x64, w64, b64 = np.asarray(x, dtype=float), np.asarray(w, dtype=float), float(b)
    scores = x64 @ w64 + b64
    wrong = np.flatnonzero(got != want)
    if wrong.size == n and n > 1:
        return ("every label is the opposite of the right one: check which side of the "
                "boundary gets 1.")
    slips = [((x64 @ w64 > 0).astype(int), "your labels are those of w·x alone: b seems to be "
                                            "left out."),
             ((x64 @ w64 - b64 > 0).astype(int), "your labels are those of w·x − b: b has the "
                                                  "wrong sign.")]
    found = [text for labels, text in slips
             if not np.array_equal(labels, want) and np.array_equal(got, labels)]
    if len(found) == 1:
        return found[0]
    case = f"w = {_fmt_point(w)}, b = {_number(b)}"
    on_line = wrong[scores[wrong] == 0]
    if on_line.size:
        i = on_line[0]
        return (f"on the boundary, where w·x + b = 0 exactly (x = {_fmt_point(x[i])}, {case}),"
                f" your label is {got[i]}; the lesson's convention puts the boundary in "
                "class 0.")
    near = wrong[np.abs(scores[wrong]) < 1e-4]
    if near.size:
        i = near[0]
        side = "above" if scores[i] > 0 else "below"
        return (f"just {side} the boundary, where w·x + b = {scores[i]:.3g} (x = "
                f"{_fmt_point(x[i])}, {case}), your label is {got[i]}; the label should be "
                f"{want[i]}: only the sign of the score counts, however small it is.")
    i = wrong[0]
    return (f"for the point x[{i}] = {_fmt_point(x[i])} with {case} the score w·x + b is "
            f"{scores[i]:.4g}, so the label should be {want[i]}; yours gave {got[i]} "
            f"({wrong.size} of {n} points wrong).")


@exercise("2.1", forbid=_PERCEPTRON)
def predict(answer, rng):
    """Points in 1 to 6 dimensions (fixed and drawn), float32, an int b, a batch of one,
    points exactly on the boundary and just off it."""
    need_callable(answer, "predict")
    cases = _predict_cases(rng)
    for x, w, b in cases:
        n, d = x.shape
        what = f"predict(x, w, b) for x of shape ({n}, {d})"
        scores = np.asarray(x, dtype=float) @ np.asarray(w, dtype=float) + float(b)
        got = _labels(call(answer, x, w, b, name="predict"), n, what, scores)
        want = _reference_predict(x, w, b)
        if not np.array_equal(got, want):
            raise Reject(f"{what}: {_predict_diagnosis(got, want, x, w, b)}")
    return (f"right on {len(cases)} point sets in 1 to 6 dimensions, including points on the "
            "boundary (label 0) and just above it (label 1).")


# Exercise 2.2 --------------------------------------------------------------------------------

def _update_case_text(w, b, x, y, lr):
    score = float(np.asarray(x, dtype=float) @ np.asarray(w, dtype=float) + float(b))
    y_hat = int(score > 0)
    verdict = "correct, so nothing should change" if y_hat == y else "a mistake"
    return (f"w = {_fmt_point(w)}, b = {_number(b)}, x_i = {_fmt_point(x)}, y_i = {y}, "
            f"lr = {_number(lr)} (score {score:.4g}, predicted {y_hat}: {verdict})")


def _update_cases(rng):
    zero = np.zeros(2)
    e = _TINY
    cases = [
        (zero, 0.0, np.array([1.5, -0.5]), 1, 1.0),          # score 0 -> predicted 0: mistake
        (zero, 0.0, np.array([1.5, -0.5]), 0, 1.0),          # score 0 -> predicted 0: correct
        (np.array([1.0, 2.0]), 0.5, np.array([1.0, 1.0]), 0, 0.5),    # false 1
        (np.array([1.0, -2.0]), 0.0, np.array([0.5, 1.0]), 1, 0.1),   # false 0
        (np.array([1.0, 2.0]), 0.5, np.array([1.0, 1.0]), 1, 0.5),    # right 1
        (np.array([1.0, -2.0]), 0.0, np.array([0.5, 1.0]), 0, 0.1),   # right 0
        (np.array([1.0, -1.0]), 0.0, np.array([2.0, 2.0]), 1, 0.25),  # score 0, w not 0
        (np.array([1.0, -1.0]), 0.0, np.array([2.0, 2.0]), 0, 0.25),
        (np.array([1.0]), 0.0, np.array([e]), 0, 1.0),       # score just above 0: predicted 1
        (np.array([1.0]), 0.0, np.array([e]), 1, 1.0),
        (np.array([0.5, -1.0, 2.0]), -0.5, np.zeros(3), 1, 0.3),      # x_i = 0: only b moves
        (np.array([0.5, -1.5], dtype="float32"), np.float32(0.25),
         np.array([1.0, 1.0], dtype="float32"), 1, 0.5),               # float32
    ]
    for _ in range(30):
        d = int(rng.integers(1, 7))
        w, b = rng.normal(size=d) * 10 ** rng.uniform(-1, 1), float(rng.normal())
        x = _away_from_boundary(rng, 1, d, w, b, 10 ** rng.uniform(-1, 1))[0]
        lr = float(10 ** rng.uniform(-3, 1))
        y = int(rng.integers(0, 2))
        cases.append((w, b, x, y if rng.random() < 0.5 else np.int64(y), lr))
    return cases


def _update_slip(new_w, new_b, w, b, x, y, lr):
    """A diagnosis when (new_w, new_b) is what exactly one known slip gives, else ''."""
    w, x, b = np.asarray(w, dtype=float), np.asarray(x, dtype=float), float(b)
    score = float(x @ w + b)
    error = int(y) - int(score > 0)

    def step(err):
        return w + lr * err * x, b + lr * err

    slips = []
    if error:
        slips.append((step(-error), " Your step goes the wrong way: it moves w and b away "
                                    "from the label y_i."))
    if score == 0:
        slips.append((step(int(y) - 1), " At a score of exactly 0 the prediction is 0 (the "
                                        "boundary belongs to class 0)."))
    elif 0 < score < 1e-4:
        slips.append((step(int(y)), f" At a score of {score:.3g}, just above 0, the "
                                    "prediction is 1: only the sign of the score counts."))
    want = step(error)

    def same(a, c):
        return np.allclose(a[0], c[0], rtol=1e-5, atol=1e-6) and \
            np.isclose(a[1], c[1], rtol=1e-5, atol=1e-6)

    found = [text for result, text in slips if not same(result, want)
             and same((new_w, new_b), result)]
    return found[0] if len(found) == 1 else ""


@exercise("2.2", forbid=_PERCEPTRON)
def perceptron_update(answer, rng):
    """Both kinds of mistake, correct points, a score of exactly 0 and just above it, x_i = 0,
    float32, and 30 drawn cases. The kit's `call` rejects an answer that changes `w` (or
    `x_i`) in place: a training loop that keeps the old w would see it change."""
    need_callable(answer, "perceptron_update")
    cases = _update_cases(rng)
    for w, b, x, y, lr in cases:
        given = _update_case_text(w, b, x, y, lr)
        w64, x64 = np.asarray(w, dtype=float), np.asarray(x, dtype=float)
        error = int(y) - int(x64 @ w64 + float(b) > 0)
        want_w, want_b = w64 + lr * error * x64, float(b) + lr * error
        out = call(answer, w, b, x, y, lr, name="perceptron_update")
        new_w, new_b = _unpack(out, 2, "perceptron_update", "the new w and the new b "
                               "(`return w, b`)")
        new_w = as_array(new_w, "the new w")
        expect_shape(new_w, w.shape, "the new w")
        new_b = as_number(new_b, "the new b")
        try:
            expect_close(new_w, want_w, "the new w", rtol=1e-5, atol=1e-6, given=given)
            expect_close(new_b, want_b, "the new b", rtol=1e-5, atol=1e-6, given=given)
        except Reject as reason:
            raise Reject(f"{reason}{_update_slip(new_w, new_b, w, b, x, y, lr)}") from None
    return (f"right on {len(cases)} cases: both kinds of mistake, correct points (unchanged), "
            "a score of exactly 0 (predicts 0) and just above it (predicts 1), x_i = 0, and "
            "drawn cases.")


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
