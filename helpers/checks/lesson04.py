"""Checkers for lesson 04 (Keras fundamentals).

No checker trains a model: 4.2 builds a few small models and runs them on one random batch,
4.3 calls the learner's callback directly on a stand-in model with made-up logs.
"""

import numpy as np

from helpers.checks import Reject, as_array, as_number, call, exercise, need_callable, short
from helpers.startup import import_keras


# 4.1 -----------------------------------------------------------------------------------------

def _dense_params(sizes):
    """Parameters of Dense layers between consecutive widths: sum of d·k + k."""
    return sum(d * k + k for d, k in zip(sizes[:-1], sizes[1:]))


def _count_mistakes(sizes):
    """(value, message) for the usual wrong counts of an MLP with these widths."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return [
        (sum(d * k for d, k in pairs), "you counted the weights but not the biases: each "
                                       "Dense layer also has one bias per unit (+ k)."),
        (sum(d * k + d for d, k in pairs), "you gave each layer one bias per *input* (+ d); "
                                           "a bias belongs to each unit of the layer (+ k)."),
        (sum(d * k + 1 for d, k in pairs), "you gave each layer a single bias; it has one per "
                                           "unit (+ k)."),
        (sum((d + 1) * (k + 1) for d, k in pairs), "you added a bias on both sides: (d + 1)(k "
                                                   "+ 1); a layer has d·k weights and k biases."),
        (_dense_params(sizes[:-1]), "you left out the last layer (the output layer counts "
                                    "too)."),
        (_dense_params(sizes[1:]), "you left out the first layer (from the inputs to the first "
                                   "hidden layer)."),
        (int(np.prod(sizes)), "you multiplied all the widths together; add up d·k + k over "
                              "consecutive pairs instead."),
    ]


@exercise("4.1")
def count_dense_params(answer):
    need_callable(answer, "count_dense_params")
    cases = [[784, 128, 10], [2, 1], [64, 32, 16, 10], [3, 5], [10, 1, 10], [7], [784, 7, 1]]
    for sizes in cases:
        given = f"sizes = {sizes}"
        out = call(answer, list(sizes), name="count_dense_params")
        value = as_number(out, f"count_dense_params({sizes})")
        if not np.isfinite(value):
            raise Reject(f"count_dense_params({sizes}) gave {short(value)}; it should be a "
                         "whole number.")
        right = _dense_params(sizes)
        if value == right:
            continue
        if len(sizes) == 1:
            raise Reject(f"count_dense_params({sizes}) should be 0: with one width there is "
                         f"no layer, hence no parameter; yours gave {short(value)}.")
        for wrong, message in _count_mistakes(sizes):
            if value == wrong:
                raise Reject(f"For {given} the count is {right:,}; yours gave {wrong:,}: "
                             f"{message}")
        raise Reject(f"For {given} the count should be {right:,}; yours gave {short(value)}.")
    return ("right for 7 networks, including 784-128-10 (101,770 parameters) and a single "
            "width (no layer, 0).")


# 4.2 -----------------------------------------------------------------------------------------

def _dense_layers(model, keras):
    """The Dense layers of a model in order, looking inside nested models."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            found.append(layer)
        elif isinstance(layer, keras.Model):
            found.extend(_dense_layers(layer, keras))
    return found


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _forward(x, weights, hidden_act, output_act):
    """Reference MLP on x (n, d) with [(kernel, bias), ...]."""
    h = x
    for kernel, bias in weights[:-1]:
        h = hidden_act(h @ kernel + bias)
    return output_act(h @ weights[-1][0] + weights[-1][1])


