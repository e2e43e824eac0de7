"""Unit tests of lesson 01's checkers (Why deep learning?): right answers pass, wrong ones fail
with a specific message, odd answers get a verdict rather than a crash."""

from collections import Counter

import numpy as np
import pytest

from answers import raises_value_error, stub_for
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


def accuracy_no_argmax(y_true, y_pred):
    return np.mean(np.asarray(y_true) == np.asarray(y_pred))


@pytest.mark.parametrize("answer", [
    accuracy_numpy,
    accuracy_loop,                                                             # a Python float
    lambda t, p: np.array([accuracy_numpy(t, p)], dtype="float32"),            # one element
    lambda t, p: np.float32(accuracy_numpy(t, p)),
])
def test_accuracy_accepts_right_answers_written_differently(answer):
    assert check.accuracy(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`accuracy` is None"),
    (0.9, "should be a function; got a float"),
    (stub_for("1.1", "implement `accuracy(y_true, y_pred)`"),
     r"^Exercise 1\.1 is yours: implement `accuracy\(y_true, y_pred\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda t, p: 1 - accuracy_numpy(t, p), "error rate"),                      # wrong sign
    (lambda t, p: -accuracy_numpy(t, p), r"should be 0\.8 \(40 of 50 right\); yours gave -0\.8"),
    (lambda t, p: np.asarray(t) == np.asarray(p), r"single number; got shape \(50,\)"),
    (lambda t, p: np.sum(np.asarray(t) == np.asarray(p)), "divide by n = 50"),  # a count
    (lambda t, p: np.sum(np.asarray(t) == np.asarray(p)) / (len(t) - 1),         # off by one
     "Divide the number of right answers by n = 50"),
    (lambda t, p: 1.0, r"should be 0\.8 \(40 of 50 right\); yours gave 1\."),    # constant
    (lambda t, p: None, "did you forget a `return`"),
    (lambda t, p: "0.8", "got the text"),
    (lambda t, p: np.mean(t == p), "Python lists here"),                        # lists
    (accuracy_no_argmax, r"shapes \(40,\) \(40,3\) For class scores of shape \(n, k\).*argmax\(axis=1\)"),
    (lambda t, p: float("nan"), r"should be 0\.8 .*yours gave nan"),
])
def test_accuracy_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.accuracy(answer)


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


@pytest.mark.parametrize("answer", [majority_bincount, majority_counter, majority_unique])
def test_majority_baseline_accepts_right_answers_written_differently(answer):
    assert check.majority_baseline(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`majority_baseline` is None"),
    ([1, 1], "should be a function; got a list"),
    (stub_for("1.2", "implement `majority_baseline(y_train, n)`"),
     r"^Exercise 1\.2 is yours: implement `majority_baseline\(y_train, n\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda y, n: np.full(n, Counter(y).most_common(1)[0][0]),                 # first seen
     r"labels \[1, 3\] are tied .* towards the smallest, 1\. Yours chose 3"),
    (lambda y, n: np.full(n, np.bincount(y).argmin()),                         # the rarest
     r"the most common label is 1 \(3 of 5\); yours predicts 0, which occurs 1 time\."),
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


# Exercise 1.3: standardize(train, test) -----------------------------------------------------

def standardize_numpy(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (train - mean) / std, (test - mean) / std


def standardize_sklearn(train, test):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train)
    return [scaler.transform(train), scaler.transform(test)]


def standardize_float32(train, test):
    train, test = np.asarray(train, "float32"), np.asarray(test, "float32")
    out = standardize_numpy(train, test)
    return out[0].astype("float32"), out[1].astype("float32")


def standardize_own_stats(train, test):
    return standardize_numpy(train, test)[0], standardize_numpy(test, test)[0]


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


def standardize_in_place(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    train -= mean
    train /= std
    return train, (test - mean) / std


@pytest.mark.parametrize("answer", [standardize_numpy, standardize_sklearn,
                                    standardize_float32])
def test_standardize_accepts_right_answers_written_differently(answer):
    assert check.standardize(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`standardize` is None"),
    ("scaler", "should be a function; got a str"),
    (stub_for("1.3", "implement `standardize(train, test)`"),
     r"^Exercise 1\.3 is yours: implement `standardize\(train, test\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (standardize_own_stats, "test set's own mean and std"),
    (lambda tr, te: [-a for a in standardize_numpy(tr, te)], "wrong sign"),
    (standardize_ddof1, r"ddof=0, divide by n"),                               # off by one
    (lambda tr, te: standardize_numpy(tr, te)[0], "should return two arrays"),
    (lambda tr, te: tuple(a.T for a in standardize_numpy(tr, te)),             # wrong shape
     r"train_std should have shape \(50, 4\); yours has shape \(4, 50\)"),
    (lambda tr, te: (np.zeros_like(tr), np.zeros_like(te)), "train_std is wrong at index"),
    (lambda tr, te: (tr - tr.mean(0), te - tr.mean(0)), "divide by its training std"),
    (standardize_zero_division, "Column 1 of train is constant"),
    (standardize_epsilon, "only subtract the mean"),
    (standardize_in_place, "changed its input arrays in place"),
    (lambda tr, te: None, "should return two arrays"),
])
def test_standardize_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.standardize(answer)


# Exercise 1.4: xor_rule(x) --------------------------------------------------------------------

def xor_loop(x):
    out = []
    for a, b in x:
        out.append(1 if (a > 0) != (b > 0) else 0)
    return out


@pytest.mark.parametrize("answer", [
    lambda x: (x[:, 0] * x[:, 1] < 0).astype(int),
    lambda x: np.sign(x[:, 0]) != np.sign(x[:, 1]),                            # booleans
    lambda x: np.logical_xor(x[:, 0] > 0, x[:, 1] > 0).astype(float),
    xor_loop,
])
def test_xor_rule_accepts_right_answers_written_differently(answer):
    assert check.xor_rule(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`xor_rule` is None"),
    (np.zeros(4), "should be a function; got a ndarray"),
    (stub_for("1.4", "implement `xor_rule(x)`"), r"^Exercise 1\.4 is yours: implement `xor_rule\(x\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda x: (x[:, 0] * x[:, 1] > 0).astype(int), "every label is flipped"),  # wrong sign
    (lambda x: (x[:, 0] > 0).astype(int), r"2 of 4 points wrong, e\.g\. \(1, 1\) should be 0, yours gave 1"),
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
