"""Unit tests of lesson 02's checkers (The perceptron): right answers written differently pass,
realistic wrong answers fail with a specific message, odd answers get a verdict rather than a
crash, and a table of answers learned from the fixed cases fails on fresh ones (2.1, 2.2)."""


import numpy as np
import pytest
from answers import SEED_NOTE, lookup_table, raises_value_error, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson02 as check

# Exercise 2.1: predict(x, w, b) --------------------------------------------------------------

def predict_numpy(x, w, b):
    return (x @ w + b > 0).astype(int)


def predict_loop(x, w, b):
    labels = []
    for row in x:
        score = sum(float(a) * float(c) for a, c in zip(row, w)) + b
        labels.append(1 if score > 0 else 0)
    return labels


def predict_keras(x, w, b):
    from keras import ops

    scores = ops.matmul(ops.convert_to_tensor(x), ops.convert_to_tensor(w)) + b
    return ops.cast(ops.greater(scores, 0), "int32")


@pytest.mark.parametrize("answer", [
    predict_numpy,
    lambda x, w, b: np.dot(x, w) + b > 0,                          # booleans
    lambda x, w, b: np.heaviside(x @ w + b, 0.0),                  # floats, step(0) = 0
    lambda x, w, b: np.where(np.einsum("nd,d->n", x, w) > -b, 1, 0),
    predict_loop,                                                  # a Python list
    predict_keras,                                                 # a tensor
    lambda x, w, b: (x.astype(np.float32) @ w.astype(np.float32) + np.float32(b) > 0),
])
def test_predict_accepts_right_answers_written_differently(answer):
    assert check.predict(answer) is True


def test_predict_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.predict(predict_numpy) is True
        assert check.predict(predict_loop) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`predict` is None"),
    ("x @ w + b", "should be a function; got a str"),
    (stub_for("2.1", "implement `predict(x, w, b)`"),
     r"^Exercise 2\.1 is yours: implement `predict\(x, w, b\)`"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda x, w, b: (x @ w + b < 0).astype(int), "every label is the opposite"),  # wrong sign
    (lambda x, w, b: (x @ w - b > 0).astype(int), r"those of w·x − b: b has the wrong sign"),
    (lambda x, w, b: (x @ w > 0).astype(int), r"those of w·x alone: b seems to be left out"),
    (lambda x, w, b: (x @ w + b > 0.5).astype(int),                 # another threshold
     r"the score w·x \+ b is .*, so the label should be \d; yours gave \d"),
    (lambda x, w, b: np.sign(x @ w + b), "not -1 and \\+1"),
    (lambda x, w, b: x @ w + b, "These are the scores w·x \\+ b themselves"),
    (lambda x, w, b: 1 / (1 + np.exp(-(x @ w + b))), "should hold only 0s and 1s"),
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


def test_predict_rejects_label_1_exactly_on_the_boundary():
    with pytest.raises(ExerciseFailed, match=r"on the boundary, where w·x \+ b = 0 exactly \(x = "
                                             r"\(1, 1\), w = \(1, -1\), b = 0\), your label is 1; "
                                             r"the lesson's convention puts the boundary in "
                                             r"class 0"):
        check.predict(lambda x, w, b: (x @ w + b >= 0).astype(int))


@pytest.mark.parametrize("answer", [
    lambda x, w, b: ((x @ w + b > 0) & ~np.isclose(x @ w + b, 0)).astype(int),
    lambda x, w, b: (np.round(x @ w + b, 6) > 0).astype(int),
    lambda x, w, b: (x @ w + b > 1e-9).astype(int),
])
def test_predict_rejects_label_0_just_above_the_boundary(answer):
    with pytest.raises(ExerciseFailed, match=r"just above the boundary, where w·x \+ b = "
                                             r"9\.31e-10 \(x = \(9\.31322574615478\d*e-10, 0\), "
                                             r"w = \(1, 1\), b = 0\), your label is 0; the label "
                                             r"should be 1"):
        check.predict(answer)


