"""Checkers for lesson 02 (The perceptron).

Conventions the lesson states and these checkers test: labels are 0 and 1; a perceptron
predicts 1 where w·x + b > 0 and 0 otherwise (a point on the boundary gets 0); a
McCulloch–Pitts neuron fires (1) where inputs @ weights >= threshold. 2.1 (the margin of a
line) and 2.2 (the averaged perceptron, built from scratch, so not with scikit-learn's
`Perceptron`) mix fixed edge cases with cases drawn from the kit's `rng`; 2.3 and 2.4 take
no input. A known slip is named only when the answer's result is what that slip alone gives.
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
    one_mistake,
    short,
)

# Sums that reach a threshold up to float round-off count as reaching it (0.1 + 0.2 >= 0.3).
_EPS = 1e-9
_PERCEPTRON = ("sklearn.linear_model.Perceptron",)


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


# Exercise 2.1 --------------------------------------------------------------------------------

def _plus_minus(y):
    return np.where(np.asarray(y).astype(int) == 1, 1.0, -1.0)


def _signed_distances(x, y, w, b):
    """y±_i (w·x_i + b) / ‖w‖ in float64: each point's distance to the line, negative on the
    wrong side."""
    x64, w64 = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    return _plus_minus(y) * (x64 @ w64 + float(b)) / np.linalg.norm(w64)


def _margin_cases(rng):
    """(x, y, w, b): fixed edge cases, then sets drawn from `rng` (14 in all)."""
    fixed = np.random.default_rng(21)  # the edge cases are the same on every call
    cases = [
        # separable, the nearest point in class 0 (an answer that ignores class 0 misses it)
        (np.array([[2.0, 2.0], [3.0, 1.0], [0.0, 0.5], [-1.0, 0.0]]), np.array([1, 1, 0, 0]),
         np.array([1.0, 1.0]), -2.0),
        # one point on the wrong side: the margin is negative
        (np.array([[2.0, 2.0], [0.5, 0.5], [-1.0, -1.0], [3.0, 3.0]]), np.array([1, 1, 0, 0]),
         np.array([3.0, 4.0]), -1.0),
        # a point exactly on the line: margin 0
        (np.array([[1.0, 1.0], [2.0, 3.0], [-2.0, 0.0]]), np.array([0, 1, 0]),
         np.array([1.0, -1.0]), 0.0),
        (np.array([[0.25, -0.5]]), np.array([1]), np.array([2.0, 0.5]), 0.75),   # one point
        (np.array([[0.5], [2.0], [-1.0], [4.0]]), np.array([0, 1, 0, 1]), np.array([2.0]),
         -3),                                                   # d = 1, b an int
        (np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([1, 1]), np.array([300.0, 400.0]),
         -100.0),                                               # a long w, one class only
    ]
    x = fixed.normal(size=(40, 5))
    w, b = fixed.normal(size=5), 0.3
    cases.append((x, (x @ w + b > 0).astype(int), w, b))                 # 5-D, separable
    x = fixed.normal(size=(25, 3)).astype("float32")
    w = fixed.normal(size=3).astype("float32")
    cases.append((x, fixed.integers(0, 2, 25), w, np.float32(-0.5)))      # float32
    yield from cases   # drawn cases only after these passed: a failure here names no seed
    for i in range(6):
        n, d = int(rng.integers(1, 60)), int(rng.integers(1, 6))
        x = rng.normal(size=(n, d)) * 10 ** rng.uniform(-1, 1)
        w, b = rng.normal(size=d) * 10 ** rng.uniform(-1, 2), float(rng.normal())
        y = (x @ w + b > 0).astype(int)
        if i % 2:                                           # a few points on the wrong side
            flip = rng.random(n) < 0.2
            y[flip] = 1 - y[flip]
        yield x, y if i != 2 else y.astype(float), w, b


def _margin_mistakes(x, y, w, b):
    """(what a known slip gives, message) on this input."""
    x64, w64, b64 = np.asarray(x, dtype=float), np.asarray(w, dtype=float), float(b)
    score, sign = x64 @ w64 + b64, _plus_minus(y)
    norm, norm_wb = np.linalg.norm(w64), np.linalg.norm(np.append(w64, b64))
    signed = sign * score / norm
    return [
        (np.min(sign * score), "your margin is not divided by the length of w: it changes "
                               "when w and b are multiplied by 10, the line does not."),
        (np.min(sign * score) / norm_wb, "your margin is divided by the length of (w, b), as "
                                         "in Novikoff's bound; the distance of a point to the "
                                         "line w·x + b = 0 divides by the length of w alone."),
        (np.min(np.abs(score)) / norm, "your margin is the distance of the nearest point "
                                       "whatever its side: a point on the wrong side should "
                                       "count as negative."),
        (np.min(np.asarray(y, dtype=float) * score) / norm,
         "your margin multiplies by the labels 0 and 1 as they are: class 0 needs −1 there, "
         "so that a point of class 0 below the line counts as on its right side."),
        (-np.max(signed), "your margin has the wrong sign: it is positive for points on "
                          "their correct side."),
        (np.max(signed), "your margin is the largest distance: the margin is set by the "
                         "nearest point, the one in most danger."),
        (np.mean(signed), "your margin is the mean distance over all points; it is set by "
                          "the nearest point alone."),
    ]


@exercise("2.1")
def margin(answer, rng):
    """The margin of a line on point sets in 1 to 5 dimensions: separable and not, a point on
    the line, one point, one class only, a long w, float32, int and float labels."""
    need_callable(answer, "margin")
    cases = 0
    for x, y, w, b in _margin_cases(rng):
        cases += 1
        n, d = x.shape
        given = (f"x of shape ({n}, {d}) = {short(x, 50)}, y = {short(np.asarray(y), 30)}, "
                 f"w = {_fmt_point(w)}, b = {_number(b)}")
        got = as_number(call(answer, x, y, w, b, name="margin"), f"margin(x, y, w, b) for "
                        f"{given}")
        expect_finite(got, f"margin(x, y, w, b) for {given}")
        want = float(np.min(_signed_distances(x, y, w, b)))
        # An answer computed in float32 is off by ~1e-7 of the size of the terms of w·x + b
        # (however small the margin itself); every slip is off by far more.
        terms = np.abs(np.asarray(x, dtype=float)) @ np.abs(np.asarray(w, dtype=float))
        rtol = 1e-5
        atol = 1e-5 * float(np.max(terms + abs(float(b)))) / np.linalg.norm(np.asarray(w, float))

        def same(a, c, rtol=rtol, atol=atol):
            return bool(np.isclose(a, c, rtol=rtol, atol=atol))

        found = one_mistake(got, [(r, m) for r, m in _margin_mistakes(x, y, w, b)
                                  if not same(r, want)], same) if not same(got, want) else None
        if found:
            raise Reject(f"For {given}, {found} It should be {want:.6g}; yours gave {got:.6g}.")
        expect_close(got, want, "margin(x, y, w, b)", rtol=rtol, atol=atol, given=given)
    return (f"right on {cases} point sets in 1 to 5 dimensions: separable and not, a point "
            "on the line, a single point, one class only, a long w, float32.")


# Exercise 2.2 --------------------------------------------------------------------------------

def _averaged(x, y, epochs, *, tie=0, when="after", over="visits", early_stop=False):
    """Rosenblatt's rule from zero, lr = 1, in order, for `epochs` epochs; returns (the
    average, the last (w, b)) as flat arrays (w..., b). The keywords make the known slips:
    tie=1 (score 0 predicts 1), when="before" (summed before the update), over="updates" |
    "epochs" | "with_start" | "sum" (what is averaged), early_stop (stops after a clean
    epoch)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y).astype(int)
    wb = np.zeros(x.shape[1] + 1)
    total, count = np.zeros_like(wb), 0
    if over == "with_start":
        count = 1
    for _ in range(epochs):
        mistakes = 0
        for x_i, y_i in zip(x, y):
            score = x_i @ wb[:-1] + wb[-1]
            y_hat = int(score > 0) if tie == 0 else int(score >= 0)
            if when == "before" and over == "visits":
                total, count = total + wb, count + 1
            error = y_i - y_hat
            if error:
                wb = wb + error * np.append(x_i, 1.0)
                mistakes += 1
                if over == "updates":
                    total, count = total + wb, count + 1
            if over in ("visits", "with_start", "sum") and when == "after":
                total, count = total + wb, count + 1
        if over == "epochs":
            total, count = total + wb, count + 1
        if early_stop and mistakes == 0:
            break
    if over == "sum":
        return total, wb
    return (total / count if count else wb), wb


