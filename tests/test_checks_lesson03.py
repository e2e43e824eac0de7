"""Unit tests of lesson 03's checkers: right answers pass, typical wrong ones are rejected."""

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.checks import lesson03 as check


def rejects(checker, answer, match):
    with pytest.raises(ExerciseFailed, match=match):
        checker(answer)


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise is yours")


def raises(*args, **kwargs):
    raise ValueError("oops")


# References the tests build wrong answers from ------------------------------------------------

def sig(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def onehot(y, k):
    return np.eye(k)[y]


def centred(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def test_reference_softmax_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    logits, y = rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    numeric = centred(lambda v: check._mean_cross_entropy(v, y), logits)
    exact = (check._softmax(logits) - onehot(y, 3)) / 4
    assert check._relative_error(exact, numeric) < 1e-8


# 3.1 sigmoid_backward --------------------------------------------------------------------------

def test_sigmoid_backward_accepts_plain_numpy():
    assert check.sigmoid_backward(lambda z, up: up * sig(z) * (1 - sig(z))) is True


def test_sigmoid_backward_accepts_tanh_form_and_tensorflow():
    tf = pytest.importorskip("tensorflow")

    def via_tanh(z, upstream):
        s = 0.5 * (1 + np.tanh(z / 2))
        return [list(row) if np.ndim(row) else row for row in upstream * s * (1 - s)]

    def via_tf(z, upstream):
        s = tf.sigmoid(tf.constant(z))
        return upstream * s * (1 - s)

    assert check.sigmoid_backward(via_tanh) is True
    assert check.sigmoid_backward(via_tf) is True


def test_sigmoid_backward_rejects_wrong_sign():
    rejects(check.sigmoid_backward, lambda z, up: -up * sig(z) * (1 - sig(z)), "wrong sign")


def test_sigmoid_backward_rejects_missing_upstream():
    rejects(check.sigmoid_backward, lambda z, up: sig(z) * (1 - sig(z)), "multiply it by")


def test_sigmoid_backward_rejects_z_used_as_sigmoid_output():
    rejects(check.sigmoid_backward, lambda z, up: up * z * (1 - z), r"z\(1 − z\)")


def test_sigmoid_backward_rejects_off_by_one_derivative():
    rejects(check.sigmoid_backward, lambda z, up: up * sig(z) * (2 - sig(z)), "is wrong at index")


def test_sigmoid_backward_rejects_wrong_shape():
    rejects(check.sigmoid_backward, lambda z, up: np.sum(up * sig(z) * (1 - sig(z))),
            r"should have shape \(7,\)")


def test_sigmoid_backward_rejects_constant():
    rejects(check.sigmoid_backward, lambda z, up: np.full(np.shape(z), 0.25), "is wrong at index")


def test_sigmoid_backward_rejects_exception_none_and_non_callable():
    rejects(check.sigmoid_backward, raises, "raised ValueError: oops")
    rejects(check.sigmoid_backward, lambda z, up: None, "None")
    rejects(check.sigmoid_backward, None, "is None")
    rejects(check.sigmoid_backward, "s * (1 - s)", "should be a function")


def test_sigmoid_backward_rejects_nan():
    rejects(check.sigmoid_backward, lambda z, up: up * np.nan, "NaN")


def test_sigmoid_backward_stub_says_exercise_is_yours():
    rejects(check.sigmoid_backward, stub, "Exercise 3.1 is yours")


# 3.2 dense_backward ----------------------------------------------------------------------------

def dense_right(x, w, up):
    return up @ w.T, x.T @ up, up.sum(axis=0)


def test_dense_backward_accepts_right_answers_written_differently():
    assert check.dense_backward(dense_right) is True

    def with_einsum(x, w, upstream):
        dx = np.einsum("nk,dk->nd", upstream, w)
        dw = np.einsum("nd,nk->dk", x, upstream)
        return [dx.tolist(), dw, np.ones(len(x)) @ upstream]

    assert check.dense_backward(with_einsum) is True


def test_dense_backward_rejects_transposed_dw():
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, up.T @ x, up.sum(0)),
            "transposed")


