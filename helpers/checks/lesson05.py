"""Checkers for lesson 05 (Generalisation).

Conventions the lesson states and these checkers test: binary labels have the positive class 1
and may come as ints, floats 0.0/1.0, booleans or Python lists. Precision is 0 when nothing is
predicted positive, recall is 0 when there are no positives, and F1 is 0 when precision and
recall are both 0 (scikit-learn's `zero_division=0`). A confusion matrix has one row per true
class and one column per predicted class. A threshold predicts positive where
`score >= threshold`. The L2 penalty is lam times the sum of the squares of every weight, as
`keras.regularizers.L2(lam)` computes it, summed over the arrays.
"""

import numpy as np

from helpers.checks import Reject, as_array, as_number, call, exercise, expect_shape, \
    need_callable, short


def _given(value):
    """A fresh copy of a test input, so that a learner's in-place change cannot leak."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_given(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_given(v) for v in value)
    return value


def _describe(values):
    """'[1, 0, 1, ...] (a list)' or 'an array of 200' for messages."""
    if isinstance(values, list):
        return f"the Python list {short(values, 40)}"
    array = np.asarray(values)
    if array.size <= 8:
        return short(array, 50)
    return f"{array.size} {array.dtype} values"


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


def _prf_cases():
    rng = np.random.default_rng(51)
    y = (rng.random(200) < 0.1).astype(int)
    guess = np.where(rng.random(200) < 0.85, y, 1 - y)
    y2 = (rng.random(60) < 0.4).astype(int)
    guess2 = np.where(rng.random(60) < 0.7, y2, 1 - y2)
    return [
        ("200 labels, 10% positive", y, guess),
        ("Python lists", [1, 0, 0, 1, 1, 0, 0, 0, 1, 0], [1, 0, 1, 1, 0, 0, 0, 0, 0, 0]),
        ("float labels 0.0/1.0", y2.astype("float32"), guess2.astype("float64")),
        ("no positive predicted", np.array([0, 1, 0, 1, 0, 0]), np.zeros(6, dtype=int)),
        ("every label positive", np.ones(8, dtype=int), np.array([1, 1, 0, 1, 0, 1, 1, 1])),
        ("no positive label", np.zeros(7, dtype=int), np.array([0, 1, 0, 0, 1, 0, 0])),
        ("all right", np.array([1, 0, 1, 0]), np.array([1, 0, 1, 0])),
        ("boolean arrays", np.array([True, False, True, True, False]),
         np.array([True, True, False, True, False])),
    ]


def _three_numbers(value, what):
    if isinstance(value, dict):
        raise Reject(f"{what} should return a tuple (precision, recall, f1); yours returned a "
                     f"dict with keys {short(list(value), 40)}.")
    array = as_array(value, what)
    if array.shape != (3,):
        raise Reject(f"{what} should return three numbers, (precision, recall, f1); yours "
                     f"returned {short(value, 50)} (shape {array.shape}).")
    return array


@exercise("5.1")
def precision_recall_f1(answer):
    """Random labels, lists, floats, booleans, and the zero-division cases."""
    need_callable(answer, "precision_recall_f1")
    for name, y_true, y_pred in _prf_cases():
        what = f"precision_recall_f1(y_true, y_pred) with {name}"
        got = _three_numbers(call(answer, _given(y_true), _given(y_pred),
                                  name="precision_recall_f1"), what)
        want = np.array(_reference_prf(y_true, y_pred))
        tp, fp, fn = _counts(y_true, y_pred)
        counts = f"(TP = {tp}, FP = {fp}, FN = {fn})"
        if np.any(np.isnan(got)):
            raise Reject(f"{what} {counts}: yours gave {short(got)}, with NaN. When a "
                         "denominator is 0 the lesson's convention is 0: precision is 0 when "
                         "nothing is predicted positive, recall is 0 when there are no "
                         "positives, F1 is 0 when precision + recall is 0.")
        if np.allclose(got, want, rtol=1e-6, atol=1e-6):
            continue
        shown = f"should be {short(want)} {counts}; yours gave {short(got)}."
        if isinstance(y_true, list) and not np.allclose(got, want, atol=1e-6):
            raise Reject(f"{what} {shown} The labels came as Python lists: turn them into "
                         "arrays first (np.asarray).")
        if np.allclose(got[[1, 0, 2]], want, atol=1e-6):
            raise Reject(f"{what} {shown} Precision and recall are swapped: precision = "
                         "TP / (TP + FP), recall = TP / (TP + FN).")
        if np.allclose(got[:2], want[:2], atol=1e-6):
            if np.isclose(got[2], (want[0] + want[1]) / 2, atol=1e-6):
                hint = " That is the arithmetic mean; F1 is the harmonic mean 2PR / (P + R)."
            else:
                hint = " F1 = 2 · precision · recall / (precision + recall)."
            raise Reject(f"{what} {counts}: precision and recall are right, but F1 should be "
                         f"{want[2]:.4g}; yours gave {got[2]:.4g}.{hint}")
        flipped = _reference_prf(1 - np.asarray(y_true, dtype=float),
                                 1 - np.asarray(y_pred, dtype=float))
        if np.allclose(got, flipped, atol=1e-6):
            raise Reject(f"{what} {shown} Those are the numbers for class 0; the positive "
                         "class is 1.")
        raise Reject(f"{what} {shown}")
    return ("right on 8 cases: random labels, lists, floats, booleans, nothing predicted "
            "positive, no positives, and all positive.")


# Exercise 5.2 --------------------------------------------------------------------------------

def _reference_confusion(y_true, y_pred, k):
    matrix = np.zeros((k, k), dtype=int)
    np.add.at(matrix, (np.asarray(y_true, dtype=float).astype(int),
                       np.asarray(y_pred, dtype=float).astype(int)), 1)
    return matrix


def _confusion_cases():
    rng = np.random.default_rng(52)
    y = rng.integers(0, 10, size=300)
    guess = np.where(rng.random(300) < 0.7, y, rng.integers(0, 10, size=300))
    y4 = rng.integers(0, 3, size=40)                         # class 3 never occurs
    guess4 = np.where(rng.random(40) < 0.6, y4, rng.integers(0, 3, size=40))
    yb = rng.integers(0, 2, size=50)
    return [
        ("300 labels in 0..9, k = 10", y, guess, 10),
        ("Python lists, k = 3", [0, 2, 1, 1, 0, 2, 2], [0, 1, 1, 2, 0, 2, 0], 3),
        ("labels in 0..2 but k = 4 (class 3 never occurs)", y4, guess4, 4),
        ("float labels 0.0/1.0, k = 2", yb.astype("float32"),
         np.where(rng.random(50) < 0.8, yb, 1 - yb).astype("float64"), 2),
        ("every prediction 0, k = 2", np.array([0, 1, 1, 0, 1]), np.zeros(5, dtype=int), 2),
        ("one example, k = 5", np.array([4]), np.array([1]), 5),
    ]


@exercise("5.2")
def confusion_matrix(answer):
    """Compared with scikit-learn's on 10 classes, lists, floats, an absent class, one example."""
    from sklearn.metrics import confusion_matrix as sk_confusion

    need_callable(answer, "confusion_matrix")
    for name, y_true, y_pred, k in _confusion_cases():
        what = f"confusion_matrix(y_true, y_pred, {k}) with {name}"
        got = as_array(call(answer, _given(y_true), _given(y_pred), k,
                            name="confusion_matrix"), what)
        want = sk_confusion(np.asarray(y_true, dtype=float).astype(int),
                            np.asarray(y_pred, dtype=float).astype(int), labels=list(range(k)))
        assert np.array_equal(want, _reference_confusion(y_true, y_pred, k))
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
        if np.array_equal(got, want.T):
            raise Reject(f"{what} is transposed: rows are the true classes and columns the "
                         "predicted ones, so entry [i, j] counts examples of class i "
                         "predicted as j.")
        if got.sum() != want.sum():
            raise Reject(f"{what}: the counts should add up to {want.sum()}, one per example; "
                         f"yours add up to {short(float(got.sum()))}.")
        i, j = (int(a) for a in np.argwhere(got != want)[0])
        raise Reject(f"{what} is wrong at [{i}, {j}] (true class {i}, predicted {j}): it "
                     f"should be {want[i, j]}, yours gave {short(float(got[i, j]))}.")
    return ("same as scikit-learn's on 6 cases: 10 classes, lists, floats, a class that never "
            "occurs, one example.")