def _averaged_cases(rng):
    """(x, y, epochs): fixed edge cases, then data sets drawn from `rng` (11 in all)."""
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    fixed = np.random.default_rng(22)
    sep_x = fixed.uniform(-2, 2, size=(30, 2))
    sep_y = (sep_x @ np.array([1.0, 1.0]) > 0.5).astype(int)
    cases = [
        (corners, np.array([0, 1, 1, 0]), 20),                    # XOR: it never settles
        (corners, np.array([0, 0, 0, 1]), 6),                     # AND: settles, then waits
        (sep_x, sep_y, 5),                                        # separable
        (np.array([[1.0, -2.0]]), np.array([0]), 3),              # one point, score 0: right
        (np.array([[2.0], [-1.0], [0.5]]), np.array([1, 0, 1]), 1),   # d = 1, one epoch
        (fixed.normal(size=(12, 3)).astype("float32"), fixed.integers(0, 2, 12), 4),
    ]
    yield from cases   # drawn cases only after these passed: a failure here names no seed
    for _ in range(5):
        n, d = int(rng.integers(2, 50)), int(rng.integers(1, 5))
        x = rng.normal(size=(n, d)) + rng.normal(size=d)
        y = (x @ rng.normal(size=d) + rng.normal() > 0).astype(int)
        flip = rng.random(n) < rng.uniform(0, 0.3)                # some noise: not separable
        y[flip] = 1 - y[flip]
        yield x, y, int(rng.integers(1, 12))