def test_dense_backward_rejects_db_summed_over_wrong_axis():
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, x.T @ up, up.sum(1)),
            "sum upstream over the batch, axis 0")


def test_dense_backward_rejects_db_with_keepdims():
    rejects(check.dense_backward,
            lambda x, w, up: (up @ w.T, x.T @ up, up.sum(0, keepdims=True)), "drop keepdims")


def test_dense_backward_rejects_mean_instead_of_sum():
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, x.T @ up, up.mean(0)),
            "should be the sum")
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, x.T @ up / len(x), up.sum(0)),
            "divided by n")


def test_dense_backward_rejects_wrong_sign():
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, -(x.T @ up), up.sum(0)),
            "dw has the wrong sign")
    rejects(check.dense_backward, lambda x, w, up: (-(up @ w.T), x.T @ up, up.sum(0)),
            "dx has the wrong sign")


def test_dense_backward_rejects_wrong_dx_shape():
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T @ w, x.T @ up, up.sum(0)),
            r"dx for x \(5, 4\).*should have shape \(5, 4\)")


def test_dense_backward_rejects_off_by_one_batch_divisor():
    rejects(check.dense_backward,
            lambda x, w, up: (up @ w.T, x.T @ up, up.sum(0) * len(x) / (len(x) + 1)),
            "db.* is wrong at index")


def test_dense_backward_rejects_constant_and_wrong_count():
    rejects(check.dense_backward,
            lambda x, w, up: (np.zeros_like(x), np.zeros_like(w), np.zeros(w.shape[1])),
            "dx.* is wrong at index")
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, x.T @ up),
            r"should return three arrays \(dx, dw, db\)")


def test_dense_backward_rejects_exception_none_and_non_callable():
    rejects(check.dense_backward, raises, "raised ValueError")
    rejects(check.dense_backward, lambda x, w, up: None, "returned None")
    rejects(check.dense_backward, None, "is None")
    rejects(check.dense_backward, 42, "should be a function")


def test_dense_backward_stub_says_exercise_is_yours():
    rejects(check.dense_backward, stub, "Exercise 3.2 is yours")


# 3.3 softmax_cross_entropy_grad ----------------------------------------------------------------

def softmax_grad_right(logits, y):
    n, k = logits.shape
    return (softmax(logits) - onehot(y, k)) / n


def test_softmax_grad_accepts_right_answers_written_differently():
    assert check.softmax_cross_entropy_grad(softmax_grad_right) is True

    def in_place(logits, y):
        p = np.exp(logits - logits.max(axis=1)[:, None])
        p /= p.sum(axis=1)[:, None]
        p[np.arange(len(y)), y] -= 1.0
        return (p / len(y)).astype("float32")

    assert check.softmax_cross_entropy_grad(in_place) is True


def test_softmax_grad_accepts_keras_ops():
    keras = pytest.importorskip("keras")

    def with_keras(logits, y):
        probs = keras.ops.softmax(keras.ops.convert_to_tensor(logits), axis=-1)
        return (keras.ops.convert_to_numpy(probs) - np.eye(logits.shape[1])[y]) / len(y)

    assert check.softmax_cross_entropy_grad(with_keras) is True


def test_softmax_grad_rejects_missing_mean():
    rejects(check.softmax_cross_entropy_grad,
            lambda z, y: softmax(z) - onehot(y, z.shape[1]), "divide by n")


def test_softmax_grad_rejects_off_by_one_divisor():
    rejects(check.softmax_cross_entropy_grad,
            lambda z, y: (softmax(z) - onehot(y, z.shape[1])) / (len(y) - 1), "divided by n − 1")


def test_softmax_grad_rejects_wrong_sign():
    rejects(check.softmax_cross_entropy_grad,
            lambda z, y: (onehot(y, z.shape[1]) - softmax(z)) / len(y), "wrong sign")


def test_softmax_grad_rejects_missing_one_hot():
    rejects(check.softmax_cross_entropy_grad, lambda z, y: softmax(z) / len(y),
            "subtract 1 at each row's true class")