# Exercise 5.3 --------------------------------------------------------------------------------

def _recall_at(y_true, scores, threshold):
    positive = np.asarray(y_true, dtype=float) == 1
    return float(np.mean(np.asarray(scores, dtype=float)[positive] >= threshold))


def _reference_threshold(y_true, scores, target, strict=False):
    """The highest score t with recall(scores >= t) >= target (tried one by one); with
    `strict`, the mistaken version that counts only scores > t."""
    positives = np.asarray(scores, dtype=float)[np.asarray(y_true, dtype=float) == 1]
    for t in np.sort(np.unique(np.asarray(scores, dtype=float)))[::-1]:
        if np.mean(positives > t if strict else positives >= t) >= target:
            return float(t)
    return float("nan")


def _threshold_cases():
    rng = np.random.default_rng(53)
    y = (rng.random(400) < 0.1).astype(int)
    y[:3] = 1
    scores = np.clip(rng.normal(0.3 + 0.4 * y, 0.15), 0, 1)
    y2 = (rng.random(120) < 0.3).astype(int)
    y2[0] = 1
    ties = np.round(rng.random(120) * 0.5 + 0.4 * y2, 1)        # many equal scores
    y3 = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    s3 = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])      # a negative scores highest
    return [
        ("400 scores, 10% positive", y, scores.astype("float32"), 0.9),
        ("the same 400 scores", y, scores.astype("float32"), 0.5),
        ("120 scores with many ties (rounded to 0.1)", y2, ties, 0.8),
        ("labels [0, 1, 0, 1, 1, 0, 0, 1] (a negative scores highest)", y3, s3, 0.75),
        ("the same labels and scores as Python lists", y3.tolist(), s3.tolist(), 1.0),
        ("the same labels as floats 0.0/1.0", y3.astype(float), s3, 0.3),
        ("one positive among five", np.array([0, 0, 1, 0, 0]),
         np.array([0.1, 0.9, 0.4, 0.2, 0.6]), 0.6),
    ]


