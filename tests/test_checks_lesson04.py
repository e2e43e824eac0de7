"""Unit tests of lesson 04's checkers (Keras fundamentals): right answers pass, wrong ones fail
with a specific message, odd answers get a verdict rather than a crash."""

import numpy as np
import pytest
from answers import lookup_table, raises_value_error, stub_for

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
     r"should be 101,770; yours gave -101,770\.$"),
    (lambda s: sum(d * k + k for d, k in zip(s[:-1], s[1:])) + 1,         # off by one
     r"should be 101,770; yours gave 101,771\.$"),
    (lambda s: sum(d * k + k for d, k in zip(s[:-1], s[1:])) + 0.5,       # not whole
     r"should be 101,770; yours gave 101770\.5\.$"),
    (lambda s: sum(d * k + k for d, k in zip(s[1:-1], s[2:])),            # first layer left out
     r"the count is 101,770; yours gave 1,290: you left out the first layer"),
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


FIXED_COUNTS = {(784, 128, 10): 101_770, (2, 1): 3, (64, 32, 16, 10): 2_778, (3, 5): 20,
                (10, 1, 10): 31, (7,): 0, (784, 7, 1): 5_503, (1, 1): 2,
                (4096, 4096, 1000): 20_878_312}


def test_count_rejects_a_table_of_the_fixed_cases():
    rejects(check.count_dense_params, lambda sizes: FIXED_COUNTS.get(tuple(sizes)),
            r"is None: did you forget a `return`\?.*seed=")


def test_count_rejects_a_lookup_table_of_an_earlier_run():
    rejects(check.count_dense_params,
            lookup_table(check.count_dense_params, count_with_loop), r"is None.*seed=")


def test_count_rejects_an_answer_that_empties_the_list():
    def pops(sizes):
        total = 0
        while len(sizes) > 1:
            d = sizes.pop(0)
            total += d * sizes[0] + sizes[0]
        return total

    rejects(check.count_dense_params, pops, "changed its input `sizes` in place")


def test_count_names_a_mistake_only_when_it_alone_explains_the_value():
    # For [2, 1], "weights without biases" and "the product of the widths" both give 2:
    # the message must not guess which one it was.
    def ambiguous(sizes):
        return 2 if sizes == [2, 1] else count_with_loop(sizes)

    rejects(check.count_dense_params, ambiguous,
            r"For sizes = \[2, 1\] the count should be 3; yours gave 2\.$")


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


def with_activation(activation):
    def build(input_shape, hidden, n_classes):
        return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                                + [keras.layers.Dense(u, activation=activation) for u in hidden]
                                + [keras.layers.Dense(n_classes, activation="softmax")])
    return build


relu6_hidden = with_activation("relu6")            # capped: same as ReLU on small inputs
gelu_hidden = with_activation("gelu")
elu_hidden = with_activation("elu")


def leaky_hidden(input_shape, hidden, n_classes):
    layers = [keras.Input(shape=input_shape), keras.layers.Flatten()]
    for units in hidden:
        layers += [keras.layers.Dense(units), keras.layers.LeakyReLU()]
    return keras.Sequential(layers + [keras.layers.Dense(n_classes, activation="softmax")])


def with_initializer(initializer):
    def build(input_shape, hidden, n_classes):
        return keras.Sequential(
            [keras.Input(shape=input_shape), keras.layers.Flatten()]
            + [keras.layers.Dense(u, activation="relu", kernel_initializer=initializer)
               for u in hidden]
            + [keras.layers.Dense(n_classes, activation="softmax",
                                  kernel_initializer=initializer)])
    return build


zero_init = with_initializer("zeros")              # outputs still a valid softmax
ones_init = with_initializer("ones")


def frozen(input_shape, hidden, n_classes):
    model = sequential_mlp(input_shape, hidden, n_classes)
    model.trainable = False
    return model


def frozen_first_layer(input_shape, hidden, n_classes):
    model = sequential_mlp(input_shape, hidden, n_classes)
    model.layers[1].trainable = False                  # the first Dense (after Flatten)
    return model


