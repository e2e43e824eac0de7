"""Checkers for lesson 05 (Generalisation).

Conventions the lesson states and these checkers test: binary labels have the positive class 1
and may come as ints, floats 0.0/1.0, booleans or Python lists. Precision is 0 when nothing is
predicted positive, recall is 0 when there are no positives, and F1 is 0 when precision and
recall are both 0 (scikit-learn's `zero_division=0`). A confusion matrix has one row per true
class and one column per predicted class. A threshold predicts positive where
`score >= threshold`. The L2 penalty is lam times the sum of the squares of every weight, as
`keras.regularizers.L2(lam)` computes it, summed over the arrays.

Every checker runs fixed edge cases first (zero denominators, absent classes, ties, exact
boundaries, one example), then cases drawn from `rng`, fresh on every call.
"""

import itertools
import math

import numpy as np

from helpers.checks import (
    Reject,
    as_array,
    as_number,
    call,
    exercise,
    expect_shape,
    need_callable,
    short,
)

_KINDS = ("int", "float32", "float64", "bool", "list")


def _as_kind(labels, kind):
    """0/1 (or 0..k-1) integer labels in one of the forms a learner may be handed."""
    labels = np.asarray(labels).astype(int)
    if kind == "list":
        return labels.tolist()
    if kind == "bool":
        return labels.astype(bool)
    return labels.astype(kind)


def _describe(values):
    """A compact description of labels or scores for messages."""
    if isinstance(values, list):
        return f"the Python list {short(values, 50)}" if len(values) <= 12 else \
            f"a Python list of {len(values)} values"
    array = np.asarray(values)
    if array.size <= 12:
        return f"{short(array, 60)} ({array.dtype})"
    return f"{array.size} {array.dtype} values"


def _close(a, b, tol=1e-6):
    return bool(np.allclose(a, b, rtol=tol, atol=tol))


# Exercise 5.1 --------------------------------------------------------------------------------

def _counts(y_true, y_pred):
    t = np.asarray(y_true, dtype=float) == 1
    p = np.asarray(y_pred, dtype=float) == 1
    return int(np.sum(t & p)), int(np.sum(~t & p)), int(np.sum(t & ~p))


def _reference_prf(y_true, y_pred):
    tp, fp, fn = _counts(y_true, y_pred)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _prf_fixed_cases():
    """(name, y_true, y_pred): the edge cases, the same on every call."""
    fixed = np.random.default_rng(51)
    y = (fixed.random(200) < 0.1).astype(int)
    guess = np.where(fixed.random(200) < 0.85, y, 1 - y)
    return [
        ("200 labels, 10% positive", y, guess),
        ("Python lists", [1, 0, 0, 1, 1, 0, 0, 0, 1, 0], [1, 0, 1, 1, 0, 0, 0, 0, 0, 0]),
        ("every label and prediction 0", np.zeros(6, dtype=int), np.zeros(6, dtype=int)),
        ("no positive predicted", np.array([0, 1, 0, 1, 0, 0]), np.zeros(6, dtype=int)),
        ("every label positive", np.ones(8, dtype=int), np.array([1, 1, 0, 1, 0, 1, 1, 1])),
        ("no positive label", np.zeros(7, dtype=int), np.array([0, 1, 0, 0, 1, 0, 0])),
        ("every prediction wrong (TP = 0)", np.array([1, 0, 1, 0, 0]),
         np.array([0, 1, 0, 1, 1])),
        ("all right", np.array([1, 0, 1, 0]), np.array([1, 0, 1, 0])),
        ("boolean arrays", np.array([True, False, True, True, False]),
         np.array([True, True, False, True, False])),
        ("float labels 0.0/1.0", np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], "float32"),
         np.array([1.0, 1.0, 0.0, 1.0, 0.0, 1.0])),
        ("one example, a true positive", [1], [1]),
    ]


