"""Unit tests of lesson 04's checkers (Keras fundamentals): right answers pass, wrong ones fail
with a specific message, odd answers get a verdict rather than a crash."""

import numpy as np
import pytest

from answers import raises_value_error, stub_for
from helpers.checks import ExerciseFailed
from helpers.checks import lesson04 as check
from helpers.startup import import_keras

keras = import_keras()


def rejects(checker, answer, match):
    with pytest.raises(ExerciseFailed, match=match):
        checker(answer)


# Exercise 4.1: count_dense_params(sizes) -----------------------------------------------------

def count_with_loop(sizes):
    total = 0
    for i in range(len(sizes) - 1):
        total += sizes[i] * sizes[i + 1] + sizes[i + 1]
    return total


@pytest.mark.parametrize("answer", [
    lambda sizes: sum(d * k + k for d, k in zip(sizes[:-1], sizes[1:])),
    count_with_loop,
    lambda sizes: np.int64(sum((d + 1) * k for d, k in zip(sizes[:-1], sizes[1:]))),
    lambda sizes: float(np.dot(np.add(sizes[:-1], 1), sizes[1:])) if len(sizes) > 1 else 0.0,
])
def test_count_accepts_right_answers_written_differently(answer):
    assert check.count_dense_params(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`count_dense_params` is None"),
    ("d * k + k", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda s: sum(d * k for d, k in zip(s[:-1], s[1:])), "not the biases"),
    (lambda s: sum(d * k + d for d, k in zip(s[:-1], s[1:])), r"one bias per \*input\*"),
    (lambda s: sum(d * k + 1 for d, k in zip(s[:-1], s[1:])), "a single bias"),
    (lambda s: sum((d + 1) * (k + 1) for d, k in zip(s[:-1], s[1:])), "bias on both sides"),
    (lambda s: sum(d * k + k for d, k in zip(s[:-2], s[1:-1])), "left out the last layer"),
    (lambda s: int(np.prod(s)), "multiplied all the widths"),
    (lambda s: -sum(d * k + k for d, k in zip(s[:-1], s[1:])),            # wrong sign
     r"should be 101,770; yours gave -101770"),
    (lambda s: sum(d * k + k for d, k in zip(s[:-1], s[1:])) + 1,         # off by one
     r"should be 101,770; yours gave 101771"),
    (lambda s: 101770, r"sizes = \[2, 1\] the count should be 3"),          # constant
    (lambda s: [d * k + k for d, k in zip(s[:-1], s[1:])],                # one per layer
     r"should be a single number; got shape \(2,\)"),
    (lambda s: None, "did you forget a `return`"),
    (lambda s: float("nan"), "should be a whole number"),
    (lambda s: sum(d * k + k for d, k in list(zip(s[:-1], s[1:]))[:2]),  # two layers at most
     r"sizes = \[64, 32, 16, 10\] the count is 2,778; yours gave 2,608: you left out the last"),
])
def test_count_rejects_wrong_answers_specifically(answer, message):
    rejects(check.count_dense_params, answer, message)


def test_count_rejects_a_single_width_with_parameters():
    def crashes_on_one(sizes):
        return sum(d * k + k for d, k in zip(sizes[:-1], sizes[1:])) or sizes[0]
    rejects(check.count_dense_params, crashes_on_one, r"should be 0: with one width")


def test_count_stub_is_told_the_exercise_is_theirs():
    rejects(check.count_dense_params, stub_for("4.1", "implement `count_dense_params(sizes)`"),
            r"^Exercise 4\.1 is yours: implement `count_dense_params")


# Exercise 4.2: build_mlp(input_shape, hidden, n_classes) -------------------------------------

def sequential_mlp(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u, activation="relu") for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def functional_mlp(input_shape, hidden, n_classes):
    inputs = keras.Input(shape=tuple(input_shape))
    h = keras.layers.Reshape((-1,))(inputs)
    for units in hidden:
        h = keras.layers.Activation("relu")(keras.layers.Dense(units)(h))
    outputs = keras.layers.Softmax()(keras.layers.Dense(n_classes)(h))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")  # allowed
    return model


@pytest.mark.parametrize("answer", [sequential_mlp, functional_mlp])
def test_build_mlp_accepts_sequential_and_functional(answer):
    assert check.build_mlp(answer) is True


def no_flatten(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape)]
                            + [keras.layers.Dense(u, activation="relu") for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def linear_hidden(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u) for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def logits_out(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u, activation="relu") for u in hidden]
                            + [keras.layers.Dense(n_classes)])


def sigmoid_out(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u, activation="relu") for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="sigmoid")])


def tanh_hidden(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u, activation="tanh") for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def one_class_short(input_shape, hidden, n_classes):           # off by one
    return sequential_mlp(input_shape, hidden, n_classes - 1)