def pops_hidden(input_shape, hidden, n_classes):
    layers = [keras.Input(shape=input_shape), keras.layers.Flatten()]
    while hidden:
        layers.append(keras.layers.Dense(hidden.pop(0), activation="relu"))
    return keras.Sequential(layers + [keras.layers.Dense(n_classes, activation="softmax")])


FIXED_SPECS = {((28, 28), (64, 32), 10), ((64,), (), 3), ((5, 4), (16, 8, 8), 4)}


def fixed_specs_only(input_shape, hidden, n_classes):   # a table of the fixed cases
    if (tuple(input_shape), tuple(hidden), n_classes) in FIXED_SPECS:
        return sequential_mlp(input_shape, hidden, n_classes)
    return None


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
    (tanh_hidden, r"the hidden layers use tanh"),
    (gelu_hidden, r"differ from a Dense-ReLU stack .* on a batch of inputs of size about"),
    (relu6_hidden, r"on large inputs your hidden units stop growing at 6 \(ReLU6\?\)"),
    (leaky_hidden, r"let negative values through \(a leaky ReLU\)"),
    (elu_hidden, r"the hidden layers use ELU"),
    (zero_init, r"the columns of hidden layer 1's kernel are all zeros"),
    (ones_init, r"the columns of hidden layer 1's kernel are identical"),
    (frozen, r"only 0 of the model's 52,650 parameters are trainable"),
    (frozen_first_layer, r"only 2,410 of the model's 52,650 parameters are trainable"),
    (pops_hidden, r"changed its input `hidden` in place"),
    (fixed_specs_only, r"returned None.*seed="),
    (one_class_short, r"outputs of shape \(5, 10\), one score per class; yours gave \(5, 9\)"),
    (hard_coded, r"build_mlp\(\(64,\), \[\], 3\).*raised ValueError"),
    (extra_layer, r"should have 3 Dense layers \(2 hidden, then the output\); yours has 4"),
    (reversed_hidden, r"hidden layer 1 should go from 784 to 64 units.*\(784, 32\)"),
    (with_batch_norm, r"should have 52,650 parameters .*yours has 55,786"),
    (no_bias, "has no bias"),
])
def test_build_mlp_rejects_wrong_answers_specifically(answer, message):
    rejects(check.build_mlp, answer, message)


def test_build_mlp_rejects_a_lookup_table_of_an_earlier_run():
    rejects(check.build_mlp, lookup_table(check.build_mlp, sequential_mlp),
            r"returned None.*seed=")


def test_build_mlp_accepts_a_zero_output_layer_without_hidden_layers():
    def zero_logistic(input_shape, hidden, n_classes):
        if hidden:
            return sequential_mlp(input_shape, hidden, n_classes)
        return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(),
                                 keras.layers.Dense(n_classes, activation="softmax",
                                                    kernel_initializer="zeros")])
    assert check.build_mlp(zero_logistic) is True


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


class AddsToLogs(RightCallback):                # Keras callbacks may add entries to logs
    def on_epoch_end(self, epoch, logs=None):
        logs["reached"] = logs["accuracy"] >= self.threshold
        if logs["reached"]:
            self.model.stop_training = True


@pytest.mark.parametrize("answer", [RightCallback, WrittenDifferently, factory, SetsOne,
                                    AddsToLogs])
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


class SharedThreshold(keras.callbacks.Callback):
    """Keeps the threshold on the class: a second callback overwrites the first's."""

    def __init__(self, threshold):
        super().__init__()
        SharedThreshold.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= SharedThreshold.threshold:
            self.model.stop_training = True


class NotACallback:
    def __init__(self, threshold):
        self.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        pass