def test_predict_rejects_an_answer_that_changes_x_or_w_in_place():
    def normalises_w(x, w, b):
        norm = np.linalg.norm(w)
        w /= norm                               # the caller's w changes
        return predict_numpy(x, w, b / norm)    # the signs of the scores do not

    with pytest.raises(ExerciseFailed, match=r"changed its input `w` in place"):
        check.predict(normalises_w)

    def zeroes_a_column(x, w, b):
        out = predict_numpy(x, w, b)
        x[:, 0] = 0
        return out

    with pytest.raises(ExerciseFailed, match=r"changed its input `x` in place \(entry \[0, 0\]"):
        check.predict(zeroes_a_column)


def test_predict_rejects_scikit_learns_perceptron():
    def with_sklearn(x, w, b):
        from sklearn.linear_model import Perceptron

        model = Perceptron()
        model.coef_, model.intercept_ = np.atleast_2d(w), np.atleast_1d(b)
        model.classes_ = np.array([0, 1])
        return model.predict(x)

    with pytest.raises(ExerciseFailed, match=r"your answer uses `[\w.]*Perceptron`, the "
                                             r"library's own version"):
        check.predict(with_sklearn)


def test_predict_rejects_a_table_of_the_fixed_cases_on_drawn_points():
    lookup = lookup_table(check.predict, predict_numpy,
                          lambda x, w, b: 1 - predict_numpy(x, w, b))
    with pytest.raises(ExerciseFailed, match=r"(every label is the opposite|1 of 1 points "
                                             r"wrong).*" + SEED_NOTE):
        check.predict(lookup)


def test_predict_stub_message_names_the_exercise_once():
    with pytest.raises(ExerciseFailed) as info:
        check.predict(stub_for("2.1", "implement `predict(x, w, b)`"))
    assert str(info.value).startswith("Exercise 2.1 is yours: implement `predict(x, w, b)`.")
    assert str(info.value).count("Exercise 2.1") == 1


# Exercise 2.2: perceptron_update(w, b, x_i, y_i, lr) --------------------------------------

def update_in_place(w, b, x_i, y_i, lr):
    y_hat = 1 if np.dot(w, x_i) + b > 0 else 0
    if y_hat != y_i:
        w += lr * (y_i - y_hat) * x_i  # changes the caller's array: a training loop that kept
        b += lr * (y_i - y_hat)        # the old w would see it change
    return w, b


def update_as_list(w, b, x_i, y_i, lr):
    error = int(y_i) - int(float(x_i @ w) + b > 0)
    return [list(w + lr * error * x_i), np.float32(b + lr * error)]


def right_update(w, b, x_i, y_i, lr):
    error = y_i - int(x_i @ w + b > 0)
    return w + lr * error * x_i, b + lr * error


def update_on_a_copy(w, b, x_i, y_i, lr):
    w = w.copy()
    if (1 if np.dot(w, x_i) + b > 0 else 0) != y_i:
        sign = 1 if y_i == 1 else -1
        w += lr * sign * x_i
        b = b + lr * sign
    return w, b


def update_keras(w, b, x_i, y_i, lr):
    from keras import ops

    y_hat = ops.cast(ops.sum(w * x_i) + b > 0, "float64")
    error = float(y_i) - y_hat
    return w + lr * error * x_i, b + lr * error


@pytest.mark.parametrize("answer", [right_update, update_as_list, update_on_a_copy,
                                    update_keras])
def test_update_accepts_right_answers_written_differently(answer):
    assert check.perceptron_update(answer) is True


def test_update_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.perceptron_update(right_update) is True
        assert check.perceptron_update(update_on_a_copy) is True


def wrong_sign(w, b, x_i, y_i, lr):
    error = y_i - int(x_i @ w + b > 0)
    return w - lr * error * x_i, b - lr * error


def boundary_fires(w, b, x_i, y_i, lr):   # predicts 1 at score 0: off by one at the boundary
    error = y_i - int(x_i @ w + b >= 0)
    return w + lr * error * x_i, b + lr * error


def tiny_score_is_zero(w, b, x_i, y_i, lr):   # rounds the score before the step
    error = y_i - int(round(float(x_i @ w + b), 6) > 0)
    return w + lr * error * x_i, b + lr * error


def bias_without_lr(w, b, x_i, y_i, lr):
    error = y_i - int(x_i @ w + b > 0)
    return w + lr * error * x_i, b + error


def always_updates(w, b, x_i, y_i, lr):   # forgets that a right prediction changes nothing
    sign = 1 if y_i == 1 else -1
    return w + lr * sign * x_i, b + lr * sign