def hard_coded(input_shape, hidden, n_classes):                # constant architecture
    return sequential_mlp((28, 28), [64, 32], 10)


def extra_layer(input_shape, hidden, n_classes):
    return sequential_mlp(input_shape, [*hidden, 16], n_classes)


def reversed_hidden(input_shape, hidden, n_classes):
    return sequential_mlp(input_shape, hidden[::-1], n_classes)


def with_batch_norm(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(),
                             keras.layers.BatchNormalization()]
                            + [keras.layers.Dense(u, activation="relu") for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def no_bias(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u, activation="relu", use_bias=False)
                               for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


@pytest.mark.parametrize("answer, message", [
    (None, "`build_mlp` is None"),
    (keras.Sequential(), "Pass the function, `check.build_mlp\\(build_mlp\\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda *args: None, "returned None: did you forget to `return` the model"),
    (lambda *args: keras.Sequential, "returned the class Sequential, not a model"),
    (lambda *args: [keras.layers.Dense(10)], "should return a Keras model .*got list"),
    (no_flatten, r"should give outputs of shape \(5, 10\); yours gave \(5, 28, 10\)\. Did you "
                 r"forget keras\.layers\.Flatten"),
    (linear_hidden, "hidden layers act linearly"),
    (logits_out, "outputs are raw scores"),
    (sigmoid_out, "rows do not sum|summing to 1"),
    (tanh_hidden, r"differ from a Dense-ReLU stack"),
    (one_class_short, r"outputs of shape \(5, 10\), one score per class; yours gave \(5, 9\)"),
    (hard_coded, r"build_mlp\(\(64,\), \[\], 3\).*raised ValueError"),
    (extra_layer, r"should have 3 Dense layers \(2 hidden, then the output\); yours has 4"),
    (reversed_hidden, r"hidden layer 1 should go from 784 to 64 units.*\(784, 32\)"),
    (with_batch_norm, r"should have 52,650 parameters .*yours has 55,786"),
    (no_bias, "has no bias"),
])
def test_build_mlp_rejects_wrong_answers_specifically(answer, message):
    rejects(check.build_mlp, answer, message)


def test_build_mlp_stub_is_told_the_exercise_is_theirs():
    rejects(check.build_mlp, stub_for("4.2", "implement `build_mlp(input_shape, hidden, "
                                             "n_classes)`"),
            r"^Exercise 4\.2 is yours: implement `build_mlp")


# Exercise 4.3: StopAtAccuracy(threshold) -----------------------------------------------------

class RightCallback(keras.callbacks.Callback):
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= self.threshold:
            self.model.stop_training = True


class WrittenDifferently(keras.callbacks.Callback):
    """No super().__init__ call, a different argument name, and it also resets the flag."""

    def __init__(self, target):
        self.target = float(target)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.model.stop_training = bool(logs.get("accuracy", 0) >= self.target)


def factory(threshold):                         # a function that returns the callback
    return RightCallback(threshold)


class SetsOne(RightCallback):                   # fit stops on any true flag
    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= self.threshold:
            self.model.stop_training = 1


@pytest.mark.parametrize("answer", [RightCallback, WrittenDifferently, factory, SetsOne])
def test_stop_at_accuracy_accepts_right_answers_written_differently(answer):
    assert check.stop_at_accuracy(answer) is True


def make_callback(rule, base=keras.callbacks.Callback, method="on_epoch_end"):
    """A callback class that sets stop_training when rule(accuracy logs, threshold) holds."""

    def hook(self, epoch_or_batch, logs=None):
        if rule(logs, self.threshold):
            self.model.stop_training = True

    def init(self, threshold):
        base.__init__(self)
        self.threshold = threshold

    return type("Wrong", (base,), {"__init__": init, method: hook})


class NotACallback:
    def __init__(self, threshold):
        self.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        pass


@pytest.mark.parametrize("answer, message", [
    (None, "`StopAtAccuracy` is None"),
    (RightCallback(0.9), "Pass the class itself"),
    (raises_value_error, "raised ValueError: boom"),
    (make_callback(lambda logs, t: logs["accuracy"] > t), "exactly, and 'at least' means >="),
    (make_callback(lambda logs, t: logs["accuracy"] <= t),               # wrong direction
     r"training should go on \(the accuracy is below the threshold\)"),
    (make_callback(lambda logs, t: True), "training should go on"),       # constant: stops
    (make_callback(lambda logs, t: False), "training should stop, but model.stop_training"),
    (make_callback(lambda logs, t: logs["accuracy"] >= 0.9),             # ignores threshold
     "With threshold 0.75"),
    (make_callback(lambda logs, t: logs["accuracy"] >= t - 0.01),        # off by a little
     r"With threshold 0\.9, after epochs with accuracy 0\.5, accuracy 0\.89, training should "
     r"go on"),
    (make_callback(lambda logs, t: logs.get("val_accuracy", 0) >= t), "not val_accuracy"),
    (make_callback(lambda logs, t: logs["acc"] >= t), r"raised KeyError: 'acc'"),
    (make_callback(lambda logs, t: logs["accuracy"] >= t, method="on_train_batch_end"),
     "does not define on_epoch_end"),
    (NotACallback, r"should be a keras\.callbacks\.Callback"),
    (lambda threshold: None, r"should be a keras\.callbacks\.Callback .*got NoneType"),
    (make_callback(lambda logs, t: logs["accuracy"] >= t, method="on_train_begin"),
     r"`on_train_begin\(logs=\{\}\)` raised TypeError"),
])
def test_stop_at_accuracy_rejects_wrong_answers_specifically(answer, message):
    rejects(check.stop_at_accuracy, answer, message)


def test_stop_at_accuracy_stub_is_told_the_exercise_is_theirs():
    class Stub(keras.callbacks.Callback):
        def __init__(self, threshold):
            super().__init__()
            raise NotImplementedError("Exercise 4.3 is yours: implement the callback "
                                      "`StopAtAccuracy(threshold)`.")
    rejects(check.stop_at_accuracy, Stub, r"^Exercise 4\.3 is yours: implement the callback")


def test_stop_at_accuracy_without_on_epoch_end_is_told_so():
    class Empty(keras.callbacks.Callback):
        def __init__(self, threshold):
            super().__init__()
            self.threshold = threshold
    rejects(check.stop_at_accuracy, Empty, "does not define on_epoch_end")


def test_stop_at_accuracy_stub_in_on_epoch_end_is_told_the_exercise_is_theirs():
    class Half(RightCallback):
        def on_epoch_end(self, epoch, logs=None):
            raise NotImplementedError("Exercise 4.3 is yours: implement the callback "
                                      "`StopAtAccuracy(threshold)`.")
    rejects(check.stop_at_accuracy, Half, r"^Exercise 4\.3 is yours")


# Exercise 4.4: cross_entropy_from_logits(logits, y) ------------------------------------------

def ce_right(logits, y):
    m = logits.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return np.mean(lse - logits[np.arange(len(y)), y])


def ce_with_keras(logits, y):
    return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(
        y, logits.astype("float32"), from_logits=True))


def ce_with_scipy_style(logits, y):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return [-np.mean(np.eye(logits.shape[1])[y] * log_p) * logits.shape[1]]   # a 1-item list


@pytest.mark.parametrize("answer", [ce_right, ce_with_keras, ce_with_scipy_style])
def test_cross_entropy_accepts_right_answers_written_differently(answer):
    assert check.cross_entropy_from_logits(answer) is True


def ce_no_shift(logits, y):
    with np.errstate(all="ignore"):
        return np.mean(np.log(np.exp(logits).sum(axis=1)) - logits[np.arange(len(y)), y])


def ce_clipped(logits, y):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return np.mean(-np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1)))


