"""Checkers for lesson 09 (Recurrent networks).

9.1 compares the learner's mean absolute scaled error with a NumPy reference on fixed edge
cases (a season of 1, a season as long as all but one value of the history, a perfect forecast,
tables of forecasts, integers) and on cases drawn afresh on every call. 9.2 compares the
learner's GRU step with what Keras' own `GRU` layer (`reset_after=True`, its default) computes
from the same weights and initial state. A mistake is named only when the answer's result
equals what that mistake produces on the failing case and no other known mistake gives the
same; otherwise the message says what was expected, what came back, and for which input.

9.3 is judged by its outcome: the checker builds the lesson's forecasting data itself, builds
the learner's model (twice: it wants two separate, untrained models), trains one from the kit's
OUTCOME_SEED for a fixed budget and measures the validation 7-day MAE in °C after every epoch.
It trusts no number the learner reports.
"""

import functools

import numpy as np

from helpers.checks import (
    Reject,
    as_array,
    as_number,
    call,
    diagnose,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    need_callable,
    outcome_model,
    ready_to_train,
    short,
)

# 9.1 -----------------------------------------------------------------------------------------


def _mase(actual, forecast, history, season):
    actual, forecast, history = (np.asarray(a, dtype=float) for a in (actual, forecast, history))
    scale = np.mean(np.abs(history[season:] - history[:-season]))
    return float(np.mean(np.abs(actual - forecast)) / scale)


def _mase_cases():
    """Fixed edge cases (the same on every call): (given, actual, forecast, history, season)."""
    fixed = np.random.default_rng(91)
    weekly = 10 + 3 * np.sin(2 * np.pi * np.arange(42) / 7) + fixed.normal(0, 0.5, 42)
    trend = np.arange(20, dtype=float) * 2.0 + fixed.normal(0, 0.1, 20)
    a = fixed.normal(5, 2, size=8)
    return [
        ("a season of 1 and a 30-day history", a, a + fixed.normal(0, 1, 8),
         fixed.normal(0, 3, 30).cumsum(), 1),
        ("a weekly history (42 days) and season 7", weekly[-7:] + fixed.normal(0, 1, 7),
         weekly[-7:], weekly, 7),
        ("a perfect forecast", a, a.copy(), fixed.normal(0, 1, 12), 1),
        ("a table of forecasts, shape (5, 3), season 2", fixed.normal(0, 1, (5, 3)),
         fixed.normal(0, 1, (5, 3)), fixed.normal(0, 1, 10), 2),
        ("a rising history (2 per step) and season 3", trend[-4:] + 1.0, trend[-4:], trend, 3),
        ("a history of 5 values and season 4 (a single difference)", np.array([3.0, 1.0]),
         np.array([2.0, 4.0]), np.array([1.0, 2.0, 0.0, 5.0, 3.0]), 4),
        ("integer arrays", np.array([3, 5, 7]), np.array([4, 5, 9]), np.array([1, 4, 2, 8, 5]),
         1),
        ("a forecast that is too high everywhere", a, a + 2.0, fixed.normal(0, 1, 15), 1),
    ]


def _mase_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        season = int(rng.integers(1, 13))
        n = int(rng.integers(season + 2, season + 60))
        history = rng.normal(rng.uniform(-5, 20), rng.uniform(0.5, 5), size=n)
        shape = (int(rng.integers(1, 9)),) if rng.random() < 0.6 else \
            tuple(int(v) for v in rng.integers(1, 6, size=2))
        actual = rng.normal(history.mean(), history.std(), size=shape)
        forecast = actual + rng.normal(rng.uniform(-1, 1), rng.uniform(0.2, 3), size=shape)
        cases.append((f"a random case: {n} values of history, season {season}, forecasts of "
                      f"shape {shape}", actual, forecast, history, season))
    return cases


