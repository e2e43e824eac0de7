"""Unit tests of lesson 02's checkers (The perceptron): right answers written differently pass,
realistic wrong answers fail with a specific message, odd answers get a verdict rather than a
crash, answers that change their inputs are told so, and a table of answers learned from the
fixed cases fails on fresh ones (2.1 the margin of a line, 2.2 the averaged perceptron)."""


import numpy as np
import pytest
from answers import SEED_NOTE, lookup_table, raises_value_error, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson02 as check

# Exercise 2.1: margin(x, y, w, b) -----------------------------------------------------------

def margin_numpy(x, y, w, b):
    signs = np.where(np.asarray(y) == 1, 1.0, -1.0)
    return float(np.min(signs * (x @ w + b)) / np.linalg.norm(w))


def margin_loop(x, y, w, b):
    length = sum(float(v) ** 2 for v in w) ** 0.5
    best = None
    for row, label in zip(x, y):
        score = sum(float(a) * float(c) for a, c in zip(row, w)) + float(b)
        d = (score if label == 1 else -score) / length
        best = d if best is None else min(best, d)
    return best


def margin_keras(x, y, w, b):
    from keras import ops

    signs = 2.0 * ops.convert_to_tensor(np.asarray(y, dtype="float64")) - 1.0
    scores = ops.matmul(ops.convert_to_tensor(np.asarray(x, dtype="float64")),
                        ops.convert_to_tensor(np.asarray(w, dtype="float64"))) + float(b)
    return ops.min(signs * scores) / ops.norm(ops.convert_to_tensor(np.asarray(w, "float64")))


@pytest.mark.parametrize("answer", [
    margin_numpy,
    margin_loop,                                                   # pure Python
    margin_keras,                                                  # a tensor
    lambda x, y, w, b: np.array([margin_numpy(x, y, w, b)]),       # a one-element array
    lambda x, y, w, b: np.min((2 * y - 1) * (x @ w + b) / np.sqrt(w @ w)),
    lambda x, y, w, b: np.float32(margin_numpy(x.astype(np.float32), y, w.astype(np.float32),
                                               np.float32(b))),
])
def test_margin_accepts_right_answers_written_differently(answer):
    assert check.margin(answer) is True


def test_margin_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.margin(margin_numpy) is True
        assert check.margin(margin_loop) is True


def signs(y):
    return np.where(np.asarray(y) == 1, 1.0, -1.0)


@pytest.mark.parametrize("answer, message", [
    (None, "`margin` is None"),
    ("w·x + b", "should be a function; got a str"),
    (stub_for("2.1", "implement `margin(x, y, w, b)`"),
     r"^Exercise 2\.1 is yours: implement `margin\(x, y, w, b\)`"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda x, y, w, b: np.min(signs(y) * (x @ w + b)),                       # not normalised
     "not divided by the length of w"),
    (lambda x, y, w, b: np.min(signs(y) * (x @ w + b)) / np.linalg.norm(np.append(w, b)),
     r"divided by the length of \(w, b\), as in Novikoff's bound"),           # Novikoff's γ
    (lambda x, y, w, b: np.min(np.abs(x @ w + b)) / np.linalg.norm(w),         # unsigned
     "a point on the wrong side should count as negative"),
    (lambda x, y, w, b: np.min(y * (x @ w + b)) / np.linalg.norm(w),           # labels 0/1
     "multiplies by the labels 0 and 1 as they are"),
    (lambda x, y, w, b: -np.max(signs(y) * (x @ w + b)) / np.linalg.norm(w),   # wrong sign
     "your margin has the wrong sign"),
    (lambda x, y, w, b: np.max(signs(y) * (x @ w + b)) / np.linalg.norm(w),    # max, not min
     "your margin is the largest distance"),
    (lambda x, y, w, b: np.mean(signs(y) * (x @ w + b)) / np.linalg.norm(w),   # the mean
     "your margin is the mean distance"),
    (lambda x, y, w, b: np.min(signs(y) * (x @ w - b)) / np.linalg.norm(w),    # b's sign
     r"margin\(x, y, w, b\) should be 1\.06066 for x of shape \(4, 2\).*yours gave -1\.76777"),
    (lambda x, y, w, b: signs(y) * (x @ w + b) / np.linalg.norm(w),            # all distances
     r"should be a single number; got shape \(4,\)"),
    (lambda x, y, w, b: 0.25, r"should be 1\.06066 .*yours gave 0\.25"),       # constant
    (lambda x, y, w, b: None, "did you forget a `return`"),
    (lambda x, y, w, b: np.nan, "NaN or infinity"),
    (lambda x, y, w, b: "wide", "got the text"),
])
def test_margin_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.margin(answer)