@exercise("5.3")
def threshold_for_recall(answer):
    """Random scores, ties, a negative scoring highest, lists, floats, target 1.0, one positive."""
    need_callable(answer, "threshold_for_recall")
    for name, y_true, scores, target in _threshold_cases():
        what = f"threshold_for_recall(y_true, scores, {target}) with {name}"
        got = as_number(call(answer, _given(y_true), _given(scores), target,
                             name="threshold_for_recall"), what)
        want = _reference_threshold(y_true, scores, target)
        if np.isclose(got, want, rtol=0, atol=1e-6):
            continue
        if np.isnan(got):
            raise Reject(f"{what} should be {want:.6g}; yours gave NaN.")
        recall = _recall_at(y_true, scores, got)
        positives = np.asarray(scores, dtype=float)[np.asarray(y_true, dtype=float) == 1]
        n_pos = len(positives)
        strict = np.isclose(got, _reference_threshold(y_true, scores, target, strict=True),
                            rtol=0, atol=1e-6)
        if recall < target:
            raise Reject(f"{what} should be {want:.6g}; yours gave {got:.6g}, where "
                         f"`scores >= {got:.6g}` catches only {recall:.1%} of the {n_pos} "
                         f"positives, below the target {target:.0%}: the threshold is too high.")
        if got < want:
            hint = (" A score equal to the threshold counts as positive (`scores >= "
                    "threshold`), so the threshold can be a positive's own score."
                    if strict else
                    " Return the highest threshold that reaches the target, so that as few "
                    "negatives as possible are flagged.")
            raise Reject(f"{what} should be {want:.6g}; yours gave {got:.6g}. It reaches the "
                         f"target (recall {recall:.3g}), but {want:.6g} does too, with a "
                         f"higher threshold.{hint}")
        raise Reject(f"{what} should be {want:.6g}; yours gave {got:.6g}.")
    return ("right on 7 cases: random scores, ties, lists, float labels, target 1.0 and a "
            "single positive.")


