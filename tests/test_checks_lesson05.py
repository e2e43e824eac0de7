"""Unit tests of lesson 05's checkers (Generalisation): right answers pass, wrong ones fail
with a specific message, odd answers get a verdict rather than a crash."""

import math

import numpy as np
import pytest

from answers import raises_value_error, stub_for
from helpers.checks import ExerciseFailed
from helpers.checks import lesson05 as check


# Exercise 5.1: precision_recall_f1(y_true, y_pred) -----------------------------------------

def prf_numpy(y_true, y_pred):
    t, p = np.asarray(y_true) == 1, np.asarray(y_pred) == 1
    tp, fp, fn = np.sum(t & p), np.sum(~t & p), np.sum(t & ~p)
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def prf_loop(y_true, y_pred):
    tp = fp = fn = 0
    for t, p in zip(y_true, y_pred):
        tp += int(t == 1 and p == 1)
        fp += int(t != 1 and p == 1)
        fn += int(t == 1 and p != 1)
    precision = tp / (tp + fp) if tp + fp else 0
    recall = tp / (tp + fn) if tp + fn else 0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0          # the same F1, from the counts
    return [precision, recall, f1]


def prf_sklearn(y_true, y_pred):
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary",
                                                 pos_label=1, zero_division=0)
    return np.array([p, r, f], dtype="float32")


def prf_swapped(y_true, y_pred):
    p, r, f = prf_numpy(y_true, y_pred)
    return r, p, f


def prf_arithmetic_f1(y_true, y_pred):
    p, r, _ = prf_numpy(y_true, y_pred)
    return p, r, (p + r) / 2


def prf_class_zero(y_true, y_pred):
    return prf_numpy(1 - np.asarray(y_true, dtype=float), 1 - np.asarray(y_pred, dtype=float))


def prf_nan_on_zero(y_true, y_pred):
    t, p = np.asarray(y_true) == 1, np.asarray(y_pred) == 1
    tp, fp, fn = np.sum(t & p), np.sum(~t & p), np.sum(t & ~p)
    with np.errstate(all="ignore"):
        precision, recall = np.float64(tp) / (tp + fp), np.float64(tp) / (tp + fn)
        return precision, recall, 2 * precision * recall / (precision + recall)


def prf_list_equality(y_true, y_pred):
    t = y_true == 1 if isinstance(y_true, np.ndarray) else np.array([y_true == 1])
    return prf_numpy(t.astype(int) if t.size == len(y_pred) else np.zeros(len(y_pred)), y_pred)


@pytest.mark.parametrize("answer", [prf_numpy, prf_loop, prf_sklearn])
def test_precision_recall_f1_accepts_right_answers_written_differently(answer):
    assert check.precision_recall_f1(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`precision_recall_f1` is None"),
    ("0.5", "should be a function; got a str"),
    (stub_for("5.1", "implement `precision_recall_f1(y_true, y_pred)`"),
     r"^Exercise 5\.1 is yours: implement `precision_recall_f1\(y_true, y_pred\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (prf_swapped, "Precision and recall are swapped"),
    (prf_arithmetic_f1, "F1 should be .*That is the arithmetic mean"),
    (prf_class_zero, "numbers for class 0; the positive class is 1"),              # wrong sign
    (prf_nan_on_zero, r"no positive predicted \(TP = 0, FP = 0, FN = 2\).*NaN.*convention"),
    (prf_list_equality, "Python lists: turn them into arrays first"),
    (lambda t, p: (0.5, 0.5, 0.5), r"should be \[0\.5"),                            # constant
    (lambda t, p: prf_numpy(t, p)[:2], r"three numbers, \(precision, recall, f1\)"),  # shape
    (lambda t, p: {"precision": 1, "recall": 1, "f1": 1}, "returned a dict"),
    (lambda t, p: None, "did you forget a `return`"),
    (lambda t, p: np.array(prf_numpy(t, p)) + 1 / len(t), r"should be \["),          # off by one
])
def test_precision_recall_f1_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.precision_recall_f1(answer)