def _mase_mistakes(given, actual, forecast, history, season):
    actual, forecast, history = (np.asarray(a, dtype=float) for a in (actual, forecast, history))
    err = np.abs(actual - forecast)
    scale = np.mean(np.abs(history[season:] - history[:-season]))
    lag1 = np.mean(np.abs(np.diff(history)))
    out = []
    if len(actual.ravel()) > season:
        flat = actual.ravel()
        out.append((np.mean(err) / np.mean(np.abs(flat[season:] - flat[:-season])),
                    f"For {given} your scale comes from the actual values; the naive "
                    "forecast's error is measured on the history (the training data), which a "
                    "forecaster has when it forecasts."))
    out += [
        (np.mean(err) / lag1, f"For {given} your scale uses steps of 1 whatever the season; "
                              "compare each value of the history with the one a whole season "
                              "before it."),
        (abs(np.mean(actual - forecast)) / scale, f"For {given} your errors cancel out: take the "
                                                  "absolute value of each error before the "
                                                  "mean."),
        (np.mean(actual - forecast) / scale, f"For {given} your errors cancel out: take the "
                                             "absolute value of each error before the mean."),
        (np.mean(err ** 2) / np.mean((history[season:] - history[:-season]) ** 2),
         f"For {given} you divided mean squared errors; the scaled error uses absolute ones."),
        (scale / np.mean(err) if np.mean(err) else np.inf,
         f"For {given} your ratio is upside down: the forecast's error goes on top."),
        (np.mean(err) / np.mean(np.abs(history[:-season] - history[season:].mean())),
         f"For {given} your scale is not the mean absolute difference between each value of "
         "the history and the one a season before it."),
    ]
    return out


def _same_number(a, b):
    return bool(np.isfinite(b)) and np.isclose(a, b, rtol=1e-6, atol=1e-9)


@exercise("9.1")
def mase(answer, rng):
    need_callable(answer, "mase")
    cases = _mase_cases() + _mase_drawn(rng)
    for given, actual, forecast, history, season in cases:
        got = call(answer, actual, forecast, history, season, name="mase")
        if isinstance(got, np.ndarray) and got.size != 1:
            raise Reject(f"For {given} `mase` should return one number; it returned an array of "
                         f"shape {got.shape}: average over every entry.")
        got = as_number(got, f"mase for {given}")
        right = _mase(actual, forecast, history, season)
        diagnose(got, right, _mase_mistakes(given, actual, forecast, history, season),
                 _same_number)
        expect_close(got, right, "mase(actual, forecast, history, season)", rtol=1e-6,
                     atol=1e-9, given=given)
    return (f"right on {len(cases)} cases: seasons from 1 to a single difference, a perfect "
            "forecast, tables of forecasts, integers.")


# 9.2 -----------------------------------------------------------------------------------------


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _keras_gru_step(x, h, kernel, recurrent_kernel, bias):
    """What keras.layers.GRU (reset_after=True) gives after one step from state h, float64."""
    from helpers.startup import import_keras

    keras = import_keras()
    units = h.shape[1]
    layer = keras.layers.GRU(units, dtype="float64")
    layer.build((None, 1, x.shape[1]))
    layer.set_weights([np.asarray(kernel, dtype="float64"),
                       np.asarray(recurrent_kernel, dtype="float64"),
                       np.asarray(bias, dtype="float64")])
    out = layer(np.asarray(x, dtype="float64")[:, None, :],
                initial_state=[np.asarray(h, dtype="float64")])
    return keras.ops.convert_to_numpy(out)


