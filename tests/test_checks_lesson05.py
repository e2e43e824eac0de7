"""Unit tests of lesson 05's checkers (Generalisation): right answers pass, wrong ones fail
with a specific message, odd answers get a verdict rather than a crash.

The checkers draw fresh random cases on every call, so every test here must hold for any seed:
a wrong answer below is either wrong on a fixed edge case or wrong on (nearly) every random
case."""

import math
import warnings

import numpy as np
import pytest
from answers import lookup_table, raises_value_error, stub_for, table_of

from helpers.checks import ExerciseFailed
from helpers.checks import lesson05 as check

RANDOM_CASE = r"\(a random case\).*\[Cases drawn at random with seed \d+"


def test_stub_message_names_the_exercise_once_and_relays_the_stubs_text():
    with pytest.raises(ExerciseFailed) as info:
        check.threshold_for_recall(stub_for("5.3", "implement `threshold_for_recall(y_true, "
                                                   "scores, target)`"))
    assert str(info.value).startswith("Exercise 5.3 is yours: implement `threshold_for_recall("
                                      "y_true, scores, target)`. Write your code")


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


def prf_float32_array(y_true, y_pred):
    t = np.asarray(y_true, dtype="float32")
    p = np.asarray(y_pred, dtype="float32")
    tp, fp, fn = float(np.dot(t, p)), float(np.dot(1 - t, p)), float(np.dot(t, 1 - p))
    precision = np.divide(tp, tp + fp) if tp + fp else 0.0
    recall = np.divide(tp, tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return np.array([precision, recall, f1], dtype="float32")


@pytest.mark.parametrize("answer", [prf_numpy, prf_loop, prf_float32_array])
def test_precision_recall_f1_accepts_right_answers_written_differently(answer):
    assert check.precision_recall_f1(answer) is True


def prf_sklearn(y_true, y_pred):
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary",
                                                 pos_label=1, zero_division=0)
    return p, r, f


def prf_keras(y_true, y_pred):
    from helpers.startup import import_keras

    keras = import_keras()
    precision, recall = keras.metrics.Precision(), keras.metrics.Recall()
    precision.update_state(y_true, y_pred)
    recall.update_state(y_true, y_pred)
    p, r = float(precision.result()), float(recall.result())
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


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


def prf_precision_one_when_nothing_predicted(y_true, y_pred):
    p, r, f = prf_numpy(y_true, y_pred)
    return (1.0 if not np.any(np.asarray(y_pred) == 1) else p), r, f


def prf_recall_one_without_positives(y_true, y_pred):
    p, r, f = prf_numpy(y_true, y_pred)
    return p, (1.0 if not np.any(np.asarray(y_true) == 1) else r), f


def prf_f1_unguarded(y_true, y_pred):
    p, r, _ = prf_numpy(y_true, y_pred)
    with np.errstate(all="ignore"):
        return p, r, np.float64(2 * p * r) / (p + r)


def prf_f1_from_counts_unguarded(y_true, y_pred):
    t, p = np.asarray(y_true) == 1, np.asarray(y_pred) == 1
    tp, fp, fn = int(np.sum(t & p)), int(np.sum(~t & p)), int(np.sum(t & ~p))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * tp / (2 * tp + fp + fn)     # 0 / 0 when nothing is positive


def prf_without_asarray(y_true, y_pred):            # `list == 1` is one False, not a mask
    t, p = y_true == 1, y_pred == 1
    tp, fp, fn = np.sum(t & p), np.sum(~t & p), np.sum(t & ~p)
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def prf_relabels_in_place(y_true, y_pred):          # turns 0/1 labels into -1/+1 in place
    t, p = np.asarray(y_true), np.asarray(y_pred)
    out = prf_numpy(t, p)
    if t.dtype.kind in "iuf":
        t[t == 0] = -1
    return out


prf_table = table_of([(t, p) for _, t, p in check._prf_fixed_cases()], prf_numpy,
                     lambda t, p: (0.5, 0.5, 0.5))