@pytest.mark.parametrize("answer, message", [
    (None, "`StopAtAccuracy` is None"),
    (RightCallback(0.9), "Pass the class itself"),
    (raises_value_error, "raised ValueError: boom"),
    (make_callback(lambda logs, t: logs["accuracy"] > t),
     "reached the threshold exactly, .* Yours stops only above it"),
    (make_callback(lambda logs, t: round(logs["accuracy"], 2) >= t),      # just under: stops
     r"accuracy 0\.8999999999999999, training should go on: 0\.8999999999999999 is just "
     r"under the threshold"),
    (make_callback(lambda logs, t: logs["accuracy"] >= t or np.isclose(logs["accuracy"], t)),
     "is just under the threshold"),
    (make_callback(lambda logs, t: logs["accuracy"] >= {0.9: 0.9, 0.75: 0.75,    # a table of
                                                        0.97: 0.97}.get(t, 0.0)),  # the fixed
     r"training should go on .*seed="),                                             # thresholds
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
     r"`on_train_begin\(\)` raised TypeError"),
    (SharedThreshold, r"should each keep their own threshold; the first one stopped after an "
                      r"epoch with accuracy 0\.7"),
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


def ce_log_softmax_by_hand(logits, y):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return [-np.mean(np.eye(logits.shape[1])[y] * log_p) * logits.shape[1]]   # a 1-item list


def ce_float32(logits, y):
    z = logits.astype("float32")
    m = z.max(axis=1, keepdims=True)
    return np.mean(m[:, 0] + np.log(np.exp(z - m).sum(axis=1)) - z[np.arange(len(y)), y])


def ce_keras_ops(logits, y):
    z = keras.ops.convert_to_tensor(logits)
    m = keras.ops.max(z, axis=1, keepdims=True)
    lse = m[:, 0] + keras.ops.log(keras.ops.sum(keras.ops.exp(z - m), axis=1))
    picked = keras.ops.take_along_axis(z, keras.ops.convert_to_tensor(y)[:, None], axis=1)
    return keras.ops.mean(lse - picked[:, 0])


def ce_row_by_row(logits, y):
    total = 0.0
    for row, label in zip(logits.tolist(), y.tolist()):
        m = max(row)
        total += m + np.log(sum(np.exp(v - m) for v in row)) - row[label]
    return total / len(y)


@pytest.mark.parametrize("answer", [ce_right, ce_log_softmax_by_hand, ce_float32, ce_keras_ops,
                                    ce_row_by_row])
def test_cross_entropy_accepts_right_answers_written_differently(answer):
    assert check.cross_entropy_from_logits(answer) is True


def rows(y):
    return np.arange(len(y)), y


def ce_no_shift(logits, y):
    with np.errstate(all="ignore"):
        return np.mean(np.log(np.exp(logits).sum(axis=1)) - logits[rows(y)])


def ce_softmax_then_log(logits, y):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    with np.errstate(divide="ignore"):
        return -np.mean(np.log((e / e.sum(axis=1, keepdims=True))[rows(y)]))


def ce_one_shift(logits, y):
    m = logits.max()
    with np.errstate(divide="ignore"):
        return np.mean(m + np.log(np.exp(logits - m).sum(axis=1)) - logits[rows(y)])


def ce_mean_shift(logits, y):
    m = logits.mean(axis=1, keepdims=True)
    with np.errstate(over="ignore"):
        return np.mean(m[:, 0] + np.log(np.exp(logits - m).sum(axis=1)) - logits[rows(y)])


def ce_clipped(logits, y):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return np.mean(-np.log(np.clip(p[rows(y)], 1e-7, 1)))


def ce_no_add_back(logits, y):
    m = logits.max(axis=1, keepdims=True)
    return np.mean(np.log(np.exp(logits - m).sum(axis=1)) - logits[rows(y)])


def ce_every_label(logits, y):
    m = logits.max(axis=1, keepdims=True)
    return np.mean(m[:, 0] + np.log(np.exp(logits - m).sum(axis=1)) - logits[:, y])


def ce_shifts_in_place(logits, y):
    logits -= logits.max(axis=1, keepdims=True)
    return np.mean(np.log(np.exp(logits).sum(axis=1)) - logits[rows(y)])


@pytest.mark.parametrize("answer, message", [
    (None, "`cross_entropy_from_logits` is None"),
    (3.0, "should be a function; got a float"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda z, y: -ce_right(z, y), "the sign is flipped"),
    (lambda z, y: ce_right(z, y) * len(y), "that is the sum over the batch"),
    (lambda z, y: ce_right(z, y) / z.shape[1], r"a mean over all n·k = 18 entries"),
    (lambda z, y: ce_right(z, y) + 1, r"the loss should be [\d.]+; yours gave [\d.]+\.$"),
    (lambda z, y: 1.0986, r"For logits \(6, 3\) = .* the loss should be [\d.]+; yours gave "
                          r"1\.0986\.$"),                                        # constant
    (lambda z, y: ce_right(z, (y + 1) % z.shape[1]), r"the loss should be"),   # wrong labels
    (ce_no_shift, r"logits \(3, 2\) = \[\[ 1000.* yours gave inf: exp of the raw logits "
                  r"overflows float64"),
    (ce_softmax_then_log, r"yours gave inf: a probability rounded to 0 before its log"),
    (ce_one_shift, r"logits \(3, 4\) = .* yours gave -inf: one shift for the whole batch"),
    (ce_mean_shift, r"each row is shifted, but not by its maximum"),
    (ce_clipped, r"Clipping \(or any floor on a probability\) caps the loss"),
    (ce_no_add_back, "shifted the logits by each row's maximum but did not add it back"),
    (ce_every_label, r"the logits of every example's label \(an n × n block\)"),
    (ce_shifts_in_place, "changed its input `logits` in place"),
    (lambda z, y: np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)) + z.max(1)
     - z[np.arange(len(y)), y], r"yours returned 6 values \(one per example\?\)"),
    (lambda z, y: None, "did you forget a `return`"),
    (lambda z, y: "1.2", "got the text"),
    (lambda z, y: np.nan, r"your loss is nan; it should be [\d.]+, a finite number"),
])
def test_cross_entropy_rejects_wrong_answers_specifically(answer, message):
    rejects(check.cross_entropy_from_logits, answer, message)


