"""Unit tests of lesson 06's checkers (Training deep networks): right answers pass, typical
wrong ones fail with a specific message, odd answers get a verdict rather than a crash."""

import math

import numpy as np
import pytest

from answers import raises_value_error, stub_for
from helpers.checks import ExerciseFailed
from helpers.checks import lesson06 as check

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")


def rejects(checker, *answers, match):
    with pytest.raises(ExerciseFailed, match=match):
        checker(*answers)


# Exercise 6.1: glorot_limit(fan_in, fan_out), he_std(fan_in) --------------------------------

def glorot(fan_in, fan_out):
    return math.sqrt(6 / (fan_in + fan_out))


def he(fan_in):
    return math.sqrt(2 / fan_in)


@pytest.mark.parametrize("glorot_answer, he_answer", [
    (glorot, he),
    (lambda i, o: np.sqrt(3.0) * np.sqrt(2.0 / (i + o)), lambda i: np.sqrt(2) / np.sqrt(i)),
    (lambda i, o: np.float32(np.sqrt(6 / (i + o))), lambda i: np.array([(2 / i) ** 0.5])),
    (lambda i, o: tf.sqrt(6.0 / float(i + o)), lambda i: tf.constant(2.0 / i) ** 0.5),
])
def test_init_scales_accepts_right_answers_written_differently(glorot_answer, he_answer):
    assert check.init_scales(glorot_answer, he_answer) is True


@pytest.mark.parametrize("glorot_answer, he_answer, message", [
    (lambda i, o: math.sqrt(2 / (i + o)), he, r"that is the \*standard deviation\*"),
    (lambda i, o: math.sqrt(6 / i), he, "used fan_in alone"),
    (lambda i, o: 6 / (i + o), he, "take its square root"),
    (lambda i, o: math.sqrt(6) / (i + o), he, "covers the whole fraction"),
    (lambda i, o: -glorot(i, o), he, r"glorot_limit should be -?0\.08\d+ for fan_in = 784"),
    (lambda i, o: math.sqrt(6 / (i + o + 1)), he, "should be 0.0841"),            # off by one
    (lambda i, o: 0.1, he, "should be 0.0841"),                                   # constant
    (lambda i, o: [glorot(i, o)] * 2, he, r"single number; got shape \(2,\)"),   # wrong shape
    (glorot, lambda i: math.sqrt(1 / i), "LeCun's choice"),
    (glorot, lambda i: 2 / i, "is the variance 2 / fan_in"),
    (glorot, lambda i: math.sqrt(6 / i), r"He's \*uniform\* variant"),
    (glorot, lambda i: math.sqrt(2) / i, "covers the whole fraction"),
    (glorot, lambda i: -he(i), "he_std should be 0.0505"),
    (glorot, lambda i: he(i + 1), "he_std should be 0.0505"),                   # off by one
    (glorot, lambda i: None, "did you forget a `return`"),
    (glorot, lambda i: "0.05", "got the text"),
    (glorot, lambda i: float("nan"), "NaN or infinity"),
])
def test_init_scales_rejects_wrong_answers_specifically(glorot_answer, he_answer, message):
    rejects(check.init_scales, glorot_answer, he_answer, match=message)


def test_init_scales_rejects_none_non_callable_and_crashes():
    rejects(check.init_scales, None, he, match="`glorot_limit` is None")
    rejects(check.init_scales, glorot, 0.05, match="`he_std` should be a function; got a float")
    rejects(check.init_scales, raises_value_error, he, match="raised ValueError: boom")
    rejects(check.init_scales, glorot, raises_value_error, match="raised ValueError: boom")


def test_init_scales_stub_says_exercise_is_yours():
    stub = stub_for("6.1", "implement glorot_limit(fan_in, fan_out) and he_std(fan_in)")
    rejects(check.init_scales, stub, he, match=r"^Exercise 6\.1 is yours")
    rejects(check.init_scales, glorot, stub, match=r"^Exercise 6\.1 is yours")


def test_init_scales_reports_keras_statistics():
    max_glorot, std_he = check._keras_statistics(784, 64)
    assert max_glorot <= glorot(784, 64) and max_glorot > 0.98 * glorot(784, 64)
    assert abs(std_he - he(784)) < 0.03 * he(784)


# Exercise 6.2: batch_norm_forward(x, gamma, beta, eps) --------------------------------------

def bn(x, gamma, beta, eps=1e-3):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta


def bn_loops(x, gamma, beta, eps):
    n, d = x.shape
    out = []
    for i in range(n):
        row = []
        for j in range(d):
            column = [float(x[k][j]) for k in range(n)]
            mean = sum(column) / n
            var = sum((v - mean) ** 2 for v in column) / n
            row.append(gamma[j] * (x[i][j] - mean) / math.sqrt(var + eps) + beta[j])
        out.append(row)
    return out