def test_precision_recall_f1_rejects_an_answer_wrong_only_when_nothing_is_predicted():
    def divides_by_one_when_empty(y_true, y_pred):
        p, r, f = prf_numpy(y_true, y_pred)
        return (1.0 if np.sum(np.asarray(y_pred) == 1) == 0 else p), r, f

    with pytest.raises(ExerciseFailed, match="with no positive predicted"):
        check.precision_recall_f1(divides_by_one_when_empty)


def test_reference_prf_matches_sklearn_with_zero_division_0():
    from sklearn.metrics import precision_recall_fscore_support

    for _, y_true, y_pred in check._prf_cases():
        p, r, f, _ = precision_recall_fscore_support(
            np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int), average="binary",
            zero_division=0)
        assert np.allclose(check._reference_prf(y_true, y_pred), (p, r, f))


# Exercise 5.2: confusion_matrix(y_true, y_pred, k) -----------------------------------------

def confusion_add_at(y_true, y_pred, k):
    m = np.zeros((k, k), dtype=int)
    np.add.at(m, (np.asarray(y_true).astype(int), np.asarray(y_pred).astype(int)), 1)
    return m


def confusion_loops(y_true, y_pred, k):
    m = [[0] * k for _ in range(k)]
    for t, p in zip(y_true, y_pred):
        m[int(t)][int(p)] += 1
    return m


def confusion_bincount(y_true, y_pred, k):
    t, p = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(float)


@pytest.mark.parametrize("answer", [confusion_add_at, confusion_loops, confusion_bincount])
def test_confusion_matrix_accepts_right_answers_written_differently(answer):
    assert check.confusion_matrix(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`confusion_matrix` is None"),
    (np.eye(3), "should be a function; got a ndarray"),
    (stub_for("5.2", "implement `confusion_matrix(y_true, y_pred, k)`"),
     r"^Exercise 5\.2 is yours: implement `confusion_matrix\(y_true, y_pred, k\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda t, p, k: confusion_add_at(p, t, k), "is transposed: rows are the true classes"),
    (lambda t, p, k: confusion_add_at(t, p, k + 1), r"should have shape \(10, 10\)"),  # off by one
    (lambda t, p, k: confusion_add_at(t, p, int(max(max(t), max(p))) + 1),
     r"shape \(4, 4\), one row and one column per class 0\.\.3, even for classes that never"),
    (lambda t, p, k: np.ones((k, k)), "should add up to 300"),                        # constant
    (lambda t, p, k: confusion_add_at(t, p, k) / len(t), "whole-number counts"),
    (lambda t, p, k: confusion_add_at(t, p, k).ravel(), r"should have shape \(10, 10\)"),
    (lambda t, p, k: confusion_add_at(t, t, k), r"is wrong at \[\d, \d\]"),
    (lambda t, p, k: -confusion_add_at(t, p, k), "should add up to 300"),            # wrong sign
    (lambda t, p, k: None, "did you forget a `return`"),
])
def test_confusion_matrix_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.confusion_matrix(answer)


# Exercise 5.3: threshold_for_recall(y_true, scores, target) --------------------------------

def threshold_by_search(y_true, scores, target):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    for t in sorted(set(scores.tolist()), reverse=True):
        if np.mean(scores[y_true == 1] >= t) >= target:
            return t


def threshold_by_sorting(y_true, scores, target):
    positives = np.sort(np.asarray(scores)[np.asarray(y_true) == 1])[::-1]
    needed = math.ceil(target * len(positives))
    return positives[needed - 1]


def threshold_by_roc_curve(y_true, scores, target):
    from sklearn.metrics import roc_curve

    _, tpr, thresholds = roc_curve(np.asarray(y_true, dtype=int), scores,
                                   drop_intermediate=False)
    return thresholds[np.argmax(tpr >= target)]


def threshold_strict(y_true, scores, target):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    for t in sorted(set(scores.tolist()), reverse=True):
        if np.mean(scores[y_true == 1] > t) >= target:
            return t


@pytest.mark.parametrize("answer", [threshold_by_search, threshold_by_sorting,
                                    threshold_by_roc_curve])