@pytest.mark.parametrize("answer, message", [
    (None, "`precision_recall_f1` is None"),
    ("0.5", "should be a function; got a str"),
    (stub_for("5.1", "implement `precision_recall_f1(y_true, y_pred)`"),
     r"^Exercise 5\.1 is yours: implement `precision_recall_f1\(y_true, y_pred\)`\. Write"),
    (raises_value_error, "raised ValueError: boom"),
    (prf_sklearn, r"your answer uses `sklearn\.metrics\.precision_recall_fscore_support`"),
    (prf_keras, r"your answer uses `keras\.metrics\.Precision`"),
    (prf_swapped, "Precision and recall are swapped"),
    (prf_arithmetic_f1, "F1 should be .*That is the arithmetic mean"),
    (prf_class_zero, "numbers for class 0; the positive class is 1"),              # wrong sign
    (prf_nan_on_zero, r"every label and prediction 0, .*\(TP = 0, FP = 0, FN = 0\): here "
                      r"nothing is predicted positive .*precision 0; yours gave nan"),
    (prf_precision_one_when_nothing_predicted,
     r"\(TP = 0, FP = 0, FN = 0\): here nothing is predicted positive \(TP \+ FP = 0\), so "
     r"the lesson's convention makes precision 0; yours gave 1"),
    (prf_recall_one_without_positives,
     r"no positive labels \(TP \+ FN = 0\), so the lesson's convention makes recall 0; yours "
     r"gave 1"),
    (prf_f1_unguarded, r"precision and recall are both 0, so the lesson's convention makes F1 "
                       r"0; yours gave nan"),
    (prf_f1_from_counts_unguarded, "raised ZeroDivisionError"),
    (prf_without_asarray, "same labels as NumPy arrays give the right numbers: your code does "
                          "not work when they come as Python lists"),
    (prf_relabels_in_place, "changed its input `y_true` in place"),
    (prf_table, RANDOM_CASE),                                                   # lookup table
    (lambda t, p: (0.5, 0.5, 0.5), r"should be \[0\.5"),                            # constant
    (lambda t, p: prf_numpy(t, p)[:2], r"three numbers, \(precision, recall, f1\)"),  # shape
    (lambda t, p: {"precision": 1, "recall": 1, "f1": 1}, "returned a dict"),
    (lambda t, p: None, "did you forget a `return`"),
    (lambda t, p: np.array(prf_numpy(t, p)) + 1 / len(t), r"should be \["),          # off by one
])
def test_precision_recall_f1_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.precision_recall_f1(answer)


def test_precision_recall_f1_rejects_an_answer_wrong_only_on_random_cases():
    def right_only_on_small_inputs(y_true, y_pred):
        p, r, f = prf_numpy(y_true, y_pred)
        return (p, r, f) if len(y_true) <= 10 or len(y_true) == 200 else (p + 0.25, r, f)

    with pytest.raises(ExerciseFailed, match=RANDOM_CASE):
        check.precision_recall_f1(right_only_on_small_inputs)


def test_reference_prf_matches_sklearn_with_zero_division_0():
    from sklearn.metrics import precision_recall_fscore_support

    cases = check._prf_fixed_cases() + list(check._prf_random_cases(np.random.default_rng()))
    for _, y_true, y_pred in cases:
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


def confusion_one_hot(y_true, y_pred, k):
    eye = np.eye(k, dtype="float32")
    return eye[np.asarray(y_true, dtype=int)].T @ eye[np.asarray(y_pred, dtype=int)]


@pytest.mark.parametrize("answer", [confusion_add_at, confusion_loops, confusion_bincount,
                                    confusion_one_hot])
def test_confusion_matrix_accepts_right_answers_written_differently(answer):
    assert check.confusion_matrix(answer) is True


def confusion_sklearn(y_true, y_pred, k):
    import sklearn.metrics

    return sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(k))