def test_softmax_grad_rejects_unstable_softmax():
    def naive(z, y):
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(z)
            return (e / e.sum(axis=1, keepdims=True) - onehot(y, z.shape[1])) / len(y)

    rejects(check.softmax_cross_entropy_grad, naive, "Subtract each row's maximum")


def test_softmax_grad_rejects_wrong_shape_and_constant():
    rejects(check.softmax_cross_entropy_grad, lambda z, y: softmax_grad_right(z, y).T,
            r"should have shape \(6, 3\)")
    rejects(check.softmax_cross_entropy_grad, lambda z, y: np.zeros_like(z), "is wrong at index")


def test_softmax_grad_rejects_exception_none_and_non_callable():
    rejects(check.softmax_cross_entropy_grad, raises, "raised ValueError")
    rejects(check.softmax_cross_entropy_grad, lambda z, y: None, "forget a `return`")
    rejects(check.softmax_cross_entropy_grad, None, "is None")
    rejects(check.softmax_cross_entropy_grad, lambda z, y: "grad", "should be numbers")


def test_softmax_grad_stub_says_exercise_is_yours():
    rejects(check.softmax_cross_entropy_grad, stub, "Exercise 3.3 is yours")


# 3.4 numerical_gradient ------------------------------------------------------------------------

def test_numerical_gradient_accepts_right_answers_written_differently():
    assert check.numerical_gradient(centred) is True

    def in_place_with_flat_index(f, x, h=1e-5):
        grad = np.zeros(x.size)
        flat = x.reshape(-1)                  # a view: nudges show in x itself
        for j in range(x.size):
            flat[j] += h
            up = f(x)
            flat[j] -= 2 * h
            down = f(x)
            flat[j] += h                      # back, up to rounding
            grad[j] = (up - down) / (2 * h)
        return grad.reshape(x.shape).tolist()

    assert check.numerical_gradient(in_place_with_flat_index) is True


def test_numerical_gradient_rejects_one_sided_difference():
    def forward_difference(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            up = x.copy()
            up[i] += h
            grad[i] = (f(up) - f(x)) / h
        return grad

    rejects(check.numerical_gradient, forward_difference, "one-sided difference")


def test_numerical_gradient_rejects_dividing_by_h():
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: 2 * centred(f, x, h), "twice too large")


def test_numerical_gradient_rejects_wrong_sign():
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: -centred(f, x, h), "wrong sign")


def test_numerical_gradient_rejects_skipping_the_last_entry():
    def off_by_one(f, x, h=1e-5):
        x = np.array(x, dtype=float)
        grad = np.zeros_like(x)
        flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
        for j in range(x.size - 1):
            old = flat_x[j]
            flat_x[j] = old + h
            up = f(x)
            flat_x[j] = old - h
            down = f(x)
            flat_x[j] = old
            flat_g[j] = (up - down) / (2 * h)
        return grad

    rejects(check.numerical_gradient, off_by_one, r"wrong at index \(2, 3\)")


def test_numerical_gradient_rejects_not_restoring_x():
    def forgets_to_restore(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x[i] += h
            up = f(x)
            x[i] -= 2 * h
            grad[i] = (up - f(x)) / (2 * h)
        return grad

    rejects(check.numerical_gradient, forgets_to_restore, "put its original value back")


def test_numerical_gradient_rejects_wrong_shape_and_constant():
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: centred(f, x, h).ravel(),
            r"should have shape \(3, 4\)")
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: np.ones_like(x), "is wrong at index")


def test_numerical_gradient_rejects_exception_none_and_non_callable():
    rejects(check.numerical_gradient, raises, "raised ValueError")
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: None, "forget a `return`")
    rejects(check.numerical_gradient, None, "is None")
    rejects(check.numerical_gradient, [1, 2], "should be a function")


def test_numerical_gradient_stub_says_exercise_is_yours():
    rejects(check.numerical_gradient, stub, "Exercise 3.4 is yours")