def _prf_random_cases(rng):
    """Drawn lazily, so that a failure on a fixed case draws nothing (and names no seed)."""
    for size in (int(rng.integers(20, 400)), int(rng.integers(20, 400)),
                 int(rng.integers(5, 60)), int(rng.integers(1, 8)), int(rng.integers(1, 8))):
        rate, accuracy = rng.uniform(0.02, 0.7), rng.uniform(0.4, 0.98)
        y = (rng.random(size) < rate).astype(int)
        guess = np.where(rng.random(size) < accuracy, y, 1 - y)
        kind_t, kind_p = rng.choice(_KINDS, size=2)
        yield (f"{size} random labels (a random case)", _as_kind(y, kind_t),
               _as_kind(guess, kind_p))


def _three_numbers(value, what):
    if isinstance(value, dict):
        raise Reject(f"{what} should return a tuple (precision, recall, f1); yours returned a "
                     f"dict with keys {short(list(value), 40)}.")
    array = as_array(value, what)
    if array.shape != (3,):
        raise Reject(f"{what} should return three numbers, (precision, recall, f1); yours "
                     f"returned {short(value, 50)} (shape {array.shape}).")
    return array


def _zero_division(got, tp, fp, fn):
    """The lesson's convention for a zero denominator, broken: a message, or None."""
    precision, recall = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
    rules = [
        (tp + fp == 0, 0, "precision", "nothing is predicted positive (TP + FP = 0)"),
        (tp + fn == 0, 1, "recall", "there are no positive labels (TP + FN = 0)"),
        (precision + recall == 0, 2, "F1", "precision and recall are both 0"),
    ]
    for applies, index, name, why in rules:
        if applies and not (np.isfinite(got[index]) and abs(got[index]) <= 1e-6):
            return (f"here {why}, so the lesson's convention makes {name} 0; yours gave "
                    f"{short(float(got[index]))}.")
    return None


@exercise("5.1", forbid=("sklearn.metrics.precision_score", "sklearn.metrics.recall_score",
                         "sklearn.metrics.f1_score", "sklearn.metrics.fbeta_score",
                         "sklearn.metrics.precision_recall_fscore_support",
                         "sklearn.metrics.classification_report", "keras.metrics.Precision",
                         "keras.metrics.Recall", "keras.metrics.F1Score",
                         "keras.metrics.FBetaScore"))
def precision_recall_f1(answer, rng):
    """Edge cases (every zero denominator, one example, lists, floats, booleans), then random
    labels of every kind."""
    need_callable(answer, "precision_recall_f1")
    count = 0
    for name, y_true, y_pred in itertools.chain(_prf_fixed_cases(), _prf_random_cases(rng)):
        count += 1
        what = (f"precision_recall_f1(y_true, y_pred) with {name}, y_true = "
                f"{_describe(y_true)}, y_pred = {_describe(y_pred)}")
        got = _three_numbers(call(answer, y_true, y_pred, name="precision_recall_f1"), what)
        want = np.array(_reference_prf(y_true, y_pred))
        tp, fp, fn = _counts(y_true, y_pred)
        counts = f"(TP = {tp}, FP = {fp}, FN = {fn})"
        if _close(got, want):
            continue
        broken = _zero_division(got, tp, fp, fn)
        if broken:
            raise Reject(f"{what} {counts}: {broken}")
        shown = f"should be {short(want)} {counts}; yours gave {short(got)}."
        if isinstance(y_true, list) or isinstance(y_pred, list):
            as_arrays = _three_numbers(call(answer, np.asarray(y_true), np.asarray(y_pred),
                                            name="precision_recall_f1"), what)
            if _close(as_arrays, want):
                raise Reject(f"{what} {shown} The same labels as NumPy arrays give the right "
                             "numbers: your code does not work when they come as Python "
                             "lists.")
        if not np.all(np.isfinite(got)):
            raise Reject(f"{what} {shown}")
        if not np.isclose(want[0], want[1]) and _close(got, want[[1, 0, 2]]):
            raise Reject(f"{what} {shown} Precision and recall are swapped.")
        if _close(got[:2], want[:2]):
            mean = (want[0] + want[1]) / 2
            hint = (" That is the arithmetic mean of precision and recall; F1 is not."
                    if not np.isclose(mean, want[2]) and np.isclose(got[2], mean, atol=1e-6)
                    else "")
            raise Reject(f"{what} {counts}: precision and recall are right, but F1 should be "
                         f"{want[2]:.6g}; yours gave {got[2]:.6g}.{hint}")
        flipped = _reference_prf(1 - np.asarray(y_true, dtype=float),
                                 1 - np.asarray(y_pred, dtype=float))
        if not _close(flipped, want) and _close(got, flipped):
            raise Reject(f"{what} {shown} Those are the numbers for class 0; the positive "
                         "class is 1.")
        raise Reject(f"{what} {shown}")
    return (f"right on {count} cases: every zero denominator, one example, lists, floats, "
            "booleans, and random labels.")