def _gru_variant(x, h, kernel, recurrent_kernel, bias, *, swap_z=False, reset_before=False,
                 order="zr", bias_outside=False, no_recurrent_bias=False, gate=_sigmoid):
    """A GRU step with one of the mistakes learners make (all False: the right one)."""
    x, h = np.asarray(x, dtype=float), np.asarray(h, dtype=float)
    kernel, recurrent_kernel, bias = (np.asarray(a, dtype=float) for a in
                                      (kernel, recurrent_kernel, bias))
    units = h.shape[1]
    b1 = np.zeros_like(bias[1]) if no_recurrent_bias else bias[1]
    from_x = x @ kernel + bias[0]
    from_h = h @ recurrent_kernel + b1
    first, second = slice(0, units), slice(units, 2 * units)
    zs, rs = (first, second) if order == "zr" else (second, first)
    z = gate(from_x[:, zs] + from_h[:, zs])
    r = gate(from_x[:, rs] + from_h[:, rs])
    cand = slice(2 * units, 3 * units)
    if reset_before:
        inner = (r * h) @ recurrent_kernel[:, cand] + b1[cand]
    elif bias_outside:
        inner = r * (h @ recurrent_kernel[:, cand]) + b1[cand]
    else:
        inner = r * from_h[:, cand]
    candidate = np.tanh(from_x[:, cand] + inner)
    return (1 - z) * h + z * candidate if swap_z else z * h + (1 - z) * candidate


def _gru_mistakes(given, *args):
    return [
        (_gru_variant(*args, swap_z=True),
         f"For {given} the update gate plays the other role: in Keras' GRU, z is the share of "
         "the old state that is kept and 1 - z the share of the candidate."),
        (_gru_variant(*args, reset_before=True),
         f"For {given} your reset gate multiplies the state before the recurrent matrix product "
         "(the original GRU, Keras' reset_after=False); Keras' default resets the recurrent "
         "part, bias included, after the product."),
        (_gru_variant(*args, bias_outside=True),
         f"For {given} the reset gate leaves the candidate's recurrent bias (bias[1]'s last "
         "third) out of its product; in Keras' GRU the reset gate multiplies that bias too."),
        (_gru_variant(*args, order="rz"),
         f"For {given} your update and reset gates are swapped: Keras' column order is update, "
         "reset, candidate."),
        (_gru_variant(*args, no_recurrent_bias=True),
         f"For {given} the recurrent bias (row 1 of bias) is missing."),
        (_gru_variant(*args, gate=np.tanh),
         f"For {given} your gates use tanh; gates are sigmoids, between 0 and 1."),
    ]


def _gru_cases():
    """Fixed edge cases (the same on every call): (given, x, h, kernel, recurrent, bias)."""
    fixed = np.random.default_rng(92)

    def weights(n_in, units, scale=0.6):
        return (fixed.normal(0, scale, (n_in, 3 * units)),
                fixed.normal(0, scale, (units, 3 * units)),
                fixed.normal(0, 0.5, (2, 3 * units)))

    k, r, b = weights(3, 4)
    k1, r1, b1 = weights(1, 1)
    k5, r5, b5 = weights(2, 5)
    k2, r2, b2 = weights(4, 2, scale=2.0)
    return [
        ("a batch of 3, 3 inputs, 4 units", fixed.normal(size=(3, 3)), fixed.normal(size=(3, 4)),
         k, r, b),
        ("a state of zeros", fixed.normal(size=(2, 3)), np.zeros((2, 4)), k, r, b),
        ("a batch of one, one input, one unit", fixed.normal(size=(1, 1)),
         fixed.uniform(-1, 1, size=(1, 1)), k1, r1, b1),
        ("5 units and 2 inputs, in float32", fixed.normal(size=(4, 2)).astype("float32"),
         fixed.uniform(-1, 1, size=(4, 5)).astype("float32"), k5.astype("float32"),
         r5.astype("float32"), b5.astype("float32")),
        ("large weights (saturated gates)", fixed.normal(size=(3, 4)),
         fixed.uniform(-1, 1, size=(3, 2)), k2, r2, b2),
    ]


def _gru_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        batch, n_in, units = (int(v) for v in rng.integers(1, 7, size=3))
        args = (rng.normal(size=(batch, n_in)), rng.uniform(-1, 1, size=(batch, units)),
                rng.normal(0, 0.7, size=(n_in, 3 * units)),
                rng.normal(0, 0.7, size=(units, 3 * units)),
                rng.normal(0, 0.5, size=(2, 3 * units)))
        cases.append((f"a random batch of {batch}, {n_in} inputs, {units} units", *args))
    return cases