def test_cross_entropy_rejects_a_lookup_table_of_an_earlier_run():
    rejects(check.cross_entropy_from_logits, lookup_table(check.cross_entropy_from_logits,
                                                          ce_right), r"is None.*seed=")


def ce_keras_function(logits, y):
    return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(
        y, logits, from_logits=True))


def ce_keras_ops_loss(logits, y):
    return keras.ops.mean(keras.ops.sparse_categorical_crossentropy(y, logits, from_logits=True))


def ce_keras_class(logits, y):
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)


def ce_tf(logits, y):
    import tensorflow as tf
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))


def ce_logsumexp(logits, y):
    return np.mean(keras.ops.logsumexp(logits, axis=1) - logits[rows(y)])


def ce_scipy_logsumexp(logits, y):
    from scipy.special import logsumexp
    return np.mean(logsumexp(logits, axis=1) - logits[rows(y)])


def ce_log_softmax(logits, y):
    return -np.mean(keras.ops.log_softmax(logits, axis=1).numpy()[rows(y)])


@pytest.mark.parametrize("answer, used", [
    (ce_keras_function, "keras.losses.sparse_categorical_crossentropy"),
    (ce_keras_ops_loss, "keras.ops.sparse_categorical_crossentropy"),
    (ce_keras_class, "keras.losses.SparseCategoricalCrossentropy"),
    (ce_tf, "tf.nn.sparse_softmax_cross_entropy_with_logits"),
    (ce_logsumexp, "keras.ops.logsumexp"),
    (ce_scipy_logsumexp, "scipy.special.logsumexp"),
    (ce_log_softmax, "keras.ops.log_softmax"),
])
def test_cross_entropy_rejects_the_librarys_loss_and_log_sum_exp(answer, used):
    rejects(check.cross_entropy_from_logits, answer, f"your answer uses `{used}`")


def test_cross_entropy_stub_is_told_the_exercise_is_theirs():
    rejects(check.cross_entropy_from_logits,
            stub_for("4.4", "implement `cross_entropy_from_logits(logits, y)`"),
            r"^Exercise 4\.4 is yours: implement `cross_entropy_from_logits")