@exercise("4.2")
def build_mlp(answer):
    keras = import_keras()
    if isinstance(answer, keras.Model):
        raise Reject("Pass the function, `check.build_mlp(build_mlp)`, not a model it built: "
                     "the checker calls it with several specifications.")
    need_callable(answer, "build_mlp")
    rng = np.random.default_rng(42)
    cases = [((28, 28), [64, 32], 10), ((64,), [], 3), ((5, 4), [16, 8, 8], 4)]
    for input_shape, hidden, n_classes in cases:
        given = f"build_mlp({input_shape}, {hidden}, {n_classes})"
        model = call(answer, input_shape, list(hidden), n_classes, name="build_mlp")
        if model is None:
            raise Reject(f"{given} returned None: did you forget to `return` the model?")
        if isinstance(model, type):
            raise Reject(f"{given} returned the class {model.__name__}, not a model: call it, "
                         "e.g. keras.Sequential([...]).")
        if not isinstance(model, keras.Model):
            raise Reject(f"{given} should return a Keras model (keras.Sequential or "
                         f"keras.Model); got {type(model).__name__}.")

        x = rng.uniform(0.0, 1.0, size=(5, *input_shape)).astype("float32")
        try:
            out = model(x)
        except Exception as error:  # a wrong input shape, a layer that cannot take it
            raise Reject(f"Calling the model of {given} on a batch of shape {x.shape} raised "
                         f"{type(error).__name__}: {str(error).splitlines()[0][:160]}") from None
        out = as_array(np.asarray(out), f"the output of the model of {given}")
        if out.ndim != 2:
            hint = " Did you forget keras.layers.Flatten() before the Dense layers?" \
                if out.ndim > 2 else ""
            raise Reject(f"For {given} a batch of 5 inputs should give outputs of shape "
                         f"(5, {n_classes}); yours gave {out.shape}.{hint}")
        if out.shape != (5, n_classes):
            raise Reject(f"For {given} a batch of 5 inputs should give outputs of shape "
                         f"(5, {n_classes}), one score per class; yours gave {out.shape}.")

        dense = _dense_layers(model, keras)
        width = int(np.prod(input_shape))
        sizes = [width, *hidden, n_classes]
        expected = list(zip(sizes[:-1], sizes[1:]))
        if len(dense) != len(expected):
            raise Reject(f"For {given} the model should have {len(expected)} Dense layers "
                         f"({len(hidden)} hidden, then the output); yours has {len(dense)}.")
        for i, (layer, (d, k)) in enumerate(zip(dense, expected)):
            kernel_shape = tuple(int(s) for s in layer.kernel.shape)
            what = "the output layer" if i == len(expected) - 1 else f"hidden layer {i + 1}"
            if kernel_shape != (d, k):
                raise Reject(f"For {given}, {what} should go from {d} to {k} units (a kernel "
                             f"of shape {(d, k)}); yours has a kernel of shape "
                             f"{kernel_shape}.")
            if layer.bias is None:
                raise Reject(f"For {given}, {what} has no bias; keep Keras' default "
                             "use_bias=True.")
        right_count = _dense_params(sizes)
        if model.count_params() != right_count:
            raise Reject(f"For {given} the model should have {right_count:,} parameters (the "
                         f"Dense layers alone); yours has {model.count_params():,}. Leave out "
                         "layers that add parameters, such as BatchNormalization.")

        weights = [tuple(np.asarray(w, dtype=float) for w in layer.get_weights())
                   for layer in dense]
        flat = x.reshape(5, -1).astype(float)
        relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
        identity = lambda z: z  # noqa: E731
        right = _forward(flat, weights, relu, _softmax)
        if np.allclose(out, right, rtol=1e-4, atol=1e-5):
            continue
        if hidden and np.allclose(out, _forward(flat, weights, identity, _softmax),
                                  rtol=1e-4, atol=1e-5):
            raise Reject(f"For {given} the hidden layers act linearly: give each hidden Dense "
                         "layer activation=\"relu\".")
        if np.allclose(out, _forward(flat, weights, relu, identity), rtol=1e-4, atol=1e-5):
            raise Reject(f"For {given} the outputs are raw scores (their rows do not sum to "
                         "1): give the output layer activation=\"softmax\".")
        if hidden and np.allclose(out, _forward(flat, weights, identity, identity),
                                  rtol=1e-4, atol=1e-5):
            raise Reject(f"For {given} no layer has an activation: ReLU for the hidden "
                         "layers, softmax for the output.")
        sums = out.sum(axis=1)
        if not np.allclose(sums, 1.0, atol=1e-4):
            raise Reject(f"For {given} each output row should be probabilities summing to 1 "
                         f"(a softmax at the end); yours sum to {short(sums)}.")
        raise Reject(f"For {given} the outputs differ from a Dense-ReLU stack with a softmax "
                     f"on top, computed from your own weights: check the activations (ReLU "
                     f"inside, softmax at the end), e.g. first row {short(out[0])} vs "
                     f"{short(right[0])}.")
    return ("right architecture, parameter count and outputs for three specifications, "
            "including images (28, 28) and no hidden layer at all.")