def test_margin_rejects_an_answer_that_normalises_w_in_place():
    def normalises_w(x, y, w, b):
        norm = np.linalg.norm(w)
        w /= norm                               # the caller's w changes
        return float(np.min(signs(y) * (x @ w + b / norm)))

    with pytest.raises(ExerciseFailed, match=r"changed its input `w` in place"):
        check.margin(normalises_w)


def test_margin_rejects_an_answer_that_turns_the_labels_into_signs_in_place():
    def relabels(x, y, w, b):
        y[y == 0] = -1                          # the caller's labels change
        return margin_numpy(x, y, w, b)

    with pytest.raises(ExerciseFailed, match=r"changed its input `y` in place"):
        check.margin(relabels)


def test_margin_rejects_a_table_of_the_fixed_cases_on_drawn_points():
    lookup = lookup_table(check.margin, margin_numpy, lambda x, y, w, b: 0.0)
    with pytest.raises(ExerciseFailed, match=r"should be .*yours gave 0.*" + SEED_NOTE):
        check.margin(lookup)


# Exercise 2.2: averaged_perceptron(x, y, epochs) ------------------------------------------

def averaged_right(x, y, epochs):
    w, b = np.zeros(x.shape[1]), 0.0
    w_sum, b_sum = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        for x_i, y_i in zip(x, y):
            error = int(y_i) - int(x_i @ w + b > 0)
            w, b = w + error * x_i, b + error
            w_sum, b_sum = w_sum + w, b_sum + b
    visits = epochs * len(x)
    return w_sum / visits, b_sum / visits


def averaged_lazy(x, y, epochs):
    """The usual trick: sum c·update, where c counts the visits still to come."""
    n, d = x.shape
    w, b = np.zeros(d), 0.0
    w_total, b_total = np.zeros(d), 0.0
    left = n * epochs
    for _ in range(epochs):
        for i in range(n):
            y_hat = 1 if float(np.dot(x[i], w)) + b > 0 else 0
            if y_hat != y[i]:
                step = int(y[i]) - y_hat
                w = w + step * x[i]
                b = b + step
                w_total = w_total + left * step * x[i]
                b_total = b_total + left * step
            left -= 1
    return list(w_total / (n * epochs)), np.float32(b_total / (n * epochs))