def bn_tf(x, gamma, beta, eps):
    mean, var = tf.nn.moments(tf.constant(x, tf.float32), axes=[0])
    return tf.nn.batch_normalization(tf.constant(x, tf.float32), mean, var,
                                     tf.constant(beta, tf.float32),
                                     tf.constant(gamma, tf.float32), eps)


@pytest.mark.parametrize("answer", [bn, bn_loops, bn_tf])
def test_batch_norm_forward_accepts_right_answers_written_differently(answer):
    assert check.batch_norm_forward(answer) is True


def test_reference_batch_norm_matches_keras():
    for _, x, gamma, beta, eps in check._bn_cases():
        expected = check._batch_norm(x, gamma, beta, eps)
        assert np.allclose(check._keras_batch_norm(x, gamma, beta, eps), expected, atol=1e-4)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("answer, message", [
    (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b,
     r"unbiased variance \(dividing by n − 1 = 7\)"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0)) + b,
     "did you forget to add eps"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-12) + b,
     "ignores eps"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3) + b,
     r"uses eps = 0\.001, not the `eps` it was given"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / (x.std(0) + eps) + b,
     "added eps to the standard deviation"),
    (lambda x, g, b, eps: (x - x.mean(0)) / np.sqrt(x.var(0) + eps),
     "without gamma and beta"),
    (lambda x, g, b, eps: b * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + g,
     "gamma and beta are swapped"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / (x.var(0) + eps) + b,
     "divided by the variance"),
    (lambda x, g, b, eps: g * ((x - x.mean(1, keepdims=True))
                               / np.sqrt(x.var(1, keepdims=True) + eps)) + b,
     r"normalised each example \(axis 1\)"),
    (lambda x, g, b, eps: -bn(x, g, b, eps), "is wrong at index"),                  # sign
    (lambda x, g, b, eps: bn(x, g, b, eps)[:-1], r"should have shape \(8, 5\)"),     # shape
    (lambda x, g, b, eps: bn(x, g, b, eps).T, r"should have shape \(8, 5\)"),
    (lambda x, g, b, eps: bn(x, g, b, eps) + 1, "is wrong at index"),               # off by one
    (lambda x, g, b, eps: np.zeros_like(x), "is wrong at index"),                  # constant
    (lambda x, g, b, eps: None, "did you forget a `return`"),
    (lambda x, g, b, eps: "normalised", "got the text"),
    (None, "`batch_norm_forward` is None"),
    ([1, 2, 3], "should be a function; got a list"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_batch_norm_forward_rejects_wrong_answers_specifically(answer, message):
    rejects(check.batch_norm_forward, answer, match=message)


def test_batch_norm_forward_stub_says_exercise_is_yours():
    stub = stub_for("6.2", "implement batch_norm_forward(x, gamma, beta, eps)")
    rejects(check.batch_norm_forward, stub, match=r"^Exercise 6\.2 is yours")


# Exercise 6.3: clip_by_global_norm(grads, max_norm) -----------------------------------------

def clip(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    return [g * min(1.0, max_norm / norm) if norm > 0 else g for g in grads]


def clip_tf(grads, max_norm):
    clipped, _ = tf.clip_by_global_norm([tf.constant(g) for g in grads], max_norm)
    return tuple(c.numpy() for c in clipped)


def clip_flat(grads, max_norm):
    flat = np.concatenate([np.ravel(g) for g in grads])
    scale = max_norm / max(np.linalg.norm(flat), max_norm)
    return [np.asarray(g) * scale for g in grads]


@pytest.mark.parametrize("answer", [clip, clip_tf, clip_flat])
def test_clip_by_global_norm_accepts_right_answers_written_differently(answer):
    assert check.clip_by_global_norm(answer) is True


def per_array(grads, max_norm):
    return [g * min(1.0, max_norm / np.linalg.norm(g)) if np.linalg.norm(g) > 0 else g
            for g in grads]


def always(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    return [g * max_norm / norm for g in grads]


@pytest.mark.parametrize("answer, message", [
    (per_array, "clipped each array by its own norm"),
    (lambda g, m: [x * min(1.0, m / np.linalg.norm(x)) for x in g],
     "clipped each array by its own norm"),
    (lambda g, m: [x * m / max(np.linalg.norm(x), m) for x in g],
     "clipped each array by its own norm"),
    (lambda g, m: always(g, m) if sum(np.sum(x ** 2) for x in g) > 0 else g,
     "already at most max_norm"),
    (always, "already at most max_norm"),         # also NaN on zeros; the small case comes first
    (lambda g, m: [x * m / max(sum(np.linalg.norm(y) for y in g), m) for x in g],
     "added up the arrays' norms"),
    (lambda g, m: [x * m / max(sum(np.sum(y ** 2) for y in g), m) for x in g],
     "without its square root"),
    (lambda g, m: [-x for x in clip(g, m)], "wrong sign"),
    (lambda g, m: [x * 1.01 for x in clip(g, m)], "is wrong at index"),          # off by a bit
    (lambda g, m: [np.ones_like(x) for x in g], "is wrong at index"),            # constant
    (lambda g, m: [x.ravel() for x in clip(g, m)], r"should have shape \(4, 3\)"),
    (lambda g, m: clip(g, m)[:-1], r"one array per gradient \(3\); yours returned 2"),
    (lambda g, m: np.concatenate([x.ravel() for x in clip(g, m)]), "return a list"),
    (lambda g, m: tf.clip_by_global_norm([tf.constant(x) for x in g], m),
     r"returned a pair \(clipped, norm\)"),
    (lambda g, m: None, "returned None"),
    (None, "`clip_by_global_norm` is None"),
    ("clip", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_clip_by_global_norm_rejects_wrong_answers_specifically(answer, message):
    rejects(check.clip_by_global_norm, answer, match=message)


def test_clip_by_global_norm_rejects_nan_on_zero_gradients():
    def nan_on_zero(grads, max_norm):
        norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
        with np.errstate(invalid="ignore", divide="ignore"):
            return [g * min(1.0, max_norm / norm) if norm > 0 else g / norm for g in grads]
    rejects(check.clip_by_global_norm, nan_on_zero, match="0 / 0 is NaN")


def test_clip_by_global_norm_stub_says_exercise_is_yours():
    stub = stub_for("6.3", "implement clip_by_global_norm(grads, max_norm)")
    rejects(check.clip_by_global_norm, stub, match=r"^Exercise 6\.3 is yours")


# Exercise 6.4: residual_block(x, units) -----------------------------------------------------

def block(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    h = keras.layers.Dense(units)(h)
    return keras.layers.Add()([x, h])


def block_with_operator_and_relu_layer(x, units):
    h = keras.layers.Dense(units)(x)
    h = keras.layers.ReLU()(h)
    return x + keras.layers.Dense(units, use_bias=False)(h)


@pytest.mark.parametrize("answer", [block, block_with_operator_and_relu_layer])
def test_residual_block_accepts_right_answers_written_differently(answer):
    assert check.residual_block(answer) is True


def no_skip(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    return keras.layers.Dense(units)(h)


def relu_after_add(x, units):
    return keras.layers.Activation("relu")(block(x, units))


def linear_first(x, units):
    h = keras.layers.Dense(units)(x)
    return keras.layers.Add()([x, keras.layers.Dense(units)(h)])


def relu_second(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    return keras.layers.Add()([x, keras.layers.Dense(units, activation="relu")(h)])


def concatenated(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    return keras.layers.Concatenate()([x, keras.layers.Dense(units)(h)])


def adds_hidden(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    return keras.layers.Add()([h, keras.layers.Dense(units)(h)])


def wrong_width(x, units):
    h = keras.layers.Dense(units + 1, activation="relu")(x)
    return keras.layers.Add()([x, keras.layers.Dense(units)(h)])


def one_dense(x, units):
    return keras.layers.Add()([x, keras.layers.Dense(units, activation="relu")(x)])


def new_input(x, units):
    fresh = keras.Input((units,))
    return block(fresh, units)


def subtracts(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    return keras.layers.Subtract()([x, keras.layers.Dense(units)(h)])


def doubled(x, units):
    return keras.layers.Add()([x, block(x, units)])


@pytest.mark.parametrize("answer, message", [
    (no_skip, "nothing carries x past the Dense layers"),
    (adds_hidden, "nothing carries x past the Dense layers"),
    (relu_after_add, "outputs relu"),
    (linear_first, "first Dense layer has no activation"),
    (relu_second, "second Dense layer has a ReLU"),
    (concatenated, "that is a Concatenate"),
    (wrong_width, r"should have `units` = 8 units; one of yours has 9"),
    (one_dense, "should hold two Dense layers; yours has 1"),
    (new_input, "do not create a new keras.Input"),
    (subtracts, "the block's output .* is wrong at index"),                       # wrong sign
    (doubled, "should return x itself"),                                           # 2x + F
    (lambda x, units: keras.layers.Dense(units), "returned a Dense"),
    (lambda x, units: keras.layers.Add(), "returned a Add"),
    (lambda x, units: np.zeros((1, units)), "symbolic Keras tensor"),
    (lambda x, units: None, "returned None"),
    (None, "`residual_block` is None"),
    (3, "should be a function; got a int"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_residual_block_rejects_wrong_answers_specifically(answer, message):
    rejects(check.residual_block, answer, match=message)


def test_residual_block_stub_says_exercise_is_yours():
    stub = stub_for("6.4", "implement residual_block(x, units) with keras.layers.Add")
    rejects(check.residual_block, stub, match=r"^Exercise 6\.4 is yours")
