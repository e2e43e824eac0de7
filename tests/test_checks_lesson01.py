"""Unit tests of lesson 01's checkers (Why deep learning?): right answers written differently
pass, realistic wrong answers fail with a specific message, odd answers get a verdict rather
than a crash, and a table of answers learned from the fixed cases fails on fresh ones."""

import statistics
from collections import Counter

import numpy as np
import pytest
from answers import SEED_NOTE, lookup_table, raises_value_error, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson01 as check

# Exercise 1.1: accuracy(y_true, y_pred) ----------------------------------------------------

def accuracy_numpy(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = y_pred.argmax(axis=1)
    return np.mean(np.asarray(y_true) == y_pred)


def accuracy_loop(y_true, y_pred):
    right = 0
    for t, p in zip(y_true, y_pred):
        guess = max(range(len(p)), key=lambda k: p[k]) if np.ndim(p) == 1 else p
        right += int(t == guess)
    return right / len(y_true)


def accuracy_keras(y_true, y_pred):
    from keras import ops

    y_pred = ops.convert_to_tensor(y_pred)
    if len(y_pred.shape) == 2:
        y_pred = ops.argmax(y_pred, axis=1)
    same = ops.equal(ops.cast(ops.convert_to_tensor(y_true), "int64"), ops.cast(y_pred, "int64"))
    return ops.mean(ops.cast(same, "float32"))


def accuracy_no_argmax(y_true, y_pred):
    return np.mean(np.asarray(y_true) == np.asarray(y_pred))


def accuracy_true_class_above_half(y_true, y_pred):
    """Counts a row right when its true class has probability above 0.5."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.ndim == 2:
        return np.mean(y_pred[np.arange(len(y_true)), y_true] > 0.5)
    return np.mean(y_true == y_pred)


def accuracy_top_above_half(y_true, y_pred):
    """Counts a row right only when its top score is above 0.5 and is the true class."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.ndim == 2:
        return np.mean((y_pred.argmax(axis=1) == y_true) & (y_pred.max(axis=1) > 0.5))
    return np.mean(y_true == y_pred)


def accuracy_squeezes(y_true, y_pred):
    y_pred = np.squeeze(np.asarray(y_pred))          # (1, k) scores become k labels
    if y_pred.ndim == 2:
        y_pred = y_pred.argmax(axis=1)
    return np.mean(np.asarray(y_true) == y_pred)


def accuracy_column_argmax(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = y_pred.argmax(axis=0) if len(y_pred) == y_pred.shape[1] else \
            y_pred.argmax(axis=1)
    return np.mean(np.asarray(y_true) == y_pred)


def accuracy_binary_threshold(y_true, y_pred):
    """Treats the second of two scores as a probability."""
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = y_pred[:, 1] > 0.5 if y_pred.shape[1] == 2 else y_pred.argmax(axis=1)
    return np.mean(np.asarray(y_true) == y_pred)


@pytest.mark.parametrize("answer", [
    accuracy_numpy,
    accuracy_loop,                                                             # a Python float
    accuracy_keras,                                                            # a tensor
    lambda t, p: np.array([accuracy_numpy(t, p)], dtype="float32"),            # one element
    lambda t, p: np.float32(accuracy_numpy(t, p)),
])
def test_accuracy_accepts_right_answers_written_differently(answer):
    assert check.accuracy(answer) is True


def test_accuracy_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.accuracy(accuracy_numpy) is True
        assert check.accuracy(accuracy_loop) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`accuracy` is None"),
    (0.9, "should be a function; got a float"),
    (stub_for("1.1", "implement `accuracy(y_true, y_pred)`"),
     r"^Exercise 1\.1 is yours: implement `accuracy\(y_true, y_pred\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda t, p: 1 - accuracy_numpy(t, p), "error rate"),                      # wrong sign
    (lambda t, p: -accuracy_numpy(t, p), r"should be 0\.8 \(40 of 50 right\); yours gave -0\.8"),
    (lambda t, p: 100 * accuracy_numpy(t, p), "That is a percentage"),
    (lambda t, p: np.asarray(t) == np.asarray(p), r"single number; got shape \(50,\)"),
    (lambda t, p: np.sum(np.asarray(t) == np.asarray(p)),                      # a count
     r"yours gave 40\. That is the number of right answers \(40\), not the fraction of the 50"),
    (lambda t, p: np.sum(np.asarray(t) == np.asarray(p)) / (len(t) - 1),         # off by one
     "That divides 40 right answers by 49; there are 50 labels"),
    (lambda t, p: 1.0, r"should be 0\.8 \(40 of 50 right\); yours gave 1\."),    # constant
    (lambda t, p: None, "did you forget a `return`"),
    (lambda t, p: "0.8", "got the text"),
    (lambda t, p: np.mean(t == p),                                             # lists
     r"with Python lists, y_true = \[2, 0, 1, 1, 2, 0, 0\].*yours gave 0\. Here y_true and "
     r"y_pred are Python lists"),
    (accuracy_no_argmax, r"shapes \(40,\) \(40,3\) Here y_pred holds class scores of shape "
                         r"\(n, k\)"),
    (lambda t, p: float("nan"), r"should be 0\.8 .*yours gave nan"),
])
def test_accuracy_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.accuracy(answer)


def test_accuracy_rejects_true_class_above_half_when_every_top_score_is_below_half():
    with pytest.raises(ExerciseFailed, match=r"every top score below 0\.5, .*should be 0\.6667 "
                                             r"\(4 of 6 right\); yours gave 0\. That is the "
                                             r"fraction of rows whose true class scores above"):
        check.accuracy(accuracy_true_class_above_half)


def test_accuracy_rejects_counting_only_tops_above_half():
    with pytest.raises(ExerciseFailed, match=r"every top score below 0\.5, .*should be 0\.6667 "
                                             r"\(4 of 6 right\); yours gave 0\."):
        check.accuracy(accuracy_top_above_half)


def test_accuracy_rejects_squeezing_a_batch_of_one():
    with pytest.raises(ExerciseFailed, match=r"scores of shape \(1, 5\), one point, .*should be "
                                             r"1 \(1 of 1 right\); yours gave 0\. Here y_pred "
                                             r"holds class scores"):
        check.accuracy(accuracy_squeezes)


def test_accuracy_rejects_the_argmax_over_columns_on_square_scores():
    with pytest.raises(ExerciseFailed, match=r"scores of shape \(4, 4\).*yours gave 0\.5\. "
                                             r"That takes the largest "
                                             r"score of each column"):
        check.accuracy(accuracy_column_argmax)


def test_accuracy_rejects_a_0_5_threshold_on_two_logits():
    with pytest.raises(ExerciseFailed, match=r"logits of shape \(6, 2\).*should be 0\.8333 "
                                             r"\(5 of 6 right\); yours gave 0\.5\. That cuts "
                                             r"the second score at 0\.5"):
        check.accuracy(accuracy_binary_threshold)


def test_accuracy_rejects_an_answer_that_changes_its_inputs_in_place():
    def sorts_in_place(y_true, y_pred):
        out = accuracy_numpy(y_true, y_pred)
        if isinstance(y_true, np.ndarray):
            y_true.sort()
        return out

    with pytest.raises(ExerciseFailed, match=r"changed its input `y_true` in place \(entry"):
        check.accuracy(sorts_in_place)

    def argmax_in_place(y_true, y_pred):
        if isinstance(y_pred, np.ndarray) and y_pred.ndim == 2:
            y_pred[:] = y_pred == y_pred.max(axis=1, keepdims=True)   # one-hot, in place
        return accuracy_numpy(y_true, y_pred)

    with pytest.raises(ExerciseFailed, match=r"changed its input `y_pred` in place"):
        check.accuracy(argmax_in_place)


def test_accuracy_rejects_a_table_of_the_fixed_cases_on_drawn_labels():
    lookup = lookup_table(check.accuracy, accuracy_numpy, lambda t, p: -1.0)
    with pytest.raises(ExerciseFailed, match=r"yours gave -1\..*" + SEED_NOTE):
        check.accuracy(lookup)


def test_accuracy_failure_on_a_drawn_case_repeats_with_its_seed():
    lookup = lookup_table(check.accuracy, accuracy_numpy, lambda t, p: -1.0)
    messages = []
    for _ in range(2):
        with pytest.raises(ExerciseFailed) as info:
            check.accuracy(lookup, seed=7)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "check.accuracy(..., seed=7)" in messages[0]


# Exercise 1.2: majority_baseline(y_train, n) -----------------------------------------------

def majority_bincount(y_train, n):
    return np.full(n, np.bincount(y_train).argmax())


def majority_counter(y_train, n):
    counts = Counter(int(v) for v in y_train)
    best = min(counts, key=lambda label: (-counts[label], label))
    return [best] * n


def majority_unique(y_train, n):
    labels, counts = np.unique(y_train, return_counts=True)
    return labels[counts == counts.max()].min() * np.ones(n)       # floats, fine


def majority_scipy(y_train, n):
    from scipy import stats

    return np.repeat(stats.mode(np.asarray(y_train)).mode, n)      # smallest of ties


@pytest.mark.parametrize("answer", [majority_bincount, majority_counter, majority_unique,
                                    majority_scipy])
def test_majority_baseline_accepts_right_answers_written_differently(answer):
    assert check.majority_baseline(answer) is True


def test_majority_baseline_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.majority_baseline(majority_bincount) is True
        assert check.majority_baseline(majority_counter) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`majority_baseline` is None"),
    ([1, 1], "should be a function; got a list"),
    (stub_for("1.2", "implement `majority_baseline(y_train, n)`"),
     r"^Exercise 1\.2 is yours: implement `majority_baseline\(y_train, n\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda y, n: np.full(n, Counter(y).most_common(1)[0][0]),                 # first seen
     r"labels \[1, 3\] are tied .* towards the smallest, 1\. Yours chose 3"),
    (lambda y, n: np.full(n, statistics.mode(list(y))),                        # first seen
     r"labels \[1, 3\] are tied"),
    (lambda y, n: np.full(n, max(set(list(y)), key=list(y).count)),            # set order
     r"y_train = \[9, 2, 9, 2, 5\] \(a tie between 9 and 2\): labels \[2, 9\] are tied .* "
     r"Yours chose 9"),
    (lambda y, n: np.full(n, np.bincount(y).argmin()),                         # the rarest
     r"the most common label is 1 \(3 of 5\); yours predicts 0, which occurs 1 time\."),
    (lambda y, n: np.full(n, np.bincount(y).max()),                            # the count
     r"yours predicts 3, which occurs 0 times\. That is how many times the most common"),
    (lambda y, n: np.bincount(y).argmax(), r"should have shape \(5,\); yours has shape \(\)"),
    (lambda y, n: np.full(n + 1, np.bincount(y).argmax()), r"shape \(5,\); yours has shape \(6,\)"),
    (lambda y, n: np.full(n, np.bincount(y).argmax() + 1), "yours predicts 2"),  # off by one
    (lambda y, n: np.zeros(n), "yours predicts 0"),                            # constant
    (lambda y, n: np.full((n, 1), np.bincount(y).argmax()), "Flatten it"),
    (lambda y, n: np.asarray(y)[:n] if len(y) >= n else np.zeros(n),
     "every prediction should be the same label"),
    (lambda y, n: np.full(n, np.mean(y)), "whole-number labels"),
    (lambda y, n: None, "did you forget a `return`"),
])
def test_majority_baseline_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.majority_baseline(answer)


