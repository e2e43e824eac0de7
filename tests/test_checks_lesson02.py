"""Unit tests of lesson 02's checkers (The perceptron): right answers pass, wrong ones fail
with a specific message, odd answers get a verdict rather than a crash."""

import numpy as np
import pytest

from answers import raises_value_error, stub_for
from helpers.checks import ExerciseFailed
from helpers.checks import lesson02 as check


# Exercise 2.1: predict(x, w, b) --------------------------------------------------------------

def predict_loop(x, w, b):
    labels = []
    for row in x:
        score = sum(float(a) * float(c) for a, c in zip(row, w)) + b
        labels.append(1 if score > 0 else 0)
    return labels


@pytest.mark.parametrize("answer", [
    lambda x, w, b: (x @ w + b > 0).astype(int),
    lambda x, w, b: np.dot(x, w) + b > 0,                          # booleans
    lambda x, w, b: np.heaviside(x @ w + b, 0.0),                  # floats, step(0) = 0
    predict_loop,                                                  # a Python list
])
def test_predict_accepts_right_answers_written_differently(answer):
    assert check.predict(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`predict` is None"),
    ("x @ w + b", "should be a function; got a str"),
    (stub_for("2.1", "implement `predict(x, w, b)`"),
     r"^Exercise 2\.1 is yours: implement `predict\(x, w, b\)`"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda x, w, b: (x @ w + b < 0).astype(int), "every label is flipped"),     # wrong sign
    (lambda x, w, b: (x @ w - b > 0).astype(int), r"the label should be \d; yours gave \d"),
    (lambda x, w, b: (x @ w + b >= 0).astype(int), r"on the boundary.*Use `> 0`, not `>= 0`"),
    (lambda x, w, b: (x @ w > 0).astype(int), r"the label should be \d; yours gave"),  # no b
    (lambda x, w, b: np.sign(x @ w + b), "not -1 and \\+1"),
    (lambda x, w, b: x @ w + b, "forget the step"),
    (lambda x, w, b: ((x @ w + b > 0).astype(int))[:, None], r"shape \(200,\), one label"),
    (lambda x, w, b: (x @ w + b > 0).astype(int)[:-1], r"should have shape \(200,\)"),
    (lambda x, w, b: np.ones(len(x), dtype=int), "points wrong"),                 # constant
    (lambda x, w, b: np.zeros(len(x)), "points wrong"),
    (lambda x, w, b: None, "did you forget a `return`"),
    (lambda x, w, b: np.full(len(x), np.nan), "NaN or infinity"),
    (lambda x, w, b: "one", "got the text"),
])
def test_predict_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.predict(answer)


def test_predict_stub_message_names_the_exercise_once():
    with pytest.raises(ExerciseFailed) as info:
        check.predict(stub_for("2.1", "implement `predict(x, w, b)`"))
    assert str(info.value).startswith("Exercise 2.1 is yours: implement `predict(x, w, b)`.")
    assert str(info.value).count("Exercise 2.1") == 1


# Exercise 2.2: perceptron_update(w, b, x_i, y_i, lr) --------------------------------------

def update_in_place(w, b, x_i, y_i, lr):
    y_hat = 1 if np.dot(w, x_i) + b > 0 else 0
    if y_hat != y_i:
        w += lr * (y_i - y_hat) * x_i  # changes the caller's array: allowed here
        b += lr * (y_i - y_hat)
    return w, b


def update_as_list(w, b, x_i, y_i, lr):
    error = int(y_i) - int(float(x_i @ w) + b > 0)
    return [list(w + lr * error * x_i), np.float32(b + lr * error)]


def right_update(w, b, x_i, y_i, lr):
    error = y_i - int(x_i @ w + b > 0)
    return w + lr * error * x_i, b + lr * error


@pytest.mark.parametrize("answer", [right_update, update_in_place, update_as_list])
def test_update_accepts_right_answers_written_differently(answer):
    assert check.perceptron_update(answer) is True


def wrong_sign(w, b, x_i, y_i, lr):
    error = y_i - int(x_i @ w + b > 0)
    return w - lr * error * x_i, b - lr * error


def boundary_fires(w, b, x_i, y_i, lr):   # predicts 1 at score 0: off by one at the boundary
    error = y_i - int(x_i @ w + b >= 0)
    return w + lr * error * x_i, b + lr * error


def bias_without_lr(w, b, x_i, y_i, lr):
    error = y_i - int(x_i @ w + b > 0)
    return w + lr * error * x_i, b + error


def always_updates(w, b, x_i, y_i, lr):   # forgets that a right prediction changes nothing
    sign = 1 if y_i == 1 else -1
    return w + lr * sign * x_i, b + lr * sign


def returns_only_w(w, b, x_i, y_i, lr):
    return right_update(w, b, x_i, y_i, lr)[0]


def returns_w_as_column(w, b, x_i, y_i, lr):
    new_w, new_b = right_update(w, b, x_i, y_i, lr)
    return new_w[:, None], new_b


