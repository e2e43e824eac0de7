"""Checkers for lesson 04 (Keras fundamentals).

No checker trains a model: 4.2 builds a few small models and runs them on random batches (one
of them large enough to tell ReLU from a capped or leaky variant), 4.3 calls the learner's
callback directly on a stand-in model with made-up logs. Every checker mixes fixed edge cases
with cases drawn from `rng`, and names a mistake only when the answer's output equals what that
mistake produces.
"""

import numpy as np

from helpers.checks import Reject, as_number, call, exercise, need_callable, short
from helpers.startup import import_keras


def _unique(found):
    """The one message in `found`, or None when there are none or several different ones."""
    found = set(found)
    return found.pop() if len(found) == 1 else None


# 4.1 -----------------------------------------------------------------------------------------

def _dense_params(sizes):
    """Parameters of Dense layers between consecutive widths: sum of d·k + k."""
    return sum(d * k + k for d, k in zip(sizes[:-1], sizes[1:]))


def _count_mistakes(sizes):
    """(value, message) for the usual wrong counts of an MLP with these widths."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    return [
        (sum(d * k for d, k in pairs), "you counted the weights but not the biases."),
        (sum(d * k + d for d, k in pairs), "you gave each layer one bias per *input*; a bias "
                                           "belongs to each unit of the layer."),
        (sum(d * k + 1 for d, k in pairs), "you gave each layer a single bias; it has one per "
                                           "unit."),
        (sum((d + 1) * (k + 1) for d, k in pairs), "you counted a bias on both sides of each "
                                                   "layer, (d + 1)(k + 1)."),
        (_dense_params(sizes[:-1]), "you left out the last layer (the output layer counts "
                                    "too)."),
        (_dense_params(sizes[1:]), "you left out the first layer (from the inputs to the first "
                                   "hidden layer)."),
        (int(np.prod(sizes)), "you multiplied all the widths together."),
    ]


def _size_cases(rng):
    """Fixed widths (one width, widths of 1, a large network), then widths drawn from `rng`
    (drawn only once the fixed ones passed, so a failure on those carries no seed)."""
    yield from [[784, 128, 10], [2, 1], [64, 32, 16, 10], [3, 5], [10, 1, 10], [7],
                [784, 7, 1], [1, 1], [4096, 4096, 1000]]
    for _ in range(4):
        yield [int(v) for v in rng.integers(1, 1025, int(rng.integers(2, 7)))]


@exercise("4.1")
def count_dense_params(answer, rng):
    need_callable(answer, "count_dense_params")
    for sizes in _size_cases(rng):
        given = f"sizes = {sizes}"
        out = call(answer, list(sizes), name="count_dense_params")
        value = as_number(out, f"count_dense_params({sizes})")
        if not np.isfinite(value):
            raise Reject(f"count_dense_params({sizes}) gave {short(value)}; it should be a "
                         "whole number.")
        right = _dense_params(sizes)
        if value == right:
            continue
        shown = f"{int(value):,}" if value == int(value) else repr(value)
        if len(sizes) == 1:
            raise Reject(f"count_dense_params({sizes}) should be 0: with one width there is "
                         f"no layer, hence no parameter; yours gave {shown}.")
        named = _unique(message for wrong, message in _count_mistakes(sizes) if value == wrong)
        if named:
            raise Reject(f"For {given} the count is {right:,}; yours gave {shown}: {named}")
        raise Reject(f"For {given} the count should be {right:,}; yours gave {shown}.")
    return ("right for 13 networks, including 784-128-10 (101,770 parameters), a single width "
            "(no layer, 0) and widths drawn at random.")


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


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


_RELU = lambda z: np.maximum(z, 0.0)  # noqa: E731
_IDENTITY = lambda z: z  # noqa: E731

# Hidden activations a learner may have used instead of ReLU, and what to say when the model's
# outputs are exactly what that activation gives.
_OTHER_HIDDEN = [
    (_IDENTITY, "the hidden layers act linearly (no activation): the specification asks for "
                "ReLU."),
    (lambda z: np.clip(z, 0.0, 6.0), "on large inputs your hidden units stop growing at 6 "
                                     "(ReLU6?); the specification asks for ReLU, which has no "
                                     "cap."),
    (np.tanh, "the hidden layers use tanh; the specification asks for ReLU."),
    (_sigmoid, "the hidden layers use a sigmoid; the specification asks for ReLU."),
    (lambda z: np.where(z > 0, z, 0.2 * z), "the hidden units let negative values through "
                                            "(a leaky ReLU); the specification asks for ReLU."),
    (lambda z: np.where(z > 0, z, 0.3 * z), "the hidden units let negative values through "
                                            "(a leaky ReLU); the specification asks for ReLU."),
    (lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))), "the hidden layers use ELU; "
                                                               "the specification asks for "
                                                               "ReLU."),
    (lambda z: np.logaddexp(0, z), "the hidden layers use softplus; the specification asks "
                                   "for ReLU."),
]
_OTHER_OUTPUT = [
    (_IDENTITY, "the outputs are raw scores (their rows do not sum to 1): the output layer "
                "needs the softmax the specification asks for."),
    (_sigmoid, "the output layer uses a sigmoid, so its rows do not sum to 1; the "
               "specification asks for a softmax."),
]


def _mlp_specs(rng):
    """(input_shape, hidden, n_classes): fixed specifications, then two drawn from `rng`."""
    yield from [((28, 28), [64, 32], 10), ((64,), [], 3), ((5, 4), [16, 8, 8], 4)]
    for _ in range(2):
        shape = tuple(int(v) for v in rng.integers(1, 7, int(rng.integers(1, 4))))
        hidden = [int(v) for v in rng.integers(2, 33, int(rng.integers(0, 4)))]
        yield shape, hidden, int(rng.integers(2, 11))


def _run(model, x, given):
    try:
        out = model(x)
    except Exception as error:  # a wrong input shape, a layer that cannot take it
        raise Reject(f"Calling the model of {given} on a batch of shape {x.shape} raised "
                     f"{type(error).__name__}: {str(error).splitlines()[0][:160]}") from None
    try:
        return np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise Reject(f"The model of {given} returned {type(out).__name__}, not one array of "
                     "scores.") from None


def _check_architecture(model, dense, given, sizes, hidden):
    expected = list(zip(sizes[:-1], sizes[1:]))
    if len(dense) != len(expected):
        raise Reject(f"For {given} the model should have {len(expected)} Dense layers "
                     f"({len(hidden)} hidden, then the output); yours has {len(dense)}.")
    for i, (layer, (d, k)) in enumerate(zip(dense, expected)):
        kernel_shape = tuple(int(s) for s in layer.kernel.shape)
        what = "the output layer" if i == len(expected) - 1 else f"hidden layer {i + 1}"
        if kernel_shape != (d, k):
            raise Reject(f"For {given}, {what} should go from {d} to {k} units (a kernel "
                         f"of shape {(d, k)}); yours has a kernel of shape {kernel_shape}.")
        if layer.bias is None:
            raise Reject(f"For {given}, {what} has no bias; keep Keras' default "
                         "use_bias=True.")
    right_count = _dense_params(sizes)
    if model.count_params() != right_count:
        raise Reject(f"For {given} the model should have {right_count:,} parameters (the "
                     f"Dense layers alone); yours has {model.count_params():,}. Leave out "
                     "layers that add parameters, such as BatchNormalization.")
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    if trainable != right_count:
        raise Reject(f"For {given} only {trainable:,} of the model's {right_count:,} "
                     "parameters are trainable: `fit` would never change the others. Leave "
                     "the layers trainable, as Keras makes them.")
    for i, layer in enumerate(dense[:-1]):
        kernel = np.asarray(layer.kernel, dtype=float)
        if kernel.shape[1] > 1 and np.all(kernel == kernel[:, :1]):
            start = "all zeros" if not kernel.any() else "identical"
            raise Reject(f"For {given}, the columns of hidden layer {i + 1}'s kernel are "
                         f"{start}: its units start alike, get the same gradient and stay "
                         "alike, so the layer acts like a single unit. Keep Keras' default "
                         "random initializer.")


def _diagnose_outputs(outs, xs, weights, hidden, given):
    """Reject with the mistake that reproduces the model's outputs on every batch, if one
    does; else with the difference on the large batch."""
    def same(hidden_act, output_act):
        return all(np.allclose(out, _forward(x, weights, hidden_act, output_act),
                               rtol=1e-3, atol=1e-5) for out, x in zip(outs, xs))

    variants = [(act, _softmax, message) for act, message in _OTHER_HIDDEN if hidden]
    variants += [(_RELU, act, message) for act, message in _OTHER_OUTPUT]
    if hidden:
        variants.append((_IDENTITY, _IDENTITY, "no layer has an activation: ReLU for the "
                                               "hidden layers, softmax for the output."))
    named = _unique(message for hidden_act, output_act, message in variants
                    if same(hidden_act, output_act))
    if named:
        raise Reject(f"For {given}, {named}")
    for out in outs:
        sums = out.sum(axis=1)
        if not np.allclose(sums, 1.0, atol=1e-4):
            raise Reject(f"For {given} each output row should be probabilities summing to 1 "
                         f"(the softmax at the end); yours sum to {short(sums)}.")
    out, x = outs[-1], xs[-1]
    right = _forward(x, weights, _RELU, _softmax)
    row = int(np.argmax(np.abs(out - right).max(axis=1)))
    raise Reject(f"For {given} the outputs differ from a Dense-ReLU stack with a softmax on "
                 f"top, computed from your own weights, on a batch of inputs of size about "
                 f"{np.abs(x).mean():.3g}: row {row} is {short(out[row])}, it should be "
                 f"{short(right[row])}. Check the activations (ReLU inside, softmax at the "
                 "end).")


@exercise("4.2")
def build_mlp(answer, rng):
    keras = import_keras()
    if isinstance(answer, keras.Model):
        raise Reject("Pass the function, `check.build_mlp(build_mlp)`, not a model it built: "
                     "the checker calls it with several specifications.")
    need_callable(answer, "build_mlp")
    for input_shape, hidden, n_classes in _mlp_specs(rng):
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

        small = rng.uniform(0.0, 1.0, size=(5, *input_shape)).astype("float32")
        out = _run(model, small, given)
        if out.ndim != 2:
            hint = " Did you forget keras.layers.Flatten() before the Dense layers?" \
                if out.ndim > 2 else ""
            raise Reject(f"For {given} a batch of 5 inputs should give outputs of shape "
                         f"(5, {n_classes}); yours gave {out.shape}.{hint}")
        if out.shape != (5, n_classes):
            raise Reject(f"For {given} a batch of 5 inputs should give outputs of shape "
                         f"(5, {n_classes}), one score per class; yours gave {out.shape}.")

        dense = _dense_layers(model, keras)
        sizes = [int(np.prod(input_shape)), *hidden, n_classes]
        _check_architecture(model, dense, given, sizes, hidden)

        # A second batch, scaled so that the first layer's pre-activations are about 30 in
        # size: ReLU, ReLU6 and leaky variants all agree on small positive ones.
        weights = [tuple(np.asarray(w, dtype=float) for w in layer.get_weights())
                   for layer in dense]
        large = rng.normal(0.0, 1.0, size=(6, *input_shape))
        spread = float(np.std(large.reshape(6, -1) @ weights[0][0]))
        large = (large * (30.0 if hidden else 5.0) / max(spread, 1e-6)).astype("float32")
        outs = [out, _run(model, large, given)]
        xs = [small.reshape(5, -1).astype(float), large.reshape(6, -1).astype(float)]
        if outs[1].shape != (6, n_classes):
            raise Reject(f"For {given} a batch of 6 inputs should give outputs of shape "
                         f"(6, {n_classes}); yours gave {outs[1].shape}.")
        rights = [_forward(x, weights, _RELU, _softmax) for x in xs]
        if all(np.allclose(o, r, rtol=1e-3, atol=1e-5) for o, r in zip(outs, rights)):
            continue
        _diagnose_outputs(outs, xs, weights, hidden, given)
    return ("right architecture, parameter count and outputs for five specifications, "
            "including images (28, 28), no hidden layer at all and large inputs.")


# 4.3 -----------------------------------------------------------------------------------------

class _StandInModel:
    """Just enough of a model for a callback that stops training."""

    def __init__(self):
        self.stop_training = False

    def stopped(self):
        """Whether `fit` would stop: its flag is true (True, 1 or a NumPy bool)."""
        flag = self.stop_training
        return isinstance(flag, (bool, int, np.bool_)) and bool(flag)


def _stops(answer, threshold, logs, before=()):
    """Whether a fresh callback stops training after an epoch with these logs, other
    callbacks made first with the thresholds in `before` (an error counts as no)."""
    try:
        for other in before:
            answer(other)
        callback = answer(threshold)
        stand_in = _StandInModel()
        callback.set_model(stand_in)
        callback.on_epoch_end(0, logs=dict(logs))
    except Exception:  # the main loop reports the learner's errors; this is only a probe
        return False
    return stand_in.stopped()


def _scenarios(rng):
    """(threshold, [(logs, should it have stopped by now?), ...]): fixed, then drawn."""
    just_under = float(np.nextafter(0.9, 0.0))
    yield from [
        (0.9, [({"loss": 1.2, "accuracy": 0.5}, False),
               ({"loss": 0.4, "accuracy": 0.89, "val_accuracy": 0.95}, False),
               ({"loss": 0.35, "accuracy": just_under, "val_accuracy": 0.9}, False),
               ({"loss": 0.3, "accuracy": 0.9, "val_accuracy": 0.85}, True)]),
        (0.75, [({"loss": 0.6, "accuracy": 0.7}, False),
                ({"loss": 0.5, "accuracy": 0.8}, True)]),
        (0.97, [({"loss": 0.2, "accuracy": 0.96, "val_accuracy": 0.98}, False),
                ({"loss": 0.1, "accuracy": 0.99, "val_accuracy": 0.94}, True)]),
    ]
    for _ in range(3):
        t = round(float(rng.uniform(0.3, 0.99)), 3)
        below = sorted(round(float(a), 4) for a in rng.uniform(0.0, t - 0.01, rng.integers(1, 4)))
        epochs = [({"loss": round(2.0 - a, 4), "accuracy": a,
                    "val_accuracy": round(float(rng.uniform(0.0, 1.0)), 4)}, False)
                  for a in below]
        epochs[int(rng.integers(len(epochs)))][0]["val_accuracy"] = \
            round(float(rng.uniform(t, 1.0)), 4)
        epochs.append(({"loss": 1.0, "accuracy": round(t - 1e-4 * int(rng.integers(1, 10)), 6),
                        "val_accuracy": round(float(rng.uniform(t, 1.0)), 4)}, False))
        reached = t if rng.random() < 0.5 else round(float(rng.uniform(t, min(1.0, t + 0.05))), 4)
        epochs.append(({"loss": 0.5, "accuracy": max(reached, t),
                        "val_accuracy": round(float(rng.uniform(0.0, t)), 4)}, True))
        yield t, epochs


def _epoch_mismatch(answer, threshold, logs, should_stop, history, defines_epoch_end, stopped):
    """The message for an epoch where the callback did not do what it should."""
    after = ", ".join(history)
    accuracy = logs["accuracy"]
    if should_stop and not defines_epoch_end:
        return ("Your class does not define on_epoch_end(self, epoch, logs=None), so nothing "
                "happens at the end of an epoch; check the accuracy there.")
    if should_stop and accuracy == threshold and \
            _stops(answer, threshold, {"loss": 0.1, "accuracy": threshold + 0.02}):
        return (f"With threshold {threshold}, after epochs with {after}, training should "
                "stop: the accuracy has reached the threshold exactly, and the exercise stops "
                "when it is at least the threshold. Yours stops only above it.")
    if should_stop:
        return (f"With threshold {threshold}, after epochs with {after}, training should "
                f"stop, but model.stop_training is {short(stopped)}.")
    if _stops(answer, threshold, {"loss": 2.0, "accuracy": 0.0, "val_accuracy": 1.0}) \
            and not _stops(answer, threshold, {"loss": 2.0, "accuracy": 0.0,
                                               "val_accuracy": 0.0}):
        return (f"With threshold {threshold}, after epochs with {after}, training should go "
                "on; your callback also stops after an epoch with accuracy 0 and val_accuracy "
                "1. The exercise watches the training accuracy, logs['accuracy'], not "
                "val_accuracy.")
    if threshold - 1e-3 < accuracy < threshold:
        return (f"With threshold {threshold}, after epochs with {after}, training should go "
                f"on: {accuracy!r} is just under the threshold, and the exercise stops only "
                "when the accuracy is at least the threshold, but yours stopped there. "
                "(Rounding the accuracy, or comparing with a tolerance, has that effect.)")
    return (f"With threshold {threshold}, after epochs with {after}, training should go on "
            "(the accuracy is below the threshold), but your callback set "
            "model.stop_training.")


@exercise("4.3")
def stop_at_accuracy(answer, rng):
    keras = import_keras()
    base = keras.callbacks.Callback
    if isinstance(answer, base):
        raise Reject("Pass the class itself, `check.stop_at_accuracy(StopAtAccuracy)`, not an "
                     "instance of it: the checker creates its own with several thresholds.")
    need_callable(answer, "StopAtAccuracy")

    scenarios = 0
    for threshold, epochs in _scenarios(rng):
        scenarios += 1
        callback = call(answer, threshold, name="StopAtAccuracy")
        if not isinstance(callback, base):
            raise Reject(f"StopAtAccuracy({threshold}) should be a keras.callbacks.Callback "
                         f"(write `class StopAtAccuracy(keras.callbacks.Callback):`); got "
                         f"{type(callback).__name__}.")
        defines_epoch_end = type(callback).on_epoch_end is not base.on_epoch_end
        stand_in = _StandInModel()
        call(callback.set_model, stand_in, name="set_model")
        # `logs` is handed over inside a closure, not as an argument of `call`: a Keras
        # callback may legitimately add entries to the logs it is given.
        call(lambda: callback.on_train_begin(logs={}), name="on_train_begin")
        history = []
        for epoch, (logs, should_stop) in enumerate(epochs):
            fresh = dict(logs)
            call(lambda e: callback.on_epoch_begin(e, logs={}), epoch, name="on_epoch_begin")
            call(lambda e: callback.on_epoch_end(e, logs=fresh), epoch, name="on_epoch_end")
            history.append(f"accuracy {logs['accuracy']!r}")
            if stand_in.stopped() != should_stop:
                raise Reject(_epoch_mismatch(answer, threshold, logs, should_stop, history,
                                             defines_epoch_end, stand_in.stop_training))

    # Two callbacks alive at once (a threshold kept on the class would be shared).
    first = call(answer, 0.9, name="StopAtAccuracy")
    call(answer, 0.5, name="StopAtAccuracy")
    stand_in = _StandInModel()
    call(first.set_model, stand_in, name="set_model")
    call(lambda: first.on_epoch_end(0, logs={"loss": 0.8, "accuracy": 0.7}), name="on_epoch_end")
    if stand_in.stopped() and not _stops(answer, 0.9, {"loss": 0.8, "accuracy": 0.7}):
        raise Reject("Made one after the other, StopAtAccuracy(0.9) and StopAtAccuracy(0.5) "
                     "should each keep their own threshold; the first one stopped after an "
                     "epoch with accuracy 0.7, as if it had the second one's threshold. Keep "
                     "the threshold on the instance (self), not on the class.")
    if stand_in.stopped():
        raise Reject("StopAtAccuracy(0.9) stopped training after an epoch with accuracy 0.7, "
                     "below its threshold.")
    return (f"stops at the first epoch whose accuracy reaches the threshold (equality "
            f"included), not at an accuracy just under it, for {scenarios} thresholds "
            "(3 of them drawn at random), and each callback keeps its own threshold.")


# 4.4 -----------------------------------------------------------------------------------------

# The exercise computes the loss by hand, log-sum-exp included (its hint spells out the shift
# by the row's maximum), so the library's losses and log-sum-exp / log-softmax are off limits.
FROM_SCRATCH = ("keras.losses.sparse_categorical_crossentropy",
                "keras.losses.SparseCategoricalCrossentropy",
                "keras.losses.categorical_crossentropy",
                "keras.losses.CategoricalCrossentropy",
                "tf.nn.sparse_softmax_cross_entropy_with_logits",
                "tf.nn.softmax_cross_entropy_with_logits",
                "keras.ops.logsumexp",
                "tf.math.reduce_logsumexp",
                "keras.ops.log_softmax")


def _cross_entropy(logits, y):
    """Mean sparse cross-entropy of logits (n, k) against integer labels y (n,), float64."""
    m = logits.max(axis=1, keepdims=True)
    log_sum_exp = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return float(np.mean(log_sum_exp - logits[np.arange(len(y)), y]))


def _ce_cases(rng):
    """(logits, y): fixed edge cases, then cases drawn from `rng`."""
    fixed = np.random.default_rng(44)
    near_1000 = fixed.normal(0, 2, (3, 4)) + np.array([[1000.0], [-1000.0], [300.0]])
    near_1000[0, 1] += 50.0                                 # row 0: sure of class 1, label 3
    yield from [
        (fixed.normal(0, 3, (6, 3)), np.array([0, 2, 1, 1, 0, 2])),
        (np.array([[1000.0, 0.0], [0.0, 1000.0], [-1500.0, 1500.0]]),
         np.array([1, 1, 0])),                              # gaps of 1,000 and 3,000 in a row
        (near_1000, np.array([3, 0, 1])),                   # rows near 1000, -1000, 300
        (np.array([[3000.0, 2999.0, 2990.0], [-3000.0, -2999.5, -3001.0]]), np.array([2, 1])),
        (np.array([[0.3, -1.2]]), np.array([1])),          # a batch of one
        (np.array([[2.0, 2.0, 2.0], [-1.0, -1.0, -1.0]]), np.array([1, 2])),  # ties: log 3
        (fixed.normal(0, 1e-9, (4, 5)), np.array([0, 4, 2, 2])),             # tiny logits
    ]
    for _ in range(3):
        n, k = int(rng.integers(1, 10)), int(rng.integers(2, 11))
        yield rng.normal(0, 3, (n, k)), rng.integers(0, k, n)
    n, k = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    large = rng.normal(0, 3, (n, k)) + rng.uniform(-1500, 1500, (n, 1))
    large[np.arange(n), rng.integers(0, k, n)] += rng.choice([-1, 1], n) * rng.uniform(500, 1000, n)
    yield large, rng.integers(0, k, n)


# Small inputs that tell the unstable ways of computing the loss apart.
_PROBES = [(np.array([[800.0, 800.0]]), np.array([0])),                 # exp(800) overflows
           (np.array([[0.0, -800.0]]), np.array([1])),                  # p = e^-800 is 0
           (np.array([[800.0, 0.0]]), np.array([0])),                   # p = 1, a gap of 800
           (np.array([[0.0, 1.0], [-2000.0, -2001.0]]), np.array([0, 0]))]  # rows far apart


def _unstable_variants():
    """(function of (logits, y), message) for the usual unstable ways to compute the loss."""
    def rows(z, y):
        return np.arange(len(y)), y

    def naive(z, y):
        return np.mean(np.log(np.exp(z).sum(axis=1)) - z[rows(z, y)])

    def naive_softmax(z, y):
        e = np.exp(z)
        return -np.mean(np.log((e / e.sum(axis=1, keepdims=True))[rows(z, y)]))

    def through_softmax(z, y, dtype=float):
        z = z.astype(dtype)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return -np.mean(np.log((e / e.sum(axis=1, keepdims=True))[rows(z, y)]).astype(float))

    def one_shift(z, y):
        m = z.max()
        return np.mean(m + np.log(np.exp(z - m).sum(axis=1)) - z[rows(z, y)])

    def shifted_by(statistic):
        def loss(z, y):
            m = statistic(z, axis=1, keepdims=True)
            return np.mean(m[:, 0] + np.log(np.exp(z - m).sum(axis=1)) - z[rows(z, y)])
        return loss

    def clipped(eps):
        def loss(z, y):
            e = np.exp(z - z.max(axis=1, keepdims=True))
            p = (e / e.sum(axis=1, keepdims=True))[rows(z, y)]
            return -np.mean(np.log(np.clip(p, eps, 1.0)))
        return loss

    overflow = ("exp of the raw logits overflows float64 above about 709 (exp(800) is inf). "
                "Subtract each row's maximum before np.exp: the loss does not change, and exp "
                "stays in range.")
    to_zero = ("a probability rounded to 0 before its log (e^-800 is 0 in float64, and log 0 "
               "is −inf). Work with the logits themselves: the loss of a row is its "
               "log-sum-exp minus the true class's logit, and neither needs a probability.")
    capped = ("your loss stops growing where a clipped probability stops shrinking. Clipping "
              "(or any floor on a probability) caps the loss; compute it from the logits "
              "instead, where nothing needs clipping.")
    return ([(naive, overflow), (naive_softmax, overflow), (through_softmax, to_zero),
             (lambda z, y: through_softmax(z, y, np.float32), to_zero),
             (one_shift, "one shift for the whole batch: a row far below the batch's maximum "
                         "has exp = 0 in every entry, and log 0 is −inf. Shift each row by "
                         "its own maximum.")]
            + [(shifted_by(statistic), "each row is shifted, but not by its maximum (by its "
                                       "mean, or its minimum): a shifted logit can still be "
                                       "above about 709, where exp overflows. Shifted by the "
                                       "row's maximum, every logit is at most 0.")
               for statistic in (np.mean, np.min)]
            + [(clipped(eps), capped) for eps in (1e-7, 1e-8, 1e-10, 1e-12, 1e-15)])


def _same(a, b, atol):
    if np.isnan(a) or np.isnan(b):
        return bool(np.isnan(a) and np.isnan(b))
    if np.isinf(a) or np.isinf(b):
        return a == b
    return bool(np.isclose(a, b, rtol=1e-5, atol=atol))


def _tolerance(logits):
    """Absolute tolerance on a loss: float32 arithmetic loses about 3e-7 of the logits' size."""
    return 1e-6 + 3e-7 * float(np.abs(logits).max())


