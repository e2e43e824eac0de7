"""Checkers for lesson 04 (Keras fundamentals).

4.1 builds a few small models and runs them on random batches (one of them large enough to tell
ReLU from a capped or leaky variant); 4.2 calls the learner's callback directly on a stand-in
model with made-up logs. 4.3 and 4.4 are judged by an outcome, so they train: 4.3 trains the
learner's repaired classifier on one batch of 32 training digits drawn at random (100 steps,
about a second), 4.4 trains the learner's model on the 3,000 training digits with a fixed
budget (10 epochs, batches of 64, the kit's OUTCOME_SEED) and measures its validation accuracy
itself (a few seconds). Neither trusts a number the learner reports, and both refuse a model
that arrives already trained. Every checker mixes fixed cases with cases drawn from `rng`, and
names a mistake only when the answer's output is what that mistake produces.
"""

import numpy as np

from helpers.checks import OUTCOME_SEED, Reject, built_model, call, exercise, need_callable, short
from helpers.startup import import_keras


def _unique(found):
    """The one message in `found`, or None when there are none or several different ones."""
    found = set(found)
    return found.pop() if len(found) == 1 else None


def _dense_params(sizes):
    """Parameters of Dense layers between consecutive widths: sum of d·k + k."""
    return sum(d * k + k for d, k in zip(sizes[:-1], sizes[1:]))


# 4.1 -----------------------------------------------------------------------------------------

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


@exercise("4.1")
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

# 4.2 -----------------------------------------------------------------------------------------

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


@exercise("4.2")
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


# 4.3 and 4.4: models the checker trains ------------------------------------------------------

def _mnist():
    """The lesson's 5,000 digits (3,000 / 1,000 / 1,000)."""
    from helpers import data
    return data.load_mnist()


def _fresh_model(answer, name, keras, mnist):
    """Call the learner's model-building function and return its model, or reject a model
    that is not one, is not compiled, or arrives already trained."""
    model = built_model(answer, name, fresh=False)
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        raise Reject(f"`{name}()` returned a model that is not compiled: call "
                     "model.compile(optimizer=..., loss=...) before returning it.")
    steps = int(model.optimizer.iterations)
    if steps:
        raise Reject(f"`{name}()` returned a model whose optimizer has already taken {steps:,} "
                     "steps: build and compile a new model on every call; the checker trains "
                     "it itself.")
    overridden = [m for m in ("fit", "train_step", "train_on_batch")
                  if getattr(type(model), m) is not getattr(keras.Model, m)]
    if overridden:
        raise Reject(f"Your model's class replaces Keras' `{overridden[0]}`; the checker trains "
                     "with Keras' own, so leave it as Keras has it.")
    x = mnist.x_val[:500]
    out = _outputs(model, x, f"`{name}()`'s model")
    if out.shape != (len(x), 10):
        raise Reject(f"On a batch of {len(x)} images of shape (28, 28), `{name}()`'s model "
                     f"should give {len(x)} rows of 10 scores, one per digit; it gave shape "
                     f"{out.shape}.")
    known = float(np.mean(out.argmax(axis=1) == mnist.y_val[:500]))
    if known > 0.4:
        raise Reject(f"Before any training, `{name}()`'s model already gets {known:.0%} of 500 "
                     "validation digits right: it has been trained (or given trained "
                     "weights). Return a fresh model; the checker's training is the one that "
                     "counts.")
    return model


def _outputs(model, x, what):
    try:
        out = model(x, training=False)
    except Exception as error:  # a wrong input shape, a layer that cannot take it
        raise Reject(f"Calling {what} on a batch of shape {x.shape} raised "
                     f"{type(error).__name__}: {str(error).splitlines()[0][:160]}") from None
    try:
        out = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise Reject(f"{what} returned {type(out).__name__}, not one array of scores.") \
            from None
    if not np.all(np.isfinite(out)):
        raise Reject(f"{what} gives NaN or infinite scores on a batch of shape {x.shape}: "
                     "training blew up.")
    return out


def _is_probabilities(out):
    return bool(out.min() >= 0 and np.allclose(out.sum(axis=1), 1.0, atol=1e-3))