@pytest.mark.parametrize("answer, message", [
    (None, "`perceptron_update` is None"),
    (3.5, "should be a function; got a float"),
    (raises_value_error, "raised ValueError: boom"),
    (wrong_sign, r"the new w for w = \(0, 0\).*should be 1\.5, yours gave -1\.5"),
    (boundary_fires, r"should be 1\.5, yours gave 0.*At a score of exactly 0 the prediction is 0"),
    (bias_without_lr, r"the new b should be 0 for w = \(1, 2\), b = 0\.5.*yours gave -0\.5"),
    (always_updates, "correct, so nothing should change"),
    (lambda w, b, x_i, y_i, lr: (w, b), r"the new w for .*predicted 0: a mistake"),  # constant
    (returns_only_w, "should return 2 things, the new w and the new b"),
    (returns_w_as_column, r"the new w should have shape \(2,\); yours has shape \(2, 1\)"),
    (lambda w, b, x_i, y_i, lr: (w * np.nan, b), "NaN or infinity"),
    (lambda w, b, x_i, y_i, lr: None, "should return 2 things"),
])
def test_update_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.perceptron_update(answer)


def test_update_stub_is_told_the_exercise_is_theirs():
    stub = stub_for("2.2", "implement `perceptron_update(w, b, x_i, y_i, lr)`")
    with pytest.raises(ExerciseFailed,
                       match=r"^Exercise 2\.2 is yours: implement `perceptron_update"):
        check.perceptron_update(stub)


# Exercise 2.3: majority_neuron() -----------------------------------------------------------

@pytest.mark.parametrize("answer", [
    lambda: ([1, 1, 1], 2),
    lambda: (np.array([0.5, 0.5, 0.5]), np.float64(0.75)),
    lambda: ((0.1, 0.1, 0.1), 0.2),                     # 0.1 + 0.1 reaches 0.2 exactly
    lambda: ([2, 2, 2], np.array(3)),                   # a 0-d array threshold
])
def test_majority_accepts_right_answers_written_differently(answer):
    assert check.majority_neuron(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`majority_neuron` is None"),
    ([1, 1, 1], "should be a function; got a list"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda: ([-1, -1, -1], -2), r"gives 1 for the inputs \(0, 0, 0\).*a majority vote gives 0"),
    (lambda: ([1, 1], 2), r"the weights \(one per input\) should have shape \(3,\)"),
    (lambda: ([1, 1, 1], 3), r"threshold 3 .*gives 0 for the inputs \(0, 1, 1\)"),   # off by one
    (lambda: ([1, 1, 1], 1), r"gives 1 for the inputs \(0, 0, 1\).*3 of 8 rows wrong"),
    (lambda: ([0, 0, 0], 0), r"gives 1 for the inputs \(0, 0, 0\)"),                # constant
    (lambda: [1, 1, 1], "should return 2 things, \\(weights, threshold\\); yours returned 3"),
    (lambda: ([1, 1, 1], None), "the threshold is None"),
    (lambda: ([1, np.nan, 1], 2), "NaN or infinity"),
    (lambda: ("one", 2), "got the text"),
])
def test_majority_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.majority_neuron(answer)


def test_majority_stub_is_told_the_exercise_is_theirs():
    stub = stub_for("2.3", "implement `majority_neuron()`")
    with pytest.raises(ExerciseFailed, match=r"^Exercise 2\.3 is yours: implement "
                                             r"`majority_neuron\(\)`"):
        check.majority_neuron(stub)


# Exercise 2.4: xor_network() ---------------------------------------------------------------

OR_NAND_AND = ([[1, 1], [-1, -1]], [1, -1], [1, 1], 2)


@pytest.mark.parametrize("answer", [
    lambda: OR_NAND_AND,
    lambda: (np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([1.0, 1.0]),   # x1 and not x2, ...
             np.array([1.0, 1.0]), 1.0),                                   # ... OR of the two
    lambda: ([[1, 1], [1, 1], [-1, -1]], [1, 2, -1], [1, -2, 1], 2),       # three hidden neurons
])
def test_xor_network_accepts_right_answers_written_differently(answer):
    assert check.xor_network(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`xor_network` is None"),
    ("OR then AND", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda: ([[-1, -1], [1, 1]], [-1, 1], [-1, -1], -2),                  # wrong sign at the top
     r"XOR is \d \(\d of 4 rows wrong\)"),
    (lambda: ([1, 1], [1], [1], 1), r"hidden_weights should have shape \(k, 2\)"),
    (lambda: ([[1, 1], [-1, -1]], [1, -1], [1, 1], 1),                     # off by one
     r"for the inputs \(0, 0\) your hidden layer gives \(0, 1\) and the output is 1; XOR is 0"),
    (lambda: ([[0, 0], [0, 0]], [0, 0], [0, 0], 0), r"2 of 4 rows wrong"),  # constant
    (lambda: ([[1, 1], [-1, -1]], [1, -1, 0], [1, 1], 2),
     r"hidden_thresholds \(one per hidden neuron\) should have shape \(2,\)"),
    (lambda: ([[1, 1], [-1, -1]], [1, -1], [1, 1]), "should return 4 things"),
    (lambda: ([[1, -1], [1, -1]], [1, -1], [1, 1], 2), "only with hidden_weights transposed"),
    (lambda: ([[1, 1], [-1, -1]], [1, -1], [1, 1], np.nan), "NaN or infinity"),
    (lambda: None, "should return 4 things"),
])
def test_xor_network_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.xor_network(answer)


def test_xor_network_stub_is_told_the_exercise_is_theirs():
    stub = stub_for("2.4", "implement `xor_network()`")
    with pytest.raises(ExerciseFailed, match=r"^Exercise 2\.4 is yours: implement "
                                             r"`xor_network\(\)`"):
        check.xor_network(stub)