@exercise("9.2", forbid=("keras.layers.GRU", "keras.layers.GRUCell", "tf.keras.layers.GRU",
                         "tf.compat.v1.nn.rnn_cell.GRUCell"))
def gru_step(answer, rng):
    need_callable(answer, "gru_step")
    cases = _gru_cases() + _gru_drawn(rng)
    for given, *args in cases:
        out = as_array(call(answer, *args, name="gru_step"), f"gru_step for {given}")
        right = _keras_gru_step(*args)
        expect_shape(out, right.shape, f"the new state for {given} (batch, units)")
        expect_finite(out, f"the new state for {given}")
        diagnose(out, right, _gru_mistakes(given, *args),
                 lambda a, b: a.shape == np.shape(b) and np.allclose(a, b, rtol=1e-4, atol=1e-5))
        expect_close(out, right, "gru_step (against keras.layers.GRU)", rtol=1e-4, atol=1e-5,
                     given=given)
    return (f"your step matches keras.layers.GRU on {len(cases)} cases: a batch of one, a zero "
            "state, saturated gates, float32, 1 to 6 units.")


# 9.3 -----------------------------------------------------------------------------------------

WIDTH, HORIZON, N_FEATURES = 14, 7, 6
EPOCHS, BATCH_SIZE = 20, 32      # the training budget the checker gives the learner's model
TARGET = 2.92                    # validation 7-day MAE (°C) to reach, at the end of some epoch
MAX_PARAMS = 50_000


@functools.lru_cache(maxsize=1)
def _weather_windows():
    """Lesson 09's forecasting data: (x_train, y_train, x_val, y_val_celsius, mean, std),
    x standardised windows (n, 14, 6), y_train standardised (n, 7)."""
    from helpers import data

    weather = data.load_seattle_weather()
    temp_max = weather.column("temp_max")
    day_of_year = (weather.times - weather.times.astype("datetime64[Y]")).astype(int)
    angle = 2 * np.pi * day_of_year / 365.25
    features = np.column_stack([weather.values, np.sin(angle), np.cos(angle)]).astype("float32")
    windows = np.lib.stride_tricks.sliding_window_view(features, WIDTH, axis=0)
    windows = windows.transpose(0, 2, 1)[:-HORIZON]
    future = np.lib.stride_tricks.sliding_window_view(temp_max[WIDTH:], HORIZON)
    split = data.split_in_time(np.arange(len(windows)), future, val=0.15, test=0.15)
    seen = split.x_train[-1] + WIDTH + HORIZON
    mean, std = features[:seen].mean(axis=0), features[:seen].std(axis=0)
    inputs = ((windows - mean) / std).astype("float32")
    t_mean, t_std = split.y_train.mean(), split.y_train.std()
    return (inputs[split.x_train], ((split.y_train - t_mean) / t_std).astype("float32"),
            inputs[split.x_val], split.y_val.astype("float64"), float(t_mean), float(t_std))


def _expect_ready(model):
    shape = tuple(model.input_shape) if not isinstance(model.input_shape, list) else None
    if shape != (None, WIDTH, N_FEATURES):
        raise Reject(f"the model should take windows of shape ({WIDTH}, {N_FEATURES}), with a "
                     f"batch axis in front: input shape (None, {WIDTH}, {N_FEATURES}); yours "
                     f"has {model.input_shape}.")
    out = tuple(model.output_shape) if not isinstance(model.output_shape, list) else None
    if out != (None, HORIZON):
        raise Reject(f"the model should give {HORIZON} numbers per window, output shape "
                     f"(None, {HORIZON}); yours has {model.output_shape}.")
    ready_to_train(model, "build_forecaster", MAX_PARAMS)


def _val_mae(model, x, y, t_mean, t_std):
    out = np.asarray(model.predict(x, batch_size=256, verbose=0), dtype="float64")
    if out.shape != y.shape:
        raise Reject(f"the model should give {HORIZON} numbers per window; it gave an array of "
                     f"shape {out.shape} for {len(x)} windows.")
    return float(np.mean(np.abs(out * t_std + t_mean - y)))