# Exercise 5.2 --------------------------------------------------------------------------------

def _reference_confusion(y_true, y_pred, k):
    matrix = np.zeros((k, k), dtype=int)
    np.add.at(matrix, (np.asarray(y_true, dtype=float).astype(int),
                       np.asarray(y_pred, dtype=float).astype(int)), 1)
    return matrix


def _confusion_fixed_cases():
    """(name, y_true, y_pred, k): the edge cases, the same on every call."""
    fixed = np.random.default_rng(52)
    y = fixed.integers(0, 10, size=300)
    guess = np.where(fixed.random(300) < 0.7, y, fixed.integers(0, 10, size=300))
    y4 = fixed.integers(0, 3, size=40)                     # class 3 never occurs
    guess4 = np.where(fixed.random(40) < 0.6, y4, fixed.integers(0, 3, size=40))
    return [
        ("300 labels in 0..9, k = 10", y, guess, 10),
        ("Python lists, k = 3", [0, 2, 1, 1, 0, 2, 2], [0, 1, 1, 2, 0, 2, 0], 3),
        ("labels in 0..2 but k = 4 (class 3 never occurs)", y4, guess4, 4),
        ("float labels 0.0/1.0, k = 2", np.array([0.0, 1.0, 1.0, 0.0, 1.0], "float32"),
         np.array([0.0, 1.0, 0.0, 0.0, 1.0]), 2),
        ("every prediction 0, k = 2", np.array([0, 1, 1, 0, 1]), np.zeros(5, dtype=int), 2),
        ("one example, k = 5", np.array([4]), np.array([1]), 5),
        ("one class, k = 1", np.zeros(4, dtype=int), np.zeros(4, dtype=int), 1),
    ]


def _confusion_random_cases(rng):
    """Drawn lazily, so that a failure on a fixed case draws nothing (and names no seed)."""
    for size in (int(rng.integers(50, 400)), int(rng.integers(10, 80)),
                 int(rng.integers(1, 10))):
        k = int(rng.integers(2, 13))
        weights = rng.dirichlet(np.full(k, 0.7))            # some classes rare or absent
        y = rng.choice(k, size=size, p=weights)
        guess = np.where(rng.random(size) < rng.uniform(0.3, 0.9), y,
                         rng.integers(0, k, size=size))
        kind = rng.choice(("int", "float32", "float64", "list"))
        yield (f"{size} random labels in 0..{k - 1} (a random case), k = {k}",
               _as_kind(y, kind), _as_kind(guess, kind), k)


