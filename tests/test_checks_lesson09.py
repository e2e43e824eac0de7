"""Unit tests of lesson 09's checkers (Recurrent networks): right answers written differently
pass; realistic wrong answers (the wrong scale, errors that cancel, the GRU's gates swapped or
reset in the wrong place, a model that cannot reach the target) fail with a specific message;
odd answers get a verdict rather than a crash."""

import numpy as np
import pytest
from answers import lookup_table, raises_value_error, rejects

from helpers.checks import lesson09 as check
from helpers.startup import import_keras, import_tensorflow

keras = import_keras()
tf = import_tensorflow()


# Exercise 9.1: mase(actual, forecast, history, season) ------------------------------------------

def mase_vectorised(actual, forecast, history, season):
    actual, forecast, history = (np.asarray(a, dtype=float) for a in (actual, forecast, history))
    return np.mean(np.abs(actual - forecast)) / np.mean(np.abs(history[season:] -
                                                              history[:-season]))


def mase_loops(actual, forecast, history, season):
    errors = [abs(a - f) for a, f in zip(np.ravel(actual), np.ravel(forecast))]
    naive = [abs(history[t] - history[t - season]) for t in range(season, len(history))]
    return sum(errors) / len(errors) / (sum(naive) / len(naive))


def mase_with_diff(actual, forecast, history, season):
    scale = np.abs(np.asarray(history, dtype=np.float32)[season:] -
                   np.asarray(history, dtype=np.float32)[:-season]).mean()
    return np.float32(np.abs(np.subtract(actual, forecast)).mean() / scale)


@pytest.mark.parametrize("answer", [
    mase_vectorised,
    mase_loops,
    mase_with_diff,                                                         # float32
    lambda a, f, h, s: np.array([mase_vectorised(a, f, h, s)]),              # a 1-element array
])
def test_mase_accepts_right_answers_written_differently(answer):
    assert check.mase(answer) is True


def mase_scaled_by_actual(actual, forecast, history, season):
    flat = np.ravel(actual).astype(float)
    return np.mean(np.abs(np.subtract(actual, forecast))) / np.mean(np.abs(flat[season:] -
                                                                           flat[:-season]))


def mase_lag_one(actual, forecast, history, season):
    return np.mean(np.abs(np.subtract(actual, forecast))) / np.mean(np.abs(np.diff(history)))


def mase_signed(actual, forecast, history, season):
    history = np.asarray(history, dtype=float)
    return np.mean(np.subtract(actual, forecast)) / np.mean(np.abs(history[season:] -
                                                                   history[:-season]))


def mase_squared(actual, forecast, history, season):
    history = np.asarray(history, dtype=float)
    return np.mean(np.subtract(actual, forecast) ** 2) / np.mean((history[season:] -
                                                                  history[:-season]) ** 2)


def mase_upside_down(actual, forecast, history, season):
    return 1 / mase_vectorised(actual, forecast, history, season)


def mase_per_row(actual, forecast, history, season):
    history = np.asarray(history, dtype=float)
    scale = np.mean(np.abs(history[season:] - history[:-season]))
    return np.abs(np.subtract(actual, forecast)) / scale


def mase_in_place(actual, forecast, history, season):
    history -= history.mean()                   # "centre" the history, in place
    return mase_vectorised(actual, forecast, history, season)