@exercise("9.3")
def forecaster(answer):
    from helpers.startup import import_keras

    keras = import_keras()
    model = outcome_model(answer, "build_forecaster")
    _expect_ready(model)
    x, y, xv, yv, t_mean, t_std = _weather_windows()
    curve = []

    class Measure(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            curve.append(_val_mae(model, xv, yv, t_mean, t_std))

    try:
        history = model.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, shuffle=True, verbose=0,
                            callbacks=[Measure()])
    except Reject:
        raise
    except Exception as error:
        raise Reject(f"training the model raised {type(error).__name__}: "
                     f"{short(str(error), 200)}. Check the loss against the targets (7 "
                     "standardised temperatures per window) and the model's output.") from None
    best = min(curve) if curve else np.inf
    shown = ", ".join(f"{v:.2f}" for v in curve)
    if not best <= TARGET:
        losses = [float(v) for v in history.history.get("loss", [])]
        broken = not np.all(np.isfinite(losses)) or not np.isfinite(best)
        why = (" The loss is NaN or infinite: lower the learning rate." if broken else
               " Compare with the lesson's table: the last value scores 3.26 and the average "
               "year 2.97; a model close to linear, or a small one with dropout, does better.")
        raise Reject(f"trained for {EPOCHS} epochs (batches of {BATCH_SIZE}, the checker's "
                     f"fixed seed), your model's validation 7-day MAE after each epoch was "
                     f"{shown} °C; the best, {best:.2f}, is above the target {TARGET}." + why)
    return (f"trained for {EPOCHS} epochs on the 1,009 training windows, your model "
            f"({model.count_params():,} parameters) reached a validation 7-day MAE of "
            f"{best:.2f} °C (the last value: 3.26, the average year: 2.97).")


# 9.4 -----------------------------------------------------------------------------------------

def _tape_rnn_gradients(x, W, U, b, grad_last):
    """What tf.GradientTape gives for sum(grad_last · h_T), h_t = tanh(x_t W + h_{t-1} U + b),
    in float64: (grad_x, grad_W, grad_U, grad_b)."""
    from helpers.startup import import_tensorflow

    tf = import_tensorflow()
    x, W, U, b = (tf.constant(np.asarray(a, dtype="float64")) for a in (x, W, U, b))
    with tf.GradientTape() as tape:
        tape.watch([x, W, U, b])
        h = tf.zeros((1, U.shape[0]), dtype="float64")
        for t in range(x.shape[0]):
            h = tf.tanh(x[t:t + 1] @ W + h @ U + b)
        total = tf.reduce_sum(h[0] * np.asarray(grad_last, dtype="float64"))
    return tuple(g.numpy() for g in tape.gradient(total, [x, W, U, b]))


def _rnn_backward_variant(x, W, U, b, grad_last, *, no_tanh=False, untransposed=False,
                          current_state=False, last_step_only=False):
    """The gradients with one of the mistakes learners make (all False: the right ones)."""
    x, W, U, b = (np.asarray(a, dtype=float) for a in (x, W, U, b))
    states = [np.zeros(U.shape[0])]
    for x_t in x:
        states.append(np.tanh(x_t @ W + states[-1] @ U + b))
    grad_x = np.zeros_like(x)
    grad_W, grad_U, grad_b = np.zeros(W.shape), np.zeros(U.shape), np.zeros(b.shape)
    g = np.asarray(grad_last, dtype=float)
    for t in range(len(x), 0, -1):
        delta = g if no_tanh else g * (1 - states[t] ** 2)
        grad_x[t - 1] = W @ delta
        if not last_step_only or t == len(x):
            grad_W += np.outer(x[t - 1], delta)
            grad_U += np.outer(states[t] if current_state else states[t - 1], delta)
            grad_b += delta
        g = delta @ U if untransposed else U @ delta
    return grad_x, grad_W, grad_U, grad_b