def delta_rule(w, b, x_i, y_i, lr):       # the error of the raw score, not of the label
    error = y_i - (x_i @ w + b)
    return w + lr * error * x_i, b + lr * error


def forgets_lr(w, b, x_i, y_i, lr):
    error = y_i - int(x_i @ w + b > 0)
    return w + error * x_i, b + error


def returns_only_w(w, b, x_i, y_i, lr):
    return right_update(w, b, x_i, y_i, lr)[0]


def returns_w_as_column(w, b, x_i, y_i, lr):
    new_w, new_b = right_update(w, b, x_i, y_i, lr)
    return new_w[:, None], new_b


@pytest.mark.parametrize("answer, message", [
    (None, "`perceptron_update` is None"),
    (3.5, "should be a function; got a float"),
    (raises_value_error, "raised ValueError: boom"),
    (wrong_sign, r"the new w for w = \(0, 0\).*should be 1\.5, yours gave -1\.5.*Your step "
                 r"goes the wrong way"),
    (boundary_fires, r"should be 1\.5, yours gave 0.*At a score of exactly 0 the prediction is 0"),
    (tiny_score_is_zero, r"the new b should be -1 for w = \(1\), b = 0, x_i = "
                         r"\(9\.313225746154785e-10\).*yours gave 0\. At a score of 9\.31e-10, "
                         r"just above 0, the prediction is 1"),
    (bias_without_lr, r"the new b should be 0 for w = \(1, 2\), b = 0\.5.*yours gave -0\.5"),
    (forgets_lr, r"the new w for w = \(1, 2\), b = 0\.5, x_i = \(1, 1\), y_i = 0, lr = 0\.5 "
                 r".*should be 0\.5, yours gave 0"),
    (always_updates, "correct, so nothing should change"),
    (delta_rule, r"the new w for w = \(1, 2\), b = 0\.5, x_i = \(1, 1\), y_i = 0, lr = 0\.5 "
                 r"\(score 3\.5, predicted 1: a mistake\) is wrong at index \(0,\): it should be "
                 r"0\.5, yours gave -0\.75"),
    (lambda w, b, x_i, y_i, lr: (w, b), r"the new w for .*predicted 0: a mistake"),  # constant
    (returns_only_w, "should return 2 things, the new w and the new b"),
    (returns_w_as_column, r"the new w should have shape \(2,\); yours has shape \(2, 1\)"),
    (lambda w, b, x_i, y_i, lr: (w * np.nan, b), "NaN or infinity"),
    (lambda w, b, x_i, y_i, lr: None, "should return 2 things"),
])
def test_update_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.perceptron_update(answer)


def test_update_rejects_changing_w_in_place_which_a_training_loop_would_see():
    with pytest.raises(ExerciseFailed, match=r"`perceptron_update` changed its input `w` in place "
                                             r"\(entry \[0\] was 0, is now 1\.5\)"):
        check.perceptron_update(update_in_place)


def test_update_rejects_changing_x_i_in_place():
    def scales_x(w, b, x_i, y_i, lr):
        error = y_i - int(x_i @ w + b > 0)
        x_i *= lr * error
        return w + x_i, b + lr * error

    with pytest.raises(ExerciseFailed, match=r"changed its input `x_i` in place"):
        check.perceptron_update(scales_x)


def test_update_rejects_scikit_learns_perceptron():
    def with_sklearn(w, b, x_i, y_i, lr):
        from sklearn.linear_model import Perceptron

        model = Perceptron(eta0=lr)
        model.partial_fit(x_i[None], [y_i], classes=[0, 1])
        return model.coef_[0], model.intercept_[0]

    with pytest.raises(ExerciseFailed, match=r"your answer uses `[\w.]*Perceptron`"):
        check.perceptron_update(with_sklearn)


def test_update_rejects_a_table_of_the_fixed_cases_on_drawn_cases():
    lookup = lookup_table(check.perceptron_update, right_update,
                          lambda w, b, x_i, y_i, lr: (w + 1.0, b))
    with pytest.raises(ExerciseFailed, match=r"the new w for .*is wrong at index.*" + SEED_NOTE):
        check.perceptron_update(lookup)


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