# 4.3 -----------------------------------------------------------------------------------------

class _StandInModel:
    """Just enough of a model for a callback that stops training."""

    def __init__(self):
        self.stop_training = False

    def stopped(self):
        """Whether `fit` would stop: its flag is true (True, 1 or a NumPy bool)."""
        flag = self.stop_training
        return isinstance(flag, (bool, int, np.bool_)) and bool(flag)


def _stops(answer, threshold, logs):
    """Whether a fresh callback stops training after one epoch with these logs (errors: no)."""
    try:
        callback = answer(threshold)
        stand_in = _StandInModel()
        callback.set_model(stand_in)
        callback.on_epoch_end(0, logs=dict(logs))
    except Exception:  # the main loop reports the learner's errors; this is only a probe
        return False
    return stand_in.stopped()


@exercise("4.3")
def stop_at_accuracy(answer):
    keras = import_keras()
    base = keras.callbacks.Callback
    if isinstance(answer, base):
        raise Reject("Pass the class itself, `check.stop_at_accuracy(StopAtAccuracy)`, not an "
                     "instance of it: the checker creates its own with several thresholds.")
    need_callable(answer, "StopAtAccuracy")

    # Each scenario: threshold, then a series of (logs, should it have stopped by now?).
    scenarios = [
        (0.9, [({"loss": 1.2, "accuracy": 0.5}, False),
               ({"loss": 0.4, "accuracy": 0.89, "val_accuracy": 0.95}, False),
               ({"loss": 0.3, "accuracy": 0.9, "val_accuracy": 0.85}, True)]),
        (0.75, [({"loss": 0.6, "accuracy": 0.7}, False),
                ({"loss": 0.5, "accuracy": 0.8}, True)]),
        (0.97, [({"loss": 0.2, "accuracy": 0.96, "val_accuracy": 0.98}, False),
                ({"loss": 0.1, "accuracy": 0.99, "val_accuracy": 0.94}, True)]),
    ]
    for threshold, epochs in scenarios:
        callback = call(answer, threshold, name="StopAtAccuracy")
        if not isinstance(callback, base):
            raise Reject(f"StopAtAccuracy({threshold}) should be a keras.callbacks.Callback "
                         f"(write `class StopAtAccuracy(keras.callbacks.Callback):`); got "
                         f"{type(callback).__name__}.")
        defines_epoch_end = type(callback).on_epoch_end is not base.on_epoch_end
        stand_in = _StandInModel()
        call(callback.set_model, stand_in, name="set_model")
        call(callback.on_train_begin, logs={}, name="on_train_begin")
        history = []
        for epoch, (logs, should_stop) in enumerate(epochs):
            call(callback.on_epoch_begin, epoch, logs={}, name="on_epoch_begin")
            call(callback.on_epoch_end, epoch, logs=dict(logs), name="on_epoch_end")
            history.append(f"accuracy {logs['accuracy']}")
            stopped = stand_in.stopped()
            if stopped == should_stop:
                continue
            after = ", ".join(history)
            if should_stop and not defines_epoch_end:
                raise Reject("Your class does not define on_epoch_end(self, epoch, logs=None), "
                             "so nothing happens at the end of an epoch; check the accuracy "
                             "there.")
            if should_stop and logs["accuracy"] == threshold and \
                    _stops(answer, threshold, {"loss": 0.1, "accuracy": threshold + 0.02}):
                raise Reject(f"With threshold {threshold}, after epochs with {after}, "
                             "training should stop: the accuracy has reached the threshold "
                             "exactly, and 'at least' means >=, not >.")
            if should_stop:
                raise Reject(f"With threshold {threshold}, after epochs with {after}, training "
                             "should stop, but model.stop_training is "
                             f"{short(stand_in.stop_training)}. Set self.model.stop_training "
                             "= True when logs['accuracy'] >= the threshold.")
            if _stops(answer, threshold, {"loss": 2.0, "accuracy": 0.0, "val_accuracy": 1.0}) \
                    and not _stops(answer, threshold,
                                   {"loss": 2.0, "accuracy": 0.0, "val_accuracy": 0.0}):
                raise Reject(f"With threshold {threshold}, after epochs with {after}, training "
                             "should go on; your callback also stops after an epoch with "
                             "accuracy 0 and val_accuracy 1. Watch the training accuracy, "
                             "logs['accuracy'], not val_accuracy.")
            raise Reject(f"With threshold {threshold}, after epochs with {after}, training "
                         "should go on (the accuracy is below the threshold), but your callback "
                         "set model.stop_training. Stop only when logs['accuracy'] >= the "
                         "threshold given to __init__.")
    return ("stops at the first epoch whose accuracy reaches the threshold (equality "
            "included), and not before, for thresholds 0.9, 0.75 and 0.97.")