# Both names end in `confusion_matrix`, and the kit names the forbidden function by that last
# part: the one listed last (scikit-learn's, which the exercise mentions) is the one it names.
@exercise("5.2", forbid=("tf.math.confusion_matrix", "sklearn.metrics.confusion_matrix"))
def confusion_matrix(answer, rng):
    """Edge cases (an absent class, one example, one class, lists, floats), then random labels
    with up to 12 classes."""
    need_callable(answer, "confusion_matrix")
    count = 0
    cases = itertools.chain(_confusion_fixed_cases(), _confusion_random_cases(rng))
    for name, y_true, y_pred, k in cases:
        count += 1
        what = (f"confusion_matrix(y_true, y_pred, {k}) with {name}, y_true = "
                f"{_describe(y_true)}, y_pred = {_describe(y_pred)}")
        got = as_array(call(answer, y_true, y_pred, k, name="confusion_matrix"), what)
        want = _reference_confusion(y_true, y_pred, k)
        if got.shape != (k, k) and got.ndim == 2 and got.shape[0] == got.shape[1]:
            raise Reject(f"{what} should have shape ({k}, {k}), one row and one column per "
                         f"class 0..{k - 1}, even for classes that never occur; yours has "
                         f"shape {got.shape}.")
        expect_shape(got, (k, k), what)
        if not np.all(np.isfinite(got)) or np.any(got != np.round(got)):
            raise Reject(f"{what} should hold whole-number counts; yours has "
                         f"{short(got)}.")
        if np.array_equal(got, want):
            continue
        if not np.array_equal(want, want.T) and np.array_equal(got, want.T):
            raise Reject(f"{what} is transposed: rows are the true classes and columns the "
                         "predicted ones, so entry [i, j] counts examples of class i "
                         "predicted as j.")
        once = (want > 0).astype(int)
        if not np.array_equal(once, want) and np.array_equal(got, once):
            i, j = (int(a) for a in np.argwhere(want == want.max())[0])
            raise Reject(f"{what}: every entry of yours is 0 or 1, but several examples fall "
                         f"into the same cell ({want[i, j]} at [{i}, {j}]): each example must "
                         "add 1, also when its (true, predicted) pair came up before. (Both "
                         "`m[t, p] = 1` and `m[t, p] += 1` on whole index arrays do this.)")
        if got.sum() != want.sum():
            raise Reject(f"{what}: the counts should add up to {want.sum()}, one per example; "
                         f"yours add up to {short(float(got.sum()))}.")
        i, j = (int(a) for a in np.argwhere(got != want)[0])
        raise Reject(f"{what} is wrong at [{i}, {j}] (true class {i}, predicted {j}): it "
                     f"should be {want[i, j]}, yours gave {short(float(got[i, j]))}.")
    return (f"right on {count} cases: a class that never occurs, one example, one class, "
            "lists, floats, and random labels with up to 12 classes.")


# Exercise 5.3 --------------------------------------------------------------------------------

def _recall_at(y_true, scores, threshold):
    positive = np.asarray(y_true, dtype=float) == 1
    return float(np.mean(np.asarray(scores, dtype=float)[positive] >= threshold))


def _reference_threshold(y_true, scores, target, strict=False, above=False):
    """The highest score t with recall(scores >= t) >= target (tried one by one); with
    `strict`, the mistaken version that counts only scores > t; with `above`, the one that
    asks for a recall above the target, not at least the target."""
    positives = np.asarray(scores, dtype=float)[np.asarray(y_true, dtype=float) == 1]
    for t in np.sort(np.unique(np.asarray(scores, dtype=float)))[::-1]:
        recall = np.mean(positives > t if strict else positives >= t)
        if recall > target if above else recall >= target:
            return float(t)
    return float("nan")


def _threshold_fixed_cases():
    """(name, y_true, scores, target): the edge cases, the same on every call."""
    fixed = np.random.default_rng(53)
    y = (fixed.random(400) < 0.1).astype(int)
    y[:3] = 1
    scores = np.clip(fixed.normal(0.3 + 0.4 * y, 0.15), 0, 1)
    y2 = (fixed.random(120) < 0.3).astype(int)
    y2[0] = 1
    ties = np.round(fixed.random(120) * 0.5 + 0.4 * y2, 1)        # many equal scores
    y3 = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    s3 = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])      # a negative scores highest
    return [
        ("400 scores, 10% positive", y, scores.astype("float32"), 0.9),
        ("120 scores with many ties (rounded to 0.1)", y2, ties, 0.8),
        ("a negative scores highest", y3, s3, 0.75),       # recall exactly 0.75 is enough
        ("the same labels and scores", y3, s3, 0.75 + 1e-9),   # just above: 0.75 is not
        ("Python lists", y3.tolist(), s3.tolist(), 1.0),
        ("float labels 0.0/1.0", y3.astype(float), s3, 0.3),
        ("one positive among five", np.array([0, 0, 1, 0, 0]),
         np.array([0.1, 0.9, 0.4, 0.2, 0.6]), 0.6),
        ("a negative tied with the positive that sets the threshold",
         np.array([1, 0, 1, 1, 0]), np.array([0.9, 0.7, 0.7, 0.3, 0.1]), 0.5),
        ("two positives tied at the top", np.array([1, 1, 0, 1]),
         np.array([0.8, 0.8, 0.5, 0.2]), 0.5),
    ]