def test_majority_baseline_rejects_an_answer_that_sorts_y_train_in_place():
    def sorts(y_train, n):
        if isinstance(y_train, list):
            y_train.sort()
        else:
            y_train.sort()
        return majority_bincount(y_train, n)

    with pytest.raises(ExerciseFailed, match=r"changed its input `y_train` in place"):
        check.majority_baseline(sorts)


def test_majority_baseline_rejects_a_table_of_the_fixed_cases_on_drawn_labels():
    lookup = lookup_table(check.majority_baseline, majority_bincount,
                          lambda y, n: np.full(n, -1))
    with pytest.raises(ExerciseFailed, match=r"yours predicts -1.*" + SEED_NOTE):
        for _ in range(3):                    # a drawn n can be 0, where -1 cannot show
            check.majority_baseline(lookup)


# Exercise 1.3: standardize(train, test) -----------------------------------------------------

def standardize_numpy(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (train - mean) / std, (test - mean) / std


def standardize_float32(train, test):
    train, test = np.asarray(train, "float32"), np.asarray(test, "float32")
    out = standardize_numpy(train, test)
    return out[0].astype("float32"), out[1].astype("float32")


def standardize_lists(train, test):
    mean = [sum(col) / len(col) for col in zip(*train.tolist())]
    std = [(sum((v - m) ** 2 for v in col) / len(col)) ** 0.5 or 1.0
           for col, m in zip(zip(*train.tolist()), mean)]
    return ([[(v - m) / s for v, m, s in zip(row, mean, std)] for row in train.tolist()],
            [[(v - m) / s for v, m, s in zip(row, mean, std)] for row in test.tolist()])


def standardize_own_stats(train, test):
    return standardize_numpy(train, test)[0], standardize_numpy(test, test)[0]


def standardize_together(train, test):
    both = np.concatenate([train, test])
    mean, std = both.mean(axis=0), both.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (train - mean) / std, (test - mean) / std


def standardize_ddof1(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0, ddof=1)
    std = np.where(std == 0, 1.0, std)
    return (train - mean) / std, (test - mean) / std


def standardize_zero_division(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (train - mean) / std, (test - mean) / std


def standardize_epsilon(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    return (train - mean) / (std + 1e-8), (test - mean) / (std + 1e-8)


def standardize_global(train, test):
    return (train - train.mean()) / train.std(), (test - train.mean()) / train.std()


def standardize_in_place(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    train -= mean
    train /= std
    return train, (test - mean) / std


def standardize_sklearn(train, test):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train)
    return [scaler.transform(train), scaler.transform(test)]


@pytest.mark.parametrize("answer", [standardize_numpy, standardize_float32, standardize_lists])
def test_standardize_accepts_right_answers_written_differently(answer):
    assert check.standardize(answer) is True


def test_standardize_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.standardize(standardize_numpy) is True
        assert check.standardize(standardize_float32) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`standardize` is None"),
    ("scaler", "should be a function; got a str"),
    (stub_for("1.3", "implement `standardize(train, test)`"),
     r"^Exercise 1\.3 is yours: implement `standardize\(train, test\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (standardize_own_stats, "test set's own mean and std"),
    (standardize_together, "mean and std of train and test together"),
    (lambda tr, te: [-a for a in standardize_numpy(tr, te)], "wrong sign"),
    (standardize_ddof1, r"ddof=0, divide by n"),                               # off by one
    (standardize_global, "one mean and one std for the whole of train"),
    (lambda tr, te: standardize_numpy(tr, te)[0], "should return two arrays"),
    (lambda tr, te: standardize_numpy(tr, te)[::-1],                            # swapped
     r"train_std should have shape \(50, 4\); yours has shape \(20, 4\)"),
    (lambda tr, te: tuple(a.T for a in standardize_numpy(tr, te)),             # wrong shape
     r"train_std should have shape \(50, 4\); yours has shape \(4, 50\)"),
    (lambda tr, te: (np.zeros_like(tr), np.zeros_like(te)),                    # constant
     r"train_std is wrong at index \(0, 0\)"),
    (lambda tr, te: (tr - tr.mean(0), te - tr.mean(0)), "centred with the training means "
                                                        "but not divided"),
    (standardize_zero_division, r"whose column 1 is constant.*train_std contains NaN or "
                                r"infinity\. Column 1 of train is constant"),
    (standardize_epsilon, r"test_std is wrong at index \(0, 1\).*Column 1 of train is "
                          r"constant \(its std is 0\)"),
    (lambda tr, te: None, "should return two arrays"),
    (lambda tr, te: ("a", "b"), "got the text"),
])
def test_standardize_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.standardize(answer)


def test_standardize_rejects_an_answer_that_changes_train_in_place():
    with pytest.raises(ExerciseFailed, match=r"changed its input `train` in place \(entry "
                                             r"\[0, 0\] was"):
        check.standardize(standardize_in_place)


def test_standardize_rejects_an_answer_that_changes_test_in_place():
    def test_in_place(train, test):
        out = standardize_numpy(train, test)
        test[...] = out[1]
        return out[0], test

    with pytest.raises(ExerciseFailed, match=r"changed its input `test` in place"):
        check.standardize(test_in_place)


def test_standardize_rejects_scikit_learns_standard_scaler():
    with pytest.raises(ExerciseFailed, match=r"your answer uses `[\w.]*StandardScaler`, the "
                                             r"library's own version"):
        check.standardize(standardize_sklearn)


def test_standardize_rejects_a_mistake_on_a_single_train_row():
    def divides_by_zero_only_when_all_columns_vary(train, test):
        if np.all(train.std(axis=0) == 0):                  # "nothing to scale": returns its inputs
            return train.astype(float), test.astype(float)
        return standardize_numpy(train, test)

    with pytest.raises(ExerciseFailed, match=r"a single train row \(1, 3\).*train_std is wrong"):
        check.standardize(divides_by_zero_only_when_all_columns_vary)


def test_standardize_rejects_an_answer_that_truncates_integer_inputs():
    def keeps_dtype(train, test):
        out = standardize_numpy(train, test)
        return out[0].astype(train.dtype), out[1].astype(test.dtype)

    with pytest.raises(ExerciseFailed, match=r"integer train \(6, 2\).*train_std is wrong"):
        check.standardize(keeps_dtype)


def test_standardize_rejects_a_table_of_the_fixed_cases_on_drawn_data():
    lookup = lookup_table(check.standardize, standardize_numpy,
                          lambda tr, te: (np.zeros_like(tr, float), np.zeros_like(te, float)))
    with pytest.raises(ExerciseFailed, match=r"standardize\(train, test\) with float(64|32) "
                                             r"train .*" + SEED_NOTE):
        check.standardize(lookup)


# Exercise 1.4: xor_rule(x) --------------------------------------------------------------------

def xor_loop(x):
    out = []
    for a, b in x:
        out.append(1 if (a > 0) != (b > 0) else 0)
    return out


def xor_product(x):
    return (x[:, 0] * x[:, 1] < 0).astype(int)


@pytest.mark.parametrize("answer", [
    xor_product,
    lambda x: np.sign(x[:, 0]) != np.sign(x[:, 1]),                            # booleans
    lambda x: np.logical_xor(x[:, 0] > 0, x[:, 1] > 0).astype(float),
    lambda x: np.signbit(x).sum(axis=1) == 1,
    xor_loop,
])
def test_xor_rule_accepts_right_answers_written_differently(answer):
    assert check.xor_rule(answer) is True


def test_xor_rule_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.xor_rule(xor_product) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`xor_rule` is None"),
    (np.zeros(4), "should be a function; got a ndarray"),
    (stub_for("1.4", "implement `xor_rule(x)`"),
     r"^Exercise 1\.4 is yours: implement `xor_rule\(x\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda x: (x[:, 0] * x[:, 1] > 0).astype(int), "every label is the opposite"),  # sign
    (lambda x: (x[:, 0] > 0).astype(int),                                      # one sign only
     r"2 of 4 points wrong, e\.g\. \(1, 1\) should be 0, yours gave 1"),
    (lambda x: ((x[:, 0] > 0.5) != (x[:, 1] > 0.5)).astype(int),               # threshold
     r"300 points uniform in \[-2, 2\]²: \d+ of 300 points wrong"),
    (lambda x: (np.round(x[:, 0]) * np.round(x[:, 1]) < 0).astype(int),        # rounds first
     r"300 points uniform in \[-2, 2\]²: \d+ of 300 points wrong"),
    (lambda x: ((x[:, 0] > 1e-3) != (x[:, 1] > 1e-3)).astype(int),             # a tolerance
     r"points near the axes, .*points wrong"),
    (lambda x: ((x[:, 0] * x[:, 1] < 0) & (np.abs(x).max(axis=1) < 50)).astype(int),
     r"far points, .*points wrong"),
    (lambda x: ((x[:, 0] * x[:, 1] < 0).astype(int))[:, None], "Flatten it"),   # wrong shape
    (lambda x: (x[:, 0] * x[:, 1] < 0).astype(int)[:-1], r"shape \(4,\); yours has shape \(3,\)"),
    (lambda x: (x[:, 0] * x[:, 1] < 0).astype(int) + 1, r"only the labels \[0, 1\]"),  # off by one
    (lambda x: np.ones(len(x)), "2 of 4 points wrong"),                         # constant
    (lambda x: x[:, 0] * x[:, 1], r"only the labels \[0, 1\]; yours has \[-1\.\]"),
    (lambda x: x[:, 0] * x[:, 1] / 3, "whole-number labels"),
    (lambda x: np.where(x[:, 0] * x[:, 1] < 0, 1, -1), r"only the labels \[0, 1\]"),
    (lambda x: None, "did you forget a `return`"),
])
def test_xor_rule_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.xor_rule(answer)


def test_xor_rule_rejects_an_answer_that_changes_x_in_place():
    def takes_signs_in_place(x):
        np.sign(x, out=x)
        return (x[:, 0] != x[:, 1]).astype(int)

    with pytest.raises(ExerciseFailed, match=r"changed its input `x` in place"):
        check.xor_rule(takes_signs_in_place)


def test_xor_rule_rejects_a_table_of_the_fixed_cases_on_drawn_points():
    lookup = lookup_table(check.xor_rule, xor_product, lambda x: 1 - xor_product(x))
    with pytest.raises(ExerciseFailed, match=r"points with \|coordinates\| from 1e-3 to 1e3.*"
                                             r"(every label is the opposite|1 of 1 points "
                                             r"wrong).*" + SEED_NOTE):
        check.xor_rule(lookup)