# 4.4 -----------------------------------------------------------------------------------------

def _cross_entropy(logits, y):
    """Mean sparse cross-entropy of logits (n, k) against integer labels y (n,), float64."""
    m = logits.max(axis=1, keepdims=True)
    log_sum_exp = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return float(np.mean(log_sum_exp - logits[np.arange(len(y)), y]))


@exercise("4.4")
def cross_entropy_from_logits(answer):
    need_callable(answer, "cross_entropy_from_logits")
    keras = import_keras()
    rng = np.random.default_rng(44)
    cases = []
    for n, k in [(6, 3), (8, 10), (1, 2), (5, 4)]:
        cases.append((f"logits of shape ({n}, {k})", rng.normal(0, 3, (n, k)),
                      rng.integers(0, k, n)))
    big = rng.normal(0, 2, (3, 4)) + np.array([[1000.0], [-1000.0], [300.0]])
    big[0, 1] += 50.0                                  # row 0: sure of class 1, label 3
    cases.append(("large logits (rows near 1000, -1000, 300)", big, np.array([3, 0, 1])))
    for given, logits, y in cases:
        n, k = logits.shape
        out = call(answer, logits.copy(), y.copy(), name="cross_entropy_from_logits")
        try:
            per_example = len(np.shape(out)) >= 1 and int(np.prod(np.shape(out))) == n > 1
        except (TypeError, ValueError):
            per_example = False
        if per_example and not isinstance(out, (str, bytes)):
            raise Reject(f"For {given} return one number, the mean over the {n} examples; "
                         f"yours returned {n} values (one per example?).")
        value = as_number(out, f"cross_entropy_from_logits for {given}")
        right = _cross_entropy(logits, y)
        if not np.isfinite(value):
            raise Reject(f"For {given} your loss is {short(value)}, but it should be "
                         f"{right:.6g}: exp overflowed (or a probability rounded to 0 before "
                         "its log). Subtract each row's maximum from the logits before np.exp, "
                         "and take the log of the sum, not of a probability.")
        if np.isclose(value, right, rtol=1e-5, atol=1e-6):
            continue
        mistakes = [(-right, "the sign is flipped: the loss is log Σ exp(z) − z_y, never "
                             "negative."),
                     (right * n, "that is the sum over the batch; return the mean."),
                     (right / k, f"you divided by n·k = {n * k} (a mean over every entry); "
                                 f"divide by n = {n} only.")]
        for wrong, message in mistakes:
            if n * k > 1 and np.isclose(value, wrong, rtol=1e-5, atol=1e-6):
                raise Reject(f"For {given} the loss should be {right:.6g}; yours gave "
                             f"{value:.6g}: {message}")
        if value <= 16.2 and right > 16.2:
            raise Reject(f"For {given} the loss should be {right:.6g}; yours gave {value:.6g}. "
                         "Clipping probabilities (or going through softmax then log) caps "
                         "the loss; compute it from the logits: m + log Σ exp(z − m) − z_y.")
        raise Reject(f"For {given} the loss should be {right:.6g}; yours gave {value:.6g}.")
    # The reference agrees with Keras itself (on the ordinary cases).
    worst = 0.0
    for _, logits, y in cases[:-1]:
        keras_value = float(np.mean(keras.losses.sparse_categorical_crossentropy(
            y, logits.astype("float32"), from_logits=True)))
        worst = max(worst, abs(keras_value - _cross_entropy(logits, y)))
    return (f"agrees with SparseCategoricalCrossentropy(from_logits=True) (to {worst:.0e}) on "
            "four batches, and stays exact for logits near ±1000.")