@pytest.mark.parametrize("answer, message", [
    (None, "`cross_entropy_from_logits` is None"),
    (3.0, "should be a function; got a float"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda z, y: -ce_right(z, y), "the sign is flipped"),
    (lambda z, y: ce_right(z, y) * len(y), "that is the sum over the batch"),
    (lambda z, y: ce_right(z, y) / z.shape[1], r"you divided by n·k = 18"),
    (lambda z, y: ce_right(z, y) + 1, r"the loss should be [\d.]+; yours gave"),   # off by one
    (lambda z, y: 1.0986, r"logits of shape \(6, 3\) the loss should be 1\.81"),       # constant
    (lambda z, y: ce_right(z, (y + 1) % z.shape[1]), r"the loss should be"),      # wrong labels
    (ce_no_shift, "exp overflowed"),
    (ce_clipped, "Clipping probabilities"),
    (lambda z, y: np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)) + z.max(1)
     - z[np.arange(len(y)), y], r"yours returned 6 values \(one per example\?\)"),
    (lambda z, y: None, "did you forget a `return`"),
    (lambda z, y: "1.2", "got the text"),
    (lambda z, y: np.nan, "your loss is nan"),
])
def test_cross_entropy_rejects_wrong_answers_specifically(answer, message):
    rejects(check.cross_entropy_from_logits, answer, message)


def test_cross_entropy_stub_is_told_the_exercise_is_theirs():
    rejects(check.cross_entropy_from_logits,
            stub_for("4.4", "implement `cross_entropy_from_logits(logits, y)`"),
            r"^Exercise 4\.4 is yours: implement `cross_entropy_from_logits")