def _exact_target(k, positives):
    """k / positives if that fraction survives the float round trip in both usual
    formulations (a recall reached exactly); else a target safely between two recalls."""
    target = k / positives
    if math.ceil(target * positives) == k and np.mean(np.arange(positives) < k) >= target:
        return target
    return (k - 0.5) / positives


def _threshold_random_cases(rng):
    """Drawn lazily, so that a failure on a fixed case draws nothing (and names no seed)."""
    for size, tied in ((int(rng.integers(50, 400)), False), (int(rng.integers(30, 200)), True),
                       (int(rng.integers(5, 30)), bool(rng.integers(2))),
                       (int(rng.integers(2, 8)), True)):
        y = (rng.random(size) < rng.uniform(0.1, 0.6)).astype(int)
        y[rng.integers(size)] = 1                                  # at least one positive
        scores = np.clip(rng.normal(0.35 + rng.uniform(0, 0.4) * y, 0.2), 0, 1)
        if tied:
            scores = np.round(scores, int(rng.integers(1, 3)))
        positives = int(y.sum())
        k = int(rng.integers(1, positives + 1))
        target = _exact_target(k, positives) if rng.random() < 0.6 else \
            float(rng.uniform((k - 1) / positives, k / positives)) or k / positives
        kind = rng.choice(("int", "float64", "list"))
        scores = scores.astype(rng.choice(("float32", "float64")))
        yield (f"{size} random scores{' with ties' if tied else ''} (a random case)",
               _as_kind(y, kind), scores.tolist() if kind == "list" else scores, target)


@exercise("5.3")
def threshold_for_recall(answer, rng):
    """Edge cases (ties, a recall exactly at the target, a single positive, lists), then
    random scores with and without ties."""
    need_callable(answer, "threshold_for_recall")
    count = 0
    cases = itertools.chain(_threshold_fixed_cases(), _threshold_random_cases(rng))
    for name, y_true, scores, target in cases:
        count += 1
        what = (f"threshold_for_recall(y_true, scores, {target:.12g}) with {name}, y_true = "
                f"{_describe(y_true)}, scores = {_describe(scores)}")
        got = as_number(call(answer, y_true, scores, target, name="threshold_for_recall"),
                        what)
        want = _reference_threshold(y_true, scores, target)
        if np.isclose(got, want, rtol=0, atol=1e-6):
            continue
        if np.isnan(got):
            raise Reject(f"{what} should be {want:.6g}; yours gave NaN.")
        recall = _recall_at(y_true, scores, got)
        n_pos = int(np.sum(np.asarray(y_true, dtype=float) == 1))
        if recall < target:
            raise Reject(f"{what} should be {want:.6g}; yours gave {got:.6g}, where "
                         f"`scores >= {got:.6g}` catches only {recall:.4g} of the {n_pos} "
                         f"positives, below the target {target:.6g}: the threshold is too high.")
        strict = np.isclose(got, _reference_threshold(y_true, scores, target, strict=True),
                            rtol=0, atol=1e-6)
        above = _recall_at(y_true, scores, want) == target and np.isclose(
            got, _reference_threshold(y_true, scores, target, above=True), rtol=0, atol=1e-6)
        if strict:
            hint = (f" At {want:.6g} itself, the positives that score exactly {want:.6g} count "
                    "as predicted positive, and that is enough.")
        elif above:
            hint = (f" At {want:.6g} the recall is exactly the target, {target:.12g}, and "
                    "reaching the target is enough.")
        else:
            hint = ""
        raise Reject(f"{what} should be {want:.6g}; yours gave {got:.6g}. Yours reaches the "
                     f"target (recall {recall:.4g}), but {want:.6g} does too, and it is higher."
                     f"{hint}")
    return (f"right on {count} cases: ties, a recall exactly at the target, a single "
            "positive, lists, float labels, and random scores.")


# Exercise 5.4 --------------------------------------------------------------------------------

def _reference_l2(weights, lam):
    return float(lam * sum(np.sum(np.square(np.asarray(w, dtype=float))) for w in weights))