def confusion_sklearn_renamed(y_true, y_pred, k):
    from sklearn.metrics import confusion_matrix as sk_confusion

    return sk_confusion(y_true, y_pred, labels=list(range(k)))


def confusion_tensorflow(y_true, y_pred, k):
    import tensorflow as tf

    return tf.math.confusion_matrix(y_true, y_pred, num_classes=k).numpy()


def confusion_fancy_index(y_true, y_pred, k):     # adds once per distinct (t, p) pair
    m = np.zeros((k, k), dtype=int)
    m[np.asarray(y_true).astype(int), np.asarray(y_pred).astype(int)] += 1
    return m


def confusion_present_classes(y_true, y_pred, k):  # one row per class that occurs
    classes = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
    index = {c: i for i, c in enumerate(classes.tolist())}
    m = np.zeros((len(classes), len(classes)), dtype=int)
    for t, p in zip(y_true, y_pred):
        m[index[t], index[p]] += 1
    return m


def confusion_pops(y_true, y_pred, k):            # empties the caller's lists
    if not isinstance(y_true, list):
        return confusion_add_at(y_true, y_pred, k)
    m = np.zeros((k, k), dtype=int)
    while y_true:
        m[int(y_true.pop()), int(y_pred.pop())] += 1
    return m


confusion_table = table_of([(t, p, k) for _, t, p, k in check._confusion_fixed_cases()],
                           confusion_add_at, lambda t, p, k: np.eye(k, dtype=int))