_AVERAGED_SLIPS = [
    ({}, "last", "your result is the last (w, b), not their average over every visit."),
    ({"over": "updates"}, None, "your result is the average over the updates only; the "
                                "average runs over every visit of a point, the ones that "
                                "change nothing included (they are what pulls it towards a "
                                "line that has stopped making mistakes)."),
    ({"over": "epochs"}, None, "your result is the average of the (w, b) at the end of each "
                               "epoch; the average runs over every visit of a point."),
    ({"over": "with_start"}, None, "your result counts the starting (0, 0) as one more term "
                                   "of the average; start the sums at zero with no terms."),
    ({"over": "sum"}, None, "your result is the sum over the visits, not divided by their "
                            "number."),
    ({"when": "before"}, None, "your sums take (w, b) before each visit's update instead of "
                               "after it."),
    ({"early_stop": True}, None, "your loop stops after an epoch without mistakes; this one "
                                 "runs all `epochs` epochs (the average keeps moving towards "
                                 "the final line while it waits)."),
    ({"tie": 1}, None, "your perceptron predicts 1 at a score of exactly 0; the lesson's "
                       "convention puts the boundary in class 0."),
]


@exercise("2.2", forbid=_PERCEPTRON)
def averaged_perceptron(answer, rng):
    """XOR (never settles), AND (settles and waits), separable and noisy data in 1 to 4
    dimensions, a single point, one epoch, float32."""
    need_callable(answer, "averaged_perceptron")
    cases = 0
    for x, y, epochs in _averaged_cases(rng):
        cases += 1
        n, d = x.shape
        given = (f"x of shape ({n}, {d}) = {short(x, 50)}, y = {short(y, 30)}, epochs = "
                 f"{epochs}")
        out = call(answer, x, y, epochs, name="averaged_perceptron")
        w_avg, b_avg = _unpack(out, 2, "averaged_perceptron", "the averaged w and the "
                               "averaged b (`return w_avg, b_avg`)")
        w_avg = as_array(w_avg, "the averaged w")
        expect_shape(w_avg, (d,), f"the averaged w for {given}")
        b_avg = as_number(b_avg, "the averaged b")
        got = np.append(w_avg, b_avg)
        expect_finite(got, f"the averaged (w, b) for {given}")
        want, last = _averaged(x, y, epochs)

        def same(a, c):
            return bool(np.allclose(a, c, rtol=1e-6, atol=1e-9))

        mistakes = []
        for options, pick, message in _AVERAGED_SLIPS:
            average, final = _averaged(x, y, epochs, **options)
            mistakes.append((final if pick == "last" else average, message))
        if not same(got, want):
            found = one_mistake(got, [(r, m) for r, m in mistakes if not same(r, want)], same)
            if found:
                raise Reject(f"For {given}, {found}")
        expect_close(w_avg, want[:-1], "the averaged w", rtol=1e-6, atol=1e-9, given=given)
        expect_close(b_avg, want[-1], "the averaged b", rtol=1e-6, atol=1e-9, given=given)
    return (f"right on {cases} data sets: XOR, AND, separable and noisy data in 1 to 4 "
            "dimensions, a single point, one epoch, float32.")


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