def _probabilities(out):
    """Rows of probabilities: as they are if they already are, else a softmax of the rows
    (the model's outputs are then logits)."""
    if _is_probabilities(out):
        return out
    e = np.exp(out - out.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _cross_entropy_of(out, y):
    p = _probabilities(out)[np.arange(len(y)), y]
    return float(-np.mean(np.log(np.maximum(p, 1e-300))))


# 4.3 -----------------------------------------------------------------------------------------

ONE_BATCH, ONE_BATCH_STEPS, ONE_BATCH_LOSS = 32, 100, 0.1


@exercise("4.3")
def fixed_classifier(answer, rng):
    keras = import_keras()
    mnist = _mnist()
    keras.utils.set_random_seed(int(rng.integers(2**31)))
    model = _fresh_model(answer, "fixed_classifier", keras, mnist)
    pick = np.sort(rng.choice(len(mnist.x_train), ONE_BATCH, replace=False))
    x, y = mnist.x_train[pick], mnist.y_train[pick]
    given = f"one batch of {ONE_BATCH} training digits drawn at random"
    start = _cross_entropy_of(_outputs(model, x, "your model"), y)
    for step in range(ONE_BATCH_STEPS):
        try:
            model.train_on_batch(x, y)
        except Exception as error:
            raise Reject(f"Training your model with train_on_batch on {given} raised "
                         f"{type(error).__name__} at step {step}: "
                         f"{str(error).splitlines()[0][:160]}") from None
    out = _outputs(model, x, "your model after training")
    loss = _cross_entropy_of(out, y)
    right = int(np.sum(out.argmax(axis=1) == y))
    if loss <= ONE_BATCH_LOSS and right == ONE_BATCH:
        return (f"on {given}, {ONE_BATCH_STEPS} steps took the cross-entropy from {start:.2f} "
                f"to {loss:.3f}, all {ONE_BATCH} right: this model can learn.")
    told = (f"After {ONE_BATCH_STEPS} steps on {given} the cross-entropy went from {start:.2f} "
            f"to {loss:.3f} ({right} of {ONE_BATCH} right); a model that can learn gets below "
            f"{ONE_BATCH_LOSS} with all {ONE_BATCH} right.")
    if not _is_probabilities(out) and out.min() >= 0 and out.max() <= 1:
        raise Reject(f"{told} One bug at least: every score your model outputs lies between "
                     "0 and 1 and the rows are not probabilities, yet the loss reads them as "
                     "logits, so no digit can stand out from the others by more than 1. Let "
                     "the last layer output unbounded logits.")
    if loss > 0.8 * start:
        raise Reject(f"{told} The loss hardly moved: the steps are far too small to make "
                     "progress in 100 steps.")
    raise Reject(f"{told} It learns, but too slowly: look at the optimizer and its learning "
                 "rate again.")


# 4.4 -----------------------------------------------------------------------------------------

# Trained from OUTCOME_SEED the solution's model reaches 0.948 (0.945-0.955 over 14 other seeds).
TARGET, EPOCHS, BATCH, MAX_PARAMS = 0.94, 10, 64, 300_000


@exercise("4.4")
def build_digit_model(answer):
    keras = import_keras()
    mnist = _mnist()
    keras.utils.set_random_seed(OUTCOME_SEED)   # one answer, one verdict (the kit's docstring)
    model = _fresh_model(answer, "build_digit_model", keras, mnist)
    convolutions = [layer.name for layer in model._flatten_layers()
                    if "Conv" in type(layer).__name__]
    if convolutions:
        raise Reject(f"Your model has a convolution ({convolutions[0]}); this exercise is about "
                     "the MLPs of this lesson (lesson 07 brings convolutions).")
    params = model.count_params()
    if params > MAX_PARAMS:
        raise Reject(f"Your model has {params:,} parameters; keep it to {MAX_PARAMS:,} at most, "
                     "so that training it takes seconds.")
    try:
        model.fit(mnist.x_train, mnist.y_train, epochs=EPOCHS, batch_size=BATCH, verbose=0)
    except Exception as error:
        raise Reject(f"Training your model with fit on the 3,000 training digits raised "
                     f"{type(error).__name__}: {str(error).splitlines()[0][:160]}") from None
    steps = int(model.optimizer.iterations)
    allowed = EPOCHS * -(-len(mnist.x_train) // BATCH)
    if steps > allowed:
        raise Reject(f"Your model's optimizer took {steps:,} steps in {EPOCHS} epochs of "
                     f"batches of {BATCH}, where there are {allowed}: the budget is {EPOCHS} "
                     "epochs of plain Keras training.")
    out = _outputs(model, mnist.x_val, "your trained model")
    accuracy = float(np.mean(out.argmax(axis=1) == mnist.y_val))
    trained = (f"trained for {EPOCHS} epochs on the 3,000 training digits (batches of {BATCH}), "
               f"your model ({params:,} parameters) gets {accuracy:.1%} of the 1,000 "
               "validation digits right")
    if accuracy >= TARGET:
        return f"{trained}, at least {TARGET:.0%} as asked."
    hint = (" That is barely better than guessing: first make sure it can overfit one batch "
            "(Exercise 4.3).") if accuracy < 0.5 else ""
    raise Reject(f"{trained[0].upper()}{trained[1:]}; the target is at least {TARGET:.0%}."
                 f"{hint}")