@pytest.mark.parametrize("answer, message", [
    (None, "`mase` is None"),
    ("mase", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
    (mase_scaled_by_actual, "your scale comes from the actual values"),
    (mase_lag_one, "steps of 1 whatever the season"),
    (mase_signed, "your errors cancel out"),
    (mase_squared, "mean squared errors"),
    (mase_upside_down, "upside down"),
    (mase_per_row, "should return one number"),
    (mase_in_place, "changed its input `history` in place"),
    (lambda a, f, h, s: None, "did you forget a `return`"),
    (lambda a, f, h, s: 1.0, "should be"),
])
def test_mase_rejects_wrong_answers_specifically(answer, message):
    rejects(check.mase, answer, match=message)


def test_mase_rejects_a_table_of_earlier_cases():
    lookup = lookup_table(check.mase, mase_vectorised, fallback=lambda *args: 0.5)
    message = rejects(check.mase, lookup, match="random case")
    assert "seed" in message


# Exercise 9.2: gru_step(x, h, kernel, recurrent_kernel, bias) -------------------------------------

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def gru_slices(x, h, kernel, recurrent_kernel, bias):
    units = h.shape[1]
    kz, kr, kh = np.split(kernel, 3, axis=1)
    uz, ur, uh = np.split(recurrent_kernel, 3, axis=1)
    bz, br, bh = np.split(bias[0], 3)
    cz, cr, ch = np.split(bias[1], 3)
    z = sigmoid(x @ kz + bz + h @ uz + cz)
    r = sigmoid(x @ kr + br + h @ ur + cr)
    candidate = np.tanh(x @ kh + bh + r * (h @ uh + ch))
    assert candidate.shape[1] == units
    return z * h + (1 - z) * candidate


def gru_with_keras_ops(x, h, kernel, recurrent_kernel, bias):
    ops = keras.ops
    units = h.shape[1]
    gx = ops.matmul(x, kernel) + bias[0]
    gh = ops.matmul(h, recurrent_kernel) + bias[1]
    z = ops.sigmoid(gx[:, :units] + gh[:, :units])
    r = ops.sigmoid(gx[:, units:2 * units] + gh[:, units:2 * units])
    candidate = ops.tanh(gx[:, 2 * units:] + r * gh[:, 2 * units:])
    return ops.convert_to_numpy(h + (1 - z) * (candidate - h))


@pytest.mark.parametrize("answer", [
    gru_slices,
    gru_with_keras_ops,
    lambda *args: gru_slices(*args).astype("float32").tolist(),
])
def test_gru_step_accepts_right_answers_written_differently(answer):
    assert check.gru_step(answer) is True


def variant(**mistake):
    return lambda *args: check._gru_variant(*args, **mistake)


def test_the_right_variant_matches_keras_own_gru():
    rng = np.random.default_rng(0)
    args = (rng.normal(size=(3, 2)), rng.uniform(-1, 1, (3, 4)), rng.normal(size=(2, 12)),
            rng.normal(size=(4, 12)), rng.normal(size=(2, 12)))
    np.testing.assert_allclose(check._gru_variant(*args), check._keras_gru_step(*args),
                               rtol=1e-6, atol=1e-8)


def gru_in_place(x, h, kernel, recurrent_kernel, bias):
    out = gru_slices(x, h, kernel, recurrent_kernel, bias)
    x[0, 0] = 0.0
    return out


@pytest.mark.parametrize("answer, message", [
    (None, "`gru_step` is None"),
    (raises_value_error, "raised ValueError: boom"),
    (variant(swap_z=True), "the update gate plays the other role"),
    (variant(reset_before=True), "reset_after=False"),
    (variant(bias_outside=True), "multiplies that bias too"),
    (variant(order="rz"), "update and reset gates are swapped"),
    (variant(no_recurrent_bias=True), r"recurrent bias \(row 1 of bias\) is missing"),
    (variant(gate=np.tanh), "your gates use tanh"),
    (lambda x, h, k, r, b: gru_slices(x, h, k, r, b).T, "should have shape"),
    (gru_in_place, "changed its input `x` in place"),
    (lambda x, h, k, r, b: np.zeros_like(h), "is wrong at index"),
    (lambda x, h, k, r, b: keras.layers.GRU(h.shape[1])(x[:, None]), "keras.layers.GRU"),
])
def test_gru_step_rejects_wrong_answers_specifically(answer, message):
    rejects(check.gru_step, answer, match=message)


def test_gru_step_rejects_a_table_of_earlier_cases():
    lookup = lookup_table(check.gru_step, gru_slices,
                          fallback=lambda x, h, *rest: np.zeros_like(h))
    message = rejects(check.gru_step, lookup, match="random batch")
    assert "seed" in message


# Exercise 9.3: build_forecaster() ---------------------------------------------------------------

def linear_forecaster():
    model = keras.Sequential([keras.Input((14, 6)), keras.layers.Flatten(),
                              keras.layers.Dropout(0.2), keras.layers.Dense(7)])
    model.compile(keras.optimizers.Adam(3e-3), loss="mae")
    return model


def test_forecaster_accepts_a_model_that_reaches_the_target():
    assert check.forecaster(linear_forecaster) is True


def constant_forecaster():
    """A model that cannot learn: its only layer is frozen at zero (it forecasts the mean)."""
    model = keras.Sequential([keras.Input((14, 6)), keras.layers.Flatten(),
                              keras.layers.Dense(7, kernel_initializer="zeros", trainable=False)])
    model.compile(keras.optimizers.Adam(1e-3), loss="mae")
    return model


SHARED = linear_forecaster()


def uncompiled():
    return keras.Sequential([keras.Input((14, 6)), keras.layers.Flatten(), keras.layers.Dense(7)])


def wrong_input():
    model = keras.Sequential([keras.Input((14, 4)), keras.layers.Flatten(), keras.layers.Dense(7)])
    model.compile("adam", loss="mae")
    return model


def one_day():
    model = keras.Sequential([keras.Input((14, 6)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("adam", loss="mae")
    return model


def too_big():
    model = keras.Sequential([keras.Input((14, 6)), keras.layers.Flatten(),
                              keras.layers.Dense(1024), keras.layers.Dense(7)])
    model.compile("adam", loss="mae")
    return model


@pytest.mark.parametrize("answer, message", [
    (None, "`build_forecaster` is None"),
    (lambda: "a model", "should return a Keras model"),
    (lambda: SHARED, "the same model object twice"),
    (uncompiled, "not compiled"),
    (wrong_input, r"input shape \(None, 14, 6\)"),
    (one_day, r"output shape \(None, 7\)"),
    (too_big, "keep it to 50,000 at most"),
    (constant_forecaster, "is above the target 2.92"),
])
def test_forecaster_rejects_models_that_cannot_pass(answer, message):
    rejects(check.forecaster, answer, match=message)


def test_the_forecasting_data_match_the_lesson():
    x, y, xv, yv, mean, std = check._weather_windows()
    assert x.shape == (1009, 14, 6) and y.shape == (1009, 7)
    assert xv.shape == (216, 14, 6) and yv.shape == (216, 7)
    assert abs(float(x.reshape(-1, 6).mean())) < 0.05 and 10 < mean < 20 and 4 < std < 9
    # 7 consecutive days per window, each window one day after the one before
    np.testing.assert_array_equal(yv[1:, :-1], yv[:-1, 1:])


# Exercise 9.4: rnn_backward(x, W, U, b, grad_last) ----------------------------------------------

def backward_loops(x, W, U, b, grad_last):
    steps, units = len(x), U.shape[0]
    h = np.zeros((steps + 1, units))
    for t in range(steps):
        h[t + 1] = np.tanh(x[t] @ W + h[t] @ U + b)
    grads = [np.zeros_like(np.asarray(x, dtype=float)), np.zeros_like(W), np.zeros_like(U),
             np.zeros_like(b)]
    g = grad_last.copy()
    for t in reversed(range(steps)):
        delta = g * (1 - h[t + 1] ** 2)
        grads[0][t] = delta @ W.T
        grads[1] += x[t][:, None] * delta[None, :]
        grads[2] += h[t][:, None] * delta[None, :]
        grads[3] += delta
        g = delta @ U.T
    return tuple(grads)


def backward_batched_matrices(x, W, U, b, grad_last):
    """All deltas first, then the weight gradients as matrix products over time; float32 out."""
    states = [np.zeros(len(b))]
    for x_t in x:
        states.append(np.tanh(x_t @ W + states[-1] @ U + b))
    states = np.array(states)
    deltas = np.zeros((len(x), len(b)))
    g = grad_last
    for t in range(len(x), 0, -1):
        deltas[t - 1] = g * (1 - states[t] ** 2)
        g = deltas[t - 1] @ U.T
    out = (deltas @ W.T, x.T @ deltas, states[:-1].T @ deltas, deltas.sum(axis=0))
    return [a.astype("float32") for a in out]                            # a list, float32


@pytest.mark.parametrize("answer", [
    lambda *args: check._rnn_backward_variant(*args),
    backward_loops,
    backward_batched_matrices,
])
def test_rnn_backward_accepts_right_answers_written_differently(answer):
    assert check.rnn_backward(answer) is True


def backward_variant(**mistake):
    return lambda *args: check._rnn_backward_variant(*args, **mistake)


def backward_by_tape(x, W, U, b, grad_last):
    x, W, U, b = (tf.constant(a) for a in (x, W, U, b))
    with tf.GradientTape() as tape:
        tape.watch([x, W, U, b])
        h = tf.zeros((1, U.shape[0]), dtype=x.dtype)
        for t in range(x.shape[0]):
            h = tf.tanh(x[t:t + 1] @ W + h @ U + b)
        total = tf.reduce_sum(h[0] * grad_last)
    return [g.numpy() for g in tape.gradient(total, [x, W, U, b])]


def backward_changing_grad_last(x, W, U, b, grad_last):
    out = check._rnn_backward_variant(x, W, U, b, grad_last)
    grad_last *= 0.0                                       # reuses the caller's array as g
    return out


@pytest.mark.parametrize("answer, message", [
    (None, "`rnn_backward` is None"),
    (raises_value_error, "raised ValueError: boom"),
    (backward_variant(no_tanh=True), "skip the tanh"),
    (backward_variant(untransposed=True), "the wrong way round"),
    (backward_variant(current_state=True), "pairs each step with its own new state"),
    (backward_variant(last_step_only=True), "the last step's share only"),
    (lambda *args: check._rnn_backward_variant(*args)[:3], "should return four arrays"),
    (lambda *args: check._rnn_backward_variant(*args)[::-1], r"grad_x for .* should have shape"),
    (backward_changing_grad_last, "changed its input `grad_last` in place"),
    (backward_by_tape, "your answer uses `tf.GradientTape`"),
    (lambda x, W, U, b, g: (np.zeros(x.shape), np.zeros(W.shape), np.zeros(U.shape),
                            np.zeros(b.shape)), "is wrong at index"),
])
def test_rnn_backward_rejects_wrong_answers_specifically(answer, message):
    rejects(check.rnn_backward, answer, match=message)


def test_rnn_backward_reference_agrees_with_the_variant():
    rng = np.random.default_rng(1)
    args = (rng.normal(size=(4, 2)), rng.normal(size=(2, 3)), rng.normal(size=(3, 3)),
            rng.normal(size=3), rng.normal(size=3))
    for mine, tape in zip(check._rnn_backward_variant(*args), check._tape_rnn_gradients(*args)):
        np.testing.assert_allclose(mine, tape, rtol=1e-10, atol=1e-12)