def _backward_cases():
    """Fixed edge cases (the same on every call): (given, x, W, U, b, grad_last)."""
    fixed = np.random.default_rng(94)

    def case(steps, n_in, units, scale=0.5):
        return (fixed.normal(size=(steps, n_in)), fixed.normal(0, scale, (n_in, units)),
                fixed.normal(0, scale, (units, units)), fixed.normal(0, 0.3, units),
                fixed.normal(size=units))

    one_hot = np.zeros(3)
    one_hot[1] = 1.0
    x, W, U, b, _ = case(6, 2, 3)
    return [
        ("6 steps, 2 inputs, 3 units, grad_last = [0, 1, 0]", x, W, U, b, one_hot),
        ("a single step", *case(1, 3, 4)),
        ("2 steps, 1 input, 1 unit", *case(2, 1, 1)),
        ("10 steps, 4 inputs, 2 units, large weights (saturated tanh)", *case(10, 4, 2, 2.0)),
        ("5 steps, 3 inputs, 5 units", *case(5, 3, 5)),
    ]


def _backward_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        steps, n_in, units = (int(v) for v in rng.integers(1, 9, size=3))
        cases.append((f"a random case of {steps} steps, {n_in} inputs, {units} units",
                      rng.normal(size=(steps, n_in)), rng.normal(0, 0.6, (n_in, units)),
                      rng.normal(0, 0.6, (units, units)), rng.normal(0, 0.3, units),
                      rng.normal(size=units)))
    return cases


_GRADIENT_NAMES = ("grad_x", "grad_W", "grad_U", "grad_b")


def _backward_mistakes(given, *args):
    return [
        (_rnn_backward_variant(*args, no_tanh=True),
         f"For {given} your gradients skip the tanh: each step's gradient has to go through "
         "the derivative of the tanh before it reaches the weights and the inputs."),
        (_rnn_backward_variant(*args, untransposed=True),
         f"For {given} the gradient passed back to the previous state goes through U the wrong "
         "way round (transposed): h_(t-1) U maps the state forward, so the gradient goes back "
         "through U's transpose."),
        (_rnn_backward_variant(*args, current_state=True),
         f"For {given} your grad_U pairs each step with its own new state; U multiplies the "
         "previous state, h_(t-1)."),
        (_rnn_backward_variant(*args, last_step_only=True),
         f"For {given} your weight gradients hold the last step's share only: W, U and b are "
         "used at every step, so their gradients add up over all the steps."),
    ]


@exercise("9.4", forbid=("tf.GradientTape", "tf.gradients", "jax.grad", "torch.autograd.grad",
                         "keras.layers.SimpleRNN"))
def rnn_backward(answer, rng):
    need_callable(answer, "rnn_backward")
    cases = _backward_cases() + _backward_drawn(rng)
    for given, *args in cases:
        out = call(answer, *args, name="rnn_backward")
        if not isinstance(out, (tuple, list)) or len(out) != 4:
            raise Reject(f"`rnn_backward` should return four arrays, (grad_x, grad_W, grad_U, "
                         f"grad_b); for {given} it returned {short(out, 60)}.")
        got = [as_array(g, f"{name} for {given}") for name, g in zip(_GRADIENT_NAMES, out)]
        right = _tape_rnn_gradients(*args)
        mistakes = _backward_mistakes(given, *args)
        for k, name in enumerate(_GRADIENT_NAMES):
            expect_shape(got[k], right[k].shape, f"{name} for {given}")
            expect_finite(got[k], f"{name} for {given}")
        close = lambda a, b: all(x.shape == np.shape(y) and np.allclose(x, y, rtol=1e-5,  # noqa: E731
                                                                          atol=1e-8)
                                 for x, y in zip(a, b))
        diagnose(got, right, [(list(result), message) for result, message in mistakes], close)
        for k, name in enumerate(_GRADIENT_NAMES):
            expect_close(got[k], right[k], f"{name} (against tf.GradientTape)", rtol=1e-5,
                         atol=1e-8, given=given)
    return (f"your four gradients match tf.GradientTape's on {len(cases)} cases: a single "
            "step, one unit, saturated units, up to 10 steps.")