def test_threshold_for_recall_accepts_right_answers_written_differently(answer):
    assert check.threshold_for_recall(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`threshold_for_recall` is None"),
    (0.5, "should be a function; got a float"),
    (stub_for("5.3", "implement `threshold_for_recall(y_true, scores, target)`"),
     r"^Exercise 5\.3 is yours: implement `threshold_for_recall\(y_true, scores, target\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (threshold_strict, r"counts as positive \(`scores >= threshold`\)"),
    (lambda y, s, t: np.min(np.asarray(s)[np.asarray(y) == 1]),                     # lowest
     "Return the highest threshold that reaches the target"),
    (lambda y, s, t: np.sort(np.asarray(s)[np.asarray(y) == 1])[::-1][               # off by one
        max(math.ceil(t * int(np.sum(np.asarray(y) == 1))) - 2, 0)],
     r"below the target 90%: the threshold is too high"),
    (lambda y, s, t: 0.5, "should be"),                                               # constant
    (lambda y, s, t: -threshold_by_search(y, s, t), "Return the highest"),            # wrong sign
    (lambda y, s, t: np.array([threshold_by_search(y, s, t)] * 2),
     r"single number; got shape \(2,\)"),
    (lambda y, s, t: None, "did you forget a `return`"),
    (lambda y, s, t: float("nan"), "yours gave NaN"),
    (lambda y, s, t: t, "should be"),                                  # returns the target itself
])
def test_threshold_for_recall_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.threshold_for_recall(answer)


def test_threshold_cases_agree_with_the_counting_formula():
    """ceil(target · P) must not be fooled by rounding in any case the checker uses."""
    for _, y_true, scores, target in check._threshold_cases():
        assert threshold_by_sorting(y_true, scores, target) == \
            check._reference_threshold(y_true, scores, target)


# Exercise 5.4: l2_penalty(weights, lam) ----------------------------------------------------

def l2_numpy(weights, lam):
    return lam * sum(np.sum(np.square(np.asarray(w))) for w in weights)


def l2_loop(weights, lam):
    total = 0.0
    for w in weights:
        for value in np.ravel(np.asarray(w, dtype="float32")):
            total += float(value) ** 2
    return np.float32(lam * total)


def l2_concatenate(weights, lam):
    flat = [np.ravel(w) for w in weights]
    return lam * float(np.dot(np.concatenate(flat), np.concatenate(flat))) if flat else 0.0


@pytest.mark.parametrize("answer", [l2_numpy, l2_loop, l2_concatenate])
def test_l2_penalty_accepts_right_answers_written_differently(answer):
    assert check.l2_penalty(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`l2_penalty` is None"),
    ([0.1], "should be a function; got a list"),
    (stub_for("5.4", "implement `l2_penalty(weights, lam)`"),
     r"^Exercise 5\.4 is yours: implement `l2_penalty\(weights, lam\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda w, lam: l2_numpy(w, lam) / 2, "no factor 1/2"),
    (lambda w, lam: sum(np.sum(np.square(np.asarray(x))) for x in w), "without lam"),
    (lambda w, lam: lam * np.sqrt(sum(np.sum(np.square(np.asarray(x))) for x in w)),
     "a square root"),
    (lambda w, lam: lam * np.sum(np.square(w[0])), "counts only the first array"),
    (lambda w, lam: lam * sum(np.sum(np.asarray(x)) for x in w), "Square each weight"),  # sign
    (lambda w, lam: lam * sum(np.mean(np.square(np.asarray(x))) for x in w), "do not average"),
    (lambda w, lam: 0.1, "should be"),                                                 # constant
    (lambda w, lam: np.array([np.sum(np.square(np.asarray(x))) * lam for x in w]),
     r"single number; got shape \(4,\)"),
    (lambda w, lam: None, "did you forget a `return`"),
])
def test_l2_penalty_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.l2_penalty(answer)


def test_l2_reference_matches_keras_regularizer():
    from helpers.startup import import_keras

    keras = import_keras()
    for _, weights, lam in check._l2_cases():
        regularizer = keras.regularizers.L2(lam)
        keras_total = sum(float(regularizer(np.asarray(w, "float32"))) for w in weights)
        assert np.isclose(keras_total, check._reference_l2(weights, lam), rtol=1e-5)


def test_stub_message_names_the_exercise_once():
    with pytest.raises(ExerciseFailed) as info:
        check.l2_penalty(stub_for("5.4", "implement `l2_penalty(weights, lam)`"))
    assert str(info.value).startswith("Exercise 5.4 is yours: implement `l2_penalty(weights, "
                                      "lam)`.")