def averaged_augmented(x, y, epochs):
    """(w, b) as one vector, x with a column of ones; the history kept and averaged at the end."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    wb = np.zeros(x1.shape[1])
    history = []
    for _ in range(epochs):
        for x_i, y_i in zip(x1, y):
            wb = wb + (y_i - (x_i @ wb > 0)) * x_i
            history.append(wb)
    mean = np.mean(history, axis=0)
    return mean[:-1], mean[-1]


@pytest.mark.parametrize("answer", [averaged_right, averaged_lazy, averaged_augmented])
def test_averaged_accepts_right_answers_written_differently(answer):
    assert check.averaged_perceptron(answer) is True


def test_averaged_passes_right_answers_on_many_fresh_draws():
    for _ in range(10):
        assert check.averaged_perceptron(averaged_right) is True
        assert check.averaged_perceptron(averaged_lazy) is True


def slip(**options):
    """An answer that makes one of the known slips (see lesson02._averaged)."""
    def answer(x, y, epochs):
        average, _ = check._averaged(x, y, epochs, **options)
        return average[:-1], average[-1]
    return answer


def last_line(x, y, epochs):
    _, last = check._averaged(x, y, epochs)
    return last[:-1], last[-1]


def averaged_from_one(x, y, epochs):   # divides by n·epochs − 1: off by one
    w_avg, b_avg = averaged_right(x, y, epochs)
    visits = epochs * len(x)
    return w_avg * visits / max(visits - 1, 1), b_avg * visits / max(visits - 1, 1)


def averaged_wrong_step_sign(x, y, epochs):
    w, b = np.zeros(x.shape[1]), 0.0
    w_sum, b_sum = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        for x_i, y_i in zip(x, y):
            error = int(y_i) - int(x_i @ w + b > 0)
            w, b = w - error * x_i, b - error
            w_sum, b_sum = w_sum + w, b_sum + b
    return w_sum / (epochs * len(x)), b_sum / (epochs * len(x))


@pytest.mark.parametrize("answer, message", [
    (None, "`averaged_perceptron` is None"),
    (3, "should be a function; got a int"),
    (stub_for("2.2", "implement `averaged_perceptron(x, y, epochs)`"),
     r"^Exercise 2\.2 is yours: implement `averaged_perceptron"),
    (raises_value_error, "raised ValueError: boom"),
    (last_line, r"epochs = 20, your result is the last \(w, b\)"),
    (slip(over="updates"), "the average over the updates only"),
    (slip(over="epochs"), r"the average of the \(w, b\) at the end of each epoch"),
    (slip(over="with_start"), r"counts the starting \(0, 0\) as one more term"),
    (slip(over="sum"), "the sum over the visits, not divided"),
    (slip(when="before"), r"take \(w, b\) before each visit's update"),
    (slip(early_stop=True), r"x of shape \(30, 2\).*stops after an epoch without mistakes"),
    (slip(tie=1), "predicts 1 at a score of exactly 0"),
    (averaged_from_one, r"the averaged w for x of shape \(4, 2\).*is wrong at index \(0,\): "
                        r"it should be -0\.725, yours gave -0\.734"),
    (averaged_wrong_step_sign, r"the averaged w for x of shape \(4, 2\).*is wrong at index"),
    (lambda x, y, epochs: averaged_right(x, y, epochs)[0], "should return 2 things"),
    (lambda x, y, epochs: (averaged_right(x, y, epochs)[0][:, None], 0.0),
     r"the averaged w for .* should have shape \(2,\); yours has shape \(2, 1\)"),
    (lambda x, y, epochs: (np.full(x.shape[1], np.nan), 0.0), "NaN or infinity"),
    (lambda x, y, epochs: None, "should return 2 things"),
])
def test_averaged_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.averaged_perceptron(answer)


def test_averaged_rejects_changing_x_in_place():
    def appends_ones(x, y, epochs):
        w_avg, b_avg = averaged_right(x, y, epochs)
        x[:, 0] = x[:, 0] * 1.0 + 1.0           # "centres" the caller's data afterwards
        return w_avg, b_avg

    with pytest.raises(ExerciseFailed, match=r"changed its input `x` in place"):
        check.averaged_perceptron(appends_ones)


def test_averaged_rejects_scikit_learns_perceptron():
    def with_sklearn(x, y, epochs):
        from sklearn.linear_model import Perceptron

        model = Perceptron(eta0=1.0, shuffle=False, tol=None, max_iter=epochs).fit(x, y)
        return model.coef_[0], model.intercept_[0]

    with pytest.raises(ExerciseFailed, match=r"your answer uses `[\w.]*Perceptron`"):
        check.averaged_perceptron(with_sklearn)


def test_averaged_rejects_a_table_of_the_fixed_cases_on_drawn_data():
    lookup = lookup_table(check.averaged_perceptron, averaged_right, last_line)
    with pytest.raises(ExerciseFailed, match=r"(your result is the last|is wrong at index).*"
                                             + SEED_NOTE):
        check.averaged_perceptron(lookup)


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