def _loss_of(answer, logits, y):
    """The learner's loss on a probe, or None if it cannot be read as one number."""
    try:
        return as_number(call(answer, logits, y, name="cross_entropy_from_logits"), "the loss")
    except Reject:
        return None


def _unstable_mistake(answer, logits, y, value):
    """The message of the unstable variant that reproduces `value` and the answer's losses on
    every probe, if exactly one kind does."""
    inputs = [(logits, y)] + _PROBES
    values = [value] + [_loss_of(answer, z, t) for z, t in _PROBES]
    if any(v is None for v in values):
        return None
    found = []
    with np.errstate(all="ignore"):
        for variant, message in _unstable_variants():
            if all(_same(v, float(variant(z, t)), _tolerance(z))
                   for v, (z, t) in zip(values, inputs)):
                found.append(message)
    return _unique(found)


@exercise("4.4", forbid=FROM_SCRATCH)
def cross_entropy_from_logits(answer, rng):
    need_callable(answer, "cross_entropy_from_logits")
    keras = import_keras()
    cases = []
    for logits, y in _ce_cases(rng):
        cases.append((logits, y))
        n, k = logits.shape
        given = f"logits {logits.shape} = {short(logits, 70)}, y = {short(y, 30)}"
        out = call(answer, logits, y, name="cross_entropy_from_logits")
        try:
            per_example = len(np.shape(out)) >= 1 and int(np.prod(np.shape(out))) == n > 1
        except (TypeError, ValueError):
            per_example = False
        if per_example and not isinstance(out, (str, bytes)):
            raise Reject(f"For {given} return one number, the mean over the {n} examples; "
                         f"yours returned {n} values (one per example?).")
        value = as_number(out, f"cross_entropy_from_logits for {given}")
        right = _cross_entropy(logits, y)
        atol = _tolerance(logits)
        if np.isclose(value, right, rtol=1e-5, atol=atol):
            continue
        unstable = _unstable_mistake(answer, logits, y, value)
        if unstable:
            raise Reject(f"For {given} the loss should be {right:.6g}; yours gave "
                         f"{short(value)}: {unstable}")
        if not np.isfinite(value):
            raise Reject(f"For {given} your loss is {short(value)}; it should be {right:.6g}, "
                         "a finite number.")
        m = logits.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
        mistakes = [(-right, "the sign is flipped: a cross-entropy is never negative."),
                    (right * n, "that is the sum over the batch; the exercise asks for the "
                                "mean."),
                    (right / k, f"that is a mean over all n·k = {n * k} entries; the "
                                f"exercise asks for the mean over the n = {n} examples."),
                    (right - float(np.mean(m)), "you shifted the logits by each row's "
                                                "maximum but did not add it back."),
                    (float(np.mean(lse[None, :] - logits[:, y])), "your loss takes, in every "
                                                                  "row, the logits of every "
                                                                  "example's label (an n × n "
                                                                  "block), not each row's own "
                                                                  "label.")]
        named = _unique(message for wrong, message in mistakes
                        if not np.isclose(wrong, right, rtol=1e-5, atol=atol)
                        and np.isclose(value, wrong, rtol=1e-5, atol=atol))
        if named:
            raise Reject(f"For {given} the loss should be {right:.6g}; yours gave "
                         f"{value:.6g}: {named}")
        raise Reject(f"For {given} the loss should be {right:.6g}; yours gave {value:.6g}.")
    # The reference agrees with Keras itself (on the ordinary cases).
    worst = 0.0
    for logits, y in cases:
        if np.abs(logits).max() < 100:
            keras_value = float(np.mean(keras.losses.sparse_categorical_crossentropy(
                y, logits.astype("float32"), from_logits=True)))
            worst = max(worst, abs(keras_value - _cross_entropy(logits, y)))
    return (f"agrees with SparseCategoricalCrossentropy(from_logits=True) (to {worst:.0e}) on "
            f"{len(cases)} batches, and stays exact for logits in the thousands and a gap of "
            "1,000 inside a row.")