def _l2_fixed_cases():
    """(name, weights, lam): the edge cases, the same on every call."""
    fixed = np.random.default_rng(54)
    kernel, bias = fixed.normal(0, 0.1, size=(20, 8)), fixed.normal(0, 0.1, size=8)
    kernel2, bias2 = fixed.normal(0, 0.3, size=(8, 3)), fixed.normal(0, 0.3, size=3)
    return [
        ("[kernel (20, 8), bias (8,), kernel (8, 3), bias (3,)] and lam = 0.01",
         [kernel, bias, kernel2, bias2], 0.01),
        ("a tuple of two arrays and lam = 0.5", (np.array([[1.0, -2.0], [3.0, 0.5]]),
                                                 np.array([-1.0, 4.0])), 0.5),
        ("nested Python lists and lam = 0.1", [[[1.0, -1.0], [2.0, 0.0]], [3.0, -3.0]], 0.1),
        ("lam = 0", [kernel, bias], 0.0),
        ("an empty list", [], 0.01),
        ("one weight, -3, and lam = 1", [np.array([-3.0])], 1.0),
    ]


def _l2_random_cases(rng):
    """Drawn lazily, so that a failure on a fixed case draws nothing (and names no seed)."""
    for _ in range(4):
        count = int(rng.integers(1, 6))
        scale = 10 ** rng.uniform(-3, 2)
        dtype = rng.choice(("float32", "float64"))
        weights = [(rng.normal(size=tuple(rng.integers(1, 9, size=int(rng.integers(1, 4)))))
                    * scale).astype(dtype) for _ in range(count)]
        form = rng.choice(("list", "tuple", "nested lists"))
        if form == "tuple":
            weights = tuple(weights)
        elif form == "nested lists":
            weights = [w.tolist() for w in weights]
        lam = float(10 ** rng.uniform(-5, 0))
        shapes = ", ".join(str(np.shape(w)) for w in weights)
        yield (f"a {form} of {count} random {dtype} arrays of shapes {shapes} "
               "(a random case)", weights, lam)


@exercise("5.4", forbid=("keras.regularizers.L2", "keras.regularizers.l2"))
def l2_penalty(answer, rng):
    """Compared with keras.regularizers.L2 on edge cases (lam = 0, an empty list, tuples, nested
    lists), then random arrays of random shapes, scales and dtypes."""
    need_callable(answer, "l2_penalty")
    count = 0
    for name, weights, lam in itertools.chain(_l2_fixed_cases(), _l2_random_cases(rng)):
        count += 1
        what = f"l2_penalty(weights, {lam:.6g}) with {name}"
        got = as_number(call(answer, weights, lam, name="l2_penalty"), what)
        want = _reference_l2(weights, lam)
        if np.isclose(got, want, rtol=1e-5, atol=1e-10):
            continue
        shown = f"should be {want:.6g} (what Keras' L2({lam:.6g}) adds); yours gave {got:.6g}."
        sums = [float(np.sum(np.square(np.asarray(w, dtype=float)))) for w in weights]
        total = sum(sums)

        def same(value):
            return bool(np.isclose(got, value, rtol=1e-5, atol=1e-10)) and \
                not np.isclose(want, value, rtol=1e-5, atol=1e-10)

        if same(total):
            hint = " That is the sum of squares without lam."
        elif same(want / 2):
            hint = " Yours is exactly half of it; Keras' L2 has no factor 1/2."
        elif same(lam * np.sqrt(total)):
            hint = (" That is lam times the square root of the sum of squares (the length of "
                    "the weights), not the sum of squares itself.")
        elif len(weights) > 1 and same(lam * sums[0]):
            hint = " That counts only the first array."
        elif same(lam * sum(float(np.sum(np.asarray(w, dtype=float))) for w in weights)):
            hint = (" That is lam times the sum of the weights themselves, not of their "
                    "squares.")
        elif same(lam * sum(float(np.mean(np.square(np.asarray(w, dtype=float))))
                            for w in weights)):
            hint = " That averages the squares of each array; the penalty adds them all up."
        else:
            hint = ""
        raise Reject(f"{what} {shown}{hint}")
    return (f"matches keras.regularizers.L2 on {count} cases: lam = 0, no weights, a tuple, "
            "nested lists, and random arrays of random shapes and scales.")