@pytest.mark.parametrize("answer, message", [
    (None, "`confusion_matrix` is None"),
    (np.eye(3), "should be a function; got a ndarray"),
    (stub_for("5.2", "implement `confusion_matrix(y_true, y_pred, k)`"),
     r"^Exercise 5\.2 is yours: implement `confusion_matrix\(y_true, y_pred, k\)`\. Write"),
    (raises_value_error, "raised ValueError: boom"),
    (confusion_sklearn, r"your answer uses `sklearn\.metrics\.confusion_matrix`, the "
                        r"library's own version"),
    (confusion_sklearn_renamed, r"your answer uses `sklearn\.metrics\.confusion_matrix`"),
    (confusion_tensorflow, r"your answer uses `tf\.math\.confusion_matrix`"),
    (confusion_fancy_index, r"every entry of yours is 0 or 1, but several examples fall into "
                            r"the same cell"),
    (confusion_present_classes, r"shape \(4, 4\), one row and one column per class 0\.\.3, "
                                r"even for classes that never occur"),
    (confusion_pops, "changed its input `y_true` in place"),
    (confusion_table, RANDOM_CASE),                                             # lookup table
    (lambda t, p, k: confusion_add_at(p, t, k), "is transposed: rows are the true classes"),
    (lambda t, p, k: confusion_add_at(t, p, k + 1), r"should have shape \(10, 10\)"),  # off by 1
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

    with warnings.catch_warnings():         # a random case may have no negatives at all
        warnings.simplefilter("ignore")
        _, tpr, thresholds = roc_curve(np.asarray(y_true, dtype=int), scores,
                                       drop_intermediate=False)
    return thresholds[np.argmax(tpr >= target)]


def threshold_by_counting(y_true, scores, target):   # a loop over the positives, counting
    positives = sorted((s for s, y in zip(scores, y_true) if y == 1), reverse=True)
    for caught, score in enumerate(positives, start=1):
        if caught / len(positives) >= target:
            return np.float32(score) if isinstance(score, np.float32) else score


@pytest.mark.parametrize("answer", [threshold_by_search, threshold_by_sorting,
                                    threshold_by_roc_curve, threshold_by_counting])
def test_threshold_for_recall_accepts_right_answers_written_differently(answer):
    assert check.threshold_for_recall(answer) is True


def threshold_strict(y_true, scores, target):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    for t in sorted(set(scores.tolist()), reverse=True):
        if np.mean(scores[y_true == 1] > t) >= target:
            return t


def threshold_recall_above_target(y_true, scores, target):   # > target, not >= target
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    for t in sorted(set(scores.tolist()), reverse=True):
        if np.mean(scores[y_true == 1] >= t) > target:
            return t
    return float(np.min(scores))


def threshold_unique_positives(y_true, scores, target):   # ties among positives counted once
    positives = np.asarray(scores)[np.asarray(y_true) == 1]
    distinct = np.unique(positives)[::-1]
    needed = math.ceil(target * len(positives))
    return distinct[min(needed, len(distinct)) - 1]


def threshold_masks_in_place(y_true, scores, target):     # hides the negatives in `scores`
    scores = np.asarray(scores)
    if scores.dtype.kind == "f":
        scores[np.asarray(y_true) != 1] = -np.inf
    return threshold_by_search(y_true, scores, target)


def threshold_recall_over_everyone(y_true, scores, target):
    scores = np.asarray(scores)
    for t in sorted(set(scores.tolist()), reverse=True):
        if np.mean(scores >= t) >= target:
            return t


threshold_table = table_of([(y, s, t) for _, y, s, t in check._threshold_fixed_cases()],
                           threshold_by_search, lambda y, s, t: float(np.max(s)))


@pytest.mark.parametrize("answer, message", [
    (None, "`threshold_for_recall` is None"),
    (0.5, "should be a function; got a float"),
    (stub_for("5.3", "implement `threshold_for_recall(y_true, scores, target)`"),
     r"^Exercise 5\.3 is yours: implement `threshold_for_recall\(y_true, scores, target\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (threshold_strict, r"400 scores.*positives that score exactly .* count as predicted "
                       r"positive, and that is enough"),
    (threshold_unique_positives, "Yours reaches the target"),
    (threshold_recall_above_target, r"At 0\.5 the recall is exactly the target, 0\.75, and "
                                    r"reaching the target is enough"),
    (threshold_masks_in_place, "changed its input `scores` in place"),
    (threshold_recall_over_everyone, "should be"),
    (threshold_table, RANDOM_CASE),                                             # lookup table
    (lambda y, s, t: np.min(np.asarray(s)[np.asarray(y) == 1]),                     # lowest
     "Yours reaches the target .* does too, and it is higher"),
    (lambda y, s, t: np.sort(np.asarray(s)[np.asarray(y) == 1])[::-1][               # off by one
        max(math.ceil(t * int(np.sum(np.asarray(y) == 1))) - 2, 0)],
     r"catches only .* below the target 0\.9: the threshold is too high"),
    (lambda y, s, t: 0.5, "should be"),                                               # constant
    (lambda y, s, t: -threshold_by_search(y, s, t), "and it is higher"),              # wrong sign
    (lambda y, s, t: np.array([threshold_by_search(y, s, t)] * 2),
     r"single number; got shape \(2,\)"),
    (lambda y, s, t: None, "did you forget a `return`"),
    (lambda y, s, t: float("nan"), "yours gave NaN"),
    (lambda y, s, t: t, "should be"),                                  # returns the target itself
])
def test_threshold_for_recall_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.threshold_for_recall(answer)


def test_threshold_for_recall_reaching_the_target_exactly_is_enough():
    """With 4 positives and target 0.75, recall 3/4 reaches it: the threshold is the third
    positive's score, not the fourth's."""
    [case] = [c for c in check._threshold_fixed_cases() if c[0] == "a negative scores highest"]
    _, y, s, target = case
    assert check._reference_threshold(y, s, target) == 0.5
    assert threshold_strict(y, s, target) != 0.5


def test_threshold_cases_agree_with_the_counting_formula():
    """ceil(target · P) must not be fooled by rounding in any case the checker uses."""
    rng = np.random.default_rng()
    for _ in range(50):
        cases = check._threshold_fixed_cases() + list(check._threshold_random_cases(rng))
        for _, y_true, scores, target in cases:
            assert threshold_by_sorting(y_true, scores, target) == \
                check._reference_threshold(y_true, scores, target)


# Exercise 5.4: regularised_mlp(make_mlp) -------------------------------------------------------
# The checker trains the chosen network (about five seconds a run) from the kit's OUTCOME_SEED,
# so each test is the same run every time.

def chosen(**values):
    def regularised_mlp(make_mlp):
        return make_mlp(**values)
    return regularised_mlp


def via_a_table(make_mlp):
    best = {"dropout": 0.5, "l2": 0.001}           # keyword order and a dict: the same choice
    return make_mlp(**best)


@pytest.mark.parametrize("answer", [chosen(l2=1e-3, dropout=0.7), via_a_table,
                                    chosen(dropout=np.float32(0.8))])
def test_regularised_mlp_accepts_choices_that_reach_the_target(answer):
    assert check.regularised_mlp(answer) is True


@pytest.mark.parametrize("answer, message", [
    (chosen(), r"validation loss of 0\.4\d+ .*the target is at most 0\.35\. That is the base "
               r"network, with no regularisation"),
    (chosen(l2=1e-4), r"the target is at most 0\.35\. It still fits its training images "
                      r"almost perfectly: it still overfits"),
    (chosen(l2=0.1), r"the target is at most 0\.35\. The network no longer fits even its "
                     r"training images: .*\(underfitting\)"),
])
def test_regularised_mlp_rejects_choices_that_miss_the_target(answer, message):
    with pytest.raises(ExerciseFailed, match=message) as info:
        check.regularised_mlp(answer)
    assert "seed" not in str(info.value)


def builds_its_own(make_mlp):
    import keras
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def trains_first(make_mlp):
    from helpers import data
    mnist = data.load_mnist()
    model = make_mlp(l2=1e-3, dropout=0.5)
    model.fit(mnist.x_train, mnist.y_train, epochs=1, verbose=0)    # all 3,000, and early
    return model


@pytest.mark.parametrize("answer, message", [
    (None, "`regularised_mlp` is None"),
    ("l2=0.001", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
    (stub_for("5.4", "choose l2 and dropout"), r"^Exercise 5\.4 is yours: choose l2 and dropout"),
    (lambda make_mlp: None, "returned None: return the model that make_mlp builds"),
    (lambda make_mlp: make_mlp, r"returned a _Builder that make_mlp did not build"),
    (builds_its_own, "returned a Sequential that make_mlp did not build"),
    (chosen(l2=1e-3, width=512), r"asked make_mlp for width: this exercise changes only `l2` "
                                 r"and `dropout`"),
    (chosen(augment=()), "asked make_mlp for augment"),
    (lambda make_mlp: make_mlp(256, dropout=0.5), "asked make_mlp for positional arguments"),
    (chosen(dropout=1.5), r"raised ValueError: make_mlp takes 0 <= l2 < 1 and 0 <= dropout < 1"),
    (chosen(l2=-0.01), r"raised ValueError: make_mlp takes 0 <= l2 < 1"),
    (trains_first, r"trained the model \(94 steps\) before returning it"),
])
def test_regularised_mlp_rejects_answers_that_break_the_rules(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.regularised_mlp(answer)


def test_regularised_mlp_rejects_the_model_of_an_earlier_run():
    # A table of earlier answers hands back the model the checker already trained.
    rejects = lookup_table(check.regularised_mlp, chosen(l2=1e-3, dropout=0.7))
    with pytest.raises(ExerciseFailed, match="that make_mlp did not build"):
        check.regularised_mlp(rejects)


def test_regularised_mlp_gives_one_choice_one_verdict():
    """The dropout masks come from the kit's OUTCOME_SEED, not a drawn one: the same loss."""
    messages = []
    for _ in range(2):
        with pytest.raises(ExerciseFailed) as info:
            check.regularised_mlp(chosen(dropout=0.2))
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "seed" not in messages[0]