# Exercise 5.4 --------------------------------------------------------------------------------

def _reference_l2(weights, lam):
    return float(lam * sum(np.sum(np.square(np.asarray(w, dtype=float))) for w in weights))


def _l2_cases():
    rng = np.random.default_rng(54)
    kernel, bias = rng.normal(0, 0.1, size=(20, 8)), rng.normal(0, 0.1, size=8)
    kernel2, bias2 = rng.normal(0, 0.3, size=(8, 3)), rng.normal(0, 0.3, size=3)
    return [
        ("[kernel (20, 8), bias (8,), kernel (8, 3), bias (3,)] and lam = 0.01",
         [kernel, bias, kernel2, bias2], 0.01),
        ("one float32 array (4, 5) and lam = 0.001", [rng.normal(size=(4, 5)).astype("float32")],
         0.001),
        ("a tuple of two arrays and lam = 0.5", (np.array([[1.0, -2.0], [3.0, 0.5]]),
                                                 np.array([-1.0, 4.0])), 0.5),
        ("nested Python lists and lam = 0.1", [[[1.0, -1.0], [2.0, 0.0]], [3.0, -3.0]], 0.1),
        ("lam = 0", [kernel, bias], 0.0),
        ("an empty list", [], 0.01),
    ]


@exercise("5.4")
def l2_penalty(answer):
    """Compared with keras.regularizers.L2 on several arrays, float32, tuples, lists, lam = 0."""
    need_callable(answer, "l2_penalty")
    for name, weights, lam in _l2_cases():
        what = f"l2_penalty(weights, {lam}) with {name}"
        got = as_number(call(answer, _given(weights), lam, name="l2_penalty"), what)
        want = _reference_l2(weights, lam)
        if np.isclose(got, want, rtol=1e-5, atol=1e-8):
            continue
        shown = f"should be {want:.6g} (what Keras' L2({lam}) adds); yours gave {got:.6g}."
        sums = [float(np.sum(np.square(np.asarray(w, dtype=float)))) for w in weights]
        total = sum(sums)
        if lam and np.isclose(got, total, rtol=1e-5):
            hint = " That is the sum of squares without lam: multiply by lam."
        elif np.isclose(got, want / 2, rtol=1e-5):
            hint = " Keras' L2 has no factor 1/2: lam · Σ w²."
        elif lam and np.isclose(got, lam * np.sqrt(total), rtol=1e-5):
            hint = (" That is lam times the length of the weights (a square root): the "
                    "penalty uses the squares themselves.")
        elif lam and len(weights) > 1 and np.isclose(got, lam * sums[0], rtol=1e-5):
            hint = " That counts only the first array: add the penalty of every array."
        elif lam and np.isclose(got, lam * sum(float(np.sum(np.asarray(w, dtype=float)))
                                               for w in weights), rtol=1e-5):
            hint = " Square each weight before summing (negative weights must add, too)."
        elif lam and np.isclose(got, lam * sum(float(np.mean(np.square(np.asarray(w, float))))
                                               for w in weights), rtol=1e-5):
            hint = " Sum the squares; do not average them."
        else:
            hint = ""
        raise Reject(f"{what} {shown}{hint}")
    return ("matches keras.regularizers.L2 on 6 cases: several arrays, float32, a tuple, "
            "nested lists, lam = 0 and no weights.")
